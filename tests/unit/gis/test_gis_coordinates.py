"""validate_lonlat and validate_accuracy: the ways a phone gets a position wrong."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from gis.bbox import BBox
from gis.errors import GeometryError
from gis.geometry import validate_accuracy, validate_lonlat


@pytest.fixture
def county() -> BBox:
    """A service area around a county near 119.95E 31.77N (southern Jiangsu)."""
    return BBox(119.4, 31.3, 120.5, 32.2)


class TestValidateLonLat:
    def test_returns_plain_floats(self) -> None:
        lon, lat = validate_lonlat(120, np.float64(31.5))
        assert (lon, lat) == (120.0, 31.5)
        assert type(lon) is float and type(lat) is float

    def test_accepts_numpy_integers_and_fractions(self) -> None:
        assert validate_lonlat(np.int64(120), Fraction(63, 2)) == (120.0, 31.5)

    @pytest.mark.parametrize(
        "lon, lat",
        [("120.1", 31.0), (120.1, "31"), (None, 31.0), (True, 31.0), (120.0, False), ([1], 2)],
    )
    def test_non_numbers_are_rejected(self, lon: object, lat: object) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(lon, lat, field="location")
        assert exc.value.code == "not_a_number"
        assert exc.value.field == "location"

    def test_decimal_is_not_accepted(self) -> None:
        # Decimal is not a numbers.Real; JSON decoders only give one when asked to.
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(Decimal("120.1"), 31.0)
        assert exc.value.code == "not_a_number"

    @pytest.mark.parametrize(
        "lon, lat", [(math.nan, 31.0), (120.0, math.nan), (math.inf, 31.0), (120.0, -math.inf)]
    )
    def test_nan_and_infinity_are_not_a_number(self, lon: float, lat: float) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(lon, lat)
        assert exc.value.code == "not_a_number"
        assert "finite" in exc.value.reason

    def test_reason_names_the_bad_component(self) -> None:
        with pytest.raises(GeometryError, match="latitude"):
            validate_lonlat(120.0, "north")

    @pytest.mark.parametrize(
        "lon, lat",
        [(180.0001, 31.0), (-180.5, 31.0), (120.0, 90.5), (120.0, -181.0), (200.0, 100.0)],
    )
    def test_out_of_range(self, lon: float, lat: float) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(lon, lat)
        assert exc.value.code == "coordinates_out_of_range"
        assert "[-180, 180]" in exc.value.reason and "[-90, 90]" in exc.value.reason

    @pytest.mark.parametrize("lon, lat", [(180.0, 90.0), (-180.0, -90.0), (0.0, 51.5)])
    def test_range_edges_are_accepted(self, lon: float, lat: float) -> None:
        assert validate_lonlat(lon, lat) == (lon, lat)

    def test_latitude_out_of_range_but_swappable_is_swapped(self) -> None:
        # [lat, lon] for a point in the county: latitude 119.95 is impossible.
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(31.77, 119.95, field="geometry.coordinates")
        assert exc.value.code == "swapped_coordinates"
        assert exc.value.field == "geometry.coordinates"
        assert "swapped" in exc.value.reason

    def test_exactly_zero_zero_is_null_island(self) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(0, 0.0)
        assert exc.value.code == "null_island"

    @pytest.mark.parametrize("lon, lat", [(0.0, 0.000001), (-0.000001, 0.0)])
    def test_near_zero_is_not_null_island(self, lon: float, lat: float) -> None:
        assert validate_lonlat(lon, lat) == (lon, lat)

    def test_negative_zero_is_null_island_too(self) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(-0.0, 0.0)
        assert exc.value.code == "null_island"

    def test_inside_service_area(self, county: BBox) -> None:
        assert validate_lonlat(119.95, 31.77, service_area=county) == (119.95, 31.77)

    def test_service_area_edges_are_inside(self, county: BBox) -> None:
        assert validate_lonlat(119.4, 32.2, service_area=county) == (119.4, 32.2)

    def test_outside_service_area_names_the_area(self, county: BBox) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(116.40, 39.91, service_area=county)  # Beijing
        assert exc.value.code == "outside_service_area"
        assert "119.4,31.3,120.5,32.2" in exc.value.reason

    def test_swapped_into_service_area(self) -> None:
        # A service area where (lat, lon) swapped is still a valid lon/lat pair.
        area = BBox(30.0, 50.0, 31.0, 51.0)
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(50.5, 30.5, service_area=area)
        assert exc.value.code == "swapped_coordinates"
        assert "service area" in exc.value.reason

    def test_range_is_checked_before_service_area(self, county: BBox) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(31.77, 119.95, service_area=county)
        assert exc.value.code == "swapped_coordinates"

    def test_null_island_is_checked_before_service_area(self, county: BBox) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_lonlat(0.0, 0.0, service_area=county)
        assert exc.value.code == "null_island"


class TestValidateAccuracy:
    @pytest.mark.parametrize("value", [0.5, 5, 65.0, 100_000, np.float32(12.5)])
    def test_accepts_positive_numbers(self, value: float) -> None:
        result = validate_accuracy(value)
        assert result == float(value)
        assert type(result) is float

    def test_none_is_missing(self) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_accuracy(None)
        assert (exc.value.code, exc.value.field) == ("missing_accuracy", "accuracy_m")

    @pytest.mark.parametrize(
        "value", [0, 0.0, -1.0, 100_000.01, math.nan, math.inf, "5", True, [5.0]]
    )
    def test_rejects_bad_values(self, value: object) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_accuracy(value, field="fix.accuracy_m")
        assert exc.value.code == "invalid_accuracy"
        assert exc.value.field == "fix.accuracy_m"

    def test_long_junk_is_shortened_in_the_reason(self) -> None:
        with pytest.raises(GeometryError) as exc:
            validate_accuracy("x" * 500)
        assert len(exc.value.reason) < 200
