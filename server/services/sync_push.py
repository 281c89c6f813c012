"""Applying a pushed batch (docs/sync-protocol.md §3) in one transaction: the protocol engine.

The rules themselves are framework-free and tested on their own: what refuses a mutation
(:mod:`sync.admission`), field validation (:mod:`sync.entities`), per-device ordering
(:mod:`sync.ordering`), three-way merge (:mod:`sync.merge`), the complaint lifecycle
(:mod:`bureau.lifecycle`), cursors and clocks. This module decides a batch: it claims it, or
answers a batch sent before from what was stored; orders its mutations behind the device's
gaps and held ones; hands each to its entity's applier (:mod:`server.services.sync_appliers`),
or a run of plain new visits to the bulk path (:mod:`server.services.sync_bulk_visits`);
records the outcomes (:mod:`server.services.sync_bookkeeping`); and answers, with a cursor past
the device's own writes.

Concurrency: a push first locks its device's ``sync_device_state`` row (created or locked
race-free by ``INSERT … ON CONFLICT DO UPDATE``) until it commits, so one device's pushes are
decided one after another even when a phone sends them at once from several threads, or re-sends
a slow batch under a new number while the first is still running: the later one then reads what
the earlier one committed, and answers ``duplicate`` where the earlier one applied. Its first write
of a record allocates ``sync_seq`` values by updating the ``sync_counter`` row, and that row
lock too is held until the push commits. Pushes therefore apply one at a time (their JSON
parsing and validation still run in parallel), which makes every version check race-free and
makes ``sync_seq`` order equal commit order on PostgreSQL as on SQLite. The caller commits or
rolls back, once.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from bureau.access import PUSH_CHANGES, Actor, authorize
from bureau.errors import DomainError
from gis.geometry import BBox
from server.extensions import db
from server.models import SyncBatch, SyncMutation
from server.models.base import utcnow
from server.services.outreach import refresh_current_rosters
from server.services.sequence import SeqAllocator
from server.services.spatial import SpatialSettings
from server.services.sync_appliers import APPLIERS
from server.services.sync_bookkeeping import (
    CreatedInBulk,
    DeviceState,
    claim_batch,
    created_by_seq,
    device_mutations,
    lock_device,
    mutations_by_id,
    originals_in_bulk,
    record_created,
    save_batch,
    set_next_seq,
    store_decided_held,
    store_mutations,
    stored_batch,
)
from server.services.sync_bulk_visits import BulkVisits, is_bulk_visit
from server.services.sync_entities import ADAPTERS, current_record, load_rows
from server.services.sync_pull import others_between
from server.services.sync_push_context import PushContext
from server.services.sync_push_settings import PushTooLarge, Settings, limit_errors
from sync.actor import DeviceActor
from sync.admission import admit
from sync.clock import clock_skew_seconds, skew_flagged
from sync.cursor import BadCursor, Cursor, parse_cursor
from sync.entities import Context
from sync.ordering import plan_order
from sync.outcome import Outcome, decided, ordering_outcomes, rejected, result_out


class BatchMismatch(DomainError):
    """A batch number this device used before, sent again with other mutations."""

    code = "batch_mismatch"
    status = 409


class BatchProcessor:
    """One push of one device, decided in the caller's transaction: made per request, then
    :meth:`process` once (``fieldsync sync release-held`` calls :meth:`_release_overdue_held`)."""

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
        self._state: DeviceState | None = None

    # -- entry point ------------------------------------------------------------------------

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
        batch_id = claim_batch(values)
        if batch_id is None:
            stored = stored_batch(self.actor.device_id, batch["batch_seq"])
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
        if self.push.rosters_changed:
            refresh_current_rosters(self.push.now)  # once per push, as the desk does per request
        batch_row.cursor_out = self._cursor_after(batch.get("cursor"))
        save_batch(batch_row)
        return self._response(
            batch_row, [outcomes[m["id"]] for m in mutations], batch_row.cursor_out
        )

    def _lock_device(self) -> DeviceState:
        if self._state is None:
            self._state = lock_device(self.actor.device_id)
        return self._state

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
        rows = device_mutations(device, ids, [m["seq"] for m in mutations])
        wanted = set(ids)
        seen = {row.mutation_id: row for row in rows if row.mutation_id in wanted}
        state = self._lock_device()
        # Visits created in bulk have no sync_mutation row: their batches record them. They
        # all have seqs below the device's next one, so only those seqs need looking up.
        created = created_by_seq(
            device,
            [m["seq"] for m in mutations if m["id"] not in seen and m["seq"] < state.next_seq],
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
        set_next_seq(state, plan.next_seq)
        # The bookkeeping first, the visits last: inserting the visits takes the sequence lock,
        # which is then held only for that INSERT and the commit.
        self._store(
            [m for m in fresh if not outcomes[m["id"]].bulk], outcomes, batch_id, schema_version
        )
        self._insert_bulk(held_by_id, outcomes, decided_held, batch_id, bookkept=True)
        store_decided_held(held_by_id, decided_held, self.push.now)
        return outcomes

    def _apply_one(self, m: dict[str, Any], schema_version: int) -> Outcome:
        """One mutation the careful way: checked, then applied by its entity's applier in a
        savepoint of its own, so that refusing it leaves the rest of the batch standing."""
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
        if created and self._batch_row is not None:
            record_created(self._batch_row, created)

    def _store(self, fresh, outcomes, batch_id, schema_version) -> None:
        store_mutations(self.actor, self.push.now, fresh, outcomes, batch_id, schema_version)

    def _release_overdue_held(self) -> None:
        """Apply held mutations whose gap has waited past ``gap_hold_seconds``."""
        self._decide([], 1, 0)

    # -- answers -------------------------------------------------------------------------------

    def _duplicate(self, m: dict, row: SyncMutation | CreatedInBulk) -> Outcome:
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
        current = current_record(row.entity, row.record_uid, db.session)
        if current is not None:
            outcome.record, outcome.version = current, current["version"]
        return outcome

    def _replay(self, stored: SyncBatch) -> dict[str, Any]:
        """The stored answer of a batch sent before: one result per mutation, in its order.

        Each mutation is answered from where it was decided: this batch's bulk-created visits
        (``created``), its own sync_mutation rows (held ones as they stand now), or, for a
        mutation this batch found ``duplicate``, its original, wherever that was decided."""
        device = self.actor.device_id
        created = {entry[1]: CreatedInBulk.of(entry, stored.id) for entry in (stored.created or ())}
        created_now = (
            load_rows("visit", [c.record_uid for c in created.values()], db.session)
            if created
            else {}
        )
        others = [mid for mid in stored.mutation_ids if mid not in created]
        rows = mutations_by_id(device, others)
        originals = originals_in_bulk(device, stored, [mid for mid in others if mid not in rows])
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
                current = current_record(row.entity, row.record_uid, db.session)
                if current is not None:
                    outcome.record, outcome.version = current, current["version"]
            results.append(outcome)
        return self._response(stored, results, stored.cursor_out)

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
