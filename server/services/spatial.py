"""The spatial core at work on stored records: routing, linking and flags for complaints, and
plausibility for visits (DESIGN §5).

The rules are pure functions in :mod:`gis` and :mod:`bureau`; this module only finds their
inputs with portable spatial SQL (an index-backed box around the point, then the exact
ellipsoidal test, the same on PostGIS and SpatiaLite) and stores what they conclude. Every
distance a rule compares is computed in Python from the coordinates, so both backends reach
the same answers on the same data.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from shapely.ops import nearest_points
from sqlalchemy.dialects import postgresql

from bureau.complaint_flags import (
    NEW_PROJECT_STATUSES,
    TIME_IN_FUTURE,
    ClosedCase,
    ComplaintPoint,
    ProjectSite,
    Resident,
    device_time_flags,
    duplicate_flags,
    near_new_project_flags,
    rebound_flags,
    residents_near_projects,
)
from bureau.errors import InvalidInput
from bureau.linking_defaults import linking_rules
from bureau.scope import desk_for
from gis.bbox import BBox
from gis.distance import geodesic_distance_m, geodesic_distances_m
from gis.flags import Flag
from gis.linking import EnterpriseCandidate, LinkingRules, Suggestion, rank_candidates
from gis.plausibility import PlausibilityThresholds, PreviousVisit, check_visit
from gis.spatial_sql import (
    LOCAL_ERROR,
    LOCAL_REACH_M,
    PointInBBox,
    distance_m,
    dwithin_m,
    intersects_bbox,
    local_scale,
    make_point,
)
from server.bulk import insert_rows, one_of
from server.extensions import db
from server.models import (
    Complaint,
    ComplaintFlag,
    ComplaintLink,
    Enterprise,
    Person,
    Project,
    Visit,
    VisitFlag,
)
from server.models.base import UTCDateTime, utcnow
from server.services.station_locator import StationLocator
from server.services.sync_wire import wire_point

OUTSIDE_STATION = "outside_station_area"
#: candidates the database pre-selects beyond ``max_suggestions`` (see enterprise_candidates)
PRESELECT_MARGIN = 5
#: how many more the fast pre-selection reads before it must prove it holds the answer
PRESELECT_EXTRA = 40
#: a previous visit further back than this says nothing about travel speed
PREVIOUS_VISIT_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class SpatialSettings:
    linking: LinkingRules = field(default_factory=linking_rules)
    near_project_m: float = 500.0
    duplicate_radius_m: float = 300.0
    duplicate_days: float = 7
    rebound_radius_m: float = 1000.0
    rebound_days: float = 90
    visits: PlausibilityThresholds = field(default_factory=PlausibilityThresholds)

    @property
    def future_allowance_s(self) -> float:
        """How far ahead of the server's clock a device may date a record unflagged: the
        clock skew a sync batch may have (``SYNC_CLOCK_SKEW_FLAG_SECONDS``)."""
        return self.visits.future_allowance_s


def spatial_settings() -> SpatialSettings:
    """The app's spatial settings, read from its configuration once."""
    settings = current_app.extensions.get("fieldsync_spatial")
    if settings is None:
        settings = current_app.extensions["fieldsync_spatial"] = _settings_from_config()
    return settings


def _settings_from_config() -> SpatialSettings:
    config = current_app.config["FIELDSYNC"]
    return SpatialSettings(
        linking=linking_rules(radius_m=parse_radii(str(config.get("LINK_RADIUS_M") or ""))),
        near_project_m=float(config["NEAR_PROJECT_M"]),
        duplicate_radius_m=float(config["DUPLICATE_RADIUS_M"]),
        duplicate_days=float(config["DUPLICATE_DAYS"]),
        rebound_radius_m=float(config["REBOUND_RADIUS_M"]),
        rebound_days=float(config["REBOUND_DAYS"]),
        visits=PlausibilityThresholds(
            far_from_target_m=float(config["VISIT_FAR_FROM_TARGET_M"]),
            poor_accuracy_m=float(config["VISIT_POOR_ACCURACY_M"]),
            max_speed_kmh=float(config["VISIT_MAX_SPEED_KMH"]),
            future_allowance_s=float(config["SYNC_CLOCK_SKEW_FLAG_SECONDS"]),
        ),
    )


