"""What every synced entity's applier shares: a new record's common columns and its answer, and
the generic update (field-level three-way merge, DESIGN §4 rule 5) and delete (a tombstone,
rule 9), with hooks where an entity's own rules step in.

An applier runs inside the savepoint the push opens for one mutation
(:meth:`server.services.sync_push.BatchProcessor._apply_one`): it refuses by returning a
``rejected`` :class:`~sync.outcome.Outcome` or by raising a :class:`~bureau.errors.DomainError`,
and either rolls that one mutation back while the rest of the batch goes on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.extensions import db
from server.models import RecordHistory, SyncMerge, SyncTombstone
from server.services.sync_conflicts import (
    keep_delete_vs_update,
    keep_field_conflicts,
    keep_update_vs_delete,
)
from server.services.sync_entities import ADAPTERS, EntityAdapter, load_rows
from server.services.sync_push_context import PushContext
from server.services.sync_wire import wire_point
from sync.merge import delete_conflicts, merge
from sync.outcome import Outcome, forbidden, rejected


class Applier:
    """Creates, updates and deletes one entity's records as devices push them.

    ``create`` is each entity's own (its columns and its side effects differ); ``update`` and
    ``delete`` are the same for all, and an entity with rules of its own about a change (a
    complaint's status moves only along the lifecycle) overrides the ``check_update``,
    ``updating`` and ``updated`` hooks. Which operations a device may send per entity is
    decided before (:func:`sync.admission.admit`).
    """

    entity: str

    @property
    def adapter(self) -> EntityAdapter:
        return ADAPTERS[self.entity]

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        raise NotImplementedError

    # -- a new record ---------------------------------------------------------------------------

    def begin(self, push: PushContext, m: dict) -> dict[str, Any] | Outcome:
        """The columns every new record has, or ``already_exists`` when its id is taken (by a
        stored record or a deleted one's tombstone)."""
        entity, uid = m["entity"], m["record_id"].lower()
        if load_rows(entity, [uid], db.session) or tombstoned(entity, uid):
            return rejected(m, "already_exists", f"{entity} {uid} exists already")
        return {
            "uid": uid,
            "version": 1,
            "sync_seq": push.seq(),
            "origin_device_id": push.actor.device_id,
        }

    def applied(
        self, push: PushContext, m: dict, row: Any, missing: list[str] | None = None
    ) -> Outcome:
        """The answer for a record just created (its first version, in history if it merges)."""
        adapter = self.adapter
        record = adapter.to_wire(row)
        if adapter.mergeable:
            history(push, m["entity"], m["record_id"].lower(), 1, adapter.merge_fields(record))
        return Outcome(
            m,
            "applied",
            version=1,
            record=record,
            missing_photos=missing or [],
            station_id=row.station_id,
        )

    # -- hooks of an update ---------------------------------------------------------------------

    def check_update(self, push: PushContext, row: Any, changed: dict[str, Any]) -> Any:
        """Refuse (raise) a change the entity's rules forbid; what it returns goes to
        :meth:`updating`. ``changed``: the fields the merge will write."""
        return None

    def updating(self, push: PushContext, row: Any, changed: dict[str, Any], checked: Any) -> None:
        """The row has its new values and version, not yet flushed."""

    def updated(self, push: PushContext, row: Any, changed: dict[str, Any]) -> None:
        """The row's new values are flushed."""

    # -- update and delete ----------------------------------------------------------------------

    def update(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        entity, uid = m["entity"], m["record_id"].lower()
        adapter = self.adapter
        row = load_rows(entity, [uid], db.session).get(uid)
        if row is None:
            if tombstoned(entity, uid):
                return keep_update_vs_delete(push.actor, m, values)
            return rejected(m, "not_found", f"{entity} {uid} does not exist")
        if not push.actor.sees(row.station_id):
            return forbidden(m, entity, uid)
        current_record = adapter.to_wire(row)
        current = adapter.merge_fields(current_record)
        mine = {k: (wire_point(v) if k == "location" else v) for k, v in values.items()}
        base_version = m["base_version"]
        if base_version == row.version or _only_mine_since(push, entity, uid, base_version):
            # Versions after the base are this device's own earlier edits (sent in order):
            # they are not someone else's change to merge against.
            base: dict | None = current
        else:
            base = fields_at(entity, uid, base_version)
        result = merge(base, current, mine)
        checked = self.check_update(push, row, result.values)
        new_version = row.version
        if result.values:
            columns = adapter.columns({k: values[k] for k in result.values})
            for name, value in columns.items():
                setattr(row, name, value)
            new_version = row.version + 1
            row.version = new_version
            row.sync_seq = push.seq()
            row.origin_device_id = push.actor.device_id
            self.updating(push, row, result.values, checked)
            db.session.flush()
            self.updated(push, row, result.values)
            record = adapter.to_wire(row)
            history(push, entity, uid, new_version, adapter.merge_fields(record))
        else:
            record = current_record
        conflicts = keep_field_conflicts(
            push.actor, entity, uid, row, m["id"], base_version, result.conflicts
        )
        merged_fields = sorted(result.values) if result.outcome == "merged" else []
        if result.outcome in ("merged", "conflict") and result.values:
            db.session.add(
                SyncMerge(
                    entity=entity,
                    record_uid=uid,
                    station_id=row.station_id,
                    device_id=push.actor.device_id,
                    mutation_id=m["id"],
                    fields=sorted(result.values),
                    base_version=base_version,
                    server_version=new_version - 1,
                    new_version=new_version,
                )
            )
        return Outcome(
            m,
            result.outcome,
            version=new_version,
            record=record,
            merged_fields=merged_fields,
            conflicts=conflicts,
            station_id=row.station_id,
        )

    def delete(self, push: PushContext, m: dict) -> Outcome:
        entity, uid = m["entity"], m["record_id"].lower()
        adapter = self.adapter
        row = load_rows(entity, [uid], db.session).get(uid)
        if row is None:
            if tombstoned(entity, uid):
                return Outcome(m, "applied", message="already deleted")
            return rejected(m, "not_found", f"{entity} {uid} does not exist")
        if not push.actor.sees(row.station_id):
            return forbidden(m, entity, uid)
        if m["base_version"] != row.version:
            base = fields_at(entity, uid, m["base_version"])
            current = adapter.merge_fields(adapter.to_wire(row))
            if delete_conflicts(base, current):
                return keep_delete_vs_update(push.actor, m, row, base, current, adapter)
        db.session.add(
            SyncTombstone(
                sync_seq=push.seq(),
                entity=entity,
                record_uid=uid,
                station_id=row.station_id,
                reason="deleted",
                origin_device_id=push.actor.device_id,
            )
        )
        db.session.delete(row)
        db.session.flush()
        return Outcome(m, "applied", station_id=row.station_id)


def _only_mine_since(push: PushContext, entity: str, uid: str, base_version: int) -> bool:
    authors = set(
        db.session.execute(
            sa.select(RecordHistory.device_id).where(
                RecordHistory.entity == entity,
                RecordHistory.record_uid == uid,
                RecordHistory.version > base_version,
            )
        ).scalars()
    )
    return authors == {push.actor.device_id}


def fields_at(entity: str, uid: str, version: int) -> dict | None:
    """A record's mergeable fields at ``version``, from its history (None if not kept)."""
    return db.session.execute(
        sa.select(RecordHistory.fields).where(
            RecordHistory.entity == entity,
            RecordHistory.record_uid == uid,
            RecordHistory.version == version,
        )
    ).scalar_one_or_none()


def history(push: PushContext, entity: str, uid: str, version: int, fields: dict) -> None:
    db.session.add(
        RecordHistory(
            entity=entity,
            record_uid=uid,
            version=version,
            fields=fields,
            device_id=push.actor.device_id,
        )
    )


def tombstoned(entity: str, uid: str) -> bool:
    return (
        db.session.execute(
            sa.select(SyncTombstone.id)
            .where(SyncTombstone.entity == entity, SyncTombstone.record_uid == uid)
            .limit(1)
        ).first()
        is not None
    )


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
