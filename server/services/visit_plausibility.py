"""Plausibility for visits on stored records (DESIGN §5): a visit far from its target, with poor
accuracy, or implying impossible travel since the same inspector's previous visit is flagged,
not refused.

The rules are pure functions in :mod:`gis.plausibility`; this module finds their inputs (the
targets named, each visit's previous one, stored or in the same batch) and stores the flags,
with the visits themselves when a push inserts them in bulk.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from shapely.ops import nearest_points
from sqlalchemy.dialects import postgresql

from gis.distance import geodesic_distances_m
from gis.flags import Flag
from gis.plausibility import PreviousVisit, check_visit
from server.bulk import insert_rows, one_of
from server.extensions import db
from server.models import Complaint, Enterprise, Person, Project, Visit, VisitFlag
from server.models.base import UTCDateTime, utcnow
from server.services.spatial import SpatialSettings, lonlat

#: a previous visit further back than this says nothing about travel speed
PREVIOUS_VISIT_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class VisitFix:
    """What plausibility needs of one visit."""

    uid: str
    inspector_id: int | None
    lon: float
    lat: float
    accuracy_m: float | None
    at: datetime
    mock_location: bool | None
    target_kind: str
    target_ref: str | None


def _targets(fixes: Sequence[VisitFix]) -> dict[tuple[str, str], Any]:
    """The geometry of every visit target named in ``fixes``, by (kind, ref): a point target
    as its ``(lon, lat)`` read in SQL (no geometry to decode), a footprint as a shape."""
    wanted: dict[str, set[str]] = {}
    for fix in fixes:
        if fix.target_ref and fix.target_kind != "place":
            wanted.setdefault(fix.target_kind, set()).add(fix.target_ref)
    found: dict[tuple[str, str], Any] = {}
    sources = {
        "enterprise": (Enterprise.credit_code, Enterprise.location),
        "person": (Person.ref, Person.location),
        "project": (Project.approval_number, Project.footprint),
        "complaint": (Complaint.uid, Complaint.location),
    }
    for kind, refs in wanted.items():
        key, geometry = sources[kind]
        where = (one_of(db.session, key, sorted(refs)), geometry.is_not(None))
        if geometry.type.geometry_type == "POINT":
            for ref, x, y in db.session.execute(
                sa.select(key, sa.func.ST_X(geometry), sa.func.ST_Y(geometry)).where(*where)
            ):
                found[(kind, ref)] = (x, y)
        else:
            for ref, value in db.session.execute(sa.select(key, geometry).where(*where)):
                found[(kind, ref)] = to_shape(value)
    return found


#: each (inspector, time)'s last stored visit strictly before it and not more than ``:window``
#: before it: one backward step along the (inspector, visited_at) index per pair
_NEIGHBOURS_POSTGRESQL = sa.text(
    """
    SELECT t.n, p.x, p.y, p.visited_at, p.accuracy_m
    FROM unnest(CAST(:inspectors AS integer[]), CAST(:times AS timestamptz[]))
        WITH ORDINALITY AS t(inspector, at, n)
    CROSS JOIN LATERAL (
        SELECT ST_X(v.location) AS x, ST_Y(v.location) AS y, v.visited_at, v.accuracy_m
        FROM visit AS v
        WHERE v.inspector_id = t.inspector
          AND v.visited_at < t.at
          AND v.visited_at >= t.at - CAST(:window AS interval)
        ORDER BY v.visited_at DESC, v.id DESC
        LIMIT 1
    ) AS p
    """
).columns(visited_at=UTCDateTime())


#: the same on SQLite: a correlated subquery per (inspector, time, time - window) of a JSON
#: list; the times in the form the column stores them, so that they compare as text
_NEIGHBOURS_SQLITE = sa.text(
    """
    SELECT CAST(t.key AS INTEGER) + 1 AS n, ST_X(v.location) AS x, ST_Y(v.location) AS y,
        v.visited_at, v.accuracy_m
    FROM json_each(:pairs) AS t
    JOIN visit AS v ON v.id = (
        SELECT w.id FROM visit AS w
        WHERE w.inspector_id = json_extract(t.value, '$[0]')
          AND w.visited_at < json_extract(t.value, '$[1]')
          AND w.visited_at >= json_extract(t.value, '$[2]')
        ORDER BY w.visited_at DESC, w.id DESC
        LIMIT 1
    )
    """
).columns(visited_at=UTCDateTime())


@lru_cache(maxsize=4)
def _stored_time(dialect: sa.engine.Dialect):
    """A time as the ``visited_at`` column stores it on SQLite (text that sorts as time)."""
    return Visit.__table__.c.visited_at.type.dialect_impl(dialect).bind_processor(dialect)


def _stored_neighbours(fixes: Sequence[VisitFix]) -> dict[tuple[int, datetime], PreviousVisit]:
    """For each inspector and time among ``fixes``: the inspector's last stored visit strictly
    before that time, within :data:`PREVIOUS_VISIT_WINDOW` (when there is one).

    One query for the whole batch, one index step per distinct time, whatever the number of
    stored visits and however the batch's times are spread: a day's outbox, or visits of
    several weeks in any order, reads at most one stored visit per visit it judges. A visit
    being judged that is stored already is never its own neighbour (not strictly before).
    """
    pairs = sorted({(f.inspector_id, f.at) for f in fixes if f.inspector_id is not None})
    if not pairs:
        return {}
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        rows = db.session.execute(
            _NEIGHBOURS_POSTGRESQL,
            {  # array literals: one text each to adapt, not a list of 500 values
                "inspectors": "{" + ",".join(str(inspector) for inspector, _at in pairs) + "}",
                "times": "{" + ",".join(at.isoformat() for _inspector, at in pairs) + "}",
                "window": PREVIOUS_VISIT_WINDOW,
            },
        )
    else:
        stored = _stored_time(bind.dialect)
        listed = [
            [inspector, stored(at), stored(at - PREVIOUS_VISIT_WINDOW)] for inspector, at in pairs
        ]
        rows = db.session.execute(_NEIGHBOURS_SQLITE, {"pairs": orjson.dumps(listed).decode()})
    return {pairs[n - 1]: PreviousVisit(x, y, at, accuracy) for n, x, y, at, accuracy in rows}


def _previous_of(fixes: Sequence[VisitFix]) -> list[PreviousVisit | None]:
    """Each visit's previous one: the same inspector's last visit strictly before it, stored
    or among ``fixes`` (at the same time the one among ``fixes`` counts), unless it lies
    more than :data:`PREVIOUS_VISIT_WINDOW` before."""
    stored = _stored_neighbours(fixes)
    own: dict[int, list[VisitFix]] = {}
    for fix in fixes:
        if fix.inspector_id is not None:
            own.setdefault(fix.inspector_id, []).append(fix)
    times: dict[int, list[datetime]] = {}
    for inspector, entries in own.items():
        entries.sort(key=lambda f: f.at)  # stable: at one time, the later in the batch counts
        times[inspector] = [f.at for f in entries]
    out: list[PreviousVisit | None] = []
    for fix in fixes:
        if fix.inspector_id is None:
            out.append(None)
            continue
        previous = stored.get((fix.inspector_id, fix.at))
        before = bisect_left(times[fix.inspector_id], fix.at)
        if before:
            mine = own[fix.inspector_id][before - 1]
            if previous is None or mine.at >= previous.at:
                previous = PreviousVisit(mine.lon, mine.lat, mine.at, mine.accuracy_m)
        if previous is not None and fix.at - previous.at > PREVIOUS_VISIT_WINDOW:
            previous = None
        out.append(previous)
    return out


def _target_points(
    fixes: Sequence[VisitFix], targets: dict[tuple[str, str], Any]
) -> list[tuple[float, float] | None]:
    """The nearest point of each visit's target (a point target is its own nearest point)."""
    out: list[tuple[float, float] | None] = []
    for fix in fixes:
        geometry = targets.get((fix.target_kind, fix.target_ref or ""))
        if geometry is None:
            out.append(None)
        elif type(geometry) is tuple:
            out.append(geometry)
        elif geometry.geom_type == "Point":
            out.append((geometry.x, geometry.y))
        else:
            nearest = nearest_points(geometry, Point(fix.lon, fix.lat))[0]
            out.append((nearest.x, nearest.y))
    return out


