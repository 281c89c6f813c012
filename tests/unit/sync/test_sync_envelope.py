"""The hand-written mutation check gives the documented schema's answers."""

import marshmallow as ma
import pytest

from schemas.sync import MutationIn
from sync.envelope import MutationShapeError, check_mutations

GOOD = {
    "id": "5b0b3f5e-5a0e-4f57-9d53-2b8f0f6b1d3a",
    "seq": 1,
    "entity": "visit",
    "record_id": "r1",
    "op": "create",
}

CASES = [
    GOOD,
    dict(GOOD, base_version=3, captured_at="2026-11-27T08:00:00Z", fields={"a": 1}),
    dict(GOOD, base_version=None, captured_at=None),
    {k: v for k, v in GOOD.items() if k != "id"},
    {k: v for k, v in GOOD.items() if k != "seq"},
    dict(GOOD, id=""),
    dict(GOOD, id="x" * 65),
    dict(GOOD, id="m1"),
    dict(GOOD, id="5B0B3F5E-5A0E-4F57-9D53-2B8F0F6B1D3A"),
    dict(GOOD, id="5b0b3f5e5a0e4f579d532b8f0f6b1d3a"),
    dict(GOOD, id="5b0b3f5e-5a0e-4f57-9d53-2b8f0f6b1d3a\n"),
    dict(GOOD, id="{5b0b3f5e-5a0e-4f57-9d53-2b8f0f6b1d3a}"),
    dict(GOOD, id="5b0b3f5e-5a0e-4f57-9d53-2b8f0f6b1d3g"),
    dict(GOOD, id=None),
    dict(GOOD, id=7),
    dict(GOOD, entity=["visit"]),
    dict(GOOD, op="x" * 17),
    dict(GOOD, record_id="r" * 64),
    dict(GOOD, seq=0),
    dict(GOOD, seq=-4),
    dict(GOOD, seq="1"),
    dict(GOOD, seq=1.5),
    dict(GOOD, seq=None),
    dict(GOOD, base_version="2"),
    dict(GOOD, base_version=2.0),
    dict(GOOD, captured_at=12),
    dict(GOOD, fields=None),
    dict(GOOD, extra=1),
    dict(GOOD, extra=1, seq="x"),
    {},
]


def schema_answer(item):
    try:
        return MutationIn().load(item), None
    except ma.ValidationError as error:
        return None, error.messages


def fast_answer(item):
    try:
        return check_mutations([item])[0], None
    except MutationShapeError as error:
        return None, error.errors[0]


@pytest.mark.parametrize("item", CASES, ids=range(len(CASES)))
def test_same_answer_as_the_schema(item):
    loaded, errors = schema_answer(item)
    fast_loaded, fast_errors = fast_answer(item)
    assert fast_errors == errors
    assert fast_loaded == loaded


def test_booleans_are_not_integers():
    with pytest.raises(MutationShapeError) as caught:
        check_mutations([dict(GOOD, seq=True)])
    assert caught.value.errors == {0: {"seq": ["Not a valid integer."]}}


def test_every_bad_mutation_is_named_by_index():
    items = [GOOD, dict(GOOD, seq=0), "not an object", dict(GOOD, op=None)]
    with pytest.raises(MutationShapeError) as caught:
        check_mutations(items)
    assert set(caught.value.errors) == {1, 2, 3}
    assert caught.value.errors[2] == {"_schema": ["Invalid input type."]}


def test_defaults_are_filled_and_the_input_left_alone():
    item = dict(GOOD)
    (loaded,) = check_mutations([item])
    assert loaded == dict(GOOD, base_version=None, captured_at=None, fields={})
    assert item == GOOD


@pytest.mark.parametrize(
    "mutation_id",
    ["m1", "", "5b0b3f5e5a0e4f579d532b8f0f6b1d3a", "5b0b3f5e-5a0e-4f57-9d53-2b8f0f6b1d3a\n"],
)
def test_a_mutation_id_that_is_not_a_uuid_names_the_field(mutation_id):
    with pytest.raises(MutationShapeError) as caught:
        check_mutations([GOOD, dict(GOOD, id=mutation_id)])
    assert caught.value.errors == {1: {"id": ["Not a valid UUID."]}}
