"""Builders for casework tests: a clock the test moves, the usual actors, a case in any status.

Every rule gets ``now`` from :class:`Clock`; nothing in these tests reads the real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bureau.access import Actor
from bureau.cases import Case, Complainant, Step
from bureau.casework import (
    ReplyDraft,
    assign,
    check_status_change,
    classify,
    close,
    follow_up,
    intake,
    reopen,
    resolve,
    verify_rectification,
)

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

DESK = Actor(user_id=1, role="intake")
OFFICER = Actor(user_id=2, role="officer", station_id=3)
STATION_STAFF = Actor(user_id=4, role="station_staff", station_id=3)
LEADER = Actor(user_id=9, role="leader")
AUDITOR = Actor(user_id=10, role="auditor")
STATION = 3

PHONE = ReplyDraft("phone", "已电话告知")
SMS = ReplyDraft("sms", "短信告知")


@dataclass
class Clock:
    """The test's clock: starts at :data:`T0` and moves only when told."""

    now: datetime = field(default=T0)

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


def complainant(**overrides: object) -> Complainant:
    values: dict[str, object] = {"name": "王芳", "phone": "13800001111", "person_id": None}
    values.update(overrides)
    return Complainant(**values)  # type: ignore[arg-type]


def new_case(clock: Clock, **overrides: object) -> Case:
    values: dict[str, object] = {
        "case_id": 101,
        "number": "2024-320581-000101",
        "channel": "hotline_12369",
        "category": "odour",
        "description": "化工厂夜间排放异味",
        "complainant": complainant(),
        "received_at": clock.now,
        "receiver": DESK,
        "now": clock.now,
        "receipt": PHONE,
    }
    values.update(overrides)
    return intake(**values).case  # type: ignore[arg-type]


def accept(case: Case, clock: Clock) -> Case:
    return classify(
        case, classification="environmental", actor=DESK, now=clock.now, notice=PHONE
    ).case


def start(case: Case, clock: Clock) -> Case:
    return assign(
        case, station_id=STATION, assignee_id=OFFICER.user_id, actor=LEADER, now=clock.now
    ).case


def finish(case: Case, clock: Clock, *, result: ReplyDraft | None = PHONE) -> Case:
    return resolve(
        case,
        actor=OFFICER,
        now=clock.now,
        findings="企业已停产整改",
        result=result,
        enterprise_id=77,
    ).case


def satisfy(case: Case, clock: Clock) -> Case:
    return follow_up(case, outcome="satisfied", reply=PHONE, actor=OFFICER, now=clock.now).case


def order_rectification(case: Case, clock: Clock) -> Case:
    return follow_up(
        case,
        outcome="polluting_enterprise",
        reply=PHONE,
        actor=OFFICER,
        now=clock.now,
        rectification_deadline=clock.now + timedelta(days=20),
        requirement="加装活性炭吸附装置",
    ).case


def case_in(status: str, clock: Clock, **intake_overrides: object) -> Case:
    """A case brought to ``status`` by legal steps, a day apart on ``clock``."""
    case = new_case(clock, **intake_overrides)
    if status == "received":
        return case
    clock.advance(days=1)
    if status == "not_accepted":
        return classify(
            case,
            classification="not_acceptable",
            actor=DESK,
            now=clock.now,
            notice=PHONE,
            reason="无具体事实",
        ).case
    if status == "referred":
        return classify(
            case,
            classification="outside_remit",
            actor=DESK,
            now=clock.now,
            notice=PHONE,
            referred_to="县住建局",
            proper_channel="向县住建局反映",
        ).case
    case = accept(case, clock)
    if status == "accepted":
        return case
    clock.advance(days=1)
    case = start(case, clock)
    if status == "investigating":
        return case
    clock.advance(days=1)
    case = finish(case, clock)
    if status == "resolved":
        return case
    clock.advance(days=1)
    if status == "rectification_ordered":
        return order_rectification(case, clock)
    case = satisfy(case, clock)
    if status == "closed":
        return case
    clock.advance(days=1)
    assert status == "reopened", status
    return reopen(case, reason="异味再次出现", actor=LEADER, now=clock.now).case


def attempt(case: Case, to: str, clock: Clock) -> Step:
    """The natural step towards ``to`` from wherever ``case`` is, with complete valid input."""
    now = clock.now
    if to in ("accepted", "not_accepted", "referred"):
        kind = {"accepted": "environmental", "not_accepted": "not_acceptable"}.get(
            to, "outside_remit"
        )
        return classify(
            case,
            classification=kind,
            actor=DESK,
            now=now,
            notice=PHONE,
            reason="理由",
            referred_to="县住建局",
            proper_channel="向县住建局反映",
        )
    if to == "investigating":
        if case.status == "rectification_ordered":
            return verify_rectification(
                case, rectified=False, findings="仍有异味", actor=OFFICER, now=now
            )
        return assign(case, station_id=STATION, assignee_id=OFFICER.user_id, actor=LEADER, now=now)
    if to == "resolved":
        return resolve(case, actor=OFFICER, now=now, findings="已查处", result=PHONE)
    if to == "closed":
        if case.status == "resolved":
            return follow_up(case, outcome="satisfied", reply=PHONE, actor=OFFICER, now=now)
        if case.status == "rectification_ordered":
            return verify_rectification(
                case, rectified=True, findings="已整改到位", actor=OFFICER, now=now
            )
        return close(case, actor=OFFICER, now=now)
    if to == "reopened":
        if case.status == "resolved":
            return follow_up(
                case, outcome="unsatisfied", reply=PHONE, actor=OFFICER, now=now, reason="仍有异味"
            )
        return reopen(case, reason="仍有异味", actor=LEADER, now=now)
    if to == "rectification_ordered":
        return follow_up(
            case,
            outcome="polluting_enterprise",
            reply=PHONE,
            actor=OFFICER,
            now=now,
            enterprise_id=77,
            rectification_deadline=now + timedelta(days=20),
            requirement="加装治理设施",
        )
    assert to == "received", to  # no step leads back to received: only a bare status change
    check_status_change(case, to)
    raise AssertionError("check_status_change allowed a move back to received")