def parse_radii(text: str) -> dict[str, float]:
    """``"noise=300,odour=2500"`` → ``{"noise": 300.0, "odour": 2500.0}``."""
    radii: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        category, _, value = part.partition("=")
        try:
            radii[category.strip()] = float(value)
        except ValueError as error:
            raise InvalidInput(
                f"LINK_RADIUS_M: {part!r} is not category=metres",
                errors={"LINK_RADIUS_M": [part]},
            ) from error
    return radii


def around(lon: float, lat: float, metres: float) -> BBox:
    """A box that surely holds the circle of ``metres`` around the point (index pre-filter)."""
    return BBox(lon, lat, lon, lat).expanded(metres)


def _near(column, lon: float, lat: float, metres: float):
    return sa.and_(
        intersects_bbox(column, around(lon, lat, metres)),
        dwithin_m(column, make_point(lon, lat), metres),
    )


def _lonlat(geometry) -> tuple[float, float] | None:
    """A stored point (WKB from the database, or EWKT just assigned) as ``(lon, lat)``."""
    found = wire_point(geometry)
    return None if found is None else tuple(found["coordinates"][:2])


# -- complaints ------------------------------------------------------------------------------


def enterprise_candidates(
    lon: float, lat: float, category: str, rules: LinkingRules, keep: int | None = None
) -> list[EnterpriseCandidate]:
    """Enterprises around the point that may lie within the category's radius, with their
    distances measured here (:func:`gis.linking.rank_candidates` drops those beyond it).

    Near an industrial park a 5 km radius holds a couple of thousand enterprises, and
    measuring each on the ellipsoid, in the database or here, costs more than the rest of
    registering a complaint. So the database measures them on the tangent plane (plain
    arithmetic, within :data:`~gis.spatial_sql.LOCAL_ERROR`), and with ``keep`` it returns
    only those whose approximate score could place them among the best ``keep`` on the
    ellipsoid: a superset of the answer, never missing a member of it.
    """
    radius = rules.radius_for(category)
    local = radius <= LOCAL_REACH_M and abs(lat) <= 60
    error = LOCAL_ERROR if local else 0.0
    reach = radius * (1 + error)
    box = around(lon, lat, reach)
    per_lon, per_lat = local_scale(lat) if local else (0.0, 0.0)
    values = {
        "lon": lon,
        "lat": lat,
        "per_lon": per_lon,
        "per_lat": per_lat,
        "min_lon": box.min_lon,
        "min_lat": box.min_lat,
        "max_lon": box.max_lon,
        "max_lat": box.max_lat,
        "reach": reach,
    }
    dialect = db.session.get_bind().dialect.name
    statements = _candidate_statements(rules, category, local, keep, dialect)
    if keep is None:
        return _measured(lon, lat, db.session.execute(statements[0], values).all())
    # An approximate score is within eps of the ellipsoidal one, so every member of the true
    # best ``keep`` scores at least (the approximate keep-th best - 2 eps); 1e-4 more covers
    # the four-decimal rounding the ranking compares.
    weights = rules.distance_weight + rules.industry_weight + rules.pollutant_weight
    eps = rules.distance_weight * error * (1 + error) / weights
    slack = 2 * eps + 1e-4
    # The fast way: the best few dozen by approximate score, one top-N sort. They hold every
    # member of the answer unless the last of them still scores within the slack of the
    # keep-th (a crowd of near ties): then ask for everything above the threshold.
    limit = keep + PRESELECT_EXTRA
    rows = db.session.execute(statements[0], values).all()
    if len(rows) == limit and rows[-1].s >= rows[keep - 1].s - slack:
        rows = db.session.execute(statements[1], {**values, "slack": slack}).all()
    return _measured(lon, lat, [row[:5] for row in rows])


_STATEMENTS: dict[tuple, tuple[LinkingRules, tuple[sa.Select, ...]]] = {}


