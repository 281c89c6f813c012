"""check_visit: flags for doubtful visit positions, never refusals."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from gis.distance import geodesic_distance_m
from gis.plausibility import (
    FLAG_CODES,
    PlausibilityThresholds,
    PreviousVisit,
    check_visit,
    future_time_flag,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
HERE = (119.95, 31.77)
M_PER_DEG_LON = geodesic_distance_m(119.95, 31.77, 119.96, 31.77) / 0.01


def east(metres: float) -> tuple[float, float]:
    return HERE[0] + metres / M_PER_DEG_LON, HERE[1]


def check(accuracy: object = 10.0, **kwargs: object):
    return check_visit(*HERE, accuracy, kwargs.pop("at", T0), **kwargs)  # type: ignore[arg-type]


def test_a_good_visit_has_no_flags() -> None:
    result = check(target=east(100), previous=PreviousVisit(*east(5000), T0 - timedelta(hours=1)))
    assert result.flags == () and result.plausible
    assert result.distance_to_target_m == pytest.approx(100, abs=0.01)
    assert result.speed_kmh == pytest.approx((5000 - 10) / 1000, abs=0.01)


def test_without_target_or_previous_nothing_is_measured() -> None:
    result = check()
    assert result.codes == ()
    assert (result.distance_to_target_m, result.distance_from_previous_m, result.speed_kmh) == (
        None,
        None,
        None,
    )


class TestMockAndAccuracy:
    def test_mock_location(self) -> None:
        assert check(mock_location=True).codes == ("mock_location",)

    @pytest.mark.parametrize("mock", [False, None])
    def test_no_mock(self, mock: object) -> None:
        assert check(mock_location=mock).codes == ()

    def test_missing_accuracy(self) -> None:
        result = check(None)
        assert result.codes == ("missing_accuracy",)
        assert "accuracy" in result.flags[0].reason
        assert result.accuracy_m is None

    @pytest.mark.parametrize("value", [0.0, -3.0, math.nan, "12", True])
    def test_invalid_accuracy_is_a_flag_not_an_error(self, value: object) -> None:
        assert check(value).codes == ("invalid_accuracy",)

    def test_poor_accuracy_boundary(self) -> None:
        assert check(100.0).codes == ()
        result = check(100.5)
        assert result.codes == ("poor_accuracy",)
        assert result.flags[0].measured == {"accuracy_m": 100.5, "threshold_m": 100.0}
        assert "100.5 m" in result.flags[0].reason


class TestFarFromTarget:
    def test_boundary_is_500_m_beyond_the_accuracy(self) -> None:
        assert check(20.0, target=east(519.0)).codes == ()
        result = check(20.0, target=east(521.0))
        assert result.codes == ("far_from_target",)
        measured = result.flags[0].measured
        assert measured["distance_m"] == pytest.approx(521.0, abs=0.01)
        assert measured["beyond_accuracy_m"] == pytest.approx(501.0, abs=0.01)

    def test_poor_accuracy_covers_the_distance(self) -> None:
        # 650 m away with a 200 m fix: poor, but possibly at the gate.
        assert check(200.0, target=east(650.0)).codes == ("poor_accuracy",)

    def test_without_accuracy_no_margin_is_allowed(self) -> None:
        assert check(None, target=east(510.0)).codes == ("missing_accuracy", "far_from_target")

    def test_threshold_is_configurable(self) -> None:
        strict = PlausibilityThresholds(far_from_target_m=100.0)
        assert check(10.0, target=east(200.0), thresholds=strict).codes == ("far_from_target",)

    def test_at_the_target(self) -> None:
        assert check(target=HERE).distance_to_target_m == 0.0


class TestSpeed:
    def test_fast_but_possible(self) -> None:
        # 10 km in 6 minutes, 10 m + 10 m accuracy: 99.8 km/h.
        prev = PreviousVisit(*east(10_000), T0 - timedelta(minutes=6), accuracy_m=10.0)
        result = check(10.0, previous=prev)
        assert result.codes == ()
        assert result.speed_kmh == pytest.approx(99.8, abs=0.01)

    def test_impossible(self) -> None:
        prev = PreviousVisit(*east(20_000), T0 - timedelta(minutes=6))
        result = check(10.0, previous=prev)
        assert result.codes == ("impossible_speed",)
        flag = result.flags[0]
        assert flag.measured["speed_kmh"] == pytest.approx(199.9, abs=0.01)
        assert "20.0 km" in flag.reason and "6 min" in flag.reason and "200 km/h" in flag.reason

    def test_boundary_is_strictly_faster(self) -> None:
        # Exactly 120 km/h (2000 m beyond the margin in 60 s) is not flagged.
        prev = PreviousVisit(*east(2010.0), T0 - timedelta(seconds=60))
        assert check(10.0, previous=prev).speed_kmh == pytest.approx(120.0, abs=1e-3)
        prev = PreviousVisit(*east(2011.0), T0 - timedelta(seconds=60))
        assert check(10.0, previous=prev).codes == ("impossible_speed",)

    def test_gps_jitter_within_accuracy_is_not_travel(self) -> None:
        # 60 m apart 1 s later with 30 m + 40 m accuracy: no movement beyond the margin.
        prev = PreviousVisit(*east(60.0), T0 - timedelta(seconds=1), accuracy_m=40.0)
        result = check(30.0, previous=prev)
        assert result.codes == () and result.speed_kmh == 0.0

    def test_zero_elapsed_time_and_no_movement(self) -> None:
        result = check(10.0, previous=PreviousVisit(*HERE, T0))
        assert result.codes == () and result.speed_kmh == 0.0 and result.elapsed_s == 0.0

    def test_zero_elapsed_time_with_movement(self) -> None:
        result = check(10.0, previous=PreviousVisit(*east(300.0), T0))
        assert result.codes == ("impossible_speed",)
        assert result.speed_kmh is None
        assert result.flags[0].measured["speed_kmh"] is None
        assert "no time" in result.flags[0].reason

    def test_time_going_backwards_is_flagged_and_speed_uses_the_gap(self) -> None:
        prev = PreviousVisit(*east(1000.0), T0 + timedelta(minutes=30))
        result = check(10.0, previous=prev)
        assert result.codes == ("time_went_backwards",)
        assert result.elapsed_s == -1800.0
        assert result.speed_kmh == pytest.approx(990 / 1800 * 3.6)

    def test_time_going_backwards_and_too_fast(self) -> None:
        prev = PreviousVisit(*east(50_000.0), T0 + timedelta(minutes=10))
        assert check(10.0, previous=prev).codes == ("time_went_backwards", "impossible_speed")

    def test_other_time_zones_are_the_same_instant(self) -> None:
        from datetime import timezone

        beijing = timezone(timedelta(hours=8))
        prev = PreviousVisit(*east(1000.0), (T0 - timedelta(hours=1)).astimezone(beijing))
        assert check(10.0, previous=prev).elapsed_s == 3600.0

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError, match="time zone"):
            check(at=datetime(2026, 5, 4, 8, 0))
        with pytest.raises(ValueError, match="time zone"):
            check(previous=PreviousVisit(*HERE, datetime(2026, 5, 4, 7, 0)))


def test_all_flags_at_once_come_in_a_fixed_order() -> None:
    prev = PreviousVisit(*east(90_000.0), T0 + timedelta(minutes=1))
    result = check(None, mock_location=True, target=east(5000.0), previous=prev)
    assert result.codes == (
        "mock_location",
        "missing_accuracy",
        "far_from_target",
        "time_went_backwards",
        "impossible_speed",
    )
    assert set(result.codes) <= set(FLAG_CODES)
    assert all(flag.reason for flag in result.flags)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"far_from_target_m": 0},
        {"poor_accuracy_m": -1},
        {"max_speed_kmh": math.inf},
        {"max_speed_kmh": "120"},
    ],
)
def test_bad_thresholds(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PlausibilityThresholds(**kwargs)  # type: ignore[arg-type]


def test_bad_coordinates_are_a_caller_error() -> None:
    from gis.errors import GeometryError

    with pytest.raises(GeometryError):
        check(target=(math.nan, 31.0))


class TestTimeInFuture:
    """A visit dated after the server's clock plus the allowed skew is flagged, not refused."""

    def test_a_visit_years_ahead_is_flagged(self) -> None:
        result = check(at=datetime(2031, 5, 4, 8, 0, tzinfo=UTC), now=T0)
        assert result.codes == ("time_in_future",)
        flag = result.flags[0]
        assert flag.measured["ahead_s"] == 1826 * 86400.0
        assert "1826.0 days" in flag.reason and "clock" in flag.reason

    def test_three_days_ahead_is_flagged(self) -> None:
        result = check(at=T0 + timedelta(days=3), now=T0)
        assert result.codes == ("time_in_future",)
        assert result.flags[0].measured == {"ahead_s": 3 * 86400.0, "allowance_s": 300.0}
        assert "3.0 days" in result.flags[0].reason

    @pytest.mark.parametrize("ahead", [timedelta(0), timedelta(seconds=300), -timedelta(days=9)])
    def test_within_the_allowance_or_in_the_past_is_fine(self, ahead: timedelta) -> None:
        assert check(at=T0 + ahead, now=T0).codes == ()

    def test_the_allowance_is_the_thresholds(self) -> None:
        strict = PlausibilityThresholds(future_allowance_s=0)
        assert check(at=T0 + timedelta(seconds=1), now=T0, thresholds=strict).codes == (
            "time_in_future",
        )
        lenient = PlausibilityThresholds(future_allowance_s=7200)
        assert check(at=T0 + timedelta(hours=1), now=T0, thresholds=lenient).codes == ()

    def test_without_the_server_clock_time_is_not_judged(self) -> None:
        assert check(at=T0 + timedelta(days=3)).codes == ()

    def test_the_same_rule_serves_any_record(self) -> None:
        assert future_time_flag(T0 + timedelta(minutes=6), T0).code == "time_in_future"
        assert future_time_flag(T0 + timedelta(minutes=4), T0) is None
        assert future_time_flag(T0 + timedelta(minutes=6), T0, allowance_s=600) is None
        with pytest.raises(ValueError):
            future_time_flag(datetime(2031, 1, 1), T0)  # naive: a caller error

    def test_it_comes_in_the_listed_order(self) -> None:
        result = check(
            None,
            at=T0 + timedelta(days=3),
            now=T0,
            mock_location=True,
            previous=PreviousVisit(*east(50_000), T0 + timedelta(days=3, minutes=1)),
        )
        assert result.codes == (
            "mock_location",
            "missing_accuracy",
            "time_in_future",
            "time_went_backwards",
            "impossible_speed",
        )
        assert list(result.codes) == sorted(result.codes, key=FLAG_CODES.index)

    def test_a_negative_allowance_is_refused(self) -> None:
        with pytest.raises(ValueError):
            PlausibilityThresholds(future_allowance_s=-1)
