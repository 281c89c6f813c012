"""GeoJSON geometry in (validated by hand, position by position) and out (rounded floats).

Why by hand: shapely accepts many things a device should be told about (NaN, strings that
look like numbers, unclosed rings, points at 0,0) or fails with a GEOS message that names no
input path.  Walking the coordinates first lets every error point at
``geometry.coordinates[0][3]`` with a code a device can act on; shapely then only judges
topology (see :mod:`gis.shapes`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gis.bbox import BBox
from gis.coordinates import is_number, validate_lonlat
from gis.errors import (
    EMPTY_GEOMETRY,
    MALFORMED_GEOJSON,
    NOT_A_NUMBER,
    TOO_FEW_POINTS,
    TOO_MANY_POINTS,
    UNCLOSED_RING,
    UNSUPPORTED_GEOMETRY_TYPE,
    GeometryError,
)
from gis.shapes import check_valid

#: GeoJSON geometry types with a ``coordinates`` member, all of which can be parsed.
GEOJSON_TYPES: tuple[str, ...] = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
)
#: Types accepted when the caller does not say otherwise.
DEFAULT_ALLOWED: tuple[str, ...] = ("Point", "MultiPoint", "LineString", "Polygon", "MultiPolygon")
#: Default cap on positions in one geometry: generous for a station boundary, but a bound on
#: the work one request can cause.
DEFAULT_MAX_POSITIONS = 100_000
#: Decimal places kept on output: 1e-7 degree is about 1 cm on the ground.
OUTPUT_DECIMALS = 7


def normalise_allowed(allowed: Iterable[str]) -> tuple[str, ...]:
    """Check an ``allowed`` argument; unknown names are a programming error (ValueError)."""
    names = tuple(allowed)
    unknown = [name for name in names if name not in GEOJSON_TYPES]
    if unknown or not names:
        raise ValueError(f"allowed geometry types must be among {GEOJSON_TYPES}, got {names}")
    return names


def parse_geojson_geometry(
    obj: Any,
    *,
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    field: str = "geometry",
    service_area: BBox | None = None,
    max_positions: int | None = DEFAULT_MAX_POSITIONS,
) -> BaseGeometry:
    """Validate a GeoJSON geometry object and return it as a 2D shapely geometry.

    ``obj`` is the decoded JSON (a dict with ``type`` and ``coordinates``).  Altitudes are
    checked and dropped.  Raises :class:`GeometryError` with a field path such as
    ``"geometry.coordinates[0][3]"`` for the first problem found.
    """
    allowed_types = normalise_allowed(allowed)
    if not isinstance(obj, Mapping):
        raise GeometryError(
            MALFORMED_GEOJSON,
            'a GeoJSON geometry must be an object with "type" and "coordinates" members',
            field,
        )
    gtype = obj.get("type")
    if not isinstance(gtype, str):
        raise GeometryError(
            MALFORMED_GEOJSON,
            'a GeoJSON geometry needs a "type" string such as "Point" or "Polygon"',
            f"{field}.type",
        )
    expected = ", ".join(allowed_types)
    if gtype not in allowed_types:
        raise GeometryError(
            UNSUPPORTED_GEOMETRY_TYPE,
            f"geometry type {gtype!r} is not accepted here{_type_hint(gtype)}; "
            f"expected one of: {expected}",
            f"{field}.type",
        )
    if "coordinates" not in obj:
        raise GeometryError(
            MALFORMED_GEOJSON,
            f'a GeoJSON {gtype} needs a "coordinates" member',
            f"{field}.coordinates",
        )
    reader = _CoordinateReader(service_area, max_positions)
    geom = reader.read(gtype, obj["coordinates"], f"{field}.coordinates")
    return check_valid(geom, field)


def _type_hint(gtype: str) -> str:
    if gtype in ("Feature", "FeatureCollection"):
        return ' (send the bare geometry, i.e. the feature\'s "geometry" member)'
    for known in GEOJSON_TYPES:
        if gtype.lower() == known.lower() and gtype != known:
            return f" (GeoJSON type names are case-sensitive: did you mean {known!r}?)"
    return ""


class _CoordinateReader:
    """Walks a ``coordinates`` member, checking shape and values, and builds shapely objects."""

    def __init__(self, service_area: BBox | None, max_positions: int | None) -> None:
        self.service_area = service_area
        self.max_positions = max_positions
        self.count = 0

    def read(self, gtype: str, coords: Any, path: str) -> BaseGeometry:
        if isinstance(coords, Sequence) and not isinstance(coords, str) and len(coords) == 0:
            raise GeometryError(EMPTY_GEOMETRY, f"a {gtype} must have at least one position", path)
        if gtype == "Point":
            return Point(self.position(coords, path, gtype))
        if gtype == "MultiPoint":
            return MultiPoint(self.positions(coords, path, gtype, minimum=1))
        if gtype == "LineString":
            return LineString(self.positions(coords, path, gtype, minimum=2))
        if gtype == "MultiLineString":
            return MultiLineString(
                [
                    self.positions(line, f"{path}[{i}]", gtype, minimum=2)
                    for i, line in enumerate(self.sequence(coords, path, gtype, "lines"))
                ]
            )
        if gtype == "Polygon":
            return self.polygon(coords, path, gtype)
        if gtype == "MultiPolygon":
            return MultiPolygon(
                [
                    self.polygon(poly, f"{path}[{i}]", gtype)
                    for i, poly in enumerate(self.sequence(coords, path, gtype, "polygons"))
                ]
            )
        raise AssertionError(f"unhandled geometry type {gtype}")  # pragma: no cover

    def sequence(self, value: Any, path: str, gtype: str, what: str) -> Sequence[Any]:
        """A non-empty JSON array of ``what``."""
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise GeometryError(
                MALFORMED_GEOJSON,
                f"expected an array of {what} for a {gtype}, got {_kind(value)}; "
                "check the nesting depth of the coordinates",
                path,
            )
        if len(value) == 0:
            raise GeometryError(EMPTY_GEOMETRY, f"a {gtype} must not contain an empty array", path)
        return value

    def positions(
        self, value: Any, path: str, gtype: str, *, minimum: int
    ) -> list[tuple[float, float]]:
        items = self.sequence(value, path, gtype, "positions")
        self.check_nesting(items, path, gtype)
        if len(items) < minimum:
            raise GeometryError(
                TOO_FEW_POINTS,
                f"a line in a {gtype} needs at least {minimum} positions, got {len(items)}",
                path,
            )
        return [self.position(item, f"{path}[{i}]", gtype) for i, item in enumerate(items)]

    def polygon(self, value: Any, path: str, gtype: str) -> Polygon:
        rings = [
            self.ring(ring, f"{path}[{i}]", gtype)
            for i, ring in enumerate(self.sequence(value, path, gtype, "linear rings"))
        ]
        return Polygon(rings[0], rings[1:])

    def ring(self, value: Any, path: str, gtype: str) -> list[tuple[float, float]]:
        items = self.sequence(value, path, gtype, "positions")
        self.check_nesting(items, path, gtype)
        if len(items) < 4:
            raise GeometryError(
                TOO_FEW_POINTS,
                "a polygon ring needs at least 4 positions (3 corners and the first repeated "
                f"as the last), got {len(items)}",
                path,
            )
        points = [self.position(item, f"{path}[{i}]", gtype) for i, item in enumerate(items)]
        if points[0] != points[-1]:
            raise GeometryError(
                UNCLOSED_RING,
                f"a polygon ring must end with the position it starts with: first {points[0]}, "
                f"last {points[-1]}",
                path,
            )
        return points

    def check_nesting(self, items: Sequence[Any], path: str, gtype: str) -> None:
        """Report a wrong nesting depth as such, before counting positions."""
        for i, item in enumerate(items):
            if not isinstance(item, Sequence) or isinstance(item, str):
                self.position(item, f"{path}[{i}]", gtype)  # raises malformed_geojson

    def position(self, value: Any, path: str, gtype: str) -> tuple[float, float]:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise GeometryError(
                MALFORMED_GEOJSON,
                f"expected a position [longitude, latitude] in a {gtype}, got {_kind(value)}; "
                "check the nesting depth of the coordinates",
                path,
            )
        if len(value) not in (2, 3):
            raise GeometryError(
                MALFORMED_GEOJSON,
                "a position must be [longitude, latitude] or [longitude, latitude, altitude], "
                f"got {len(value)} values",
                path,
            )
        for item in value:
            if isinstance(item, Sequence) and not isinstance(item, str):
                raise GeometryError(
                    MALFORMED_GEOJSON,
                    f"a position in a {gtype} must contain numbers, not arrays; "
                    "check the nesting depth of the coordinates",
                    path,
                )
        if len(value) == 3:
            altitude = value[2]
            if not is_number(altitude) or not math.isfinite(altitude):
                raise GeometryError(
                    NOT_A_NUMBER, f"altitude must be a finite number, got {altitude!r}", path
                )
        self.count += 1
        if self.max_positions is not None and self.count > self.max_positions:
            raise GeometryError(
                TOO_MANY_POINTS,
                f"a geometry may have at most {self.max_positions} positions; simplify it",
                path,
            )
        return validate_lonlat(value[0], value[1], field=path, service_area=self.service_area)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON geometry dict with plain floats rounded to 7 decimals (about 1 cm).

    Ring orientation and vertex order are kept as stored, not rewritten to the RFC 7946
    right-hand rule, so a device gets back exactly the ring it sent (a rewrite would look like
    an edit to the sync merge).  Z values are dropped; empty geometries get empty coordinates.
    """
    if not isinstance(geom, BaseGeometry):
        raise TypeError(f"expected a shapely geometry, got {type(geom).__name__}")
    gtype = geom.geom_type
    if gtype == "GeometryCollection":
        return {"type": gtype, "geometries": [to_geojson(part) for part in geom.geoms]}
    if gtype == "LinearRing":
        gtype = "LineString"
    return {"type": gtype, "coordinates": _coordinates(geom)}


def _round(value: float) -> float:
    return round(float(value), OUTPUT_DECIMALS) + 0.0  # "+ 0.0" turns -0.0 into 0.0


def _line(coords: Any) -> list[list[float]]:
    return [[_round(c[0]), _round(c[1])] for c in coords]


def _coordinates(geom: BaseGeometry) -> list[Any]:
    if geom.is_empty:
        return []
    gtype = geom.geom_type
    if gtype == "Point":
        return [_round(geom.x), _round(geom.y)]
    if gtype in ("LineString", "LinearRing"):
        return _line(geom.coords)
    if gtype == "Polygon":
        return [_line(geom.exterior.coords), *(_line(r.coords) for r in geom.interiors)]
    if gtype in ("MultiPoint", "MultiLineString", "MultiPolygon"):
        return [_coordinates(part) for part in geom.geoms]
    raise TypeError(f"cannot write {gtype} as GeoJSON")  # pragma: no cover
