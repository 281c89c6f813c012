"""WKT in (from CSV imports and the like) and EWKT out (to the database).

EWKT out is a seam that must never produce bad text: SpatiaLite stores malformed WKT as NULL
without an error (GeoAlchemy2 only warns), which is how a numpy repr once wiped geometries in
the stack spike.  :func:`to_ewkt` therefore writes only through GEOS, in 2D (SpatiaLite reads
``POINT Z (...)`` as NULL too), refuses empty and non-finite geometries, and keeps full
precision.  WKT in goes through the same checks as GeoJSON so an import gets the same codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gis.bbox import BBox
from gis.coordinates import WGS84_SRID
from gis.errors import (
    EMPTY_GEOMETRY,
    MALFORMED_WKT,
    NOT_A_NUMBER,
    TOO_FEW_POINTS,
    UNCLOSED_RING,
    GeometryError,
)
from gis.geojson import DEFAULT_ALLOWED, DEFAULT_MAX_POSITIONS, parse_geojson_geometry

_SRID_PREFIX_RE = re.compile(r"^\s*SRID\s*=\s*(?P<srid>[^;]*);", re.IGNORECASE)


def to_ewkt(geom: BaseGeometry, srid: int = WGS84_SRID) -> str:
    """``"SRID=4326;POINT (120.1 30.2)"``: 2D, full precision, written by GEOS.

    "Full precision" is GEOS's: 16 significant digits, so a round trip is exact to about
    1e-15 degree (nanometres on the ground), not always to the last bit of the float.

    Raises :class:`GeometryError` for empty geometries (``empty_geometry``) and NaN/infinite
    coordinates (``not_a_number``), which would otherwise become NULL in SpatiaLite.
    """
    if not isinstance(geom, BaseGeometry):
        raise TypeError(f"expected a shapely geometry, got {type(geom).__name__}")
    if isinstance(srid, bool) or not isinstance(srid, int) or srid <= 0:
        raise ValueError(f"srid must be a positive integer, got {srid!r}")
    if geom.is_empty:
        raise GeometryError(EMPTY_GEOMETRY, "cannot store an empty geometry", "geometry")
    coords = shapely.get_coordinates(geom).tolist()
    if not all(math.isfinite(v) for xy in coords for v in xy):
        raise GeometryError(
            NOT_A_NUMBER, "cannot store a geometry with NaN or infinite coordinates", "geometry"
        )
    text = shapely.to_wkt(geom, rounding_precision=-1, trim=True, output_dimension=2)
    return f"SRID={int(srid)};{text}"


def point_ewkt(lon: float, lat: float, srid: int = WGS84_SRID) -> str:
    """``"SRID=4326;POINT (120.1 30.2)"`` for one point, without building a geometry.

    Pushes store points by the thousand; Python's shortest round-trip ``repr`` of each float
    is exact, where GEOS writes 16 significant digits.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(
            NOT_A_NUMBER, "cannot store a point with NaN or infinite coordinates", "geometry"
        )
    return f"SRID={int(srid)};POINT ({float(lon)!r} {float(lat)!r})"


def from_wkt(
    text: Any,
    *,
    field: str = "wkt",
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    service_area: BBox | None = None,
    max_positions: int | None = DEFAULT_MAX_POSITIONS,
) -> BaseGeometry:
    """Parse WKT (or EWKT with ``SRID=4326;``) and validate it like GeoJSON.

    Syntax errors are ``malformed_wkt`` with the GEOS parser's message; unclosed or too short
    rings get ``unclosed_ring`` / ``too_few_points``; everything after parsing (types, ranges,
    null island, service area, topology) is checked by
    :func:`gis.geojson.parse_geojson_geometry`, with field paths like
    ``"wkt.coordinates[0][3]"``.
    """
    if not isinstance(text, str) or not text.strip():
        raise GeometryError(
            MALFORMED_WKT,
            "expected WKT text such as 'POINT (120.1 30.2)' (longitude first)",
            field,
        )
    body = text
    prefix = _SRID_PREFIX_RE.match(text)
    if prefix:
        if prefix["srid"].strip() != str(WGS84_SRID):
            raise GeometryError(
                MALFORMED_WKT,
                f"only SRID={WGS84_SRID} (WGS-84 longitude/latitude) is accepted, "
                f"got SRID={prefix['srid'].strip()}",
                field,
            )
        body = text[prefix.end() :]
    try:
        geom = shapely.from_wkt(body, on_invalid="raise")
    except GEOSException as exc:
        raise _parse_error(str(exc), field) from None
    if geom is None or geom.is_empty:
        raise GeometryError(EMPTY_GEOMETRY, "the WKT geometry is empty", field)
    return parse_geojson_geometry(
        mapping(shapely.force_2d(geom)),
        allowed=allowed,
        field=field,
        service_area=service_area,
        max_positions=max_positions,
    )


def _parse_error(message: str, field: str) -> GeometryError:
    """Turn a GEOS reader message into the most specific error code."""
    detail = message.split(": ", 1)[-1].strip()
    lowered = detail.lower()
    if "closed linestring" in lowered:
        return GeometryError(
            UNCLOSED_RING, "a polygon ring must end with the point it starts with", field
        )
    if "invalid number of points" in lowered:
        return GeometryError(
            TOO_FEW_POINTS,
            f"{detail}; a polygon ring needs at least 4 points, a line at least 2",
            field,
        )
    return GeometryError(MALFORMED_WKT, f"the WKT text could not be parsed: {detail}", field)
