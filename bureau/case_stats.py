"""Casework statistics from plain case snapshots, as JSON-ready dicts and as CSV text.

:func:`case_statistics` counts cases by channel, category, station and month of receipt (UTC),
the five-reply compliance (each reply kind: on time / late / missing / pending / not owed, and
the percentage on time of those due), open deadlines overdue at ``now`` per kind, satisfaction at
follow-up visits, and the rebound rate (cases flagged as rebounds / cases ever closed).
:func:`statistics_csv` flattens the same dict to ``section,key,value`` rows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from bureau.cases import Case
from bureau.deadlines import (
    DEADLINE_KINDS,
    DEFAULT_CLOCKS,
    REPLY_STATES,
    Clocks,
    aware,
    open_deadlines,
    reply_compliance,
)
from bureau.vocabulary import REPLY_KINDS

__all__ = ["COUNTY_DESK", "case_statistics", "percent", "statistics_csv"]

COUNTY_DESK = "county"
"""The station key of cases that belong to no station (the county desk)."""


def percent(part: int, whole: int) -> float | None:
    """``part / whole`` in percent, one decimal; ``None`` when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def case_statistics(
    cases: Iterable[Case], now: datetime, clocks: Clocks = DEFAULT_CLOCKS
) -> dict[str, object]:
    """The statistics of ``cases`` at ``now``; see the module docstring for the sections."""
    aware(now, "now")
    cases = list(cases)
    by_channel: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_station: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    compliance = {kind: dict.fromkeys(REPLY_STATES, 0) for kind in REPLY_KINDS}
    overdue = dict.fromkeys(DEADLINE_KINDS, 0)
    overdue_cases = 0
    visits = satisfied = 0
    closed = rebounds = 0
    for case in cases:
        by_channel[case.channel] += 1
        by_category[case.category] += 1
        by_station[COUNTY_DESK if case.station_id is None else str(case.station_id)] += 1
        by_month[case.received_at.astimezone(UTC).strftime("%Y-%m")] += 1
        for kind, state in reply_compliance(case, now, clocks).items():
            compliance[kind][state] += 1
        late_kinds = [k for k, due in open_deadlines(case, clocks).items() if due < now]
        for kind in late_kinds:
            overdue[kind] += 1
        overdue_cases += bool(late_kinds)
        for visit in case.replies_of("follow_up"):
            visits += 1
            satisfied += visit.satisfied is True
        closed += case.closed_at is not None
        rebounds += case.rebound
    for counts in compliance.values():
        due = counts["on_time"] + counts["late"] + counts["missing"]
        counts["on_time_percent"] = percent(counts["on_time"], due)  # type: ignore[assignment]
    return {
        "total": len(cases),
        "by_channel": _sorted(by_channel),
        "by_category": _sorted(by_category),
        "by_station": _sorted(by_station),
        "by_month": _sorted(by_month),
        "reply_compliance": compliance,
        "overdue": {"cases": overdue_cases, "by_kind": overdue},
        "satisfaction": {
            "follow_ups": visits,
            "satisfied": satisfied,
            "percent": percent(satisfied, visits),
        },
        "rebound": {
            "closed": closed,
            "rebounds": rebounds,
            "rate_percent": percent(rebounds, closed),
        },
    }


def _flatten(value: object, key: str = "") -> Iterable[tuple[str, object]]:
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from _flatten(inner, f"{key}.{inner_key}" if key else str(inner_key))
    else:
        yield key, value


def statistics_csv(stats: dict[str, object]) -> str:
    """The statistics as CSV text: a header ``section,key,value`` then one row per number.

    Nested keys are joined with dots (``reply_compliance,result.on_time,12``); an empty
    percentage (nothing due) is an empty cell.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "value"))
    for section, value in stats.items():
        for key, cell in _flatten(value):
            writer.writerow((section, key, "" if cell is None else cell))
    return out.getvalue()
