"""Outreach on the wire: rounds, roster entries, visit reviews, coverage."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import PageArgs, PageInfo
from schemas.fields import Day, UTCDateTime


class RoundIn(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    starts_on = Day(required=True)
    ends_on = Day(required=True)
    stations = fields.List(
        fields.String(), required=True, metadata={"description": "station codes taking part"}
    )
    enters = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "agency | enterprise | community | village | household"},
    )


class YearCheckOut(ma.Schema):
    year = fields.Integer()
    rounds = fields.Integer()
    minimum = fields.Integer()
    ok = fields.Boolean()
    missing = fields.Integer()
    quarters_without_round = fields.List(fields.Integer())


class RoundOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = Day()
    ends_on = Day()
    stations = fields.List(fields.String())
    enters = fields.List(fields.String())
    roster_at = UTCDateTime(allow_none=True)
    roster = fields.Dict(metadata={"description": "entries due, visited and dropped"})
    year_check = fields.Nested(YearCheckOut)


class RoundArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=9999))


class RoundPage(ma.Schema):
    items = fields.List(fields.Nested(RoundOut))
    page = fields.Nested(PageInfo)
    year_check = fields.Nested(YearCheckOut, allow_none=True)


class RecomputeOut(ma.Schema):
    added = fields.Integer()
    updated = fields.Integer()
    dropped = fields.Integer()
    kept = fields.Integer()


class RosterArgs(PageArgs):
    station = fields.String(metadata={"description": "station code"})
    inspector = fields.String(metadata={"description": "username of the assigned inspector"})
    status = fields.String(validate=validate.OneOf(["due", "visited", "dropped"]))


class RosterEntryOut(ma.Schema):
    id = fields.String(metadata={"description": "record id, as phones know it"})
    station_id = fields.Integer(allow_none=True)
    subject_key = fields.String()
    category = fields.String()
    enter = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    reason = fields.String()
    status = fields.String()
    assigned_to = fields.String(allow_none=True, metadata={"description": "username"})
    visit_id = fields.String(allow_none=True)
    visit_review = fields.String(allow_none=True)


class RosterPage(ma.Schema):
    items = fields.List(fields.Nested(RosterEntryOut))
    page = fields.Nested(PageInfo)


class CoverageArgs(ma.Schema):
    station = fields.String(metadata={"description": "station code"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "svg"]))


class ReviewIn(ma.Schema):
    status = fields.String(
        required=True, validate=validate.OneOf(["approved", "has_issues", "rejected"])
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReviewOut(ma.Schema):
    visit_id = fields.String()
    status = fields.String()
    note = fields.String()
    reviewer = fields.String(allow_none=True)
    reviewed_at = UTCDateTime(allow_none=True)
    flags = fields.List(fields.String(), metadata={"description": "plausibility flag codes"})


class ReviewQueueArgs(PageArgs):
    station = fields.String(metadata={"description": "station code (county accounts)"})
    status = fields.String(
        load_default="received",
        validate=validate.OneOf(["received", "approved", "has_issues", "rejected"]),
    )


class ReviewQueueItem(ReviewOut):
    station_id = fields.Integer(allow_none=True)
    inspector = fields.String(allow_none=True)
    visited_at = UTCDateTime()
    target_kind = fields.String()
    target_ref = fields.String(allow_none=True)
    findings = fields.String(allow_none=True)


class ReviewQueuePage(ma.Schema):
    items = fields.List(fields.Nested(ReviewQueueItem))
    page = fields.Nested(PageInfo)
