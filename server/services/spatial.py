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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from shapely.ops import nearest_points

from bureau.complaint_flags import (
    NEW_PROJECT_STATUSES,
    ClosedCase,
    ComplaintPoint,
    ProjectSite,
    Resident,
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
from server.bulk import one_of
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
from server.models.base import utcnow
from server.services.registry import StationLocator
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


def flag_complaint(
    complaint: Complaint, settings: SpatialSettings, locator: StationLocator | None = None
) -> list[ComplaintFlag]:
    """Replace the complaint's flags with freshly computed ones."""
    db.session.execute(sa.delete(ComplaintFlag).where(ComplaintFlag.complaint_id == complaint.id))
    rows = [
        ComplaintFlag(
            complaint_id=complaint.id,
            code=flag.code,
            reason=flag.reason,
            measured=dict(flag.measured),
            related=None if flag.related is None else str(flag.related),
        )
        for flag in complaint_flags(complaint, settings, locator)
    ]
    db.session.add_all(rows)
    return rows


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
    """The geometry of every visit target named in ``fixes``, by (kind, ref)."""
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
        for ref, value in db.session.execute(
            sa.select(key, geometry).where(key.in_(sorted(refs)), geometry.is_not(None))
        ):
            found[(kind, ref)] = to_shape(value)
    return found


@lru_cache(maxsize=2)
def _history_statement(stored: bool) -> sa.CompoundSelect:
    """One inspector's stored visits that can be the one just before a visit at a time in
    [``:first``, ``:last``]: those from ``:first`` up to ``:last``, and the last one before
    ``:first`` (not before ``:start``), read backwards along the (inspector, visited_at)
    index. With ``stored``, the visits ``:excluded`` (the ones being judged) are left out.
    Built once: a push runs it every time, and building it cost more than running it."""
    columns = (
        Visit.inspector_id,
        sa.func.ST_X(Visit.location),
        sa.func.ST_Y(Visit.location),
        Visit.visited_at,
        Visit.accuracy_m,
    )
    mine = Visit.inspector_id == sa.bindparam("inspector")
    if stored:
        mine = sa.and_(mine, Visit.uid.not_in(sa.bindparam("excluded", expanding=True)))
    during = sa.select(*columns).where(
        mine, Visit.visited_at >= sa.bindparam("first"), Visit.visited_at < sa.bindparam("last")
    )
    last_before = (
        sa.select(*columns)
        .where(
            mine,
            Visit.visited_at >= sa.bindparam("start"),
            Visit.visited_at < sa.bindparam("first"),
        )
        .order_by(Visit.visited_at.desc())
        .limit(1)
        .subquery()
    )
    return sa.union_all(during, sa.select(*last_before.c))


def _previous_fixes(
    fixes: Sequence[VisitFix], stored: bool = True
) -> dict[int, list[tuple[datetime, PreviousVisit]]]:
    """Each inspector's stored visits that can be the one just before one of ``fixes``
    (leaving out the ``fixes`` themselves when they are ``stored`` already): those from the
    earliest of ``fixes`` up to the latest, and the last one before the earliest, within
    :data:`PREVIOUS_VISIT_WINDOW`. Any earlier one is nobody's previous visit, since that last
    one comes after it; a day's outbox pushed at once would otherwise read back hundreds.
    """
    by_inspector: dict[int, list[VisitFix]] = {}
    for fix in fixes:
        if fix.inspector_id is not None:
            by_inspector.setdefault(fix.inspector_id, []).append(fix)
    out: dict[int, list[tuple[datetime, PreviousVisit]]] = {}
    for inspector, own in by_inspector.items():
        first = min(f.at for f in own)
        values = {
            "inspector": inspector,
            "first": first,
            "last": max(f.at for f in own),
            "start": first - PREVIOUS_VISIT_WINDOW,
        }
        if stored:
            values["excluded"] = [f.uid for f in own]
        rows = db.session.execute(_history_statement(stored), values)
        out[inspector] = [
            (at, PreviousVisit(lon, lat, at, accuracy)) for _i, lon, lat, at, accuracy in rows
        ]
    return out


def visit_flags(
    fixes: Sequence[VisitFix], settings: SpatialSettings, stored: bool = True
) -> dict[str, list[Flag]]:
    """Plausibility flags per visit uid (only visits with flags appear). ``stored``: the
    visits are in the database already (else they are about to be inserted)."""
    if not fixes:
        return {}
    targets = _targets(fixes)
    history = _previous_fixes(fixes, stored)
    for fix in fixes:
        if fix.inspector_id is not None:
            history.setdefault(fix.inspector_id, []).append(
                (fix.at, PreviousVisit(fix.lon, fix.lat, fix.at, fix.accuracy_m))
            )
    times: dict[int | None, list[datetime]] = {}
    for inspector, entries in history.items():
        entries.sort(key=lambda item: item[0])
        times[inspector] = [at for at, _visit in entries]
    # each visit's previous one: the inspector's last visit strictly before it (a binary
    # search: a push holds hundreds of one inspector's visits); their distances in one go
    previous_of: list[PreviousVisit | None] = []
    for fix in fixes:
        before = bisect_left(times.get(fix.inspector_id, ()), fix.at)
        previous_of.append(history[fix.inspector_id][before - 1][1] if before else None)
    paired = [(p, f) for p, f in zip(previous_of, fixes, strict=True) if p is not None]
    distances = iter(
        geodesic_distances_m(
            [p.lon for p, _f in paired],
            [p.lat for p, _f in paired],
            [f.lon for _p, f in paired],
            [f.lat for _p, f in paired],
        )
    )
    out: dict[str, list[Flag]] = {}
    for fix, previous in zip(fixes, previous_of, strict=True):
        target = None
        geometry = targets.get((fix.target_kind, fix.target_ref or ""))
        if geometry is not None:
            nearest = nearest_points(geometry, Point(fix.lon, fix.lat))[0]
            target = (nearest.x, nearest.y)
        check = check_visit(
            fix.lon,
            fix.lat,
            fix.accuracy_m,
            fix.at,
            mock_location=fix.mock_location,
            target=target,
            previous=previous,
            thresholds=settings.visits,
            from_previous_m=None if previous is None else next(distances),
        )
        if check.flags:
            out[fix.uid] = list(check.flags)
    return out


def store_visit_flags(flags: dict[str, list[Flag]]) -> int:
    """Store flags for visits already written (found by uid); returns how many were stored."""
    if not flags:
        return 0
    ids = dict(
        db.session.execute(
            sa.select(Visit.uid, Visit.id).where(one_of(db.session, Visit.uid, list(flags)))
        ).all()
    )
    now = utcnow()
    rows = [
        VisitFlag(
            visit_id=ids[uid],
            code=flag.code,
            reason=flag.reason,
            measured=dict(flag.measured),
            related=None if flag.related is None else str(flag.related),
            created_at=now,
        )
        for uid, found in flags.items()
        for flag in found
    ]
    db.session.add_all(rows)
    return len(rows)


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
