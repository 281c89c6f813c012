"""The stable facade for geometry handling: import from here, not from the submodules.

The work is split into small modules (``gis.coordinates``, ``gis.bbox``, ``gis.geojson``,
``gis.wkt``, ``gis.shapes``); this module re-exports the names other packages code against so
that the split can change without touching them.
"""

from __future__ import annotations

from gis.bbox import BBox, parse_bbox
from gis.coordinates import MAX_ACCURACY_M, WGS84_SRID, validate_accuracy, validate_lonlat
from gis.geojson import (
    DEFAULT_ALLOWED,
    DEFAULT_MAX_POSITIONS,
    GEOJSON_TYPES,
    parse_geojson_geometry,
    to_geojson,
)
from gis.shapes import as_multipolygon, check_valid
from gis.wkt import from_wkt, point_ewkt, to_ewkt

__all__ = [
    "DEFAULT_ALLOWED",
    "DEFAULT_MAX_POSITIONS",
    "GEOJSON_TYPES",
    "MAX_ACCURACY_M",
    "WGS84_SRID",
    "BBox",
    "as_multipolygon",
    "check_valid",
    "from_wkt",
    "parse_bbox",
    "parse_geojson_geometry",
    "point_ewkt",
    "to_ewkt",
    "to_geojson",
    "validate_accuracy",
    "validate_lonlat",
]
