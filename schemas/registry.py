"""Registry on the wire: stations, enterprises, projects and must-visit people as GeoJSON Features.

A client may POST exactly what it GETs (a Feature); read-only members are ignored on the way in.
Types and vocabularies are checked here; the bureau's own rules (credit code check character,
date order…) are applied by :mod:`bureau.registry` when the record is built.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from bureau.vocabulary import INDUSTRIES, MUST_VISIT_CATEGORIES, POLLUTANTS, PROJECT_STATUSES
from schemas.common import PageArgs, PageInfo
from schemas.fields import Day, GeoJSONGeometry, UTCDateTime


def _choice(vocabulary) -> validate.OneOf:
    return validate.OneOf(list(vocabulary), error="Must be one of: {choices}.")


class StationRef(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class _Audit(ma.Schema):
    version = fields.Integer(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class StationProperties(_Audit):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class EnterpriseProperties(_Audit):
    credit_code = fields.String(
        required=True,
        metadata={"description": "统一社会信用代码: 18 characters with its check character"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    industry = fields.String(required=True, validate=_choice(INDUSTRIES))
    pollutants = fields.List(fields.String(validate=_choice(POLLUTANTS)), load_default=list)
    is_key = fields.Boolean(load_default=False, metadata={"description": "重点企业"})
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    station = fields.Nested(StationRef, dump_only=True, allow_none=True)


class ProjectProperties(_Audit):
    approval_number = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "环评批复文号"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = fields.String(required=True, validate=_choice(PROJECT_STATUSES))
    approved_on = Day(allow_none=True)
    starts_on = Day(allow_none=True)
    ends_on = Day(allow_none=True)
    developer = fields.String(allow_none=True, validate=validate.Length(max=200))
    station = fields.Nested(StationRef, dump_only=True, allow_none=True)


class PersonProperties(_Audit):
    ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the roster's own id for the person"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=_choice(MUST_VISIT_CATEGORIES))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    station_code = fields.String(
        load_only=True,
        allow_none=True,
        metadata={"description": "the station; found from the location when omitted"},
    )
    station = fields.Nested(StationRef, dump_only=True)


def feature_schema(
    name: str,
    properties_schema: type[ma.Schema],
    allowed: tuple[str, ...],
    *,
    geometry_required: bool = True,
) -> type[ma.Schema]:
    """A GeoJSON Feature schema around ``properties_schema`` (the same shape in and out)."""

    class Feature(ma.Schema):
        type = fields.String(required=True, validate=validate.Equal("Feature"))
        id = fields.Integer(dump_only=True)
        geometry = GeoJSONGeometry(
            allowed=allowed, required=geometry_required, allow_none=not geometry_required
        )
        properties = fields.Nested(properties_schema, required=True)

        @ma.pre_dump
        def as_feature(self, obj, **_kwargs):
            """Dump an ORM object (with a Shapely ``geometry``) as a Feature."""
            if isinstance(obj, dict):
                return obj
            return {"type": "Feature", "id": obj.id, "geometry": obj.geometry, "properties": obj}

    Feature.__name__ = name
    return Feature


def collection_schema(name: str, feature: type[ma.Schema]) -> type[ma.Schema]:
    class Collection(ma.Schema):
        type = fields.Constant("FeatureCollection")
        features = fields.List(fields.Nested(feature))
        page = fields.Nested(PageInfo)

    Collection.__name__ = name
    return Collection


StationFeature = feature_schema("StationFeature", StationProperties, ("Polygon", "MultiPolygon"))
EnterpriseFeature = feature_schema("EnterpriseFeature", EnterpriseProperties, ("Point",))
ProjectFeature = feature_schema(
    "ProjectFeature", ProjectProperties, ("Point", "Polygon", "MultiPolygon")
)
PersonFeature = feature_schema(
    "PersonFeature", PersonProperties, ("Point",), geometry_required=False
)

StationCollection = collection_schema("StationCollection", StationFeature)
EnterpriseCollection = collection_schema("EnterpriseCollection", EnterpriseFeature)
ProjectCollection = collection_schema("ProjectCollection", ProjectFeature)
PersonCollection = collection_schema("PersonCollection", PersonFeature)


class BBoxArgs(PageArgs):
    bbox = fields.String(
        metadata={"description": "min_lon,min_lat,max_lon,max_lat (WGS-84): only what intersects"}
    )


class EnterpriseListArgs(BBoxArgs):
    station = fields.String(metadata={"description": "station code"})
    industry = fields.String(validate=_choice(INDUSTRIES))
    is_key = fields.Boolean()
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "part of the name"}
    )


class ProjectListArgs(BBoxArgs):
    station = fields.String(metadata={"description": "station code"})
    status = fields.String(validate=_choice(PROJECT_STATUSES))


class PersonListArgs(BBoxArgs):
    station = fields.String(metadata={"description": "station code (default: all you may see)"})
    category = fields.String(validate=_choice(MUST_VISIT_CATEGORIES))
