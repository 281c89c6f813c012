"""The demo casework: deterministic scripts that the real casework rules accept, showing every
scenario the demo promises, with times, places and people that make sense."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from shapely.geometry import Point

from bureau.access import Action, Actor, allowed
from bureau.case_stats import COUNTY_DESK, case_statistics
from bureau.cases import Case
from bureau.casework import case_number
from bureau.deadlines import open_deadlines, reply_compliance
from bureau.vocabulary import CHANNELS, COMPLAINT_CATEGORIES, REPLY_KINDS
from demo.cases import (
    AS_OF_TIME,
    DEMO_STEPS,
    WINDOW_START,
    DemoCase,
    DemoStep,
    apply_demo_step,
    demo_cases,
    intake_step,
)
from demo.county import DEFAULT_SEED, DemoCounty, build_demo_county

# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Numbering:
    """Ids as a server would hand them out: users, stations and enterprises numbered from 1."""

    actors: dict[str, Actor]
    station_ids: dict[str | None, int | None]
    enterprise_ids: dict[str, int]

    @classmethod
    def of(cls, county: DemoCounty) -> Numbering:
        station_ids: dict[str | None, int | None] = {
            s.code: i for i, s in enumerate(county.stations, start=1)
        }
        station_ids[None] = None
        actors = {
            u.username: Actor(user_id=i, role=u.role, station_id=station_ids[u.station_code])
            for i, u in enumerate(county.users, start=1)
        }
        enterprise_ids = {e.credit_code: i for i, e in enumerate(county.enterprises, start=1)}
        return cls(actors, station_ids, enterprise_ids)


@dataclass(frozen=True)
class Replayed:
    demo: DemoCase
    case: Case


def replay(county: DemoCounty, cases: tuple[DemoCase, ...]) -> list[Replayed]:
    """Every script through the real rules, checking on the way that whoever acts may handle
    the case's station (as the server's API would) and that each step moved the case."""
    ids = Numbering.of(county)
    out = []
    for n, demo in enumerate(cases, start=1):
        receiver = ids.actors[demo.received_by]
        assert allowed(
            receiver, Action.HANDLE_CASES, station_id=ids.station_ids[demo.station_code]
        ), demo.key
        case = intake_step(
            demo,
            case_id=n,
            number=case_number(demo.received_at.year, "320481", n),
            actors=ids.actors,
            station_ids=ids.station_ids,
        ).case
        for step in demo.steps:
            actor = ids.actors[step.by]
            action = Action.DECIDE_ESCALATIONS if step.do == "escalate" else Action.HANDLE_CASES
            assert allowed(actor, action, station_id=case.station_id), (demo.key, step)
            enterprise = step.args.get("enterprise")
            result = apply_demo_step(
                case,
                step,
                actors=ids.actors,
                station_ids=ids.station_ids,
                enterprise_id=ids.enterprise_ids[enterprise] if enterprise else None,
            )
            assert result.events, (demo.key, step)
            case = result.case
        out.append(Replayed(demo, case))
    return out


@pytest.fixture(scope="module")
def cases(demo: DemoCounty) -> tuple[DemoCase, ...]:
    return demo_cases(demo)


@pytest.fixture(scope="module")
def replayed(demo: DemoCounty, cases: tuple[DemoCase, ...]) -> list[Replayed]:
    return replay(demo, cases)


def at_least_several(count: int) -> bool:
    return count >= 2


# --------------------------------------------------------------------------- determinism


def test_same_county_and_seed_give_equal_cases(demo: DemoCounty, cases):
    assert demo_cases(demo) == cases
    assert demo_cases(build_demo_county(), DEFAULT_SEED) == cases
    assert [c.key for c in cases] == [f"DEMO-{i:03d}" for i in range(1, len(cases) + 1)]


def test_another_seed_gives_other_cases(demo: DemoCounty, cases):
    assert demo_cases(demo, seed=7) != cases
    assert demo_cases(build_demo_county(7), seed=7) != cases


def test_determinism_does_not_depend_on_hash_randomization():
    script = (
        "from demo.county import build_demo_county; "
        "from demo.cases import demo_cases; "
        "print(repr(demo_cases(build_demo_county())))"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", script], check=True, env=env, capture_output=True, text=True
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_about_ninety_cases(cases):
    assert 80 <= len(cases) <= 100


# --------------------------------------------------------------------------- the rules accept them


def test_every_script_replays_to_its_expected_status(replayed):
    wrong = [
        (r.demo.key, r.demo.scenario, r.case.status)
        for r in replayed
        if r.case.status != r.demo.expected_status
    ]
    assert not wrong


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scripts_of_other_seeds_replay_too(seed: int):
    county = build_demo_county(seed)
    for r in replay(county, demo_cases(county, seed)):
        assert r.case.status == r.demo.expected_status, r.demo.key
        check_times(r.demo)


def test_a_rectification_needs_the_enterprise_from_the_caller_or_the_script(demo, cases):
    ids = Numbering.of(demo)
    ordered = next(c for c in cases if c.scenario == "rectification_awaiting")
    case = intake_step(
        ordered, case_id=1, number="N-1", actors=ids.actors, station_ids=ids.station_ids
    ).case
    for step in ordered.steps:
        named = dict(step.args)
        if step.do == "follow_up" and named["outcome"] == "polluting_enterprise":
            named["enterprise_id"] = 4242
            step = DemoStep(step.do, step.at, step.by, named)
        case = apply_demo_step(
            case, step, actors=ids.actors, station_ids=ids.station_ids, enterprise_id=1
        ).case
    assert case.rectification is not None and case.rectification.enterprise_id == 4242


def test_a_step_the_replayer_does_not_know_is_refused():
    with pytest.raises(ValueError, match="unknown demo step"):
        DemoStep("approve", AS_OF_TIME, "leader", {})


def test_args_are_plain_json(cases):
    for demo in cases:
        if demo.receipt is not None:
            assert json.loads(json.dumps(dict(demo.receipt))) == dict(demo.receipt)
        for step in demo.steps:
            assert step.do in DEMO_STEPS
            assert json.loads(json.dumps(dict(step.args))) == dict(step.args)


# --------------------------------------------------------------------------- scenarios


def test_every_status_and_scenario_occurs_several_times(replayed):
    statuses = Counter(r.case.status for r in replayed)
    for status in (
        "received",
        "accepted",
        "not_accepted",
        "referred",
        "investigating",
        "resolved",
        "closed",
        "reopened",
        "rectification_ordered",
    ):
        assert at_least_several(statuses[status]), status


def test_closed_after_a_satisfied_follow_up(replayed):
    closed = [r for r in replayed if r.case.status == "closed" and r.case.rectification is None]
    assert len(closed) >= 10
    for r in closed:
        assert r.case.replies_of("follow_up")[-1].satisfied is True


def test_reopened_after_an_unsatisfied_follow_up_some_handled_again(replayed):
    unsatisfied = [r for r in replayed if "unsatisfied" in r.demo.follow_up_outcomes]
    assert at_least_several(len([r for r in unsatisfied if r.case.status == "reopened"]))
    again = [r for r in unsatisfied if r.case.status in ("investigating", "closed")]
    assert at_least_several(len([r for r in again if r.case.status == "closed"]))
    assert at_least_several(len([r for r in again if r.case.status == "investigating"]))
    for r in unsatisfied:
        assert r.case.reopen_count >= 1
    desk_reopened = [r for r in replayed if any(s.do == "reopen" for s in r.demo.steps)]
    assert at_least_several(len(desk_reopened))


def test_rectification_orders_verified_awaiting_and_overdue(replayed):
    ordered = [r for r in replayed if r.demo.scenario.startswith("rectification")]
    verified = [r for r in ordered if r.case.status == "closed"]
    assert at_least_several(len(verified))
    assert all(r.case.rectification.rectified is True for r in verified)
    failed = [r for r in ordered if r.case.status == "investigating"]
    assert at_least_several(len(failed))
    assert all(r.case.rectification.rectified is False for r in failed)
    waiting = [r for r in ordered if r.case.status == "rectification_ordered"]
    awaiting = [r for r in waiting if r.case.rectification.verification_due > AS_OF_TIME]
    overdue = [r for r in waiting if r.case.rectification.verification_due < AS_OF_TIME]
    assert at_least_several(len(awaiting)) and at_least_several(len(overdue))
    for r in ordered:
        assert r.case.enterprise_id is not None


def test_investigating_some_overdue_some_extended_by_the_leader(demo, replayed):
    leader_id = Numbering.of(demo).actors["leader"].user_id
    investigating = [r for r in replayed if r.case.status == "investigating"]
    overdue = [r for r in investigating if r.case.resolution_due < AS_OF_TIME]
    assert len(overdue) >= 3
    extended = [r for r in replayed if r.case.extension is not None]
    assert len(extended) >= 3
    assert any(r.case.status == "investigating" for r in extended)
    assert any(r.case.status == "closed" for r in extended)
    for r in extended:
        assert r.case.extension.approver_id == leader_id
        assert r.case.extension.days <= 30


def test_still_received_some_past_the_acceptance_deadline(replayed):
    received = [r for r in replayed if r.case.status == "received"]
    late = [r for r in received if r.case.acceptance_due < AS_OF_TIME]
    assert at_least_several(len(late))
    assert at_least_several(len(received) - len(late))


def test_not_accepted_with_reason_or_channel_and_referred(replayed):
    turned_away = [r for r in replayed if r.case.status == "not_accepted"]
    kinds = Counter(r.case.classification for r in turned_away)
    assert kinds["not_acceptable"] >= 1 and kinds["review_or_litigation"] >= 1
    for r in turned_away:
        decision = next(e for e in r.case.events if e.action == "classification")
        assert decision.why.strip()
    referred = [r for r in replayed if r.case.status == "referred"]
    assert len(referred) >= 3
    assert all(r.case.referred_to and r.case.classification == "outside_remit" for r in referred)


def test_anonymous_collective_important_bypass_and_escalations(replayed):
    unreachable = [r for r in replayed if not r.case.complainant.contactable]
    assert len(unreachable) >= 3
    for r in unreachable:
        assert r.demo.receipt is None and not r.case.replies_of("receipt")
        assert r.case.complainant.anonymous
        assert reply_compliance(r.case, AS_OF_TIME)["receipt"] == "not_owed"
    hidden = [r for r in replayed if r.case.complainant.anonymous and r.case.complainant.phone]
    assert hidden
    collective = [r for r in replayed if r.case.collective]
    assert len(collective) >= 3 and all(r.demo.collective for r in collective)
    assert len([r for r in replayed if r.case.important]) >= 3
    assert len([r for r in replayed if r.case.bypass]) >= 3
    escalated = [r for r in replayed if r.case.escalations]
    assert len(escalated) >= 5
    grounds = Counter(g for r in escalated for e in r.case.escalations for g in e.grounds)
    for ground in ("overdue", "important", "collective", "bypass"):
        assert grounds[ground] >= 1, ground
    for r in escalated:
        for escalation in r.case.escalations:
            flags = {
                "important": r.case.important,
                "collective": r.case.collective,
                "bypass": r.case.bypass,
            }
            assert all(flags.get(g, True) for g in escalation.grounds)


def test_every_channel_several_categories_every_station_and_the_desk(demo, cases):
    channels = Counter(c.channel for c in cases)
    assert set(channels) == set(CHANNELS)
    assert min(channels.values()) >= 3
    categories = Counter(c.category for c in cases)
    assert set(categories) <= set(COMPLAINT_CATEGORIES) and len(categories) >= 6
    stations = Counter(c.station_code for c in cases)
    for station in demo.stations:
        assert stations[station.code] >= 10
    assert stations[None] >= 3
    months = Counter(c.received_month for c in cases)
    assert sorted(months) == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def test_people_who_act_are_the_ones_the_rules_expect(demo, cases):
    roles = {u.username: u for u in demo.users}
    for c in cases:
        for step in c.steps:
            if step.do == "classify":
                assert step.by in ("officer", "intake")
            if step.do == "assign":
                assignee = roles[step.args["assignee"]]
                assert assignee.role in ("inspector", "station_staff", "officer")
                assert assignee.station_code in (None, step.args["station"])
                assert assignee.station_code == step.args["station"] or assignee.role == "officer"
            if step.do == "extend":
                assert step.args["approver"] == "leader" and step.by != "leader"
            if step.do in ("escalate", "reopen"):
                assert step.by == "leader"
        if c.channel == "outreach":
            assert roles[c.received_by].role == "inspector"
            assert roles[c.received_by].station_code == c.station_code


# --------------------------------------------------------------------------- times and places


def check_times(demo: DemoCase) -> None:
    assert WINDOW_START <= demo.received_at < AS_OF_TIME, demo.key
    assert demo.received_at <= demo.registered_at <= AS_OF_TIME, demo.key
    previous = demo.registered_at
    for step in demo.steps:
        assert previous <= step.at <= AS_OF_TIME, (demo.key, step)
        assert step.at.utcoffset() == timedelta(0)
        previous = step.at
        for value in step.args.values():
            if isinstance(value, dict) and "at" in value:
                assert datetime.fromisoformat(value["at"]) <= step.at


def test_all_times_lie_in_the_window_and_in_order(cases):
    for demo in cases:
        check_times(demo)


def test_late_registrations_are_letters_registered_days_later(cases):
    late = [c for c in cases if c.registered_at - c.received_at > timedelta(hours=24)]
    assert at_least_several(len(late))
    assert all(c.channel in ("letter", "referral") for c in late)


def test_locations_lie_in_their_station_and_the_county(demo, cases, county_area):
    areas = {s.code: s.area for s in demo.stations}
    for c in cases:
        if c.station_code is None:
            assert c.lon is None and c.lat is None
            continue
        assert county_area.contains(c.lon, c.lat)
        assert areas[c.station_code].contains(Point(c.lon, c.lat)), c.key
        assert c.address


def test_desk_cases_are_handled_by_the_station_their_address_names(demo, cases):
    towns = {s.code: s.name.removesuffix("环境管理站") for s in demo.stations}
    moved = [c for c in cases if c.station_code is None and c.final_station_code is not None]
    assert moved
    for c in moved:
        assert c.address.startswith(towns[c.final_station_code])


def test_descriptions_are_chinese(cases):
    for c in cases:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c.description)


# --------------------------------------------------------------------------- the five replies


def test_replies_late_and_missing_at_as_of(replayed):
    states = {kind: Counter() for kind in REPLY_KINDS}
    for r in replayed:
        for kind, state in reply_compliance(r.case, AS_OF_TIME).items():
            states[kind][state] += 1
    for kind in ("receipt", "acceptance_notice", "result", "follow_up"):
        assert states[kind]["late"] >= 1, kind
    assert sum(states[kind]["missing"] for kind in REPLY_KINDS) >= 1
    for kind in ("acceptance_notice", "result", "follow_up"):
        assert states[kind]["missing"] >= 1, kind


def test_declared_late_replies_are_the_ones_the_rules_find_late(replayed):
    for r in replayed:
        states = reply_compliance(r.case, AS_OF_TIME)
        assert r.demo.late_replies == tuple(k for k, s in states.items() if s == "late")


def test_overdue_deadlines_of_every_kind_at_as_of(replayed):
    kinds = Counter(
        kind for r in replayed for kind, due in open_deadlines(r.case).items() if due < AS_OF_TIME
    )
    for kind in ("acceptance", "resolution", "result_reply", "follow_up", "verification"):
        assert kinds[kind] >= 1, kind


# --------------------------------------------------------------------------- counting without rules


def test_plain_data_counts_what_the_statistics_report(demo, replayed):
    """What a statistics test can count from the scripts alone agrees with the statistics
    computed from the replayed cases."""
    ids = Numbering.of(demo)
    stats = case_statistics([r.case for r in replayed], AS_OF_TIME)
    scripts = [r.demo for r in replayed]

    def station_key(code: str | None) -> str:
        return COUNTY_DESK if code is None else str(ids.station_ids[code])

    assert stats["by_channel"] == dict(sorted(Counter(c.channel for c in scripts).items()))
    assert stats["by_category"] == dict(sorted(Counter(c.category for c in scripts).items()))
    assert stats["by_station"] == dict(
        sorted(Counter(station_key(c.final_station_code) for c in scripts).items())
    )
    assert stats["by_month"] == dict(sorted(Counter(c.received_month for c in scripts).items()))
    outcomes = [o for c in scripts for o in c.follow_up_outcomes]
    assert stats["satisfaction"]["follow_ups"] == len(outcomes)
    assert stats["satisfaction"]["satisfied"] == outcomes.count("satisfied")
    for kind in REPLY_KINDS:
        late = sum(kind in c.late_replies for c in scripts)
        assert stats["reply_compliance"][kind]["late"] == late, kind
