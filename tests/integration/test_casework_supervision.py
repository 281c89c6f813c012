"""Supervision on stored cases, with the clock moved: the overdue and soon-due lists and the
cases for leaders are exactly the expected ones, per station and per accountable officer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.test_casework import Desk

ACCEPT = {"classification": "environmental", "notice": {"method": "sms", "text": "已受理"}}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # a "+" would need escaping in a URL


def _due(listing, state):
    return sorted((i["number"], i["kind"], i["officer"]) for i in listing[state])


def test_overdue_soon_and_leaders_lists_follow_the_clock(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    now = datetime.now(UTC)
    # A: a letter received 20 days ago, not yet decided: acceptance overdue (15 days)
    a = desk.intake(channel="letter", received_at=_iso(now - timedelta(days=20)))
    # B: received 13 days ago: acceptance due in 2 days, "soon" (within 3)
    b = desk.intake(received_at=_iso(now - timedelta(days=13)))
    # C: accepted today, assigned with a deadline in 2 days: resolution soon
    c = desk.intake()
    desk.step("officer", c, "classify", ACCEPT)
    desk.step(
        "officer",
        c,
        "assign",
        {
            "station": "320481101",
            "assignee": "qs_inspector",
            "deadline": _iso(now + timedelta(days=2)),
        },
    )
    # D: five people together (collective); E: marked important — both for the leaders
    d = desk.intake(complainant={"name": "村民代表", "phone": "13900000001", "headcount": 6})
    e = desk.intake(important=True)
    # F: not accepted: it owes nothing, so it is never listed
    f = desk.intake(complainant={}, receipt=None)
    desk.step("officer", f, "classify", {"classification": "not_acceptable",
                                         "reason": "重复投诉", "notice": None})  # fmt: skip

    listing = desk.call("leader", "GET", "/supervision")
    assert _due(listing, "overdue") == [(a["number"], "acceptance", "intake")]
    assert _due(listing, "soon") == [(b["number"], "acceptance", "intake"),
                                     (c["number"], "resolution", "qs_inspector")]  # fmt: skip
    assert listing["by_station"]["320481101"] == {"overdue": 1, "soon": 2}
    assert listing["by_officer"] == {
        "intake": {"overdue": 1, "soon": 1},
        "qs_inspector": {"overdue": 0, "soon": 1},
    }

    # five days on: B and C are overdue too; D and E still have ten days to be decided
    later = desk.call("leader", "GET", f"/supervision?at={_iso(now + timedelta(days=5))}")
    assert _due(later, "overdue") == sorted(
        [
            (a["number"], "acceptance", "intake"),
            (b["number"], "acceptance", "intake"),
            (c["number"], "resolution", "qs_inspector"),
        ]
    )
    assert _due(later, "soon") == []
    thirteen = desk.call("leader", "GET", f"/supervision?at={_iso(now + timedelta(days=13))}")
    soon_numbers = {i["number"] for i in thirteen["soon"]}
    assert soon_numbers == {d["number"], e["number"]}
    mine = desk.call("leader", "GET", "/supervision?officer=qs_inspector")
    assert _due(mine, "soon") == [(c["number"], "resolution", "qs_inspector")]
    assert mine["overdue"] == []

    # the leaders' list: overdue A, collective D, important E; a decision takes D off it
    leaders = desk.call("leader", "GET", "/supervision/leaders")["items"]
    assert {(i["number"], tuple(i["grounds"])) for i in leaders} == {
        (a["number"], ("overdue",)),
        (d["number"], ("collective",)),
        (e["number"], ("important",)),
    }
    decided = desk.step("leader", d, "escalations", {"decision": "请青山站三日内答复"})
    assert decided["escalations"][0]["grounds"] == ["collective"]
    refused = desk.step("officer", e, "escalations", {"decision": "x"}, status=403)
    assert refused["code"] == "forbidden"
    leaders = desk.call("leader", "GET", "/supervision/leaders")["items"]
    assert {i["number"] for i in leaders} == {a["number"], e["number"]}
    later = desk.call("leader", "GET", f"/supervision/leaders?at={_iso(now + timedelta(days=5))}")
    assert {i["number"] for i in later["items"]} == {a["number"], b["number"], c["number"],
                                                     e["number"]}  # fmt: skip
    # a page at a time, in the order received, every case once
    at = _iso(now + timedelta(days=5))
    pages = [desk.call("leader", "GET", f"/supervision/leaders?at={at}&page_size=3&page={n}")
             for n in (1, 2, 3)]  # fmt: skip
    assert [len(p["items"]) for p in pages] == [3, 1, 0]
    assert pages[0]["page"]["total_items"] == 4 and pages[0]["page"]["total_pages"] == 2
    assert [i["number"] for p in pages for i in p["items"]] == [i["number"] for i in later["items"]]

    # a station's staff see only their station's list
    station = desk.call("bh_staff", "GET", "/supervision")
    assert station["overdue"] == [] and station["soon"] == []
    assert desk.call("bh_staff", "GET", "/supervision?station=320481101", status=403)
