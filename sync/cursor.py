"""Pull cursors: opaque to devices, ``<scope>.<seq>`` inside.

The scope part (``all`` or ``s<station id>``) makes a cursor worthless once the device's scope
changes (its user moved to another station): the pull answers "resync required" and the device
starts over, so it receives the new scope's records (additions) and drops the old ones
(removals) instead of silently missing everything committed before its cursor (rule 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURSOR = re.compile(r"^(all|s\d+)\.(\d{1,19})$")


class BadCursor(ValueError):
    """The text is not a cursor this server handed out."""


@dataclass(frozen=True)
class Cursor:
    scope: str
    seq: int

    def __str__(self) -> str:
        return f"{self.scope}.{self.seq}"


def scope_key(station_id: int | None) -> str:
    """``all`` for county-level accounts, ``s<id>`` for station-bound ones."""
    return "all" if station_id is None else f"s{station_id}"


def parse_cursor(text: str | None, scope: str) -> Cursor:
    """No cursor (or an empty one) means "from the beginning" in the given scope."""
    if text is None or text == "":
        return Cursor(scope, 0)
    match = _CURSOR.match(text)
    if not match:
        raise BadCursor(f"{text!r} is not a cursor from this server")
    return Cursor(match.group(1), int(match.group(2)))
