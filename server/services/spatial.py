"""The spatial core at work on stored records: routing, linking and flags for complaints, and
the spatial settings (DESIGN §5); plausibility for visits is in
:mod:`server.services.visit_plausibility`.

The rules are pure functions in :mod:`gis` and :mod:`bureau`; this module only finds their
inputs with portable spatial SQL (an index-backed box around the point, then the exact
ellipsoidal test, the same on PostGIS and SpatiaLite) and stores what they conclude. Every
distance a rule compares is computed in Python from the coordinates, so both backends reach
the same answers on the same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import Point

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
from gis.distance import geodesic_distance_m
from gis.flags import Flag
from gis.linking import EnterpriseCandidate, LinkingRules, Suggestion, rank_candidates
from gis.plausibility import PlausibilityThresholds
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
from server.extensions import db
from server.models import Complaint, ComplaintFlag, ComplaintLink, Enterprise, Person, Project
from server.services.station_locator import StationLocator
from server.services.sync_wire import wire_point

OUTSIDE_STATION = "outside_station_area"
#: candidates the database pre-selects beyond ``max_suggestions`` (see enterprise_candidates)
PRESELECT_MARGIN = 5
#: how many more the fast pre-selection reads before it must prove it holds the answer
PRESELECT_EXTRA = 40


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


def lonlat(geometry) -> tuple[float, float] | None:
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
    where = lonlat(complaint.location)
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
    where = lonlat(complaint.location)
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
        [ComplaintPoint(uid, cat, *lonlat(loc), at) for uid, cat, loc, at in earlier],
        radius_m=settings.duplicate_radius_m,
        within_days=settings.duplicate_days,
    )
    closed = db.session.execute(
        sa.select(
            Complaint.uid,
            Enterprise.id,
            Enterprise.location,
            Complaint.closed_at,
            Complaint.category,
        )
        .join(ComplaintLink, ComplaintLink.complaint_id == Complaint.id)
        .join(Enterprise, Enterprise.id == ComplaintLink.enterprise_id)
        .where(
            ComplaintLink.status == "confirmed",
            Complaint.closed_at.is_not(None),
            Complaint.category == complaint.category,  # the rule checks it too; this narrows
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
        complaint.category,
        [ClosedCase(uid, eid, *lonlat(loc), at, cat) for uid, eid, loc, at, cat in closed],
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
        where = lonlat(complaint.location)
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
        [Resident(ref, *lonlat(p.location)) for ref, p in people.items()],
        [ProjectSite(pid, p.status, to_shape(p.footprint), p.name) for pid, p in projects.items()],
        within_m=settings.near_project_m,
    )
    return [(people[e.person_ref], projects[e.project_id], e.distance_m) for e in entries]
