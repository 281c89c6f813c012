"""The device's local database: what the reference client keeps between syncs.

A phone in a field with no signal must keep every action until the server has answered it, and
must survive being killed mid-sync. So everything lives in one SQLite file (stdlib ``sqlite3``)
and every write happens in a transaction:

* ``meta`` — the token, the mutation and batch counters, the pull cursor;
* ``records`` — the server's copy of each record (version + fields), exactly as last synced;
* ``outbox`` — every local action as a mutation, in device ``seq`` order, with its state
  (``pending`` → ``sent`` → ``done`` | ``held`` | ``rejected``) and the server's outcome;
* ``photos`` — photos by SHA-256 and whether the server has them.

Local edits never overwrite ``records``: what the user sees is computed as the server copy
with the unsynced outbox applied on top (see :mod:`sync.client`), so a pull can always store
the server's latest copy without losing an edit that has not been sent yet.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["OUTBOX_STATES", "UNSYNCED_STATES", "ClientStore", "OutboxEntry", "StoredRecord"]

OUTBOX_STATES: tuple[str, ...] = ("pending", "sent", "done", "held", "rejected")
UNSYNCED_STATES: tuple[str, ...] = ("pending", "sent", "held")
"""States of a mutation the server has not finished with: it still shapes the local view."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER,
    data TEXT NOT NULL,
    PRIMARY KEY (entity, record_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    base_version INTEGER,
    fields TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    batch_seq INTEGER,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'done', 'held', 'rejected')),
    outcome TEXT,
    depends_on TEXT
);
CREATE INDEX IF NOT EXISTS outbox_record ON outbox (entity, record_id, seq);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, seq);
CREATE TABLE IF NOT EXISTS photos (
    sha256 TEXT PRIMARY KEY,
    path TEXT,
    uploaded INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class StoredRecord:
    """The server's copy of a record as last synced."""

    entity: str
    record_id: str
    version: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class OutboxEntry:
    """One local action waiting for (or holding) the server's answer.

    ``depends_on`` names the previous unsynced mutation of the same record at capture time:
    its answer decides this mutation's ``base_version`` (see :mod:`sync.client`).
    """

    id: str
    seq: int
    entity: str
    record_id: str
    op: str
    base_version: int | None
    fields: dict[str, Any]
    captured_at: str
    batch_seq: int | None = None
    state: str = "pending"
    outcome: dict[str, Any] | None = None
    depends_on: str | None = None

    def as_mutation(self) -> dict[str, Any]:
        """The mutation as it travels in a push (protocol §3)."""
        mutation: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "entity": self.entity,
            "record_id": self.record_id,
            "op": self.op,
            "captured_at": self.captured_at,
            "fields": self.fields,
        }
        if self.op != "create":
            mutation["base_version"] = self.base_version
        return mutation


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_OUTBOX_COLUMNS = (
    "id, seq, entity, record_id, op, base_version, fields, captured_at, batch_seq, state, "
    "outcome, depends_on"
)


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        id=row["id"],
        seq=row["seq"],
        entity=row["entity"],
        record_id=row["record_id"],
        op=row["op"],
        base_version=row["base_version"],
        fields=json.loads(row["fields"]),
        captured_at=row["captured_at"],
        batch_seq=row["batch_seq"],
        state=row["state"],
        outcome=None if row["outcome"] is None else json.loads(row["outcome"]),
        depends_on=row["depends_on"],
    )


