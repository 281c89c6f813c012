"""What devices may sync, per entity: operations, fields, types and merge policy (protocol v1).

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
from bureau.vocabulary import CHANNELS, MUST_VISIT_CATEGORIES, REPLY_KINDS, REPLY_METHODS
from bureau.vocabulary import COMPLAINT_CATEGORIES as _COMPLAINT_CATEGORIES
from gis.datum import DATUMS, to_wgs84
from gis.errors import GeometryError
from gis.geometry import BBox, validate_accuracy, validate_lonlat

SCHEMA_VERSIONS = (1,)
CURRENT_SCHEMA_VERSION = 1

APPEND_ONLY = "append_only"
FIELD_MERGE = "field_merge"

VISIT_TARGETS = ("enterprise", "person", "project", "complaint", "place")
COMPLAINT_CATEGORIES = tuple(_COMPLAINT_CATEGORIES)
#: the five replies (a reply must say how the complainant was told: ``notified_by``) and notes
EVENT_KINDS = (*REPLY_KINDS, "note")
NOTIFIED_BY = tuple(REPLY_METHODS)
#: a photo's name: its SHA-256 as lower-case hex (use ``fullmatch``: ``$`` would let a
#: trailing newline through)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: a record id: a UUID, with or without its hyphens (``fullmatch``)
UUID_TEXT = re.compile(r"[0-9a-fA-F-]{32,36}")


class FieldProblem(ValueError):
    """One field's value is unusable; the message says why."""


Validator = Callable[[Any, "Context"], Any]


@dataclass(frozen=True)
class Context:
    """What validation may need to know besides the value."""

    service_area: BBox | None = None


def text(max_length: int) -> Validator:
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

    def check(value: Any, _ctx: Context) -> str:
        if value not in allowed:
            raise FieldProblem("must be one of: " + ", ".join(allowed))
        return value

    return check


def boolean(value: Any, _ctx: Context) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem("must be true or false")
    return value


def number(value: Any, _ctx: Context) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem("must be a number")
    return float(value)


def whole_number(low: int, high: int) -> Validator:
    def check(value: Any, _ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise FieldProblem(f"must be a whole number from {low} to {high}")
        return value

    return check


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


def accuracy(value: Any, _ctx: Context) -> float:
    try:
        return validate_accuracy(value)
    except GeometryError as error:
        raise FieldProblem(error.reason) from error


def photo_list(value: Any, _ctx: Context) -> list[str]:
    if not isinstance(value, list) or len(value) > 20:
        raise FieldProblem("must be a list of at most 20 SHA-256 hex digests")
    for item in value:
        if not isinstance(item, str) or not SHA256_HEX.fullmatch(item):
            raise FieldProblem("each photo must be a lower-case SHA-256 hex digest")
    return list(value)


def uuid_text(value: Any, _ctx: Context) -> str:
    if not isinstance(value, str) or not UUID_TEXT.fullmatch(value):
        raise FieldProblem("must be a record id (UUID)")
    return value.lower()


def changes_object(value: Any, _ctx: Context) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise FieldProblem("must be an object naming the fields to change")
    return dict(value)


@dataclass(frozen=True)
class FieldSpec:
    check: Validator
    required: bool = False
    nullable: bool = True


@dataclass(frozen=True)
class EntitySpec:
    name: str
    operations: tuple[str, ...]
    policy: str
    create: Mapping[str, FieldSpec]
    update: Mapping[str, FieldSpec] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """For ``GET /sync/config``: operations and fields (with which are required)."""
        return {
            "operations": list(self.operations),
            "policy": self.policy,
            "create_fields": {n: {"required": s.required} for n, s in self.create.items()},
            "update_fields": sorted(self.update),
        }


def _f(check: Validator, required: bool = False) -> FieldSpec:
    return FieldSpec(check=check, required=required, nullable=not required)


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
    ),
    "person": EntitySpec(
        name="person",
        operations=("create", "update", "delete"),
        policy=FIELD_MERGE,
        create=_PERSON_FIELDS,
        update={
            name: FieldSpec(s.check, nullable=s.nullable) for name, s in _PERSON_FIELDS.items()
        },
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
    ),
}


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
