"""The reference device client: what the Android app does, written once in Python.

The server's tests use it as a real device, and it is the executable reading of
``docs/sync-protocol.md``. Everything a person does offline goes to the local outbox first
(:mod:`sync.client_store`); :meth:`DeviceClient.push` and :meth:`DeviceClient.pull` talk to the
server through a :class:`~sync.transport.Transport`.

Rules the client keeps, and why:

* **One mutation per action, numbered.** Each action gets the next device ``seq`` and a fresh
  UUID, so the server can apply them in the device's order and answer replays ``duplicate``.
* **Retries resend the same batch.** A network error or a 5xx resends the identical body with
  the same ``batch_seq`` (exponential backoff), so a lost answer can never apply twice. A
  process killed mid-push resends its ``sent`` batches under their old numbers.
* **A 413 splits the batch** in halves, each a new batch, down to single mutations.
* **Edits on top of unsent edits are rebased, not guessed.** A mutation captured while an
  earlier mutation of the same record was unsynced waits for that one's answer (it goes in a
  later batch of the same push). If the earlier one was ``applied`` at version *v*, the user's
  view was exactly *v*, so the later one is sent with ``base_version`` *v*; otherwise it keeps
  the version the user last synced, and the server's three-way merge decides. Without this,
  two offline edits of one field would conflict with each other.
* **Local edits never overwrite the server's copy.** The store keeps the server's copy; the
  visible record is that copy with the unsynced outbox applied on top, so a pull can never
  lose an unsent edit.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sync.client_store import UNSYNCED_STATES, ClientStore, OutboxEntry
from sync.transport import Response, Transport, TransportError

__all__ = [
    "API",
    "SCHEMA_VERSION",
    "DeviceClient",
    "PullReport",
    "PushReport",
    "SyncFailed",
    "SyncReport",
    "Unauthorized",
    "UnknownRecord",
    "format_time",
    "utc_now",
]

API = "/api/v1"
SCHEMA_VERSION = 1
DEFAULT_MAX_PUSH_RECORDS = 1000
_SERVER_COPY_OUTCOMES = frozenset({"applied", "merged", "conflict"})


class SyncFailed(Exception):
    """The server could not be reached after retries, or refused a whole request.

    Nothing local is lost: unsent mutations stay in the outbox for the next attempt.
    """

    def __init__(self, message: str, *, status: int | None = None, body: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class Unauthorized(SyncFailed):
    """401: the token is missing, wrong or revoked; register the device again."""


class UnknownRecord(KeyError):
    """An update or delete named a record this device does not have."""


def utc_now() -> datetime:
    """The device clock: an aware UTC datetime."""
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """ISO 8601 with a zone, UTC as ``Z`` (protocol: every timestamp carries its zone)."""
    if moment.tzinfo is None:
        raise ValueError("device clock returned a naive datetime; timestamps need a zone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class PushReport:
    """What one :meth:`DeviceClient.push` achieved: outcome counts and every result."""

    counts: Counter[str] = field(default_factory=Counter)
    results: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    missing_photos: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many results had ``outcome``."""
        return self.counts[outcome]


@dataclass
class PullReport:
    """What one :meth:`DeviceClient.pull` stored."""

    upserted: int = 0
    deleted: int = 0
    pages: int = 0
    resynced: bool = False


@dataclass
class SyncReport:
    """A push followed by a pull."""

    push: PushReport
    pull: PullReport


