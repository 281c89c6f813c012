"""What refuses one pushed mutation before it touches storage (docs/sync-protocol.md §3).

A record id that is not a UUID, a schema version this server does not speak, an entity or an
operation it does not take, an update or delete without the version it was based on, fields
that do not validate: each is that mutation's ``rejected`` with a code, never the batch's
failure (DESIGN §4 rules 1 and 12). These checks need nothing but the mutation, so they are
decided here, apart from the database, and the push applies only what passes.
"""

from __future__ import annotations

from typing import Any

from sync.entities import (
    ENTITIES,
    SCHEMA_VERSIONS,
    SYNCED,
    UUID_TEXT,
    Context,
    InvalidFields,
    validate_fields,
)
from sync.outcome import Outcome, rejected


def bad_record_id(mutation: dict) -> Outcome:
    """Record ids are UUIDs (docs/sync-protocol.md §2); pull pages write them into their JSON
    as they are, so anything else is refused at the door."""
    return rejected(mutation, "invalid_record_id", "record_id must be a UUID the device generated")


def admit(m: dict[str, Any], schema_version: int, context: Context) -> dict[str, Any] | Outcome:
    """The mutation's validated fields, or the ``rejected`` outcome that refuses it."""
    if not UUID_TEXT.fullmatch(m["record_id"]):
        return bad_record_id(m)
    if schema_version not in SCHEMA_VERSIONS:
        return rejected(
            m,
            "unsupported_schema_version",
            f"schema version {schema_version} is not supported; "
            f"this server speaks {', '.join(map(str, SCHEMA_VERSIONS))}",
        )
    spec = ENTITIES.get(m["entity"])
    if spec is None and m["entity"] in SYNCED:
        return rejected(
            m,
            "unsupported_operation",
            f"{m['entity']} is computed by the server and pulled only; it allows no {m['op']!r}",
        )
    if spec is None:
        return rejected(
            m,
            "unknown_entity",
            f"unknown entity {m['entity']!r}; known: {', '.join(ENTITIES)}",
        )
    if m["op"] not in spec.operations:
        return rejected(
            m,
            "unsupported_operation",
            f"{m['entity']} allows {', '.join(spec.operations)}, not {m['op']!r}",
        )
    if m["op"] in ("update", "delete") and m.get("base_version") is None:
        return rejected(m, "missing_base_version", "update and delete need base_version")
    try:
        return validate_fields(spec, m["op"], m.get("fields") or {}, context)
    except InvalidFields as error:
        return rejected(m, "invalid_fields", str(error), errors=error.errors)
