"""Casework on the wire: intake, the lifecycle steps, case files, supervision, statistics, the
audit log and reception days.

Vocabulary values (channels, categories, reply methods, classifications, outcomes) are checked
by the bureau's rules, which name the allowed codes in their answer; these schemas check shapes.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import PageArgs, PageInfo
from schemas.fields import Day, UTCDateTime

_TEXT = validate.Length(max=4000)


class ReplyIn(ma.Schema):
    """How the complainant was told, what was said, and when (default: now)."""

    method = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "phone | sms | letter | in_person | online | notice"},
    )
    text = fields.String(load_default="", validate=_TEXT)
    at = UTCDateTime(load_default=None, allow_none=True)


class ComplainantIn(ma.Schema):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    person_ref = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the must-visit roster ref, when the complainant is on it"},
    )
    headcount = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class CorrectionIn(ma.Schema):
    """The desk's correction of a complaint: any of location, address, category, and why."""

    location = fields.Dict(
        metadata={"description": 'GeoJSON Point, optional "datum": wgs84 | gcj02 | bd09'}
    )
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    category = fields.String(validate=validate.Length(max=32))
    why = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class IntakeIn(ma.Schema):
    channel = fields.String(
        required=True,
        validate=validate.Length(max=32),
        metadata={"description": "hotline_12369 | letter | visit | online | outreach | referral"},
    )
    category = fields.String(required=True, validate=validate.Length(max=32))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    location = fields.Dict(
        load_default=None,
        allow_none=True,
        metadata={"description": 'GeoJSON Point, optional "datum": wgs84 | gcj02 | bd09'},
    )
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    received_at = UTCDateTime(
        load_default=None, allow_none=True, metadata={"description": "default: now"}
    )
    complainant = fields.Nested(ComplainantIn, load_default=dict)
    receipt = fields.Nested(
        ReplyIn,
        load_default=None,
        allow_none=True,
        metadata={"description": "required unless the complainant left no way back"},
    )
    station = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "station code; default: the station whose area holds it"},
    )
    important = fields.Boolean(load_default=False)
    bypass = fields.Boolean(load_default=False)
    reception_day_id = fields.Integer(load_default=None, allow_none=True)


class ClassifyIn(ma.Schema):
    classification = fields.String(
        required=True,
        metadata={
            "description": "environmental | petition | review_or_litigation | outside_remit | "
            "not_acceptable"
        },
    )
    notice = fields.Nested(ReplyIn, load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=_TEXT)
    proper_channel = fields.String(load_default=None, allow_none=True)
    referred_to = fields.String(load_default=None, allow_none=True)


class AssignIn(ma.Schema):
    station = fields.String(
        allow_none=True,
        metadata={"description": "station code, or 'county'; default: the case's station"},
    )
    assignee = fields.String(required=True, metadata={"description": "the officer's username"})
    deadline = UTCDateTime(load_default=None, allow_none=True)


class ExtendIn(ma.Schema):
    days = fields.Integer(required=True)
    approver = fields.String(required=True, metadata={"description": "the leader's username"})
    reason = fields.String(required=True, validate=_TEXT)


class ReplyStepIn(ReplyIn):
    kind = fields.String(
        required=True, metadata={"description": "receipt | acceptance_notice | progress | result"}
    )


class ResolveCaseIn(ma.Schema):
    findings = fields.String(required=True, validate=_TEXT)
    result = fields.Nested(ReplyIn, load_default=None, allow_none=True)
    enterprise_id = fields.Integer(load_default=None, allow_none=True)


class FollowUpIn(ma.Schema):
    outcome = fields.String(
        required=True, metadata={"description": "satisfied | unsatisfied | polluting_enterprise"}
    )
    reply = fields.Nested(ReplyIn, required=True, allow_none=True)
    reason = fields.String(load_default="", validate=_TEXT)
    enterprise_id = fields.Integer(load_default=None, allow_none=True)
    rectification_deadline = UTCDateTime(load_default=None, allow_none=True)
    requirement = fields.String(load_default="", validate=_TEXT)


