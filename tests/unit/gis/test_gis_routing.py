"""Routing a point to one station, or to the county desk."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import box

from gis.routing import (
    COUNTY_DESK,
    StationArea,
    StationCandidate,
    choose_station,
    route_point,
    stations_containing,
)

TOWNSHIP = StationArea("ST01", 1, box(119.90, 31.70, 120.00, 31.80))
PARK = StationArea("ST02", 2, box(119.94, 31.74, 119.96, 31.76))  # inside the township
NEIGHBOUR = StationArea("ST03", 3, box(120.00, 31.70, 120.10, 31.80))  # shares an edge
STATIONS = [TOWNSHIP, PARK, NEIGHBOUR]


class TestChooseStation:
    def test_no_candidate_goes_to_the_county_desk(self) -> None:
        decision = choose_station([])
        assert decision.destination == COUNTY_DESK
        assert decision.to_county_desk
        assert (decision.station_code, decision.station_id, decision.overlapping) == (
            None,
            None,
            (),
        )
        assert "county desk" in decision.reason

    def test_county_desk_name_is_configurable(self) -> None:
        assert choose_station([], county_desk="hotline").destination == "hotline"

    def test_single_candidate(self) -> None:
        decision = choose_station([StationCandidate("ST01", 1, 5e7)])
        assert (decision.destination, decision.station_code, decision.station_id) == (
            "ST01",
            "ST01",
            1,
        )
        assert not decision.to_county_desk
        assert decision.overlapping == ("ST01",)

    def test_smallest_area_wins_whatever_the_order(self) -> None:
        big, small = StationCandidate("ST01", 1, 5e7), StationCandidate("ST09", 9, 4e6)
        for order in ([big, small], [small, big]):
            decision = choose_station(order)
            assert decision.station_code == "ST09"
            assert decision.overlapping == ("ST09", "ST01")
            assert "smallest" in decision.reason

    def test_equal_area_goes_to_the_lowest_code(self) -> None:
        decision = choose_station(
            [StationCandidate("ST07", 7, 1e6), StationCandidate("ST03", 3, 1e6)]
        )
        assert decision.station_code == "ST03"
        assert "lowest station code" in decision.reason

    def test_areas_differing_below_a_square_metre_count_as_equal(self) -> None:
        # PostGIS and SpatiaLite may differ in the last digits; the order must not.
        decision = choose_station(
            [StationCandidate("ST07", 7, 1_000_000.2), StationCandidate("ST03", 3, 1_000_000.4)]
        )
        assert decision.station_code == "ST03"

    def test_one_square_metre_smaller_wins(self) -> None:
        decision = choose_station(
            [StationCandidate("ST03", 3, 1_000_001.0), StationCandidate("ST07", 7, 1_000_000.0)]
        )
        assert decision.station_code == "ST07"

    def test_the_same_candidate_twice_counts_once(self) -> None:
        c = StationCandidate("ST01", 1, 5e7)
        assert choose_station([c, c]).overlapping == ("ST01",)

    def test_the_same_code_with_different_values_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="ST01"):
            choose_station([StationCandidate("ST01", 1, 5e7), StationCandidate("ST01", 2, 5e7)])

    @pytest.mark.parametrize("area", [-1.0, math.nan, math.inf, None, "5"])
    def test_bad_areas_are_errors(self, area: object) -> None:
        with pytest.raises(ValueError, match="area"):
            choose_station([StationCandidate("ST01", 1, area)])  # type: ignore[arg-type]

    def test_accepts_a_generator(self) -> None:
        candidates = (StationCandidate(f"ST0{i}", i, 1e6 * i) for i in (3, 1, 2))
        assert choose_station(candidates).overlapping == ("ST01", "ST02", "ST03")


class TestRoutePoint:
    def test_inside_one_station(self) -> None:
        assert route_point(120.05, 31.75, STATIONS).station_code == "ST03"

    def test_a_park_inside_a_township_wins(self) -> None:
        decision = route_point(119.95, 31.75, STATIONS)
        assert decision.station_code == "ST02"
        assert decision.overlapping == ("ST02", "ST01")

    def test_a_shared_border_goes_to_one_station(self) -> None:
        # Both boxes are 0.1° x 0.1° at the same latitudes: equal areas, lowest code wins.
        decision = route_point(120.0, 31.75, STATIONS)
        assert decision.overlapping == ("ST01", "ST03")
        assert decision.station_code == "ST01"

    def test_outside_every_station(self) -> None:
        assert route_point(121.0, 31.75, STATIONS).to_county_desk

    def test_no_stations_at_all(self) -> None:
        assert route_point(119.95, 31.75, []).to_county_desk

    def test_stations_containing_reports_areas(self) -> None:
        found = stations_containing(119.95, 31.75, STATIONS)
        assert [c.code for c in found] == ["ST01", "ST02"]
        assert found[1].area_m2 == pytest.approx(1893 * 2219, rel=0.01)
