"""The complaint lifecycle engine (信访件办理): each step a pure function over a :class:`Case`.

DESIGN §6 and :data:`bureau.lifecycle.TRANSITIONS` say which status moves are legal; this module
adds what each move needs and implies. Every step takes the case snapshot, the acting account
(:class:`bureau.access.Actor`) and ``now`` from the caller (rules never read the clock), checks
every rule *before* building anything, and returns a :class:`~bureau.cases.Step`: the new case
and the audit entries (who/what/when/why) to append. A refused step raises a
:class:`~bureau.errors.DomainError` whose code names the rule (:mod:`bureau.case_errors`), and
nothing has changed.

The steps, in the order a case meets them:

- :func:`intake` — from any channel, by the desk or a device; anonymous allowed; the case number
  (:func:`case_number`) and receipt (回执) at once; the first receiver (首问负责人) recorded;
- :func:`classify` — accepted (environmental matter or petition) with the acceptance notice
  (回告), not accepted (with a reason, or the proper channel for review/courts), or referred to
  the competent department (the complainant told where);
- :func:`assign` — station, responsible officer and deadline; the case is then investigating;
- :func:`extend` — once, at most 30 days, approved by a leader before the deadline;
- :func:`record_reply` — receipt, notice, progress (回音) and result (回复) replies;
- :func:`resolve` — investigating → resolved, with the result reply if given at once;
- :func:`follow_up` — the follow-up visit (回访): satisfied → closed, unsatisfied → reopened,
  polluting enterprise → rectification order with a verification visit scheduled;
- :func:`verify_rectification` — the verification visit: rectified → closed, else investigating;
- :func:`close` and :func:`reopen` — for the desk and for a status change synced from a device
  (:func:`check_status_change` runs the same guards for a bare status).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bureau.access import Actor
from bureau.case_errors import (
    ApproverRequired,
    AssignmentIncomplete,
    CaseNotOpen,
    CloseWithoutFollowUp,
    CloseWithoutResultReply,
    CloseWithoutVerification,
    EnterpriseRequired,
    ExtensionAfterDeadline,
    ExtensionAlreadyUsed,
    ExtensionTooLong,
    FollowUpBeforeResult,
    ProperChannelRequired,
    ReasonRequired,
    ReopenNotClosed,
    ReplyNotDue,
    ReplyWithoutChannel,
)
from bureau.cases import Case, CaseEvent, Complainant, Extension, Rectification, Reply, Step
from bureau.deadlines import (
    DEFAULT_CLOCKS,
    OPEN_STATUSES,
    Clocks,
    acceptance_due,
    aware,
    check_not_future,
    check_user_deadline,
    owed_replies,
    resolution_due,
)
from bureau.errors import InvalidInput
from bureau.lifecycle import STATUS_LABELS, IllegalTransition, check_transition
from bureau.vocabulary import (
    CASE_CLASSIFICATIONS,
    CHANNELS,
    COMPLAINT_CATEGORIES,
    FOLLOW_UP_OUTCOMES,
    REPLY_METHODS,
    require_choice,
)

__all__ = [
    "CHANNEL_ALIASES",
    "CLASSIFICATION_STATUS",
    "DEFAULT_RECEIPT_METHOD",
    "EXTENSION_APPROVER_ROLES",
    "SOURCES",
    "ReplyDraft",
    "assign",
    "case_number",
    "check_can_close",
    "check_status_change",
    "classify",
    "close",
    "extend",
    "follow_up",
    "intake",
    "record_reply",
    "reopen",
    "resolve",
    "verify_rectification",
]

SOURCES: tuple[str, ...] = ("desk", "device")
"""Where a case was registered: at the desk (hotline, letters, walk-ins) or on a field device."""

CHANNEL_ALIASES: dict[str, str] = {"walk_in": "visit", "walk-in": "visit"}
"""Other spellings of a channel accepted at intake; the stored code is DESIGN §1's."""

DEFAULT_RECEIPT_METHOD: dict[str, str] = {
    "hotline_12369": "phone",
    "letter": "letter",
    "visit": "in_person",
    "online": "online",
    "outreach": "in_person",
    "referral": "letter",
}
"""How the receipt usually reaches the complainant on each channel (the desk may choose)."""

