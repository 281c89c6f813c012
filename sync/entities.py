"""What devices may sync, per entity: operations, fields, types and merge policy (protocol v1).

This is the one declaration of each synced entity. It drives the validators below, the
``entities`` member of ``GET /api/v1/sync/config`` (:func:`describe_entities`), the typed
record schemas of the OpenAPI document (``schemas.sync_records``) and the tables of
``docs/sync-protocol.md`` §2a (a test holds the document to the config answer, value for
value).

Validation here is framework-free and per record: a bad field rejects that one mutation with
``invalid_fields`` and names every problem, while the rest of its batch goes on. Values come
out normalised to their wire form (JSON types): positions converted to WGS-84 GeoJSON (the
original kept beside them), timestamps as ISO-8601 UTC strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bureau.lifecycle import STATUSES
from bureau.outreach import ENTRY_STATUSES
from bureau.vocabulary import (
    CHANNELS,
    FIVE_ENTERS,
    MUST_VISIT_CATEGORIES,
    REPLY_KINDS,
    REPLY_METHODS,
)
from bureau.vocabulary import COMPLAINT_CATEGORIES as _COMPLAINT_CATEGORIES
from gis.coordinates import MAX_ACCURACY_M
from gis.datum import DATUMS, to_wgs84
from gis.errors import GeometryError
from gis.geometry import BBox, validate_accuracy, validate_lonlat

SCHEMA_VERSIONS = (1,)
CURRENT_SCHEMA_VERSION = 1

VISIT_TARGETS = ("enterprise", "person", "project", "complaint", "place")
COMPLAINT_CATEGORIES = tuple(_COMPLAINT_CATEGORIES)
#: the five replies (a reply must say how the complainant was told: ``notified_by``) and notes
EVENT_KINDS = (*REPLY_KINDS, "note")
NOTIFIED_BY = tuple(REPLY_METHODS)
#: where a registry change proposed from the field stands
PROPOSAL_STATUSES = ("pending", "accepted", "rejected")
#: a photo's name: its SHA-256 as lower-case hex (use ``fullmatch``: ``$`` would let a
#: trailing newline through)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: a mutation or record id: a UUID in its canonical text form, 8-4-4-4-12 hex digits with
#: hyphens, 36 characters, either case (``fullmatch``)
UUID_TEXT = re.compile("-".join(f"[0-9a-fA-F]{{{n}}}" for n in (8, 4, 4, 4, 12)))
#: the same rule as a JSON Schema pattern (anchored), for the OpenAPI document
UUID_PATTERN = "^" + UUID_TEXT.pattern + "$"


class FieldProblem(ValueError):
    """One field's value is unusable; the message says why."""


Validator = Callable[[Any, "Context"], Any]

#: the value types of synced fields, as ``/sync/config`` and the protocol document name them
TYPES = ("string", "integer", "number", "boolean", "timestamp", "point", "uuid", "photos", "object")


@dataclass(frozen=True)
class FieldType:
    """What a field holds: its type and limits, for the config, the OpenAPI document and the
    protocol document (the validator enforces the same)."""

    type: str
    max_length: int | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    #: the minimum itself is not allowed (accuracy: more than 0 metres)
    exclusive_minimum: bool = False
    maximum: float | None = None
    max_items: int | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"unknown field type {self.type!r}")

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.allowed is not None:
            out["allowed"] = list(self.allowed)
        for name in ("max_length", "minimum", "exclusive_minimum", "maximum", "max_items"):
            value = getattr(self, name)
            if value is not None and value is not False:
                out[name] = value
        return out


def _typed(field_type: FieldType) -> Callable[[Validator], Validator]:
    def mark(check: Validator) -> Validator:
        check.field_type = field_type  # type: ignore[attr-defined]
        return check

    return mark


def type_of(check: Validator) -> FieldType:
    return check.field_type  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Context:
    """What validation may need to know besides the value."""

    service_area: BBox | None = None


