"""Longitude/latitude bounding boxes: the ``bbox=`` query parameter and the service area.

A :class:`BBox` is always valid once built (finite, in range, min <= max, plain floats), so
code that turns it into SQL or compares points against it needs no further checks.  Boxes
that cross the antimeridian are not supported: a Chinese county never needs one, and
allowing ``min_lon > max_lon`` would hide swapped input instead of reporting it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon, box

from gis.coordinates import is_number
from gis.distance import metres_to_degree_deltas
from gis.errors import INVALID_BBOX, GeometryError

# A plain decimal number: no underscores, no "nan"/"inf", no hex (all of which float() takes).
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAMES = ("min_lon", "min_lat", "max_lon", "max_lat")


@dataclass(frozen=True)
class BBox:
    """An axis-aligned WGS-84 box; edges are inclusive.

    Constructing one with bad values raises :class:`GeometryError` (``invalid_bbox``).
    """

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        values = _check_values((self.min_lon, self.min_lat, self.max_lon, self.max_lat), "bbox")
        for name, value in zip(_NAMES, values, strict=True):
            object.__setattr__(self, name, value)  # plain floats, never numpy scalars

    def __str__(self) -> str:
        return f"{self.min_lon!r},{self.min_lat!r},{self.max_lon!r},{self.max_lat!r}"

    def as_tuple(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)``, the order of GeoJSON and ``bbox=``."""
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)

    def contains(self, lon: float, lat: float) -> bool:
        """True if the point lies inside the box or on its edge."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat

    def expanded(self, metres: float) -> BBox:
        """A box at least ``metres`` wider on every side, clamped to the valid range.

        The padding comes from :func:`gis.distance.metres_to_degree_deltas` evaluated at the
        edge farthest from the equator, so every point within ``metres`` of the box is inside
        the result (what an index pre-filter for "within N metres" needs).
        """
        if not is_number(metres) or not math.isfinite(metres) or metres < 0:
            raise ValueError(f"metres must be a finite number >= 0, got {metres!r}")
        far_lat = max(abs(self.min_lat), abs(self.max_lat))
        dlon, dlat = metres_to_degree_deltas(far_lat, float(metres))
        return BBox(
            max(self.min_lon - dlon, -180.0),
            max(self.min_lat - dlat, -90.0),
            min(self.max_lon + dlon, 180.0),
            min(self.max_lat + dlat, 90.0),
        )

    def as_polygon(self) -> Polygon:
        """The box as a shapely polygon (counter-clockwise exterior ring)."""
        return box(self.min_lon, self.min_lat, self.max_lon, self.max_lat)


def parse_bbox(text: Any, field: str = "bbox") -> BBox:
    """Parse ``"minlon,minlat,maxlon,maxlat"`` (decimal degrees) into a :class:`BBox`.

    Spaces around the numbers are allowed.  Raises ``invalid_bbox`` for anything else: a wrong
    count, non-numbers (including ``nan``/``inf``), values out of range, or min > max.
    """
    if not isinstance(text, str):
        raise GeometryError(
            INVALID_BBOX,
            "bbox must be a string 'min_lon,min_lat,max_lon,max_lat' in decimal degrees",
            field,
        )
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4:
        raise GeometryError(
            INVALID_BBOX,
            f"bbox must have exactly 4 comma-separated numbers "
            f"(min_lon,min_lat,max_lon,max_lat), got {len(parts)}",
            field,
        )
    numbers: list[float] = []
    for name, part in zip(_NAMES, parts, strict=True):
        if not _NUMBER_RE.fullmatch(part):
            shown = part if len(part) <= 30 else part[:27] + "..."
            raise GeometryError(
                INVALID_BBOX, f"bbox {name} must be a decimal number, got {shown!r}", field
            )
        numbers.append(float(part))
    values = _check_values(tuple(numbers), field)
    return BBox(*values)


def _check_values(values: tuple[Any, ...], field: str) -> tuple[float, float, float, float]:
    """Validate four box values and return them as floats."""
    for name, value in zip(_NAMES, values, strict=True):
        if not is_number(value) or not math.isfinite(value):
            raise GeometryError(
                INVALID_BBOX, f"bbox {name} must be a finite number, got {value!r}", field
            )
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in values)
    for name, value, limit in (
        ("min_lon", min_lon, 180.0),
        ("max_lon", max_lon, 180.0),
        ("min_lat", min_lat, 90.0),
        ("max_lat", max_lat, 90.0),
    ):
        if abs(value) > limit:
            raise GeometryError(
                INVALID_BBOX,
                f"bbox {name} {value!r} is out of range; longitudes must be within "
                "[-180, 180] and latitudes within [-90, 90]",
                field,
            )
    if min_lon > max_lon or min_lat > max_lat:
        raise GeometryError(
            INVALID_BBOX,
            f"bbox minimum must not exceed maximum (got {min_lon!r},{min_lat!r},"
            f"{max_lon!r},{max_lat!r}); the order is min_lon,min_lat,max_lon,max_lat",
            field,
        )
    return min_lon, min_lat, max_lon, max_lat
