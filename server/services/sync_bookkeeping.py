"""What a push records about itself, and how it is read back (docs/sync-protocol.md §3).

* the device's ``sync_device_state`` row: the next seq it must send, and the lock that makes
  one device's pushes apply one after another (see :mod:`server.services.sync_push`);
* the batch's ``sync_batch`` row, claimed first so that a batch sent again is recognised and
  answered from what was stored (retries are free, DESIGN §4 rule 2);
* one ``sync_mutation`` row per mutation (the quarantine keeps rejected and held ones whole);
* the visits created in bulk, which have no ``sync_mutation`` row: their batch's row records
  them (``created``), and the duplicates it answered (``duplicates``).

The engine decides; the statements it needs for that live here, so that its decisions read
without SQL, and each statement stays the one the push benchmark measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.bulk import insert_rows, one_of
from server.extensions import db
from server.models import SyncBatch, SyncDeviceState, SyncMutation
from sync.actor import DeviceActor
from sync.outcome import Outcome

# -- the device's state row ---------------------------------------------------------------------


@lru_cache(maxsize=2)
def _device_state_statement(dialect: str) -> sa.Insert:
    """``INSERT … ON CONFLICT (device_id) DO UPDATE … RETURNING next_seq``: a device's state
    row, created once however many of its first pushes arrive together, locked (the no-op
    update takes the row's lock, as ``SELECT … FOR UPDATE`` did, and waits for a push of the
    same device to commit) and read, in one round trip."""
    table = SyncDeviceState.__table__
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=["device_id"], set_={"next_seq": table.c.next_seq}
    ).returning(table.c.next_seq)


@dataclass
class DeviceState:
    """The locked ``sync_device_state`` row of the pushing device (see :func:`lock_device`)."""

    device_id: int
    next_seq: int


def lock_device(device_id: int) -> DeviceState:
    """This device's state row, created if need be and locked until the push commits (on
    SQLite the whole database is: its transactions begin ``IMMEDIATE``)."""
    statement = _device_state_statement(db.session.get_bind().dialect.name)
    next_seq = db.session.execute(statement, {"device_id": device_id, "next_seq": 1}).scalar_one()
    return DeviceState(device_id, next_seq)


def set_next_seq(state: DeviceState, next_seq: int) -> None:
    if next_seq != state.next_seq:
        table = SyncDeviceState.__table__
        db.session.execute(
            sa.update(table).where(table.c.device_id == state.device_id).values(next_seq=next_seq)
        )
        state.next_seq = next_seq


# -- the batch's row ----------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _claim_statement(dialect: str) -> sa.Insert:
    """``INSERT … ON CONFLICT (device_id, batch_seq) DO NOTHING RETURNING id``, built once."""
    table = SyncBatch.__table__
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=["device_id", "batch_seq"]).returning(
        table.c.id
    )


def claim_batch(values: dict[str, Any]) -> int | None:
    """Insert the batch's row unless (device, batch_seq) exists; its id, or None."""
    statement = _claim_statement(db.session.get_bind().dialect.name)
    return db.session.execute(statement, values).scalar_one_or_none()


def stored_batch(device_id: int, batch_seq: int) -> SyncBatch | None:
    return db.session.execute(
        sa.select(SyncBatch).where(
            SyncBatch.device_id == device_id, SyncBatch.batch_seq == batch_seq
        )
    ).scalar_one_or_none()


def save_batch(batch_row: SyncBatch) -> None:
    """Write what deciding the batch added to its claimed row: the cursor it answered, the
    visits it created in bulk and the duplicates it found (a replay answers from them)."""
    table = SyncBatch.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == batch_row.id)
        .values(
            cursor_out=batch_row.cursor_out,
            created=batch_row.created,
            first_seq=batch_row.first_seq,
            last_seq=batch_row.last_seq,
            duplicates=batch_row.duplicates,
        )
    )


# -- sync_mutation rows -------------------------------------------------------------------------


def device_mutations(device_id: int, ids: list[str], seqs: list[int]) -> list[SyncMutation]:
    """One read of this device's bookkeeping for a whole batch: the mutations it sent before
    (by id), the seqs it used (by seq) and what is held behind a gap."""
    return list(
        db.session.execute(
            sa.select(SyncMutation).where(
                SyncMutation.device_id == device_id,
                sa.or_(
                    one_of(db.session, SyncMutation.mutation_id, ids),
                    one_of(db.session, SyncMutation.seq, seqs),
                    SyncMutation.outcome == "held",
                ),
            )
        ).scalars()
    )


def mutations_by_id(device_id: int, mids: list[str]) -> dict[str, SyncMutation]:
    if not mids:
        return {}
    return {
        r.mutation_id: r
        for r in db.session.execute(
            sa.select(SyncMutation).where(
                SyncMutation.device_id == device_id,
                one_of(db.session, SyncMutation.mutation_id, mids),
            )
        ).scalars()
    }


