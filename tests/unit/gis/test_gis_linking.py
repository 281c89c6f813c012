"""rank_candidates: enterprises ranked by distance and fit, deterministically."""

from __future__ import annotations

import math

import pytest

from gis.linking import EnterpriseCandidate, LinkingRules, rank_candidates, search_radius_m

RULES = LinkingRules(
    radius_m={"noise": 500.0, "odour": 3000.0},
    default_radius_m=1000.0,
    industry_fit={"noise": {"cement": 0.9, "catering": 0.5}, "odour": {"livestock": 1.0}},
    pollutant_fit={"noise": {"noise": 1.0}, "odour": {"odour": 1.0, "waste_gas": 0.5}},
)


def cand(eid: int | str, d: float, industry: str = "catering", *pollutants: str):
    return EnterpriseCandidate(eid, d, industry, tuple(pollutants))


class TestRadius:
    def test_per_category_and_default(self) -> None:
        assert search_radius_m("noise", RULES) == 500.0
        assert search_radius_m("odour", RULES) == 3000.0
        assert search_radius_m("radiation", RULES) == 1000.0


class TestRanking:
    def test_empty(self) -> None:
        assert rank_candidates("noise", [], RULES) == []

    def test_score_is_the_weighted_mean(self) -> None:
        [s] = rank_candidates("noise", [cand(1, 250.0, "cement", "noise")], RULES)
        # distance 0.5 * (1 - 250/500) + industry 0.2 * 0.9 + pollutant 0.3 * 1.0
        assert s.score == pytest.approx(0.25 + 0.18 + 0.3)
        assert (s.industry_fit, s.pollutant_fit, s.distance_m) == (0.9, 1.0, 250.0)

    def test_on_the_spot_with_full_fit_scores_one(self) -> None:
        rules = LinkingRules(
            radius_m={},
            default_radius_m=500,
            industry_fit={"noise": {"cement": 1.0}},
            pollutant_fit={"noise": {"noise": 1.0}},
        )
        assert rank_candidates("noise", [cand(1, 0.0, "cement", "noise")], rules)[0].score == 1.0

    def test_the_radius_edge_is_in_and_beyond_is_out(self) -> None:
        got = rank_candidates("noise", [cand(1, 500.0), cand(2, 500.001)], RULES)
        assert [s.enterprise_id for s in got] == [1]

    def test_nearer_is_better_when_fit_is_equal(self) -> None:
        got = rank_candidates("noise", [cand(1, 400.0), cand(2, 100.0), cand(3, 250.0)], RULES)
        assert [s.enterprise_id for s in got] == [2, 3, 1]

    def test_fit_can_outrank_distance(self) -> None:
        near_bakery = cand(1, 50.0, "food_processing")
        cement_plant = cand(2, 300.0, "cement", "noise", "dust")
        got = rank_candidates("noise", [near_bakery, cement_plant], RULES)
        assert [s.enterprise_id for s in got] == [2, 1]

    def test_best_declared_pollutant_counts(self) -> None:
        [s] = rank_candidates("odour", [cand(1, 0.0, "chemical", "waste_gas", "odour")], RULES)
        assert s.pollutant_fit == 1.0
        [s] = rank_candidates("odour", [cand(1, 0.0, "chemical", "waste_gas")], RULES)
        assert s.pollutant_fit == 0.5

    def test_equal_scores_break_by_distance_then_id(self) -> None:
        # "a" and "b" tie on score and distance: the id decides. "c" is nearer but scores less.
        a = cand("b", 100.0)
        b = cand("a", 100.0)
        c = cand("c", 60.0, "none")  # 0.44 < 0.5
        got = rank_candidates("noise", [a, c, b], RULES)
        assert [s.enterprise_id for s in got] == ["a", "b", "c"]
        # Equal scores from different mixes: the nearer one first.
        tie_1 = cand(2, 300.0, "cement")  # 0.5*0.4 + 0.2*0.9 = 0.38
        tie_2 = cand(9, 120.0, "unknown")  # 0.5*0.76 = 0.38, nearer, higher id
        got = rank_candidates("noise", [tie_1, tie_2], RULES)
        assert got[0].score == got[1].score
        assert [s.enterprise_id for s in got] == [9, 2]

    def test_order_does_not_depend_on_input_order(self) -> None:
        items = [cand(i, float(d), "catering") for i, d in enumerate([300, 10, 10, 200, 499])]
        first = rank_candidates("noise", items, RULES)
        assert rank_candidates("noise", reversed(items), RULES) == first
        assert [s.enterprise_id for s in first] == [1, 2, 3, 0, 4]

    def test_max_suggestions(self) -> None:
        rules = LinkingRules(radius_m={}, default_radius_m=1000, max_suggestions=2)
        got = rank_candidates("noise", [cand(i, 10.0 * i) for i in range(5)], rules)
        assert [s.enterprise_id for s in got] == [0, 1]
        unlimited = LinkingRules(radius_m={}, default_radius_m=1000, max_suggestions=None)
        assert len(rank_candidates("noise", [cand(i, 1.0) for i in range(50)], unlimited)) == 50

    def test_unknown_category_uses_the_default_radius_and_no_fit(self) -> None:
        [s] = rank_candidates("ecology", [cand(1, 500.0, "cement", "noise")], RULES)
        assert (s.score, s.industry_fit, s.pollutant_fit) == (0.25, 0.0, 0.0)

    def test_the_same_candidate_twice_counts_once(self) -> None:
        assert len(rank_candidates("noise", [cand(1, 10.0), cand(1, 10.0)], RULES)) == 1

    def test_one_id_with_two_records_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="twice"):
            rank_candidates("noise", [cand(1, 10.0), cand(1, 20.0)], RULES)

    @pytest.mark.parametrize("distance", [-1.0, math.nan, math.inf, None, True])
    def test_bad_distances_are_errors(self, distance: object) -> None:
        with pytest.raises(ValueError, match="distance"):
            rank_candidates("noise", [cand(1, distance)], RULES)  # type: ignore[arg-type]


