"""Is a visit's position plausible?  Flags with reasons and numbers, never a refusal.

Inspectors work in hard conditions (DESIGN §5): under a factory roof the GPS drifts, in the hills
it takes minutes to get a fix, and a phone may report a mocked location.  A visit is therefore
always stored; :func:`check_visit` says what looks wrong so that a supervisor can judge:

- ``missing_accuracy`` / ``invalid_accuracy``: the fix came without a usable accuracy radius;
  the other checks then allow no error margin for this fix;
- ``poor_accuracy``: the accuracy radius is larger than ``poor_accuracy_m``;
- ``far_from_target``: the distance to the visit's target, less the accuracy radius, exceeds
  ``far_from_target_m`` (so a poor fix standing at the gate is not called far away);
- ``impossible_speed``: travelling from the same inspector's previous visit would have needed
  more than ``max_speed_kmh``, after allowing both fixes' accuracy; moving beyond that margin
  in zero time is impossible at any speed (reported with ``speed_kmh`` ``None``);
- ``time_went_backwards``: this visit is earlier than the "previous" one (a reset device clock
  or visits synced out of order); the speed is then judged on the absolute time difference;
- ``time_in_future``: the visit is dated later than the server's clock plus the allowed clock
  skew (``future_allowance_s``): a phone whose clock runs ahead, or a mistyped year
  (:func:`future_time_flag`, which complaints use as well);
- ``mock_location``: the device reported that the position came from a mock-location app.

Thresholds are :class:`PlausibilityThresholds`; distances are on the WGS-84 ellipsoid.
Positions must already be valid WGS-84 (see :func:`gis.coordinates.validate_lonlat`); an
invalid one raises :class:`~gis.errors.GeometryError`, as that is a bug in the caller, not a
doubtful visit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from gis.coordinates import MAX_ACCURACY_M, validate_accuracy
from gis.distance import geodesic_distance_m
from gis.errors import GeometryError
from gis.flags import Flag, format_metres

FAR_FROM_TARGET = "far_from_target"
POOR_ACCURACY = "poor_accuracy"
IMPOSSIBLE_SPEED = "impossible_speed"
TIME_WENT_BACKWARDS = "time_went_backwards"
TIME_IN_FUTURE = "time_in_future"
MOCK_LOCATION = "mock_location"
MISSING_ACCURACY = "missing_accuracy"
INVALID_ACCURACY = "invalid_accuracy"

#: Every code :func:`check_visit` may raise, in the order flags are listed.
FLAG_CODES: tuple[str, ...] = (
    MOCK_LOCATION,
    MISSING_ACCURACY,
    INVALID_ACCURACY,
    POOR_ACCURACY,
    FAR_FROM_TARGET,
    TIME_IN_FUTURE,
    TIME_WENT_BACKWARDS,
    IMPOSSIBLE_SPEED,
)
_RANK = {code: rank for rank, code in enumerate(FLAG_CODES)}


@dataclass(frozen=True)
class PlausibilityThresholds:
    """When a visit is flagged.  Defaults: 500 m beyond accuracy, 100 m accuracy, 120 km/h,
    5 minutes ahead of the server's clock.

    500 m is the radius the bureau's "within 500 m" rules use; 100 m is about the worst a phone
    reports with a real satellite fix (beyond it the position is a cell-tower or Wi-Fi guess);
    120 km/h is the expressway speed limit, so anything faster between two county visits did
    not happen by road; 300 s is the clock skew beyond which a sync batch is flagged too.
    """

    far_from_target_m: float = 500.0
    poor_accuracy_m: float = 100.0
    max_speed_kmh: float = 120.0
    future_allowance_s: float = 300.0

    def __post_init__(self) -> None:
        for name in ("far_from_target_m", "poor_accuracy_m", "max_speed_kmh", "future_allowance_s"):
            value = getattr(self, name)
            least = 0 if name == "future_allowance_s" else 1e-300  # no allowance at all is fine
            if isinstance(value, bool) or not isinstance(value, int | float) or value < least:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")


DEFAULT_THRESHOLDS = PlausibilityThresholds()


@dataclass(frozen=True)
class PreviousVisit:
    """The same inspector's previous visit: where, when, and (if known) how accurately."""

    lon: float
    lat: float
    at: datetime
    accuracy_m: float | None = None


@dataclass(frozen=True)
class VisitCheck:
    """The flags for one visit and the numbers measured to decide them (``None``: not measured)."""

    flags: tuple[Flag, ...]
    accuracy_m: float | None = None
    distance_to_target_m: float | None = None
    distance_from_previous_m: float | None = None
    elapsed_s: float | None = None
    speed_kmh: float | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)

    @property
    def plausible(self) -> bool:
        return not self.flags


def _accuracy(value: object) -> tuple[float | None, Flag | None]:
    if type(value) is float and 0.0 < value <= MAX_ACCURACY_M:  # the common case; NaN fails
        return value, None
    try:
        return validate_accuracy(value), None
    except GeometryError as exc:
        return None, Flag(exc.code, exc.reason + "; the position is judged without a margin")


def _aware(at: datetime, name: str) -> None:
    if type(at) is datetime and at.tzinfo is UTC:  # the common case, checked cheaply
        return
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a datetime with a time zone, got {at!r}")


def future_time_flag(
    at: datetime, now: datetime, allowance_s: float = DEFAULT_THRESHOLDS.future_allowance_s
) -> Flag | None:
    """A ``time_in_future`` flag when ``at`` lies more than ``allowance_s`` seconds after
    ``now`` (the server's clock), else ``None``.  Both must be time-zone aware.

    A device's clock is data (its skew is measured per batch): a time ahead of the server by
    more than the skew allowed is doubtful (a phone whose clock runs days ahead, a mistyped
    year), but the record is kept, and flagged, never refused.
    """
    _aware(at, "at")
    _aware(now, "now")
    return _future(at, now, allowance_s)