def _distances(pairs: list[tuple[float, float, float, float]]) -> Iterator[float]:
    if not pairs:
        return iter(())
    lon1, lat1, lon2, lat2 = zip(*pairs, strict=True)
    return iter(geodesic_distances_m(lon1, lat1, lon2, lat2))


def visit_flags(
    fixes: Sequence[VisitFix],
    settings: SpatialSettings,
    stored: bool = True,
    now: datetime | None = None,
) -> dict[str, list[Flag]]:
    """Plausibility flags per visit uid (only visits with flags appear). ``stored``: the
    visits are in the database already (else they are about to be inserted; either way a
    visit is judged against the one just before it). ``now``: the server's clock, to judge
    visits dated in the future (``time_in_future``); without it their time is not judged.

    Two reads (the targets named, each visit's stored neighbour in time) and one vectorised
    pass over the distances, for any number of visits."""
    del stored  # a stored visit is never its own previous one (see _stored_neighbours)
    if not fixes:
        return {}
    previous_of = _previous_of(fixes)
    target_of = _target_points(fixes, _targets(fixes))
    # both kinds of distance in one vectorised pass (each pair's result does not depend on
    # the others: the iteration freezes a pair when it converges), so that a small push pays
    # NumPy's fixed cost once
    pairs = [(p.lon, p.lat, f.lon, f.lat) for p, f in zip(previous_of, fixes, strict=True) if p]
    from_previous_count = len(pairs)
    pairs += [(f.lon, f.lat, *t) for t, f in zip(target_of, fixes, strict=True) if t is not None]
    distances = list(_distances(pairs))
    from_previous = iter(distances[:from_previous_count])
    to_target = iter(distances[from_previous_count:])
    out: dict[str, list[Flag]] = {}
    for fix, previous, target in zip(fixes, previous_of, target_of, strict=True):
        check = check_visit(
            fix.lon,
            fix.lat,
            fix.accuracy_m,
            fix.at,
            mock_location=fix.mock_location,
            target=target,
            previous=previous,
            thresholds=settings.visits,
            from_previous_m=None if previous is None else next(from_previous),
            to_target_m=None if target is None else next(to_target),
            now=now,
        )
        if check.flags:
            out[fix.uid] = list(check.flags)
    return out


