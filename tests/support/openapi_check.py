"""Every answer an integration test gets, checked against the served OpenAPI document.

:class:`CheckedClient` is the Flask test client of every app the integration tests build
(``tests/integration/conftest.py`` installs it for every integration test): each request made
through it is matched to its operation in ``/api/v1/openapi.json`` and its answer validated by
`openapi-core <https://pypi.org/project/openapi-core/>`_, error envelopes included. A failing
check fails the test that made the request, naming the operation, the status and what does not
fit.

The rules:

- The answer (status, content type, body, documented headers) must be one the operation
  documents. Its status must be listed on the operation by itself: the ``default`` response
  stands for 500 and 503 only, so that an error status nobody documented is found.
- A request the document says is invalid (a missing token, a parameter or body out of its
  schema) must be refused: answered 4xx (a request answered 4xx is not checked itself: the
  tests send bad ones on purpose). A 2xx answer to it means the document is stricter
  than the server, and a generated client would refuse to send what the server takes. A push
  answers 200 and refuses each bad mutation on its own: there, each mutation the document
  refuses must be ``rejected`` (or ``held``) in the answer (:data:`PER_ITEM`).
- A request to a path or method the document does not have (a test of an unknown route) must
  be answered 404 or 405 with the error envelope.
- :data:`NOT_API` lists, with the reason, the paths that are not JSON API operations and are
  not checked. Nothing else is left out.

The document is read and the validator built once per session (:func:`checker`); a request or
an answer seen before byte for byte (a replayed push) is not validated again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.wrappers import Request

from tests.support.openapi import problems, schema_ref

#: path prefix → why answers there are not checked against the OpenAPI document
NOT_API: dict[str, str] = {
    "/healthz": "a load balancer's probe of the app server, outside the API (undocumented)",
    "/ogc": "OGC API – Features pages: that standard's own documents (landing page, "
    "conformance, collections, GeoJSON items), read by QGIS/GDAL; test_ogc checks them with "
    "ogrinfo",
    "/api/v1/openapi.json": "the OpenAPI document itself",
    # routes a test adds to its own app, outside the API
    **dict.fromkeys(
        ("/probe", "/probe-stream", "/probe-serializable"),
        "test_transactions.py's probes of the commit point (routes it adds to its app)",
    ),
}

#: (method, path) → (the request's list, the answer's list): an operation that answers 200 and
#: refuses each bad item of its request on its own, in the answer's item at the same place. A
#: push rejects each mutation the document does not describe (docs/sync-protocol.md §3: one
#: bad record never fails its batch); a mutation of a gap is held before it is looked at.
PER_ITEM: dict[tuple[str, str], tuple[str, str]] = {
    ("post", "/api/v1/sync/push"): ("mutations", "results"),
}


def _bad_items(error: BaseException, name: str) -> set[int] | None:
    """The indices of ``name``'s items that the document refuses, or None when it refuses
    something else too."""
    found: set[int] = set()
    current: BaseException | None = error
    while current is not None:
        for nested in getattr(current, "schema_errors", None) or ():
            path = list(nested.absolute_path)
            if len(path) < 2 or path[0] != name or not isinstance(path[1], int):
                return None
            found.add(path[1])
        current = current.__cause__ or current.__context__
    return found or None


def _refused(result: dict) -> bool:
    if result.get("outcome") == "duplicate":
        return result.get("original_outcome") in ("rejected", "held")
    return result.get("outcome") in ("rejected", "held")


#: statuses the ``default`` response stands for; every other must be listed on its operation
DEFAULT_ONLY = frozenset({500, 503})

SPEC_PATH = "/api/v1/openapi.json"


class AnswerMismatch(AssertionError):
    """An answer the OpenAPI document does not describe."""


class _Request:
    """openapi-core's view of a request the test client made (werkzeug's adapter reads the
    body from the request's stream, which the app has already read: here it is read again)."""

    def __init__(self, request: Request, body: bytes) -> None:
        self.request = request
        self.body = body
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.args),
            header=Headers(request.headers),
            cookie=request.cookies,
        )
        self.host_url = request.host_url
        self.path = request.root_path + request.path
        self.method = request.method.lower()
        self.content_type = request.content_type or "application/octet-stream"


def _body_of(request: Request) -> bytes:
    stream = request.environ.get("wsgi.input")
    if stream is None or not hasattr(stream, "seek"):
        return b""
    stream.seek(0)
    return stream.read()


