"""Field-level three-way merge: protocol §3 "Merge policy", DESIGN §4 rule 5."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.merge import FieldConflict, MergeResult, delete_conflicts, json_equal, merge

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=300, deadline=None)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["a", "b", "c", "污染"])
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("xyz"), inner, max_size=3)
    ),
    max_leaves=6,
)
field_names = st.sampled_from(["status", "summary", "phone", "address", "tags"])
records = st.dictionaries(field_names, values, max_size=5)


def test_clean_change_when_nobody_else_touched_the_record():
    base = {"status": "accepted", "summary": "smell"}
    result = merge(base, dict(base), {"summary": "smell confirmed"})
    assert result == MergeResult(
        values={"summary": "smell confirmed"}, conflicts=(), merged=False, outcome="applied"
    )


def test_different_fields_changed_are_merged():
    base = {"status": "accepted", "summary": "smell"}
    current = {"status": "investigating", "summary": "smell"}
    result = merge(base, current, {"summary": "smell confirmed"})
    assert result.outcome == "merged"
    assert result.merged
    assert result.values == {"summary": "smell confirmed"}
    assert result.conflicts == ()


def test_same_field_changed_to_different_values_is_a_conflict_keeping_both():
    base = {"summary": "smell", "phone": "1"}
    current = {"summary": "no smell", "phone": "1"}
    result = merge(base, current, {"summary": "strong smell", "phone": "2"})
    assert result.outcome == "conflict"
    assert result.values == {"phone": "2"}, "non-conflicting fields are still merged"
    assert result.conflicts == (
        FieldConflict(field="summary", base="smell", theirs="no smell", yours="strong smell"),
    )
    assert result.conflict_fields == ("summary",)


def test_identical_edits_are_not_conflicts():
    base = {"status": "investigating"}
    current = {"status": "resolved"}
    result = merge(base, current, {"status": "resolved"})
    assert result.conflicts == ()
    assert result.values == {}
    assert result.outcome == "merged"


def test_unknown_base_makes_every_real_change_a_conflict():
    current = {"summary": "x", "phone": "1"}
    result = merge(None, current, {"summary": "y", "phone": "1"})
    assert result.outcome == "conflict"
    assert result.merged is False
    assert [c.field for c in result.conflicts] == ["summary"]
    assert result.conflicts[0].base is None


def test_unknown_base_with_only_identical_edits_is_merged_not_applied():
    result = merge(None, {"summary": "x"}, {"summary": "x"})
    assert (result.outcome, result.values, result.conflicts) == ("merged", {}, ())


def test_field_added_by_the_device_that_nobody_had():
    result = merge({"a": 1}, {"a": 1}, {"new": "v"})
    assert result.outcome == "applied"
    assert result.values == {"new": "v"}


def test_field_the_server_added_since_base_conflicts():
    result = merge({"a": 1}, {"a": 1, "new": "server"}, {"new": "device"})
    assert result.outcome == "conflict"
    assert result.conflicts[0] == FieldConflict("new", None, "server", "device")


def test_missing_field_compares_like_null():
    assert merge({"a": None}, {}, {"b": 1}).outcome == "applied"
    assert merge({}, {"a": None}, {"a": None}).values == {}


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        (True, True, True),
        ([1, {"x": 2.0}], (1, {"x": 2}), True),
        ({"x": [1, 2]}, {"x": [2, 1]}, False),
        ({"x": 1}, {"x": 1, "y": None}, False),
        (None, 0, False),
        ("1", 1, False),
        ([], {}, False),
        ("污染", "污染", True),
    ],
)
def test_json_equality(a, b, equal):
    assert json_equal(a, b) is equal
    assert json_equal(b, a) is equal


def test_json_equal_values_do_not_conflict():
    result = merge({"n": 1}, {"n": 2.0, "geo": {"c": [1, 2]}}, {"n": 2, "geo": {"c": [1.0, 2.0]}})
    assert result.conflicts == ()
    assert result.values == {}


@DETERMINISTIC
@given(st.one_of(st.none(), records), records, records)
def test_merge_is_deterministic(base, current, mine):
    assert merge(base, current, mine) == merge(base, current, mine)


@DETERMINISTIC
@given(st.one_of(st.none(), records), records, records)
def test_every_device_value_is_written_or_filed_or_already_there(base, current, mine):
    result = merge(base, current, mine)
    conflicted = {c.field: c for c in result.conflicts}
    for name, yours in mine.items():
        placed = [
            name in result.values and json_equal(result.values[name], yours),
            name in conflicted and json_equal(conflicted[name].yours, yours),
            json_equal(current.get(name), yours),
        ]
        assert sum(placed) == 1, name
    assert set(result.values) <= set(mine)
    assert set(result.values).isdisjoint(conflicted)


@DETERMINISTIC
@given(records, records)
def test_no_conflict_and_applied_when_base_equals_current(record, mine):
    result = merge(record, dict(record), mine)
    assert result.conflicts == ()
    assert result.outcome == "applied"
    assert not result.merged


@DETERMINISTIC
@given(st.one_of(st.none(), records), records)
def test_identical_edits_never_conflict(base, current):
    result = merge(base, current, dict(current))
    assert result.conflicts == ()
    assert result.values == {}


@DETERMINISTIC
@given(records, records, records)
def test_outcome_matches_the_parts(base, current, mine):
    result = merge(base, current, mine)
    if result.conflicts:
        assert result.outcome == "conflict"
    elif result.merged:
        assert result.outcome == "merged"
    else:
        assert result.outcome == "applied"
    for conflict in result.conflicts:
        assert conflict.theirs == current.get(conflict.field)
        assert not json_equal(conflict.base, conflict.theirs)


@DETERMINISTIC
@given(records, records)
def test_writing_values_gives_the_device_its_fields_unless_conflicting(base, mine):
    current = dict(base)
    result = merge(base, current, mine)
    written = {**current, **result.values}
    for name, yours in mine.items():
        assert json_equal(written.get(name), yours)


def test_a_delete_conflicts_only_with_a_change_it_did_not_see():
    base = {"name": "王", "phone": "1"}
    assert not delete_conflicts(base, dict(base))
    assert delete_conflicts(base, {"name": "王", "phone": "2"})
    assert delete_conflicts(None, base)  # the base version's fields are not known
