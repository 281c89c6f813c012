"""Checks for one longitude/latitude position and for a GPS fix's accuracy.

Phones in the field send wrong coordinates in a handful of recognisable ways: no fix yet
(``0, 0``), latitude and longitude swapped by a form or a spreadsheet, NaN from a failed
sensor, a number as a string, or a position far outside the county.  Each gets its own code
so the device can tell the inspector what to fix, instead of the server storing a point in
the Gulf of Guinea.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Protocol

from gis.errors import (
    COORDINATES_OUT_OF_RANGE,
    INVALID_ACCURACY,
    MISSING_ACCURACY,
    NOT_A_NUMBER,
    NULL_ISLAND,
    OUTSIDE_SERVICE_AREA,
    SWAPPED_COORDINATES,
    GeometryError,
)

#: The SRID everything is stored in: WGS-84 longitude/latitude.
WGS84_SRID = 4326

#: Largest GPS accuracy radius accepted, in metres.  Beyond this the "fix" is a cell-tower or
#: country-level guess that says nothing about where the inspector stood.
MAX_ACCURACY_M = 100_000.0


class Area(Protocol):
    """What :func:`validate_lonlat` needs of a service area: whether it holds a point (its
    ``str()`` names it in messages). A :class:`gis.bbox.BBox` is one; typed structurally, since
    ``gis.bbox`` itself builds on this module."""

    def contains(self, lon: float, lat: float) -> bool: ...


def is_number(value: Any) -> bool:
    """True for real numbers (int, float, numpy scalars), false for bool, str and None.

    ``bool`` is excluded because ``True`` is an ``int`` in Python but never a coordinate.
    """
    if type(value) is float or type(value) is int:  # the common case, without the ABC check
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def validate_lonlat(
    lon: Any,
    lat: Any,
    *,
    field: str = "coordinates",
    service_area: Area | None = None,
) -> tuple[float, float]:
    """Return ``(lon, lat)`` as plain floats, or raise :class:`GeometryError`.

    Checks, in order: both are numbers (``not_a_number``) and finite (``not_a_number``); within
    [-180, 180] / [-90, 90] (``coordinates_out_of_range``, or ``swapped_coordinates`` when the
    latitude is out of range but the swapped pair would not be); not exactly (0, 0)
    (``null_island``); inside ``service_area`` if given (``swapped_coordinates`` when the
    swapped pair is inside it, else ``outside_service_area``).
    """
    for name, value in (("longitude", lon), ("latitude", lat)):
        if not is_number(value):
            raise GeometryError(
                NOT_A_NUMBER,
                f"{name} must be a number in decimal degrees, got {_describe(value)}",
                field,
            )
        if not math.isfinite(value):
            raise GeometryError(
                NOT_A_NUMBER, f"{name} must be a finite number, got {float(value)!r}", field
            )
    lon_f, lat_f = float(lon), float(lat)

    lon_ok = -180.0 <= lon_f <= 180.0
    lat_ok = -90.0 <= lat_f <= 90.0
    if not (lon_ok and lat_ok):
        if not lat_ok and abs(lat_f) <= 180.0 and abs(lon_f) <= 90.0:
            raise GeometryError(
                SWAPPED_COORDINATES,
                f"latitude {lat_f!r} is outside [-90, 90] but longitude {lon_f!r} would be a "
                "valid latitude; latitude and longitude look swapped, send [longitude, latitude]",
                field,
            )
        raise GeometryError(
            COORDINATES_OUT_OF_RANGE,
            f"position ({lon_f!r}, {lat_f!r}) is out of range; longitude must be within "
            "[-180, 180] and latitude within [-90, 90] (WGS-84 decimal degrees)",
            field,
        )

    if lon_f == 0.0 and lat_f == 0.0:
        raise GeometryError(
            NULL_ISLAND,
            "position is exactly (0, 0), which is what a device sends without a GPS fix; "
            "send a real position",
            field,
        )

    if service_area is not None and not service_area.contains(lon_f, lat_f):
        if service_area.contains(lat_f, lon_f):
            raise GeometryError(
                SWAPPED_COORDINATES,
                f"position ({lon_f!r}, {lat_f!r}) is outside the service area {service_area} "
                "but would be inside it with latitude and longitude swapped; "
                "send [longitude, latitude]",
                field,
            )
        raise GeometryError(
            OUTSIDE_SERVICE_AREA,
            f"position ({lon_f!r}, {lat_f!r}) is outside the service area {service_area} "
            "(min_lon,min_lat,max_lon,max_lat); check the position and its coordinate system",
            field,
        )
    return lon_f, lat_f


def validate_accuracy(accuracy_m: Any, *, field: str = "accuracy_m") -> float:
    """Return a GPS fix's horizontal accuracy in metres as a float, or raise.

    ``None`` is ``missing_accuracy``: a GPS fix without accuracy cannot be judged, and the
    plausibility rules need it.  Anything that is not a positive finite number up to
    :data:`MAX_ACCURACY_M` is ``invalid_accuracy``.
    """
    if accuracy_m is None:
        raise GeometryError(
            MISSING_ACCURACY,
            "a GPS position needs its horizontal accuracy in metres (accuracy_m)",
            field,
        )
    if not is_number(accuracy_m) or not math.isfinite(accuracy_m):
        raise GeometryError(
            INVALID_ACCURACY,
            f"accuracy must be a finite number of metres, got {_describe(accuracy_m)}",
            field,
        )
    value = float(accuracy_m)
    if value <= 0.0 or value > MAX_ACCURACY_M:
        raise GeometryError(
            INVALID_ACCURACY,
            f"accuracy must be greater than 0 and at most {MAX_ACCURACY_M:g} metres, got {value!r}",
            field,
        )
    return value


def _describe(value: Any) -> str:
    """A short, safe description of a rejected value for an error message."""
    if isinstance(value, bool | str | int | float) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a value of type {type(value).__name__}"
