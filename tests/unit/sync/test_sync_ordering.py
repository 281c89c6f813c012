"""Per-device ordering: DESIGN §4 rule 3, protocol §3 "Gaps"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ordering import OrderPlan, plan_order

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=300, deadline=None)
NOW = 10_000.0
HOUR = 3600.0


def ids(*seqs: int) -> list[tuple[int, str]]:
    return [(seq, f"m{seq}") for seq in seqs]


def plan(next_seq=1, known=None, incoming=(), held=(), now=NOW, hold=HOUR) -> OrderPlan:
    return plan_order(next_seq, known or {}, list(incoming), list(held), now, hold)


def test_contiguous_batch_applies_in_seq_order_whatever_the_send_order():
    result = plan(incoming=ids(3, 1, 2))
    assert result.apply == ids(1, 2, 3)
    assert result.next_seq == 4
    assert (result.hold, result.skipped) == ([], [])


def test_a_gap_holds_everything_after_it():
    result = plan(next_seq=40, incoming=ids(41, 42))
    assert result.apply == []
    assert result.hold == ids(41, 42)
    assert result.next_seq == 40


def test_the_missing_seq_releases_the_held_run():
    held = [(41, "m41", NOW - 10), (42, "m42", NOW - 10)]
    result = plan(next_seq=40, incoming=ids(40), held=held)
    assert result.apply == ids(40, 41, 42)
    assert result.hold == []
    assert result.next_seq == 43


def test_gap_given_up_once_the_oldest_held_item_waited_long_enough():
    held = [(42, "m42", NOW - HOUR)]
    result = plan(next_seq=40, incoming=ids(43), held=held)
    assert result.skipped == [40, 41]
    assert result.apply == ids(42, 43)
    assert result.next_seq == 44


def test_gap_not_given_up_a_moment_too_early():
    held = [(42, "m42", NOW - HOUR + 1)]
    result = plan(next_seq=40, incoming=ids(43), held=held)
    assert result.apply == []
    assert result.hold == ids(43)
    assert result.skipped == []


def test_give_up_repeats_while_the_oldest_remaining_item_is_overdue():
    held = [(3, "m3", NOW - 2 * HOUR), (6, "m6", NOW - HOUR), (9, "m9", NOW - 1)]
    result = plan(next_seq=1, held=held)
    assert result.apply == ids(3, 6)
    assert result.skipped == [1, 2, 4, 5]
    assert result.next_seq == 7, "seq 9 has not waited long enough: 7 and 8 may still come"


def test_zero_hold_time_never_holds_it_skips_each_gap_in_turn():
    result = plan(next_seq=1, incoming=ids(5, 3), hold=0)
    assert result.apply == ids(3, 5)
    assert result.skipped == [1, 2, 4]
    assert result.next_seq == 6


def test_known_seq_with_the_same_id_is_a_duplicate():
    result = plan(next_seq=3, known={1: "m1", 2: "m2"}, incoming=ids(2, 3))
    assert result.duplicates == ids(2)
    assert result.apply == ids(3)


def test_known_seq_with_another_id_is_reused():
    result = plan(next_seq=3, known={2: "m2"}, incoming=[(2, "other")])
    assert result.reused == [(2, "other")]
    assert result.apply == []


def test_seq_below_next_and_not_known_is_stale():
    result = plan(next_seq=10, incoming=ids(4))
    assert result.stale == ids(4)
    assert result.next_seq == 10


def test_repeats_within_the_batch_are_duplicates():
    result = plan(incoming=[(1, "a"), (1, "a"), (2, "b")])
    assert result.apply == [(1, "a"), (2, "b")]
    assert result.duplicates == [(1, "a")]


def test_same_seq_twice_in_a_batch_with_different_ids_is_reused():
    result = plan(incoming=[(1, "a"), (1, "b")])
    assert result.apply == [(1, "a")]
    assert result.reused == [(1, "b")]


def test_resending_a_held_mutation_is_a_duplicate_not_a_second_hold():
    held = [(5, "m5", NOW - 1)]
    result = plan(next_seq=4, incoming=ids(5), held=held)
    assert result.duplicates == ids(5)
    assert result.hold == []
    assert result.apply == []


def test_resent_held_mutation_is_released_when_the_gap_fills():
    held = [(5, "m5", NOW - 1)]
    result = plan(next_seq=4, incoming=ids(5, 4), held=held)
    assert result.duplicates == ids(5)
    assert result.apply == ids(4, 5)


def test_other_id_at_a_held_seq_is_reused():
    result = plan(next_seq=4, incoming=[(5, "x")], held=[(5, "m5", NOW)])
    assert result.reused == [(5, "x")]


def test_held_items_that_still_wait_are_not_repeated_in_hold():
    result = plan(next_seq=1, incoming=ids(4), held=[(3, "m3", NOW - 5)])
    assert result.hold == ids(4)


def test_inconsistent_inputs_are_refused():
    with pytest.raises(ValueError):
        plan(next_seq=0)
    with pytest.raises(ValueError):
        plan(next_seq=5, held=[(4, "m4", NOW)])
    with pytest.raises(ValueError):
        plan(next_seq=1, held=[(4, "a", NOW), (4, "b", NOW)])


# -- properties ------------------------------------------------------------------------------

batches = st.lists(st.integers(1, 25), max_size=20)


@DETERMINISTIC
@given(st.integers(1, 10), batches, st.booleans())
def test_every_incoming_item_gets_exactly_one_answer(next_seq, seqs, give_up):
    incoming = ids(*seqs)
    result = plan(next_seq=next_seq, incoming=incoming, hold=0 if give_up else HOUR)
    answered = result.apply + result.hold + result.duplicates + result.reused + result.stale
    assert sorted(answered) == sorted(incoming)


@DETERMINISTIC
@given(st.integers(1, 10), batches, st.booleans())
def test_applied_seqs_increase_and_skip_nothing_they_apply(next_seq, seqs, give_up):
    result = plan(next_seq=next_seq, incoming=ids(*seqs), hold=0 if give_up else HOUR)
    applied = [seq for seq, _ in result.apply]
    assert applied == sorted(set(applied))
    assert set(applied).isdisjoint(result.skipped)
    assert all(seq >= next_seq for seq in applied + result.skipped)
    covered = sorted(applied + result.skipped)
    assert covered == list(range(next_seq, result.next_seq))
    assert all(seq > result.next_seq for seq, _ in result.hold)
    if not give_up:
        assert result.skipped == []


@DETERMINISTIC
@given(batches, st.randoms(use_true_random=False))
def test_send_order_does_not_matter(seqs, rnd):
    shuffled = ids(*seqs)
    rnd.shuffle(shuffled)
    assert plan(incoming=ids(*seqs)).apply == plan(incoming=shuffled).apply


@DETERMINISTIC
@given(st.permutations(list(range(1, 13))), st.integers(1, 6))
def test_any_split_into_batches_applies_everything_in_the_device_order(order, size):
    """However the batches of 1..12 arrive, the server applies 1, 2, … 12 exactly once."""
    next_seq, known, held = 1, {}, []
    applied: list[int] = []
    for start in range(0, len(order), size):
        incoming = ids(*order[start : start + size])
        result = plan_order(next_seq, known, incoming, held, NOW, HOUR)
        applied.extend(seq for seq, _ in result.apply)
        known.update(dict(result.apply))
        applied_seqs = {seq for seq, _ in result.apply}
        held = [h for h in held if h[0] not in applied_seqs] + [
            (seq, mid, NOW) for seq, mid in result.hold
        ]
        next_seq = result.next_seq
    assert applied == list(range(1, 13))
    assert held == []


@DETERMINISTIC
@given(st.integers(1, 10), batches)
def test_replaying_a_batch_after_applying_it_is_all_duplicates(next_seq, seqs):
    first = plan(next_seq=next_seq, incoming=ids(*seqs), hold=0)
    known = dict(first.apply)
    again = plan_order(first.next_seq, known, list(first.apply), [], NOW, 0)
    assert again.duplicates == first.apply
    assert again.apply == []
