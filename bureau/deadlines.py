"""The casework clocks (办理时限): when each decision and each of the five replies is due.

Lawful defaults (:data:`DEFAULT_CLOCKS`), after the petition regulations (信访工作条例) and the
environmental petition measures (环境信访办法):

- **acceptance** (受理) decided within **15 days** of receipt, and the acceptance notice (回告)
  given with that decision, so it shares the deadline;
- **resolution** (办结) within **60 days** of acceptance;
- **one extension** (延期) of at most **30 days**, approved before the deadline runs out, the
  approver recorded;
- **receipt** (回执) at intake: the case number is given at once; ``reply_grace_hours`` (24 h)
  lets a letter's written receipt go out with the next morning's post;
- **progress** (回音) while investigating, at least every ``progress_interval_days`` (**30**)
  from acceptance or the last progress update, so a case that uses its 60 days hears at least
  once halfway; one resolved sooner owes none;
- **result reply** (回复) at resolution, within the same 24 h grace;
- **follow-up visit** (回访) within ``follow_up_days`` (**30**) of the result reply: a
  complainant has 30 days to ask for a review (复查) of a handling opinion, so a follow-up in
  that window catches the unsatisfied while the case can still be reopened here, and leaves
  the enterprise a few weeks for the fix to be tested by normal production;
- **verification visit** (复查核实) of a rectification order within ``verification_days``
  (**7**) after the order's deadline: a week for an inspector to get there.

**Days are calendar days, counted as exact 24-hour periods from the moment that starts them**
(UTC). That is at most one day stricter than counting to the end of the last local day, and it
needs no time zone or holiday calendar; working days (工作日) are out of scope. The clocks may be
configured stricter than the law, never looser: a :class:`Clocks` above a lawful maximum is
refused.

A deadline that a *user* sets (an assignment deadline, a rectification deadline) must lie in
the future (:func:`check_user_deadline`, code ``deadline_in_past``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bureau.case_errors import DeadlineBeyondLimit, DeadlineInPast, TimeInFuture
from bureau.cases import Case
from bureau.errors import InvalidInput

__all__ = [
    "DEADLINE_KINDS",
    "DEFAULT_CLOCKS",
    "LAWFUL_MAXIMA",
    "OPEN_STATUSES",
    "REPLY_STATES",
    "Clocks",
    "acceptance_due",
    "aware",
    "check_not_future",
    "check_user_deadline",
    "open_deadlines",
    "owed_replies",
    "reply_compliance",
    "resolution_due",
]

DEADLINE_KINDS: tuple[str, ...] = (
    "receipt",
    "acceptance",
    "acceptance_notice",
    "progress",
    "resolution",
    "result_reply",
    "follow_up",
    "verification",
)
"""Every kind of deadline a case can have open, in lifecycle order."""

OPEN_STATUSES: frozenset[str] = frozenset({"accepted", "investigating", "reopened"})
"""Statuses in which the case is being handled and its resolution clock runs."""

REPLY_STATES: tuple[str, ...] = ("on_time", "late", "missing", "pending", "not_owed")
"""How a reply stands: given in time, given late, overdue and not given, not due yet, not owed."""

LAWFUL_MAXIMA: dict[str, int] = {
    "acceptance_days": 15,
    "resolution_days": 60,
    "max_extension_days": 30,
}
"""The law's limits; configuration may be stricter, never looser."""


@dataclass(frozen=True)
class Clocks:
    """The casework clocks, in calendar days (hours for the reply grace); see the module doc."""

    acceptance_days: int = 15
    resolution_days: int = 60
    max_extension_days: int = 30
    progress_interval_days: int = 30
    follow_up_days: int = 30
    verification_days: int = 7
    reply_grace_hours: int = 24
    soon_days: int = 3
    """How close a deadline must be to appear on the "soon due" supervision list."""

    def __post_init__(self) -> None:
        problems: dict[str, list[str]] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                problems[name] = ["must be a whole number"]
            elif value < 0 or (value == 0 and name != "reply_grace_hours"):
                problems[name] = ["must be positive"]
            elif name in LAWFUL_MAXIMA and value > LAWFUL_MAXIMA[name]:
                problems[name] = [f"must be at most {LAWFUL_MAXIMA[name]} (the lawful limit)"]
        if problems:
            raise InvalidInput("Invalid casework clocks.", errors=problems)

    @property
    def reply_grace(self) -> timedelta:
        return timedelta(hours=self.reply_grace_hours)


DEFAULT_CLOCKS = Clocks()


def aware(at: object, name: str) -> datetime:
    """Return ``at`` if it is a timezone-aware datetime, else raise :class:`InvalidInput`."""
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(
            f"{name} must be a date and time with a time zone.",
            errors={name: ["must be a datetime with a time zone"]},
        )
    return at


def check_not_future(at: datetime, now: datetime, name: str) -> datetime:
    """Refuse a time something *happened* that lies after ``now`` (code ``time_in_future``)."""
    aware(at, name)
    if at > aware(now, "now"):
        raise TimeInFuture(
            f"{name} ({at.isoformat()}) is later than now ({now.isoformat()}).",
            errors={name: ["cannot be in the future"]},
        )
    return at


def check_user_deadline(
    deadline: datetime, now: datetime, name: str, *, latest: datetime | None = None
) -> datetime:
    """Refuse a user's deadline that is not after ``now``, or (if given) after ``latest``.

    Codes ``deadline_in_past`` (422) and ``deadline_beyond_limit`` (422).
    """
    aware(deadline, name)
    if deadline <= aware(now, "now"):
        raise DeadlineInPast(
            f"The {name} {deadline.isoformat()} is not in the future (now {now.isoformat()}).",
            errors={name: ["must be in the future"]},
        )
    if latest is not None and deadline > latest:
        raise DeadlineBeyondLimit(
            f"The {name} {deadline.isoformat()} is later than the limit {latest.isoformat()}.",
            errors={name: [f"must be at most {latest.isoformat()}"]},
        )
    return deadline