def _candidate_statements(
    rules: LinkingRules, category: str, local: bool, keep: int | None, dialect: str
) -> tuple[sa.Select, ...]:
    """The candidate queries for a category, built once (registration runs them per complaint;
    building them each time would cost more than the lookup). Values are bound at execution."""
    key = (id(rules), category, local, keep, dialect)
    found = _STATEMENTS.get(key)
    if found is not None and found[0] is rules:
        return found[1]
    bound = {name: sa.bindparam(name, type_=sa.Float) for name in (
        "lon", "lat", "per_lon", "per_lat", "min_lon", "min_lat", "max_lon", "max_lat", "reach"
    )}  # fmt: skip
    in_box = PointInBBox(
        Enterprise.location,
        bound["min_lon"],
        bound["min_lat"],
        bound["max_lon"],
        bound["max_lat"],
    )
    read = [
        Enterprise.id,
        sa.func.ST_X(Enterprise.location).label("x"),
        sa.func.ST_Y(Enterprise.location).label("y"),
        Enterprise.industry,
        Enterprise.pollutants,
    ]
    if not local:  # far-reaching rules: measure on the ellipsoid, exactly
        point = make_point(bound["lon"], bound["lat"])
        read.append(distance_m(Enterprise.location, point).label("d"))
    box = sa.select(*read).where(in_box).subquery()
    if local:
        dx = (box.c.x - bound["lon"]) * bound["per_lon"]
        dy = (box.c.y - bound["lat"]) * bound["per_lat"]
        d = sa.func.sqrt(dx * dx + dy * dy, type_=sa.Float)
    else:
        d = box.c.d
    near = sa.select(
        box.c.id, box.c.x, box.c.y, box.c.industry, box.c.pollutants, d.label("d")
    ).subquery()
    radius = rules.radius_for(category)
    weights = rules.distance_weight + rules.industry_weight + rules.pollutant_weight
    score = (
        rules.distance_weight * (1.0 - near.c.d / radius)
        + rules.industry_weight * _industry_fit_sql(category, rules, near.c.industry)
        + rules.pollutant_weight * _pollutant_fit_sql(category, rules, near.c.pollutants)
    ) / weights
    columns = (near.c.id, near.c.x, near.c.y, near.c.industry, near.c.pollutants)
    within = near.c.d <= bound["reach"]
    if keep is None:
        statements: tuple[sa.Select, ...] = (sa.select(*columns).where(within),)
    else:
        fast = (
            sa.select(*columns, score.label("s"))
            .where(within)
            .order_by(sa.desc("s"))
            .limit(keep + PRESELECT_EXTRA)
        )
        scored = (
            sa.select(*columns, score.label("s"))
            .where(within)
            .cte("scored")
            .prefix_with("MATERIALIZED")  # computed once, read twice
        )
        kth = (
            sa.select(scored.c.s).order_by(scored.c.s.desc()).limit(1).offset(keep - 1)
        ).scalar_subquery()
        threshold = sa.select(
            scored.c.id, scored.c.x, scored.c.y, scored.c.industry, scored.c.pollutants
        ).where(scored.c.s >= sa.func.coalesce(kth, -1.0) - sa.bindparam("slack", type_=sa.Float))
        statements = (fast, threshold)
    if len(_STATEMENTS) > 256:  # rules replaced many times (tests): start afresh
        _STATEMENTS.clear()
    _STATEMENTS[key] = (rules, statements)
    return statements


def _measured(lon: float, lat: float, rows) -> list[EnterpriseCandidate]:
    return [
        EnterpriseCandidate(
            eid, geodesic_distance_m(lon, lat, x, y), industry, tuple(pollutants or ())
        )
        for eid, x, y, industry, pollutants in rows
    ]


def _industry_fit_sql(category: str, rules: LinkingRules, industry):
    fits = rules.industry_fit.get(category, {})
    if not fits:
        return sa.literal(0.0)
    return sa.case(
        *((industry == code, float(fit)) for code, fit in sorted(fits.items())), else_=0.0
    )