def store_mutations(
    actor: DeviceActor,
    now: datetime,
    fresh: list[dict[str, Any]],
    outcomes: dict[str, Outcome],
    batch_id: int,
    schema_version: int,
) -> None:
    rows = []
    for m in fresh:
        outcome = outcomes[m["id"]]
        if outcome.outcome in ("rejected", "held"):
            # kept whole: the quarantine shows it, and a held one is applied from it later
            payload = dict(m)
        else:  # the record itself holds the data now
            payload = {k: m.get(k) for k in ("id", "seq", "entity", "record_id", "op")}
        payload["_schema"] = schema_version
        rows.append(
            {
                "device_id": actor.device_id,
                "mutation_id": m["id"],
                "seq": m["seq"],
                "batch_id": batch_id,
                "station_id": (
                    outcome.station_id if outcome.station_id is not None else actor.station_id
                ),
                "entity": m["entity"][:32],
                "record_uid": m["record_id"].lower(),
                "op": m["op"][:16],
                "base_version": m.get("base_version"),
                "payload": payload,
                "captured_at": (m.get("captured_at") or None) and str(m["captured_at"])[:40],
                "outcome": outcome.outcome,
                "code": outcome.code,
                "message": outcome.message,
                "result": outcome.result(),
                "received_at": now,
                "decided_at": None if outcome.outcome == "held" else now,
            }
        )
    insert_rows(db.session, SyncMutation.__table__, rows)


def store_decided_held(
    held_by_id: dict[str, SyncMutation], decided: dict[str, Outcome], now: datetime
) -> None:
    for mid, outcome in decided.items():
        row = held_by_id[mid]
        row.outcome = outcome.outcome
        row.code = outcome.code
        row.message = outcome.message
        row.result = outcome.result()
        row.station_id = outcome.station_id
        row.decided_at = now


# -- visits created in bulk, recorded on their batch --------------------------------------------


@dataclass(frozen=True)
class CreatedInBulk:
    """A visit created in bulk, as its batch records it; it answers like a stored
    ``sync_mutation`` row would (``outcome``, ``result``, ``entity``, ``record_uid``)."""

    seq: int
    mutation_id: str
    record_uid: str
    missing_photos: list[str]
    batch_id: int
    outcome: str = "applied"
    entity: str = "visit"

    @classmethod
    def of(cls, entry: list, batch_id: int) -> CreatedInBulk:
        missing = list(entry[3]) if len(entry) > 3 else []
        return cls(entry[0], entry[1], entry[2], missing, batch_id)

    @property
    def result(self) -> dict[str, Any]:
        return {"outcome": "applied", "version": 1, "missing_photos": self.missing_photos}

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "id": self.mutation_id,
            "seq": self.seq,
            "entity": "visit",
            "record_id": self.record_uid,
            "op": "create",
        }


def record_created(batch: SyncBatch, created: list[list]) -> None:
    """Add visits just created in bulk (``[seq, mutation id, uid, (missing photos)]``) to
    their batch's row, and the range of their seqs (by which they are looked up)."""
    batch.created = (batch.created or []) + created
    seqs = [entry[0] for entry in created]
    batch.first_seq = min(seqs + ([batch.first_seq] if batch.first_seq else []))
    batch.last_seq = max(seqs + ([batch.last_seq] if batch.last_seq else []))


def created_by_seq(device_id: int, seqs: list[int]) -> dict[int, CreatedInBulk]:
    """The visits this device created in bulk under any of ``seqs``, by seq."""
    if not seqs:
        return {}
    wanted = set(seqs)
    found: dict[int, CreatedInBulk] = {}
    for batch_id, entries in db.session.execute(
        sa.select(SyncBatch.id, SyncBatch.created).where(
            SyncBatch.device_id == device_id,
            SyncBatch.first_seq <= max(wanted),
            SyncBatch.last_seq >= min(wanted),
        )
    ):
        for entry in entries or ():
            if entry[0] in wanted:
                found[entry[0]] = CreatedInBulk.of(entry, batch_id)
    return found


def originals_in_bulk(
    device_id: int, stored: SyncBatch, mids: list[str]
) -> dict[str, CreatedInBulk]:
    """The visits created in bulk by earlier batches that ``mids`` (duplicates in
    ``stored``) repeated, found by the seqs the batch recorded for them; a batch received
    before those were recorded (migration 0009) has its device's batches searched."""
    if not mids:
        return {}
    wanted = set(mids)
    seqs = [seq for seq, mid in (stored.duplicates or ()) if mid in wanted]
    found = {
        entry.mutation_id: entry
        for entry in created_by_seq(device_id, seqs).values()
        if entry.mutation_id in wanted
    }
    if len(found) < len(wanted):
        for batch_id, entries in db.session.execute(
            sa.select(SyncBatch.id, SyncBatch.created).where(
                SyncBatch.device_id == device_id, SyncBatch.created.is_not(None)
            )
        ):
            for entry in entries or ():
                if entry[1] in wanted:
                    found.setdefault(entry[1], CreatedInBulk.of(entry, batch_id))
    return found
