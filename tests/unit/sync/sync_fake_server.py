"""A tiny in-memory server speaking the sync protocol, for the client's unit tests.

It is just enough of ``docs/sync-protocol.md`` to exercise the reference client without an
application or a database: register, config, push (with batch replay, per-device ordering via
:func:`sync.ordering.plan_order`, three-way merge via :func:`sync.merge.merge`, the complaint
lifecycle), pull (cursor, pages, tombstones, 410 below the watermark) and resumable photos.
One device only. Failures are injected with :meth:`FakeServer.fail_next`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bureau.lifecycle import can_transition
from sync.merge import merge
from sync.ordering import plan_order
from sync.transport import Response

TOKEN = "fs_fake_token"


@dataclass
class Stored:
    version: int
    fields: dict[str, Any]
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: bool = False


@dataclass
class Sent:
    method: str
    path: str
    json: Any
    data: bytes | None
    headers: dict[str, str]


class FakeServer:
    """Implements :class:`sync.transport.Transport` by answering requests from memory."""

    def __init__(
        self,
        *,
        max_push_records: int = 1000,
        max_push_bytes: int = 4_194_304,
        gap_hold_seconds: float = 3600,
    ) -> None:
        self.max_push_records = max_push_records
        self.max_push_bytes = max_push_bytes
        self.gap_hold_seconds = gap_hold_seconds
        self.enforced_max_records: int | None = None  # a limit lower than the published one
        self.now = 1_000_000.0
        self.records: dict[tuple[str, str], Stored] = {}
        self.log: dict[tuple[str, str], int] = {}  # record -> seq of its latest change
        self.log_seq = 0
        self.watermark = 0
        self.results: dict[str, dict[str, Any]] = {}  # mutation id -> latest result
        self.mutations: dict[str, dict[str, Any]] = {}
        self.applied_order: list[int] = []
        self.seq_ids: dict[int, str] = {}  # processed seq -> id
        self.next_seq = 1
        self.held: dict[int, tuple[dict[str, Any], float]] = {}
        self.batches: dict[int, list[tuple[str, bool]]] = {}  # batch -> (id, duplicate?)
        self.photos: dict[str, bytearray] = {}
        self.photo_sizes: dict[str, int] = {}
        self.complete_photos: set[str] = set()
        self.sent: list[Sent] = []
        self._failures: list[Response | Exception] = []
        self.revoked = False

    # -- test helpers ------------------------------------------------------------------------

    def fail_next(self, *failures: Response | Exception) -> None:
        """Answer the next requests with these responses (or raise these errors)."""
        self._failures.extend(failures)

    def requests_to(self, path_prefix: str) -> list[Sent]:
        return [s for s in self.sent if s.path.startswith(path_prefix)]

    def pushes(self) -> list[dict[str, Any]]:
        return [s.json for s in self.requests_to("/api/v1/sync/push")]

    def edit(self, entity: str, record_id: str, fields: dict[str, Any]) -> int:
        """Someone else changes a record on the server; returns the new version."""
        stored = self.records.get((entity, record_id))
        if stored is None:
            stored = Stored(version=0, fields={})
            self.records[(entity, record_id)] = stored
        stored.fields = {**stored.fields, **fields}
        stored.version += 1
        stored.history[stored.version] = dict(stored.fields)
        stored.deleted = False
        self._log(entity, record_id)
        return stored.version

    def remove(self, entity: str, record_id: str) -> None:
        """Someone else deletes a record on the server."""
        stored = self.records[(entity, record_id)]
        stored.deleted = True
        stored.version += 1
        self._log(entity, record_id)

    # -- transport -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        headers = dict(headers or {})
        self.sent.append(Sent(method, path, json, data, headers))
        if self._failures:
            failure = self._failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        url = urlsplit(path)
        route = url.path
        if route == "/api/v1/devices/register" and method == "POST":
            return self._register(json)
        if self.revoked or headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "unauthorized")
        if route == "/api/v1/sync/config":
            return Response(200, self._config())
        if route == "/api/v1/sync/push" and method == "POST":
            return self._push(json)
        if route == "/api/v1/sync/pull":
            query = parse_qs(url.query)
            return self._pull(query.get("cursor", [""])[0], int(query.get("limit", ["500"])[0]))
        match = re.fullmatch(r"/api/v1/photos/([0-9a-f]{64})(/status)?", route)
        if match and match.group(2) and method == "GET":
            return Response(200, self._photo_status(match.group(1)))
        if match and method == "PUT":
            return self._photo_put(match.group(1), data or b"", headers.get("Content-Range"))
        return _error(404, "not_found")

    def _register(self, body: Any) -> Response:
        if body.get("password") != "secret":
            return _error(401, "unauthorized")
        return Response(201, {"device": {"id": 7, "name": body.get("name")}, "token": TOKEN})

    def _config(self) -> dict[str, Any]:
        return {
            "schema_versions": [1],
            "current_schema_version": 1,
            "max_push_records": self.max_push_records,
            "max_push_bytes": self.max_push_bytes,
            "default_pull_limit": 500,
            "max_pull_limit": 1000,
            "gap_hold_seconds": self.gap_hold_seconds,
        }

    # -- push ------------------------------------------------------------------------------

    def _push(self, body: Any) -> Response:
        mutations = body["mutations"]
        size = len(json.dumps(body).encode())
        limit = self.enforced_max_records or self.max_push_records
        if len(mutations) > limit or size > self.max_push_bytes:
            return _error(
                413,
                "payload_too_large",
                {"max_push_records": [str(limit)], "max_push_bytes": [str(self.max_push_bytes)]},
            )
        batch_seq = body["batch_seq"]
        log_before = self.log_seq
        if batch_seq not in self.batches:
            self.batches[batch_seq] = [(m["id"], m["id"] in self.results) for m in mutations]
            self._process([m for m in mutations if m["id"] not in self.results])
        results = []
        for mid, duplicate in self.batches[batch_seq]:
            result = self.results[mid]
            if duplicate:
                result = {**result, "outcome": "duplicate", "original_outcome": result["outcome"]}
            results.append(result)
        answer: dict[str, Any] = {"batch_seq": batch_seq, "results": results}
        cursor = body.get("cursor")
        if (cursor or "0") == str(log_before):
            answer["cursor"] = str(self.log_seq)
        elif cursor is not None:
            answer["cursor"] = cursor
        return Response(200, answer)

    def _process(self, fresh: list[dict[str, Any]]) -> None:
        by_id = {m["id"]: m for m in fresh}
        plan = plan_order(
            self.next_seq,
            {m["seq"]: self.seq_ids[m["seq"]] for m in fresh if m["seq"] in self.seq_ids},
            [(m["seq"], m["id"]) for m in fresh],
            [(seq, m["id"], since) for seq, (m, since) in self.held.items()],
            self.now,
            self.gap_hold_seconds,
        )
        for _seq, mid in plan.duplicates:
            self.results.setdefault(mid, _result(by_id[mid], "duplicate"))
        for _seq, mid in plan.reused:
            self.results[mid] = _rejected(by_id[mid], "sequence_reused")
        for _seq, mid in plan.stale:
            self.results[mid] = _rejected(by_id[mid], "stale_sequence")
        for seq, mid in plan.hold:
            self.held[seq] = (by_id[mid], self.now)
            self.results[mid] = _result(by_id[mid], "held")
        for seq, mid in plan.apply:
            mutation = by_id[mid] if mid in by_id else self.held.pop(seq)[0]
            self.held.pop(seq, None)
            self.seq_ids[seq] = mid
            self.applied_order.append(seq)
            self.results[mid] = self._apply(mutation)
        self.next_seq = plan.next_seq

    def _apply(self, m: dict[str, Any]) -> dict[str, Any]:
        key = (m["entity"], m["record_id"])
        stored = self.records.get(key)
        if m["op"] == "create":
            if stored is not None:
                return _rejected(m, "already_exists")
            self.edit(m["entity"], m["record_id"], m["fields"])
            result = self._with_record(_result(m, "applied"), key)
            photos = m["fields"].get("photos") or []
            result["missing_photos"] = [p for p in photos if p not in self.complete_photos]
            return result
        if stored is None or stored.deleted:
            return _rejected(m, "not_found")
        if m["op"] == "delete":
            self.remove(*key)
            return {**_result(m, "applied"), "version": stored.version}
        base = stored.history.get(m["base_version"])
        outcome = merge(base, stored.fields, m["fields"])
        status = outcome.values.get("status")
        if status is not None and not can_transition(stored.fields.get("status"), status):
            return _rejected(m, "illegal_transition")
        if outcome.values:
            self.edit(m["entity"], m["record_id"], outcome.values)
        result = self._with_record(_result(m, outcome.outcome), key)
        result["conflicts"] = [
            {"field": c.field, "yours": c.yours, "theirs": c.theirs} for c in outcome.conflicts
        ]
        return result

    def _with_record(self, result: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
        stored = self.records[key]
        return {**result, "version": stored.version, "record": dict(stored.fields)}

    # -- pull ------------------------------------------------------------------------------

    def _log(self, entity: str, record_id: str) -> None:
        self.log_seq += 1
        self.log[(entity, record_id)] = self.log_seq

    def _pull(self, cursor: str, limit: int) -> Response:
        after = int(cursor or 0)
        if cursor and after < self.watermark:
            return _error(410, "resync_required")
        pending = sorted((seq, key) for key, seq in self.log.items() if seq > after)
        page = pending[:limit]
        changes = []
        for seq, (entity, record_id) in page:
            stored = self.records[(entity, record_id)]
            if stored.deleted:
                changes.append(
                    {
                        "seq": seq,
                        "entity": entity,
                        "record_id": record_id,
                        "op": "delete",
                        "version": None,
                        "record": None,
                        "reason": "deleted",
                    }
                )
            else:
                changes.append(
                    {
                        "seq": seq,
                        "entity": entity,
                        "record_id": record_id,
                        "op": "upsert",
                        "version": stored.version,
                        "record": dict(stored.fields),
                    }
                )
        next_cursor = str(page[-1][0]) if page else (cursor or str(after))
        return Response(
            200,
            {
                "changes": changes,
                "cursor": next_cursor,
                "has_more": len(pending) > limit,
                "watermark": str(self.watermark),
            },
        )

    # -- photos ----------------------------------------------------------------------------

    def _photo_status(self, sha: str) -> dict[str, Any]:
        received = len(self.photos.get(sha, b""))
        return {
            "sha256": sha,
            "size": self.photo_sizes.get(sha),
            "received": received,
            "complete": sha in self.complete_photos,
        }

    def _photo_put(self, sha: str, data: bytes, content_range: str | None) -> Response:
        buffer = self.photos.setdefault(sha, bytearray())
        if content_range:
            match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
            assert match, content_range
            start, total = int(match.group(1)), int(match.group(3))
        else:
            start, total = 0, len(data)
        if start != len(buffer):
            return Response(409, {"code": "conflict", **self._photo_status(sha)})
        self.photo_sizes[sha] = total
        buffer.extend(data)
        if len(buffer) >= total:
            if hashlib.sha256(bytes(buffer)).hexdigest() != sha:
                del self.photos[sha]
                return _error(422, "hash_mismatch")
            self.complete_photos.add(sha)
        return Response(200, self._photo_status(sha))


def _result(m: dict[str, Any], outcome: str) -> dict[str, Any]:
    return {
        "id": m["id"],
        "seq": m["seq"],
        "entity": m["entity"],
        "record_id": m["record_id"],
        "outcome": outcome,
        "code": None,
        "message": None,
        "version": None,
        "record": None,
        "conflicts": [],
        "missing_photos": [],
    }


def _rejected(m: dict[str, Any], code: str) -> dict[str, Any]:
    return {**_result(m, "rejected"), "code": code, "message": code.replace("_", " ")}


def _error(status: int, code: str, errors: dict[str, list[str]] | None = None) -> Response:
    return Response(
        status, {"code": code, "status": status, "message": code, "errors": errors or {}}
    )
