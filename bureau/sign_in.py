"""How many wrong passwords a sign-in may take before it must wait.

A password can be guessed only by trying, so the attempts are what is limited: failures are
counted per username (someone guessing one account's password) and per client address (someone
trying many usernames), over a sliding window. Past either limit, sign-in waits until enough
failures have aged out of the window; the caller answers 429 with that wait as ``Retry-After``.

The failures are kept by the caller in the database, not in a process, so that the limit holds
across workers and app servers. The rule here only counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bureau.errors import DomainError

__all__ = ["SignInLimits", "TooManyAttempts", "wait_before_next_attempt", "reaches_limit"]


@dataclass(frozen=True)
class SignInLimits:
    """Failures allowed within ``window`` per username and per client address."""

    per_username: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.per_username < 1 or self.per_address < 1:
            raise ValueError("sign-in limits must allow at least one failure")
        if self.window <= timedelta(0):
            raise ValueError("the sign-in window must be positive")


class TooManyAttempts(DomainError):
    """Too many wrong passwords lately for this username or from this address."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def _wait(failures: Iterable[datetime], limit: int, now: datetime, window: timedelta) -> timedelta:
    recent = sorted((f for f in failures if now - window < f <= now), reverse=True)
    if len(recent) < limit:
        return timedelta(0)
    # the limit-th most recent failure must leave the window before one more try is allowed
    return recent[limit - 1] + window - now


def wait_before_next_attempt(
    username_failures: Iterable[datetime],
    address_failures: Iterable[datetime],
    now: datetime,
    limits: SignInLimits = SignInLimits(),
) -> int:
    """Whole seconds to wait before the next attempt may be checked (0: it may now)."""
    wait = max(
        _wait(username_failures, limits.per_username, now, limits.window),
        _wait(address_failures, limits.per_address, now, limits.window),
    )
    return math.ceil(wait.total_seconds()) if wait > timedelta(0) else 0


def reaches_limit(count_in_window: int, limit: int) -> bool:
    """Whether the failure just counted is the one that locks (an event worth auditing once)."""
    return count_in_window == limit
