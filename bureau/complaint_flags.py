"""Flags on a complaint from what lies around it: new projects, recent duplicates, rebounds.

Each rule is a pure function over plain records that the caller has already narrowed with an
indexed spatial query (a bounding box padded with :func:`gis.distance.metres_to_degree_deltas`
is enough: the exact test is done here, in metres on the ellipsoid). Each returns
:class:`~gis.flags.Flag` objects, nearest first, whose ``related`` names the project, complaint
or case concerned, so an officer sees *which* one and *why*:

- ``near_new_project``: within a project's footprint plus ``within_m``; only projects that are
  approved or under construction count (:data:`NEW_PROJECT_STATUSES`): a completed project is
  no longer new and a suspended one is not making the nuisance;
- ``likely_duplicate``: an earlier complaint of the same category within ``radius_m`` and
  ``within_days``; the earlier one is the original and is not flagged in return;
- ``rebound`` (反弹): within ``radius_m`` of an enterprise whose linked case *of the same
  category* was closed no more than ``window_days`` before this complaint was received. A
  rebound is the problem that was closed coming back: a noise complaint near a plant whose
  odour case closed last month says nothing about the odour (it may still be a duplicate of
  another noise complaint, which ``likely_duplicate`` catches);
- ``time_in_future``: the device that recorded the complaint dated it (its mutation's
  ``captured_at``) beyond the server's clock plus the allowed clock skew
  (:func:`device_time_flags`; the rule is :func:`gis.plausibility.future_time_flag`, which
  visits share). Unlike the others it is about the record, not the place, so a corrected
  location keeps it.

:func:`residents_near_projects` lists the must-visit residents around new projects (新建项目
周边群众) for the outreach roster.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shapely.geometry.base import BaseGeometry

from gis.distance import geodesic_distance_m
from gis.flags import Flag, format_metres
from gis.plausibility import TIME_IN_FUTURE, future_time_flag
from gis.proximity import distance_to_geometry_m

__all__ = [
    "DEFAULT_DUPLICATE_DAYS",
    "DEFAULT_DUPLICATE_RADIUS_M",
    "DEFAULT_NEAR_PROJECT_M",
    "DEFAULT_REBOUND_DAYS",
    "DEFAULT_REBOUND_RADIUS_M",
    "LIKELY_DUPLICATE",
    "NEAR_NEW_PROJECT",
    "NEW_PROJECT_STATUSES",
    "REBOUND",
    "TIME_IN_FUTURE",
    "ClosedCase",
    "ComplaintPoint",
    "ProjectSite",
    "Resident",
    "RosterEntry",
    "device_time_flags",
    "duplicate_flags",
    "near_new_project_flags",
    "rebound_flags",
    "residents_near_projects",
]

NEAR_NEW_PROJECT = "near_new_project"
LIKELY_DUPLICATE = "likely_duplicate"
REBOUND = "rebound"

NEW_PROJECT_STATUSES: frozenset[str] = frozenset({"approved", "under_construction"})
"""Project statuses (:data:`~bureau.vocabulary.PROJECT_STATUSES`) that count as "new"."""

DEFAULT_NEAR_PROJECT_M = 500.0
"""Construction noise and dust reach the first rows of houses; 500 m is the bureau's usual
"within 500 m" and covers the neighbours an impact assessment consults."""
DEFAULT_DUPLICATE_RADIUS_M = 300.0
"""Two callers about one nuisance pin it a street apart, not a village apart."""
DEFAULT_DUPLICATE_DAYS = 7
"""A week: the same nuisance reported again before the first report was acted on."""
DEFAULT_REBOUND_RADIUS_M = 1000.0
"""Near the enterprise: inside most categories' linking radius, excluding the wider waste
water and odour radii that would call unrelated complaints rebounds."""
DEFAULT_REBOUND_DAYS = 90
"""A quarter: long enough to catch a rectification that did not hold, short enough that a
complaint a year later is treated as a new matter."""


@dataclass(frozen=True)
class ProjectSite:
    """A new construction project with its WGS-84 footprint (point or polygon) and status."""

    project_id: int | str
    status: str
    footprint: BaseGeometry
    name: str = ""


@dataclass(frozen=True)
class ComplaintPoint:
    """A complaint's id, category, WGS-84 position and when it was received (time-zone aware)."""

    complaint_id: int | str
    category: str
    lon: float
    lat: float
    received_at: datetime


