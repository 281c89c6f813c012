"""Transports that let the reference device client talk to an app in-process.

:class:`FlaskTransport` is the plain one. :class:`UnreliableNetwork` wraps it the way a field
network behaves: answers lost after the server acted (so the client retries the same batch),
requests delivered twice, and requests held back and delivered late, after later ones.
"""

from __future__ import annotations

import random
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


class UnreliableNetwork:
    """Loses answers, duplicates and delays pushes, at random but reproducibly (a seed)."""

    def __init__(
        self, inner: FlaskTransport, rng: random.Random, *, lose=0.15, twice=0.15, late=0.15
    ):
        self.inner = inner
        self.rng = rng
        self.lose, self.twice, self.late = lose, twice, late
        self.delayed: list[tuple[str, str, object, Mapping]] = []
        self.events: list[str] = []

    def request(self, method, path, *, json=None, data=None, headers=None) -> Response:
        pushing = path.startswith("/api/v1/sync/push")
        if pushing and self.delayed and self.rng.random() < 0.5:
            self.flush_late()
        if pushing and self.rng.random() < self.late:
            # this copy arrives later; the device sees a timeout and retries
            self.delayed.append((method, path, json, dict(headers or {})))
            self.events.append("late")
            raise TransportError("timed out (the request will arrive later)")
        answer = self.inner.request(method, path, json=json, data=data, headers=headers)
        if pushing and self.rng.random() < self.twice:
            self.events.append("twice")
            answer = self.inner.request(method, path, json=json, data=data, headers=headers)
        if pushing and self.rng.random() < self.lose:
            self.events.append("lost answer")
            raise TransportError("connection reset after the server answered")
        return answer

    def flush_late(self) -> None:
        delayed, self.delayed = self.delayed, []
        for method, path, json, headers in delayed:
            answer = self.inner.request(method, path, json=json, headers=headers)
            assert answer.status < 500, answer.body
