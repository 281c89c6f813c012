"""The one shape every spatial warning takes: a :class:`Flag` with a code and a reason.

Flags are advice, never refusals (DESIGN §5): a visit far from its target or a complaint that
looks like a duplicate is still stored; the flag tells an officer what to look at and why.
``code`` is for machines (filters, counts, icons), ``reason`` is a sentence a person can read,
``measured`` holds the numbers the rule measured (so a reviewer can judge a borderline case)
and ``related`` names the other record the flag is about (a project, complaint or case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Measured = Mapping[str, float | int | str | None]


@dataclass(frozen=True)
class Flag:
    """One warning: machine code, human reason, the measured numbers, the record concerned."""

    code: str
    reason: str
    measured: Measured = field(default_factory=dict)
    related: str | int | None = None

    def as_dict(self) -> dict[str, object]:
        """The flag as plain JSON-ready data."""
        return {
            "code": self.code,
            "reason": self.reason,
            "measured": dict(self.measured),
            "related": self.related,
        }


def format_metres(metres: float) -> str:
    """``"312.4 m"``, ``"4012 m"``, ``"12.4 km"``: distances for reasons people read.

    Below a kilometre one decimal is kept (when not zero), so that a value just over a
    threshold never reads the same as the threshold.
    """
    if metres < 1000:
        return f"{metres:.1f}".removesuffix(".0") + " m"
    if metres < 10_000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"
