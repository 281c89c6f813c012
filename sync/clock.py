"""Device clocks are data, never order (rule 7): measure the skew of each batch and flag it."""

from __future__ import annotations

from datetime import datetime


def clock_skew_seconds(sent_at: datetime | None, received_at: datetime) -> float | None:
    """How far the device's clock is ahead (+) or behind (−) the server's, network delay
    included; ``None`` when the device did not say when it sent."""
    if sent_at is None:
        return None
    return round((sent_at - received_at).total_seconds(), 3)


def skew_flagged(skew: float | None, threshold_seconds: float) -> bool:
    return skew is not None and abs(skew) > threshold_seconds
