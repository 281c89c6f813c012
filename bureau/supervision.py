"""Supervision (督办): which deadlines are overdue or soon due, and what goes to the leaders.

:func:`supervision_lists` groups the open deadlines of :func:`bureau.deadlines.open_deadlines`
per station and per accountable officer (the assignee, else the first receiver), for each kind
of deadline, given ``now``. :func:`escalation_grounds` says why a case must go before a leader:
overdue, important (重要信访事项), collective (集体访, five or more people) or bypass (越级访);
:func:`record_escalation` records the leader's decision as an append-only event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bureau.access import Actor
from bureau.case_errors import LeaderRequired, ReasonRequired
from bureau.cases import Case, CaseEvent, Escalation, Step
from bureau.deadlines import DEFAULT_CLOCKS, Clocks, aware, open_deadlines
from bureau.errors import InvalidInput
from bureau.lifecycle import TERMINAL_STATUSES

__all__ = [
    "ESCALATION_GROUNDS",
    "DueItem",
    "SupervisionLists",
    "cases_for_leaders",
    "due_items",
    "escalation_grounds",
    "record_escalation",
    "supervision_lists",
]

ESCALATION_GROUNDS: tuple[str, ...] = ("overdue", "important", "collective", "bypass")
"""Why a case goes before a leader, in the order they are listed."""


@dataclass(frozen=True)
class DueItem:
    """One open deadline of one case: ``state`` is ``overdue`` or ``soon``.

    ``delta`` is how far past the deadline (overdue) or how long until it (soon).
    """

    case_id: int | str
    number: str
    kind: str
    due: datetime
    state: str
    delta: timedelta
    station_id: int | None
    officer_id: int


@dataclass(frozen=True)
class SupervisionLists:
    """Overdue and soon-due items, per station and per officer, each ``{kind: [items]}``.

    Items are sorted most urgent first (earliest deadline). The county desk is station ``None``.
    """

    overdue: tuple[DueItem, ...]
    soon: tuple[DueItem, ...]
    by_station: dict[int | None, dict[str, dict[str, list[DueItem]]]] = field(default_factory=dict)
    by_officer: dict[int, dict[str, dict[str, list[DueItem]]]] = field(default_factory=dict)


def due_items(
    cases: Iterable[Case],
    now: datetime,
    *,
    soon: timedelta | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> list[DueItem]:
    """Every open deadline that is past (``overdue``) or within ``soon`` (default
    ``clocks.soon_days``) of ``now``, earliest first. A deadline exactly at ``now`` is soon,
    not yet overdue."""
    aware(now, "now")
    window = soon if soon is not None else timedelta(days=clocks.soon_days)
    if window < timedelta(0):
        raise InvalidInput("The soon window cannot be negative.", errors={"soon": ["negative"]})
    items: list[DueItem] = []
    for case in cases:
        for kind, due in open_deadlines(case, clocks).items():
            if due < now:
                state, delta = "overdue", now - due
            elif due - now <= window:
                state, delta = "soon", due - now
            else:
                continue
            items.append(
                DueItem(
                    case_id=case.case_id,
                    number=case.number,
                    kind=kind,
                    due=due,
                    state=state,
                    delta=delta,
                    station_id=case.station_id,
                    officer_id=case.accountable_id,
                )
            )
    items.sort(key=lambda i: (i.due, str(i.case_id), i.kind))
    return items


def supervision_lists(
    cases: Iterable[Case],
    now: datetime,
    *,
    soon: timedelta | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> SupervisionLists:
    """The supervision lists (督办清单): overdue and soon-due items per station and officer."""
    items = due_items(cases, now, soon=soon, clocks=clocks)
    by_station: dict[int | None, dict[str, dict[str, list[DueItem]]]] = {}
    by_officer: dict[int, dict[str, dict[str, list[DueItem]]]] = {}
    for item in items:
        for table, key in ((by_station, item.station_id), (by_officer, item.officer_id)):
            group = table.setdefault(key, {"overdue": {}, "soon": {}})  # type: ignore[arg-type]
            group[item.state].setdefault(item.kind, []).append(item)
    return SupervisionLists(
        overdue=tuple(i for i in items if i.state == "overdue"),
        soon=tuple(i for i in items if i.state == "soon"),
        by_station=by_station,
        by_officer=by_officer,
    )


def escalation_grounds(
    case: Case, now: datetime, clocks: Clocks = DEFAULT_CLOCKS
) -> tuple[str, ...]:
    """Why ``case`` must go before a leader now, in :data:`ESCALATION_GROUNDS` order; empty if
    it need not. Closed cases and cases that left the bureau are not escalated."""
    aware(now, "now")
    if case.status == "closed" or case.status in TERMINAL_STATUSES:
        return ()
    grounds = []
    if any(due < now for due in open_deadlines(case, clocks).values()):
        grounds.append("overdue")
    if case.important:
        grounds.append("important")
    if case.collective:
        grounds.append("collective")
    if case.bypass:
        grounds.append("bypass")
    return tuple(grounds)


def cases_for_leaders(
    cases: Iterable[Case], now: datetime, clocks: Clocks = DEFAULT_CLOCKS
) -> list[tuple[Case, tuple[str, ...]]]:
    """The cases with escalation grounds and no leader decision since their grounds arose.

    A case already decided by a leader comes back only with a ground it did not have then.
    """
    listed = []
    for case in cases:
        grounds = escalation_grounds(case, now, clocks)
        decided = {g for e in case.escalations for g in e.grounds}
        if set(grounds) - decided:
            listed.append((case, grounds))
    return listed


def record_escalation(
    case: Case,
    *,
    leader: Actor,
    decision: str,
    now: datetime,
    grounds: Iterable[str] | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Record a leader's decision (领导批示) on an escalated case: who, what, when, on which
    grounds (default: the case's current :func:`escalation_grounds`). Only a leader records it
    (``leader_required``); the decision text is required (``reason_required``)."""
    now = aware(now, "now")
    if leader.role != "leader":
        raise LeaderRequired(
            f"An escalation decision is recorded by a leader, not a {leader.role}.",
            errors={"leader": ["must be a leader"]},
        )
    if not isinstance(decision, str) or not decision.strip():
        raise ReasonRequired(
            "The leader's decision is required.", errors={"decision": ["required"]}
        )
    chosen = tuple(grounds) if grounds is not None else escalation_grounds(case, now, clocks)
    unknown = [g for g in chosen if g not in ESCALATION_GROUNDS]
    if unknown:
        raise InvalidInput(
            f"Unknown escalation grounds: {', '.join(unknown)}.",
            errors={"grounds": [f"must be among: {', '.join(ESCALATION_GROUNDS)}"]},
        )
    escalation = Escalation(
        grounds=chosen, leader_id=leader.user_id, decision=decision.strip(), decided_at=now
    )
    event = CaseEvent(
        case_id=case.case_id,
        action="escalation",
        actor_id=leader.user_id,
        at=now,
        why=escalation.decision,
        details={"grounds": list(chosen), "leader_id": leader.user_id},
    )
    new_case = replace(
        case, escalations=case.escalations + (escalation,), events=case.events + (event,)
    )
    return Step(case=new_case, events=(event,))
