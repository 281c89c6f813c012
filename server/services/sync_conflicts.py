"""Conflicts kept for review (DESIGN §4 rule 5): filed when a push meets a change its device
did not see, and resolved later by keeping the device's value, the server's, or another.

Which edits conflict is decided by pure rules (:func:`sync.merge.merge`,
:func:`sync.merge.delete_conflicts`); this module stores what they found — a ``sync_conflict``
row with both sides, so nothing is lost — and builds each conflict's member of the push's
answer, which points the device at that row (``conflict_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from bureau.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.extensions import db
from server.models import RecordHistory, SyncConflict, SyncTombstone
from server.models.base import utcnow
from server.services.casework_sync import check_device_status
from server.services.sequence import SeqAllocator
from server.services.sync_entities import ADAPTERS, EntityAdapter, load_rows
from server.services.sync_wire import wire_point
from sync.actor import DeviceActor
from sync.entities import ENTITIES, Context, InvalidFields, validate_fields
from sync.merge import FieldConflict
from sync.outcome import Outcome, forbidden

# -- filing conflicts as a push meets them ----------------------------------------------------


def keep_field_conflicts(
    actor: DeviceActor,
    entity: str,
    uid: str,
    row: Any,
    mutation_id: str,
    base_version: int,
    found: Iterable[FieldConflict],
) -> list[dict[str, Any]]:
    """File each field both sides changed to different values (the server kept its own); the
    answer's ``conflicts``. ``row``: the record, with the version the update left it at."""
    conflicts = []
    for conflict in found:
        stored = SyncConflict(
            entity=entity,
            record_uid=uid,
            station_id=row.station_id,
            field=conflict.field,
            base_value=_box(conflict.base),
            their_value=_box(conflict.theirs),
            your_value=_box(conflict.yours),
            device_id=actor.device_id,
            user_id=actor.user_id,
            mutation_id=mutation_id,
            base_version=base_version,
            server_version=row.version,
        )
        db.session.add(stored)
        db.session.flush()
        conflicts.append(
            {
                "field": conflict.field,
                "yours": conflict.yours,
                "theirs": conflict.theirs,
                "base": conflict.base,
                "conflict_id": stored.id,
            }
        )
    return conflicts


def keep_update_vs_delete(actor: DeviceActor, m: dict, values: dict[str, Any]) -> Outcome:
    """An update of a record deleted meanwhile: the device's changes are kept for review."""
    tomb = (
        db.session.execute(
            sa.select(SyncTombstone)
            .where(
                SyncTombstone.entity == m["entity"],
                SyncTombstone.record_uid == m["record_id"].lower(),
            )
            .order_by(SyncTombstone.sync_seq.desc())
        )
        .scalars()
        .first()
    )
    if tomb is not None and not actor.sees(tomb.station_id):
        return forbidden(m, m["entity"], m["record_id"].lower())
    stored = SyncConflict(
        entity=m["entity"],
        record_uid=m["record_id"].lower(),
        station_id=tomb.station_id if tomb else None,
        field="*",
        kind="update_vs_delete",
        your_value=_box(values),
        their_value=None,
        device_id=actor.device_id,
        user_id=actor.user_id,
        mutation_id=m["id"],
        base_version=m["base_version"],
    )
    db.session.add(stored)
    db.session.flush()
    return Outcome(
        m,
        "conflict",
        code="record_deleted",
        message="the record was deleted meanwhile; your changes are kept for review",
        conflicts=[
            {
                "field": "*",
                "yours": values,
                "theirs": None,
                "base": None,
                "conflict_id": stored.id,
            }
        ],
        station_id=stored.station_id,
    )


