"""Per-mutation outcomes: what is stored is what a replay answers (DESIGN §4 rules 1-3)."""

from __future__ import annotations

from sync.ordering import OrderPlan
from sync.outcome import Outcome, decided, ordering_outcomes, rejected, result_out

M = {"id": "m1", "seq": 7, "entity": "complaint", "record_id": "ABC", "op": "update"}


def test_a_stored_result_gives_back_the_same_answer():
    outcome = Outcome(
        M,
        "conflict",
        code="c",
        message="kept for review",
        version=3,
        merged_fields=["address"],
        conflicts=[{"field": "status", "conflict_id": 4}],
        missing_photos=["ab" * 32],
    )
    again = Outcome.stored(M, "conflict", outcome.result())
    assert result_out(again) == result_out(outcome)


def test_a_rejected_ones_errors_survive_storage():
    outcome = rejected(M, "invalid_fields", "bad", errors={"status": ["unknown"]})
    assert Outcome.stored(M, "rejected", outcome.result()).errors == {"status": ["unknown"]}


def test_an_answer_lowercases_the_record_id():
    assert result_out(Outcome(M, "applied"))["record_id"] == "abc"


def test_ordering_refuses_or_holds_without_applying():
    by_id = {mid: {**M, "id": mid} for mid in ("a", "b", "c", "d")}
    plan = OrderPlan(reused=[(1, "a")], stale=[(2, "b")], duplicates=[(3, "c")], hold=[(9, "d")])
    outcomes: dict[str, Outcome] = {}
    ordering_outcomes(plan, by_id, outcomes)
    assert {mid: (o.outcome, o.code) for mid, o in outcomes.items()} == {
        "a": ("rejected", "sequence_reused"),
        "b": ("rejected", "stale_sequence"),
        "c": ("rejected", "sequence_reused"),
        "d": ("held", None),
    }


def test_a_released_held_mutations_outcome_is_filed_apart():
    outcomes: dict[str, Outcome] = {}
    held: dict[str, Outcome] = {}
    decided(Outcome({"id": "h"}, "applied"), {"h": object()}, outcomes, held)
    decided(Outcome({"id": "f"}, "applied"), {"h": object()}, outcomes, held)
    assert (list(outcomes), list(held)) == (["f"], ["h"])
