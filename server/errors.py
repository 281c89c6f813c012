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
from errorcodes import generic_code
from gis.errors import GeometryError
from schemas.common import ErrorEnvelope
from server.extensions import db


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


class TokenErrors(BasePlugin):
    """Every operation that needs a device token answers 401 without a valid one (a missing,
    unknown or revoked token): document it once, here, for all of them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if operation.get("security") == []:  # public: device registration
                continue
            operation.setdefault("responses", {}).setdefault("401", response_name(401))


class FieldsyncApi(Api):
    """flask-smorest's Api with fieldsync's error envelope instead of its own, in the answers
    and in the OpenAPI document."""

    ERROR_SCHEMA = ErrorEnvelope

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs.setdefault("extra_plugins", [TokenErrors()])
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_responses(self):
        # named "Error" before the error responses refer to it (else: "ErrorEnvelope")
        self.spec.components.schema("Error", schema=self.ERROR_SCHEMA)
        super()._register_responses()

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
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return envelope(error.status, error.message, code=error.code, errors=error.errors)

    @app.errorhandler(GeometryError)
    def geometry_error(error: GeometryError):
        db.session.rollback()
        field = error.field or "geometry"
        return envelope(
            error.status,
            f"{field}: {error.reason}",
            code=error.code,
            errors={field: [error.reason]},
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        current_app.logger.exception("database error")
        return envelope(503, "The database is not available right now; try again later.")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        current_app.logger.exception("unhandled error")
        return envelope(500, "An unexpected error occurred; it has been logged.")
