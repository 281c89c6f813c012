"""How the reference device client talks HTTP, behind a Protocol small enough to fake.

The client only needs "send a request, get a status, a parsed JSON body and headers back", so
that is the whole :class:`Transport`. Tests plug in a Flask test client or an in-memory fake;
a real device uses :class:`UrllibTransport`. Error statuses come back as ordinary
:class:`Response` objects (the client decides what a 413 or a 503 means); only a failure to
get *any* answer raises :class:`TransportError`, which the client treats as retryable.
"""

from __future__ import annotations

import json as jsonlib
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Protocol

__all__ = ["Response", "Transport", "TransportError", "UrllibTransport", "parse_body"]


class TransportError(Exception):
    """No HTTP answer at all: no network, connection refused or reset, timeout."""


@dataclass
class Response:
    """An HTTP answer. ``body`` is the parsed JSON (``None`` if empty or not JSON); header
    names are lower-case; ``content`` keeps the raw bytes (e.g. a downloaded photo)."""

    status: int
    body: object | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""


class Transport(Protocol):
    """Sends one request to the server. ``path`` starts with ``/api/v1``; pass ``json`` *or*
    ``data``; the caller sets any headers, including ``Authorization``."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response: ...


def parse_body(content: bytes) -> object | None:
    """The JSON in ``content``, or ``None`` when there is none (an empty or binary body)."""
    if not content:
        return None
    try:
        return jsonlib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


class UrllibTransport:
    """A :class:`Transport` over the standard library's urllib (no third-party HTTP client)."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send the request; HTTP error statuses are returned, network failures raised."""
        if json is not None and data is not None:
            raise ValueError("pass json or data, not both")
        send_headers = {"Accept": "application/json", **(headers or {})}
        body = data
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=send_headers, method=method.upper()
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return self._response(answer.status, answer.headers.items(), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                content = error.read()
            return self._response(error.code, error.headers.items(), content)
        except (urllib.error.URLError, HTTPException, OSError) as error:
            raise TransportError(f"{method} {path}: {error}") from error

    @staticmethod
    def _response(status: int, headers: Iterable[tuple[str, str]], content: bytes) -> Response:
        return Response(
            status=status,
            body=parse_body(content),
            headers={name.lower(): value for name, value in headers},
            content=content,
        )
