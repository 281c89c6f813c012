"""The single error type raised by ``gis`` and the machine-readable codes it carries.

Every bad coordinate, geometry, box or datum produces a :class:`GeometryError` whose ``code``
a device can act on, whose ``reason`` a person can read, and whose ``field`` points at the
offending input.  It subclasses :class:`ValueError` so that callers that only know "this input
was bad" keep working; the HTTP layer turns it into the shared error envelope without ``gis``
knowing anything about HTTP.
"""

from __future__ import annotations

MALFORMED_GEOJSON = "malformed_geojson"
MALFORMED_WKT = "malformed_wkt"
UNSUPPORTED_GEOMETRY_TYPE = "unsupported_geometry_type"
NOT_A_NUMBER = "not_a_number"
COORDINATES_OUT_OF_RANGE = "coordinates_out_of_range"
NULL_ISLAND = "null_island"
SWAPPED_COORDINATES = "swapped_coordinates"
OUTSIDE_SERVICE_AREA = "outside_service_area"
MISSING_ACCURACY = "missing_accuracy"
INVALID_ACCURACY = "invalid_accuracy"
INVALID_POLYGON = "invalid_polygon"
TOO_FEW_POINTS = "too_few_points"
TOO_MANY_POINTS = "too_many_points"
UNCLOSED_RING = "unclosed_ring"
EMPTY_GEOMETRY = "empty_geometry"
INVALID_BBOX = "invalid_bbox"
UNKNOWN_DATUM = "unknown_datum"

#: Every code a :class:`GeometryError` may carry, so that callers (and tests) can check
#: that a code is known, and documentation can list them.
ERROR_CODES: frozenset[str] = frozenset(
    {
        MALFORMED_GEOJSON,
        MALFORMED_WKT,
        UNSUPPORTED_GEOMETRY_TYPE,
        NOT_A_NUMBER,
        COORDINATES_OUT_OF_RANGE,
        NULL_ISLAND,
        SWAPPED_COORDINATES,
        OUTSIDE_SERVICE_AREA,
        MISSING_ACCURACY,
        INVALID_ACCURACY,
        INVALID_POLYGON,
        TOO_FEW_POINTS,
        TOO_MANY_POINTS,
        UNCLOSED_RING,
        EMPTY_GEOMETRY,
        INVALID_BBOX,
        UNKNOWN_DATUM,
    }
)


class GeometryError(ValueError):
    """A coordinate, geometry, bounding box or datum that fieldsync cannot accept.

    Attributes:
        code: machine-readable snake_case code, one of :data:`ERROR_CODES`.
        reason: an English sentence saying what is wrong and what is expected.
        field: dotted path of the offending input (``"geometry.coordinates[0][3]"``), or
            ``None`` when the error is not about one input field.
    """

    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        self.code = code
        self.reason = reason
        self.field = field
        super().__init__(code, reason, field)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def __repr__(self) -> str:
        return f"GeometryError(code={self.code!r}, reason={self.reason!r}, field={self.field!r})"

    def as_dict(self) -> dict[str, str | None]:
        """The error as plain data, for an error envelope's per-field ``errors`` list."""
        return {"code": self.code, "field": self.field, "reason": self.reason}
