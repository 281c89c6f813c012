"""The spatial core on the wire: routing answers, suggested enterprises, flags."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import PageArgs, PageInfo
from schemas.fields import UTCDateTime
from schemas.registry import StationRef

DATUMS = ("wgs84", "gcj02", "bd09")


class FlagOut(ma.Schema):
    code = fields.String(metadata={"description": "e.g. near_new_project, far_from_target"})
    reason = fields.String(metadata={"description": "why, for a person"})
    measured = fields.Dict(metadata={"description": "the numbers the rule measured"})
    related = fields.String(
        allow_none=True, metadata={"description": "the other record: project, complaint…"}
    )


class SuggestionOut(ma.Schema):
    enterprise_id = fields.Integer()
    credit_code = fields.String()
    name = fields.String()
    industry = fields.String()
    distance_m = fields.Float()
    score = fields.Float(metadata={"description": "0–1: nearness, industry and pollutant fit"})
    reasons = fields.List(fields.String())


class LinkOut(SuggestionOut):
    id = fields.Integer()
    rank = fields.Integer()
    status = fields.String(metadata={"description": "suggested | confirmed | rejected"})
    decided_by = fields.Integer(allow_none=True)
    decided_at = UTCDateTime(allow_none=True)


class LinkList(ma.Schema):
    complaint_id = fields.String()
    items = fields.List(fields.Nested(LinkOut))


class FlagList(ma.Schema):
    complaint_id = fields.String()
    items = fields.List(fields.Nested(FlagOut))


class LinkDecisionIn(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirmed", "rejected"]))


class RouteArgs(ma.Schema):
    lon = fields.Float(required=True, allow_nan=False)
    lat = fields.Float(required=True, allow_nan=False)
    datum = fields.String(load_default="wgs84", validate=validate.OneOf(DATUMS))
    category = fields.String(required=True)


class RouteOut(ma.Schema):
    location = fields.Dict(metadata={"description": "the point in WGS-84 (GeoJSON)"})
    station = fields.Nested(StationRef, allow_none=True)
    destination = fields.String(metadata={"description": "a station code or county_desk"})
    reason = fields.String()
    overlapping = fields.List(fields.String())
    desk = fields.String(metadata={"description": "the business desk for the category"})
    suggestions = fields.List(fields.Nested(SuggestionOut))
    flags = fields.List(fields.Nested(FlagOut))


class VisitFlagArgs(PageArgs):
    station = fields.String(metadata={"description": "station code (county accounts)"})
    code = fields.String(metadata={"description": "only flags with this code"})


class FlaggedVisitOut(ma.Schema):
    visit_id = fields.String()
    station_id = fields.Integer(allow_none=True)
    inspector_id = fields.Integer(allow_none=True)
    visited_at = UTCDateTime()
    target_kind = fields.String()
    target_ref = fields.String(allow_none=True)
    location = fields.Dict(metadata={"description": "the visit's GPS fix (GeoJSON Point)"})
    flags = fields.List(fields.Nested(FlagOut))


class FlaggedVisitPage(ma.Schema):
    items = fields.List(fields.Nested(FlaggedVisitOut))
    page = fields.Nested(PageInfo)


class ProjectResidentArgs(PageArgs):
    station = fields.String(metadata={"description": "station code (county accounts)"})


class ProjectResidentOut(ma.Schema):
    person_ref = fields.String()
    name = fields.String()
    category = fields.String()
    phone = fields.String(allow_none=True)
    station = fields.Nested(StationRef)
    project_id = fields.Integer()
    approval_number = fields.String()
    project_name = fields.String()
    project_status = fields.String()
    distance_m = fields.Float(metadata={"description": "to the project's footprint"})


class ProjectResidentPage(ma.Schema):
    items = fields.List(fields.Nested(ProjectResidentOut))
    page = fields.Nested(PageInfo)