def _pollutant_fit_sql(category: str, rules: LinkingRules, pollutants):
    """The best fit among the enterprise's declared pollutants (a JSON list of codes)."""
    fits = sorted(rules.pollutant_fit.get(category, {}).items(), key=lambda item: -item[1])
    if not fits:
        return sa.literal(0.0)
    text = sa.cast(pollutants, sa.Text)
    return sa.case(*((text.contains(f'"{code}"'), float(fit)) for code, fit in fits), else_=0.0)


def suggest_enterprises(
    category: str, lon: float, lat: float, settings: SpatialSettings
) -> list[Suggestion]:
    rules = settings.linking
    keep = None if rules.max_suggestions is None else rules.max_suggestions + PRESELECT_MARGIN
    return rank_candidates(category, enterprise_candidates(lon, lat, category, rules, keep), rules)


def link_complaint(complaint: Complaint, settings: SpatialSettings) -> list[ComplaintLink]:
    """Replace the complaint's undecided suggestions with fresh ones; decided links stay."""
    links = list(
        db.session.execute(
            sa.select(ComplaintLink).where(ComplaintLink.complaint_id == complaint.id)
        ).scalars()
    )
    decided = {link.enterprise_id for link in links if link.status != "suggested"}
    for link in links:
        if link.status == "suggested":
            db.session.delete(link)
    db.session.flush()
    where = _lonlat(complaint.location)
    if where is None:
        return []
    fresh = []
    suggestions = suggest_enterprises(complaint.category, *where, settings)
    for rank, suggestion in enumerate(
        (s for s in suggestions if s.enterprise_id not in decided), start=1
    ):
        fresh.append(
            ComplaintLink(
                complaint_id=complaint.id,
                enterprise_id=suggestion.enterprise_id,
                rank=rank,
                distance_m=suggestion.distance_m,
                score=suggestion.score,
                reasons=list(suggestion.reasons),
            )
        )
    db.session.add_all(fresh)
    return fresh


def complaint_flags(
    complaint: Complaint, settings: SpatialSettings, locator: StationLocator | None = None
) -> list[Flag]:
    where = _lonlat(complaint.location)
    if where is None:
        return []
    lon, lat = where
    flags: list[Flag] = []
    projects = db.session.execute(
        sa.select(Project.id, Project.name, Project.status, Project.footprint).where(
            Project.status.in_(sorted(NEW_PROJECT_STATUSES)),
            _near(Project.footprint, lon, lat, settings.near_project_m),
        )
    ).all()
    flags += near_new_project_flags(
        lon,
        lat,
        [ProjectSite(pid, status, to_shape(fp), name) for pid, name, status, fp in projects],
        within_m=settings.near_project_m,
    )
    received = complaint.received_at
    window = timedelta(days=settings.duplicate_days)
    earlier = db.session.execute(
        sa.select(Complaint.uid, Complaint.category, Complaint.location, Complaint.received_at)
        .where(
            Complaint.category == complaint.category,
            Complaint.id != complaint.id,
            Complaint.received_at >= received - window,
            Complaint.received_at <= received,
            _near(Complaint.location, lon, lat, settings.duplicate_radius_m),
        )
        .order_by(Complaint.id)
    ).all()
    flags += duplicate_flags(
        ComplaintPoint(complaint.uid, complaint.category, lon, lat, received),
        [ComplaintPoint(uid, cat, *_lonlat(loc), at) for uid, cat, loc, at in earlier],
        radius_m=settings.duplicate_radius_m,
        within_days=settings.duplicate_days,
    )
    closed = db.session.execute(
        sa.select(Complaint.uid, Enterprise.id, Enterprise.location, Complaint.closed_at)
        .join(ComplaintLink, ComplaintLink.complaint_id == Complaint.id)
        .join(Enterprise, Enterprise.id == ComplaintLink.enterprise_id)
        .where(
            ComplaintLink.status == "confirmed",
            Complaint.closed_at.is_not(None),
            Complaint.closed_at >= received - timedelta(days=settings.rebound_days),
            Complaint.closed_at <= received,
            Complaint.id != complaint.id,
            _near(Enterprise.location, lon, lat, settings.rebound_radius_m),
        )
        .order_by(Complaint.id, Enterprise.id)
    ).all()
    flags += rebound_flags(
        lon,
        lat,
        received,
        [ClosedCase(uid, eid, *_lonlat(loc), at) for uid, eid, loc, at in closed],
        radius_m=settings.rebound_radius_m,
        window_days=settings.rebound_days,
    )
    if locator is not None and complaint.station_id is not None:
        decision = locator.route(Point(lon, lat))
        if decision.station_id != complaint.station_id:
            flags.append(
                Flag(
                    OUTSIDE_STATION,
                    f"the location lies outside the station's area ({decision.reason})",
                    {"routed_to": decision.destination},
                    related=decision.station_code,
                )
            )
    return flags