def _future(at: datetime, now: datetime, allowance_s: float) -> Flag | None:
    """:func:`future_time_flag` for times checked already."""
    ahead = (at - now).total_seconds()
    if ahead <= allowance_s:
        return None
    return Flag(
        TIME_IN_FUTURE,
        f"dated {_ahead(ahead)} after the server's clock, more than the {allowance_s:g} s "
        "of clock skew allowed; check the device clock",
        {"ahead_s": ahead, "allowance_s": allowance_s},
    )


def check_visit(
    lon: float,
    lat: float,
    accuracy_m: float | None,
    at: datetime,
    *,
    mock_location: bool | None = None,
    target: tuple[float, float] | None = None,
    previous: PreviousVisit | None = None,
    thresholds: PlausibilityThresholds = DEFAULT_THRESHOLDS,
    from_previous_m: float | None = None,
    to_target_m: float | None = None,
    now: datetime | None = None,
) -> VisitCheck:
    """Flags for a visit at ``(lon, lat)`` at ``at`` (time-zone aware); an empty tuple if fine.

    ``from_previous_m`` / ``to_target_m``: the distance from ``previous`` to this visit, and
    from this visit to ``target``, when the caller has measured them already
    (:func:`gis.distance.geodesic_distances_m`, for many visits at once). ``now``: the
    server's clock (time-zone aware); without it the visit's time is not judged.
    """
    _aware(at, "at")
    flags: list[Flag] = []
    if now is not None:
        _aware(now, "now")
        future = _future(at, now, thresholds.future_allowance_s)
        if future is not None:
            flags.append(future)
    if mock_location is True:
        flags.append(
            Flag(
                MOCK_LOCATION, "the device reported the position as coming from a mock-location app"
            )
        )

    accuracy, problem = _accuracy(accuracy_m)
    if problem is not None:
        flags.append(problem)
    elif accuracy is not None and accuracy > thresholds.poor_accuracy_m:
        flags.append(
            Flag(
                POOR_ACCURACY,
                f"the fix is accurate only to {format_metres(accuracy)}, worse than "
                f"{format_metres(thresholds.poor_accuracy_m)}",
                {"accuracy_m": accuracy, "threshold_m": thresholds.poor_accuracy_m},
            )
        )
    margin = accuracy or 0.0

    to_target = None
    if target is not None:
        to_target = (
            to_target_m
            if to_target_m is not None
            else geodesic_distance_m(lon, lat, target[0], target[1])
        )
        beyond = to_target - margin
        if beyond > thresholds.far_from_target_m:
            flags.append(
                Flag(
                    FAR_FROM_TARGET,
                    f"{format_metres(to_target)} from the target, {format_metres(beyond)} beyond "
                    f"the fix's accuracy; more than {format_metres(thresholds.far_from_target_m)}",
                    {
                        "distance_m": to_target,
                        "accuracy_m": accuracy,
                        "beyond_accuracy_m": beyond,
                        "threshold_m": thresholds.far_from_target_m,
                    },
                )
            )

    from_previous = elapsed = speed = None
    if previous is not None:
        _aware(previous.at, "previous.at")
        from_previous = (
            from_previous_m
            if from_previous_m is not None
            else geodesic_distance_m(previous.lon, previous.lat, lon, lat)
        )
        previous_accuracy, _ = _accuracy(previous.accuracy_m)
        allowance = margin + (previous_accuracy or 0.0)
        moved = max(0.0, from_previous - allowance)
        elapsed = (at - previous.at).total_seconds()
        if elapsed < 0:
            flags.append(
                Flag(
                    TIME_WENT_BACKWARDS,
                    f"this visit is {-elapsed:.0f} s earlier than the inspector's previous visit; "
                    "check the device clock",
                    {"elapsed_s": elapsed},
                )
            )
        seconds = abs(elapsed)
        measured = {
            "distance_m": from_previous,
            "allowance_m": allowance,
            "elapsed_s": elapsed,
            "threshold_kmh": thresholds.max_speed_kmh,
        }
        if seconds == 0:
            if moved > 0:
                flags.append(
                    Flag(
                        IMPOSSIBLE_SPEED,
                        f"{format_metres(from_previous)} from the previous visit with no time "
                        "elapsed, beyond both fixes' accuracy",
                        {**measured, "speed_kmh": None},
                    )
                )
            else:
                speed = 0.0
        else:
            speed = moved / seconds * 3.6
            if speed > thresholds.max_speed_kmh:
                flags.append(
                    Flag(
                        IMPOSSIBLE_SPEED,
                        f"{format_metres(from_previous)} from the previous visit in "
                        f"{_duration(seconds)} implies {speed:.0f} km/h, faster than "
                        f"{thresholds.max_speed_kmh:g} km/h",
                        {**measured, "speed_kmh": speed},
                    )
                )

    return VisitCheck(
        flags=(
            tuple(sorted(flags, key=lambda f: _RANK[f.code])) if len(flags) > 1 else tuple(flags)
        ),
        accuracy_m=accuracy,
        distance_to_target_m=to_target,
        distance_from_previous_m=from_previous,
        elapsed_s=elapsed,
        speed_kmh=speed,
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _ahead(seconds: float) -> str:
    if seconds < 2 * 86400:
        return _duration(seconds)
    return f"{seconds / 86400:.1f} days"
