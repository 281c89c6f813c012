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
from dataclasses import dataclass, field
from datetime import datetime
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
    Complaint,
    ComplaintEvent,
    Person,
    Photo,
    RecordHistory,
    RegistryProposal,
    RosterEntry,
    SyncBatch,
    SyncConflict,
    SyncDeviceState,
    SyncMerge,
    SyncMutation,
    SyncTombstone,
    Visit,
)
from server.models.base import utcnow
from server.services.casework_sync import (
    apply_device_reply,
    check_device_status,
    log_device_status,
    register_from_device,
)
from server.services.outreach import mark_visited, refresh_current_rosters
from server.services.sequence import SeqAllocator
from server.services.spatial import SpatialSettings, analyse_complaint, flag_complaint_time
from server.services.station_locator import StationLocator
from server.services.sync_entities import ADAPTERS, load_rows, point_in, proposal_kind
from server.services.sync_wire import record_of_wire_values, wire_point
from server.services.visit_plausibility import (
    VisitFix,
    fixes_of,
    insert_visits_with_flags,
    store_visit_flags,
    visit_flags,
)
from sync.clock import clock_skew_seconds, skew_flagged
from sync.cursor import BadCursor, Cursor, parse_cursor, scope_key
from sync.entities import (
    ENTITIES,
    SCHEMA_VERSIONS,
    SYNCED,
    UUID_TEXT,
    Context,
    InvalidFields,
    validate_fields,
)
from sync.merge import merge
from sync.ordering import plan_order
from sync.visit_fast import quick_visit

#: the tables devices sync (proposals of both kinds share one)
SYNCED_TABLES = tuple(dict.fromkeys(adapter.model for adapter in ADAPTERS.values()))
#: a pushed visit's record, made from values already in wire form
VISIT_RECORD = record_of_wire_values("visit")


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


@dataclass(frozen=True)
class DeviceActor:
    device_id: int
    user_id: int
    role: str
    station_id: int | None

    @property
    def scope(self) -> str:
        return scope_key(self.station_id)

    def sees(self, station_id: int | None) -> bool:
        return self.station_id is None or station_id == self.station_id


@dataclass
class Outcome:
    mutation: dict[str, Any]
    outcome: str
    code: str | None = None
    message: str | None = None
    errors: dict[str, list[str]] | None = None
    version: int | None = None
    record: dict[str, Any] | None = None
    merged_fields: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    missing_photos: list[str] = field(default_factory=list)
    station_id: int | None = None
    #: for a duplicate: the outcome the mutation had when it was first processed
    original: str | None = None
    #: a visit created through the bulk path: recorded on its batch, not in sync_mutation
    bulk: bool = False

    def result(self) -> dict[str, Any]:
        """What is stored with the mutation and answered for it (and on every replay)."""
        return {
            "outcome": self.outcome,
            "code": self.code,
            "message": self.message,
            "errors": self.errors,
            "version": self.version,
            "merged_fields": self.merged_fields,
            "conflicts": self.conflicts,
            "missing_photos": self.missing_photos,
        }


def rejected(mutation: dict, code: str, message: str, errors=None) -> Outcome:
    return Outcome(mutation, "rejected", code=code, message=message, errors=errors)


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


def _forbidden(mutation: dict, entity: str, uid: str) -> Outcome:
    """Another station's record: this mutation is refused; its batch-mates and the device's
    later seqs go on (a whole-batch 403 would leave the device a gap it cannot fill)."""
    return rejected(
        mutation,
        "forbidden",
        f"{entity} {uid} belongs to another station; this device may not change it",
    )