class VerificationIn(ma.Schema):
    rectified = fields.Boolean(required=True)
    findings = fields.String(required=True, validate=_TEXT)


class CloseIn(ma.Schema):
    why = fields.String(load_default="", validate=_TEXT)


class ReopenIn(ma.Schema):
    reason = fields.String(required=True, validate=_TEXT)


class EscalationIn(ma.Schema):
    decision = fields.String(required=True, validate=_TEXT)
    grounds = fields.List(fields.String(), load_default=None, allow_none=True)


class CaseListArgs(PageArgs):
    station = fields.String(metadata={"description": "station code, or 'county' for the desk"})
    status = fields.String()
    assignee = fields.String(metadata={"description": "the responsible officer's username"})


class ComplainantOut(ma.Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked unless visible"})
    address = fields.String(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    anonymous = fields.Boolean()
    headcount = fields.Integer()
    visible = fields.Boolean(metadata={"description": "whether you may read who complained"})


class ReplyOut(ma.Schema):
    kind = fields.String()
    method = fields.String()
    text = fields.String()
    by = fields.Integer()
    at = UTCDateTime()
    satisfied = fields.Boolean(allow_none=True)


class DeadlineOut(ma.Schema):
    kind = fields.String()
    due = UTCDateTime()
    overdue = fields.Boolean()


class CaseSummaryOut(ma.Schema):
    id = fields.String(metadata={"description": "the complaint's record id (uid)"})
    number = fields.String(metadata={"description": "the case number told to the complainant"})
    status = fields.String()
    channel = fields.String()
    category = fields.String()
    station_id = fields.Integer(allow_none=True)
    received_at = UTCDateTime()
    received_by = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    accountable_id = fields.Integer(metadata={"description": "the assignee, else first receiver"})
    resolution_due = UTCDateTime(allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineOut))


class CaseOut(CaseSummaryOut):
    description = fields.String()
    address = fields.String(allow_none=True)
    location = fields.Dict(allow_none=True)
    desk = fields.String(allow_none=True)
    source = fields.String()
    classification = fields.String(allow_none=True)
    acceptance_due = UTCDateTime(allow_none=True)
    accepted_at = UTCDateTime(allow_none=True)
    assigned_at = UTCDateTime(allow_none=True)
    resolved_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    reopened_at = UTCDateTime(allow_none=True)
    reopen_count = fields.Integer()
    referred_to = fields.String(allow_none=True)
    enterprise_id = fields.Integer(allow_none=True)
    important = fields.Boolean()
    bypass = fields.Boolean()
    collective = fields.Boolean()
    rebound = fields.Boolean()
    extension = fields.Dict(allow_none=True)
    rectification = fields.Dict(allow_none=True)
    escalations = fields.List(fields.Dict())
    replies = fields.List(fields.Nested(ReplyOut))
    reply_compliance = fields.Dict(metadata={"description": "per reply kind: on_time, late…"})
    complainant = fields.Nested(ComplainantOut)
    reception_day_id = fields.Integer(allow_none=True)
    raised_in_visit = fields.String(
        allow_none=True, metadata={"description": "the visit during which it was raised"}
    )


class CasePage(ma.Schema):
    items = fields.List(fields.Nested(CaseSummaryOut))
    page = fields.Nested(PageInfo)


class AuditOut(ma.Schema):
    id = fields.Integer()
    case_id = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)
    actor_id = fields.Integer()
    actor = fields.String(allow_none=True, metadata={"description": "the actor's username"})
    action = fields.String()
    at = UTCDateTime()
    why = fields.String()
    status_before = fields.String(allow_none=True)
    status_after = fields.String(allow_none=True)
    details = fields.Dict()
    device_id = fields.Integer(allow_none=True)


