"""Many new visits at once: the bulk path of a push.

Visits are what inspectors send most (a push of 500 is common), and they are append-only, so
they never merge or conflict (DESIGN §4 rule 6). Doing them one statement each, as the careful
path does every other mutation, would make a push round-trip-bound; here a run of plain new
visits is validated in one pass (:func:`sync.visit_fast.quick_visit`), their rows prepared, and
all of them written by one INSERT that also stores their plausibility flags. Their outcomes
are recorded on their batch's row instead of one ``sync_mutation`` row each
(:mod:`server.services.sync_bookkeeping`). Any visit the bulk path cannot vouch for goes the
careful way (:mod:`server.services.sync_appliers.visit`), which is why the engine
(:mod:`server.services.sync_push`) applies what :meth:`BulkVisits.insert` leaves out.

Push throughput depends on this module: it must not add round trips or ORM flushes
(``bench/sync_push_pull.py`` measures it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.bulk import one_of
from server.extensions import db
from server.models import SyncMutation, SyncTombstone
from server.services.sync_appliers.base import parse_time
from server.services.sync_appliers.visit import complete_photos
from server.services.sync_entities import point_in
from server.services.sync_push_context import PushContext
from server.services.sync_wire import record_of_wire_values
from server.services.visit_plausibility import VisitFix, insert_visits_with_flags, visit_flags
from sync.entities import ENTITIES, SCHEMA_VERSIONS, UUID_TEXT, InvalidFields, validate_fields
from sync.outcome import Outcome, decided, rejected
from sync.visit_fast import quick_visit

#: a pushed visit's record, made from values already in wire form
VISIT_RECORD = record_of_wire_values("visit")


def is_bulk_visit(m: dict[str, Any], schema_version: int) -> bool:
    """A plain new visit; one made against a roster entry goes the careful way (it marks it),
    and so does one whose record id is not a UUID (to be refused there)."""
    return (
        m.get("entity") == "visit"
        and UUID_TEXT.fullmatch(m["record_id"]) is not None
        and m.get("op") == "create"
        and schema_version in SCHEMA_VERSIONS
        and "roster_entry_id" not in (m.get("fields") or {})
    )


class BulkVisits:
    """One push's run of plain new visits: :meth:`prepare` validates them and builds their
    rows, :meth:`insert` writes them (as late as it can, see there)."""

    def __init__(self, push: PushContext):
        self.push = push
        self._rows: list[dict[str, Any]] = []
        self._fixes: list[VisitFix] = []
        self._outcomes: list[Outcome] = []

    def prepare(
        self,
        mutations: list[dict[str, Any]],
        held_by_id: dict[str, SyncMutation],
        outcomes: dict[str, Outcome],
        decided_held: dict[str, Outcome],
    ) -> None:
        """Validate the visits and prepare their rows; :meth:`insert` writes them. Outcomes go
        to ``outcomes``, or to ``decided_held`` for mutations that were held (``held_by_id``),
        whose own sync_mutation rows record them.
        """
        push = self.push
        spec = ENTITIES["visit"]
        valid: list[tuple[dict, dict, datetime]] = []
        for m in mutations:
            fields = m.get("fields") or {}
            quick = quick_visit(fields, push.validation)
            if quick is not None:
                valid.append((m, *quick))
                continue
            try:
                values = validate_fields(spec, "create", fields, push.validation)
            except InvalidFields as error:
                outcome = rejected(m, "invalid_fields", str(error), errors=error.errors)
                decided(outcome, held_by_id, outcomes, decided_held)
                continue
            valid.append((m, values, parse_time(values["visited_at"])))
        # A record id a stored visit has already is left to the unique index: the INSERT then
        # fails and the lot goes one by one, each refused or applied on its own (see
        # insert). That happens only when a device re-sends a visit under a new mutation
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
        have = set(complete_photos(hashes))
        rows, pending = [], []
        for m, values, visited_at in valid:
            uid = m["record_id"].lower()
            if uid in taken:
                outcome = rejected(m, "already_exists", f"visit {uid} exists already")
                decided(outcome, held_by_id, outcomes, decided_held)
                continue
            taken.add(uid)
            point = values["location"]
            station_id = push.station_for_new(point)
            row = {
                "uid": uid,
                "version": 1,
                "sync_seq": None,  # taken at insert time, see insert
                "origin_device_id": push.actor.device_id,
                "station_id": station_id,
                "inspector_id": push.actor.user_id,
                "target_kind": values["target_kind"],
                "target_ref": values.get("target_ref"),
                "location": {"type": "Point", "coordinates": point["coordinates"]},
                "location_original": point.get("original"),
                "accuracy_m": values["accuracy_m"],
                "visited_at": values["visited_at"],
                "findings": values.get("findings"),
                "photos": values.get("photos") or [],
                "mock_location": values.get("mock_location"),
                "received_at": push.now,
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
        self._rows, self._outcomes = rows, pending
        self._fixes = [
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
            decided(outcome, held_by_id, outcomes, decided_held)

    def insert(self) -> tuple[list[list], list[dict[str, Any]]]:
        """Insert the prepared visits, taking their sequence values last: the counter's row
        lock is then held only for the writes and the commit, not for the validation.

        Returns what to record on the batch for the fresh visits inserted (``[seq, mutation
        id, record uid]``, plus the missing photos if any; see
        :class:`~server.models.SyncBatch`), and the mutations whose visits the INSERT left out
        (a record id stored already): those must go the careful way, one by one.
        """
        rows, pending = self._rows, self._outcomes
        if not rows:
            return [], []
        push = self.push
        # reads only, before the lock; the visits are not stored yet
        flags = visit_flags(self._fixes, push.spatial, stored=False, now=push.now)
        push.seq.ensure(len(rows))  # one block for them all: one UPDATE of the counter
        for row in rows:
            row["sync_seq"] = push.seq()
        self._rows, self._outcomes, self._fixes = [], [], []
        if db.session.get_bind().dialect.name == "postgresql":
            # one statement that skips what it cannot take (no savepoint round trips)
            inserted = insert_visits_with_flags(rows, flags)
        else:
            try:
                with db.session.begin_nested():
                    inserted = insert_visits_with_flags(rows, flags)
            except sa.exc.SQLAlchemyError:
                inserted = set()
        left_out = [
            outcome.mutation
            for row, outcome in zip(rows, pending, strict=True)
            if row["uid"] not in inserted
        ]
        created = [
            [o.mutation["seq"], o.mutation["id"], row["uid"]]
            + ([o.missing_photos] if o.missing_photos else [])
            for row, o in zip(rows, pending, strict=True)
            if o.bulk and row["uid"] in inserted
        ]
        return created, left_out