CLASSIFICATION_STATUS: dict[str, str] = {
    "environmental": "accepted",
    "petition": "accepted",
    "review_or_litigation": "not_accepted",
    "outside_remit": "referred",
    "not_acceptable": "not_accepted",
}
"""The status each classification (:data:`~bureau.vocabulary.CASE_CLASSIFICATIONS`) leads to."""

EXTENSION_APPROVER_ROLES: tuple[str, ...] = ("leader",)
"""Who may approve an extension: the bureau's head (经本机关负责人批准)."""

_COUNTY_CODE = re.compile(r"^[0-9A-Za-z]{1,12}$")


@dataclass(frozen=True)
class ReplyDraft:
    """A reply as the user gives it: how the complainant was told, what was said, and when.

    ``at`` is when it was given (a device's capture time), ``None`` for "now"; never later than
    now. ``method`` is a :data:`~bureau.vocabulary.REPLY_METHODS` code or label.
    """

    method: str | None
    text: str = ""
    at: datetime | None = None


# --- case numbers ------------------------------------------------------------------------------


def case_number(
    year: int, county_code: str, sequence: int, *, station_code: str | None = None
) -> str:
    """The case number told to the complainant: ``2024-320581-000123`` or, by a station,
    ``2024-320581-S03-000123``. The caller supplies the year's next ``sequence`` (a database
    sequence), so the function stays pure and two workers never hand out the same number.
    """
    problems: dict[str, list[str]] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 9999:
        problems["year"] = ["must be a year between 2000 and 9999"]
    if not isinstance(county_code, str) or not _COUNTY_CODE.match(county_code):
        problems["county_code"] = ["must be 1 to 12 letters or digits"]
    if station_code is not None and (
        not isinstance(station_code, str) or not _COUNTY_CODE.match(station_code)
    ):
        problems["station_code"] = ["must be 1 to 12 letters or digits"]
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= 999_999:
        problems["sequence"] = ["must be a whole number from 1 to 999999"]
    if problems:
        raise InvalidInput("Cannot make a case number.", errors=problems)
    middle = f"{county_code}-{station_code}" if station_code else county_code
    return f"{year:04d}-{middle}-{sequence:06d}"


# --- helpers -----------------------------------------------------------------------------------


def _text(value: object, field: str, error: type[InvalidInput] = InvalidInput) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(f"{field} is required.", errors={field: ["required"]})
    return value.strip()


def _reply(
    kind: str,
    draft: ReplyDraft | None,
    actor: Actor,
    now: datetime,
    *,
    default_text: str = "",
    satisfied: bool | None = None,
) -> Reply:
    """A reply from a user's draft; refused without a method (``reply_without_channel``)."""
    if draft is None or draft.method is None or not str(draft.method).strip():
        raise ReplyWithoutChannel(
            f"The {kind} reply must say how the complainant was told ({', '.join(REPLY_METHODS)}).",
            errors={"method": ["required"]},
        )
    method = require_choice(draft.method, REPLY_METHODS, "method")
    text = (draft.text or "").strip() or default_text
    if not text:
        raise InvalidInput(
            f"The {kind} reply must say what the complainant was told.",
            errors={"text": ["required"]},
        )
    at = check_not_future(draft.at, now, "at") if draft.at is not None else now
    return Reply(kind=kind, method=method, text=text, by=actor.user_id, at=at, satisfied=satisfied)


def _reply_event(case: Case, reply: Reply) -> CaseEvent:
    return CaseEvent(
        case_id=case.case_id,
        action="reply",
        actor_id=reply.by,
        at=reply.at,
        why=reply.text,
        details={
            "kind": reply.kind,
            "method": reply.method,
            "text": reply.text,
            "satisfied": reply.satisfied,
        },
    )


def _event(
    case: Case,
    action: str,
    actor: Actor,
    now: datetime,
    why: str = "",
    *,
    to: str | None = None,
    **details: object,
) -> CaseEvent:
    moved = to is not None and to != case.status
    return CaseEvent(
        case_id=case.case_id,
        action=action,
        actor_id=actor.user_id,
        at=now,
        why=why,
        status_before=case.status if moved else None,
        status_after=to if moved else None,
        details={k: _plain(v) for k, v in details.items()},
    )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _step(case: Case, events: list[CaseEvent], **changes: object) -> Step:
    new_events = tuple(events)
    new_case = replace(case, events=case.events + new_events, **changes)  # type: ignore[arg-type]
    return Step(case=new_case, events=new_events)


