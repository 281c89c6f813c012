"""Distance in metres from a point to a footprint (point, line or polygon) on the ellipsoid.

"Near a new project" means within the project's footprint plus a distance (DESIGN §5): 0 m
inside the footprint, else the distance to its nearest edge.  The nearest point is found in a
local frame around the query point (longitude scaled by ``cos(lat)``, conformal to well under
a part per thousand over a few kilometres) and the distance to it is then measured exactly
with :func:`gis.distance.geodesic_distance_m`, so a point 500 m from a vertex measures what
PostGIS ``ST_Distance(geography)`` would.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gis.distance import geodesic_distance_m
from gis.errors import EMPTY_GEOMETRY, GeometryError


def distance_to_geometry_m(lon: float, lat: float, geometry: BaseGeometry) -> float:
    """Metres from ``(lon, lat)`` to the nearest part of ``geometry``; 0.0 on or inside it.

    An empty geometry is ``empty_geometry``: "no footprint" must not read as "very near".
    """
    if geometry.is_empty:
        raise GeometryError(EMPTY_GEOMETRY, "cannot measure a distance to an empty geometry")
    point = Point(lon, lat)
    if isinstance(geometry, Point):
        return geodesic_distance_m(lon, lat, geometry.x, geometry.y)
    if geometry.covers(point):
        return 0.0
    scale = math.cos(math.radians(lat))

    def to_local(coords):  # type: ignore[no-untyped-def]
        out = coords.copy()
        out[:, 0] = (coords[:, 0] - lon) * scale
        out[:, 1] = coords[:, 1] - lat
        return out

    local = shapely.transform(geometry, to_local)
    nearest = nearest_points(Point(0.0, 0.0), local)[1]
    near_lon = lon + nearest.x / scale
    near_lat = lat + nearest.y
    return geodesic_distance_m(lon, lat, near_lon, near_lat)