def bad_record_id(mutation: dict) -> Outcome:
    """Record ids are UUIDs (docs/sync-protocol.md §2); pull pages write them into their JSON
    as they are, so anything else is refused at the door."""
    return rejected(mutation, "invalid_record_id", "record_id must be a UUID the device generated")


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
        self.spatial = spatial or SpatialSettings()
        self.context = Context(service_area=service_area)
        self.now = utcnow()
        self.seq = SeqAllocator(64)
        self._locator: StationLocator | None = None
        self._bulk_rows: list[dict[str, Any]] = []
        self._bulk_fixes: list[VisitFix] = []
        self._bulk_outcomes: list[Outcome] = []
        self._batch_row: SyncBatch | None = None
        self._state: _DeviceState | None = None
        self._complainant_seen = False

    # -- entry point ------------------------------------------------------------------------

    def _stored_batch(self, batch_seq: int) -> SyncBatch | None:
        return db.session.execute(
            sa.select(SyncBatch).where(
                SyncBatch.device_id == self.actor.device_id, SyncBatch.batch_seq == batch_seq
            )
        ).scalar_one_or_none()

    def process(self, batch: dict[str, Any]) -> dict[str, Any]:
        mutations = batch["mutations"]
        received_at = self.now
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
        if self._complainant_seen:
            refresh_current_rosters(self.now)  # once per push, as the desk does per intake
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
        for seq, mid in plan.reused:
            outcomes[mid] = rejected(
                by_id[mid],
                "sequence_reused",
                f"seq {seq} was already used by another mutation of this device",
            )
        for seq, mid in plan.stale:
            outcomes[mid] = rejected(
                by_id[mid],
                "stale_sequence",
                f"seq {seq} comes after a gap that was given up; kept in quarantine",
            )
        for _seq, mid in plan.duplicates:
            if mid in by_id and mid not in outcomes:
                outcomes[mid] = rejected(
                    by_id[mid], "sequence_reused", "the same seq appears twice in this batch"
                )
        for _seq, mid in plan.hold:
            outcomes[mid] = Outcome(
                by_id[mid], "held", message="waiting for a lower seq of this device"
            )
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
            if _bulk_visit(m, version):
                run.append(m)
                continue
            if run:
                self._create_visits(run, held_by_id, outcomes, decided_held)
                self._insert_bulk(held_by_id, outcomes, decided_held, batch_id, bookkept=False)
                run = []
            _decided(self._apply_one(m, version), held_by_id, outcomes, decided_held)
        if run:
            self._create_visits(run, held_by_id, outcomes, decided_held)
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
                f"{m['entity']} is computed by the server and pulled only; "
                f"it allows no {m['op']!r}",
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
            values = validate_fields(spec, m["op"], m.get("fields") or {}, self.context)
        except InvalidFields as error:
            return rejected(m, "invalid_fields", str(error), errors=error.errors)
        self.seq.ensure(2)  # at most two sequence values per mutation, taken before the savepoint
        savepoint = db.session.begin_nested()
        try:
            if m["op"] == "create":
                outcome = self._create(m, values)
            elif m["op"] == "update":
                outcome = self._update(m, values)
            else:
                outcome = self._delete(m)
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

    # -- create / update / delete -------------------------------------------------------------

    def _roster_entry(self, uid: str):
        entry = db.session.execute(
            sa.select(RosterEntry).where(RosterEntry.uid == uid.lower())
        ).scalar_one_or_none()
        if entry is None or not self.actor.sees(entry.station_id):
            return None
        return entry

    def _may_cite_visit(self, uid: str) -> bool:
        """May a complaint say it was raised during visit ``uid``? Not during another station's
        visit. One not stored yet is fine: the phone may save the complaint before the visit
        it was raised in, and the visit then comes later in this batch or in another one."""
        found = db.session.execute(sa.select(Visit.station_id).where(Visit.uid == uid)).first()
        return found is None or self.actor.sees(found[0])

    def _station_locator(self) -> StationLocator:
        if self._locator is None:
            self._locator = StationLocator.load()
        return self._locator

    def _locate(self, location: dict | None) -> int | None:
        if location is None:
            return None
        from shapely.geometry import Point

        return self._station_locator().station_for(Point(*location["coordinates"]))

    def _station_for_new(self, location: dict | None) -> int | None:
        return (
            self.actor.station_id if self.actor.station_id is not None else self._locate(location)
        )

    def _create(self, m: dict, values: dict[str, Any]) -> Outcome:
        entity, uid = m["entity"], m["record_id"].lower()
        adapter = ADAPTERS[entity]
        if load_rows(entity, [uid], db.session) or _tombstoned(entity, uid):
            return rejected(m, "already_exists", f"{entity} {uid} exists already")
        common = {
            "uid": uid,
            "version": 1,
            "sync_seq": self.seq(),
            "origin_device_id": self.actor.device_id,
        }
        missing: list[str] = []
        if entity == "visit":
            location, original = point_in(values["location"])
            missing = _missing_photos(values.get("photos") or [])
            row = Visit(
                **common,
                station_id=self._station_for_new(values["location"]),
                inspector_id=self.actor.user_id,
                target_kind=values["target_kind"],
                target_ref=values.get("target_ref"),
                location=location,
                location_original=original,
                accuracy_m=values["accuracy_m"],
                visited_at=_parse_time(values["visited_at"]),
                findings=values.get("findings"),
                photos=values.get("photos") or [],
                mock_location=values.get("mock_location"),
                received_at=self.now,
            )
        elif entity == "complaint":
            if values.get("visit_id") and not self._may_cite_visit(values["visit_id"]):
                return rejected(
                    m, "forbidden", f"visit {values['visit_id']} belongs to another station"
                )
            location, original = point_in(values.get("location"))
            row = Complaint(
                **common,
                station_id=self._station_for_new(values.get("location")),
                channel=values.get("channel") or "outreach",
                category=values["category"],
                description=values["description"],
                status="received",
                location=location,
                location_original=original,
                address=values.get("address"),
                received_at=self.now,
            )
        elif entity == "complaint_event":
            parent = load_rows("complaint", [values["complaint_id"]], db.session).get(
                values["complaint_id"]
            )
            if parent is None:
                return rejected(
                    m, "not_found", f"complaint {values['complaint_id']} does not exist"
                )
            if not self.actor.sees(parent.station_id):
                return _forbidden(m, "complaint", values["complaint_id"])
            row = ComplaintEvent(
                **common,
                station_id=parent.station_id,
                complaint_id=parent.id,
                kind=values["kind"],
                text=values["text"],
                notified_by=values.get("notified_by"),
                satisfied=values.get("satisfied"),
                occurred_at=_parse_time(values["occurred_at"]),
                author_id=self.actor.user_id,
                received_at=self.now,
            )
            row.complaint_uid = parent.uid
            db.session.add(row)
            db.session.flush()
            apply_device_reply(parent, values, row.occurred_at, self.actor, self.now, self.seq)
        elif entity == "person":
            location, _original = point_in(values.get("location"))
            station_id = self._station_for_new(values.get("location"))
            if station_id is None:
                return rejected(
                    m,
                    "invalid_fields",
                    "the person's station cannot be decided",
                    errors={"location": ["must lie in a station's area (county-level devices)"]},
                )
            row = Person(
                **common,
                ref=uid,
                name=values["name"],
                category=values["category"],
                phone=values.get("phone"),
                address=values.get("address"),
                location=location,
                station_id=station_id,
            )
        else:
            kind = proposal_kind(entity)
            key = values.get("credit_code" if kind == "enterprise" else "approval_number")
            row = RegistryProposal(
                **common,
                station_id=self.actor.station_id,
                kind=kind,
                target_key=key,
                changes=values["changes"],
                reason=values.get("reason"),
                status="pending",
                proposed_by=self.actor.user_id,
                received_at=self.now,
            )
        if entity == "visit" and values.get("roster_entry_id"):
            entry = self._roster_entry(values["roster_entry_id"])
            if entry is None:
                return rejected(
                    m, "not_found", f"roster entry {values['roster_entry_id']} does not exist"
                )
        db.session.add(row)
        db.session.flush()
        if entity == "visit" and values.get("roster_entry_id"):
            mark_visited(entry, row, self.seq)
        if entity == "complaint":
            analyse_complaint(row, self.spatial, self._station_locator())
            flag_complaint_time(row, m.get("captured_at"), self.now, self.spatial)
            register_from_device(row, values, self.actor, self.now, self.seq)
            # a complainant who came back joins the must-visit rosters (see process)
            self._complainant_seen = self._complainant_seen or bool(values.get("complainant_phone"))
        elif entity == "visit":
            store_visit_flags(visit_flags(fixes_of([row]), self.spatial, now=self.now))
        record = adapter.to_wire(row)
        if adapter.mergeable:
            self._history(entity, uid, 1, adapter.merge_fields(record))
        return Outcome(
            m,
            "applied",
            version=1,
            record=record,
            missing_photos=missing,
            station_id=row.station_id,
        )

    def _create_visits(
        self,
        mutations: list[dict[str, Any]],
        held_by_id: dict[str, SyncMutation],
        outcomes: dict[str, Outcome],
        decided_held: dict[str, Outcome],
    ) -> None:
        """Many new visits at once: append-only, so no merge; one INSERT for all of them.

        Visits are what inspectors send most; doing them one statement each would make the
        push round-trip-bound. Any record the bulk path cannot vouch for goes the careful way.
        The visits are validated here and their rows prepared; :meth:`_insert_bulk` writes
        them. Outcomes go to ``outcomes``, or to ``decided_held`` for mutations that were held
        (``held_by_id``), whose own sync_mutation rows record them.
        """
        spec = ENTITIES["visit"]
        valid: list[tuple[dict, dict, datetime]] = []
        for m in mutations:
            fields = m.get("fields") or {}
            quick = quick_visit(fields, self.context)
            if quick is not None:
                valid.append((m, *quick))
                continue
            try:
                values = validate_fields(spec, "create", fields, self.context)
            except InvalidFields as error:
                outcome = rejected(m, "invalid_fields", str(error), errors=error.errors)
                _decided(outcome, held_by_id, outcomes, decided_held)
                continue
            valid.append((m, values, _parse_time(values["visited_at"])))
        # A record id a stored visit has already is left to the unique index: the INSERT then
        # fails and the lot goes one by one, each refused or applied on its own (see
        # _insert_bulk). That happens only when a device re-sends a visit under a new mutation
        # id; looking up 500 ids on every push cost more than the rest of the bookkeeping.
        # A deleted visit's id (tombstone) is refused too; on PostgreSQL the INSERT itself
        # leaves such ids out (see insert_visits_with_flags), so they go one by one.
        uids = [m["record_id"].lower() for m, _v, _at in valid]
        taken = (
            set()
            if db.session.get_bind().dialect.name == "postgresql"
            else set(
                db.session.execute(
                    sa.select(SyncTombstone.record_uid).where(
                        SyncTombstone.entity == "visit",
                        one_of(db.session, SyncTombstone.record_uid, uids),
                    )
                ).scalars()
            )
        )
        hashes = sorted({h for _m, v, _at in valid for h in (v.get("photos") or [])})
        have = set(_complete_photos(hashes))
        rows, pending = [], []
        for m, values, visited_at in valid:
            uid = m["record_id"].lower()
            if uid in taken:
                outcome = rejected(m, "already_exists", f"visit {uid} exists already")
                _decided(outcome, held_by_id, outcomes, decided_held)
                continue
            taken.add(uid)
            point = values["location"]
            station_id = self._station_for_new(point)
            row = {
                "uid": uid,
                "version": 1,
                "sync_seq": None,  # taken at insert time, see _insert_bulk
                "origin_device_id": self.actor.device_id,
                "station_id": station_id,
                "inspector_id": self.actor.user_id,
                "target_kind": values["target_kind"],
                "target_ref": values.get("target_ref"),
                "location": {"type": "Point", "coordinates": point["coordinates"]},
                "location_original": point.get("original"),
                "accuracy_m": values["accuracy_m"],
                "visited_at": values["visited_at"],
                "findings": values.get("findings"),
                "photos": values.get("photos") or [],
                "mock_location": values.get("mock_location"),
                "received_at": self.now,
            }
            # the answer's record, while the row still holds the wire forms of the point and
            # the time; then the forms the columns take
            record = VISIT_RECORD(row)
            row["location"], row["visited_at"] = point_in(point)[0], visited_at
            rows.append(row)
            missing = [h for h in row["photos"] if h not in have]
            pending.append(
                Outcome(
                    m,
                    "applied",
                    version=1,
                    record=record,
                    missing_photos=missing,
                    station_id=station_id,
                    bulk=m["id"] not in held_by_id,  # a held one keeps its own row
                )
            )
        self._bulk_rows, self._bulk_outcomes = rows, pending
        self._bulk_fixes = [
            VisitFix(
                row["uid"],
                row["inspector_id"],
                *outcome.record["location"]["coordinates"][:2],
                row["accuracy_m"],
                row["visited_at"],
                row["mock_location"],
                row["target_kind"],
                row["target_ref"],
            )
            for row, outcome in zip(rows, pending, strict=True)
        ]
        for outcome in pending:
            _decided(outcome, held_by_id, outcomes, decided_held)

    def _insert_bulk(
        self,
        held_by_id: dict[str, SyncMutation],
        outcomes: dict[str, Outcome],
        decided_held: dict[str, Outcome],
        batch_id: int,
        bookkept: bool,
    ) -> None:
        """Insert the prepared visits, taking their sequence values last: the counter's row
        lock is then held only for the writes and the commit, not for the validation; and
        record the fresh ones on their batch (see :class:`~server.models.SyncBatch`).
        ``bookkept``: the batch's sync_mutation rows are written already, so any visit that
        must go the careful way after all gets its row here."""
        rows, pending = self._bulk_rows, self._bulk_outcomes
        if not rows:
            return
        # reads only, before the lock; the visits are not stored yet
        flags = visit_flags(self._bulk_fixes, self.spatial, stored=False, now=self.now)
        self.seq.ensure(len(rows))  # one block for them all: one UPDATE of the counter
        for row in rows:
            row["sync_seq"] = self.seq()
        self._bulk_rows, self._bulk_outcomes, self._bulk_fixes = [], [], []
        if db.session.get_bind().dialect.name == "postgresql":
            # one statement that skips what it cannot take (no savepoint round trips)
            inserted = insert_visits_with_flags(rows, flags)
        else:
            try:
                with db.session.begin_nested():
                    inserted = insert_visits_with_flags(rows, flags)
            except sa.exc.SQLAlchemyError:
                inserted = set()
        # Something in the lot is off (a record id stored already): those go one by one, so
        # the rest still lands, each with a sync_mutation row of its own, as any mutation
        # not created in bulk (a released held one keeps the row it has).
        fresh = []
        for row, outcome in zip(rows, pending, strict=True):
            if row["uid"] in inserted:
                continue
            m = outcome.mutation
            _decided(self._apply_one(m, 1), held_by_id, outcomes, decided_held)
            if m["id"] not in held_by_id:
                fresh.append(m)
        if bookkept and fresh:
            self._store(fresh, outcomes, batch_id, 1)
        created = [
            [o.mutation["seq"], o.mutation["id"], row["uid"]]
            + ([o.missing_photos] if o.missing_photos else [])
            for row, o in zip(rows, pending, strict=True)
            if o.bulk and row["uid"] in inserted
        ]
        batch = self._batch_row
        if created and batch is not None:
            batch.created = (batch.created or []) + created
            seqs = [entry[0] for entry in created]
            batch.first_seq = min(seqs + ([batch.first_seq] if batch.first_seq else []))
            batch.last_seq = max(seqs + ([batch.last_seq] if batch.last_seq else []))

    def _update(self, m: dict, values: dict[str, Any]) -> Outcome:
        entity, uid = m["entity"], m["record_id"].lower()
        adapter = ADAPTERS[entity]
        row = load_rows(entity, [uid], db.session).get(uid)
        if row is None:
            if _tombstoned(entity, uid):
                return self._update_meets_delete(m, values)
            return rejected(m, "not_found", f"{entity} {uid} does not exist")
        if not self.actor.sees(row.station_id):
            return _forbidden(m, entity, uid)
        current_record = adapter.to_wire(row)
        current = adapter.merge_fields(current_record)
        mine = {k: (wire_point(v) if k == "location" else v) for k, v in values.items()}
        base_version = m["base_version"]
        if base_version == row.version or self._only_mine_since(entity, uid, base_version):
            # Versions after the base are this device's own earlier edits (sent in order):
            # they are not someone else's change to merge against.
            base: dict | None = current
        else:
            base = db.session.execute(
                sa.select(RecordHistory.fields).where(
                    RecordHistory.entity == entity,
                    RecordHistory.record_uid == uid,
                    RecordHistory.version == base_version,
                )
            ).scalar_one_or_none()
        result = merge(base, current, mine)
        status_case = None
        if entity == "complaint" and "status" in result.values:
            status_case = check_device_status(row, result.values["status"])
        conflicts = []
        new_version = row.version
        if result.values:
            columns = adapter.columns({k: values[k] for k in result.values})
            for name, value in columns.items():
                setattr(row, name, value)
            new_version = row.version + 1
            row.version = new_version
            row.sync_seq = self.seq()
            row.origin_device_id = self.actor.device_id
            if entity == "complaint" and result.values.get("status") == "closed":
                row.closed_at = self.now
            if entity == "complaint" and "status" in result.values:
                log_device_status(status_case, result.values["status"], self.actor, self.now)
            db.session.flush()
            if entity == "complaint" and "location" in result.values:
                analyse_complaint(row, self.spatial, self._station_locator())
            record = adapter.to_wire(row)
            self._history(entity, uid, new_version, adapter.merge_fields(record))
        else:
            record = current_record
        for conflict in result.conflicts:
            stored = SyncConflict(
                entity=entity,
                record_uid=uid,
                station_id=row.station_id,
                field=conflict.field,
                base_value=_box(conflict.base),
                their_value=_box(conflict.theirs),
                your_value=_box(conflict.yours),
                device_id=self.actor.device_id,
                user_id=self.actor.user_id,
                mutation_id=m["id"],
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
        merged_fields = sorted(result.values) if result.outcome == "merged" else []
        if result.outcome in ("merged", "conflict") and result.values:
            db.session.add(
                SyncMerge(
                    entity=entity,
                    record_uid=uid,
                    station_id=row.station_id,
                    device_id=self.actor.device_id,
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

    def _only_mine_since(self, entity: str, uid: str, base_version: int) -> bool:
        authors = set(
            db.session.execute(
                sa.select(RecordHistory.device_id).where(
                    RecordHistory.entity == entity,
                    RecordHistory.record_uid == uid,
                    RecordHistory.version > base_version,
                )
            ).scalars()
        )
        return authors == {self.actor.device_id}

    def _update_meets_delete(self, m: dict, values: dict[str, Any]) -> Outcome:
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
        if tomb is not None and not self.actor.sees(tomb.station_id):
            return _forbidden(m, m["entity"], m["record_id"].lower())
        stored = SyncConflict(
            entity=m["entity"],
            record_uid=m["record_id"].lower(),
            station_id=tomb.station_id if tomb else None,
            field="*",
            kind="update_vs_delete",
            your_value=_box(values),
            their_value=None,
            device_id=self.actor.device_id,
            user_id=self.actor.user_id,
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

    def _delete(self, m: dict) -> Outcome:
        entity, uid = m["entity"], m["record_id"].lower()
        adapter = ADAPTERS[entity]
        row = load_rows(entity, [uid], db.session).get(uid)
        if row is None:
            if _tombstoned(entity, uid):
                return Outcome(m, "applied", message="already deleted")
            return rejected(m, "not_found", f"{entity} {uid} does not exist")
        if not self.actor.sees(row.station_id):
            return _forbidden(m, entity, uid)
        if m["base_version"] != row.version:
            base = db.session.execute(
                sa.select(RecordHistory.fields).where(
                    RecordHistory.entity == entity,
                    RecordHistory.record_uid == uid,
                    RecordHistory.version == m["base_version"],
                )
            ).scalar_one_or_none()
            current = adapter.merge_fields(adapter.to_wire(row))
            if base is None or base != current:
                stored = SyncConflict(
                    entity=entity,
                    record_uid=uid,
                    station_id=row.station_id,
                    field="*",
                    kind="delete_vs_update",
                    your_value={"deleted": True},
                    their_value=_box(current),
                    device_id=self.actor.device_id,
                    user_id=self.actor.user_id,
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
        db.session.add(
            SyncTombstone(
                sync_seq=self.seq(),
                entity=entity,
                record_uid=uid,
                station_id=row.station_id,
                reason="deleted",
                origin_device_id=self.actor.device_id,
            )
        )
        db.session.delete(row)
        db.session.flush()
        return Outcome(m, "applied", station_id=row.station_id)

    def _history(self, entity: str, uid: str, version: int, fields: dict) -> None:
        db.session.add(
            RecordHistory(
                entity=entity,
                record_uid=uid,
                version=version,
                fields=fields,
                device_id=self.actor.device_id,
            )
        )

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
                    "received_at": self.now,
                    "decided_at": None if outcome.outcome == "held" else self.now,
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
            row.decided_at = self.now

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
            outcome = Outcome(
                row.payload,
                row.outcome,
                **{
                    k: v
                    for k, v in (row.result or {}).items()
                    if k in ("code", "message", "errors")
                },
            )
            outcome.version = (row.result or {}).get("version")
            outcome.merged_fields = (row.result or {}).get("merged_fields") or []
            outcome.conflicts = (row.result or {}).get("conflicts") or []
            outcome.missing_photos = (row.result or {}).get("missing_photos") or []
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
            "results": [_result_out(o) for o in outcomes],
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
        if cursor.scope != self.actor.scope or self.seq.first is None:
            return cursor_text
        last = self.seq.last
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


def _decided(
    outcome: Outcome,
    held_by_id: dict[str, Any],
    outcomes: dict[str, Outcome],
    decided_held: dict[str, Outcome],
) -> None:
    """File a mutation's outcome: with the batch's own, or with the held ones it released."""
    mid = outcome.mutation["id"]
    if mid in held_by_id:
        decided_held[mid] = outcome
    else:
        outcomes[mid] = outcome


def _result_out(o: Outcome) -> dict[str, Any]:
    m = o.mutation
    return {
        "id": m.get("id"),
        "seq": m.get("seq"),
        "entity": m.get("entity"),
        "record_id": (m.get("record_id") or "").lower(),
        "outcome": o.outcome,
        "original_outcome": o.original,
        "code": o.code,
        "message": o.message,
        "errors": o.errors,
        "version": o.version,
        "record": o.record,
        "merged_fields": o.merged_fields,
        "conflicts": o.conflicts,
        "missing_photos": o.missing_photos,
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


def _tombstoned(entity: str, uid: str) -> bool:
    return (
        db.session.execute(
            sa.select(SyncTombstone.id)
            .where(SyncTombstone.entity == entity, SyncTombstone.record_uid == uid)
            .limit(1)
        ).first()
        is not None
    )


def _complete_photos(hashes: list[str]) -> list[str]:
    if not hashes:
        return []
    return list(
        db.session.execute(
            sa.select(Photo.sha256).where(
                one_of(db.session, Photo.sha256, hashes), Photo.complete.is_(True)
            )
        ).scalars()
    )


def _missing_photos(hashes: list[str]) -> list[str]:
    have = set(_complete_photos(hashes))
    return [h for h in hashes if h not in have]


def _bulk_visit(m: dict[str, Any], schema_version: int) -> bool:
    """A plain new visit; one made against a roster entry goes the careful way (it marks it),
    and so does one whose record id is not a UUID (to be refused there)."""
    return (
        m.get("entity") == "visit"
        and UUID_TEXT.fullmatch(m["record_id"]) is not None
        and m.get("op") == "create"
        and schema_version in SCHEMA_VERSIONS
        and "roster_entry_id" not in (m.get("fields") or {})
    )


def _box(value: Any) -> dict:
    """JSON columns hold objects; wrap any value so None, strings and numbers survive."""
    return {"value": value}


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
