"""Paging and the error envelope, shared by every endpoint."""

from __future__ import annotations

import marshmallow as ma


class PageArgs(ma.Schema):
    """``?page=&page_size=`` on every list; the maximum is enforced by the server's config."""

    page = ma.fields.Integer(
        load_default=1, validate=ma.validate.Range(min=1), metadata={"description": "1-based"}
    )
    page_size = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1),
        metadata={"description": "items per page (default 50, at most the server's maximum)"},
    )


class PageInfo(ma.Schema):
    number = ma.fields.Integer()
    size = ma.fields.Integer()
    total_items = ma.fields.Integer()
    total_pages = ma.fields.Integer()
    next = ma.fields.String(allow_none=True, metadata={"description": "URL of the next page"})
    prev = ma.fields.String(allow_none=True, metadata={"description": "URL of the previous page"})


class ErrorEnvelope(ma.Schema):
    """Every error, whatever its cause: ``{code, status, message, errors}``. The one answer
    that adds members of its own (a photo chunk at the wrong offset: the photo's status) is
    documented with a schema of its own (``PhotoConflictOut``); the envelope stays open so that
    a client that knows only the envelope reads that answer too."""

    class Meta:
        unknown = ma.INCLUDE  # documented as open: a few errors carry more (e.g. photo status)

    code = ma.fields.String(
        required=True,
        metadata={
            "description": "machine-readable, e.g. invalid_input; one of the codes of "
            "docs/errors.md, each answered with one HTTP status"
        },
    )
    status = ma.fields.Integer(required=True, metadata={"description": "the HTTP status"})
    message = ma.fields.String(
        required=True, metadata={"description": "what went wrong, for a person"}
    )
    errors = ma.fields.Dict(
        required=True,
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "field path → reasons ({} when none)"},
    )
