"""Applying a pushed batch (docs/sync-protocol.md §3) in one transaction.

The rules themselves are framework-free and tested on their own: field validation
(:mod:`sync.entities`), per-device ordering (:mod:`sync.ordering`), three-way merge
(:mod:`sync.merge`), the complaint lifecycle (:mod:`bureau.lifecycle`), cursors and clocks. This
module is where they meet the database.

Concurrency: a push first locks its device's ``sync_device_state`` row (created race-free by
``INSERT … ON CONFLICT DO NOTHING``) until it commits, so one device's pushes are decided one
after another even when a phone sends them at once from several threads, or re-sends a slow
batch under a new number while the first is still running: the later one then reads what the
earlier one committed, and answers ``duplicate`` where the earlier one applied. Its first write
of a record allocates ``sync_seq`` values by updating the ``sync_counter`` row, and that row
lock too is held until the push commits. Pushes therefore apply one at a time (their JSON
parsing and validation still run in parallel), which makes every version check race-free and
makes ``sync_seq`` order equal commit order on PostgreSQL as on SQLite. The caller commits or
rolls back, once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bureau.access import PUSH_CHANGES, Actor, authorize
from bureau.errors import DomainError
from gis.geometry import BBox
from server.bulk import insert_rows, one_of
from server.extensions import db
from server.models import (
    SyncBatch,
    SyncDeviceState,
    SyncMutation,
    SyncTombstone,
)
from server.models.base import utcnow
from server.services.outreach import refresh_current_rosters
from server.services.sequence import SeqAllocator
from server.services.spatial import (
    SpatialSettings,
)
from server.services.sync_appliers import APPLIERS
from server.services.sync_bulk_visits import BulkVisits, is_bulk_visit
from server.services.sync_entities import ADAPTERS, load_rows
from server.services.sync_push_context import PushContext
from sync.actor import DeviceActor
from sync.admission import admit
from sync.clock import clock_skew_seconds, skew_flagged
from sync.cursor import BadCursor, Cursor, parse_cursor
from sync.entities import (
    Context,
)
from sync.ordering import plan_order
from sync.outcome import Outcome, decided, ordering_outcomes, rejected, result_out

#: the tables devices sync (proposals of both kinds share one)
SYNCED_TABLES = tuple(dict.fromkeys(adapter.model for adapter in ADAPTERS.values()))


class PushTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class BatchMismatch(DomainError):
    """A batch number this device used before, sent again with other mutations."""

    code = "batch_mismatch"
    status = 409


@dataclass(frozen=True)
class Settings:
    max_push_records: int = 1000
    max_push_bytes: int = 4 * 1024 * 1024
    gap_hold_seconds: float = 3600.0
    clock_skew_flag_seconds: float = 300.0


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
class _DeviceState:
    """The locked ``sync_device_state`` row of the pushing device (see ``_lock_device``)."""

    device_id: int
    next_seq: int


@lru_cache(maxsize=2)
def _claim_statement(dialect: str) -> sa.Insert:
    """``INSERT … ON CONFLICT (device_id, batch_seq) DO NOTHING RETURNING id``, built once."""
    table = SyncBatch.__table__
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=["device_id", "batch_seq"]).returning(
        table.c.id
    )


class BatchProcessor:
    def __init__(
        self,
        actor: DeviceActor,
        settings: Settings,
        service_area: BBox | None,
        spatial: SpatialSettings | None = None,
    ):
        self.actor = actor
        self.settings = settings
        self.push = PushContext(
            actor=actor,
            now=utcnow(),
            seq=SeqAllocator(64),
            spatial=spatial or SpatialSettings(),
            validation=Context(service_area=service_area),
        )
        self.bulk = BulkVisits(self.push)
        self._batch_row: SyncBatch | None = None
        self._state: _DeviceState | None = None

    # -- entry point ------------------------------------------------------------------------

    def _stored_batch(self, batch_seq: int) -> SyncBatch | None:
        return db.session.execute(
            sa.select(SyncBatch).where(
                SyncBatch.device_id == self.actor.device_id, SyncBatch.batch_seq == batch_seq
            )
        ).scalar_one_or_none()

    def process(self, batch: dict[str, Any]) -> dict[str, Any]:
        mutations = batch["mutations"]
        received_at = self.push.now
        skew = clock_skew_seconds(batch.get("sent_at"), received_at)
        values = {
            "device_id": self.actor.device_id,
            "batch_seq": batch["batch_seq"],
            "schema_version": batch["schema_version"],
            "mutation_ids": [m["id"] for m in mutations],
            "sent_at": batch.get("sent_at"),
            "received_at": received_at,
            "clock_skew_seconds": skew,
            "clock_skew_flagged": skew_flagged(skew, self.settings.clock_skew_flag_seconds),
        }
        self._check_role()
        # The device first: its pushes are decided one at a time (see the module's docstring).
        self._lock_device()
        # Then claim (device, batch_seq), in one statement. When it is taken, the batch was
        # processed before: the answer is what it stored, provided it is the same batch. A
        # batch refused below (413, 409) rolls back with its claim.
        batch_id = self._claim_batch(values)
        if batch_id is None:
            stored = self._stored_batch(batch["batch_seq"])
            if list(stored.mutation_ids) != values["mutation_ids"]:
                raise BatchMismatch(
                    f"batch {batch['batch_seq']} was received before with other mutations "
                    f"({len(stored.mutation_ids)} of them, not these {len(mutations)}); nothing "
                    "in this one was processed. Send new mutations under a new batch_seq.",
                    errors={"batch_seq": [str(batch["batch_seq"])]},
                )
            self._release_overdue_held()
            return self._replay(stored)
        self._check_limits(mutations)
        batch_row = self._batch_row = SyncBatch(id=batch_id, **values)
        outcomes = self._decide(mutations, batch["schema_version"], batch_id)
        if self.push.complainant_seen:
            refresh_current_rosters(self.push.now)  # once per push, as the desk does per intake
        cursor_out = self._cursor_after(batch.get("cursor"))
        batch_row.cursor_out = cursor_out
        table = SyncBatch.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == batch_id)
            .values(
                cursor_out=cursor_out,
                created=batch_row.created,
                first_seq=batch_row.first_seq,
                last_seq=batch_row.last_seq,
                duplicates=batch_row.duplicates,
            )
        )
        return self._response(batch_row, [outcomes[m["id"]] for m in mutations], cursor_out)

    def _lock_device(self) -> _DeviceState:
        """This device's state row, created if need be and locked until the push commits (on
        SQLite the whole database is: its transactions begin ``IMMEDIATE``)."""
        if self._state is None:
            device = self.actor.device_id
            statement = _device_state_statement(db.session.get_bind().dialect.name)
            next_seq = db.session.execute(
                statement, {"device_id": device, "next_seq": 1}
            ).scalar_one()
            self._state = _DeviceState(device, next_seq)
        return self._state

    def _set_next_seq(self, next_seq: int) -> None:
        state = self._lock_device()
        if next_seq != state.next_seq:
            table = SyncDeviceState.__table__
            db.session.execute(
                sa.update(table)
                .where(table.c.device_id == state.device_id)
                .values(next_seq=next_seq)
            )
            state.next_seq = next_seq

    def _claim_batch(self, values: dict[str, Any]) -> int | None:
        """Insert the batch's row unless (device, batch_seq) exists; its id, or None."""
        statement = _claim_statement(db.session.get_bind().dialect.name)
        return db.session.execute(statement, values).scalar_one_or_none()

    # -- checks that refuse the whole batch --------------------------------------------------

    def _check_limits(self, mutations: list) -> None:
        if len(mutations) > self.settings.max_push_records:
            raise PushTooLarge(
                f"A push may hold at most {self.settings.max_push_records} mutations; "
                f"this one has {len(mutations)}. Split it.",
                errors=limit_errors(self.settings),
            )

    def _check_role(self) -> None:
        """Refuse the whole batch only for what no mutation of this device may ever do: an
        account whose role only reads. What a device may not do to one record (another
        station's) is that mutation's ``rejected: forbidden``, so its seq is used up and the
        mutations after it go on instead of waiting behind a gap."""
        authorize(Actor(self.actor.user_id, self.actor.role, self.actor.station_id), PUSH_CHANGES)

    # -- per-mutation decisions ------------------------------------------------------------

    def _decide(self, mutations: list, schema_version: int, batch_id: int) -> dict[str, Outcome]:
        device = self.actor.device_id
        outcomes: dict[str, Outcome] = {}
        ids = [m["id"] for m in mutations]
        # One read of this device's bookkeeping for the whole batch: the mutations it sent
        # before (by id), the seqs it used (by seq) and what is held behind a gap.
        rows = list(
            db.session.execute(
                sa.select(SyncMutation).where(
                    SyncMutation.device_id == device,
                    sa.or_(
                        one_of(db.session, SyncMutation.mutation_id, ids),
                        one_of(db.session, SyncMutation.seq, [m["seq"] for m in mutations]),
                        SyncMutation.outcome == "held",
                    ),
                )
            ).scalars()
        )
        wanted = set(ids)
        seen = {row.mutation_id: row for row in rows if row.mutation_id in wanted}
        state = self._lock_device()
        # Visits created in bulk have no sync_mutation row: their batches record them. They
        # all have seqs below the device's next one, so only those seqs need looking up.
        created = self._created_by_seq(
            [m["seq"] for m in mutations if m["id"] not in seen and m["seq"] < state.next_seq]
        )
        for entry in created.values():
            if entry.mutation_id in wanted and entry.mutation_id not in seen:
                seen[entry.mutation_id] = entry
        fresh, fresh_ids, duplicates = [], set(), []
        for m in mutations:
            if m["id"] in seen:
                outcomes[m["id"]] = self._duplicate(m, seen[m["id"]])
                duplicates.append([m["seq"], m["id"]])
            elif m["id"] in fresh_ids:
                continue  # the same mutation twice in one batch: the first one counts
            else:
                fresh.append(m)
                fresh_ids.add(m["id"])
        if duplicates and self._batch_row is not None:
            self._batch_row.duplicates = duplicates  # a replay answers them again
        held_rows = sorted((r for r in rows if r.outcome == "held"), key=lambda r: r.seq)
        seqs = {m["seq"] for m in fresh}
        known = {r.seq: r.mutation_id for r in rows if r.outcome != "held" and r.seq in seqs}
        for seq, entry in created.items():
            known.setdefault(seq, entry.mutation_id)
        plan = plan_order(
            state.next_seq,
            known,
            [(m["seq"], m["id"]) for m in fresh],
            [(r.seq, r.mutation_id, r.received_at.timestamp()) for r in held_rows],
            time.time(),
            self.settings.gap_hold_seconds,
        )
        by_id = {m["id"]: m for m in fresh}
        held_by_id = {r.mutation_id: r for r in held_rows}
        ordering_outcomes(plan, by_id, outcomes)
        # Applied in the device's order, fresh and released alike, so that their records take
        # pull positions in that order too: a run of plain new visits goes in bulk, and a run
        # is inserted before any other mutation after it is applied. The last run waits for
        # the bookkeeping (see below).
        decided_held: dict[str, Outcome] = {}
        run: list[dict[str, Any]] = []
        for _seq, mid in plan.apply:
            held = held_by_id.get(mid)
            if held is None:
                m, version = by_id[mid], schema_version
            else:
                m, version = held.payload, held.payload.get("_schema", 1)
            if is_bulk_visit(m, version):
                run.append(m)
                continue
            if run:
                self.bulk.prepare(run, held_by_id, outcomes, decided_held)
                self._insert_bulk(held_by_id, outcomes, decided_held, batch_id, bookkept=False)
                run = []
            decided(self._apply_one(m, version), held_by_id, outcomes, decided_held)
        if run:
            self.bulk.prepare(run, held_by_id, outcomes, decided_held)
        self._set_next_seq(plan.next_seq)
        # The bookkeeping first, the visits last: inserting the visits takes the sequence lock,
        # which is then held only for that INSERT and the commit.
        self._store(
            [m for m in fresh if not outcomes[m["id"]].bulk], outcomes, batch_id, schema_version
        )
        self._insert_bulk(held_by_id, outcomes, decided_held, batch_id, bookkept=True)
        self._store_decided_held(held_by_id, decided_held)
        return outcomes

    def _apply_one(self, m: dict[str, Any], schema_version: int) -> Outcome:
        values = admit(m, schema_version, self.push.validation)
        if isinstance(values, Outcome):
            return values
        applier = APPLIERS[m["entity"]]
        self.push.seq.ensure(2)  # at most two sequence values per mutation, before the savepoint
        savepoint = db.session.begin_nested()
        try:
            if m["op"] == "create":
                outcome = applier.create(self.push, m, values)
            elif m["op"] == "update":
                outcome = applier.update(self.push, m, values)
            else:
                outcome = applier.delete(self.push, m)
        except DomainError as error:
            savepoint.rollback()
            return rejected(m, error.code, error.message, errors=error.errors or None)
        except sa.exc.SQLAlchemyError as error:
            savepoint.rollback()
            return rejected(m, "storage_error", f"could not store it: {type(error).__name__}")
        if outcome.outcome == "rejected":
            savepoint.rollback()
        else:
            savepoint.commit()
        return outcome

    def _insert_bulk(
        self,
        held_by_id: dict[str, SyncMutation],
        outcomes: dict[str, Outcome],
        decided_held: dict[str, Outcome],
        batch_id: int,
        bookkept: bool,
    ) -> None:
        """Insert the visits the bulk path prepared and record the fresh ones on their batch.
        ``bookkept``: the batch's sync_mutation rows are written already, so any visit that
        must go the careful way after all gets its row here."""
        created, left_out = self.bulk.insert()
        # Something in the lot is off (a record id stored already): those go one by one, so
        # the rest still lands, each with a sync_mutation row of its own, as any mutation
        # not created in bulk (a released held one keeps the row it has).
        fresh = []
        for m in left_out:
            decided(self._apply_one(m, 1), held_by_id, outcomes, decided_held)
            if m["id"] not in held_by_id:
                fresh.append(m)
        if bookkept and fresh:
            self._store(fresh, outcomes, batch_id, 1)
        batch = self._batch_row
        if created and batch is not None:
            batch.created = (batch.created or []) + created
            seqs = [entry[0] for entry in created]
            batch.first_seq = min(seqs + ([batch.first_seq] if batch.first_seq else []))
            batch.last_seq = max(seqs + ([batch.last_seq] if batch.last_seq else []))

    # -- bookkeeping -----------------------------------------------------------------------

    def _store(self, fresh, outcomes, batch_id, schema_version) -> None:
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
                    "device_id": self.actor.device_id,
                    "mutation_id": m["id"],
                    "seq": m["seq"],
                    "batch_id": batch_id,
                    "station_id": (
                        outcome.station_id
                        if outcome.station_id is not None
                        else self.actor.station_id
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
                    "received_at": self.push.now,
                    "decided_at": None if outcome.outcome == "held" else self.push.now,
                }
            )
        insert_rows(db.session, SyncMutation.__table__, rows)

    def _created_by_seq(self, seqs: list[int]) -> dict[int, CreatedInBulk]:
        """The visits this device created in bulk under any of ``seqs``, by seq."""
        if not seqs:
            return {}
        wanted = set(seqs)
        found: dict[int, CreatedInBulk] = {}
        for batch_id, entries in db.session.execute(
            sa.select(SyncBatch.id, SyncBatch.created).where(
                SyncBatch.device_id == self.actor.device_id,
                SyncBatch.first_seq <= max(wanted),
                SyncBatch.last_seq >= min(wanted),
            )
        ):
            for entry in entries or ():
                if entry[0] in wanted:
                    found[entry[0]] = CreatedInBulk.of(entry, batch_id)
        return found

    def _store_decided_held(self, held_by_id, decided: dict[str, Outcome]) -> None:
        for mid, outcome in decided.items():
            row = held_by_id[mid]
            row.outcome = outcome.outcome
            row.code = outcome.code
            row.message = outcome.message
            row.result = outcome.result()
            row.station_id = outcome.station_id
            row.decided_at = self.push.now

    def _release_overdue_held(self) -> None:
        """Apply held mutations whose gap has waited past ``gap_hold_seconds``."""
        self._decide([], 1, 0)

    def _duplicate(self, m: dict, row: SyncMutation) -> Outcome:
        result = dict(row.result or {})
        outcome = Outcome(
            m,
            "duplicate" if row.outcome != "held" else "held",
            code=result.get("code"),
            message=result.get("message"),
            version=result.get("version"),
            merged_fields=result.get("merged_fields") or [],
            conflicts=result.get("conflicts") or [],
            missing_photos=result.get("missing_photos") or [],
        )
        outcome.original = row.outcome
        current = self._current_record(row.entity, row.record_uid)
        if current is not None:
            outcome.record, outcome.version = current, current["version"]
        return outcome

    def _current_record(self, entity: str, uid: str) -> dict | None:
        if entity not in ADAPTERS:
            return None
        row = load_rows(entity, [uid], db.session).get(uid)
        return None if row is None else ADAPTERS[entity].to_wire(row)

    # -- answers -------------------------------------------------------------------------------

    def _replay(self, stored: SyncBatch) -> dict[str, Any]:
        """The stored answer of a batch sent before: one result per mutation, in its order.

        Each mutation is answered from where it was decided: this batch's bulk-created visits
        (``created``), its own sync_mutation rows (held ones as they stand now), or, for a
        mutation this batch found ``duplicate``, its original, wherever that was decided."""
        created = {entry[1]: CreatedInBulk.of(entry, stored.id) for entry in (stored.created or ())}
        created_now = (
            load_rows("visit", [c.record_uid for c in created.values()], db.session)
            if created
            else {}
        )
        others = [mid for mid in stored.mutation_ids if mid not in created]
        rows = (
            {
                r.mutation_id: r
                for r in db.session.execute(
                    sa.select(SyncMutation).where(
                        SyncMutation.device_id == self.actor.device_id,
                        one_of(db.session, SyncMutation.mutation_id, others),
                    )
                ).scalars()
            }
            if others
            else {}
        )
        originals = self._originals_in_bulk(stored, [mid for mid in others if mid not in rows])
        results = []
        for mid in stored.mutation_ids:
            if mid in created:
                entry = created[mid]
                outcome = Outcome(entry.payload, "applied", missing_photos=entry.missing_photos)
                visit = created_now.get(entry.record_uid)
                if visit is not None:
                    outcome.record = ADAPTERS["visit"].to_wire(visit)
                    outcome.version = outcome.record["version"]
                results.append(outcome)
                continue
            row = rows.get(mid)
            if row is None:
                original = originals.get(mid)
                if original is None:  # pragma: no cover - every mutation id was decided
                    raise AssertionError(f"mutation {mid} of batch {stored.id} has no outcome")
                results.append(self._duplicate(original.payload, original))
                continue
            if row.batch_id != stored.id:
                results.append(self._duplicate(row.payload, row))
                continue
            outcome = Outcome.stored(row.payload, row.outcome, row.result)
            if row.outcome not in ("rejected", "held"):
                current = self._current_record(row.entity, row.record_uid)
                if current is not None:
                    outcome.record, outcome.version = current, current["version"]
            results.append(outcome)
        return self._response(stored, results, stored.cursor_out)

    def _originals_in_bulk(self, stored: SyncBatch, mids: list[str]) -> dict[str, CreatedInBulk]:
        """The visits created in bulk by earlier batches that ``mids`` (duplicates in
        ``stored``) repeated, found by the seqs the batch recorded for them; a batch received
        before those were recorded (migration 0009) has its device's batches searched."""
        if not mids:
            return {}
        wanted = set(mids)
        seqs = [seq for seq, mid in (stored.duplicates or ()) if mid in wanted]
        found = {
            entry.mutation_id: entry
            for entry in self._created_by_seq(seqs).values()
            if entry.mutation_id in wanted
        }
        if len(found) < len(wanted):
            for batch_id, entries in db.session.execute(
                sa.select(SyncBatch.id, SyncBatch.created).where(
                    SyncBatch.device_id == self.actor.device_id, SyncBatch.created.is_not(None)
                )
            ):
                for entry in entries or ():
                    if entry[1] in wanted:
                        found.setdefault(entry[1], CreatedInBulk.of(entry, batch_id))
        return found

    def _response(self, batch_row: SyncBatch, outcomes: list[Outcome], cursor) -> dict:
        return {
            "batch_seq": batch_row.batch_seq,
            "received_at": batch_row.received_at,
            "clock_skew_seconds": batch_row.clock_skew_seconds,
            "clock_skew_flagged": batch_row.clock_skew_flagged,
            "results": [result_out(o) for o in outcomes],
            "cursor": cursor,
        }

    def _cursor_after(self, cursor_text: str | None) -> str | None:
        """Move the device's cursor past its own writes when nobody else's lie in between."""
        if cursor_text is None:
            return None
        try:
            cursor = parse_cursor(cursor_text, self.actor.scope)
        except BadCursor:
            return None
        if cursor.scope != self.actor.scope or self.push.seq.first is None:
            return cursor_text
        last = self.push.seq.last
        if others_between(cursor.seq, last, self.actor):
            return cursor_text
        return str(Cursor(self.actor.scope, last))


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


def others_between(low: int, high: int, actor: DeviceActor) -> bool:
    """Is there a change in (low, high] in the actor's scope by anyone but this device?"""
    for model in (*SYNCED_TABLES, SyncTombstone):
        query = sa.select(model.sync_seq).where(
            model.sync_seq > low,
            model.sync_seq <= high,
            sa.or_(model.origin_device_id.is_(None), model.origin_device_id != actor.device_id),
        )
        if actor.station_id is not None:
            query = query.where(model.station_id == actor.station_id)
        if db.session.execute(query.limit(1)).first():
            return True
    return False


def limit_errors(settings: Settings) -> dict[str, list[str]]:
    return {
        "max_push_records": [str(settings.max_push_records)],
        "max_push_bytes": [str(settings.max_push_bytes)],
    }