class AnswerChecker:
    """Holds the OpenAPI document and its validator; :meth:`check` one answer."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec)
        self.finder = APICallPathFinder(self.openapi.spec)
        #: (method, path template, status) → how many answers were checked, for the report
        self.seen: Counter[tuple[str, str, int]] = Counter()
        self.skipped: Counter[str] = Counter()
        #: time spent checking, for the report
        self.seconds = 0.0
        # verdicts by content: a request sent again (a device's replay, a retry) or an answer
        # given again is checked once (validating a push of a thousand mutations takes seconds)
        self._requests: dict[tuple, BaseException | None] = {}
        self._answers: set[tuple] = set()

    def check(self, response) -> None:
        started = time.perf_counter()
        try:
            self._check(response)
        finally:
            self.seconds += time.perf_counter() - started

    def _check(self, response) -> None:
        request: Request = response.request
        path = request.root_path + request.path
        for prefix in NOT_API:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                self.skipped[prefix] += 1
                return
        method = request.method.lower()
        status = response.status_code
        where = f"{request.method} {request.full_path.rstrip('?')} → {status}"
        try:
            found = self.finder.find(method, request.host_url.rstrip("/") + path)
        except (PathNotFound, OperationNotFound) as error:
            if status not in (404, 405):
                raise AnswerMismatch(
                    f"{where}: not an operation of the document ({error})"
                ) from None
            self._envelope(where, response)
            self.seen[(method, "(no operation)", status)] += 1
            return
        template = found.path.parts[-1]
        documented = set(self.spec["paths"][template][method]["responses"])
        if str(status) not in documented and status not in DEFAULT_ONLY:
            raise AnswerMismatch(
                f"{where}: status {status} is not documented on {method.upper()} {template} "
                f"(documented: {', '.join(sorted(documented))}); body: {_short(response)}"
            )
        body = _body_of(request)
        openapi_request = _Request(request, body)
        if status < 400:  # a refused request may be anything (the tests send bad ones)
            key = (method, request.full_path, _headers(request.headers), _digest(body))
            if key not in self._requests:
                try:
                    self.openapi.validate_request(openapi_request)
                    self._requests[key] = None
                except Exception as error:  # noqa: BLE001 - any reason the document refuses it
                    self._requests[key] = error
            if self._requests[key] is not None:
                self._refused_items(where, method, template, self._requests[key], response)
        key = (method, template, status, _headers(response.headers), _digest(response.get_data()))
        if key not in self._answers:
            try:
                self.openapi.validate_response(openapi_request, WerkzeugOpenAPIResponse(response))
            except Exception as error:  # noqa: BLE001 - any reason the answer does not fit
                raise AnswerMismatch(
                    f"{where}: the answer does not fit the document: {_reason(error)}; body: "
                    f"{_short(response)}"
                ) from None
            self._answers.add(key)
        self.seen[(method, template, status)] += 1

    def _refused_items(self, where: str, method: str, template: str, error, response) -> None:
        """A request the document refuses and the server took: a mismatch, unless each item
        the document refuses was refused on its own in the answer (:data:`PER_ITEM`)."""
        items = PER_ITEM.get((method, template))
        bad = _bad_items(error, items[0]) if items else None
        if bad:
            results = (response.get_json(silent=True) or {}).get(items[1]) or []
            taken = [
                index
                for index in sorted(bad)
                if index >= len(results) or not _refused(results[index])
            ]
            if not taken:
                return
            where = f"{where}: {items[0]} {taken} were taken"
        raise AnswerMismatch(
            f"{where}: the document refuses this request ({_reason(error)}), the server took it"
        )

    def _envelope(self, where: str, response) -> None:
        body = response.get_json(silent=True)
        found = problems(self.spec, schema_ref("Error"), body)
        if found:
            raise AnswerMismatch(f"{where}: not the error envelope: {found}")


def _headers(headers) -> tuple:
    return tuple(sorted(headers.items()))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _reason(error: BaseException) -> str:
    """The error and its causes, with each schema error's path in the JSON value (for an
    ``anyOf``/``oneOf``, the deepest reasons of its options)."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 8:
        schema_errors = getattr(current, "schema_errors", None)
        if schema_errors:
            for nested in schema_errors:
                parts.extend(_schema_error(nested))
        else:
            parts.append(f"{type(current).__name__}: {str(current)[:300]}")
        current = current.__cause__ or current.__context__
    return " | ".join(dict.fromkeys(parts))[:3000]


def _schema_error(error) -> list[str]:
    if not error.context:
        where = "$" + "".join(f"[{p!r}]" for p in error.absolute_path)
        return [f"{where}: {error.message[:300]}"]
    deepest = max(len(e.absolute_path) for e in error.context)
    return [
        line
        for nested in error.context
        if len(nested.absolute_path) == deepest
        for line in _schema_error(nested)
    ]


def _short(response) -> str:
    data = response.get_data()
    if response.mimetype != "application/json":
        return f"<{len(data)} bytes of {response.mimetype}>"
    text = data.decode("utf-8", "replace")
    return text if len(text) <= 600 else text[:600] + "…"


_CHECKER: AnswerChecker | None = None


def checker(app) -> AnswerChecker:
    """The session's checker, built from the document ``app`` serves the first time it is asked
    for (every app of a test run serves the same document)."""
    global _CHECKER
    if _CHECKER is None:
        plain = FlaskClient(app, app.response_class, use_cookies=False)
        spec = plain.get(SPEC_PATH).get_json()
        _CHECKER = AnswerChecker(json.loads(json.dumps(spec)))
    return _CHECKER


class CheckedClient(FlaskClient):
    """Flask's test client, checking every answer against the OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        checker(self.application).check(response)
        return response


def summary(found: AnswerChecker | None) -> Iterable[str]:
    if found is None:
        return []
    statuses = Counter(status for (_m, _p, status) in found.seen.elements())
    yield (
        f"OpenAPI check: {sum(found.seen.values())} answers of "
        f"{len({(m, p) for m, p, _s in found.seen})} operations checked "
        f"({', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))}) in "
        f"{found.seconds:.1f} s; not API, left out: {dict(found.skipped)}"
    )
