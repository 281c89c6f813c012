"""Resolving a conflict kept for review: keep the device's value, the server's, or set another."""

from __future__ import annotations

from bureau.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.extensions import db
from server.models import RecordHistory, SyncConflict, SyncTombstone
from server.models.base import utcnow
from server.services.casework_sync import check_device_status
from server.services.sequence import SeqAllocator
from server.services.sync_entities import ADAPTERS, load_rows
from server.services.sync_wire import wire_point
from sync.actor import DeviceActor
from sync.entities import ENTITIES, Context, InvalidFields, validate_fields


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
