"""The shape of one pushed mutation, checked without a schema library.

A push carries up to a thousand mutations, and a generic schema walk costs about 50 µs each:
more than applying them. The shape is small and fixed, so it is checked here directly; the
wire schema (``schemas.sync.MutationIn``) documents the same rules and is what the OpenAPI
document shows. ``tests/unit/sync/test_sync_envelope.py`` holds both to the same answers.
"""

from __future__ import annotations

from typing import Any

from sync.entities import UUID_TEXT

#: the required string fields and their maximum lengths (``id`` is a UUID: 36)
_STRINGS = {"id": 36, "entity": 64, "record_id": 64, "op": 16}
_KNOWN = frozenset({*_STRINGS, "seq", "base_version", "captured_at", "fields"})

#: the largest ``seq`` (and ``batch_seq``) the database stores (a 64-bit integer), and the
#: range of ``base_version`` (versions are 32-bit): anything outside is refused at the door
#: instead of failing in the database
LARGEST_SEQ = 2**63 - 1
VERSION_RANGE = (-(2**31), 2**31 - 1)

MISSING = "Missing data for required field."
UNKNOWN = "Unknown field."
NOT_A_STRING = "Not a valid string."
NOT_AN_INTEGER = "Not a valid integer."
NOT_AN_OBJECT = "Invalid input type."
#: a mutation id is what makes a retry free: it must be a UUID (docs/sync-protocol.md §3)
NOT_A_UUID = "Not a valid UUID."


class MutationShapeError(ValueError):
    """Which fields of which mutations are malformed: ``{index: {field: [reason]}}``."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        super().__init__("malformed mutations")
        self.errors = errors


def check_mutations(items: Any) -> list[dict[str, Any]]:
    """The mutations with defaults filled in, or :class:`MutationShapeError` naming every
    malformed field of every malformed mutation."""
    if not isinstance(items, list):
        raise TypeError("mutations must be a list")
    out, errors = [], {}
    for index, item in enumerate(items):
        problems: dict[str, list[str]] = {}
        mutation = _check_one(item, problems)
        if problems:
            errors[index] = problems
        else:
            out.append(mutation)
    if errors:
        raise MutationShapeError(errors)
    return out


def _check_one(item: Any, problems: dict[str, list[str]]) -> dict[str, Any]:
    if not isinstance(item, dict):
        problems["_schema"] = [NOT_AN_OBJECT]
        return {}
    for name in item.keys() - _KNOWN:
        problems[str(name)] = [UNKNOWN]
    for name, longest in _STRINGS.items():
        value = item.get(name)
        if value is None:
            problems[name] = [MISSING if name not in item else "Field may not be null."]
        elif not isinstance(value, str):
            problems[name] = [NOT_A_STRING]
        elif name == "id":
            if not UUID_TEXT.fullmatch(value):
                problems[name] = [NOT_A_UUID]
        elif not 1 <= len(value) <= longest:
            problems[name] = [f"Length must be between 1 and {longest}."]
    seq = item.get("seq")
    if seq is None:
        problems["seq"] = [MISSING if "seq" not in item else "Field may not be null."]
    elif not _is_integer(seq):
        problems["seq"] = [NOT_AN_INTEGER]
    elif not 1 <= seq <= LARGEST_SEQ:
        problems["seq"] = [
            f"Must be greater than or equal to 1 and less than or equal to {LARGEST_SEQ}."
        ]
    base = item.get("base_version")
    if base is not None and not _is_integer(base):
        problems["base_version"] = [NOT_AN_INTEGER]
    elif base is not None and not VERSION_RANGE[0] <= base <= VERSION_RANGE[1]:
        problems["base_version"] = [
            f"Must be greater than or equal to {VERSION_RANGE[0]} and less than or equal to "
            f"{VERSION_RANGE[1]}."
        ]
    captured = item.get("captured_at")
    if captured is not None and not isinstance(captured, str):
        problems["captured_at"] = [NOT_A_STRING]
    if "fields" in item and item["fields"] is None:
        problems["fields"] = ["Field may not be null."]
    if problems:
        return {}
    mutation = dict(item)
    mutation.setdefault("base_version", None)
    mutation.setdefault("captured_at", None)
    mutation.setdefault("fields", {})
    return mutation


def _is_integer(value: Any) -> bool:
    return type(value) is int  # strict: no floats, no strings, no booleans
