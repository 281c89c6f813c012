"""The sync protocol's envelopes on the wire (docs/sync-protocol.md).

Only the envelope is checked here; a mutation's entity, operation and fields are checked one by
one by :mod:`sync.entities`, so that one bad record never fails its batch.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import ErrorEnvelope, PageInfo
from schemas.fields import UTCDateTime
from schemas.sync_records import refs
from sync.entities import POLICIES, TYPES, UUID_PATTERN, UUID_TEXT
from sync.envelope import (
    LARGEST_SEQ,
    NOT_A_UUID,
    VERSION_RANGE,
    MutationShapeError,
    check_mutations,
)

#: every outcome a mutation can have (docs/sync-protocol.md §3)
OUTCOMES = ("applied", "duplicate", "merged", "conflict", "rejected", "held")
#: the outcomes a mutation is first decided with (a duplicate repeats one of these)
FIRST_OUTCOMES = ("applied", "merged", "conflict", "rejected", "held")
#: a conflict kept for review: one field two people changed differently, an update that met
#: a delete, a delete that met an update
CONFLICT_KINDS = ("field", "update_vs_delete", "delete_vs_update")
#: the option of a ``oneOf`` that admits null, in OpenAPI 3.0's terms
NULL_OPTION = {"type": "object", "nullable": True, "enum": [None]}


def _uuid(value: str) -> None:
    if not UUID_TEXT.fullmatch(value):  # fullmatch: "$" would let a trailing newline through
        raise ma.ValidationError(NOT_A_UUID)


class MutationIn(ma.Schema):
    """The envelope of one mutation, whatever its entity; the OpenAPI document shows each
    entity's and operation's own (``VisitCreateMutation``…)."""

    class Meta:
        unknown = ma.RAISE

    id = fields.String(
        required=True, validate=_uuid, metadata={"format": "uuid", "pattern": UUID_PATTERN}
    )
    seq = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=LARGEST_SEQ)
    )
    entity = fields.String(required=True, validate=validate.Length(min=1, max=64))
    record_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    op = fields.String(required=True, validate=validate.Length(min=1, max=16))
    base_version = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=VERSION_RANGE[0], max=VERSION_RANGE[1]),
    )
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
        super().__init__(
            fields.Raw(
                metadata={
                    "oneOf": refs("Mutation"),
                    "description": "one of the mutation kinds of /sync/config's entities",
                }
            ),
            **kwargs,
        )

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

    batch_seq = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=LARGEST_SEQ)
    )
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
    """One mutation's outcome; ``id``, ``seq``, ``entity`` and ``record_id`` echo the
    mutation (``record_id`` in lower case)."""

    id = fields.String(metadata={"format": "uuid"})
    seq = fields.Integer()
    entity = fields.String()
    record_id = fields.String()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    original_outcome = fields.String(
        allow_none=True,
        validate=validate.OneOf(FIRST_OUTCOMES),
        metadata={"description": "a duplicate's first outcome; null otherwise"},
    )
    code = fields.String(
        allow_none=True,
        metadata={
            "description": "a rejection's code, or a conflict's (changed_meanwhile, "
            "record_deleted); null otherwise. docs/sync-protocol.md §3 lists them"
        },
    )
    message = fields.String(allow_none=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        allow_none=True,
        metadata={"description": "invalid_fields and rule codes: field → reasons"},
    )
    version = fields.Integer(allow_none=True)
    record = fields.Raw(
        allow_none=True,
        metadata={
            # OpenAPI 3.0: `nullable` beside a oneOf does not admit null (it applies with a
            # `type` only), so null is one of the options
            "oneOf": [*refs("Record"), NULL_OPTION],
            "description": "the record of `entity` as the server now has it; null when "
            "rejected, held, deleted or unknown",
        },
    )
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


class PullOut(ma.Schema):
    changes = fields.List(
        fields.Raw(metadata={"oneOf": refs("Change"), "description": "by entity"})
    )
    cursor = fields.String()
    has_more = fields.Boolean()
    watermark = fields.String()


class FieldConfigOut(ma.Schema):
    """A field a device may send: its type and limits (docs/sync-protocol.md §2a)."""

    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    allowed = fields.List(fields.String(), metadata={"description": "the only values allowed"})
    max_length = fields.Integer()
    minimum = fields.Float()
    exclusive_minimum = fields.Boolean(metadata={"description": "minimum itself not allowed"})
    maximum = fields.Float()
    max_items = fields.Integer()
    nullable = fields.Boolean(required=True)
    create = fields.String(
        required=True, validate=validate.OneOf(["required", "optional", "not_allowed"])
    )
    update = fields.String(required=True, validate=validate.OneOf(["optional", "not_allowed"]))


class RecordFieldConfigOut(FieldConfigOut):
    class Meta:
        exclude = ("create", "update")


class EntityConfigOut(ma.Schema):
    operations = fields.List(
        fields.String(validate=validate.OneOf(["create", "update", "delete"])), required=True
    )
    policy = fields.String(required=True, validate=validate.OneOf(POLICIES))
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.String(),
        values=fields.Nested(FieldConfigOut),
        required=True,
    )
    record = fields.Dict(keys=fields.String(), values=fields.Nested(RecordFieldConfigOut))


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
    entities = fields.Dict(keys=fields.String(), values=fields.Nested(EntityConfigOut))


class ConflictOut(ma.Schema):
    """A conflict kept for review. ``base``, ``theirs`` and ``yours`` are bare values, as a
    push answer's ``conflicts`` gives them (docs/sync-protocol.md §6)."""

    id = fields.Integer()
    entity = fields.String()
    record_id = fields.String(attribute="record_uid")
    station_id = fields.Integer(allow_none=True)
    field = fields.String(metadata={"description": "the field; * for a whole-record conflict"})
    kind = fields.String(validate=validate.OneOf(CONFLICT_KINDS))
    base = fields.Raw(allow_none=True, metadata={"description": "the value both started from"})
    theirs = fields.Raw(
        allow_none=True,
        metadata={"description": "the server's value (delete_vs_update: the record's fields)"},
    )
    yours = fields.Raw(
        allow_none=True,
        metadata={
            "description": "the device's value (update_vs_delete: the fields it changed; "
            'delete_vs_update: {"deleted": true})'
        },
    )
    device_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    mutation_id = fields.String(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer(allow_none=True)
    status = fields.String()
    resolution = fields.String(
        allow_none=True, validate=validate.OneOf(["keep_mine", "keep_theirs", "edit"])
    )
    resolved_value = fields.Raw(
        attribute="resolved", allow_none=True, metadata={"description": "edit's value"}
    )
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
    size = fields.Integer(allow_none=True, metadata={"description": "null: not started"})
    received = fields.Integer(metadata={"description": "bytes stored: send from here"})
    complete = fields.Boolean()


class PhotoConflictOut(ErrorEnvelope, PhotoStatusOut):
    """409 to a chunk that does not start at ``received`` (or gives another total size): the
    error envelope plus the photo's status, to resume from."""


class BatchOut(ma.Schema):
    id = fields.Integer()
    device_id = fields.Integer()
    device_name = fields.String()
    username = fields.String(metadata={"description": "the device's user"})
    batch_seq = fields.Integer()
    sent_at = UTCDateTime(allow_none=True, metadata={"description": "by the device's clock"})
    received_at = UTCDateTime(metadata={"description": "by the server's clock"})
    clock_skew_seconds = fields.Float(
        allow_none=True, metadata={"description": "device clock minus server clock"}
    )
    clock_skew_flagged = fields.Boolean()


class BatchListArgs(ma.Schema):
    clock_skew_flagged = fields.Boolean(
        load_default=None,
        metadata={"description": "true: only batches flagged for clock skew"},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=None, validate=validate.Range(min=1))


class BatchPage(ma.Schema):
    items = fields.List(fields.Nested(BatchOut))
    page = fields.Nested(PageInfo)


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
