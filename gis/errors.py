"""The single error type raised by ``gis`` and the machine-readable codes it carries.

Every bad coordinate, geometry, box or datum produces a :class:`GeometryError` whose ``code``
a device can act on, whose ``reason`` a person can read, and whose ``field`` points at the
offending input.  It subclasses :class:`ValueError` so that callers that only know "this input
was bad" keep working; the HTTP layer turns it into the shared error envelope without ``gis``
knowing anything about HTTP.
"""

from __future__ import annotations

from errorcodes import ERRORS, codes_in

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
#: that a code is known: the catalogue's ``geometry`` group (:mod:`errorcodes`, with each
#: code's meaning), of which the names above are the ones the checks raise.
ERROR_CODES: frozenset[str] = codes_in("geometry")


class GeometryError(ValueError):
    """A coordinate, geometry, bounding box or datum that fieldsync cannot accept.

    Attributes:
        code: machine-readable snake_case code, one of :data:`ERROR_CODES`.
        status: the HTTP status the code answers with, from the catalogue.
        reason: an English sentence saying what is wrong and what is expected.
        field: dotted path of the offending input (``"geometry.coordinates[0][3]"``), or
            ``None`` when the error is not about one input field.
    """

    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        self.code = code
        self.reason = reason
        self.field = field
        super().__init__(code, reason, field)

    @property
    def status(self) -> int:
        """The HTTP status of this error's code in the catalogue (422: the input is wrong)."""
        entry = ERRORS.get(self.code)
        return entry.status if entry is not None else 422

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def __repr__(self) -> str:
        return f"GeometryError(code={self.code!r}, reason={self.reason!r}, field={self.field!r})"

    def as_dict(self) -> dict[str, str | None]:
        """The error as plain data, for an error envelope's per-field ``errors`` list."""
        return {"code": self.code, "field": self.field, "reason": self.reason}