class DeviceClient:
    """A device: a local store, a transport to the server, and the protocol between them.

    ``clock`` returns an aware UTC datetime (tests pass a fixed or skewed one); ``sleep`` is
    called with each backoff delay (tests pass a recorder). ``max_retries`` is the number of
    *re*-tries after the first attempt; the delay before retry *n* (from 0) is
    ``backoff_base * 2**n`` seconds.
    """

    def __init__(
        self,
        store: ClientStore,
        transport: Transport,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], object] = time.sleep,
        max_retries: int = 5,
        backoff_base: float = 0.5,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self._config: dict[str, Any] | None = None

    # -- talking to the server -------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One request with the token, retried on network errors and 5xx with backoff.

        The same ``json``/``data`` object is sent on every attempt: a retried push is the same
        batch. Any other status is returned; 401 raises :class:`Unauthorized`.
        """
        send_headers = dict(headers or {})
        token = self.store.token
        if token:
            send_headers["Authorization"] = f"Bearer {token}"
        attempt = 0
        while True:
            try:
                response = self.transport.request(
                    method, path, json=json, data=data, headers=send_headers
                )
            except TransportError as error:
                problem = f"{method} {path}: {error}"
                status: int | None = None
                body: object = None
            else:
                if response.status == 401:
                    raise Unauthorized(
                        f"{method} {path}: the device token was refused; register again",
                        status=401,
                        body=response.body,
                    )
                if response.status < 500:
                    return response
                problem = f"{method} {path}: server answered {response.status}"
                status, body = response.status, response.body
            if attempt >= self.max_retries:
                raise SyncFailed(
                    f"{problem} (gave up after {attempt + 1} attempts)", status=status, body=body
                )
            self.sleep(self.backoff_base * 2**attempt)
            attempt += 1

    @staticmethod
    def _expect(response: Response, *statuses: int, what: str) -> dict[str, Any]:
        if response.status not in statuses or not isinstance(response.body, dict):
            raise SyncFailed(
                f"{what}: unexpected answer {response.status}",
                status=response.status,
                body=response.body,
            )
        return response.body

    def register(self, username: str, password: str, name: str) -> dict[str, Any]:
        """Register this device for ``username`` and keep the token; returns the device."""
        response = self._request(
            "POST",
            f"{API}/devices/register",
            json={"username": username, "password": password, "name": name},
        )
        body = self._expect(response, 200, 201, what="register")
        self.store.token = str(body["token"])
        device = body.get("device")
        return dict(device) if isinstance(device, dict) else {}

    def config(self) -> dict[str, Any]:
        """The server's published limits and versions, fetched once per client."""
        if self._config is None:
            response = self._request("GET", f"{API}/sync/config")
            self._config = self._expect(response, 200, what="sync config")
        return self._config

    def _max_push_records(self) -> int:
        return max(1, int(self.config().get("max_push_records") or DEFAULT_MAX_PUSH_RECORDS))

    # -- offline actions -------------------------------------------------------------------

    def _capture(
        self,
        entity: str,
        record_id: str,
        op: str,
        fields: Mapping[str, Any],
        *,
        needs_base: bool,
    ) -> str:
        with self.store.transaction():
            base_version: int | None = None
            depends_on: str | None = None
            if needs_base:
                if self.record(entity, record_id) is None:
                    raise UnknownRecord(f"{entity} {record_id} is not on this device")
                server_copy = self.store.get_record(entity, record_id)
                base_version = server_copy.version if server_copy else 0
                previous = self.store.last_unsynced(entity, record_id)
                depends_on = previous.id if previous else None
            entry = OutboxEntry(
                id=str(uuid.uuid4()),
                seq=self.store.next_counter("device_seq"),
                entity=entity,
                record_id=record_id,
                op=op,
                base_version=base_version,
                fields=dict(fields),
                captured_at=format_time(self.clock()),
                depends_on=depends_on,
            )
            self.store.add_mutation(entry)
        return entry.id

    def create(self, entity: str, fields: Mapping[str, Any], record_id: str | None = None) -> str:
        """Create a record offline; returns its id (a new UUID unless given)."""
        record_id = record_id or str(uuid.uuid4())
        self._capture(entity, record_id, "create", fields, needs_base=False)
        return record_id

    def update(self, entity: str, record_id: str, fields: Mapping[str, Any]) -> str:
        """Change some fields of a record offline; returns the mutation id."""
        if not fields:
            raise ValueError("an update needs at least one field")
        return self._capture(entity, record_id, "update", fields, needs_base=True)

    def delete(self, entity: str, record_id: str) -> str:
        """Delete a record offline; returns the mutation id."""
        return self._capture(entity, record_id, "delete", {}, needs_base=True)

    # -- the local view --------------------------------------------------------------------

    def record(self, entity: str, record_id: str) -> dict[str, Any] | None:
        """The record as the user sees it: the server's copy with unsynced edits on top.

        ``None`` when the record is absent or deleted (locally, or on the server).
        """
        server_copy = self.store.get_record(entity, record_id)
        data = dict(server_copy.data) if server_copy else None
        for entry in self.store.mutations(UNSYNCED_STATES, entity=entity, record_id=record_id):
            if entry.op == "create":
                data = {**(data or {}), **entry.fields}
            elif entry.op == "update":
                if data is not None:
                    data.update(entry.fields)
            else:
                data = None
        return data

    def records(self, entity: str) -> dict[str, dict[str, Any]]:
        """Every visible record of ``entity``: ``record_id → fields``, ordered by id."""
        found: dict[str, dict[str, Any]] = {}
        for record_id in self.store.record_ids(entity):
            data = self.record(entity, record_id)
            if data is not None:
                found[record_id] = data
        return found

    def version(self, entity: str, record_id: str) -> int | None:
        """The server version of the local copy: 0 if never synced, ``None`` if absent."""
        server_copy = self.store.get_record(entity, record_id)
        if server_copy is not None:
            return server_copy.version
        return 0 if self.record(entity, record_id) is not None else None

    def pending(self) -> list[OutboxEntry]:
        """Mutations the server has not finished with (pending, sent, held), in seq order."""
        return self.store.mutations(UNSYNCED_STATES)

    def rejected(self) -> list[OutboxEntry]:
        """Mutations the server refused, with its answer in ``outcome`` (code, message)."""
        return self.store.mutations(("rejected",))

    # -- push ------------------------------------------------------------------------------

    def push(self) -> PushReport:
        """Send every unsynced mutation, in seq order, and store the answers.

        Batches left ``sent`` by an interrupted push go first under their old numbers. Held
        mutations are sent again (once per push) to read their final outcome.
        """
        report = PushReport()
        interrupted: dict[int, list[OutboxEntry]] = {}
        for entry in self.store.mutations(("sent",)):
            interrupted.setdefault(entry.batch_seq or 0, []).append(entry)
        sent_now: set[str] = set()
        for batch_seq, entries in sorted(interrupted.items()):
            sent_now.update(e.id for e in entries)
            self._send(entries, report, batch_seq=batch_seq or None)
        while True:
            batch = self._next_batch(self._max_push_records(), sent_now)
            if not batch:
                return report
            sent_now.update(e.id for e in batch)
            self._send(batch, report)

    def _next_batch(self, limit: int, sent_now: set[str]) -> list[OutboxEntry]:
        batch: list[OutboxEntry] = []
        for entry in self.store.mutations(("pending", "held")):
            if entry.id in sent_now:
                continue  # the server has it (held); it does not block later seqs
            ready = self._rebase(entry, {e.id for e in batch})
            if ready is None:
                break  # never send past a mutation that must wait: order is the device's
            batch.append(ready)
            if len(batch) >= limit:
                break
        return batch

    def _rebase(self, entry: OutboxEntry, in_batch: set[str]) -> OutboxEntry | None:
        """The entry ready to send (rebased if its predecessor was applied), or ``None``."""
        if entry.depends_on is None or entry.state != "pending":
            return entry
        previous = self.store.mutation(entry.depends_on)
        if previous is None:
            return entry
        if previous.id in in_batch or previous.state in UNSYNCED_STATES:
            return None
        # Only a first-hand "applied" says which version the user's view equals: a duplicate
        # or replayed answer carries the record's *current* version, which may include other
        # people's later edits; keeping the captured base then lets the merge find conflicts.
        outcome = previous.outcome or {}
        version = outcome.get("version")
        if (
            previous.state == "done"
            and outcome.get("outcome") == "applied"
            and (isinstance(version, int))
        ):
            self.store.set_base_version(entry.id, version)
            return self.store.mutation(entry.id)
        return entry

    def _send(
        self, entries: list[OutboxEntry], report: PushReport, *, batch_seq: int | None = None
    ) -> None:
        if batch_seq is None:
            batch_seq = self.store.next_counter("batch_seq")
        self.store.mark_sent([e.id for e in entries], batch_seq)
        body: dict[str, Any] = {
            "batch_seq": batch_seq,
            "schema_version": SCHEMA_VERSION,
            "sent_at": format_time(self.clock()),
            "mutations": [e.as_mutation() for e in entries],
        }
        cursor = self.store.cursor
        if cursor is not None:
            body["cursor"] = cursor
        response = self._request("POST", f"{API}/sync/push", json=body)
        if response.status == 413:
            self._adopt_limits(response)
            if len(entries) == 1:
                self.store.set_state(entries[0].id, "pending")
                raise SyncFailed(
                    f"mutation {entries[0].id} alone exceeds the server's push limits",
                    status=413,
                    body=response.body,
                )
            half = len(entries) // 2
            self._send(entries[:half], report)
            self._send(entries[half:], report)
            return
        if response.status != 200 or not isinstance(response.body, dict):
            with self.store.transaction():
                for entry in entries:
                    self.store.set_state(entry.id, "pending")
            raise SyncFailed(
                f"push of batch {batch_seq} refused with {response.status}",
                status=response.status,
                body=response.body,
            )
        report.batches += 1
        self._store_push_answer(entries, response.body, report)

    def _adopt_limits(self, response: Response) -> None:
        """Remember a lower record limit from a 413, so later batches fit at once."""
        body = response.body if isinstance(response.body, dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
        values = errors.get("max_push_records") if errors else None
        try:
            limit = int(values[0] if isinstance(values, list) else values)  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError):
            return
        if self._config is not None and limit >= 1:
            self._config["max_push_records"] = min(limit, self._max_push_records())

    def _store_push_answer(
        self, entries: list[OutboxEntry], body: dict[str, Any], report: PushReport
    ) -> None:
        by_id = {entry.id: entry for entry in entries}
        answered: set[str] = set()
        with self.store.transaction():
            for result in body.get("results") or []:
                if not isinstance(result, dict) or result.get("id") not in by_id:
                    continue
                entry = by_id[result["id"]]
                answered.add(entry.id)
                self._store_result(entry, result)
                report.results.append(result)
                report.counts[str(result.get("outcome"))] += 1
                for sha in result.get("missing_photos") or []:
                    if sha not in report.missing_photos:
                        report.missing_photos.append(sha)
            for entry in entries:
                if entry.id not in answered:
                    self.store.set_state(entry.id, "pending")  # unanswered: ask again
            if body.get("cursor") is not None:
                self.store.cursor = str(body["cursor"])

    def _store_result(self, entry: OutboxEntry, result: dict[str, Any]) -> None:
        outcome = result.get("outcome")
        effective = result.get("original_outcome") if outcome == "duplicate" else outcome
        if outcome == "duplicate" and effective is None:
            effective = "applied"
        if effective == "rejected":
            self.store.set_state(entry.id, "rejected", result)
        elif effective in _SERVER_COPY_OUTCOMES:
            record = result.get("record")
            version = result.get("version")
            if isinstance(record, dict):
                self._store_server_copy(entry.entity, entry.record_id, version, record)
            elif entry.op == "delete" and effective == "applied":
                self.store.delete_record(entry.entity, entry.record_id)
            self.store.set_state(entry.id, "done", result)
        else:  # held, or an outcome this client does not know: keep it and ask again later
            self.store.set_state(entry.id, "held", result)

    def _store_server_copy(
        self, entity: str, record_id: str, version: object, record: Mapping[str, Any]
    ) -> None:
        """Store the server's copy unless the one already stored is newer."""
        new_version = version if isinstance(version, int) else None
        existing = self.store.get_record(entity, record_id)
        if (
            existing is not None
            and existing.version is not None
            and new_version is not None
            and new_version < existing.version
        ):
            return
        self.store.put_record(entity, record_id, new_version, record)

    # -- pull ------------------------------------------------------------------------------

    def pull(self, limit: int | None = None) -> PullReport:
        """Fetch every change since the saved cursor, page by page, saving the cursor after
        each page is stored. A ``410`` (cursor older than the server's watermark) drops every
        local server copy and pulls from scratch; unsynced edits stay in the outbox."""
        report = PullReport()
        while True:
            cursor = self.store.cursor
            params: dict[str, str] = {}
            if cursor:
                params["cursor"] = cursor
            if limit is not None:
                params["limit"] = str(limit)
            query = f"?{urlencode(params)}" if params else ""
            response = self._request("GET", f"{API}/sync/pull{query}")
            if response.status == 410:
                if not cursor:
                    raise SyncFailed(
                        "pull without a cursor answered 410", status=410, body=response.body
                    )
                with self.store.transaction():
                    self.store.clear_records()
                    self.store.cursor = None
                report.resynced = True
                continue
            body = self._expect(response, 200, what="pull")
            with self.store.transaction():
                for change in body.get("changes") or []:
                    self._store_change(change, report)
                if body.get("cursor") is not None:
                    self.store.cursor = str(body["cursor"])
            report.pages += 1
            if not body.get("has_more"):
                return report
            if self.store.cursor == cursor:
                raise SyncFailed("pull said has_more but did not move the cursor", body=body)

    def _store_change(self, change: Mapping[str, Any], report: PullReport) -> None:
        entity, record_id = str(change["entity"]), str(change["record_id"])
        if change.get("op") == "delete":
            self.store.delete_record(entity, record_id)
            report.deleted += 1
            return
        record = change.get("record")
        if isinstance(record, dict):
            self._store_server_copy(entity, record_id, change.get("version"), record)
            report.upserted += 1

    def sync(self) -> SyncReport:
        """Push, then pull: send the user's work before asking for everyone else's."""
        pushed = self.push()
        return SyncReport(push=pushed, pull=self.pull())

    # -- photos ----------------------------------------------------------------------------

    def upload_photo(self, data: bytes, chunk_size: int = 1 << 20) -> str:
        """Upload a photo resumably (protocol §5); returns its SHA-256.

        Asks the server how much it already has and sends the rest in ``Content-Range``
        chunks, so an upload cut off by a lost signal continues where it stopped.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        sha = hashlib.sha256(data).hexdigest()
        self.store.add_photo(sha)
        path = f"{API}/photos/{sha}"
        status = self._expect(self._request("GET", f"{path}/status"), 200, what="photo status")
        offset = int(status.get("received") or 0)
        complete = bool(status.get("complete"))
        total = len(data)
        stalls = 0
        while not complete:
            if offset >= total and total > 0:
                raise SyncFailed(f"photo {sha}: all bytes sent but the server is not complete")
            chunk = data[offset : offset + chunk_size]
            headers = {"Content-Type": "application/octet-stream"}
            if total:
                headers["Content-Range"] = f"bytes {offset}-{offset + len(chunk) - 1}/{total}"
            response = self._request("PUT", path, data=chunk, headers=headers)
            if response.status not in (200, 201, 409) or not isinstance(response.body, dict):
                raise SyncFailed(
                    f"photo {sha}: upload answered {response.status}",
                    status=response.status,
                    body=response.body,
                )
            received = int(response.body.get("received") or 0)
            complete = bool(response.body.get("complete"))
            stalls = stalls + 1 if received <= offset else 0
            if stalls > 2:
                raise SyncFailed(f"photo {sha}: the upload makes no progress", body=response.body)
            offset = received
        self.store.mark_photo_uploaded(sha)
        return sha
