"""One JSON error envelope for every failure: ``{code, status, message, errors}``.

``code`` is a stable machine-readable word (``invalid_input``, ``unauthorized``…) from the error
catalogue (:mod:`errorcodes`, listed in ``docs/errors.md``), ``status`` the HTTP status,
``message`` a sentence for a person and ``errors`` maps each offending field (a dotted path such
as ``properties.credit_code``) to its reasons. A few answers add members of
their own beside those four (a photo chunk at the wrong offset: the photo's status). Domain and
geometry errors know nothing of Flask; this module is where they meet HTTP.

The OpenAPI document describes the same envelope (:class:`schemas.common.ErrorEnvelope`) as its
``Error`` schema, and lists on every operation the error statuses it answers.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

from apispec import BasePlugin
from flask import Flask, current_app, jsonify
from flask_smorest import Api
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from bureau.errors import DomainError
from errorcodes import ERRORS, generic_code
from gis.errors import GeometryError
from schemas.common import ErrorEnvelope


def envelope(
    status: int,
    message: str,
    *,
    code: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
):
    body = {
        **(extra or {}),
        "code": code or generic_code(status),
        "status": status,
        "message": message,
        "errors": dict(errors or {}),
    }
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"properties": {"name": ["…"]}}}`` → ``{"properties.name": ["…"]}``.

    webargs nests messages under the request location; a client wants the field's path.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if prefix == "" and key in ("json", "form", "files"):
                name = ""
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_body"] = list(messages)
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "_body"] = [str(messages)]
    return flat


def response_name(status: int) -> str:
    """The OpenAPI response component flask-smorest registers for ``status`` (``NOT_FOUND``…),
    whose body is the error envelope."""
    return http.HTTPStatus(status).name


#: an operation's private mark (popped before the document is served): ``False`` when its path
#: parameters do not name records, so that it does not answer 404 for them (set by
#: :class:`server.api.common.ApiBlueprint` for a blueprint with ``lookups=False``)
LOOKUPS = "x-fieldsync-lookups"


class ErrorResponses(BasePlugin):
    """The error statuses that follow from an operation's shape, documented here once for all
    of them, each with the error envelope (the ``Error`` schema):

    - 401 on every operation that needs a device token (all but device registration);
    - 400 (not JSON) and 413 (over ``MAX_CONTENT_LENGTH``) on every operation with a body;
    - 404 on every operation whose path names a record (``/cases/{ref}``…);
    - 409 on every operation that writes (not GET): its commit may meet a change saved at the
      same time (:mod:`server.transaction`);
    - 422 on every operation: its parameters and body, and any query value with a NUL
      (:mod:`server.request_guard`).

    What an operation answers besides (403 where the access rules can refuse, 409, 410…) is
    declared on its blueprint or its view (:class:`server.api.common.ApiBlueprint`). 500 and
    503, which any operation may answer, are the ``default`` response.
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            statuses = set()
            if operation.get("security") != []:  # [] is public: device registration
                statuses.add(401)
            if "requestBody" in operation:
                statuses.update((400, 413))
            if operation.pop(LOOKUPS, True) and "{" in (path or ""):
                statuses.add(404)
            if method != "get":
                statuses.add(409)
            statuses.add(422)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = response_name(status)


class FieldsyncApi(Api):
    """flask-smorest's Api with fieldsync's error envelope instead of its own, in the answers
    and in the OpenAPI document."""

    ERROR_SCHEMA = ErrorEnvelope

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs.setdefault("extra_plugins", [ErrorResponses()])
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_responses(self):
        # named "Error" before the error responses refer to it (else: "ErrorEnvelope")
        self.spec.components.schema("Error", schema=self.ERROR_SCHEMA)
        super()._register_responses()
        # each error response names the codes of its status, from the catalogue
        lazy = self.spec.components.responses_lazy
        for status in {entry.status for entry in ERRORS.values()}:
            codes = ", ".join(f"`{c}`" for c, e in ERRORS.items() if e.status == status)
            lazy[response_name(status)]["description"] = (
                f"{http.HTTPStatus(status).phrase}: the error envelope; `code` is one of "
                f"{codes} (docs/errors.md)"
            )
        lazy[self.DEFAULT_ERROR_RESPONSE_NAME]["description"] = (
            "Any other error, the error envelope: `internal_error` (500) or `unavailable` (503, "
            "the database cannot be reached)"
        )

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages") or {}
        message = data.get("message") or error.description or error.name
        if status == 422 and errors and "message" not in data:
            message = "The request has invalid fields; see errors."
        if status == 400 and "Invalid JSON" in str(message):
            message = "The request body is not valid JSON."
        return envelope(
            status,
            message,
            code=data.get("code"),
            errors=flatten_errors(errors) if errors else None,
            headers=data.get("headers"),
            extra=data.get("extra"),
        )


def register(app: Flask) -> None:
    """The handlers only answer: an error answer is what makes the commit point
    (:mod:`server.transaction`) roll the request's writes back."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        wait = getattr(error, "retry_after_seconds", None)  # e.g. the sign-in limit's 429
        return envelope(
            error.status,
            error.message,
            code=error.code,
            errors=error.errors,
            headers={"Retry-After": str(wait)} if wait else None,
        )

    @app.errorhandler(GeometryError)
    def geometry_error(error: GeometryError):
        field = error.field or "geometry"
        return envelope(
            error.status,
            f"{field}: {error.reason}",
            code=error.code,
            errors={field: [error.reason]},
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        current_app.logger.exception("database error")
        return envelope(503, "The database is not available right now; try again later.")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        current_app.logger.exception("unhandled error")
        return envelope(500, "An unexpected error occurred; it has been logged.")
