"""Statistics on the demo county's casework agree with counts taken straight from the demo
scripts (plain facts: channel, category, station, month, follow-up outcomes, late replies),
not from the rules the server runs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from demo.cases import AS_OF_TIME, demo_cases
from server.extensions import db
from server.models import ComplaintCase, ComplaintFlag
from tests.integration.helpers import bearer, token_for

AT = AS_OF_TIME.isoformat().replace("+00:00", "Z")


@pytest.fixture
def scripts(demo_county):
    return demo_cases(demo_county)


def _get(client, token, path):
    response = client.get("/api/v1" + path, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response


def test_case_statistics_agree_with_the_demo_scripts(casework_app, scripts):
    client = casework_app.test_client()
    token = token_for(casework_app, "leader")
    stats = _get(client, token, f"/statistics/cases?at={AT}").get_json()

    assert stats["total"] == len(scripts)
    assert stats["by_channel"] == dict(sorted(Counter(s.channel for s in scripts).items()))
    assert stats["by_category"] == dict(sorted(Counter(s.category for s in scripts).items()))
    stations = Counter(s.final_station_code or "county" for s in scripts)
    assert stats["by_station"] == dict(sorted(stations.items()))
    assert stats["by_month"] == dict(sorted(Counter(s.received_month for s in scripts).items()))

    outcomes = [o for s in scripts for o in s.follow_up_outcomes]
    satisfied = outcomes.count("satisfied")
    assert stats["satisfaction"]["follow_ups"] == len(outcomes)
    assert stats["satisfaction"]["satisfied"] == satisfied
    assert stats["satisfaction"]["percent"] == round(100 * satisfied / len(outcomes), 1)

    compliance = stats["reply_compliance"]
    for kind in ("receipt", "acceptance_notice", "progress", "result", "follow_up"):
        late = sum(kind in s.late_replies for s in scripts)
        assert compliance[kind]["late"] == late, kind
    owed_receipts = sum(s.contactable for s in scripts)
    receipts = compliance["receipt"]
    assert receipts["on_time"] + receipts["late"] == owed_receipts  # every owed receipt given
    assert receipts["not_owed"] == len(scripts) - owed_receipts

    # undecided past the 15-day acceptance deadline at AS_OF
    undecided = sum(
        s.expected_status == "received" and s.received_at + timedelta(days=15) < AS_OF_TIME
        for s in scripts
    )
    assert stats["overdue"]["by_kind"]["acceptance"] == undecided > 0

    with casework_app.app_context():
        rebounds = db.session.execute(
            sa.select(sa.func.count(sa.distinct(ComplaintFlag.complaint_id))).where(
                ComplaintFlag.code == "rebound",
                ComplaintFlag.complaint_id.in_(sa.select(ComplaintCase.complaint_id)),
            )
        ).scalar_one()
    assert stats["rebound"]["rebounds"] == rebounds


def test_statistics_of_one_station_and_one_period(casework_app, scripts):
    client = casework_app.test_client()
    token = token_for(casework_app, "leader")
    path = (
        f"/statistics/cases?at={AT}&station=320481102"
        "&received_from=2026-07-01T00:00:00Z&received_to=2026-09-01T00:00:00Z"
    )
    stats = _get(client, token, path).get_json()
    chosen = [
        s
        for s in scripts
        if s.final_station_code == "320481102" and s.received_month in ("2026-07", "2026-08")
    ]
    assert stats["total"] == len(chosen) > 0
    assert stats["by_month"] == dict(sorted(Counter(s.received_month for s in chosen).items()))
    csv_rows = _get(client, token, path + "&format=csv").get_data(as_text=True).splitlines()
    assert f"total,,{len(chosen)}" in csv_rows
    # a station's staff get their own station's figures only
    staff = token_for(casework_app, "bh_staff")
    own = _get(client, staff, f"/statistics/cases?at={AT}").get_json()
    assert own["by_station"] == {"320481102": sum(
        s.final_station_code == "320481102" for s in scripts)}  # fmt: skip