class AuditPage(ma.Schema):
    items = fields.List(fields.Nested(AuditOut))
    page = fields.Nested(PageInfo)


class AuditArgs(PageArgs):
    actor = fields.String(metadata={"description": "username: everything this person did"})
    action = fields.String()


class SupervisionArgs(ma.Schema):
    station = fields.String(metadata={"description": "station code, or 'county' for the desk"})
    officer = fields.String(metadata={"description": "username of the accountable officer"})
    at = UTCDateTime(metadata={"description": "evaluate at this time (default: now)"})
    soon_days = fields.Integer(validate=validate.Range(min=0, max=365))


class DueItemOut(ma.Schema):
    case_id = fields.String()
    number = fields.String()
    kind = fields.String()
    due = UTCDateTime()
    state = fields.String(metadata={"description": "overdue | soon"})
    hours = fields.Float(metadata={"description": "hours past the deadline, or until it"})
    station_id = fields.Integer(allow_none=True)
    officer_id = fields.Integer()
    officer = fields.String(allow_none=True)


class SupervisionOut(ma.Schema):
    at = UTCDateTime()
    overdue = fields.List(fields.Nested(DueItemOut))
    soon = fields.List(fields.Nested(DueItemOut))
    by_station = fields.Dict(metadata={"description": "station code → overdue/soon counts"})
    by_officer = fields.Dict(metadata={"description": "username → overdue/soon counts"})


class LeaderCaseOut(ma.Schema):
    case_id = fields.String()
    number = fields.String()
    status = fields.String()
    station_id = fields.Integer(allow_none=True)
    grounds = fields.List(fields.String())


class LeaderArgs(PageArgs):
    station = fields.String(metadata={"description": "station code, or 'county' for the desk"})
    at = UTCDateTime(metadata={"description": "evaluate at this time (default: now)"})


class LeaderListOut(ma.Schema):
    at = UTCDateTime()
    items = fields.List(fields.Nested(LeaderCaseOut))
    page = fields.Nested(PageInfo)


class StatisticsArgs(ma.Schema):
    station = fields.String(metadata={"description": "station code, or 'county' for the desk"})
    received_from = UTCDateTime(metadata={"description": "cases received at or after"})
    received_to = UTCDateTime(metadata={"description": "cases received before"})
    at = UTCDateTime(metadata={"description": "evaluate deadlines at (default: now)"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ReceptionDayIn(ma.Schema):
    day = Day(required=True)
    leader = fields.String(required=True, metadata={"description": "the leader's username"})
    station = fields.String(load_default=None, allow_none=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    topic = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class ReceptionDayOut(ma.Schema):
    id = fields.Integer()
    day = Day()
    leader_id = fields.Integer()
    station_id = fields.Integer(allow_none=True)
    place = fields.String()
    topic = fields.String(allow_none=True)
    complaints = fields.List(
        fields.Nested(CaseSummaryOut), metadata={"description": "cases received on that day"}
    )


class ReceptionDayPage(ma.Schema):
    items = fields.List(fields.Nested(ReceptionDayOut))
    page = fields.Nested(PageInfo)


class ReceptionDayArgs(PageArgs):
    day_from = Day()
    day_to = Day()


class RepeatArgs(PageArgs):
    station = fields.String(metadata={"description": "station code, or 'county' for the desk"})


class RepeatOut(ma.Schema):
    key = fields.String(metadata={"description": "person:<id> or phone:<digits>"})
    case_count = fields.Integer()
    cases = fields.List(fields.String(), metadata={"description": "case numbers, oldest first"})
    first_at = UTCDateTime()
    last_at = UTCDateTime()
    phones = fields.List(fields.String(), metadata={"description": "masked unless visible"})
    person_ids = fields.List(fields.Integer())


class RepeatPage(ma.Schema):
    items = fields.List(fields.Nested(RepeatOut))
    page = fields.Nested(PageInfo)
