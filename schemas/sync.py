"""The sync protocol's envelopes on the wire (docs/sync-protocol.md).

Only the envelope is checked here; a mutation's entity, operation and fields are checked one by
one by :mod:`sync.entities`, so that one bad record never fails its batch.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import PageInfo
from schemas.fields import UTCDateTime
from sync.envelope import MutationShapeError, check_mutations


class MutationIn(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    entity = fields.String(required=True, validate=validate.Length(min=1, max=64))
    record_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    op = fields.String(required=True, validate=validate.Length(min=1, max=16))
    base_version = fields.Integer(strict=True, allow_none=True, load_default=None)
    captured_at = fields.String(allow_none=True, load_default=None)
    fields_ = fields.Raw(
        data_key="fields",
        attribute="fields",
        load_default=dict,
        metadata={"description": "the record's fields (create) or the changed ones (update)"},
    )


class MutationList(fields.List):
    """A list of :class:`MutationIn`, documented as such but checked by
    :func:`sync.envelope.check_mutations`, which gives the same answers some 30 times faster
    (a push holds up to a thousand mutations)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(MutationIn), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ma.ValidationError("Not a valid list.")
        try:
            return check_mutations(value)
        except MutationShapeError as error:
            raise ma.ValidationError(error.errors) from error


class PushIn(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    batch_seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    schema_version = fields.Integer(required=True, strict=True)
    sent_at = UTCDateTime(allow_none=True, load_default=None)
    cursor = fields.String(allow_none=True, load_default=None)
    mutations = MutationList(required=True)


class FieldConflictOut(ma.Schema):
    field = fields.String()
    yours = fields.Raw(allow_none=True)
    theirs = fields.Raw(allow_none=True)
    base = fields.Raw(allow_none=True)
    conflict_id = fields.Integer()


class ResultOut(ma.Schema):
    id = fields.String()
    seq = fields.Integer()
    entity = fields.String()
    record_id = fields.String()
    outcome = fields.String(
        metadata={"description": "applied | duplicate | merged | conflict | rejected | held"}
    )
    original_outcome = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    errors = fields.Dict(allow_none=True)
    version = fields.Integer(allow_none=True)
    record = fields.Dict(allow_none=True)
    merged_fields = fields.List(fields.String())
    conflicts = fields.List(fields.Nested(FieldConflictOut))
    missing_photos = fields.List(fields.String())


class PushOut(ma.Schema):
    batch_seq = fields.Integer()
    received_at = UTCDateTime()
    clock_skew_seconds = fields.Float(allow_none=True)
    clock_skew_flagged = fields.Boolean()
    results = fields.List(fields.Nested(ResultOut))
    cursor = fields.String(allow_none=True)


class PullArgs(ma.Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ChangeOut(ma.Schema):
    seq = fields.Integer()
    entity = fields.String()
    record_id = fields.String()
    op = fields.String(metadata={"description": "upsert | delete"})
    version = fields.Integer(allow_none=True)
    record = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)


class PullOut(ma.Schema):
    changes = fields.List(fields.Nested(ChangeOut))
    cursor = fields.String()
    has_more = fields.Boolean()
    watermark = fields.String()


class SyncConfigOut(ma.Schema):
    schema_versions = fields.List(fields.Integer())
    current_schema_version = fields.Integer()
    max_push_records = fields.Integer()
    max_push_bytes = fields.Integer()
    default_pull_limit = fields.Integer()
    max_pull_limit = fields.Integer()
    gap_hold_seconds = fields.Float()
    clock_skew_flag_seconds = fields.Float()
    server_time = UTCDateTime()
    entities = fields.Dict()


class ConflictOut(ma.Schema):
    id = fields.Integer()
    entity = fields.String()
    record_id = fields.String(attribute="record_uid")
    station_id = fields.Integer(allow_none=True)
    field = fields.String()
    kind = fields.String()
    base = fields.Raw(attribute="base_value", allow_none=True)
    theirs = fields.Raw(attribute="their_value", allow_none=True)
    yours = fields.Raw(attribute="your_value", allow_none=True)
    device_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    mutation_id = fields.String(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer(allow_none=True)
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)
    resolved_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class ConflictPage(ma.Schema):
    items = fields.List(fields.Nested(ConflictOut))
    page = fields.Nested(PageInfo)


class ConflictListArgs(ma.Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ResolveIn(ma.Schema):
    choice = fields.String(
        required=True, validate=validate.OneOf(["keep_mine", "keep_theirs", "edit"])
    )
    value = fields.Raw(allow_none=True)


class MergeOut(ma.Schema):
    id = fields.Integer()
    entity = fields.String()
    record_id = fields.String(attribute="record_uid")
    station_id = fields.Integer(allow_none=True)
    device_id = fields.Integer(allow_none=True)
    mutation_id = fields.String()
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields")
    base_version = fields.Integer()
    server_version = fields.Integer()
    new_version = fields.Integer()
    created_at = UTCDateTime()


class MergePage(ma.Schema):
    items = fields.List(fields.Nested(MergeOut))
    page = fields.Nested(PageInfo)


class MutationRecordOut(ma.Schema):
    id = fields.Integer()
    device_id = fields.Integer()
    mutation_id = fields.String()
    seq = fields.Integer()
    entity = fields.String()
    record_id = fields.String(attribute="record_uid")
    op = fields.String()
    outcome = fields.String()
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    payload = fields.Dict()
    received_at = UTCDateTime()


class MutationPage(ma.Schema):
    items = fields.List(fields.Nested(MutationRecordOut))
    page = fields.Nested(PageInfo)


class PhotoStatusOut(ma.Schema):
    sha256 = fields.String()
    size = fields.Integer(allow_none=True)
    received = fields.Integer()
    complete = fields.Boolean()


class ProposalOut(ma.Schema):
    proposal_id = fields.Integer()
    kind = fields.String(metadata={"description": "enterprise | project"})
    id = fields.String(metadata={"description": "the record id devices know it by"})
    version = fields.Integer()
    station_id = fields.Integer(allow_none=True)
    credit_code = fields.String(allow_none=True)
    approval_number = fields.String(allow_none=True)
    changes = fields.Dict()
    reason = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | accepted | rejected"})


class ProposalPage(ma.Schema):
    items = fields.List(fields.Nested(ProposalOut))
    page = fields.Nested(PageInfo)


class ProposalListArgs(ma.Schema):
    status = fields.String(
        load_default="pending", validate=validate.OneOf(["pending", "accepted", "rejected"])
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=None, validate=validate.Range(min=1))
