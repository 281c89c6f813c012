"""Each synced entity's records and mutations as OpenAPI schemas, built from the one
declaration in :mod:`sync.entities`.

Nothing here validates a push: the validators of :mod:`sync.entities` do, per mutation, so that
one bad record never fails its batch. These schemas only describe the same rules to a client
generated from the OpenAPI document: one schema per entity's wire record (``VisitRecord``…),
per operation's fields (``VisitCreateFields``…), per kind of mutation
(``VisitCreateMutation``…) and per entity's pulled change (``VisitChange``…), with the
declaration's types, limits and allowed values (``enum``). ``tests/unit/sync`` holds the
enumerations to the declaration's.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from gis.datum import DATUMS
from sync.entities import SHA256_HEX, SYNCED, UUID_PATTERN, EntitySpec, FieldType

#: the tombstone reasons a pulled ``delete`` carries
DELETE_REASONS = ("deleted", "left_scope")
SHA256_PATTERN = "^" + SHA256_HEX.pattern + "$"


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class GeoPointIn(ma.Schema):
    """A position as a device sends it: GeoJSON, in WGS-84 unless ``datum`` says otherwise."""

    type = fields.String(required=True, validate=validate.OneOf(["Point"]))
    coordinates = fields.List(
        fields.Float(),
        required=True,
        validate=validate.Length(min=2, max=3),
        metadata={"description": "[longitude, latitude] (an altitude after them is ignored)"},
    )
    datum = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(list(DATUMS)),
        metadata={"description": "converted to WGS-84 on the way in; the original is kept"},
    )


class GeoPoint(ma.Schema):
    """A position as the server gives it: GeoJSON in WGS-84, seven decimals."""

    type = fields.String(required=True, validate=validate.OneOf(["Point"]))
    coordinates = fields.List(
        fields.Float(),
        required=True,
        validate=validate.Length(equal=2),
        metadata={"description": "[longitude, latitude]"},
    )


def field_of(
    kind: FieldType,
    *,
    required: bool = False,
    nullable: bool = False,
    sent: bool = True,
    description: str = "",
) -> fields.Field:
    """The marshmallow field documenting a value of ``kind`` (``sent``: as a device sends it,
    else as the server answers it)."""
    metadata = {"description": description} if description else {}
    options = {"required": required, "allow_none": nullable, "metadata": metadata}
    checks: list = []
    if kind.type == "string":
        if kind.max_length is not None:
            checks.append(validate.Length(max=kind.max_length))
        if kind.allowed is not None:
            checks.append(validate.OneOf(list(kind.allowed)))
        return fields.String(validate=checks, **options)
    if kind.type in ("integer", "number"):
        if kind.minimum is not None or kind.maximum is not None:
            checks.append(validate.Range(min=kind.minimum, max=kind.maximum))
        if kind.exclusive_minimum:
            metadata["exclusiveMinimum"] = True
        cls = fields.Integer if kind.type == "integer" else fields.Float
        return cls(validate=checks, **options)
    if kind.type == "boolean":
        return fields.Boolean(**options)
    if kind.type == "timestamp":
        metadata.setdefault("description", "ISO 8601 with a zone; answered in UTC (…Z)")
        return fields.String(metadata={**metadata, "format": "date-time"}, **_no_meta(options))
    if kind.type == "point":
        return fields.Nested(GeoPointIn if sent else GeoPoint, **options)
    if kind.type == "uuid":
        return fields.String(
            validate=validate.Regexp(UUID_PATTERN),
            metadata={**metadata, "format": "uuid"},
            **_no_meta(options),
        )
    if kind.type == "photos":
        return fields.List(
            fields.String(validate=validate.Regexp(SHA256_PATTERN)),
            validate=validate.Length(max=kind.max_items),
            metadata={**metadata, "description": description or "SHA-256 hex digests"},
            **_no_meta(options),
        )
    if kind.type == "object":
        return fields.Dict(**options)
    raise ValueError(f"no schema for field type {kind.type!r}")


def _no_meta(options: dict) -> dict:
    return {k: v for k, v in options.items() if k != "metadata"}


def record_schema(spec: EntitySpec) -> type[ma.Schema]:
    """The wire record: every field always present, null where the declaration allows."""
    return ma.Schema.from_dict(
        {
            f.name: field_of(
                f.type, required=True, nullable=f.nullable, sent=False, description=f.meaning
            )
            for f in spec.record_fields
        },
        name=f"{camel(spec.name)}Record",
    )


def fields_schema(spec: EntitySpec, op: str) -> type[ma.Schema]:
    """What ``fields`` may hold for ``op``: a create's required fields are required; an update
    sends only the fields it changes (at least one)."""
    specs = spec.create if op == "create" else spec.update
    return ma.Schema.from_dict(
        {
            name: field_of(
                s.type, required=op == "create" and s.required, nullable=s.nullable, sent=True
            )
            for name, s in specs.items()
        },
        name=f"{camel(spec.name)}{camel(op)}Fields",
    )


def _mutation_head(spec: EntitySpec, op: str) -> dict[str, fields.Field]:
    return {
        "id": fields.String(
            required=True,
            validate=validate.Regexp(UUID_PATTERN),
            metadata={"format": "uuid", "description": "the mutation id, made once per mutation"},
        ),
        "seq": fields.Integer(required=True, validate=validate.Range(min=1)),
        "entity": fields.String(required=True, validate=validate.OneOf([spec.name])),
        "record_id": fields.String(
            required=True,
            validate=validate.Regexp(UUID_PATTERN),
            metadata={"format": "uuid", "description": "else rejected invalid_record_id"},
        ),
        "op": fields.String(required=True, validate=validate.OneOf([op])),
        "base_version": fields.Integer(
            required=op != "create",
            allow_none=op == "create",
            metadata={"description": "the record's version as the device last saw it"},
        ),
        "captured_at": fields.String(allow_none=True, metadata={"format": "date-time"}),
    }


def mutation_schema(spec: EntitySpec, op: str, fields_cls: type[ma.Schema] | None):
    head = _mutation_head(spec, op)
    if fields_cls is None:  # delete: nothing to send
        head["fields"] = fields.Dict(metadata={"description": "{} (or left out)"})
    else:
        head["fields"] = fields.Nested(fields_cls, required=op == "create")
    return ma.Schema.from_dict(head, name=f"{camel(spec.name)}{camel(op)}Mutation")


def change_schema(spec: EntitySpec, record_cls: type[ma.Schema]) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {
            "seq": fields.Integer(required=True),
            "entity": fields.String(required=True, validate=validate.OneOf([spec.name])),
            "record_id": fields.String(
                required=True, validate=validate.Regexp(UUID_PATTERN), metadata={"format": "uuid"}
            ),
            "op": fields.String(required=True, validate=validate.OneOf(["upsert", "delete"])),
            "version": fields.Integer(
                required=True, allow_none=True, metadata={"description": "null for a delete"}
            ),
            "record": fields.Nested(
                record_cls,
                required=True,
                allow_none=True,
                metadata={"description": "null for a delete"},
            ),
            "reason": fields.String(
                required=True,
                allow_none=True,
                validate=validate.OneOf(list(DELETE_REASONS)),
                metadata={"description": "a delete's: deleted or left_scope; null for an upsert"},
            ),
        },
        name=f"{camel(spec.name)}Change",
    )


def _build() -> dict[str, type[ma.Schema]]:
    """Component name → schema, in the order they are registered (what others nest first)."""
    out: dict[str, type[ma.Schema]] = {"GeoPointIn": GeoPointIn, "GeoPoint": GeoPoint}
    for spec in SYNCED.values():
        record = record_schema(spec)
        out[record.__name__] = record
        for op in spec.operations:
            fields_cls = None if op == "delete" else fields_schema(spec, op)
            if fields_cls is not None:
                out[fields_cls.__name__] = fields_cls
            mutation = mutation_schema(spec, op, fields_cls)
            out[mutation.__name__] = mutation
        change = change_schema(spec, record)
        out[change.__name__] = change
    return out


#: every schema of this module by its component name in the OpenAPI document
COMPONENTS: dict[str, type[ma.Schema]] = _build()


def refs(suffix: str) -> list[dict[str, str]]:
    """``[{"$ref": …}]`` to every component whose name ends with ``suffix``."""
    return [
        {"$ref": f"#/components/schemas/{name}"}
        for name in COMPONENTS
        if name.endswith(suffix) and name not in ("GeoPointIn", "GeoPoint")
    ]


def register(spec) -> None:
    """Add the schemas to an apispec ``APISpec`` (before any view that refers to them)."""
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
