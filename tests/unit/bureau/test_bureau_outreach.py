"""Outreach: rounds, must-visit rosters, recomputation, shortlists, visit review, coverage."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bureau.case_errors import ReasonRequired
from bureau.errors import Conflict, InvalidInput
from bureau.outreach import (
    ENTER_OF_CATEGORY,
    MIN_ROUNDS_PER_YEAR,
    REVIEW_STATUSES,
    CoverageEntry,
    EnterpriseFact,
    EntryState,
    IllegalReview,
    PersonFact,
    RepeatFact,
    ResidentFact,
    RosterCandidate,
    Round,
    check_review,
    check_round,
    coverage,
    coverage_csv,
    coverage_svg,
    plan_roster,
    roster_candidates,
    split_shortlists,
    year_check,
)
from bureau.vocabulary import FIVE_ENTERS, MUST_VISIT_CATEGORIES

# --- rounds -----------------------------------------------------------------------------------


def test_every_must_visit_category_has_one_of_the_five_enters():
    assert set(ENTER_OF_CATEGORY) == set(MUST_VISIT_CATEGORIES)
    assert set(ENTER_OF_CATEGORY.values()) == set(FIVE_ENTERS)
    assert REVIEW_STATUSES == ("received", "approved", "has_issues", "rejected")
    assert MIN_ROUNDS_PER_YEAR == 4


def test_check_round_normalises():
    assert check_round(
        name="  2024年第一轮下访 ",
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 3, 31),
        station_ids=[3, 1, 3],
        enters=["household", "机关", "AGENCY", "village"],
    ) == (
        "2024年第一轮下访",
        date(2024, 3, 1),
        date(2024, 3, 31),
        (1, 3),
        ("agency", "village", "household"),
    )


def test_a_round_may_last_one_day_or_a_whole_leap_year():
    one_day = check_round(
        name="x",
        starts_on=date(2024, 5, 5),
        ends_on=date(2024, 5, 5),
        station_ids=[1],
        enters=["agency"],
    )
    assert one_day[1] == one_day[2]
    check_round(
        name="x",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        station_ids=[1],
        enters=["agency"],
    )
    with pytest.raises(InvalidInput) as err:
        check_round(
            name="x",
            starts_on=date(2024, 1, 1),
            ends_on=date(2025, 1, 1),
            station_ids=[1],
            enters=["agency"],
        )
    assert list(err.value.errors) == ["ends_on"]


def test_check_round_reports_every_problem_by_field():
    with pytest.raises(InvalidInput) as err:
        check_round(
            name=" ",
            starts_on=date(2024, 4, 1),
            ends_on=date(2024, 3, 1),
            station_ids=[],
            enters=["agency", "school"],
        )
    assert err.value.code == "invalid_input"
    assert err.value.status == 422
    assert err.value.errors["name"] == ["required"]
    assert err.value.errors["ends_on"] == ["before starts_on"]
    assert err.value.errors["station_ids"] == ["at least one station"]
    assert len(err.value.errors["enters"]) == 1 and "school" in err.value.errors["enters"][0]


def test_check_round_refuses_no_enters_bad_station_ids_and_datetimes():
    with pytest.raises(InvalidInput) as err:
        check_round(
            name="x",
            starts_on=datetime(2024, 4, 1, tzinfo=UTC),
            ends_on=date(2024, 4, 30),
            station_ids=[1, True, "2"],
            enters=[],
        )
    assert set(err.value.errors) == {"starts_on", "station_ids", "enters"}
    assert len(err.value.errors["station_ids"]) == 2


def _round(round_id, starts, ends=None, stations=(1, 2), enters=tuple(FIVE_ENTERS)):
    return Round(round_id, f"round {round_id}", starts, ends or starts, tuple(stations), enters)


def test_year_check_with_three_rounds_misses_one():
    rounds = [
        _round(1, date(2024, 2, 1)),
        _round(2, date(2024, 5, 1)),
        _round(3, date(2024, 8, 1)),
        _round(4, date(2023, 11, 1), date(2024, 1, 15)),  # started last year: counts there
    ]
    assert year_check(rounds, 2024) == {
        "year": 2024,
        "rounds": 3,
        "minimum": 4,
        "ok": False,
        "missing": 1,
        "quarters_without_round": [4],
    }


def test_year_check_with_four_rounds_is_ok_even_if_two_share_a_quarter():
    rounds = [_round(i, date(2024, m, 1)) for i, m in enumerate((1, 2, 7, 10), start=1)]
    report = year_check(rounds, 2024)
    assert (report["rounds"], report["ok"], report["missing"]) == (4, True, 0)
    assert report["quarters_without_round"] == [2]
    assert year_check(rounds, 2024, minimum=6)["missing"] == 2
    assert year_check([], 2025)["quarters_without_round"] == [1, 2, 3, 4]


# --- roster candidates ------------------------------------------------------------------------

LAST = datetime(2024, 2, 20, 8, 30, tzinfo=UTC)

# A small county: stations 1 and 2 take part, station 3 does not; the round leaves out the
# "community" enter, so conduct supervisors are not on its roster.
ROUND = Round(
    7,
    "2024年第一轮",
    date(2024, 3, 1),
    date(2024, 3, 31),
    (1, 2),
    ("agency", "enterprise", "village", "household"),
)
PEOPLE = [
    PersonFact("D1", "张代表", "deputy", "13900000001", "城关镇1号", 1),
    PersonFact("S1", "李监督", "conduct_supervisor", "13900000002", None, 1),  # enter excluded
    PersonFact("D3", "赵代表", "deputy", None, None, 3),  # station not in the round
    PersonFact("C1", "钱某", "repeat_complainant", None, None, 1),  # comes from casework
    PersonFact("H1", "孙厂长", "enterprise_head", "13900000005", None, 2),
]
ENTERPRISES = [
    EnterpriseFact("91320500MA1EXAMPL1", "恒达化工有限公司", "王经理", "0512-6000001", 2),
    EnterpriseFact("91320500MA1EXAMPL2", "无站企业", "周经理", None, None),  # no station
    EnterpriseFact("91320500MA1EXAMPL3", "东风印染厂", None, None, 1),  # no contact
]
REPEATS = [
    RepeatFact("phone:13800001111", None, "13800001111", 1, ("HX-1", "HX-2", "HX-3"), LAST),
    RepeatFact("person:D1", "张代表", None, 1, ("HX-4", "HX-5"), LAST),  # the deputy again
    RepeatFact("phone:13800002222", "吴某", "13800002222", None, ("HX-6", "HX-7"), LAST),
]
RESIDENTS = [
    ResidentFact("D1", "张代表", None, None, 1, "城南污水厂", "环审〔2024〕1号", 230.4),
    ResidentFact("R1", "郑大妈", None, "南村5组", 1, "城南污水厂", "环审〔2024〕1号", 410.0),
    ResidentFact(
        "R1", "郑大妈", "13700000001", "南村5组", 1, "北区物流园", "环审〔2024〕2号", 180.0
    ),
    ResidentFact("R3", "冯某", None, None, 3, "城南污水厂", "环审〔2024〕1号", 100.0),
]


def _candidates(round_=ROUND):
    return roster_candidates(
        round_, people=PEOPLE, key_enterprises=ENTERPRISES, repeats=REPEATS, residents=RESIDENTS
    )


def test_roster_of_the_small_county():
    roster = _candidates()
    assert [(c.station_id, c.category, c.subject_key) for c in roster] == [
        (1, "deputy", "person:D1"),
        (1, "enterprise_head", "enterprise:91320500MA1EXAMPL3"),
        (1, "repeat_complainant", "complainant:phone:13800001111"),
        (1, "project_neighbour", "person:R1"),
        (2, "enterprise_head", "enterprise:91320500MA1EXAMPL1"),
        (2, "enterprise_head", "person:H1"),
    ]
    assert [c.enter for c in roster] == [
        "agency",
        "enterprise",
        "household",
        "village",
        "enterprise",
        "enterprise",
    ]


def test_a_subject_qualifying_three_times_is_one_entry_under_the_first_category():
    deputy = _candidates()[0]
    assert deputy.category == "deputy"
    assert deputy.phone == "13900000001"
    parts = deputy.reason.split("；")
    assert len(parts) == 3
    assert parts[0].startswith("人大代表和政协委员")
    assert parts[1] == "重复信访人: 信访 2 件(案号 HX-4、HX-5), 最近一次 2024-02-20"
    assert parts[2] == "新建项目周边群众: 住在 城南污水厂(批文 环审〔2024〕1号) 230 米内"


def test_reasons_are_readable():
    by_key = {c.subject_key: c for c in _candidates()}
    neighbour = by_key["person:R1"]
    assert neighbour.reason == (
        "新建项目周边群众: 住在 北区物流园(批文 环审〔2024〕2号) 180 米内, 附近另有 1 个新建项目"
    )
    assert neighbour.phone == "13700000001"
    no_contact = by_key["enterprise:91320500MA1EXAMPL3"]
    assert no_contact.name == "东风印染厂负责人"
    assert "未登记联系人" in no_contact.reason
    with_contact = by_key["enterprise:91320500MA1EXAMPL1"]
    assert (with_contact.name, with_contact.phone) == ("王经理", "0512-6000001")
    assert "恒达化工有限公司" in with_contact.reason and "91320500MA1EXAMPL1" in with_contact.reason
    anonymous = by_key["complainant:phone:13800001111"]
    assert anonymous.name == "重复信访人(未留姓名)"
    assert "信访 3 件" in anonymous.reason


def test_an_excluded_enter_leaves_its_categories_out_and_an_included_one_brings_them_in():
    with_community = replace(ROUND, enters=tuple(FIVE_ENTERS))
    keys = {c.subject_key: c.category for c in _candidates(with_community)}
    assert keys["person:S1"] == "conduct_supervisor"
    only_village = replace(ROUND, enters=("village",))
    roster = _candidates(only_village)
    # without "agency" the deputy is still due, as a neighbour of the project
    assert [(c.subject_key, c.category) for c in roster] == [
        ("person:D1", "project_neighbour"),
        ("person:R1", "project_neighbour"),
    ]
    assert "；" not in roster[0].reason


def test_roster_is_deterministic_whatever_the_input_order():
    again = roster_candidates(
        ROUND,
        people=PEOPLE[::-1],
        key_enterprises=ENTERPRISES[::-1],
        repeats=REPEATS,
        residents=RESIDENTS[::-1],
    )
    assert again == _candidates()


def test_a_negative_distance_is_refused():
    bad = replace(RESIDENTS[1], distance_m=float("nan"))
    with pytest.raises(InvalidInput):
        roster_candidates(ROUND, residents=[bad])


# --- recomputing ------------------------------------------------------------------------------


def _stored(candidates, *, start=100, status="due"):
    return [
        EntryState(start + i, c.subject_key, status, c.category, c.station_id, None, candidate=c)
        for i, c in enumerate(candidates)
    ]


def test_recomputing_with_the_same_candidates_changes_nothing():
    candidates = _candidates()
    existing = _stored(candidates)
    plan = plan_roster(existing, candidates)
    assert plan.add == () and plan.update == () and plan.drop == ()
    assert plan.keep == tuple(e.entry_id for e in existing)


def test_without_stored_data_only_category_and_station_are_compared():
    candidates = _candidates()
    existing = [replace(e, candidate=None) for e in _stored(candidates)]
    assert plan_roster(existing, candidates).keep == tuple(range(100, 106))
    moved = replace(existing[0], station_id=2)
    plan = plan_roster([moved, *existing[1:]], candidates)
    assert plan.update == ((100, candidates[0]),)


def test_a_first_computation_adds_everyone():
    candidates = _candidates()
    plan = plan_roster([], candidates)
    assert plan.add == tuple(candidates)
    assert plan.update == plan.drop == plan.keep == ()


def test_a_removed_subject_is_dropped_unless_visited():
    candidates = _candidates()
    existing = _stored(candidates)
    existing[1] = replace(existing[1], status="visited")
    plan = plan_roster(existing, candidates[2:])  # the first two no longer qualify
    assert plan.drop == (100,)
    assert plan.keep == (101, 102, 103, 104, 105)
    assert plan.add == plan.update == ()


def test_a_returning_subject_is_revived_without_a_second_entry():
    candidates = _candidates()
    existing = _stored(candidates)
    existing[0] = replace(existing[0], status="dropped")
    plan = plan_roster(existing, candidates)
    assert plan.add == ()
    assert plan.update == ((100, candidates[0]),)
    assert 100 not in plan.keep and 100 not in plan.drop
    # still not qualifying: a dropped entry stays as it is
    assert plan_roster(existing, candidates[1:]).keep == tuple(range(100, 106))


def test_changed_reasons_and_phones_are_updates_but_a_visit_is_never_rewritten():
    candidates = _candidates()
    existing = _stored(candidates)
    existing[3] = replace(existing[3], status="visited")
    changed = list(candidates)
    changed[2] = replace(changed[2], reason=changed[2].reason + "（新增 1 件）")
    changed[3] = replace(changed[3], phone="13700009999")  # visited: kept as it is
    changed.append(
        RosterCandidate(
            "person:NEW", "deputy", "agency", 2, "新代表", None, None, "人大代表和政协委员"
        )
    )
    plan = plan_roster(existing, changed)
    assert plan.update == ((102, changed[2]),)
    assert plan.add == (changed[-1],)
    assert plan.keep == (100, 101, 103, 104, 105)
    assert plan.drop == ()


def test_every_existing_entry_lands_in_exactly_one_bucket_and_duplicates_are_collapsed():
    c = _candidates()[0]
    existing = [
        EntryState(1, c.subject_key, "due", c.category, c.station_id, None, candidate=c),
        EntryState(2, c.subject_key, "visited", c.category, c.station_id, 9, candidate=c),
        EntryState(3, c.subject_key, "dropped", c.category, c.station_id, None, candidate=c),
    ]
    plan = plan_roster(existing, [c])
    assert plan.add == () and plan.update == ()
    assert plan.drop == (1,)
    assert plan.keep == (2, 3)


def test_plan_roster_refuses_duplicate_candidates_and_unknown_statuses():
    c = _candidates()[0]
    with pytest.raises(InvalidInput):
        plan_roster([], [c, c])
    with pytest.raises(InvalidInput):
        plan_roster([EntryState(1, c.subject_key, "done", c.category, 1, None)], [c])


# --- shortlists -------------------------------------------------------------------------------


def _entry(entry_id, station, assigned=None, status="due"):
    return EntryState(entry_id, f"person:{entry_id}", status, "deputy", station, assigned)


def test_shortlists_are_balanced_with_ties_to_the_lowest_id():
    entries = [_entry(i, 1) for i in range(1, 8)] + [_entry(20, 2), _entry(30, 3)]
    split = split_shortlists(entries, {1: [12, 11], 2: [21]})
    assert split == {1: 11, 2: 12, 3: 11, 4: 12, 5: 11, 6: 12, 7: 11, 20: 21, 30: None}


def test_dropped_entries_get_nobody_and_visited_ones_keep_their_inspector():
    entries = [
        _entry(1, 1, status="dropped"),
        _entry(2, 1, assigned=99, status="visited"),  # 99 has left: the visit stays hers
        _entry(3, 1),
        _entry(4, 1),
    ]
    assert split_shortlists(entries, {1: [11, 12]}) == {2: 99, 3: 11, 4: 12}


def test_adding_an_inspector_moves_no_existing_assignment():
    entries = [_entry(i, 1) for i in range(1, 7)]
    first = split_shortlists(entries, {1: [11, 12]})
    assigned = [replace(e, assigned_to=first[e.entry_id]) for e in entries]
    more = assigned + [_entry(7, 1), _entry(8, 1), _entry(9, 1)]
    second = split_shortlists(more, {1: [11, 12, 13]})
    assert {k: second[k] for k in first} == first
    assert [second[k] for k in (7, 8, 9)] == [13, 13, 13]


def test_removing_an_inspector_moves_only_her_entries():
    entries = [_entry(i, 1) for i in range(1, 10)]
    first = split_shortlists(entries, {1: [11, 12, 13]})
    assert sorted(first.values()) == [11, 11, 11, 12, 12, 12, 13, 13, 13]
    assigned = [replace(e, assigned_to=first[e.entry_id]) for e in entries]
    second = split_shortlists(assigned, {1: [11, 13]})
    moved = {k for k in first if first[k] != second[k]}
    assert moved == {k for k, v in first.items() if v == 12}
    assert sorted(second.values()) == [11] * 5 + [13] * 4 or sorted(second.values()) == (
        [11] * 4 + [13] * 5
    )
    assert set(second.values()) == {11, 13}


def test_an_entry_moved_to_another_station_goes_to_that_stations_inspector():
    entries = [_entry(1, 2, assigned=11)]
    assert split_shortlists(entries, {1: [11], 2: [21]}) == {1: 21}


# --- visit review -----------------------------------------------------------------------------

LEGAL = {
    ("received", "approved"),
    ("received", "has_issues"),
    ("received", "rejected"),
    ("has_issues", "approved"),
    ("has_issues", "rejected"),
}


@pytest.mark.parametrize("current", REVIEW_STATUSES)
@pytest.mark.parametrize("new", REVIEW_STATUSES)
def test_review_matrix(current, new):
    if (current, new) in LEGAL:
        check_review(current, new, "照片显示在现场")
    else:
        with pytest.raises(IllegalReview) as err:
            check_review(current, new, "照片显示在现场")
        assert isinstance(err.value, Conflict)
        assert (err.value.code, err.value.status) == ("illegal_review", 409)


@pytest.mark.parametrize(("current", "new"), sorted(LEGAL))
def test_issues_and_rejections_need_a_note(current, new):
    for note in ("", "  ", None):
        if new in ("has_issues", "rejected"):
            with pytest.raises(ReasonRequired) as err:
                check_review(current, new, note)
            assert err.value.errors == {"note": ["required"]}
        else:
            check_review(current, new, note)


def test_unknown_review_status_is_invalid_input():
    with pytest.raises(InvalidInput) as err:
        check_review("received", "ok", "x")
    assert err.value.code == "invalid_input"
    assert list(err.value.errors) == ["status"]


# --- coverage ---------------------------------------------------------------------------------


def _cov(entry_id, station, inspector, category, name, review, flags=()):
    return CoverageEntry(
        entry_id,
        station,
        inspector,
        category,
        ENTER_OF_CATEGORY[category],
        f"person:{entry_id}",
        name,
        review,
        flags,
    )


COVERAGE = [
    _cov(1, 1, 11, "deputy", "张代表", "approved"),
    _cov(2, 1, 11, "deputy", "陈代表", "rejected", ("far_from_target", "impossible_travel")),
    _cov(3, 1, 12, "enterprise_head", "王经理", "approved"),
    _cov(4, 1, 12, "project_neighbour", "郑大妈", "received"),
    _cov(5, 2, 21, "repeat_complainant", "吴某", "approved"),
    _cov(6, 2, 21, "repeat_complainant", "钱某", None),
    _cov(7, 2, None, "project_neighbour", "冯某", "has_issues", ("poor_accuracy",)),
]


def test_coverage_counts_only_approved_visits():
    report = coverage(COVERAGE)
    assert (report["due"], report["visited"], report["percent"]) == (7, 3, 42.9)
    assert report["pending_review"] == 2
    assert report["by_review"] == {
        "none": 1,
        "received": 1,
        "approved": 3,
        "has_issues": 1,
        "rejected": 1,
    }
    assert report["by_category"] == {
        "deputy": {"due": 2, "visited": 1, "percent": 50.0},
        "enterprise_head": {"due": 1, "visited": 1, "percent": 100.0},
        "repeat_complainant": {"due": 2, "visited": 1, "percent": 50.0},
        "project_neighbour": {"due": 2, "visited": 0, "percent": 0.0},
    }
    assert report["by_enter"] == {
        "agency": {"due": 2, "visited": 1, "percent": 50.0},
        "enterprise": {"due": 1, "visited": 1, "percent": 100.0},
        "village": {"due": 2, "visited": 0, "percent": 0.0},
        "household": {"due": 2, "visited": 1, "percent": 50.0},
    }
    assert report["by_inspector"] == {
        "11": {"due": 2, "visited": 1, "percent": 50.0},
        "12": {"due": 2, "visited": 1, "percent": 50.0},
        "21": {"due": 2, "visited": 1, "percent": 50.0},
        "unassigned": {"due": 1, "visited": 0, "percent": 0.0},
    }
    station_1 = report["by_station"]["1"]
    assert (station_1["due"], station_1["visited"], station_1["percent"]) == (4, 2, 50.0)
    assert list(station_1["by_category"]) == ["deputy", "enterprise_head", "project_neighbour"]
    assert station_1["by_enter"]["village"] == {"due": 1, "visited": 0, "percent": 0.0}
    assert report["by_station"]["2"]["percent"] == 33.3
    assert json.loads(json.dumps(report, sort_keys=True)) == report


def test_missed_entries_say_why():
    missed = coverage(COVERAGE)["missed"]
    assert [(m["entry_id"], m["why"]) for m in missed] == [
        (2, "visit rejected"),
        (4, "visit awaiting review"),
        (6, "no visit"),
        (7, "visit has issues"),
    ]
    assert missed[0] == {
        "entry_id": 2,
        "station_id": 1,
        "inspector_id": 11,
        "category": "deputy",
        "enter": "agency",
        "name": "陈代表",
        "subject_key": "person:2",
        "why": "visit rejected",
        "visit_flags": ["far_from_target", "impossible_travel"],
    }


def test_coverage_of_nothing():
    report = coverage([])
    assert (report["due"], report["visited"], report["percent"]) == (0, 0, None)
    assert report["by_category"] == {} and report["missed"] == []


def test_coverage_refuses_an_unknown_review_status():
    with pytest.raises(InvalidInput):
        coverage([replace(COVERAGE[0], visit_review="ok")])


def test_coverage_csv_rows():
    text = coverage_csv(coverage(COVERAGE))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "due", "visited", "percent"]
    assert rows[1] == ["total", "all", "7", "3", "42.9"]
    assert ["station", "1", "4", "2", "50.0"] in rows
    assert ["station", "2", "3", "1", "33.3"] in rows
    assert ["station_category", "1/deputy", "2", "1", "50.0"] in rows
    assert ["station_enter", "2/village", "1", "0", "0.0"] in rows
    assert ["inspector", "unassigned", "1", "0", "0.0"] in rows
    assert ["category", "project_neighbour", "2", "0", "0.0"] in rows
    assert ["enter", "household", "2", "1", "50.0"] in rows
    start = rows.index(
        [
            "missed",
            "entry_id",
            "station_id",
            "inspector_id",
            "category",
            "enter",
            "name",
            "subject_key",
            "why",
            "visit_flags",
        ]
    )
    assert rows[start + 1] == [
        "missed",
        "2",
        "1",
        "11",
        "deputy",
        "agency",
        "陈代表",
        "person:2",
        "visit rejected",
        "far_from_target|impossible_travel",
    ]
    assert rows[start + 4][3] == ""  # unassigned
    assert len(rows) == start + 5


def test_coverage_csv_empty_percent_and_formula_names():
    entry = replace(COVERAGE[5], name="=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(coverage_csv(coverage([entry])))))
    assert rows[-1][6] == "'=HYPERLINK(1)"
    empty = list(csv.reader(io.StringIO(coverage_csv(coverage([])))))
    assert empty[1] == ["total", "all", "0", "0", ""]


SVG = "{http://www.w3.org/2000/svg}"


def test_coverage_svg_parses_and_shows_the_percentages():
    svg = coverage_svg(coverage(COVERAGE), title="城关站 2024年第一轮 <下访> & 走访")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert texts[0] == "城关站 2024年第一轮 <下访> & 走访"
    for label in ("人大代表和政协委员", "重点企业负责人", "新建项目周边群众", "机关", "农村"):
        assert label in texts
    assert "行风监督员" not in texts  # not in this report
    for shown in ("50.0%  (1/2)", "100.0%  (1/1)", "0.0%  (0/2)"):
        assert shown in texts
    assert any("42.9%" in t for t in texts)
    assert any("待审核走访 2 条" in t for t in texts)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#2e7d32"]
    assert [float(r.get("width")) for r in bars] == [360.0, 360.0]  # the two 100 % bars


def test_coverage_svg_labels_can_be_overridden_and_are_escaped():
    svg = coverage_svg(coverage(COVERAGE[:1]), title="t", labels={"deputy": "代表&委员 <名册>"})
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "代表&委员 <名册>" in texts
    empty = ET.fromstring(coverage_svg(coverage([]), title="无"))
    assert any(t.text == "无" for t in empty.iter(f"{SVG}text"))