def acceptance_due(received_at: datetime, clocks: Clocks = DEFAULT_CLOCKS) -> datetime:
    """When the acceptance decision (and its notice) is due: receipt + 15 days by default."""
    return aware(received_at, "received_at") + timedelta(days=clocks.acceptance_days)


def resolution_due(accepted_at: datetime, clocks: Clocks = DEFAULT_CLOCKS) -> datetime:
    """When the case must be resolved: acceptance (or reopening) + 60 days by default."""
    return aware(accepted_at, "accepted_at") + timedelta(days=clocks.resolution_days)


def owed_replies(case: Case) -> frozenset[str]:
    """Which of the five replies this case owes its complainant.

    A complainant who left no way back (:attr:`Complainant.contactable` false: an anonymous
    letter) cannot get a receipt, a notice or progress updates; the result is still published
    (method ``notice``) and the follow-up is made at the site, so a case can always close. A case
    not accepted or referred owes no progress, result or follow-up: it ends with its notice.
    """
    owed = {"receipt", "acceptance_notice", "progress", "result", "follow_up"}
    if not case.complainant.contactable:
        owed -= {"receipt", "acceptance_notice", "progress"}
    if case.status in ("not_accepted", "referred"):
        owed -= {"progress", "result", "follow_up"}
    return frozenset(owed)


def _round_start(case: Case) -> datetime | None:
    """When the current handling round began: acceptance, a reopening, a failed verification."""
    return case.round_started_at or case.accepted_at


def open_deadlines(case: Case, clocks: Clocks = DEFAULT_CLOCKS) -> dict[str, datetime]:
    """The deadlines the case has not met yet, ``kind -> due``, in :data:`DEADLINE_KINDS` order.

    Overdue ones are included: whether a deadline is past is :mod:`bureau.supervision`'s
    question, asked with ``now``.
    """
    owed = owed_replies(case)
    due: dict[str, datetime] = {}
    if "receipt" in owed and not case.replies_of("receipt"):
        due["receipt"] = case.received_at + clocks.reply_grace
    acceptance = case.acceptance_due or acceptance_due(case.received_at, clocks)
    if case.status == "received":
        due["acceptance"] = acceptance
    elif "acceptance_notice" in owed and not case.replies_of("acceptance_notice"):
        due["acceptance_notice"] = acceptance
    start = _round_start(case)
    if case.status in OPEN_STATUSES and start is not None:
        deadline = case.resolution_due or resolution_due(start, clocks)
        if "progress" in owed:
            last = max((r.at for r in case.replies_of("progress", since=start)), default=start)
            progress = last + timedelta(days=clocks.progress_interval_days)
            if progress < deadline:
                due["progress"] = progress
        due["resolution"] = deadline
    if case.status == "resolved" and case.resolved_at is not None:
        results = case.replies_of("result", since=case.resolved_at)
        if not results:
            due["result_reply"] = case.resolved_at + clocks.reply_grace
        elif not case.replies_of("follow_up", since=results[-1].at):
            due["follow_up"] = results[-1].at + timedelta(days=clocks.follow_up_days)
    if case.status == "rectification_ordered" and case.rectification is not None:
        if case.rectification.verified_at is None:
            due["verification"] = case.rectification.verification_due
    return due


def _first_entry_into(case: Case, status: str) -> datetime | None:
    times = [e.at for e in case.events if e.status_after == status]
    return min(times) if times else None


def reply_compliance(case: Case, now: datetime, clocks: Clocks = DEFAULT_CLOCKS) -> dict[str, str]:
    """How each of the five replies stands for the case's first handling round.

    ``kind -> state`` with a state from :data:`REPLY_STATES`. The first reply of each kind is
    measured against its deadline: receipt within the grace of receipt; acceptance notice by
    the acceptance deadline; the first progress update within the interval of acceptance (owed
    only if the investigation lasted that long); the result reply within the grace of the first
    resolution; the follow-up within ``follow_up_days`` of the first result reply.
    """
    aware(now, "now")
    owed = owed_replies(case)
    first: dict[str, datetime] = {}
    for reply in case.replies:
        first.setdefault(reply.kind, reply.at)

    accepted = case.accepted_at
    resolved = _first_entry_into(case, "resolved") or case.resolved_at
    dues: dict[str, datetime | None] = {
        "receipt": case.received_at + clocks.reply_grace,
        "acceptance_notice": case.acceptance_due or acceptance_due(case.received_at, clocks),
        "progress": None,
        "result": resolved + clocks.reply_grace if resolved else None,
        "follow_up": None,
    }
    if accepted is not None:
        progress_due = accepted + timedelta(days=clocks.progress_interval_days)
        investigation_end = resolved or now
        if investigation_end > progress_due:
            dues["progress"] = progress_due
    if "result" in first:
        dues["follow_up"] = first["result"] + timedelta(days=clocks.follow_up_days)

    states: dict[str, str] = {}
    for kind, due in dues.items():
        given = first.get(kind)
        if kind not in owed:
            states[kind] = "not_owed"
        elif kind == "progress" and due is None and given is None and resolved is not None:
            states[kind] = "not_owed"  # resolved within the interval: no update was owed
        elif due is None:
            states[kind] = "on_time" if given is not None else "pending"
        elif given is not None:
            states[kind] = "on_time" if given <= due else "late"
        else:
            states[kind] = "missing" if now > due else "pending"
    return states