def _require_status(case: Case, allowed: frozenset[str] | set[str], doing: str) -> None:
    if case.status not in allowed:
        names = ", ".join(sorted(allowed))
        raise IllegalTransition(
            f"Cannot {doing} a case that is {case.status!r} ({STATUS_LABELS[case.status]}); "
            f"it must be {names}.",
            errors={"status": [f"cannot {doing} when {case.status}; must be {names}"]},
        )


def _now(now: datetime) -> datetime:
    return aware(now, "now")


# --- intake ------------------------------------------------------------------------------------


def intake(
    *,
    case_id: int | str,
    number: str,
    channel: str,
    category: str,
    description: str,
    complainant: Complainant,
    received_at: datetime,
    receiver: Actor,
    now: datetime,
    receipt: ReplyDraft | None,
    source: str = "desk",
    station_id: int | None = None,
    important: bool = False,
    bypass: bool = False,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Register a complaint: a new case, ``received``, with its receipt (回执) given at once.

    ``receiver`` becomes the first receiver, accountable until an assignee takes over.
    ``received_at`` is when the complaint reached the bureau (a letter's arrival, a device's
    capture time) and cannot be later than ``now``. A receipt (with its method) is required
    whenever the complainant can be reached; for an unreachable anonymous complaint it may be
    ``None``. ``bypass`` marks a complaint taken over the responsible level's head (越级).
    """
    now = _now(now)
    check_not_future(received_at, now, "received_at")
    raw_channel = channel.strip().lower() if isinstance(channel, str) else channel
    channel_code = require_choice(CHANNEL_ALIASES.get(raw_channel, channel), CHANNELS, "channel")
    category_code = require_choice(category, COMPLAINT_CATEGORIES, "category")
    description = _text(description, "description")
    number = _text(number, "number")
    if source not in SOURCES:
        raise InvalidInput(
            f"source must be one of {', '.join(SOURCES)}.",
            errors={"source": [f"must be one of: {', '.join(SOURCES)}"]},
        )
    headcount = complainant.headcount
    if isinstance(headcount, bool) or not isinstance(headcount, int) or headcount < 1:
        raise InvalidInput(
            "headcount must be a whole number of at least 1.",
            errors={"headcount": ["must be at least 1"]},
        )
    case = Case(
        case_id=case_id,
        number=number,
        channel=channel_code,
        category=category_code,
        description=description,
        complainant=complainant,
        received_at=received_at,
        received_by=receiver.user_id,
        status="received",
        source=source,
        station_id=station_id,
        acceptance_due=acceptance_due(received_at, clocks),
        important=important,
        bypass=bypass,
    )
    replies: tuple[Reply, ...] = ()
    if receipt is not None or "receipt" in owed_replies(case):
        replies = (_reply("receipt", receipt, receiver, now, default_text=f"已登记，编号{number}"),)
    intake_event = CaseEvent(
        case_id=case_id,
        action="intake",
        actor_id=receiver.user_id,
        at=now,
        why=f"received by {channel_code}",
        status_before=None,
        status_after="received",
        details={
            "number": number,
            "channel": channel_code,
            "category": category_code,
            "source": source,
            "first_receiver": receiver.user_id,
            "station_id": station_id,
            "anonymous": complainant.anonymous,
            "collective": case.collective,
            "bypass": bypass,
            "important": important,
            "acceptance_due": _plain(case.acceptance_due),
        },
    )
    events = [intake_event, *(_reply_event(case, r) for r in replies)]
    return _step(case, events, replies=replies)


# --- classification ----------------------------------------------------------------------------


def classify(
    case: Case,
    *,
    classification: str,
    actor: Actor,
    now: datetime,
    notice: ReplyDraft | None,
    reason: str = "",
    proper_channel: str | None = None,
    referred_to: str | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Decide what the complaint is (定性) and tell the complainant (回告).

    Accepted matters start the 60-day resolution clock. ``not_acceptable`` needs a ``reason``;
    ``review_or_litigation`` the ``proper_channel`` (e.g. 行政复议/行政诉讼) told to the
    complainant; ``outside_remit`` both ``referred_to`` (the competent department) and
    ``proper_channel``. A decision after the acceptance deadline is recorded, flagged ``late``.
    """
    now = _now(now)
    code = require_choice(classification, CASE_CLASSIFICATIONS, "classification")
    target = CLASSIFICATION_STATUS[code]
    _require_status(case, {"received"}, "classify")
    check_transition(case.status, target)
    if code == "not_acceptable":
        reason = _text(reason, "reason", ReasonRequired)
    if code in ("review_or_litigation", "outside_remit"):
        proper_channel = _text(proper_channel, "proper_channel", ProperChannelRequired)
    if code == "outside_remit":
        referred_to = _text(referred_to, "referred_to", ProperChannelRequired)
    decided = replace(case, status=target)
    replies: tuple[Reply, ...] = ()
    if notice is not None or "acceptance_notice" in owed_replies(decided):
        replies = (_reply("acceptance_notice", notice, actor, now),)
    changes: dict[str, object] = {"status": target, "classification": code}
    if target == "accepted":
        changes |= {
            "accepted_at": now,
            "round_started_at": now,
            "resolution_due": resolution_due(now, clocks),
        }
    if target == "referred":
        changes["referred_to"] = referred_to
    due = case.acceptance_due or acceptance_due(case.received_at, clocks)
    event = _event(
        case,
        "classification",
        actor,
        now,
        reason or (proper_channel or "") or CASE_CLASSIFICATIONS[code],
        to=target,
        classification=code,
        proper_channel=proper_channel,
        referred_to=referred_to,
        late=now > due,
        resolution_due=_plain(changes.get("resolution_due")),
    )
    events = [event, *(_reply_event(case, r) for r in replies)]
    return _step(case, events, replies=case.replies + replies, **changes)


# --- assignment and extension ------------------------------------------------------------------


def assign(
    case: Case,
    *,
    station_id: int | None,
    assignee_id: int | None,
    actor: Actor,
    now: datetime,
    deadline: datetime | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Give the case to a station and a responsible officer (责任人), with a deadline.

    From ``accepted`` or ``reopened`` the case becomes ``investigating``; while investigating it
    is a reassignment. The assignee takes over accountability from the first receiver. A
    ``deadline`` may shorten the resolution deadline, never lengthen it (that is what an
    extension is for): in the past → ``deadline_in_past``, past the case's resolution deadline →
    ``deadline_beyond_limit``.
    """
    now = _now(now)
    _require_status(case, OPEN_STATUSES, "assign")
    if station_id is None or assignee_id is None:
        missing = [
            n for n, v in (("station_id", station_id), ("assignee_id", assignee_id)) if v is None
        ]
        raise AssignmentIncomplete(
            "An assignment names the station and the responsible officer.",
            errors={name: ["required"] for name in missing},
        )
    limit = case.resolution_due or resolution_due(case.round_started_at or now, clocks)
    if deadline is not None:
        check_user_deadline(deadline, now, "deadline", latest=limit)
    new_due = deadline or limit
    target = "investigating"
    event = _event(
        case,
        "assignment",
        actor,
        now,
        f"assigned to officer {assignee_id} of station {station_id}",
        to=target,
        station_id=station_id,
        assignee_id=assignee_id,
        previous_assignee_id=case.assignee_id,
        accountable_before=case.accountable_id,
        deadline=new_due,
    )
    return _step(
        case,
        [event],
        status=target,
        station_id=station_id,
        assignee_id=assignee_id,
        assigned_at=now,
        resolution_due=new_due,
    )


def extend(
    case: Case,
    *,
    days: int,
    approver: Actor | None,
    reason: str,
    actor: Actor,
    now: datetime,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Extend the resolution deadline once (延期), by at most ``max_extension_days`` (30).

    Refused: a case not being handled (``case_not_open``), a second extension
    (``extension_already_used``), one asked after the deadline (``extension_after_deadline``),
    too many days or none (``extension_too_long``), no approver, an approver who is not a leader
    or who is the assignee (``approver_required``), no reason (``reason_required``).
    """
    now = _now(now)
    if case.status not in OPEN_STATUSES:
        raise CaseNotOpen(
            f"Only a case being handled can be extended; this one is {case.status!r}.",
            errors={"status": [f"cannot extend when {case.status}"]},
        )
    if case.extension is not None:
        raise ExtensionAlreadyUsed(
            f"The case was already extended on {case.extension.granted_at.isoformat()} "
            f"(by {case.extension.days} days); a case may be extended only once.",
            errors={"extension": ["already used"]},
        )
    current_due = case.resolution_due
    assert current_due is not None  # every open case has one (set at acceptance)
    if now > current_due:
        raise ExtensionAfterDeadline(
            f"The resolution deadline {current_due.isoformat()} has passed; an extension must "
            "be approved before it runs out.",
            errors={"extension": ["deadline already passed"]},
        )
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not 1 <= days <= clocks.max_extension_days
    ):
        raise ExtensionTooLong(
            f"An extension is 1 to {clocks.max_extension_days} days, not {days!r}.",
            errors={"days": [f"must be from 1 to {clocks.max_extension_days}"]},
        )
    if approver is None:
        raise ApproverRequired(
            "An extension needs its approver recorded.", errors={"approver": ["required"]}
        )
    if approver.role not in EXTENSION_APPROVER_ROLES:
        raise ApproverRequired(
            f"An extension is approved by a leader, not a {approver.role}.",
            errors={"approver": ["must be a leader"]},
        )
    if approver.user_id == case.assignee_id:
        raise ApproverRequired(
            "The responsible officer cannot approve their own extension.",
            errors={"approver": ["must not be the assignee"]},
        )
    reason = _text(reason, "reason", ReasonRequired)
    new_due = current_due + timedelta(days=days)
    extension = Extension(
        days=days,
        approver_id=approver.user_id,
        reason=reason,
        granted_at=now,
        previous_due=current_due,
        new_due=new_due,
    )
    event = _event(
        case,
        "extension",
        actor,
        now,
        reason,
        days=days,
        approver_id=approver.user_id,
        previous_due=current_due,
        new_due=new_due,
    )
    return _step(case, [event], extension=extension, resolution_due=new_due)


# --- replies -----------------------------------------------------------------------------------

_REPLY_STATUSES: dict[str, frozenset[str]] = {
    "receipt": frozenset(
        {"received", "accepted", "not_accepted", "referred", "investigating", "reopened"}
    ),
    "acceptance_notice": frozenset({"accepted", "not_accepted", "referred", "investigating"}),
    "progress": frozenset(OPEN_STATUSES | {"rectification_ordered"}),
    "result": frozenset({"resolved"}),
}


def record_reply(
    case: Case, *, kind: str, reply: ReplyDraft | None, actor: Actor, now: datetime
) -> Step:
    """Append one reply to the complainant: a receipt, an acceptance notice given apart from
    the decision, a progress update (回音) while handling, or the result (回复) once resolved.

    A reply without a method is refused (``reply_without_channel``); one that does not fit the
    case's status is refused (``reply_not_due``); the follow-up visit goes through
    :func:`follow_up`, because it decides where the case goes next.
    """
    now = _now(now)
    if kind not in _REPLY_STATUSES:
        raise ReplyNotDue(
            f"{kind!r} is not a reply recorded on its own; a follow-up visit is recorded with "
            "its outcome (follow_up).",
            errors={"kind": [f"must be one of: {', '.join(_REPLY_STATUSES)}"]},
        )
    if case.status not in _REPLY_STATUSES[kind]:
        raise ReplyNotDue(
            f"A {kind} reply does not fit a case that is {case.status!r}.",
            errors={"kind": [f"not due when {case.status}"]},
        )
    new = _reply(kind, reply, actor, now)
    if kind == "result" and case.resolved_at is not None and new.at < case.resolved_at:
        # A result dated before the resolution would never count as this round's result: the
        # follow-up visit after it would be refused and the case could not move on.
        raise ReplyNotDue(
            "The result reply cannot be dated before the case was resolved "
            f"({case.resolved_at.isoformat()}).",
            errors={"at": ["before the resolution"]},
        )
    return _step(case, [_reply_event(case, new)], replies=case.replies + (new,))


# --- resolution, follow-up, rectification -----------------------------------------------------


def resolve(
    case: Case,
    *,
    actor: Actor,
    now: datetime,
    findings: str,
    result: ReplyDraft | None = None,
    enterprise_id: int | str | None = None,
) -> Step:
    """Finish the investigation (办结): ``investigating → resolved``, with ``findings``.

    The result reply (回复) may be given in the same step (``result``) or later with
    :func:`record_reply`; supervision tracks it until it is given.
    """
    now = _now(now)
    _require_status(case, {"investigating"}, "resolve")
    check_transition(case.status, "resolved")
    findings = _text(findings, "findings", ReasonRequired)
    replies: tuple[Reply, ...] = ()
    if result is not None:
        replies = (_reply("result", result, actor, now),)
    event = _event(
        case,
        "resolution",
        actor,
        now,
        findings,
        to="resolved",
        enterprise_id=enterprise_id if enterprise_id is not None else case.enterprise_id,
        late=case.resolution_due is not None and now > case.resolution_due,
    )
    events = [event, *(_reply_event(case, r) for r in replies)]
    return _step(
        case,
        events,
        status="resolved",
        resolved_at=now,
        enterprise_id=enterprise_id if enterprise_id is not None else case.enterprise_id,
        replies=case.replies + replies,
    )


def _latest_result(case: Case) -> Reply | None:
    results = case.replies_of("result", since=case.resolved_at) if case.resolved_at else ()
    return results[-1] if results else None


def follow_up(
    case: Case,
    *,
    outcome: str,
    reply: ReplyDraft | None,
    actor: Actor,
    now: datetime,
    reason: str = "",
    enterprise_id: int | str | None = None,
    rectification_deadline: datetime | None = None,
    requirement: str = "",
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Record the follow-up visit (回访) after the result reply, and move the case on.

    - ``satisfied`` → ``closed``;
    - ``unsatisfied`` → ``reopened`` with ``reason`` (a new 60-day round starts);
    - ``polluting_enterprise`` → ``rectification_ordered``: the enterprise (``enterprise_id``
      or the case's) must fix ``requirement`` by ``rectification_deadline`` (in the future), and
      a verification visit is due ``verification_days`` after it.

    Refused before a result reply (``follow_up_before_result``) or without a method
    (``reply_without_channel``).
    """
    now = _now(now)
    code = require_choice(outcome, FOLLOW_UP_OUTCOMES, "outcome")
    _require_status(case, {"resolved"}, "record a follow-up visit on")
    if _latest_result(case) is None:
        raise FollowUpBeforeResult(
            "The follow-up visit comes after the result reply; give the result first.",
            errors={"kind": ["result reply missing"]},
        )
    satisfied = code == "satisfied"
    visit = _reply("follow_up", reply, actor, now, satisfied=satisfied)
    if code == "satisfied":
        target = "closed"
        changes: dict[str, object] = {"closed_at": now}
        why = "complainant satisfied"
        extra: dict[str, object] = {}
    elif code == "unsatisfied":
        target = "reopened"
        why = _text(reason, "reason", ReasonRequired)
        changes = _reopen_changes(case, now, clocks)
        extra = {"resolution_due": changes["resolution_due"]}
    else:
        target = "rectification_ordered"
        enterprise = enterprise_id if enterprise_id is not None else case.enterprise_id
        if enterprise is None:
            raise EnterpriseRequired(
                "A rectification order names the enterprise.",
                errors={"enterprise_id": ["required"]},
            )
        if rectification_deadline is None:
            raise InvalidInput(
                "A rectification order has a deadline.",
                errors={"rectification_deadline": ["required"]},
            )
        check_user_deadline(rectification_deadline, now, "rectification_deadline")
        why = _text(requirement, "requirement", ReasonRequired)
        order = Rectification(
            enterprise_id=enterprise,
            ordered_at=now,
            deadline=rectification_deadline,
            verification_due=rectification_deadline + timedelta(days=clocks.verification_days),
            requirement=why,
        )
        changes = {"rectification": order, "enterprise_id": enterprise}
        extra = {
            "enterprise_id": enterprise,
            "rectification_deadline": order.deadline,
            "verification_due": order.verification_due,
        }
    check_transition(case.status, target)
    event = _event(case, "follow_up", actor, now, why, to=target, outcome=code, **extra)
    return _step(
        case,
        [_reply_event(case, visit), event],
        status=target,
        replies=case.replies + (visit,),
        **changes,
    )


def verify_rectification(
    case: Case,
    *,
    rectified: bool,
    findings: str,
    actor: Actor,
    now: datetime,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """The verification visit of a rectification order: done → ``closed``; not done →
    ``investigating`` again, with a new resolution deadline (a new handling round)."""
    now = _now(now)
    _require_status(case, {"rectification_ordered"}, "verify the rectification of")
    findings = _text(findings, "findings", ReasonRequired)
    order = case.rectification
    assert order is not None  # set with the status by follow_up
    verified = replace(order, verified_at=now, rectified=bool(rectified))
    target = "closed" if rectified else "investigating"
    check_transition(case.status, target)
    changes: dict[str, object] = {"rectification": verified}
    if rectified:
        changes["closed_at"] = now
    else:
        changes |= {"round_started_at": now, "resolution_due": resolution_due(now, clocks)}
    event = _event(
        case,
        "verification",
        actor,
        now,
        findings,
        to=target,
        rectified=bool(rectified),
        late=now > order.verification_due,
    )
    return _step(case, [event], status=target, **changes)


# --- closing and reopening ---------------------------------------------------------------------


def check_can_close(case: Case) -> None:
    """Raise unless the case may close now; quiet for a case already closed (a no-op).

    ``resolved`` needs the result reply (``close_without_result_reply``) and then a satisfied
    follow-up (``close_without_follow_up``); ``rectification_ordered`` needs a verification that
    found it rectified (``close_without_verification``); a case still being handled has no
    result yet (``close_without_result_reply``); a case that left the bureau cannot close.
    """
    if case.status == "closed":
        return
    if case.status in OPEN_STATUSES or case.status == "received":
        raise CloseWithoutResultReply(
            f"A case that is {case.status!r} has no result yet; it closes after its result "
            "reply and a follow-up visit.",
            errors={"status": [f"cannot close when {case.status}"]},
        )
    if case.status == "resolved":
        result = _latest_result(case)
        if result is None:
            raise CloseWithoutResultReply(
                "The complainant has not been given the result (回复); the case cannot close.",
                errors={"replies": ["result reply missing"]},
            )
        visits = case.replies_of("follow_up", since=result.at)
        if not visits or visits[-1].satisfied is not True:
            raise CloseWithoutFollowUp(
                "No satisfied follow-up visit (回访) after the result; the case cannot close.",
                errors={"replies": ["satisfied follow-up missing"]},
            )
        return
    if case.status == "rectification_ordered":
        order = case.rectification
        if order is None or order.rectified is not True:
            raise CloseWithoutVerification(
                "The rectification order has not been verified as done; the case cannot close.",
                errors={"rectification": ["verification missing"]},
            )
        return
    check_transition(case.status, "closed")  # not_accepted, referred: final statuses


def close(case: Case, *, actor: Actor, now: datetime, why: str = "") -> Step:
    """Close the case (结案) if :func:`check_can_close` allows; closing a closed case is a no-op."""
    now = _now(now)
    check_can_close(case)
    if case.status == "closed":
        return Step(case=case, events=())
    event = _event(case, "close", actor, now, why or "closed", to="closed")
    return _step(case, [event], status="closed", closed_at=now)


def _reopen_changes(case: Case, now: datetime, clocks: Clocks) -> dict[str, object]:
    return {
        "reopened_at": now,
        "round_started_at": now,
        "reopen_count": case.reopen_count + 1,
        "resolution_due": resolution_due(now, clocks),
        "resolved_at": None,
        "rectification": None,
    }


def reopen(
    case: Case, *, reason: str, actor: Actor, now: datetime, clocks: Clocks = DEFAULT_CLOCKS
) -> Step:
    """Reopen a closed case (重新处理) with a reason: a new 60-day round starts.

    Only a closed case can be reopened (``reopen_not_closed``): an open one is still being
    handled, and a resolved one is reopened by an unsatisfied :func:`follow_up`. The one
    extension stays used.
    """
    now = _now(now)
    if case.status != "closed":
        raise ReopenNotClosed(
            f"Only a closed case can be reopened; this one is {case.status!r} "
            f"({STATUS_LABELS[case.status]}).",
            errors={"status": [f"cannot reopen when {case.status}"]},
        )
    reason = _text(reason, "reason", ReasonRequired)
    changes = _reopen_changes(case, now, clocks)
    event = _event(
        case, "reopen", actor, now, reason, to="reopened", resolution_due=changes["resolution_due"]
    )
    return _step(case, [event], status="reopened", **changes)


def check_status_change(case: Case, new_status: str) -> None:
    """The guards for a bare status change (a device's synced ``status`` edit).

    The lifecycle table first (``illegal_transition``), then the rule that needs no more input:
    closing (:func:`check_can_close`). Steps that need input (an assignee, a reason, a deadline)
    should go through their own function.
    """
    check_transition(case.status, new_status)
    if new_status == case.status:
        return
    if new_status == "closed":
        check_can_close(case)
