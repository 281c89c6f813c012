"""The complaint lifecycle: the legal moves of DESIGN §6 and nothing else."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bureau.errors import InvalidInput
from bureau.lifecycle import (
    STATUS_LABELS,
    STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    can_transition,
    check_transition,
    next_statuses,
)

LEGAL = {
    ("received", "accepted"),
    ("received", "not_accepted"),
    ("received", "referred"),
    ("accepted", "investigating"),
    ("investigating", "resolved"),
    ("resolved", "closed"),
    ("resolved", "reopened"),
    ("resolved", "rectification_ordered"),
    ("reopened", "investigating"),
    ("rectification_ordered", "closed"),
    ("rectification_ordered", "investigating"),
    ("closed", "reopened"),
}


def test_every_status_has_a_row_and_a_chinese_label():
    assert set(TRANSITIONS) == set(STATUSES)
    assert set(STATUS_LABELS) == set(STATUSES)
    assert all(STATUS_LABELS[s] for s in STATUSES)
    assert STATUS_LABELS["rectification_ordered"] == "限期整改"


def test_transition_table_is_exactly_the_designed_one():
    table = {(a, b) for a, nxt in TRANSITIONS.items() for b in nxt}
    assert table == LEGAL


@pytest.mark.parametrize(("current", "new"), sorted(itertools.product(STATUSES, STATUSES)))
def test_can_transition_matches_the_table(current, new):
    expected = current == new or (current, new) in LEGAL
    assert can_transition(current, new) is expected


def test_not_accepted_and_referred_are_terminal():
    assert TERMINAL_STATUSES == {"not_accepted", "referred"}
    assert next_statuses("referred") == ()
    assert not can_transition("not_accepted", "accepted")


def test_same_status_is_a_no_op_even_for_terminal_statuses():
    for status in STATUSES:
        assert can_transition(status, status)
        check_transition(status, status)


def test_next_statuses_in_lifecycle_order():
    assert next_statuses("received") == ("accepted", "not_accepted", "referred")
    assert next_statuses("resolved") == ("closed", "reopened", "rectification_ordered")
    assert next_statuses("rectification_ordered") == ("investigating", "closed")


def test_a_full_case_with_a_reopen_and_a_rectification_order():
    path = [
        "received",
        "accepted",
        "investigating",
        "resolved",
        "reopened",
        "investigating",
        "resolved",
        "rectification_ordered",
        "closed",
        "reopened",
    ]
    for current, new in itertools.pairwise(path):
        check_transition(current, new)


def test_illegal_transition_names_the_legal_next_statuses():
    with pytest.raises(IllegalTransition) as caught:
        check_transition("received", "resolved")
    error = caught.value
    assert error.code == "illegal_transition"
    assert error.status == 422
    assert isinstance(error, InvalidInput)
    for legal in ("accepted", "not_accepted", "referred"):
        assert legal in error.message
    assert "status" in error.errors
    assert error.as_dict()["code"] == "illegal_transition"


def test_illegal_transition_out_of_a_terminal_status_says_it_is_final():
    with pytest.raises(IllegalTransition, match="final"):
        check_transition("referred", "investigating")


def test_unknown_statuses_are_invalid_input_not_silently_terminal():
    assert not can_transition("received", "archived")
    assert not can_transition("archived", "archived")
    with pytest.raises(InvalidInput) as caught:
        check_transition("received", "archived")
    assert not isinstance(caught.value, IllegalTransition)
    assert caught.value.code == "invalid_input"
    with pytest.raises(InvalidInput):
        next_statuses("archived")


@given(st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_check_agrees_with_can(current, new):
    if can_transition(current, new):
        check_transition(current, new)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, new)


def test_every_status_is_reachable_from_received():
    seen = {"received"}
    frontier = ["received"]
    while frontier:
        for nxt in next_statuses(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(STATUSES)
