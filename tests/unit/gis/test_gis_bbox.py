"""BBox and parse_bbox."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gis.distance import geodesic_distance_m
from gis.errors import GeometryError
from gis.geometry import BBox, parse_bbox


class TestParseBBox:
    def test_parses_four_numbers(self) -> None:
        assert parse_bbox("119.4,31.3,120.5,32.2") == BBox(119.4, 31.3, 120.5, 32.2)

    def test_allows_spaces_signs_and_exponents(self) -> None:
        assert parse_bbox(" -1.5 , -2 ,+3e0, .5 ") == BBox(-1.5, -2.0, 3.0, 0.5)

    def test_degenerate_box_is_allowed(self) -> None:
        assert parse_bbox("120,30,120,30").as_tuple() == (120.0, 30.0, 120.0, 30.0)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "1,2,,4",
            "a,2,3,4",
            "nan,2,3,4",
            "1,inf,3,4",
            "1,2,3,1e400",
            "1_0,2,3,4",
            "0x10,2,30,40",
            "1;2;3;4",
        ],
    )
    def test_rejects_malformed_text(self, text: str) -> None:
        with pytest.raises(GeometryError) as exc:
            parse_bbox(text)
        assert exc.value.code == "invalid_bbox"
        assert exc.value.field == "bbox"

    def test_reports_the_count(self) -> None:
        with pytest.raises(GeometryError, match="got 3"):
            parse_bbox("1,2,3")

    @pytest.mark.parametrize("text", ["121,30,120,31", "120,31,121,30"])
    def test_rejects_min_greater_than_max(self, text: str) -> None:
        with pytest.raises(GeometryError, match="must not exceed") as exc:
            parse_bbox(text, field="query.bbox")
        assert exc.value.field == "query.bbox"

    @pytest.mark.parametrize("text", ["-181,0,1,1", "0,-91,1,1", "0,0,181,1", "0,0,1,90.5"])
    def test_rejects_out_of_range(self, text: str) -> None:
        with pytest.raises(GeometryError, match="out of range") as exc:
            parse_bbox(text)
        assert exc.value.code == "invalid_bbox"

    def test_rejects_non_strings(self) -> None:
        with pytest.raises(GeometryError) as exc:
            parse_bbox([1, 2, 3, 4])  # type: ignore[arg-type]
        assert exc.value.code == "invalid_bbox"


class TestBBox:
    def test_constructor_validates_and_coerces_to_float(self) -> None:
        box = BBox(np.float64(1), 2, 3, np.int64(4))
        assert box.as_tuple() == (1.0, 2.0, 3.0, 4.0)
        assert all(type(v) is float for v in box.as_tuple())

    @pytest.mark.parametrize(
        "values", [(3, 0, 1, 1), (0, 0, 1, math.nan), (0, 0, 200, 1), ("0", 0, 1, 1)]
    )
    def test_constructor_rejects_bad_values(self, values: tuple[object, ...]) -> None:
        with pytest.raises(GeometryError) as exc:
            BBox(*values)  # type: ignore[arg-type]
        assert exc.value.code == "invalid_bbox"

    def test_is_frozen_and_hashable(self) -> None:
        box = BBox(0, 0, 1, 1)
        with pytest.raises(AttributeError):
            box.min_lon = 5.0  # type: ignore[misc]
        assert {box, BBox(0.0, 0.0, 1.0, 1.0)} == {box}

    def test_str_round_trips_through_parse(self) -> None:
        box = BBox(119.4, 31.3, 120.5, 32.2)
        assert parse_bbox(str(box)) == box

    @pytest.mark.parametrize(
        "lon, lat, inside",
        [
            (120.0, 31.5, True),
            (119.4, 31.3, True),
            (120.5, 32.2, True),
            (119.39, 31.5, False),
            (120.0, 32.21, False),
        ],
    )
    def test_contains_includes_edges(self, lon: float, lat: float, inside: bool) -> None:
        assert BBox(119.4, 31.3, 120.5, 32.2).contains(lon, lat) is inside

    def test_as_polygon(self) -> None:
        poly = BBox(119.4, 31.3, 120.5, 32.2).as_polygon()
        assert poly.bounds == (119.4, 31.3, 120.5, 32.2)
        assert poly.is_valid and poly.exterior.is_ccw

    def test_expanded_contains_every_point_within_the_distance(self) -> None:
        box = BBox(119.9, 31.7, 120.0, 31.8)
        grown = box.expanded(500)
        for lon, lat in [(120.0, 31.8), (119.9, 31.7), (120.0, 31.7), (119.95, 31.8)]:
            for dlon, dlat in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1)]:
                far = _farthest_within(lon, lat, dlon, dlat, 500.0)
                assert geodesic_distance_m(lon, lat, *far) <= 500.0
                assert grown.contains(*far)

    def test_expanded_is_not_wildly_larger(self) -> None:
        grown = BBox(120.0, 31.0, 120.0, 31.0).expanded(1000)
        width_m = geodesic_distance_m(grown.min_lon, 31.0, grown.max_lon, 31.0)
        height_m = geodesic_distance_m(120.0, grown.min_lat, 120.0, grown.max_lat)
        assert 2000 <= width_m <= 2005  # conservative by a fraction of a per cent
        assert 2000 <= height_m <= 2010  # 110574 m is the shortest degree of latitude

    def test_expanded_by_zero_is_the_same_box(self) -> None:
        box = BBox(1, 2, 3, 4)
        assert box.expanded(0) == box

    def test_expanded_clamps_to_valid_range(self) -> None:
        grown = BBox(179.99, 89.99, 180.0, 90.0).expanded(10_000)
        assert grown.max_lon == 180.0 and grown.max_lat == 90.0
        assert grown.min_lon == -180.0  # within 10 km of the pole every longitude qualifies

    @pytest.mark.parametrize("metres", [-1, math.nan, "5"])
    def test_expanded_rejects_bad_distances(self, metres: object) -> None:
        with pytest.raises(ValueError):
            BBox(0, 0, 1, 1).expanded(metres)  # type: ignore[arg-type]


def _farthest_within(
    lon: float, lat: float, dlon: float, dlat: float, metres: float
) -> tuple[float, float]:
    """The point farthest from (lon, lat) along (dlon, dlat) degrees that is within metres."""
    low, high = 0.0, 1.0  # 1 degree is far more than 500 m
    for _ in range(60):
        mid = (low + high) / 2
        if geodesic_distance_m(lon, lat, lon + dlon * mid, lat + dlat * mid) <= metres:
            low = mid
        else:
            high = mid
    return lon + dlon * low, lat + dlat * low
