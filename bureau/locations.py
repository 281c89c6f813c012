"""Turning the coordinates of a registry row into WGS-84 shapely geometry.

Rows carry positions in two ways: ``lon``/``lat`` columns (CSV, forms) or a geometry (GeoJSON,
WKT). Either may be in WGS-84, or in GCJ-02 / BD-09 when someone picked the point on a Chinese
consumer map; a 300-700 m datum offset would break every "within 500 m" rule, so coordinates are
converted here, once, on the way in. All the coordinate checks themselves (range, NaN, (0, 0),
swapped axes, service area) belong to :mod:`gis`; this module only applies them to a row and
files any problem under the row's own field names.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

from bureau.fields import FieldErrors, RowReader
from gis.datum import to_wgs84
from gis.errors import GeometryError
from gis.geometry import BBox, validate_lonlat

__all__ = [
    "DATUMS",
    "DEFAULT_DATUM",
    "LAT_COLUMNS",
    "LON_COLUMNS",
    "check_geometry_area",
    "check_point",
    "convert_geometry",
    "normalize_datum",
    "read_datum",
    "read_point",
    "record_geometry_error",
]

DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
DEFAULT_DATUM = "wgs84"
LON_COLUMNS: tuple[str, ...] = ("lon", "longitude")
LAT_COLUMNS: tuple[str, ...] = ("lat", "latitude")
COORDINATE_DECIMALS = 7
"""Converted coordinates are rounded to 1e-7 degree (about 1 cm): finer digits are noise."""


def normalize_datum(value: object) -> str | None:
    """``wgs84``/``gcj02``/``bd09`` for any common spelling (``WGS-84``, ``GCJ_02``), else None."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    return word if word in DATUMS else None


def read_datum(row: RowReader, default: str = DEFAULT_DATUM, field: str = "datum") -> str | None:
    """The row's ``datum`` column, else ``default``; ``None`` (with an error) if unknown."""
    value = row.raw(field)
    if value is None:
        return default
    datum = normalize_datum(value)
    if datum is None:
        row.errors.add(field, f"unknown datum {value!r}; must be one of: {', '.join(DATUMS)}")
    return datum


def record_geometry_error(errors: FieldErrors, field: str, exc: GeometryError) -> None:
    """File a :class:`GeometryError` under the row's ``field``, keeping gis's sub-path."""
    where = exc.field or field
    if where == field:
        errors.add(field, exc.reason)
        return
    sub_path = where[len(field) :].lstrip(".") if where.startswith(field) else where
    errors.add(field, f"{sub_path}: {exc.reason}")


def check_point(
    point: Point, errors: FieldErrors, field: str, *, service_area: BBox | None = None
) -> Point | None:
    """``point`` if gis accepts it (and it lies in ``service_area``), else ``None`` + an error."""
    try:
        lon, lat = validate_lonlat(point.x, point.y, field=field, service_area=service_area)
    except GeometryError as exc:
        record_geometry_error(errors, field, exc)
        return None
    return Point(lon, lat)


def check_geometry_area(
    geometry: BaseGeometry, errors: FieldErrors, field: str, service_area: BBox | None
) -> bool:
    """True unless ``geometry`` lies wholly outside ``service_area`` (then an error is filed).

    Areas and footprints only need to touch the service area: a township border may run a
    little past the county's box, but a polygon entirely elsewhere has its axes swapped or is
    in another county.
    """
    if service_area is None:
        return True
    if isinstance(geometry, Point):
        return check_point(geometry, errors, field, service_area=service_area) is not None
    if geometry.intersects(service_area.as_polygon()):
        return True
    errors.add(field, "lies entirely outside the service area")
    return False


def convert_geometry(geometry: BaseGeometry, datum: str) -> BaseGeometry:
    """``geometry`` with every coordinate converted from ``datum`` to WGS-84."""
    if datum == DEFAULT_DATUM:
        return geometry

    def convert(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = coords.copy()
        for i, (lon, lat) in enumerate(coords):
            x, y = to_wgs84(float(lon), float(lat), datum)
            out[i, 0] = round(x, COORDINATE_DECIMALS)
            out[i, 1] = round(y, COORDINATE_DECIMALS)
        return out

    return shapely.transform(geometry, convert)


def read_point(
    row: RowReader,
    *,
    field: str = "location",
    required: bool,
    service_area: BBox | None = None,
    default_datum: str = DEFAULT_DATUM,
) -> Point | None:
    """The row's ``lon``/``lat`` (or ``longitude``/``latitude``) as a WGS-84 point.

    Both blank is "no location" (an error only if ``required``); one without the other is an
    error, since a half position is always a mistake.
    """
    raw_lon = row.raw(*LON_COLUMNS)
    raw_lat = row.raw(*LAT_COLUMNS)
    if raw_lon is None and raw_lat is None:
        if required:
            row.errors.add(field, "required: give lon and lat")
        return None
    lon = _number(row, "lon", raw_lon)
    lat = _number(row, "lat", raw_lat)
    datum = read_datum(row, default_datum)
    if lon is None or lat is None or datum is None:
        return None
    # Check the raw values first so that a bad number is reported as typed, not as converted.
    try:
        validate_lonlat(lon, lat, field=field)
        if datum != DEFAULT_DATUM:
            lon, lat = to_wgs84(lon, lat, datum)
            lon, lat = round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)
    except GeometryError as exc:
        record_geometry_error(row.errors, field, exc)
        return None
    return check_point(Point(lon, lat), row.errors, field, service_area=service_area)


def _number(row: RowReader, field: str, value: object) -> float | None:
    if value is None:
        row.errors.add(field, "required")
        return None
    if isinstance(value, bool):
        row.errors.add(field, "must be a number")
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        row.errors.add(field, f"not a number: {value!r}")
        return None
    if not math.isfinite(number):
        row.errors.add(field, f"not a finite number: {value!r}")
        return None
    return number
