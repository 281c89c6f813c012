"""The casework engine: every legal and illegal move of the lifecycle, on a clock the test holds."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bureau.access import Actor
from bureau.cases import Complainant
from bureau.casework import (
    ReplyDraft,
    assign,
    case_number,
    check_can_close,
    check_status_change,
    classify,
    close,
    extend,
    follow_up,
    intake,
    record_reply,
    reopen,
    resolve,
    verify_rectification,
)
from bureau.deadlines import Clocks
from bureau.errors import Conflict, DomainError, InvalidInput
from bureau.lifecycle import STATUSES, TRANSITIONS, IllegalTransition
from tests.unit.bureau.case_builders import (
    DESK,
    LEADER,
    OFFICER,
    PHONE,
    STATION,
    T0,
    Clock,
    accept,
    attempt,
    case_in,
    complainant,
    finish,
    new_case,
    satisfy,
    start,
)

DAY = timedelta(days=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


# --- every transition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new"), [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]
)
def test_every_move_is_allowed_exactly_when_the_table_allows_it(current, new, clock):
    case = case_in(current, clock)
    clock.advance(days=1)
    before = case
    if new in TRANSITIONS[current]:
        step = attempt(case, new, clock)
        assert step.case.status == new
        moves = [(e.status_before, e.status_after) for e in step.events if e.status_after]
        assert moves == [(current, new)]
        assert all(e.at == clock.now and e.case_id == case.case_id for e in step.events)
        assert step.case.events == case.events + step.events
    else:
        with pytest.raises(DomainError) as caught:
            attempt(case, new, clock)
        assert caught.value.status in (409, 422)
        assert caught.value.code != "domain_error"
    assert case == before  # a refused or accepted step never changes the snapshot it was given


@pytest.mark.parametrize("current", STATUSES)
def test_a_bare_status_change_follows_the_table(current, clock):
    case = case_in(current, clock)
    for new in STATUSES:
        if new == current:
            check_status_change(case, new)
        elif new not in TRANSITIONS[current]:
            with pytest.raises(IllegalTransition):
                check_status_change(case, new)


def test_a_whole_case_with_a_reopen_and_a_rectification_order(clock):
    case = new_case(clock)
    clock.advance(days=3)
    case = accept(case, clock)
    clock.advance(days=1)
    case = start(case, clock)
    clock.advance(days=20)
    case = record_reply(
        case, kind="progress", reply=ReplyDraft("sms", "正在监测"), actor=OFFICER, now=clock.now
    ).case
    clock.advance(days=10)
    case = finish(case, clock)
    clock.advance(days=5)
    case = follow_up(
        case, outcome="unsatisfied", reply=PHONE, actor=OFFICER, now=clock.now, reason="夜间仍有"
    ).case
    assert case.status == "reopened" and case.reopen_count == 1
    assert case.resolution_due == clock.now + timedelta(days=60)
    case = start(case, clock)
    clock.advance(days=7)
    case = finish(case, clock)
    clock.advance(days=2)
    deadline = clock.now + timedelta(days=30)
    case = follow_up(
        case,
        outcome="polluting_enterprise",
        reply=PHONE,
        actor=OFFICER,
        now=clock.now,
        rectification_deadline=deadline,
        requirement="更换废气处理设施",
    ).case
    assert case.status == "rectification_ordered"
    assert case.rectification.enterprise_id == 77
    assert case.rectification.verification_due == deadline + timedelta(days=7)
    clock.advance(days=35)
    case = verify_rectification(
        case, rectified=True, findings="设施运行正常", actor=OFFICER, now=clock.now
    ).case
    assert case.status == "closed" and case.closed_at == clock.now
    statuses = [e.status_after for e in case.events if e.status_after]
    assert statuses == [
        "received",
        "accepted",
        "investigating",
        "resolved",
        "reopened",
        "investigating",
        "resolved",
        "rectification_ordered",
        "closed",
    ]
    kinds = [r.kind for r in case.replies]
    assert kinds[:3] == ["receipt", "acceptance_notice", "progress"]
    assert kinds.count("follow_up") == 2


# --- intake --------------------------------------------------------------------------------------


def test_intake_gives_a_case_number_a_receipt_and_the_first_receiver(clock):
    step = intake(
        case_id=7,
        number=case_number(2024, "320581", 7),
        channel="来信",
        category="噪声",
        description="夜间施工噪声",
        complainant=complainant(),
        received_at=clock.now - timedelta(hours=3),
        receiver=DESK,
        now=clock.now,
        receipt=ReplyDraft("letter"),
    )
    case = step.case
    assert case.number == "2024-320581-000007"
    assert (case.channel, case.category, case.status) == ("letter", "noise", "received")
    assert case.received_by == DESK.user_id and case.accountable_id == DESK.user_id
    assert case.acceptance_due == clock.now - timedelta(hours=3) + timedelta(days=15)
    assert [e.action for e in step.events] == ["intake", "reply"]
    assert step.events[0].details["first_receiver"] == DESK.user_id
    receipt = case.replies[0]
    assert (receipt.kind, receipt.method, receipt.by) == ("receipt", "letter", DESK.user_id)
    assert "2024-320581-000007" in receipt.text


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        ("hotline_12369", "hotline_12369"),
        ("letter", "letter"),
        ("visit", "visit"),
        ("walk_in", "visit"),
        ("来访", "visit"),
        ("online", "online"),
        ("outreach", "outreach"),
        ("referral", "referral"),
    ],
)
def test_intake_from_every_channel(channel, code, clock):
    assert new_case(clock, channel=channel).channel == code


def test_intake_from_a_field_device_and_unknown_sources(clock):
    assert new_case(clock, source="device").source == "device"
    with pytest.raises(InvalidInput):
        new_case(clock, source="fax")
    with pytest.raises(InvalidInput):
        new_case(clock, channel="telegram")


def test_anonymous_complaints_are_allowed(clock):
    anonymous_caller = Complainant(phone="13900002222")
    case = new_case(clock, complainant=anonymous_caller)
    assert case.complainant.anonymous and case.replies[0].kind == "receipt"
    letter = Complainant()
    case = new_case(clock, channel="letter", complainant=letter, receipt=None)
    assert case.complainant.anonymous and not case.complainant.contactable
    assert case.replies == ()


def test_intake_refuses_a_receipt_without_a_channel_for_a_reachable_complainant(clock):
    for receipt in (None, ReplyDraft(None, "编号"), ReplyDraft("  ")):
        with pytest.raises(InvalidInput) as caught:
            new_case(clock, receipt=receipt)
        assert caught.value.code == "reply_without_channel"


def test_intake_refuses_a_future_receipt_time_and_bad_fields(clock):
    with pytest.raises(InvalidInput) as caught:
        new_case(clock, received_at=clock.now + timedelta(minutes=5))
    assert caught.value.code == "time_in_future"
    with pytest.raises(InvalidInput):
        new_case(clock, received_at=datetime(2024, 3, 1))  # no time zone
    with pytest.raises(InvalidInput):
        new_case(clock, description="  ")
    with pytest.raises(InvalidInput):
        new_case(clock, complainant=Complainant(headcount=0))


def test_collective_and_bypass_complaints_are_marked(clock):
    case = new_case(clock, complainant=complainant(headcount=5), bypass=True)
    assert case.collective and case.bypass
    assert not new_case(clock, complainant=complainant(headcount=4)).collective


def test_case_numbers():
    assert case_number(2024, "320581", 1) == "2024-320581-000001"
    assert case_number(2024, "320581", 123456, station_code="S03") == "2024-320581-S03-123456"
    for bad in (
        {"year": 1999},
        {"county_code": ""},
        {"county_code": "32-05"},
        {"sequence": 0},
        {"sequence": 1_000_000},
        {"sequence": True},
    ):
        args = {"year": 2024, "county_code": "320581", "sequence": 5} | bad
        with pytest.raises(InvalidInput):
            case_number(**args)
    with pytest.raises(InvalidInput):
        case_number(2024, "320581", 5, station_code="站")


# --- classification ------------------------------------------------------------------------------


def test_acceptance_starts_the_60_day_clock_and_tells_the_complainant(clock):
    case = new_case(clock)
    clock.advance(days=10)
    step = classify(case, classification="petition", actor=DESK, now=clock.now, notice=PHONE)
    assert step.case.status == "accepted" and step.case.classification == "petition"
    assert step.case.resolution_due == T0 + timedelta(days=70)
    assert step.case.replies[-1].kind == "acceptance_notice"
    assert step.events[0].details["late"] is False


def test_acceptance_after_15_days_is_recorded_as_late(clock):
    case = new_case(clock)
    clock.advance(days=15, seconds=1)
    step = classify(case, classification="environmental", actor=DESK, now=clock.now, notice=PHONE)
    assert step.events[0].details["late"] is True


def test_not_accepted_and_referred_need_their_reason_and_proper_channel(clock):
    case = new_case(clock)
    with pytest.raises(InvalidInput) as caught:
        classify(case, classification="not_acceptable", actor=DESK, now=clock.now, notice=PHONE)
    assert caught.value.code == "reason_required"
    with pytest.raises(InvalidInput) as caught:
        classify(
            case, classification="review_or_litigation", actor=DESK, now=clock.now, notice=PHONE
        )
    assert caught.value.code == "proper_channel_required"
    with pytest.raises(InvalidInput) as caught:
        classify(
            case,
            classification="outside_remit",
            actor=DESK,
            now=clock.now,
            notice=PHONE,
            proper_channel="向住建局反映",
        )
    assert caught.value.code == "proper_channel_required"
    step = classify(
        case,
        classification="review_or_litigation",
        actor=DESK,
        now=clock.now,
        notice=ReplyDraft("letter", "请依法申请行政复议"),
        proper_channel="行政复议",
    )
    assert step.case.status == "not_accepted"
    assert step.events[0].details["proper_channel"] == "行政复议"
    referred = case_in("referred", Clock())
    assert referred.referred_to == "县住建局"


def test_classification_needs_a_notice_with_a_channel(clock):
    case = new_case(clock)
    with pytest.raises(InvalidInput) as caught:
        classify(case, classification="environmental", actor=DESK, now=clock.now, notice=None)
    assert caught.value.code == "reply_without_channel"


def test_a_case_is_classified_once(clock):
    case = case_in("accepted", clock)
    with pytest.raises(IllegalTransition):
        classify(case, classification="environmental", actor=DESK, now=clock.now, notice=PHONE)


# --- assignment ----------------------------------------------------------------------------------


def test_assignment_hands_accountability_to_the_assignee(clock):
    case = case_in("accepted", clock)
    assert case.accountable_id == DESK.user_id
    step = assign(
        case, station_id=STATION, assignee_id=OFFICER.user_id, actor=LEADER, now=clock.now
    )
    assert step.case.status == "investigating"
    assert step.case.accountable_id == OFFICER.user_id
    assert step.events[0].details["accountable_before"] == DESK.user_id
    again = assign(step.case, station_id=5, assignee_id=42, actor=LEADER, now=clock.now)
    assert again.case.assignee_id == 42 and again.case.status == "investigating"
    assert again.events[0].status_after is None  # a reassignment moves no status


def test_an_assignment_deadline_may_shorten_but_not_lengthen_or_lie_in_the_past(clock):
    case = case_in("accepted", clock)
    lawful = case.resolution_due
    shorter = clock.now + timedelta(days=20)
    step = assign(
        case, station_id=STATION, assignee_id=2, actor=LEADER, now=clock.now, deadline=shorter
    )
    assert step.case.resolution_due == shorter
    for past in (clock.now, clock.now - timedelta(seconds=1), T0 - DAY):
        with pytest.raises(InvalidInput) as caught:
            assign(
                case, station_id=STATION, assignee_id=2, actor=LEADER, now=clock.now, deadline=past
            )
        assert caught.value.code == "deadline_in_past"
    with pytest.raises(InvalidInput) as caught:
        assign(
            case,
            station_id=STATION,
            assignee_id=2,
            actor=LEADER,
            now=clock.now,
            deadline=lawful + timedelta(seconds=1),
        )
    assert caught.value.code == "deadline_beyond_limit"


def test_an_assignment_names_station_and_officer(clock):
    case = case_in("accepted", clock)
    with pytest.raises(InvalidInput) as caught:
        assign(case, station_id=None, assignee_id=2, actor=LEADER, now=clock.now)
    assert caught.value.code == "assignment_incomplete"
    assert "station_id" in caught.value.errors


# --- extension -----------------------------------------------------------------------------------


def test_one_extension_of_at_most_30_days_with_a_leader_approving(clock):
    case = case_in("investigating", clock)
    due = case.resolution_due
    clock.advance(days=50)
    step = extend(
        case, days=30, approver=LEADER, reason="需监测一个周期", actor=OFFICER, now=clock.now
    )
    assert step.case.resolution_due == due + timedelta(days=30)
    assert step.case.extension.approver_id == LEADER.user_id
    assert step.case.extension.previous_due == due
    assert step.events[0].action == "extension" and step.events[0].details["days"] == 30
    with pytest.raises(Conflict) as caught:
        extend(step.case, days=1, approver=LEADER, reason="再延", actor=OFFICER, now=clock.now)
    assert caught.value.code == "extension_already_used" and caught.value.status == 409


@pytest.mark.parametrize("days", [0, 31, -1, 2.5, True])
def test_an_extension_of_a_wrong_length_is_refused(days, clock):
    case = case_in("investigating", clock)
    with pytest.raises(InvalidInput) as caught:
        extend(case, days=days, approver=LEADER, reason="r", actor=OFFICER, now=clock.now)
    assert caught.value.code == "extension_too_long"


def test_a_county_may_allow_a_shorter_extension(clock):
    case = case_in("investigating", clock)
    with pytest.raises(InvalidInput):
        extend(
            case,
            days=20,
            approver=LEADER,
            reason="r",
            actor=OFFICER,
            now=clock.now,
            clocks=Clocks(max_extension_days=15),
        )


def test_an_extension_needs_a_leader_who_is_not_the_assignee_and_a_reason(clock):
    case = case_in("investigating", clock)
    for approver in (None, OFFICER, Actor(user_id=OFFICER.user_id, role="leader")):
        with pytest.raises(InvalidInput) as caught:
            extend(case, days=10, approver=approver, reason="r", actor=OFFICER, now=clock.now)
        assert caught.value.code == "approver_required"
    with pytest.raises(InvalidInput) as caught:
        extend(case, days=10, approver=LEADER, reason=" ", actor=OFFICER, now=clock.now)
    assert caught.value.code == "reason_required"


def test_an_extension_comes_before_the_deadline_runs_out(clock):
    case = case_in("investigating", clock)
    clock.now = case.resolution_due
    extend(case, days=10, approver=LEADER, reason="r", actor=OFFICER, now=clock.now)
    clock.advance(seconds=1)
    with pytest.raises(Conflict) as caught:
        extend(case, days=10, approver=LEADER, reason="r", actor=OFFICER, now=clock.now)
    assert caught.value.code == "extension_after_deadline"


@pytest.mark.parametrize(
    "status", sorted(set(STATUSES) - {"accepted", "investigating", "reopened"})
)
def test_only_a_case_being_handled_can_be_extended(status, clock):
    case = case_in(status, clock)
    with pytest.raises(Conflict) as caught:
        extend(case, days=10, approver=LEADER, reason="r", actor=OFFICER, now=clock.now)
    assert caught.value.code == "case_not_open"


def test_the_extension_stays_used_after_a_reopening(clock):
    case = case_in("investigating", clock)
    case = extend(case, days=5, approver=LEADER, reason="r", actor=OFFICER, now=clock.now).case
    case = satisfy(finish(case, clock), clock)
    case = reopen(case, reason="反弹", actor=LEADER, now=clock.now).case
    with pytest.raises(Conflict, match="only once"):
        extend(case, days=5, approver=LEADER, reason="r", actor=OFFICER, now=clock.now)


# --- replies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("draft", [None, ReplyDraft(None, "告知"), ReplyDraft("", "告知")])
@pytest.mark.parametrize("kind", ["progress", "result"])
def test_a_reply_without_a_channel_is_refused(kind, draft, clock):
    case = case_in("investigating" if kind == "progress" else "resolved", clock)
    with pytest.raises(InvalidInput) as caught:
        record_reply(case, kind=kind, reply=draft, actor=OFFICER, now=clock.now)
    assert caught.value.code == "reply_without_channel"
    assert caught.value.status == 422


def test_a_reply_records_who_when_how_and_what(clock):
    case = case_in("investigating", clock)
    at = clock.now - timedelta(hours=2)
    step = record_reply(
        case,
        kind="progress",
        reply=ReplyDraft("短信", "已采样送检", at=at),
        actor=OFFICER,
        now=clock.now,
    )
    reply = step.case.replies[-1]
    assert (reply.kind, reply.method, reply.text, reply.by, reply.at) == (
        "progress",
        "sms",
        "已采样送检",
        OFFICER.user_id,
        at,
    )
    event = step.events[0]
    assert (event.action, event.actor_id, event.at) == ("reply", OFFICER.user_id, at)
    assert event.details["method"] == "sms"


def test_a_reply_is_refused_with_an_unknown_method_no_text_or_a_future_time(clock):
    case = case_in("investigating", clock)
    with pytest.raises(InvalidInput) as caught:
        record_reply(
            case, kind="progress", reply=ReplyDraft("pigeon", "x"), actor=OFFICER, now=clock.now
        )
    assert caught.value.code == "invalid_input"
    with pytest.raises(InvalidInput):
        record_reply(
            case, kind="progress", reply=ReplyDraft("sms", " "), actor=OFFICER, now=clock.now
        )
    with pytest.raises(InvalidInput) as caught:
        record_reply(
            case,
            kind="progress",
            reply=ReplyDraft("sms", "x", at=clock.now + DAY),
            actor=OFFICER,
            now=clock.now,
        )
    assert caught.value.code == "time_in_future"


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("result", "investigating"),
        ("result", "closed"),
        ("progress", "received"),
        ("progress", "resolved"),
        ("acceptance_notice", "received"),
        ("follow_up", "resolved"),
        ("note", "investigating"),
    ],
)
def test_a_reply_that_does_not_fit_the_status_is_refused(kind, status, clock):
    case = case_in(status, clock)
    with pytest.raises(Conflict) as caught:
        record_reply(case, kind=kind, reply=PHONE, actor=OFFICER, now=clock.now)
    assert caught.value.code == "reply_not_due"


def test_replies_are_append_only(clock):
    case = case_in("investigating", clock)
    first = record_reply(case, kind="progress", reply=SMS_DRAFT, actor=OFFICER, now=clock.now).case
    second = record_reply(
        first, kind="progress", reply=SMS_DRAFT, actor=OFFICER, now=clock.now
    ).case
    assert second.replies[: len(first.replies)] == first.replies
    assert second.events[: len(first.events)] == first.events


SMS_DRAFT = ReplyDraft("sms", "进展")


# --- resolution, follow-up, closing, reopening ----------------------------------------------------


def test_closing_without_a_result_reply_is_refused(clock):
    case = finish(case_in("investigating", clock), clock, result=None)
    assert case.status == "resolved"
    with pytest.raises(Conflict) as caught:
        close(case, actor=OFFICER, now=clock.now)
    assert caught.value.code == "close_without_result_reply" and caught.value.status == 409
    with pytest.raises(Conflict) as caught:
        check_status_change(case, "closed")
    assert caught.value.code == "close_without_result_reply"
    with pytest.raises(Conflict) as caught:
        follow_up(case, outcome="satisfied", reply=PHONE, actor=OFFICER, now=clock.now)
    assert caught.value.code == "follow_up_before_result"


@pytest.mark.parametrize("status", ["received", "accepted", "investigating", "reopened"])
def test_closing_an_open_case_is_closing_without_a_result_reply(status, clock):
    with pytest.raises(Conflict) as caught:
        close(case_in(status, clock), actor=OFFICER, now=clock.now)
    assert caught.value.code == "close_without_result_reply"


def test_closing_needs_a_satisfied_follow_up_after_the_result(clock):
    case = case_in("resolved", clock)
    with pytest.raises(Conflict) as caught:
        close(case, actor=OFFICER, now=clock.now)
    assert caught.value.code == "close_without_follow_up"
    # a follow-up synced as a bare reply, then a status change: the server's sync path
    visit = replace(case.replies[-1], kind="follow_up", satisfied=True, at=clock.now)
    synced = replace(case, replies=case.replies + (visit,))
    check_can_close(synced)
    step = close(synced, actor=OFFICER, now=clock.now, why="回访满意")
    assert step.case.status == "closed" and step.events[0].why == "回访满意"
    unsatisfied = replace(case, replies=case.replies + (replace(visit, satisfied=False),))
    with pytest.raises(Conflict, match="satisfied"):
        close(unsatisfied, actor=OFFICER, now=clock.now)


def test_a_rectification_order_closes_only_after_verification(clock):
    case = case_in("rectification_ordered", clock)
    with pytest.raises(Conflict) as caught:
        close(case, actor=OFFICER, now=clock.now)
    assert caught.value.code == "close_without_verification"
    failed = verify_rectification(
        case, rectified=False, findings="未整改", actor=OFFICER, now=clock.now
    ).case
    assert failed.status == "investigating"
    assert failed.resolution_due == clock.now + timedelta(days=60)
    assert failed.rectification.rectified is False


def test_closing_a_closed_case_is_a_no_op_and_final_statuses_cannot_close(clock):
    case = case_in("closed", clock)
    assert close(case, actor=OFFICER, now=clock.now).events == ()
    with pytest.raises(IllegalTransition):
        close(case_in("referred", Clock()), actor=OFFICER, now=clock.now)


@pytest.mark.parametrize("status", sorted(set(STATUSES) - {"closed"}))
def test_reopening_a_case_that_is_not_closed_is_refused(status, clock):
    case = case_in(status, clock)
    with pytest.raises(Conflict) as caught:
        reopen(case, reason="再次投诉", actor=LEADER, now=clock.now)
    assert caught.value.code == "reopen_not_closed" and caught.value.status == 409


def test_reopening_a_closed_case_needs_a_reason_and_starts_a_new_round(clock):
    case = case_in("closed", clock)
    with pytest.raises(InvalidInput) as caught:
        reopen(case, reason="", actor=LEADER, now=clock.now)
    assert caught.value.code == "reason_required"
    clock.advance(days=40)
    step = reopen(case, reason="反弹", actor=LEADER, now=clock.now)
    assert step.case.status == "reopened" and step.case.reopen_count == 1
    assert step.case.resolution_due == clock.now + timedelta(days=60)
    assert step.case.closed_at == case.closed_at  # last closing kept for rebound flags
    assert step.events[0].why == "反弹"


def test_follow_up_outcomes_need_their_details(clock):
    case = case_in("resolved", clock)
    with pytest.raises(InvalidInput) as caught:
        follow_up(case, outcome="unsatisfied", reply=PHONE, actor=OFFICER, now=clock.now)
    assert caught.value.code == "reason_required"
    with pytest.raises(InvalidInput) as caught:
        follow_up(case, outcome="satisfied", reply=ReplyDraft(None), actor=OFFICER, now=clock.now)
    assert caught.value.code == "reply_without_channel"
    no_enterprise = replace(case, enterprise_id=None)
    with pytest.raises(InvalidInput) as caught:
        follow_up(
            no_enterprise,
            outcome="polluting_enterprise",
            reply=PHONE,
            actor=OFFICER,
            now=clock.now,
            rectification_deadline=clock.now + DAY,
            requirement="r",
        )
    assert caught.value.code == "enterprise_required"
    for past in (clock.now, clock.now - DAY):
        with pytest.raises(InvalidInput) as caught:
            follow_up(
                case,
                outcome="polluting_enterprise",
                reply=PHONE,
                actor=OFFICER,
                now=clock.now,
                rectification_deadline=past,
                requirement="r",
            )
        assert caught.value.code == "deadline_in_past"
    with pytest.raises(InvalidInput):
        follow_up(
            case,
            outcome="polluting_enterprise",
            reply=PHONE,
            actor=OFFICER,
            now=clock.now,
            requirement="r",
        )
    with pytest.raises(InvalidInput):
        follow_up(case, outcome="maybe", reply=PHONE, actor=OFFICER, now=clock.now)


def test_resolution_needs_findings_and_records_lateness(clock):
    case = case_in("investigating", clock)
    with pytest.raises(InvalidInput) as caught:
        resolve(case, actor=OFFICER, now=clock.now, findings="")
    assert caught.value.code == "reason_required"
    clock.now = case.resolution_due + timedelta(seconds=1)
    step = resolve(case, actor=OFFICER, now=clock.now, findings="已查处")
    assert step.events[0].details["late"] is True
    assert step.case.replies == case.replies  # the result reply may follow later


def test_an_uncontactable_complaint_still_closes_with_a_posted_result(clock):
    case = case_in(
        "investigating", clock, channel="letter", complainant=Complainant(), receipt=None
    )
    case = resolve(
        case,
        actor=OFFICER,
        now=clock.now,
        findings="已查处",
        result=ReplyDraft("notice", "张贴公示"),
    ).case
    step = follow_up(
        case,
        outcome="satisfied",
        reply=ReplyDraft("in_person", "走访周边群众"),
        actor=OFFICER,
        now=clock.now,
    )
    assert step.case.status == "closed"


def test_rules_refuse_a_clock_without_a_time_zone(clock):
    case = case_in("closed", clock)
    with pytest.raises(InvalidInput):
        reopen(case, reason="r", actor=LEADER, now=datetime(2024, 5, 1))
    assert reopen(case, reason="r", actor=LEADER, now=datetime(2024, 5, 1, tzinfo=UTC)).case


def test_casework_rules_never_read_the_clock():
    from pathlib import Path

    import bureau

    root = Path(bureau.__file__).parent
    modules = (
        "cases",
        "casework",
        "deadlines",
        "supervision",
        "repeat_complainants",
        "case_stats",
        "complainant_privacy",
        "case_errors",
    )
    for name in modules:
        source = (root / f"{name}.py").read_text(encoding="utf-8")
        for call in ("datetime.now", "utcnow", "time.time(", "date.today"):
            assert call not in source, f"{name} calls {call}"


def test_a_result_reply_dated_before_the_resolution_is_refused(clock):
    resolved = finish(start(accept(new_case(clock), clock), clock), clock, result=None)
    early = ReplyDraft("phone", "已告知结果", at=resolved.resolved_at - timedelta(minutes=30))
    with pytest.raises(Conflict) as caught:
        record_reply(resolved, kind="result", reply=early, actor=OFFICER, now=clock.now)
    assert caught.value.code == "reply_not_due"
    assert caught.value.errors == {"at": ["before the resolution"]}
