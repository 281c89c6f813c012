"""What a flag may tell the person reading it.

A complaint's flags can name another complaint: ``likely_duplicate`` (an earlier complaint of
the same category nearby) and ``rebound`` (a closed case nearby). The reason text carries that
complaint's id, category, time and distance — a case the reader may not be allowed to open
(another station's). Such a flag is not described to them; it is counted instead, so they still
know to look again and whom to ask: "1 likely duplicate in another station's area".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["CODES_NAMING_COMPLAINTS", "disclose"]

#: flag codes whose ``related`` is a complaint (its uid)
CODES_NAMING_COMPLAINTS = frozenset({"likely_duplicate", "rebound"})

_WHAT = {"likely_duplicate": "likely duplicate", "rebound": "rebound of a closed case"}


def disclose(
    flags: Iterable[Mapping[str, Any]], may_read: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """The flags as the reader may see them: those naming a complaint the reader may not read
    (``may_read(uid)`` is false) are folded, per code, into one flag that counts them and names
    nothing; every other flag is unchanged, in its place. The folded ones follow the rest."""
    shown: list[dict[str, Any]] = []
    hidden: Counter[str] = Counter()
    for flag in flags:
        related = flag.get("related")
        if flag["code"] in CODES_NAMING_COMPLAINTS and related and not may_read(str(related)):
            hidden[flag["code"]] += 1
        else:
            shown.append(dict(flag))
    for code in sorted(hidden):
        count = hidden[code]
        what = _WHAT[code] + ("s" if count > 1 and code == "likely_duplicate" else "")
        shown.append(
            {
                "code": code,
                "reason": f"{count} {what} in another station's area, not shown to this account",
                "measured": {"count": count},
                "related": None,
            }
        )
    return shown