def keep_delete_vs_update(
    actor: DeviceActor,
    m: dict,
    row: Any,
    base: dict | None,
    current: dict[str, Any],
    adapter: EntityAdapter,
) -> Outcome:
    """A delete of a record changed since the device's base: the record stays, and the delete
    is kept for review (``base``, ``current``: its mergeable fields then and now)."""
    stored = SyncConflict(
        entity=m["entity"],
        record_uid=m["record_id"].lower(),
        station_id=row.station_id,
        field="*",
        kind="delete_vs_update",
        your_value={"deleted": True},
        their_value=_box(current),
        device_id=actor.device_id,
        user_id=actor.user_id,
        mutation_id=m["id"],
        base_version=m["base_version"],
        server_version=row.version,
    )
    db.session.add(stored)
    db.session.flush()
    return Outcome(
        m,
        "conflict",
        code="changed_meanwhile",
        message="the record was changed since you saw it; it is kept for review",
        version=row.version,
        record=adapter.to_wire(row),
        conflicts=[
            {
                "field": "*",
                "yours": {"deleted": True},
                "theirs": current,
                "base": base,
                "conflict_id": stored.id,
            }
        ],
        station_id=row.station_id,
    )


def _box(value: Any) -> dict:
    """JSON columns hold objects; wrap any value so None, strings and numbers survive."""
    return {"value": value}


# -- resolving them ---------------------------------------------------------------------------


def resolve_conflict(actor: DeviceActor, conflict_id: int, choice: str, value=None):
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound(f"No conflict has the id {conflict_id}.")
    if not actor.sees(conflict.station_id):
        raise Forbidden("This conflict belongs to another station.")
    if conflict.status != "open":
        raise Conflict(f"Conflict {conflict_id} was resolved already ({conflict.resolution}).")
    if conflict.kind == "field":
        if choice == "keep_mine":
            _set_field(actor, conflict, (conflict.your_value or {}).get("value"))
        elif choice == "edit":
            _set_field(actor, conflict, value)
    elif conflict.kind == "delete_vs_update" and choice == "keep_mine":
        _delete(actor, conflict)
    elif choice != "keep_theirs":
        raise InvalidInput(
            "The record was deleted meanwhile; only keep_theirs applies (recreate it if needed).",
            errors={"choice": ["must be keep_theirs for this conflict"]},
        )
    conflict.status = "resolved"
    conflict.resolution = choice
    conflict.resolved_value = {"value": value} if choice == "edit" else None
    conflict.resolved_by = actor.user_id
    conflict.resolved_at = utcnow()
    db.session.flush()
    return conflict


def _set_field(actor: DeviceActor, conflict: SyncConflict, value) -> None:
    entity, uid, name = conflict.entity, conflict.record_uid, conflict.field
    adapter = ADAPTERS[entity]
    row = load_rows(entity, [uid], db.session).get(uid)
    if row is None:
        raise Conflict("The record no longer exists; the conflict can only be kept as theirs.")
    try:
        values = validate_fields(ENTITIES[entity], "update", {name: value}, Context())
    except InvalidFields as error:
        raise InvalidInput("The value is not valid for this field.", errors=error.errors) from error
    if entity == "complaint" and name == "status":
        check_device_status(row, value)
    current = adapter.merge_fields(adapter.to_wire(row))
    new = wire_point(values[name]) if name == "location" else values[name]
    if current.get(name) == new:
        return
    for column, column_value in adapter.columns(values).items():
        setattr(row, column, column_value)
    row.version += 1
    row.sync_seq = SeqAllocator(1)()
    row.origin_device_id = actor.device_id
    db.session.flush()
    db.session.add(
        RecordHistory(
            entity=entity,
            record_uid=uid,
            version=row.version,
            fields=adapter.merge_fields(adapter.to_wire(row)),
            device_id=actor.device_id,
        )
    )


def _delete(actor: DeviceActor, conflict: SyncConflict) -> None:
    row = load_rows(conflict.entity, [conflict.record_uid], db.session).get(conflict.record_uid)
    if row is None:
        return
    db.session.add(
        SyncTombstone(
            sync_seq=SeqAllocator(1)(),
            entity=conflict.entity,
            record_uid=conflict.record_uid,
            station_id=row.station_id,
            reason="deleted",
            origin_device_id=actor.device_id,
        )
    )
    db.session.delete(row)
    db.session.flush()
