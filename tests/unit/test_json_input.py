"""Reading request bodies: text no field may hold is refused with the field's path."""

from __future__ import annotations

import json

import pytest

from bureau.errors import InvalidInput
from server.json_input import MAX_DEPTH, find_bad_text, load_json


def test_ordinary_bodies_read_as_json_does() -> None:
    body = {"a": [1, 2.5, None, True], "名称": "化工园区 😷", "b": {"c": "x"}}
    assert load_json(json.dumps(body).encode()) == body
    assert load_json(json.dumps(body, ensure_ascii=False)) == body


def test_nan_still_reads_so_that_only_its_record_is_refused() -> None:
    value = load_json(b'{"lon": NaN}')
    assert value["lon"] != value["lon"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"name": "a\\u0000b"}', "name"),
        (b'{"m": [{"x": 1}, {"fields": {"notes": "\\ud800"}}]}', "m[1].fields.notes"),
        (b'{"m": ["ok", "\\udfff tail"]}', "m[1]"),
        (b'"\\u0000"', "_body"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_naming_where(raw: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        load_json(raw)
    assert list(refused.value.errors) == [field]


def test_a_key_holding_what_no_text_may_is_refused_too() -> None:
    with pytest.raises(InvalidInput):
        load_json(b'{"a\\u0000": 1}')


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000])
def test_nesting_beyond_the_limit_is_refused(depth: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        load_json(b"[" * depth + b"]" * depth)
    assert "_body" in refused.value.errors


def test_nesting_within_the_limit_reads() -> None:
    depth = MAX_DEPTH - 1
    assert find_bad_text(load_json(b"[" * depth + b"]" * depth)) is None


def test_what_is_not_json_is_a_value_error_for_the_caller_to_answer() -> None:
    with pytest.raises(ValueError):
        load_json(b"{not json")