def _complaint_flag_rows(complaint: Complaint, flags: Iterable[Flag]) -> list[ComplaintFlag]:
    rows = [
        ComplaintFlag(
            complaint_id=complaint.id,
            code=flag.code,
            reason=flag.reason,
            measured=dict(flag.measured),
            related=None if flag.related is None else str(flag.related),
        )
        for flag in flags
    ]
    db.session.add_all(rows)
    return rows


def flag_complaint(
    complaint: Complaint, settings: SpatialSettings, locator: StationLocator | None = None
) -> list[ComplaintFlag]:
    """Replace the complaint's flags from its place with freshly computed ones (a flag on the
    device's clock, ``time_in_future``, is about the record and stays)."""
    db.session.execute(
        sa.delete(ComplaintFlag).where(
            ComplaintFlag.complaint_id == complaint.id, ComplaintFlag.code != TIME_IN_FUTURE
        )
    )
    return _complaint_flag_rows(complaint, complaint_flags(complaint, settings, locator))


def flag_complaint_time(
    complaint: Complaint, captured_at: str | None, now: datetime, settings: SpatialSettings
) -> list[ComplaintFlag]:
    """Flag a complaint a device dated in the future: its mutation's ``captured_at`` (a
    device-made complaint has no time field of its own; the server dates it on receipt)
    beyond ``now`` plus the clock skew allowed."""
    flags = device_time_flags(captured_at, now, settings.future_allowance_s)
    return _complaint_flag_rows(complaint, flags) if flags else []


def analyse_complaint(
    complaint: Complaint, settings: SpatialSettings, locator: StationLocator
) -> None:
    """Desk, links and flags for a new complaint or one whose location was corrected."""
    complaint.desk = desk_for(complaint.category)
    db.session.flush()
    link_complaint(complaint, settings)
    flag_complaint(complaint, settings, locator)


def route_and_analyse(
    complaints: Iterable[Complaint], settings: SpatialSettings, locator: StationLocator
) -> int:
    """Route (station by place) and analyse complaints registered at the county desk, e.g. a
    batch imported from the hotline's system; returns how many were done."""
    done = 0
    for complaint in complaints:
        where = _lonlat(complaint.location)
        if where is not None:
            complaint.station_id = locator.route(Point(*where)).station_id
        analyse_complaint(complaint, settings, locator)
        done += 1
    return done


def residents_near_new_projects(
    settings: SpatialSettings, station_id: int | None = None
) -> list[tuple[Person, Project, float]]:
    """Must-visit people living within ``near_project_m`` of a new project's footprint (for
    the outreach rosters), each once with the nearest such project, by person ref."""
    projects = {
        p.id: p
        for p in db.session.execute(
            sa.select(Project).where(Project.status.in_(sorted(NEW_PROJECT_STATUSES)))
        )
        .unique()
        .scalars()
    }
    query = sa.select(Person).where(Person.location.is_not(None))
    if station_id is not None:
        query = query.where(Person.station_id == station_id)
    people = {p.ref: p for p in db.session.execute(query).unique().scalars()}
    entries = residents_near_projects(
        [Resident(ref, *_lonlat(p.location)) for ref, p in people.items()],
        [ProjectSite(pid, p.status, to_shape(p.footprint), p.name) for pid, p in projects.items()],
        within_m=settings.near_project_m,
    )
    return [(people[e.person_ref], projects[e.project_id], e.distance_m) for e in entries]


# -- visits ----------------------------------------------------------------------------------


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
        lon, lat = _lonlat(visit.location)
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
