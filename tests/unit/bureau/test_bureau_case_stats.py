"""Casework statistics: counts, five-reply compliance, overdue, satisfaction, rebound rate, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

from bureau.case_stats import case_statistics, percent, statistics_csv
from bureau.casework import follow_up
from tests.unit.bureau.case_builders import OFFICER, PHONE, T0, Clock, case_in, new_case

DAY = timedelta(days=1)


def _cases():
    closed = case_in("closed", Clock())
    rebound = replace(case_in("closed", Clock()), case_id=2, rebound=True, channel="letter")
    unsatisfied = follow_up(
        case_in("resolved", Clock()),
        outcome="unsatisfied",
        reply=PHONE,
        actor=OFFICER,
        now=T0 + 4 * DAY,
        reason="仍有异味",
    ).case
    late = new_case(
        Clock(), case_id=4, category="noise", received_at=T0 + 40 * DAY, now=T0 + 40 * DAY
    )
    return [closed, rebound, replace(unsatisfied, case_id=3), late]


def test_statistics_sections():
    now = T0 + 60 * DAY
    stats = case_statistics(_cases(), now)
    assert stats["total"] == 4
    assert stats["by_channel"] == {"hotline_12369": 3, "letter": 1}
    assert stats["by_category"] == {"noise": 1, "odour": 3}
    assert stats["by_station"] == {"3": 3, "county": 1}
    assert stats["by_month"] == {"2024-03": 3, "2024-04": 1}
    result = stats["reply_compliance"]["result"]
    assert result["on_time"] == 3 and result["pending"] == 1 and result["on_time_percent"] == 100.0
    receipt = stats["reply_compliance"]["receipt"]
    assert receipt["on_time"] == 4 and receipt["on_time_percent"] == 100.0
    # the reopened case ran past 30 days without a progress update; the new one is not accepted
    assert stats["overdue"] == {
        "cases": 2,
        "by_kind": {
            "receipt": 0,
            "acceptance": 1,
            "acceptance_notice": 0,
            "progress": 1,
            "resolution": 0,
            "result_reply": 0,
            "follow_up": 0,
            "verification": 0,
        },
    }
    assert stats["satisfaction"] == {"follow_ups": 3, "satisfied": 2, "percent": 66.7}
    assert stats["rebound"] == {"closed": 2, "rebounds": 1, "rate_percent": 50.0}


def test_empty_statistics_have_no_percentages():
    stats = case_statistics([], T0)
    assert stats["total"] == 0
    assert stats["satisfaction"]["percent"] is None
    assert stats["rebound"]["rate_percent"] is None
    assert stats["reply_compliance"]["follow_up"]["on_time_percent"] is None
    assert percent(1, 3) == 33.3


def test_csv_has_one_row_per_number():
    stats = case_statistics(_cases(), T0 + 60 * DAY)
    rows = list(csv.reader(io.StringIO(statistics_csv(stats))))
    assert rows[0] == ["section", "key", "value"]
    assert ["by_channel", "letter", "1"] in rows
    assert ["reply_compliance", "result.on_time", "3"] in rows
    assert ["overdue", "by_kind.progress", "1"] in rows
    assert ["rebound", "rate_percent", "50.0"] in rows
    assert ["total", "", "4"] in rows
    empty = list(csv.reader(io.StringIO(statistics_csv(case_statistics([], T0)))))
    assert ["satisfaction", "percent", ""] in empty
