"""Business scope: which desk a complaint category goes to."""

from __future__ import annotations

import pytest

from bureau.errors import InvalidInput
from bureau.scope import DEFAULT_SCOPE, FALLBACK_DESK, desk_for, scope_table
from bureau.vocabulary import COMPLAINT_CATEGORIES, DESKS


def test_every_category_has_a_default_desk() -> None:
    assert set(DEFAULT_SCOPE) == set(COMPLAINT_CATEGORIES)
    assert set(DEFAULT_SCOPE.values()) <= set(DESKS)
    assert FALLBACK_DESK in DESKS


@pytest.mark.parametrize(
    "category, desk",
    [
        ("waste_gas", "air"),
        ("odour", "air"),
        ("dust", "air"),
        ("waste_water", "water"),
        ("noise", "noise"),
        ("solid_waste", "solid_waste"),
        ("hazardous_waste", "solid_waste"),
        ("radiation", "radiation"),
        ("ecology", "ecology"),
        ("other", "general"),
    ],
)
def test_default_desks(category: str, desk: str) -> None:
    assert desk_for(category) == desk


def test_every_desk_gets_some_category() -> None:
    assert set(DEFAULT_SCOPE.values()) == set(DESKS)


def test_override_moves_one_category_and_keeps_the_rest() -> None:
    table = scope_table({"dust": "general"})
    assert desk_for("dust", table) == "general"
    assert desk_for("odour", table) == "air"
    assert DEFAULT_SCOPE["dust"] == "air"  # the defaults are untouched


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        scope_table()["noise"] = "air"  # type: ignore[index]


def test_a_category_missing_from_a_custom_table_goes_to_the_fallback() -> None:
    assert desk_for("noise", {"odour": "air"}) == FALLBACK_DESK


@pytest.mark.parametrize("category", ["smell", "", "Noise", None])
def test_unknown_categories_are_refused(category: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        desk_for(category)  # type: ignore[arg-type]
    assert "category" in exc.value.errors


def test_bad_overrides_are_all_reported() -> None:
    with pytest.raises(InvalidInput) as exc:
        scope_table({"smell": "air", "noise": "acoustics", "dust": "general"})
    assert set(exc.value.errors) == {"smell", "noise"}
    assert "acoustics" in exc.value.errors["noise"][0]
