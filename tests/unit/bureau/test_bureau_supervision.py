"""Supervision lists per station and officer, escalation grounds and leaders' decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bureau.cases import Complainant
from bureau.errors import InvalidInput
from bureau.supervision import (
    cases_for_leaders,
    due_items,
    escalation_grounds,
    record_escalation,
    supervision_lists,
)
from tests.unit.bureau.case_builders import (
    DESK,
    LEADER,
    OFFICER,
    T0,
    Clock,
    case_in,
    complainant,
    new_case,
)

DAY = timedelta(days=1)


def test_overdue_and_soon_per_station_and_officer():
    received = new_case(Clock(), case_id=1)  # acceptance due T0 + 15 d, first receiver DESK
    investigating = replace(case_in("investigating", Clock()), case_id=2)
    elsewhere = replace(investigating, case_id=3, station_id=8, assignee_id=55)
    cases = [received, investigating, elsewhere]

    now = T0 + 13 * DAY  # acceptance due in 2 days: soon
    lists = supervision_lists(cases, now)
    assert [(i.case_id, i.kind, i.state) for i in lists.soon] == [(1, "acceptance", "soon")]
    assert lists.overdue == ()
    assert lists.by_officer[DESK.user_id]["soon"]["acceptance"][0].delta == 2 * DAY
    assert lists.by_station[None]["soon"]["acceptance"][0].case_id == 1

    now = T0 + 16 * DAY
    lists = supervision_lists(cases, now)
    assert [(i.case_id, i.kind) for i in lists.overdue] == [(1, "acceptance")]
    assert lists.overdue[0].delta == DAY

    progress_due = investigating.round_started_at + 30 * DAY
    lists = supervision_lists(cases, progress_due - DAY)
    assert {(i.case_id, i.kind, i.state) for i in lists.soon} == {
        (2, "progress", "soon"),
        (3, "progress", "soon"),
    }
    assert list(lists.by_station[3]["soon"]) == ["progress"]
    assert lists.by_officer[55]["soon"]["progress"][0].station_id == 8
    assert lists.by_officer[OFFICER.user_id]["soon"]["progress"][0].case_id == 2


def test_the_soon_window_is_configurable_and_exact_deadlines_are_soon():
    case = new_case(Clock())
    due = T0 + 15 * DAY
    assert due_items([case], due)[0].state == "soon"
    assert due_items([case], due - 5 * DAY) == []
    assert due_items([case], due - 5 * DAY, soon=timedelta(days=5))[0].state == "soon"
    with pytest.raises(InvalidInput):
        due_items([case], due, soon=-DAY)


@pytest.mark.parametrize(
    ("changes", "grounds"),
    [
        ({}, ()),
        ({"important": True}, ("important",)),
        ({"bypass": True}, ("bypass",)),
        ({"complainant": complainant(headcount=5)}, ("collective",)),
        ({"complainant": complainant(headcount=4)}, ()),
        ({"important": True, "bypass": True}, ("important", "bypass")),
    ],
)
def test_escalation_grounds(changes, grounds):
    case = replace(new_case(Clock()), **changes)
    assert escalation_grounds(case, T0) == grounds
    late = escalation_grounds(case, T0 + 16 * DAY)
    assert late == ("overdue", *grounds)


def test_closed_and_final_cases_are_not_escalated():
    closed = replace(case_in("closed", Clock()), important=True)
    assert escalation_grounds(closed, T0 + 400 * DAY) == ()
    referred = replace(case_in("referred", Clock()), bypass=True)
    assert escalation_grounds(referred, T0) == ()


def test_a_leader_decision_is_recorded_and_takes_the_case_off_the_list():
    case = replace(new_case(Clock(), complainant=Complainant(headcount=12)), important=True)
    now = T0 + DAY
    assert cases_for_leaders([case], now) == [(case, ("important", "collective"))]
    step = record_escalation(case, leader=LEADER, decision="班子集体研究，局长牵头督办", now=now)
    decision = step.case.escalations[0]
    assert (decision.leader_id, decision.decided_at) == (LEADER.user_id, now)
    assert decision.grounds == ("important", "collective")
    assert step.events[0].action == "escalation" and step.events[0].why.startswith("班子")
    assert cases_for_leaders([step.case], now) == []
    later = T0 + 16 * DAY  # now also overdue: a new ground brings it back
    assert cases_for_leaders([step.case], later) == [
        (step.case, ("overdue", "important", "collective"))
    ]


def test_only_a_leader_records_a_decision_with_text():
    case = new_case(Clock())
    with pytest.raises(InvalidInput) as caught:
        record_escalation(case, leader=OFFICER, decision="同意", now=T0)
    assert caught.value.code == "leader_required"
    with pytest.raises(InvalidInput) as caught:
        record_escalation(case, leader=LEADER, decision=" ", now=T0)
    assert caught.value.code == "reason_required"
    with pytest.raises(InvalidInput):
        record_escalation(case, leader=LEADER, decision="x", now=T0, grounds=["loud"])
