"""The fast path for new visits answers as the generic validation does, or steps aside."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.bbox import BBox
from sync.entities import ENTITIES, Context, InvalidFields, validate_fields
from sync.visit_fast import quick_visit

AREA = BBox(119.5, 31.4, 120.4, 32.0)
HASH = "ab" * 32

TYPICAL = {
    "target_kind": "enterprise",
    "target_ref": " 91320412MA1XXXXX0X ",
    "location": {"type": "Point", "coordinates": [119.87123456789, 31.7]},
    "accuracy_m": 12,
    "visited_at": "2026-11-25T09:00:00.120000+08:00",
    "findings": "  排污口正常, 无异味\n",
    "photos": [HASH],
    "mock_location": False,
}


def generic(fields, ctx):
    try:
        return validate_fields(ENTITIES["visit"], "create", fields, ctx)
    except InvalidFields:
        return None


@pytest.mark.parametrize("area", [AREA, None])
@pytest.mark.parametrize(
    "fields",
    [
        TYPICAL,
        {k: TYPICAL[k] for k in ("target_kind", "location", "accuracy_m", "visited_at")},
        {**TYPICAL, "target_ref": None, "findings": None, "photos": None, "mock_location": None},
        {**TYPICAL, "visited_at": "2026-11-25T01:00:00Z", "photos": []},
    ],
)
def test_the_visits_phones_send_take_the_fast_path_with_the_generic_answer(fields, area):
    ctx = Context(service_area=area)
    clean, at = quick_visit(fields, ctx)
    assert clean == generic(fields, ctx)
    assert at == datetime.fromisoformat(clean["visited_at"].replace("Z", "+00:00"))
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"location": {"type": "Point", "coordinates": [119.87, 31.7], "datum": "gcj02"}},
        {"location": {"type": "Point", "coordinates": [119.87, 31.7, 12.0]}},
        {"roster_entry_id": "0b7d5f0e-3d5e-4b8e-9d6a-6d3c8f1e2a10"},
    ],
)
def test_valid_visits_of_a_rarer_shape_go_the_generic_way(change):
    fields = {**TYPICAL, **change}
    assert quick_visit(fields, Context(service_area=AREA)) is None
    assert generic(fields, Context(service_area=AREA)) is not None


@pytest.mark.parametrize(
    "change",
    [
        {"location": {"type": "Point", "coordinates": [math.nan, 31.7]}},
        {"location": {"type": "Point", "coordinates": [0, 0]}},
        {"location": {"type": "Point", "coordinates": [31.7, 119.87]}},
        {"location": {"type": "Point", "coordinates": [116.4, 39.9]}},
        {"location": {"type": "Point", "coordinates": [True, 31.7]}},
        {"accuracy_m": math.inf},
        {"accuracy_m": 0},
        {"accuracy_m": True},
        {"visited_at": "2026-11-25T09:00:00"},
        {"visited_at": "yesterday"},
        {"target_kind": "river"},
        {"target_kind": ["place"]},
        {"target_ref": "x" * 65},
        {"findings": 42},
        {"photos": [HASH + "\n"]},
        {"photos": [HASH] * 21},
        {"photos": [HASH.upper()]},
        {"mock_location": "no"},
        {"colour": "blue"},
    ],
)
def test_bad_visits_are_never_accepted_by_the_fast_path(change):
    fields = {**TYPICAL, **change}
    assert quick_visit(fields, Context(service_area=AREA)) is None
    assert generic(fields, Context(service_area=AREA)) is None


@pytest.mark.parametrize("position", [[0, 0], [0.0, -0.0], [180.5, 31.7], [119.87, -90.5]])
def test_without_a_service_area_impossible_positions_are_still_refused(position):
    fields = {**TYPICAL, "location": {"type": "Point", "coordinates": position}}
    assert quick_visit(fields, Context()) is None
    assert generic(fields, Context()) is None


def _numbers():
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=119.0, max_value=121.0),
        st.floats(min_value=31.0, max_value=32.5),
        st.integers(min_value=-200, max_value=200),
        st.sampled_from([0, 0.0, -0.0, 1e-9, 100_000, 100_000.0, 100_000.5, True, -1]),
    )


def _values():
    points = st.fixed_dictionaries(
        {"type": st.sampled_from(["Point", "point", "LineString"])},
        optional={
            "coordinates": st.one_of(
                st.lists(_numbers(), min_size=0, max_size=4), st.tuples(_numbers(), _numbers())
            ),
            "datum": st.sampled_from(["wgs84", "gcj02", "bd09", "utm"]),
        },
    )
    times = st.one_of(
        st.datetimes(timezones=st.sampled_from([UTC, None])).map(datetime.isoformat),
        st.sampled_from(
            ["2026-11-25T09:00:00+08:00", "2026-11-25T01:00:00Z", "2026-11-25 09:00", "", "Z"]
        ),
        st.text(max_size=30),
    )
    texts = st.one_of(st.text(max_size=80), st.just(" " * 70 + "x"), st.just("y" * 4001))
    photos = st.lists(
        st.sampled_from([HASH, HASH.upper(), HASH[:-1], HASH + "\n", "", 7]), max_size=3
    )
    return {
        "target_kind": st.one_of(st.sampled_from(["place", "enterprise", "house"]), st.none()),
        "target_ref": st.one_of(texts, st.none(), st.integers()),
        "location": st.one_of(points, st.none(), st.just([119.9, 31.7])),
        "accuracy_m": st.one_of(_numbers(), st.none(), st.just("5")),
        "visited_at": st.one_of(times, st.none(), st.integers()),
        "findings": st.one_of(texts, st.none()),
        "photos": st.one_of(photos, st.none(), st.just(HASH)),
        "mock_location": st.one_of(st.booleans(), st.none(), st.just(0)),
        "roster_entry_id": st.just("0b7d5f0e-3d5e-4b8e-9d6a-6d3c8f1e2a10"),
        "colour": st.just("blue"),
    }


@st.composite
def visit_fields(draw):
    """Well-formed visits with at most two fields disturbed, some optional ones left out,
    now and then a required one missing or a field no visit has."""
    values = _values()
    disturbed = set(draw(st.lists(st.sampled_from(sorted(TYPICAL)), max_size=2)))
    fields = {}
    for name in TYPICAL:
        required = name in ("target_kind", "location", "accuracy_m", "visited_at")
        if required and not draw(st.integers(0, 19)) or not required and draw(st.booleans()):
            continue
        fields[name] = draw(values[name]) if name in disturbed else TYPICAL[name]
    if not draw(st.integers(0, 19)):
        name = draw(st.sampled_from(["roster_entry_id", "colour"]))
        fields[name] = draw(values[name])
    return fields


@settings(max_examples=3000, deadline=None)
@given(fields=visit_fields(), area=st.sampled_from([AREA, None]))
def test_the_fast_path_gives_the_generic_answer_or_steps_aside(fields, area):
    ctx = Context(service_area=area)
    quick = quick_visit(fields, ctx)
    if quick is not None:
        clean, at = quick
        assert clean == generic(fields, ctx)
        assert at == datetime.fromisoformat(clean["visited_at"].replace("Z", "+00:00"))