def text(max_length: int) -> Validator:
    @_typed(FieldType("string", max_length=max_length))
    def check(value: Any, _ctx: Context) -> str:
        if not isinstance(value, str):
            raise FieldProblem("must be a string")
        value = value.strip()
        if len(value) > max_length:
            raise FieldProblem(f"must be at most {max_length} characters")
        return value

    return check


def choice(options: tuple[str, ...] | Mapping[str, str]) -> Validator:
    allowed = tuple(options)

    @_typed(FieldType("string", allowed=allowed))
    def check(value: Any, _ctx: Context) -> str:
        if value not in allowed:
            raise FieldProblem("must be one of: " + ", ".join(allowed))
        return value

    return check


@_typed(FieldType("boolean"))
def boolean(value: Any, _ctx: Context) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem("must be true or false")
    return value


@_typed(FieldType("number"))
def number(value: Any, _ctx: Context) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem("must be a number")
    return float(value)


def whole_number(low: int, high: int) -> Validator:
    @_typed(FieldType("integer", minimum=low, maximum=high))
    def check(value: Any, _ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise FieldProblem(f"must be a whole number from {low} to {high}")
        return value

    return check


@_typed(FieldType("timestamp"))
def timestamp(value: Any, _ctx: Context) -> str:
    """An ISO-8601 time with a zone; stored as UTC."""
    if not isinstance(value, str):
        raise FieldProblem("must be an ISO-8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise FieldProblem("must be an ISO-8601 timestamp, e.g. 2026-11-26T08:30:00Z") from error
    if parsed.tzinfo is None:
        raise FieldProblem("must carry a time zone (e.g. Z or +08:00)")
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


@_typed(FieldType("point"))
def point(value: Any, ctx: Context) -> dict[str, Any]:
    """A GeoJSON Point, optionally with ``"datum"`` (wgs84, gcj02, bd09); WGS-84 out.

    The coordinates as sent are kept in ``"original"`` when a conversion happened, so that the
    datum offset (300–700 m in China) can always be checked later.
    """
    if not isinstance(value, Mapping) or value.get("type") != "Point":
        raise FieldProblem('must be a GeoJSON Point: {"type": "Point", "coordinates": [lon, lat]}')
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list | tuple) or len(coordinates) not in (2, 3):
        raise FieldProblem("coordinates must be [longitude, latitude]")
    datum = value.get("datum", "wgs84")
    if datum not in DATUMS:
        raise FieldProblem("datum must be one of: " + ", ".join(DATUMS))
    try:
        lon, lat = validate_lonlat(coordinates[0], coordinates[1], field="coordinates")
        if datum != "wgs84":
            lon, lat = to_wgs84(lon, lat, datum)
        lon, lat = validate_lonlat(lon, lat, service_area=ctx.service_area)
    except GeometryError as error:
        raise FieldProblem(f"{error.reason} ({error.code})") from error
    result: dict[str, Any] = {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
    if datum != "wgs84":
        result["original"] = {"datum": datum, "coordinates": list(coordinates[:2])}
    return result


@_typed(FieldType("number", minimum=0, exclusive_minimum=True, maximum=MAX_ACCURACY_M))
def accuracy(value: Any, _ctx: Context) -> float:
    try:
        return validate_accuracy(value)
    except GeometryError as error:
        raise FieldProblem(error.reason) from error


@_typed(FieldType("photos", max_items=20))
def photo_list(value: Any, _ctx: Context) -> list[str]:
    if not isinstance(value, list) or len(value) > 20:
        raise FieldProblem("must be a list of at most 20 SHA-256 hex digests")
    for item in value:
        if not isinstance(item, str) or not SHA256_HEX.fullmatch(item):
            raise FieldProblem("each photo must be a lower-case SHA-256 hex digest")
    return list(value)


@_typed(FieldType("uuid"))
def uuid_text(value: Any, _ctx: Context) -> str:
    if not isinstance(value, str) or not UUID_TEXT.fullmatch(value):
        raise FieldProblem("must be a record id (UUID)")
    return value.lower()


@_typed(FieldType("object"))
def changes_object(value: Any, _ctx: Context) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise FieldProblem("must be an object naming the fields to change")
    return dict(value)


@dataclass(frozen=True)
class FieldSpec:
    check: Validator
    required: bool = False
    nullable: bool = True

    @property
    def type(self) -> FieldType:
        return type_of(self.check)


@dataclass(frozen=True)
class RecordField:
    """A field of an entity's wire record, as push answers and pulls give it."""

    name: str
    type: FieldType
    nullable: bool = False
    #: for a person reading the protocol document
    meaning: str = ""


#: how an entity's records meet concurrent edits
APPEND_ONLY = "append_only"
FIELD_MERGE = "field_merge"
#: computed by the server, pull only
SERVER_ONLY = "server_only"
POLICIES = (APPEND_ONLY, FIELD_MERGE, SERVER_ONLY)

#: what every wire record starts with
RECORD_HEAD = (
    RecordField("id", FieldType("uuid"), meaning="the record id (lower case)"),
    RecordField("version", FieldType("integer", minimum=1), meaning="the server's version"),
    RecordField(
        "station_id", FieldType("integer"), nullable=True, meaning="its station; null: county"
    ),
)


@dataclass(frozen=True)
class EntitySpec:
    name: str
    operations: tuple[str, ...]
    policy: str
    create: Mapping[str, FieldSpec]
    update: Mapping[str, FieldSpec] = field(default_factory=dict)
    #: the record's fields after :data:`RECORD_HEAD`, in wire order
    record: tuple[RecordField, ...] = ()

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError(f"unknown merge policy {self.policy!r}")
        for name in self.create.keys() & self.update.keys():
            a, b = self.create[name], self.update[name]
            if a.type != b.type or a.nullable != b.nullable:
                raise ValueError(f"{self.name}.{name}: one field, one type and nullability")

    @property
    def record_fields(self) -> tuple[RecordField, ...]:
        return (*RECORD_HEAD, *self.record)

    def field_spec(self, name: str) -> FieldSpec:
        return self.create.get(name) or self.update[name]

    def describe(self) -> dict[str, Any]:
        """This entity in ``GET /sync/config``: its operations, merge policy, the fields a
        device may send (each with its type, limits, allowed values, whether it may be null
        and whether a create needs it / an update may carry it) and the record's fields."""
        fields: dict[str, Any] = {}
        for name in dict.fromkeys([*self.create, *self.update]):
            spec = self.field_spec(name)
            create = self.create.get(name)
            fields[name] = {
                **spec.type.describe(),
                "nullable": spec.nullable,
                "create": (
                    "not_allowed"
                    if create is None
                    else ("required" if create.required else "optional")
                ),
                "update": "optional" if name in self.update else "not_allowed",
            }
        return {
            "operations": list(self.operations),
            "policy": self.policy,
            "fields": fields,
            "record": {
                f.name: {**f.type.describe(), "nullable": f.nullable} for f in self.record_fields
            },
        }


def _f(check: Validator, required: bool = False) -> FieldSpec:
    return FieldSpec(check=check, required=required, nullable=not required)


def _r(name: str, field_type: FieldType | Validator, nullable: bool = False, meaning: str = ""):
    if not isinstance(field_type, FieldType):
        field_type = type_of(field_type)
    return RecordField(name, field_type, nullable, meaning)


_STRING = FieldType("string")
_TIME = FieldType("timestamp")
_USER_ID = FieldType("integer")

_COMPLAINT_EDITABLE = {
    "status": FieldSpec(choice(STATUSES), nullable=False),
    "summary": _f(text(2000)),
    "category": FieldSpec(choice(COMPLAINT_CATEGORIES), nullable=False),
    "location": _f(point),
    "address": _f(text(300)),
}
_PERSON_FIELDS = {
    "name": FieldSpec(text(100), required=True, nullable=False),
    "category": FieldSpec(choice(MUST_VISIT_CATEGORIES), required=True, nullable=False),
    "phone": _f(text(40)),
    "address": _f(text(300)),
    "location": _f(point),
}
_PROPOSAL_STATUS = choice(PROPOSAL_STATUSES)

ENTITIES: dict[str, EntitySpec] = {
    "visit": EntitySpec(
        name="visit",
        operations=("create",),
        policy=APPEND_ONLY,
        create={
            "target_kind": FieldSpec(choice(VISIT_TARGETS), required=True, nullable=False),
            "target_ref": _f(text(64)),
            "location": FieldSpec(point, required=True, nullable=False),
            "accuracy_m": FieldSpec(accuracy, required=True, nullable=False),
            "visited_at": FieldSpec(timestamp, required=True, nullable=False),
            "findings": _f(text(4000)),
            "photos": _f(photo_list),
            "mock_location": _f(boolean),
            # the must-visit roster entry this visit was made for (it is marked visited)
            "roster_entry_id": _f(uuid_text),
        },
        record=(
            _r("inspector_id", _USER_ID, True, "the user id of the inspector who pushed it"),
            _r("target_kind", choice(VISIT_TARGETS)),
            _r("target_ref", _STRING, True),
            _r("location", point, meaning="WGS-84, converted from the datum sent"),
            _r("accuracy_m", accuracy),
            _r("visited_at", _TIME),
            _r("findings", _STRING, True),
            _r("photos", photo_list, meaning="may be empty"),
            _r("mock_location", boolean, True),
        ),
    ),
    "complaint": EntitySpec(
        name="complaint",
        operations=("create", "update"),
        policy=FIELD_MERGE,
        create={
            "category": FieldSpec(choice(COMPLAINT_CATEGORIES), required=True, nullable=False),
            "description": FieldSpec(text(4000), required=True, nullable=False),
            "location": _f(point),
            "address": _f(text(300)),
            # how it reached the inspector; default ``outreach`` (raised during a visit)
            "channel": _f(choice(tuple(CHANNELS))),
            # who complained: kept in the desk's case file, never pulled back to any device;
            # a complainant who can be reached is owed a receipt, given how (receipt_method)
            "complainant_name": _f(text(100)),
            "complainant_phone": _f(text(40)),
            "headcount": _f(whole_number(1, 100000)),
            "receipt_method": _f(choice(tuple(REPLY_METHODS))),
            # the visit during which the matter was raised (outreach)
            "visit_id": _f(uuid_text),
        },
        update=_COMPLAINT_EDITABLE,
        record=(
            _r("channel", choice(tuple(CHANNELS))),
            _r("category", choice(COMPLAINT_CATEGORIES)),
            _r("description", _STRING),
            _r("summary", _STRING, True),
            _r("status", choice(STATUSES)),
            _r("location", point, True),
            _r("address", _STRING, True),
            _r("received_at", _TIME),
        ),
    ),
    "complaint_event": EntitySpec(
        name="complaint_event",
        operations=("create",),
        policy=APPEND_ONLY,
        create={
            "complaint_id": FieldSpec(uuid_text, required=True, nullable=False),
            "kind": FieldSpec(choice(EVENT_KINDS), required=True, nullable=False),
            "text": FieldSpec(text(4000), required=True, nullable=False),
            "notified_by": _f(choice(NOTIFIED_BY)),
            "satisfied": _f(boolean),
            "occurred_at": FieldSpec(timestamp, required=True, nullable=False),
        },
        record=(
            _r("complaint_id", uuid_text, meaning="the complaint's record id"),
            _r("kind", choice(EVENT_KINDS)),
            _r("text", _STRING),
            _r("notified_by", choice(NOTIFIED_BY), True),
            _r("satisfied", boolean, True),
            _r("occurred_at", _TIME),
        ),
    ),
    "person": EntitySpec(
        name="person",
        operations=("create", "update", "delete"),
        policy=FIELD_MERGE,
        create=_PERSON_FIELDS,
        update={
            name: FieldSpec(s.check, nullable=s.nullable) for name, s in _PERSON_FIELDS.items()
        },
        record=(
            _r("ref", _STRING, meaning="the registry's reference (its record id when pushed)"),
            _r("name", _STRING),
            _r("category", choice(MUST_VISIT_CATEGORIES)),
            _r("phone", _STRING, True),
            _r("address", _STRING, True),
            _r("location", point, True),
        ),
    ),
    "enterprise_proposal": EntitySpec(
        name="enterprise_proposal",
        operations=("create",),
        policy=APPEND_ONLY,
        create={
            "credit_code": _f(text(18)),
            "changes": FieldSpec(changes_object, required=True, nullable=False),
            "reason": _f(text(1000)),
        },
        record=(
            _r("credit_code", _STRING, True),
            _r("changes", changes_object),
            _r("reason", _STRING, True),
            _r("status", _PROPOSAL_STATUS, meaning="decided by an officer"),
        ),
    ),
    "project_proposal": EntitySpec(
        name="project_proposal",
        operations=("create",),
        policy=APPEND_ONLY,
        create={
            "approval_number": _f(text(100)),
            "changes": FieldSpec(changes_object, required=True, nullable=False),
            "reason": _f(text(1000)),
        },
        record=(
            _r("approval_number", _STRING, True),
            _r("changes", changes_object),
            _r("reason", _STRING, True),
            _r("status", _PROPOSAL_STATUS, meaning="decided by an officer"),
        ),
    ),
}

#: entities devices pull but never push (a push of one is ``unknown_entity``)
PULL_ONLY: dict[str, EntitySpec] = {
    # the must-visit shortlists, computed by the server (docs/outreach.md)
    "roster_entry": EntitySpec(
        name="roster_entry",
        operations=(),
        policy=SERVER_ONLY,
        create={},
        record=(
            _r("round_id", FieldType("integer"), meaning="the outreach round"),
            _r("subject_key", _STRING),
            _r("category", choice(MUST_VISIT_CATEGORIES)),
            _r("enter", choice(tuple(FIVE_ENTERS)), meaning="the five-enters kind"),
            _r("name", _STRING),
            _r("phone", _STRING, True, "masked for a repeat complainant"),
            _r("address", _STRING, True),
            _r("reason", _STRING),
            _r("status", choice(ENTRY_STATUSES)),
            _r("assigned_to", _USER_ID, True, "the user id of the inspector it is assigned to"),
        ),
    ),
}

#: every entity a device syncs, in the order ``/sync/config`` lists them
SYNCED: dict[str, EntitySpec] = {**ENTITIES, **PULL_ONLY}


def describe_entities() -> dict[str, Any]:
    """The ``entities`` member of ``GET /sync/config``."""
    return {name: spec.describe() for name, spec in SYNCED.items()}


class InvalidFields(ValueError):
    """A mutation's fields are unusable; ``errors`` maps each field to its reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def validate_fields(spec: EntitySpec, op: str, fields: Any, ctx: Context) -> dict[str, Any]:
    """Check and normalise a create's or an update's fields; raise :class:`InvalidFields`."""
    if not isinstance(fields, Mapping):
        raise InvalidFields({"fields": ["must be an object"]})
    specs = spec.create if op == "create" else spec.update
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        field_spec = specs.get(name)
        if field_spec is None:
            errors.setdefault(name, []).append(
                f"not a field a device may {'set' if op == 'create' else 'change'} on {spec.name}"
            )
            continue
        if value is None:
            if field_spec.nullable:
                clean[name] = None
            else:
                errors.setdefault(name, []).append("must not be null")
            continue
        try:
            clean[name] = field_spec.check(value, ctx)
        except FieldProblem as problem:
            errors.setdefault(name, []).append(str(problem))
    if op == "create":
        for name, field_spec in specs.items():
            if field_spec.required and name not in fields:
                errors.setdefault(name, []).append("required")
    elif op == "update" and not fields:
        errors["fields"] = ["an update must change at least one field"]
    if errors:
        raise InvalidFields(errors)
    return clean