def store_visit_flags(flags: dict[str, list[Flag]]) -> int:
    """Store flags for visits already written (found by uid); returns how many were stored.

    One read of the flagged visits' ids and one bulk insert (COPY on PostgreSQL), no ORM
    objects: a push of 500 visits may flag most of them."""
    if not flags:
        return 0
    ids = dict(
        db.session.execute(
            sa.select(Visit.uid, Visit.id).where(one_of(db.session, Visit.uid, list(flags)))
        ).all()
    )
    now = utcnow()
    rows = [
        {
            "visit_id": ids[uid],
            "code": flag.code,
            "reason": flag.reason,
            "measured": dict(flag.measured),
            "related": None if flag.related is None else str(flag.related),
            "created_at": now,
        }
        for uid, found in flags.items()
        for flag in found
    ]
    insert_rows(db.session, VisitFlag.__table__, rows)
    return len(rows)


@lru_cache(maxsize=8)
def _visits_with_flags_statement(names: tuple[str, ...]) -> sa.TextClause:
    """PostgreSQL: insert visits (columns ``names``) and their flags in one statement, both
    read from JSON parameters; visits whose uid is stored already (ON CONFLICT) or was
    deleted (a tombstone) are skipped, and so are their flags. Answers the uids inserted."""
    dialect = postgresql.dialect()
    table = Visit.__table__
    record = ", ".join(
        f"{name} {'text' if name == 'location' else table.c[name].type.compile(dialect)}"
        for name in names
    )
    values = ", ".join(
        "ST_GeomFromEWKT(r.location)" if name == "location" else f"r.{name}" for name in names
    )
    return sa.text(
        f"""
        WITH v AS (
            INSERT INTO visit ({", ".join(names)})
            SELECT {values} FROM json_to_recordset(CAST(:rows AS json)) AS r({record})
            WHERE NOT EXISTS (
                SELECT 1 FROM sync_tombstone AS t
                WHERE t.record_uid = r.uid AND t.entity = 'visit'
            )
            ON CONFLICT (uid) DO NOTHING
            RETURNING id, uid
        ), f AS (
            INSERT INTO visit_flag (visit_id, code, reason, measured, related, created_at)
            SELECT v.id, f.code, f.reason, f.measured, f.related, CAST(:now AS timestamptz)
            FROM json_to_recordset(CAST(:flags AS json))
                AS f(uid text, code text, reason text, measured json, related text)
            JOIN v ON v.uid = f.uid
        )
        SELECT uid FROM v
        """
    )


def insert_visits_with_flags(
    rows: Sequence[dict[str, Any]], flags: dict[str, list[Flag]]
) -> set[str]:
    """Insert new visits (dicts keyed by column, all with the same keys) and their flags (by
    visit uid); returns the uids inserted. A visit whose uid is stored already, or deleted
    (PostgreSQL), is not (nor are its flags): the caller decides about it.

    On PostgreSQL one statement does it all: the rows travel as one JSON text (the driver
    adapts one parameter instead of thousands), the visits' ids go straight to their flags
    (no read-back), and a uid taken already is skipped, not an error. On SQLite (no round
    trips, no COPY) an ``executemany`` and :func:`store_visit_flags`; a uid taken already
    raises there, as the unique index says."""
    if not rows:
        return set()
    if db.session.get_bind().dialect.name != "postgresql":
        insert_rows(db.session, Visit.__table__, rows)
        store_visit_flags(flags)
        return {row["uid"] for row in rows}
    names = tuple(rows[0])
    listed = [
        {**row, "location": str(row["location"])} if "location" in row else row for row in rows
    ]
    flagged = [
        {
            "uid": uid,
            "code": flag.code,
            "reason": flag.reason,
            "measured": flag.measured,
            "related": None if flag.related is None else str(flag.related),
        }
        for uid, found in flags.items()
        for flag in found
    ]
    found = db.session.execute(
        _visits_with_flags_statement(names),
        {
            "rows": orjson.dumps(listed).decode(),
            "flags": orjson.dumps(flagged).decode(),
            "now": utcnow(),
        },
    )
    return set(found.scalars())


def fixes_of(visits: Iterable[Visit]) -> list[VisitFix]:
    out = []
    for visit in visits:
        lon, lat = lonlat(visit.location)
        out.append(
            VisitFix(
                visit.uid,
                visit.inspector_id,
                lon,
                lat,
                visit.accuracy_m,
                visit.visited_at,
                visit.mock_location,
                visit.target_kind,
                visit.target_ref,
            )
        )
    return out
