"""Which station's area holds a place: the station polygons, loaded once per request or batch.

Routing a complaint, a registry record or a device's edit to its township station (DESIGN §5)
is the same question everywhere; the rule that settles overlaps is
:func:`gis.routing.choose_station`.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry

from gis.routing import RoutingDecision, StationArea, choose_station
from server.extensions import db
from server.models import Station


class StationLocator:
    """Which station's area contains a geometry, decided in Python from the stations loaded once.

    Station areas are few (a county has a handful of townships), so a prepared-polygon test per
    record beats a spatial join per batch and behaves identically on both backends. Where areas
    overlap, :func:`gis.routing.choose_station` decides (smallest area, then lowest code).
    """

    def __init__(self, stations: Sequence[tuple[int, str, BaseGeometry]]):
        self._stations = [StationArea(code, sid, area) for sid, code, area in stations]
        self._areas = {s.code: s.as_candidate() for s in self._stations}
        for station in self._stations:
            shapely.prepare(station.area)
        self._by_code = {s.code: s.id for s in self._stations}

    @classmethod
    def load(cls) -> StationLocator:
        rows = db.session.execute(sa.select(Station.id, Station.code, Station.area)).all()
        return cls([(sid, code, to_shape(area)) for sid, code, area in rows])

    def id_for_code(self, code: str) -> int | None:
        return self._by_code.get(code)

    def route(self, geom: BaseGeometry) -> RoutingDecision:
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        return choose_station([self._areas[s.code] for s in self._stations if s.area.covers(point)])

    def station_for(self, geom: BaseGeometry | None) -> int | None:
        if geom is None:
            return None
        return self.route(geom).station_id
