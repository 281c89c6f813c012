"""Areas of WGS-84 polygons in square metres on the ellipsoid.

Used to break ties between overlapping station polygons ("the smallest jurisdiction wins"), so
the number must not depend on which database computed it.  PostGIS ``ST_Area(geography)`` and
SpatiaLite ``ST_Area(geom, 1)`` both measure on the WGS-84 ellipsoid; so does this module.

Method: Lambert's cylindrical equal-area projection of the ellipsoid (Snyder 1987, *Map
Projections - A Working Manual*, USGS PP 1395, eqs. 3-12 and 10-15): ``x = a * lon``,
``y = a * q(lat) / 2``.  It preserves area exactly, so the planar shoelace area of the
projected ring is the ellipsoidal area of a polygon whose edges are straight in that projection.
For edges of a few kilometres (township borders) the difference from geodesic edges is far
below a square metre per edge.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry.base import BaseGeometry

from gis.distance import WGS84_A, WGS84_F
from gis.errors import UNSUPPORTED_GEOMETRY_TYPE, GeometryError

_E2 = WGS84_F * (2 - WGS84_F)
_E = math.sqrt(_E2)


def authalic_q(lat_deg: float) -> float:
    """Snyder's ``q`` (eq. 3-12) for a geodetic latitude in degrees; ``q(90)`` is the pole's."""
    s = math.sin(math.radians(lat_deg))
    return (1 - _E2) * (s / (1 - _E2 * s * s) - math.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))


def _project(coords):  # type: ignore[no-untyped-def]
    out = coords.copy()
    for i, (lon, lat) in enumerate(coords):
        out[i, 0] = WGS84_A * math.radians(lon)
        out[i, 1] = WGS84_A * authalic_q(lat) / 2.0
    return out


def area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres on the WGS-84 ellipsoid of a lon/lat Polygon or MultiPolygon.

    Points and lines have no area and are ``unsupported_geometry_type``; an empty polygon is 0.
    """
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError(
            UNSUPPORTED_GEOMETRY_TYPE,
            f"only a Polygon or MultiPolygon has an area, got {geometry.geom_type}",
        )
    if geometry.is_empty:
        return 0.0
    return float(shapely.transform(geometry, _project).area)
