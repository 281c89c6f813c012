"""Which station a point belongs to: the station polygon containing it, else the county desk.

Station polygons drawn by hand overlap along their borders, and a point on a shared border lies
in both.  The rule must pick exactly one station, the same one on SpatiaLite and on PostGIS and
on every run, so it is a total order on the stations that contain the point:

1. the smallest area wins: the more specific jurisdiction (a town inside a larger township
   sketch, an industrial park station inside its township) is the one that knows the place;
2. then the lowest station code (codes are unique, so this always decides).

Areas are compared in whole square metres, so that PostGIS and SpatiaLite, which may differ in
the last digits of an ellipsoidal area, still order the same stations the same way.

A point that no polygon contains goes to the county desk (:data:`COUNTY_DESK`).  The database
side finds the containing stations (``ST_Covers``/``ST_Intersects`` on the jurisdiction column)
and hands them to :func:`choose_station`; :func:`route_point` does both steps in Python for a
handful of shapely polygons (imports, tests, the demo county).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gis.area import area_m2

#: Where a point outside every station polygon goes.
COUNTY_DESK = "county_desk"


@dataclass(frozen=True)
class StationCandidate:
    """A station whose polygon contains the point, with its area in square metres."""

    code: str
    id: int | str
    area_m2: float


@dataclass(frozen=True)
class StationArea:
    """A station with its jurisdiction as a WGS-84 shapely (Multi)Polygon."""

    code: str
    id: int | str
    area: BaseGeometry

    def as_candidate(self) -> StationCandidate:
        return StationCandidate(code=self.code, id=self.id, area_m2=area_m2(self.area))


@dataclass(frozen=True)
class RoutingDecision:
    """Where a point is routed: one station, or the county desk.

    ``station_code``/``station_id`` are ``None`` for the county desk; ``destination`` is the
    station code or :data:`COUNTY_DESK`; ``overlapping`` lists every containing station's code
    in the rule's order (the winner first), so an officer can see that a choice was made.
    """

    destination: str
    station_code: str | None
    station_id: int | str | None
    reason: str
    overlapping: tuple[str, ...] = ()

    @property
    def to_county_desk(self) -> bool:
        return self.station_code is None


def _rank(candidate: StationCandidate) -> tuple[int, str]:
    return round(candidate.area_m2), candidate.code


def _check(candidates: Iterable[StationCandidate]) -> list[StationCandidate]:
    unique: dict[str, StationCandidate] = {}
    for candidate in candidates:
        area = candidate.area_m2
        if isinstance(area, bool) or not isinstance(area, int | float) or not math.isfinite(area):
            raise ValueError(
                f"station {candidate.code!r}: area must be a finite number, got {area!r}"
            )
        if area < 0:
            raise ValueError(f"station {candidate.code!r}: area must not be negative, got {area!r}")
        seen = unique.get(candidate.code)
        if seen is not None and seen != candidate:
            raise ValueError(f"station code {candidate.code!r} given twice with different values")
        unique[candidate.code] = candidate
    return sorted(unique.values(), key=_rank)


def choose_station(
    candidates: Iterable[StationCandidate], *, county_desk: str = COUNTY_DESK
) -> RoutingDecision:
    """Choose one of the stations containing a point (smallest area, then lowest code).

    No candidates: the county desk.  The same candidate twice (a join that returned a row per
    polygon part) counts once; the same code with different ids or areas is a ``ValueError``.
    """
    ranked = _check(candidates)
    if not ranked:
        return RoutingDecision(
            destination=county_desk,
            station_code=None,
            station_id=None,
            reason="no station's jurisdiction contains the point; routed to the county desk",
        )
    winner = ranked[0]
    codes = tuple(c.code for c in ranked)
    if len(ranked) == 1:
        reason = f"inside the jurisdiction of station {winner.code}"
    else:
        others = ", ".join(codes[1:])
        if round(winner.area_m2) < round(ranked[1].area_m2):
            why = f"the smallest jurisdiction ({winner.area_m2 / 1e6:.2f} km²)"
        else:
            why = "the lowest station code among jurisdictions of equal area"
        reason = (
            f"inside the overlapping jurisdictions of {winner.code} and {others}; "
            f"station {winner.code} has {why}"
        )
    return RoutingDecision(
        destination=winner.code,
        station_code=winner.code,
        station_id=winner.id,
        reason=reason,
        overlapping=codes,
    )


def stations_containing(
    lon: float, lat: float, stations: Iterable[StationArea]
) -> list[StationCandidate]:
    """The stations whose polygon covers ``(lon, lat)`` (boundary included), with their areas."""
    point = Point(lon, lat)
    return [s.as_candidate() for s in stations if s.area.covers(point)]


def route_point(
    lon: float, lat: float, stations: Iterable[StationArea], *, county_desk: str = COUNTY_DESK
) -> RoutingDecision:
    """:func:`stations_containing` then :func:`choose_station`."""
    return choose_station(stations_containing(lon, lat, stations), county_desk=county_desk)
