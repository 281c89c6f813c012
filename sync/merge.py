"""Field-level three-way merge of one offline update (DESIGN §4 rule 5, protocol §3).

A device sends only the fields it changed (``mine``) and the version it started from. The
server compares three copies of the record: ``base`` (its fields at that version), ``current``
(its fields now) and ``mine``. Versions decide, never device clocks. For each field the device
changed:

* the server already holds the same value → an *identical edit*: nothing to write and never a
  conflict (two inspectors typing the same status is agreement, not a dispute);
* the server has not changed the field since ``base`` → take the device's value;
* otherwise both sides changed it to different values → a *conflict*: the server keeps its
  value and both are filed for an officer, so nothing is lost.

When ``base`` is unknown (``None``: history pruned, or a version the server never had) every
non-identical field is a conflict, because "the server did not change it" cannot be shown.

Values are compared as JSON values, because that is what travelled: ``1`` equals ``1.0``, a
tuple equals the list with the same items, but ``True`` is not ``1``. A field missing from a
copy compares like ``null``: records on the wire omit nulls as often as they send them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OUTCOMES", "FieldConflict", "MergeResult", "delete_conflicts", "json_equal", "merge"]

OUTCOMES: tuple[str, ...] = ("applied", "merged", "conflict")


def json_equal(a: Any, b: Any) -> bool:
    """Whether two values are equal as JSON values (deep; numbers by value; bools apart)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping | list | tuple | int | float) or isinstance(
        b, Mapping | list | tuple | int | float
    ):
        return False
    return bool(a == b)


@dataclass(frozen=True)
class FieldConflict:
    """One field both sides changed to different values; the server kept ``theirs``."""

    field: str
    base: Any
    theirs: Any
    yours: Any


@dataclass(frozen=True)
class MergeResult:
    """What to write and what to file for review.

    ``values`` holds only the device's fields that should be written (identical edits and
    conflicting fields are left out). ``merged`` says the server had changed the record since
    ``base`` (only knowable with a base). ``outcome`` is the per-record outcome of protocol §3:
    ``applied`` (nothing changed concurrently), ``merged`` or ``conflict``.
    """

    values: dict[str, Any]
    conflicts: tuple[FieldConflict, ...]
    merged: bool
    outcome: str

    @property
    def conflict_fields(self) -> tuple[str, ...]:
        """The names of the conflicting fields, in the device's order."""
        return tuple(c.field for c in self.conflicts)


def _records_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(json_equal(a.get(k), b.get(k)) for k in a.keys() | b.keys())


def merge(
    base: Mapping[str, Any] | None, current: Mapping[str, Any], mine: Mapping[str, Any]
) -> MergeResult:
    """Merge the device's changed fields ``mine`` into ``current``, given the device's ``base``.

    Pure and deterministic: the result depends only on the three mappings, in ``mine``'s order.
    """
    values: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for field, yours in mine.items():
        theirs = current.get(field)
        if json_equal(theirs, yours):
            continue
        if base is not None and json_equal(base.get(field), theirs):
            values[field] = yours
            continue
        conflicts.append(
            FieldConflict(
                field=field,
                base=None if base is None else base.get(field),
                theirs=theirs,
                yours=yours,
            )
        )
    unchanged = base is not None and _records_equal(base, current)
    merged = base is not None and not unchanged
    if conflicts:
        outcome = "conflict"
    elif unchanged:
        outcome = "applied"
    else:
        outcome = "merged"
    return MergeResult(values=values, conflicts=tuple(conflicts), merged=merged, outcome=outcome)


def delete_conflicts(base: Mapping[str, Any] | None, current: Mapping[str, Any]) -> bool:
    """Whether a delete based on an older version meets a change it did not see (rule 5: "an
    update that meets a delete is recorded, not dropped", and so is a delete that meets an
    update): the record's fields now differ from those at the device's base, or that base is
    unknown. Then the record stays and the delete is filed for review.

    The fields are compared with Python's ``!=`` as stored, not as JSON values the way
    :func:`merge` compares them.
    """
    return base is None or base != current
