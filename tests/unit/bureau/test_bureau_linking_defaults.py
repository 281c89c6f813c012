"""The bureau's default linking radii and fit tables, and their overrides."""

from __future__ import annotations

import pytest

from bureau.errors import InvalidInput
from bureau.linking_defaults import (
    DEFAULT_INDUSTRY_FIT,
    DEFAULT_LINKING_RULES,
    DEFAULT_POLLUTANT_FIT,
    DEFAULT_RADIUS_M,
    linking_rules,
)
from bureau.vocabulary import COMPLAINT_CATEGORIES, INDUSTRIES, POLLUTANTS
from gis.linking import EnterpriseCandidate, rank_candidates


def test_every_category_has_a_radius_and_fit_rows() -> None:
    assert set(DEFAULT_RADIUS_M) == set(COMPLAINT_CATEGORIES)
    assert set(DEFAULT_INDUSTRY_FIT) == set(COMPLAINT_CATEGORIES)
    assert set(DEFAULT_POLLUTANT_FIT) == set(COMPLAINT_CATEGORIES)


def test_tables_use_only_vocabulary_codes() -> None:
    for row in DEFAULT_INDUSTRY_FIT.values():
        assert set(row) <= set(INDUSTRIES)
    for row in DEFAULT_POLLUTANT_FIT.values():
        assert set(row) <= set(POLLUTANTS)


def test_a_pollutant_category_fits_its_own_pollutant_fully() -> None:
    for code in POLLUTANTS:
        assert DEFAULT_POLLUTANT_FIT[code][code] == 1.0


def test_radii_follow_how_far_each_nuisance_carries() -> None:
    r = DEFAULT_RADIUS_M
    assert 300 <= r["noise"] <= 500
    assert r["noise"] < r["dust"] < r["odour"] == r["waste_gas"] < r["waste_water"]
    assert 2000 <= r["odour"] <= 5000


def test_defaults_are_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT_RADIUS_M["noise"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        DEFAULT_INDUSTRY_FIT["noise"]["cement"] = 0.0  # type: ignore[index]


def test_a_livestock_farm_ranks_first_for_odour() -> None:
    farm = EnterpriseCandidate(1, 1800.0, "livestock", ("odour", "waste_water"))
    restaurant = EnterpriseCandidate(2, 400.0, "catering", ("noise",))
    plating = EnterpriseCandidate(3, 900.0, "electroplating", ("waste_water",))
    got = rank_candidates("odour", [restaurant, plating, farm], DEFAULT_LINKING_RULES)
    assert [s.enterprise_id for s in got] == [1, 2, 3]


def test_noise_ignores_a_plant_beyond_500_m() -> None:
    plant = EnterpriseCandidate(1, 600.0, "cement", ("noise", "dust"))
    assert rank_candidates("noise", [plant], DEFAULT_LINKING_RULES) == []
    assert len(rank_candidates("dust", [plant], DEFAULT_LINKING_RULES)) == 1


def test_overrides_replace_one_category() -> None:
    rules = linking_rules(radius_m={"noise": 300.0}, industry_fit={"noise": {"catering": 1.0}})
    assert rules.radius_for("noise") == 300.0
    assert rules.radius_for("odour") == DEFAULT_RADIUS_M["odour"]
    assert dict(rules.industry_fit["noise"]) == {"catering": 1.0}
    assert rules.industry_fit["odour"] == DEFAULT_INDUSTRY_FIT["odour"]


def test_unknown_codes_are_all_reported() -> None:
    with pytest.raises(InvalidInput) as exc:
        linking_rules(
            radius_m={"smell": 100.0},
            industry_fit={"noise": {"disco": 1.0}},
            pollutant_fit={"odour": {"stink": 1.0}},
        )
    assert set(exc.value.errors) == {
        "radius_m.smell",
        "industry_fit.noise",
        "pollutant_fit.odour",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"radius_m": {"noise": -1.0}},
        {"industry_fit": {"noise": {"cement": 2.0}}},
        {"max_suggestions": 0},
    ],
)
def test_bad_numbers_are_invalid_input(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        linking_rules(**kwargs)  # type: ignore[arg-type]
