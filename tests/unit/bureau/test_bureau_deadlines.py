"""The casework clocks: lawful defaults, stricter-only configuration, open deadlines, compliance."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bureau.cases import Complainant
from bureau.casework import ReplyDraft, extend, record_reply
from bureau.deadlines import (
    DEFAULT_CLOCKS,
    Clocks,
    acceptance_due,
    check_user_deadline,
    open_deadlines,
    owed_replies,
    reply_compliance,
    resolution_due,
)
from bureau.errors import InvalidInput
from tests.unit.bureau.case_builders import (
    LEADER,
    OFFICER,
    PHONE,
    T0,
    Clock,
    accept,
    case_in,
    finish,
    new_case,
    start,
)

DAY = timedelta(days=1)


def test_lawful_defaults():
    c = DEFAULT_CLOCKS
    assert (c.acceptance_days, c.resolution_days, c.max_extension_days) == (15, 60, 30)
    assert (c.progress_interval_days, c.follow_up_days, c.verification_days) == (30, 30, 7)
    assert acceptance_due(T0) == T0 + 15 * DAY
    assert resolution_due(T0) == T0 + 60 * DAY


@pytest.mark.parametrize(
    "override",
    [
        {"acceptance_days": 16},
        {"resolution_days": 61},
        {"max_extension_days": 31},
        {"acceptance_days": 0},
        {"follow_up_days": -1},
        {"soon_days": 1.5},
        {"progress_interval_days": True},
    ],
)
def test_clocks_may_be_stricter_never_looser_or_nonsense(override):
    with pytest.raises(InvalidInput) as caught:
        Clocks(**override)
    assert set(caught.value.errors) == set(override)


def test_stricter_clocks_are_used():
    clocks = Clocks(acceptance_days=7, resolution_days=30, reply_grace_hours=0)
    assert acceptance_due(T0, clocks) == T0 + 7 * DAY
    case = new_case(Clock(), clocks=clocks)
    assert case.acceptance_due == T0 + 7 * DAY


def test_a_user_deadline_in_the_past_or_now_is_refused():
    with pytest.raises(InvalidInput) as caught:
        check_user_deadline(T0, T0, "deadline")
    assert caught.value.code == "deadline_in_past"
    with pytest.raises(InvalidInput) as caught:
        check_user_deadline(T0 - DAY, T0, "deadline")
    assert caught.value.code == "deadline_in_past"
    assert check_user_deadline(T0 + DAY, T0, "deadline") == T0 + DAY
    with pytest.raises(InvalidInput) as caught:
        check_user_deadline(T0 + 2 * DAY, T0, "deadline", latest=T0 + DAY)
    assert caught.value.code == "deadline_beyond_limit"


def test_open_deadlines_through_a_case():
    clock = Clock()
    case = new_case(clock)
    assert open_deadlines(case) == {"acceptance": T0 + 15 * DAY}
    clock.advance(days=2)
    case = accept(case, clock)
    accepted = clock.now
    assert open_deadlines(case) == {
        "progress": accepted + 30 * DAY,
        "resolution": accepted + 60 * DAY,
    }
    clock.advance(days=10)
    case = record_reply(case, kind="progress", reply=PHONE, actor=OFFICER, now=clock.now).case
    assert open_deadlines(case)["progress"] == clock.now + 30 * DAY
    case = start(case, clock)
    clock.advance(days=40)
    case = record_reply(case, kind="progress", reply=PHONE, actor=OFFICER, now=clock.now).case
    assert "progress" not in open_deadlines(case)  # the next would fall after the deadline
    case = extend(case, days=30, approver=LEADER, reason="r", actor=OFFICER, now=clock.now).case
    assert open_deadlines(case)["resolution"] == accepted + 90 * DAY
    assert open_deadlines(case)["progress"] == clock.now + 30 * DAY
    clock.advance(days=1)
    case = finish(case, clock, result=None)
    assert open_deadlines(case) == {"result_reply": clock.now + timedelta(hours=24)}
    clock.advance(hours=5)
    case = record_reply(case, kind="result", reply=PHONE, actor=OFFICER, now=clock.now).case
    assert open_deadlines(case) == {"follow_up": clock.now + 30 * DAY}


def test_open_deadlines_for_a_rectification_order_and_missing_replies():
    clock = Clock()
    case = case_in("rectification_ordered", clock)
    assert open_deadlines(case) == {"verification": case.rectification.verification_due}
    bare = replace(new_case(Clock()), replies=())
    assert open_deadlines(bare)["receipt"] == T0 + timedelta(hours=24)
    accepted = replace(case_in("accepted", Clock()), replies=())
    assert open_deadlines(accepted)["acceptance_notice"] == T0 + 15 * DAY
    assert open_deadlines(case_in("closed", Clock())) == {}
    assert open_deadlines(case_in("referred", Clock())) == {}


def test_owed_replies():
    clock = Clock()
    assert owed_replies(new_case(clock)) == {
        "receipt",
        "acceptance_notice",
        "progress",
        "result",
        "follow_up",
    }
    letter = new_case(clock, channel="letter", complainant=Complainant(), receipt=None)
    assert owed_replies(letter) == {"result", "follow_up"}
    assert owed_replies(case_in("not_accepted", Clock())) == {"receipt", "acceptance_notice"}


def test_reply_compliance_on_time_case():
    clock = Clock()
    case = case_in("closed", clock)
    assert reply_compliance(case, clock.now) == {
        "receipt": "on_time",
        "acceptance_notice": "on_time",
        "progress": "not_owed",  # resolved within 30 days of acceptance
        "result": "on_time",
        "follow_up": "on_time",
    }


def test_reply_compliance_late_missing_and_pending():
    clock = Clock()
    case = new_case(clock)
    clock.advance(days=16)
    case = accept(case, clock)  # the notice comes with a late decision
    assert reply_compliance(case, clock.now)["acceptance_notice"] == "late"
    assert reply_compliance(case, clock.now)["progress"] == "pending"
    clock.advance(days=31)
    assert reply_compliance(case, clock.now)["progress"] == "missing"
    case = start(case, clock)
    case = record_reply(case, kind="progress", reply=PHONE, actor=OFFICER, now=clock.now).case
    assert reply_compliance(case, clock.now)["progress"] == "late"
    case = finish(case, clock, result=None)
    assert reply_compliance(case, clock.now)["result"] == "pending"
    assert reply_compliance(case, clock.now + 2 * DAY)["result"] == "missing"
    assert reply_compliance(case, clock.now)["follow_up"] == "pending"
    clock.advance(days=2)
    case = record_reply(
        case, kind="result", reply=ReplyDraft("letter", "结果"), actor=OFFICER, now=clock.now
    ).case
    assert reply_compliance(case, clock.now)["result"] == "late"
    assert reply_compliance(case, clock.now + 31 * DAY)["follow_up"] == "missing"