class ClientStore:
    """The device's SQLite store; ``path`` is a file or ``":memory:"``. Close it when done."""

    def __init__(self, path: str | os.PathLike[str] = ":memory:") -> None:
        self.path = os.fspath(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._depth = 0
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> ClientStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all; nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._db.execute("ROLLBACK")
            raise
        self._depth = 0
        self._db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A stored setting, or ``None``."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: str | None) -> None:
        """Store (or, with ``None``, forget) a setting."""
        with self.transaction():
            if value is None:
                self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def next_counter(self, key: str) -> int:
        """Advance a counter kept in ``meta`` (starting at 1) and return its new value."""
        with self.transaction():
            value = int(self.get_meta(key) or 0) + 1
            self.set_meta(key, str(value))
        return value

    @property
    def token(self) -> str | None:
        return self.get_meta("token")

    @token.setter
    def token(self, value: str | None) -> None:
        self.set_meta("token", value)

    @property
    def cursor(self) -> str | None:
        return self.get_meta("cursor")

    @cursor.setter
    def cursor(self, value: str | None) -> None:
        self.set_meta("cursor", value)

    # -- records (server copies) ------------------------------------------------------------

    def get_record(self, entity: str, record_id: str) -> StoredRecord | None:
        """The server's copy of a record as last synced, or ``None``."""
        row = self._db.execute(
            "SELECT version, data FROM records WHERE entity = ? AND record_id = ?",
            (entity, record_id),
        ).fetchone()
        if row is None:
            return None
        return StoredRecord(entity, record_id, row["version"], json.loads(row["data"]))

    def put_record(
        self, entity: str, record_id: str, version: int | None, data: Mapping[str, Any]
    ) -> None:
        """Store the server's copy of a record (insert or replace)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO records (entity, record_id, version, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (entity, record_id) DO UPDATE "
                "SET version = excluded.version, data = excluded.data",
                (entity, record_id, version, _dumps(dict(data))),
            )

    def delete_record(self, entity: str, record_id: str) -> None:
        """Forget the server's copy of a record."""
        with self.transaction():
            self._db.execute(
                "DELETE FROM records WHERE entity = ? AND record_id = ?", (entity, record_id)
            )

    def clear_records(self) -> None:
        """Forget every server copy (a resync starts from nothing)."""
        with self.transaction():
            self._db.execute("DELETE FROM records")

    def record_ids(self, entity: str) -> list[str]:
        """Ids of the records of ``entity`` known from the server or touched by the outbox."""
        rows = self._db.execute(
            "SELECT record_id FROM records WHERE entity = ? "
            "UNION SELECT record_id FROM outbox WHERE entity = ? "
            "ORDER BY record_id",
            (entity, entity),
        ).fetchall()
        return [row["record_id"] for row in rows]

    # -- outbox -----------------------------------------------------------------------------

    def add_mutation(self, entry: OutboxEntry) -> None:
        """Append a mutation to the outbox."""
        with self.transaction():
            self._db.execute(
                f"INSERT INTO outbox ({_OUTBOX_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                (
                    entry.id,
                    entry.seq,
                    entry.entity,
                    entry.record_id,
                    entry.op,
                    entry.base_version,
                    _dumps(entry.fields),
                    entry.captured_at,
                    entry.batch_seq,
                    entry.state,
                    None if entry.outcome is None else _dumps(entry.outcome),
                    entry.depends_on,
                ),
            )

    def mutation(self, mutation_id: str) -> OutboxEntry | None:
        """One outbox entry by mutation id."""
        row = self._db.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (mutation_id,)
        ).fetchone()
        return None if row is None else _entry(row)

    def mutations(
        self,
        states: Sequence[str] = OUTBOX_STATES,
        *,
        entity: str | None = None,
        record_id: str | None = None,
    ) -> list[OutboxEntry]:
        """Outbox entries in the given states (optionally of one record), in seq order."""
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state IN ({','.join('?' * len(states))})"
        params: list[object] = list(states)
        if entity is not None:
            sql += " AND entity = ?"
            params.append(entity)
        if record_id is not None:
            sql += " AND record_id = ?"
            params.append(record_id)
        rows = self._db.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(row) for row in rows]

    def last_unsynced(self, entity: str, record_id: str) -> OutboxEntry | None:
        """The latest mutation of a record the server has not finished with."""
        found = self.mutations(UNSYNCED_STATES, entity=entity, record_id=record_id)
        return found[-1] if found else None

    def mark_sent(self, mutation_ids: Sequence[str], batch_seq: int) -> None:
        """Record that these mutations travel in batch ``batch_seq``."""
        with self.transaction():
            self._db.executemany(
                "UPDATE outbox SET state = 'sent', batch_seq = ? WHERE id = ?",
                [(batch_seq, mutation_id) for mutation_id in mutation_ids],
            )

    def set_state(
        self, mutation_id: str, state: str, outcome: Mapping[str, Any] | None = None
    ) -> None:
        """Move a mutation to ``state``, storing the server's answer when given."""
        if state not in OUTBOX_STATES:
            raise ValueError(f"unknown outbox state {state!r}")
        with self.transaction():
            if state == "pending":
                self._db.execute(
                    "UPDATE outbox SET state = 'pending', batch_seq = NULL WHERE id = ?",
                    (mutation_id,),
                )
            elif outcome is None:
                self._db.execute("UPDATE outbox SET state = ? WHERE id = ?", (state, mutation_id))
            else:
                self._db.execute(
                    "UPDATE outbox SET state = ?, outcome = ? WHERE id = ?",
                    (state, _dumps(dict(outcome)), mutation_id),
                )

    def set_base_version(self, mutation_id: str, base_version: int | None) -> None:
        """Rebase a mutation that has not been sent yet."""
        with self.transaction():
            self._db.execute(
                "UPDATE outbox SET base_version = ? WHERE id = ? AND state = 'pending'",
                (base_version, mutation_id),
            )

    # -- photos -----------------------------------------------------------------------------

    def add_photo(self, sha256: str, path: str | None = None) -> None:
        """Remember a photo (by hash, optionally where its file is) until it is uploaded."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO photos (sha256, path, uploaded) VALUES (?, ?, 0) "
                "ON CONFLICT (sha256) DO UPDATE SET path = coalesce(excluded.path, path)",
                (sha256, path),
            )

    def mark_photo_uploaded(self, sha256: str) -> None:
        """The server has every byte of this photo."""
        with self.transaction():
            self.add_photo(sha256)
            self._db.execute("UPDATE photos SET uploaded = 1 WHERE sha256 = ?", (sha256,))

    def photo_uploaded(self, sha256: str) -> bool | None:
        """Whether a known photo is uploaded; ``None`` for a photo the store never saw."""
        row = self._db.execute("SELECT uploaded FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else bool(row["uploaded"])

    def photos_to_upload(self) -> list[tuple[str, str | None]]:
        """``(sha256, path)`` of photos not yet on the server."""
        rows = self._db.execute(
            "SELECT sha256, path FROM photos WHERE uploaded = 0 ORDER BY sha256"
        ).fetchall()
        return [(row["sha256"], row["path"]) for row in rows]
