"""Wire fields shared by every schema: GeoJSON geometry and UTC timestamps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import marshmallow as ma

from gis.errors import GeometryError
from gis.geometry import parse_geojson_geometry, to_geojson


class GeoJSONGeometry(ma.fields.Field):
    """A GeoJSON geometry object on the wire, a validated WGS-84 Shapely geometry in Python.

    Validation (ranges, NaN, (0, 0), swapped axes, self-intersections) is :mod:`gis.geometry`'s;
    its reason becomes the field's error message.
    """

    def __init__(self, *, allowed: Iterable[str], **kwargs):
        self.allowed = tuple(allowed)
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault(
            "description", "GeoJSON geometry in WGS-84 (" + " or ".join(self.allowed) + ")"
        )
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_geojson(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_geojson_geometry(value, allowed=self.allowed, field=attr or "geometry")
        except GeometryError as error:
            raise ma.ValidationError(error.reason) from error


def _geometry_field_to_properties(self, field, **kwargs):
    if isinstance(field, GeoJSONGeometry):
        return {
            "type": "object",
            "description": field.metadata.get("description"),
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": list(field.allowed)},
                "coordinates": {"type": "array", "items": {}},
            },
        }
    return {}


#: the years a timestamp may name: the bureau's records and clocks live well inside them, and
#: outside them date arithmetic (a deadline, a zone shift of year 1 or 9999) overflows
YEARS = (1900, 2100)


class UTCDateTime(ma.fields.AwareDateTime):
    """ISO-8601 with a zone on the wire, always UTC on the way out; years 1900–2100."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parsed = super()._deserialize(value, attr, data, **kwargs)
            in_utc = parsed.astimezone(UTC)
        except OverflowError as error:
            raise ma.ValidationError(f"must lie within the years {YEARS[0]}–{YEARS[1]}") from error
        if not YEARS[0] <= in_utc.year <= YEARS[1]:
            raise ma.ValidationError(f"must lie within the years {YEARS[0]}–{YEARS[1]}")
        return parsed

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Day(ma.fields.Date):
    """An ISO-8601 date within the years 1900–2100 (see :data:`YEARS`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not YEARS[0] <= parsed.year <= YEARS[1]:
            raise ma.ValidationError(f"must lie within the years {YEARS[0]}–{YEARS[1]}")
        return parsed


def register_field_docs(spec_plugin) -> None:
    """Teach apispec's marshmallow plugin how to document :class:`GeoJSONGeometry`."""
    spec_plugin.converter.add_attribute_function(_geometry_field_to_properties)
