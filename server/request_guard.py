"""What a URL may carry, checked once for every endpoint before any view runs.

- ``<int:…>`` path values that fit the database's 32-bit ids: a larger one names nothing, so it
  is a 404 like any id that does not exist (it was a 500: PostgreSQL's "integer out of range",
  SQLite's overflow in the driver).
- query values and path segments without NUL: no text column can hold one (PostgreSQL refuses
  it outright), so a 422 names the parameter.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from bureau.errors import InvalidInput

#: the largest id the database's ``integer`` primary keys hold
LARGEST_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """``<int:id>`` limited to what an ``integer`` column holds (werkzeug: no match, 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def _id_schema(converter: DatabaseId) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": converter.max}


def refuse_nul_in_url() -> None:
    for name, values in request.args.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            raise InvalidInput(
                f"The query parameter {name!r} contains a NUL character.",
                errors={name.replace("\x00", "\\0"): ["must not contain NUL characters"]},
            )
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput(
                f"The path segment {name!r} contains a NUL character.",
                errors={name: ["must not contain NUL characters"]},
            )


def install_url_rules(app: Flask) -> None:
    """Before any blueprint is registered: ids bounded in every ``<int:…>`` rule."""
    app.url_map.converters["int"] = DatabaseId


def install_request_checks(app: Flask, api) -> None:
    api.register_converter(DatabaseId, _id_schema)
    app.before_request(refuse_nul_in_url)