class TestReasons:
    def test_reasons_say_distance_industry_and_pollutant(self) -> None:
        [s] = rank_candidates("noise", [cand(7, 312.4, "cement", "dust", "noise")], RULES)
        assert s.reasons == (
            "312.4 m away, within the 500 m search radius for noise complaints",
            "industry cement often causes noise complaints (fit 0.9)",
            "declares noise emissions (fit 1.0)",
        )

    def test_reasons_for_a_poor_fit(self) -> None:
        [s] = rank_candidates("noise", [cand(7, 10.0, "papermaking", "waste_water")], RULES)
        assert s.reasons[1:] == (
            "industry papermaking is not typical of noise complaints",
            "declares no pollutant related to noise",
        )
        [s] = rank_candidates("noise", [cand(7, 10.0, "papermaking")], RULES)
        assert s.reasons[2] == "declares no pollutants"

    def test_as_dict(self) -> None:
        [s] = rank_candidates("noise", [cand(7, 0.0, "cement", "noise")], RULES)
        data = s.as_dict()
        assert data["enterprise_id"] == 7 and data["score"] == s.score
        assert isinstance(data["reasons"], list)


class TestRulesValidation:
    @pytest.mark.parametrize("radius", [0, -5, math.nan, math.inf, "500", None])
    def test_bad_radius(self, radius: object) -> None:
        with pytest.raises(ValueError, match="radius"):
            LinkingRules(radius_m={"noise": radius}, default_radius_m=500)  # type: ignore[dict-item]
        with pytest.raises(ValueError, match="radius"):
            LinkingRules(radius_m={}, default_radius_m=radius)  # type: ignore[arg-type]

    @pytest.mark.parametrize("fit", [-0.1, 1.1, math.nan, "1"])
    def test_bad_fit(self, fit: object) -> None:
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            LinkingRules(radius_m={}, default_radius_m=500, industry_fit={"noise": {"cement": fit}})  # type: ignore[dict-item]

    def test_bad_weights(self) -> None:
        with pytest.raises(ValueError, match="weights"):
            LinkingRules(
                radius_m={},
                default_radius_m=500,
                distance_weight=0,
                industry_weight=0,
                pollutant_weight=0,
            )
        with pytest.raises(ValueError, match="weights"):
            LinkingRules(radius_m={}, default_radius_m=500, distance_weight=-1)

    @pytest.mark.parametrize("limit", [0, -1, 2.5])
    def test_bad_max_suggestions(self, limit: object) -> None:
        with pytest.raises(ValueError, match="max_suggestions"):
            LinkingRules(radius_m={}, default_radius_m=500, max_suggestions=limit)  # type: ignore[arg-type]

    def test_rules_do_not_change_when_the_input_tables_do(self) -> None:
        radii = {"noise": 500.0}
        fits = {"noise": {"cement": 0.9}}
        rules = LinkingRules(radius_m=radii, default_radius_m=1000, industry_fit=fits)
        radii["noise"] = 10.0
        fits["noise"]["cement"] = 0.0
        assert rules.radius_for("noise") == 500.0
        assert rules.industry_fit["noise"]["cement"] == 0.9
        with pytest.raises(TypeError):
            rules.radius_m["noise"] = 1.0  # type: ignore[index]
