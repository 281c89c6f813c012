"""Reading a JSON request body, refusing what no field may hold.

JSON can carry text that no column can store or no client should ever receive back: a NUL
(``\\u0000``, which PostgreSQL's text refuses) and a lone UTF-16 surrogate (``\\ud800``, which
no UTF-8 encoder accepts). Both are refused here, once for every endpoint, with a 422 that
names the field, instead of failing somewhere below with a 500 (or being stored on SQLite and
poisoning every later read). Nesting is bounded by orjson's own limit (1,024 levels), applied
while parsing, and by the standard library's recursion guard on the fallback path.

orjson reads the body; a body it refuses for a reason the standard library accepts (``NaN``,
which a device's broken GPS may send in one record) goes to the standard library, so that one
bad value still refuses only its own record.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from bureau.errors import InvalidInput

MAX_DEPTH = 1024  # orjson's limit; the standard library's fallback is held to it too
_NUL_ESCAPE = b"\\u0000"


def _fault(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain lone surrogates (not valid Unicode)"
    return None


def find_bad_text(value: Any) -> tuple[str, str] | None:
    """The first (field path, reason) whose key or text no field may hold, or None.

    Iterative, in document order: a body nested a thousand levels deep must not exhaust the
    interpreter's stack on its way to being refused."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path or "_body", f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, str):
            reason = _fault(item)
            if reason:
                return path or "_body", reason
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                where = f"{path}.{key}" if path else str(key)
                reason = _fault(key)
                if reason:
                    return where.encode("utf-8", "backslashreplace").decode(), f"name {reason}"
                children.append((child, where, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{path}[{index}]", depth + 1)
                for index, child in reversed(list(enumerate(item)))
            )
    return None


def _refuse(found: tuple[str, str]) -> InvalidInput:
    field, reason = found
    return InvalidInput(f"{field}: {reason}.", errors={field: [reason]})


def load_json(data: bytes | str) -> Any:
    """The parsed body; :class:`InvalidInput` (422) for text no field may hold or nesting
    beyond :data:`MAX_DEPTH`; ``ValueError`` for what is not JSON at all."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):
            raise InvalidInput(
                f"The body is nested deeper than {MAX_DEPTH} levels.",
                errors={"_body": [f"nested deeper than {MAX_DEPTH} levels"]},
            ) from None
        try:
            value = json.loads(raw)  # NaN, lone surrogates: checked below
        except RecursionError:
            raise InvalidInput(
                f"The body is nested deeper than {MAX_DEPTH} levels.",
                errors={"_body": [f"nested deeper than {MAX_DEPTH} levels"]},
            ) from None
        found = find_bad_text(value)
        if found:
            raise _refuse(found) from None
        return value
    if _NUL_ESCAPE in raw:  # the only way a NUL gets into valid UTF-8 JSON text
        found = find_bad_text(value)
        if found:
            raise _refuse(found)
    return value
