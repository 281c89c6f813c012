"""Conversions between the datums of Chinese consumer maps: WGS-84, GCJ-02 and BD-09.

Phone GPS gives WGS-84.  Maps sold in mainland China must use GCJ-02 ("Mars coordinates":
Amap/Gaode, Tencent), which shifts positions by a few hundred metres; Baidu adds its own
BD-09 shift on top.  A complaint pinned on Amap and an enterprise surveyed by GPS would be
300-700 m apart without conversion, enough to break every "within 500 m" rule, so
coordinates are converted to WGS-84 on the way in (and the original kept by the caller).

The GCJ-02 forward formula is the widely published reimplementation (Krasovsky 1940
ellipsoid constants).  Its inverse has no closed form, so it is solved by fixed-point
iteration to below a millimetre.  The usual BD-09 inverse is only approximate (~1 m), so it
is refined the same way.  Like the official services, no offset is applied outside the rough
mainland-China box (:func:`out_of_china`); this also makes every conversion the identity
there.  The box is rough: Taiwan, Hong Kong and parts of neighbouring countries fall inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gis.coordinates import is_number
from gis.errors import NOT_A_NUMBER, UNKNOWN_DATUM, GeometryError

#: Datum names accepted by :func:`to_wgs84` (case-insensitive; ``-`` and ``_`` are ignored).
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

_Transform = Callable[[float, float], tuple[float, float]]

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# Iterations stop when a step is below ~1 mm (1e-8 degree is ~1.1 mm of latitude).
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 50


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the rough mainland-China box, where no datum offset applies."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj02_offset(lon: float, lat: float) -> tuple[float, float]:
    """The (dlon, dlat) GCJ-02 adds to a WGS-84 position, in degrees."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 (GPS) to GCJ-02 (Amap, Tencent); identity outside mainland China."""
    if out_of_china(lon, lat):
        return float(lon), float(lat)
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to WGS-84 by fixed-point iteration (error well below 1 cm)."""
    if out_of_china(lon, lat):
        return float(lon), float(lat)
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to BD-09 (Baidu); identity outside mainland China."""
    if out_of_china(lon, lat):
        return float(lon), float(lat)
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + _BD_DLON, z * math.sin(theta) + _BD_DLAT


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 to GCJ-02: the published approximate inverse, refined by iteration."""
    if out_of_china(lon, lat):
        return float(lon), float(lat)
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    start = (z * math.cos(theta), z * math.sin(theta))
    return _invert(gcj02_to_bd09, lon, lat, start=start)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 to BD-09, via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 to WGS-84, via GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _invert(
    forward: _Transform, lon: float, lat: float, *, start: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Solve ``forward(x) == (lon, lat)`` for x by fixed-point iteration.

    Both forward transforms are a small, smooth offset (derivative close to the identity), so
    ``x <- x - (forward(x) - target)`` converges quickly: 2-4 steps to below a millimetre.
    """
    x_lon, x_lat = start if start is not None else (lon, lat)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(x_lon, x_lat)
        d_lon, d_lat = f_lon - lon, f_lat - lat
        x_lon, x_lat = x_lon - d_lon, x_lat - d_lat
        if abs(d_lon) < _INVERSE_TOLERANCE_DEG and abs(d_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return x_lon, x_lat


def normalise_datum(datum: object, field: str = "datum") -> str:
    """``"GCJ-02"`` -> ``"gcj02"``; anything not in :data:`DATUMS` is ``unknown_datum``."""
    if isinstance(datum, str):
        key = datum.strip().lower().replace("-", "").replace("_", "")
        if key in DATUMS:
            return key
    raise GeometryError(
        UNKNOWN_DATUM,
        f"unknown coordinate datum {datum!r}; expected one of: {', '.join(DATUMS)} "
        "(wgs84 for phone GPS, gcj02 for Amap/Tencent maps, bd09 for Baidu maps)",
        field,
    )


def to_wgs84(lon: float, lat: float, datum: str, *, field: str = "datum") -> tuple[float, float]:
    """Convert a position given in ``datum`` to WGS-84 ``(lon, lat)``.

    Only the datum is checked here; validate the resulting position with
    :func:`gis.geometry.validate_lonlat`.
    """
    key = normalise_datum(datum, field)
    _check_finite(lon, lat)
    return _TO_WGS84[key](float(lon), float(lat))


def from_wgs84(lon: float, lat: float, datum: str, *, field: str = "datum") -> tuple[float, float]:
    """Convert a WGS-84 position into ``datum`` (e.g. to draw it on an Amap base map)."""
    key = normalise_datum(datum, field)
    _check_finite(lon, lat)
    return _FROM_WGS84[key](float(lon), float(lat))


def _check_finite(lon: object, lat: object) -> None:
    for value in (lon, lat):
        if not is_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
            raise GeometryError(
                NOT_A_NUMBER, f"coordinates must be finite numbers, got {value!r}", "coordinates"
            )


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


_TO_WGS84: dict[str, _Transform] = {
    "wgs84": _identity,
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
_FROM_WGS84: dict[str, _Transform] = {
    "wgs84": _identity,
    "gcj02": wgs84_to_gcj02,
    "bd09": wgs84_to_bd09,
}
