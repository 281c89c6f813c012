"""Transports that let the reference device client talk to an app in-process.

:class:`FlaskTransport` is the plain one. :class:`UnreliableNetwork` wraps it the way a field
network behaves: answers lost after the server acted (so the client retries the same batch),
requests delivered twice, requests held back and delivered late, after later ones, and the
retries of impatient or naive apps: a push's mutations sent again under a new batch number
while the first request is still running (another thread), and sent again once more under a
new number after it was answered, then that batch replayed. Every push answer it sees is kept
(``answers``), so a test can check that each mutation was decided in one batch only.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Mapping

from sync.transport import Response, TransportError, parse_body


class FlaskTransport:
    def __init__(self, client):
        self.client = client

    def request(self, method, path, *, json=None, data=None, headers=None) -> Response:
        kwargs = {"headers": dict(headers or {})}
        if json is not None:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        answer = self.client.open(path, method=method, **kwargs)
        content = answer.get_data()
        return Response(
            status=answer.status_code,
            body=parse_body(content),
            headers={k.lower(): v for k, v in answer.headers.items()},
            content=content,
        )


#: batch numbers for the copies an impatient app sends, far above the ones it counts itself
_COPY_BATCH_SEQ = itertools.count(10**6)


class UnreliableNetwork:
    """Loses answers, duplicates and delays pushes, at random but reproducibly (a seed); sends
    copies under new batch numbers (``renumber``: concurrently with the original;
    ``dup_batch``: after it, then replays that copy)."""

    def __init__(
        self,
        inner: FlaskTransport,
        rng: random.Random,
        *,
        lose=0.15,
        twice=0.15,
        late=0.15,
        renumber=0.25,
        dup_batch=0.2,
    ):
        self.inner = inner
        self.rng = rng
        self.lose, self.twice, self.late = lose, twice, late
        self.renumber, self.dup_batch = renumber, dup_batch
        self.delayed: list[tuple[str, str, object, Mapping]] = []
        self.events: list[str] = []
        #: (batch_seq, status, body) of every push answer, copies included
        self.answers: list[tuple[int, int, object]] = []

    def request(self, method, path, *, json=None, data=None, headers=None) -> Response:
        pushing = path.startswith("/api/v1/sync/push")
        if pushing and self.delayed and self.rng.random() < 0.5:
            self.flush_late()
        if pushing and self.rng.random() < self.late:
            # this copy arrives later; the device sees a timeout and retries
            self.delayed.append((method, path, json, dict(headers or {})))
            self.events.append("late")
            raise TransportError("timed out (the request will arrive later)")
        if not pushing:
            return self.inner.request(method, path, json=json, data=data, headers=headers)
        if self.rng.random() < self.renumber:
            # an app that gave up on a slow request sends the same mutations again under a new
            # batch number while the first one is still being processed
            self.events.append("renumbered copy at the same time")
            copy = dict(json, batch_seq=next(_COPY_BATCH_SEQ))
            spare = FlaskTransport(self.inner.client.application.test_client())
            thread = threading.Thread(target=self._deliver, args=(spare, path, copy, headers))
            thread.start()
            answer = self._deliver(self.inner, path, json, headers)
            thread.join(timeout=120)
            assert not thread.is_alive(), "a concurrent push never finished"
        else:
            answer = self._deliver(self.inner, path, json, headers)
        if self.rng.random() < self.twice:
            self.events.append("twice")
            answer = self._deliver(self.inner, path, json, headers)
        if answer.status == 200 and self.rng.random() < self.dup_batch:
            # every mutation of it is known now: a batch of duplicates only, sent twice
            self.events.append("duplicate-only batch, replayed")
            copy = dict(json, batch_seq=next(_COPY_BATCH_SEQ))
            first = self._deliver(self.inner, path, copy, headers)
            again = self._deliver(self.inner, path, copy, headers)
            ids = [m["id"] for m in json["mutations"]]
            for reply in (first, again):
                assert reply.status == 200, reply.body
                assert [r["id"] for r in reply.body["results"]] == ids, reply.body
                assert {r["outcome"] for r in reply.body["results"]} <= {"duplicate", "held"}
            assert _told(first) == _told(again)
        if self.rng.random() < self.lose:
            self.events.append("lost answer")
            raise TransportError("connection reset after the server answered")
        return answer

    def _deliver(self, transport, path, json, headers) -> Response:
        answer = transport.request("POST", path, json=json, headers=headers)
        assert answer.status < 500, answer.body
        self.answers.append((json["batch_seq"], answer.status, answer.body))
        return answer

    def flush_late(self) -> None:
        delayed, self.delayed = self.delayed, []
        for _method, path, json, headers in delayed:
            self._deliver(self.inner, path, json, headers)


def _told(answer: Response) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r.get("original_outcome")) for r in answer.body["results"]]
