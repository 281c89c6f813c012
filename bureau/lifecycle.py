"""The complaint lifecycle (信访件办理流程), as data and three pure functions.

DESIGN §6: received (receipt, 回执) → accepted (acceptance notice, 回告) | not accepted (reason
and proper channel) | referred (to another department or county) → investigating (progress
updates, 回音) → resolved (result reply, 回复) → follow-up visit (回访) → closed, or reopened
(重新处理), or a rectification order (限期整改) with a verification visit.

The transitions live in one table so that the server's API, the sync merge policy (a
complaint's ``status`` must move along the lifecycle from the *server's* current status, see
the sync protocol §3) and the tests all read the same rule. Moving to the status a complaint
already has is a no-op, not an error: two devices that both mark a case ``resolved`` made
identical edits, and identical edits are never conflicts (DESIGN §4 rule 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bureau.errors import InvalidInput

__all__ = [
    "STATUSES",
    "STATUS_LABELS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "IllegalTransition",
    "can_transition",
    "check_transition",
    "next_statuses",
]

STATUSES: tuple[str, ...] = (
    "received",
    "accepted",
    "not_accepted",
    "referred",
    "investigating",
    "resolved",
    "closed",
    "reopened",
    "rectification_ordered",
)
"""Every status a complaint can have, in the order a case usually passes through them."""

STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "received": "已登记",
        "accepted": "已受理",
        "not_accepted": "不予受理",
        "referred": "已转办",
        "investigating": "办理中",
        "resolved": "已办结",
        "closed": "已结案",
        "reopened": "重新处理",
        "rectification_ordered": "限期整改",
    }
)
"""Chinese labels for staff-facing screens and replies to the complainant."""

TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "received": frozenset({"accepted", "not_accepted", "referred"}),
        "accepted": frozenset({"investigating"}),
        "not_accepted": frozenset(),
        "referred": frozenset(),
        "investigating": frozenset({"resolved"}),
        "resolved": frozenset({"closed", "reopened", "rectification_ordered"}),
        "closed": frozenset({"reopened"}),
        "reopened": frozenset({"investigating"}),
        "rectification_ordered": frozenset({"closed", "investigating"}),
    }
)
"""``status -> statuses it may move to``. ``closed`` may be reopened after an unsatisfied
follow-up visit; ``not_accepted`` and ``referred`` end the case at this bureau."""

TERMINAL_STATUSES: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
"""Statuses with no way out: the case left this bureau's hands."""


class IllegalTransition(InvalidInput):
    """A status move the lifecycle does not allow (sync rejection code ``illegal_transition``)."""

    code = "illegal_transition"


def _require_status(status: str, role: str) -> None:
    if status not in TRANSITIONS:
        raise InvalidInput(
            f"Unknown complaint status {status!r}; expected one of {', '.join(STATUSES)}.",
            errors={"status": [f"unknown {role} status {status!r}"]},
        )


def next_statuses(current: str) -> tuple[str, ...]:
    """The statuses a complaint in ``current`` may move to, in :data:`STATUSES` order.

    Raises :class:`~bureau.errors.InvalidInput` for an unknown status, because a typo in a
    status must not read as "no way out".
    """
    _require_status(current, "current")
    allowed = TRANSITIONS[current]
    return tuple(s for s in STATUSES if s in allowed)


def can_transition(current: str, new: str) -> bool:
    """Whether ``current → new`` is legal; staying in the same status is a legal no-op.

    Unknown statuses are simply not legal (``False``): this is the question form, it never raises.
    """
    if current not in TRANSITIONS or new not in TRANSITIONS:
        return False
    return current == new or new in TRANSITIONS[current]


def check_transition(current: str, new: str) -> None:
    """Raise :class:`IllegalTransition` unless ``current → new`` is legal.

    The message names the legal next statuses so that an officer (or a device's user reading a
    rejected mutation) learns what they *could* have done, not only that it was wrong.
    """
    _require_status(current, "current")
    _require_status(new, "new")
    if can_transition(current, new):
        return
    legal = next_statuses(current)
    options = ", ".join(legal) if legal else "none: it is a final status"
    raise IllegalTransition(
        f"A complaint cannot move from {current!r} ({STATUS_LABELS[current]}) to {new!r} "
        f"({STATUS_LABELS[new]}); allowed next statuses: {options}.",
        errors={"status": [f"cannot move from {current} to {new}; allowed: {options}"]},
    )