@dataclass(frozen=True)
class ClosedCase:
    """A closed case linked to an enterprise: the enterprise's position, the closing time and
    the case's category."""

    case_id: int | str
    enterprise_id: int | str
    lon: float
    lat: float
    closed_at: datetime
    category: str


@dataclass(frozen=True)
class Resident:
    """A must-visit person with a known position."""

    ref: str
    lon: float
    lat: float


@dataclass(frozen=True)
class RosterEntry:
    """A resident to visit because of the nearest new project."""

    person_ref: str
    project_id: int | str
    distance_m: float


def _metres(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return float(value)


def _days(value: int | float, name: str) -> timedelta:
    return timedelta(days=_metres(value, name))


def _aware(at: datetime, name: str) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a datetime with a time zone, got {at!r}")
    return at


def device_time_flags(
    captured_at: str | datetime | None, now: datetime, allowance_s: float
) -> list[Flag]:
    """A ``time_in_future`` flag when the device dated the complaint (``captured_at``, an ISO
    8601 time with a zone, as a sync mutation carries it) more than ``allowance_s`` seconds
    after ``now``, the server's clock. A time the device did not give, or gave without a
    zone or in another form, says nothing about its clock: no flag."""
    _aware(now, "now")
    if isinstance(captured_at, str):
        try:
            captured_at = datetime.fromisoformat(captured_at.strip().replace("Z", "+00:00"))
        except ValueError:
            return []
    if not isinstance(captured_at, datetime) or captured_at.utcoffset() is None:
        return []
    flag = future_time_flag(captured_at, now, allowance_s)
    return [] if flag is None else [flag]


def _nearest_first(found: list[tuple[float, int | str, Flag]]) -> list[Flag]:
    return [flag for _, _, flag in sorted(found, key=lambda item: (item[0], item[1]))]


def _project_distances(
    lon: float,
    lat: float,
    projects: Iterable[ProjectSite],
    within_m: float,
    statuses: Collection[str],
) -> list[tuple[float, ProjectSite]]:
    return [
        (distance, project)
        for project in projects
        if project.status in statuses
        and (distance := distance_to_geometry_m(lon, lat, project.footprint)) <= within_m
    ]


def near_new_project_flags(
    lon: float,
    lat: float,
    projects: Iterable[ProjectSite],
    *,
    within_m: float = DEFAULT_NEAR_PROJECT_M,
    statuses: Collection[str] = NEW_PROJECT_STATUSES,
) -> list[Flag]:
    """One ``near_new_project`` flag per new project whose footprint is within ``within_m``."""
    within_m = _metres(within_m, "within_m")
    found = []
    for distance, project in _project_distances(lon, lat, projects, within_m, statuses):
        label = f"project {project.name or project.project_id} ({project.status})"
        where = (
            f"inside the footprint of new {label}"
            if distance == 0.0
            else f"{format_metres(distance)} from the footprint of new {label}"
        )
        reason = f"{where}, within {format_metres(within_m)}"
        measured = {"distance_m": distance, "threshold_m": within_m, "status": project.status}
        flag = Flag(NEAR_NEW_PROJECT, reason, measured, related=project.project_id)
        found.append((distance, project.project_id, flag))
    return _nearest_first(found)


def duplicate_flags(
    complaint: ComplaintPoint,
    others: Iterable[ComplaintPoint],
    *,
    radius_m: float = DEFAULT_DUPLICATE_RADIUS_M,
    within_days: float = DEFAULT_DUPLICATE_DAYS,
) -> list[Flag]:
    """A ``likely_duplicate`` flag per earlier complaint of the same category nearby.

    "Earlier" is by ``received_at``, then by id for complaints received at the same instant, so
    of two complaints exactly one is the duplicate. Both boundaries are inclusive. The complaint
    itself, if among ``others``, is skipped.
    """
    radius_m = _metres(radius_m, "radius_m")
    window = _days(within_days, "within_days")
    at = _aware(complaint.received_at, "received_at")
    found = []
    for other in others:
        if other.complaint_id == complaint.complaint_id or other.category != complaint.category:
            continue
        other_at = _aware(other.received_at, "received_at")
        earlier = (other_at, other.complaint_id) < (at, complaint.complaint_id)
        if not earlier or at - other_at > window:
            continue
        distance = geodesic_distance_m(complaint.lon, complaint.lat, other.lon, other.lat)
        if distance > radius_m:
            continue
        gap = at - other_at
        reason = (
            f"complaint {other.complaint_id} about {other.category} was received "
            f"{_ago(gap)} earlier, {format_metres(distance)} away "
            f"(within {format_metres(radius_m)} and {within_days:g} days)"
        )
        measured = {
            "distance_m": distance,
            "days_apart": gap.total_seconds() / 86400,
            "radius_m": radius_m,
            "window_days": float(within_days),
        }
        flag = Flag(LIKELY_DUPLICATE, reason, measured, related=other.complaint_id)
        found.append((distance, other.complaint_id, flag))
    return _nearest_first(found)


def rebound_flags(
    lon: float,
    lat: float,
    received_at: datetime,
    category: str,
    closed_cases: Iterable[ClosedCase],
    *,
    radius_m: float = DEFAULT_REBOUND_RADIUS_M,
    window_days: float = DEFAULT_REBOUND_DAYS,
) -> list[Flag]:
    """A ``rebound`` flag per case of ``category`` closed within ``window_days`` before
    ``received_at``, whose enterprise lies within ``radius_m``. A case closed after the
    complaint arrived is no rebound; both boundaries are inclusive."""
    radius_m = _metres(radius_m, "radius_m")
    window = _days(window_days, "window_days")
    at = _aware(received_at, "received_at")
    found = []
    for case in closed_cases:
        if case.category != category:
            continue
        gap = at - _aware(case.closed_at, "closed_at")
        if gap < timedelta(0) or gap > window:
            continue
        distance = geodesic_distance_m(lon, lat, case.lon, case.lat)
        if distance > radius_m:
            continue
        reason = (
            f"{format_metres(distance)} from enterprise {case.enterprise_id}, whose {category} "
            f"case {case.case_id} was closed {_ago(gap)} before this complaint "
            f"(within {format_metres(radius_m)} and {window_days:g} days)"
        )
        measured = {
            "distance_m": distance,
            "days_since_closed": gap.total_seconds() / 86400,
            "radius_m": radius_m,
            "window_days": float(window_days),
            "enterprise_id": case.enterprise_id,
        }
        flag = Flag(REBOUND, reason, measured, related=case.case_id)
        found.append((distance, case.case_id, flag))
    return _nearest_first(found)


def residents_near_projects(
    people: Iterable[Resident],
    projects: Iterable[ProjectSite],
    *,
    within_m: float = DEFAULT_NEAR_PROJECT_M,
    statuses: Collection[str] = NEW_PROJECT_STATUSES,
) -> list[RosterEntry]:
    """Residents within ``within_m`` of a new project's footprint, once each, by ref.

    Each entry names the nearest such project (the lowest id among equally near ones).
    """
    within_m = _metres(within_m, "within_m")
    sites = [p for p in projects if p.status in statuses]
    entries: dict[str, RosterEntry] = {}
    for person in people:
        near = _project_distances(person.lon, person.lat, sites, within_m, statuses)
        if not near:
            continue
        distance, project = min(near, key=lambda item: (item[0], item[1].project_id))
        entries[person.ref] = RosterEntry(person.ref, project.project_id, distance)
    return [entries[ref] for ref in sorted(entries)]


def _ago(gap: timedelta) -> str:
    hours = gap.total_seconds() / 3600
    if hours < 1:
        return f"{gap.total_seconds() / 60:.0f} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"
