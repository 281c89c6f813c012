"""The sign-in limit: failures per username and per address over a sliding window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bureau.sign_in import SignInLimits, reaches_limit, wait_before_next_attempt

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
LIMITS = SignInLimits(per_username=3, per_address=5, window=timedelta(minutes=10))


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_below_either_limit_a_sign_in_may_be_tried() -> None:
    assert wait_before_next_attempt(ago(1, 2), ago(1, 2, 3, 4), NOW, LIMITS) == 0


def test_at_the_username_limit_it_waits_until_the_oldest_counted_failure_ages_out() -> None:
    # failures 1, 2 and 4 min ago: the third most recent (4 min) leaves the window in 6 min
    assert wait_before_next_attempt(ago(1, 2, 4), [], NOW, LIMITS) == 6 * 60


def test_failures_older_than_the_window_do_not_count() -> None:
    assert wait_before_next_attempt(ago(1, 2, 10, 11, 30), [], NOW, LIMITS) == 0


def test_the_address_limit_holds_whatever_the_usernames() -> None:
    assert wait_before_next_attempt([], ago(1, 2, 3, 4, 9.5), NOW, LIMITS) == 30


def test_the_longer_of_the_two_waits_applies() -> None:
    assert wait_before_next_attempt(ago(0.5, 1, 2), ago(1, 2, 3, 4, 9), NOW, LIMITS) == 8 * 60


def test_a_wait_is_rounded_up_to_a_whole_second() -> None:
    failures = [NOW - timedelta(minutes=9, seconds=59, milliseconds=500)] + ago(1, 2)
    assert wait_before_next_attempt(failures, [], NOW, LIMITS) == 1


def test_only_the_failure_that_reaches_the_limit_is_the_lock_out() -> None:
    assert [reaches_limit(n, 3) for n in (1, 2, 3, 4)] == [False, False, True, False]


@pytest.mark.parametrize(
    "kwargs",
    [{"per_username": 0}, {"per_address": 0}, {"window": timedelta(0)}],
)
def test_limits_that_would_lock_everyone_out_are_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        SignInLimits(**kwargs)
