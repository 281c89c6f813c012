"""Casework at the desk on stored data: intake, the lifecycle steps, refusals that change
nothing, complainant privacy and the audit log."""

from __future__ import annotations

import uuid

import pytest

from sync.client import DeviceClient
from sync.client_store import ClientStore
from tests.integration.device_transport import FlaskTransport
from tests.integration.helpers import bearer, token_for

#: inside 青山镇 (station 320481101), near the chemical park
QINGSHAN = [119.93, 31.70]


@pytest.fixture
def desk(demo_app, demo_client):
    return Desk(demo_app, demo_client)


class Desk:
    """The bureau's people, each calling the API with their own device token."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, who: str) -> str:
        if who not in self.tokens:
            self.tokens[who] = token_for(self.app, who)
        return self.tokens[who]

    def call(self, who, method, path, body=None, status=200):
        response = self.client.open(
            "/api/v1" + path, method=method, json=body, headers=bearer(self.token(who))
        )
        assert response.status_code == status, (path, response.get_json())
        return response.get_json()

    def phone(self, who: str) -> DeviceClient:
        """``who``'s phone running the reference device client."""
        store = ClientStore()
        store.token = token_for(self.app, who)
        return DeviceClient(store, FlaskTransport(self.client), sleep=lambda _s: None)

    def intake(self, who="intake", **extra):
        body = {
            "channel": "hotline_12369",
            "category": "odour",
            "description": "化工园区夜间刺鼻气味",
            "location": {"type": "Point", "coordinates": QINGSHAN},
            "complainant": {"name": "陈女士", "phone": "13812341111"},
            "receipt": {"method": "phone", "text": "已登记, 编号已告知"},
        }
        body.update(extra)
        return self.call(who, "POST", "/cases", body, status=201)

    def step(self, who, case, name, body, status=200):
        return self.call(who, "POST", f"/cases/{case['number']}/{name}", body, status)

    def audit(self, case, who="leader"):
        return self.call(who, "GET", f"/cases/{case['id']}/audit?page_size=500")["items"]


def test_a_hotline_complaint_is_numbered_routed_and_receipted(desk):
    case = desk.intake()
    assert case["number"].startswith(case["received_at"][:4] + "-DEMO-")
    assert case["status"] == "received"
    assert case["station_id"] is not None  # routed to the station whose area holds it
    assert case["desk"] == "air"
    assert [r["kind"] for r in case["replies"]] == ["receipt"]
    assert case["complainant"]["name"] == "陈女士"  # the intake desk took it: it handles it
    kinds = [d["kind"] for d in case["deadlines"]]
    assert kinds == ["acceptance"]
    second = desk.intake()
    assert int(second["number"][-6:]) == int(case["number"][-6:]) + 1


def test_the_whole_desk_lifecycle_is_in_the_audit_log(desk):
    case = desk.intake()
    desk.step(
        "officer",
        case,
        "classify",
        {"classification": "environmental", "notice": {"method": "sms", "text": "已受理"}},
    )
    assigned = desk.step(
        "officer", case, "assign", {"station": "320481101", "assignee": "qs_inspector"}
    )
    assert assigned["status"] == "investigating"
    assert assigned["accountable_id"] == assigned["assignee_id"] != case["received_by"]
    progress = {"kind": "progress", "method": "phone", "text": "已现场检查"}
    desk.step("qs_inspector", case, "replies", progress)
    resolved = desk.step(
        "qs_inspector",
        case,
        "resolve",
        {"findings": "废气处理设施故障, 已修复", "result": {"method": "phone", "text": "已处理"}},
    )
    assert resolved["status"] == "resolved"
    closed = desk.step(
        "qs_inspector",
        case,
        "follow-up",
        {"outcome": "satisfied", "reply": {"method": "phone", "text": "群众满意"}},
    )
    assert closed["status"] == "closed"
    assert [r["kind"] for r in closed["replies"]] == [
        "receipt", "acceptance_notice", "progress", "result", "follow_up"
    ]  # fmt: skip
    assert set(closed["reply_compliance"].values()) <= {"on_time", "not_owed"}
    entries = desk.audit(case)
    moves = [(e["status_before"], e["status_after"]) for e in entries if e["status_after"]]
    assert moves == [
        (None, "received"),
        ("received", "accepted"),
        ("accepted", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "closed"),
    ]
    actors = {e["actor"] for e in entries}
    assert {"intake", "officer", "qs_inspector"} <= actors


def test_refused_steps_answer_with_the_rule_and_change_nothing(desk):
    case = desk.intake()
    before = desk.call("officer", "GET", f"/cases/{case['id']}")
    audit_before = len(desk.audit(case))
    error = desk.step("officer", case, "close", {}, status=409)
    assert error["code"] == "close_without_result_reply"
    error = desk.step("officer", case, "reopen", {"reason": "x"}, status=409)
    assert error["code"] == "reopen_not_closed"
    error = desk.step(
        "officer", case, "replies", {"kind": "receipt", "method": None, "text": "x"}, status=422
    )
    assert error["code"] == "reply_without_channel"
    accept = {"classification": "environmental", "notice": {"method": "sms", "text": "已受理"}}
    desk.step("officer", case, "classify", accept)
    error = desk.step(
        "officer",
        case,
        "assign",
        {"station": "320481101", "assignee": "qs_inspector", "deadline": "2020-01-01T00:00:00Z"},
        status=422,
    )
    assert error["code"] == "deadline_in_past"
    desk.step("officer", case, "assign", {"station": "320481101", "assignee": "qs_inspector"})
    extended = desk.step(
        "officer", case, "extend", {"days": 20, "approver": "leader", "reason": "需监测"}
    )
    assert extended["extension"]["days"] == 20
    error = desk.step(
        "officer", case, "extend", {"days": 5, "approver": "leader", "reason": "再延"}, status=409
    )
    assert error["code"] == "extension_already_used"
    after = desk.call("officer", "GET", f"/cases/{case['id']}")
    assert after["resolution_due"] == extended["resolution_due"]
    # the refusals left no trace: only the classification (with its notice), the assignment
    # and the extension were logged
    logged = [e["action"] for e in desk.audit(case)][audit_before:]
    assert logged == ["classification", "reply", "assignment", "extension"], logged
    assert before["status"] == "received"


def test_complainant_identity_is_shown_only_to_handlers_and_leaders_reads_are_audited(desk):
    case = desk.intake()
    other = desk.call("bh_staff", "GET", f"/cases/{case['id']}", status=403)
    assert other["code"] == "forbidden"
    for who in ("qs_staff", "intake"):
        seen = desk.call(who, "GET", f"/cases/{case['id']}")["complainant"]
        assert seen["name"] == "陈女士" and seen["visible"] is True
    leader = desk.call("leader", "GET", f"/cases/{case['id']}")["complainant"]
    assert leader["phone"] == "13812341111"
    reads = [e for e in desk.audit(case, who="auditor") if e["action"] == "complainant_read"]
    assert [e["actor"] for e in reads] == ["leader"]  # the auditor's own read comes after
    listed = desk.call("officer", "GET", "/cases?station=320481101")["items"]
    assert case["number"] in {c["number"] for c in listed}
    assert all("complainant" not in c for c in listed)
    by_person = desk.call("auditor", "GET", "/audit?actor=leader")["items"]
    assert {e["action"] for e in by_person} == {"complainant_read"}


def test_repeat_complainants_are_found_by_phone_across_cases(desk):
    first = desk.intake(complainant={"name": "陈女士", "phone": "138-1234-1111"})
    second = desk.intake(complainant={"name": "陈女士", "phone": "+86 13812341111"})
    desk.intake(complainant={"name": "刘先生", "phone": "13900002222"})
    # 青山's staff handle both cases: they see who it is
    repeats = desk.call("qs_staff", "GET", "/cases/repeat-complainants")["items"]
    assert [(r["key"], r["cases"], r["phones"]) for r in repeats] == [
        ("phone:13812341111", [first["number"], second["number"]], ["13812341111"])
    ]
    # a county officer who handles neither sees the repeat, not the phone
    (masked,) = desk.call("officer", "GET", "/cases/repeat-complainants")["items"]
    assert masked["key"] == "phone:***" and masked["phones"] == ["138****1111"]
    assert desk.call("bh_inspector", "GET", "/cases/repeat-complainants")["items"] == []
    leader = desk.call("leader", "GET", "/cases/repeat-complainants")["items"]
    assert leader[0]["phones"] == ["13812341111"]
    reads = [e for e in desk.audit(first, who="auditor") if e["action"] == "complainant_read"]
    assert [e["why"] for e in reads] == ["repeat complainants list"]


def test_reception_days_list_the_cases_received_on_them(desk):
    day = desk.call(
        "officer",
        "POST",
        "/reception-days",
        {"day": "2026-11-20", "leader": "leader", "place": "县局信访接待室", "topic": "化工园区"},
        status=201,
    )
    again = desk.call(
        "officer",
        "POST",
        "/reception-days",
        {"day": "2026-11-20", "leader": "leader", "place": "县局"},
        status=422,
    )
    assert "already" in again["message"]
    not_leader = desk.call(
        "officer", "POST", "/reception-days", {"day": "2026-11-21", "leader": "officer",
                                               "place": "县局"}, status=422)  # fmt: skip
    assert not_leader["errors"] == {"leader": ["must be a leader"]}
    case = desk.intake(channel="visit", reception_day_id=day["id"])
    desk.intake()
    shown = desk.call("auditor", "GET", f"/reception-days/{day['id']}")
    assert [c["number"] for c in shown["complaints"]] == [case["number"]]
    listed = desk.call("auditor", "GET", "/reception-days?day_from=2026-11-01")["items"]
    assert [d["id"] for d in listed] == [day["id"]]


def test_statistics_as_json_and_csv(desk):
    desk.intake()
    desk.intake(channel="letter", category="noise", location=None, address="县城")
    stats = desk.call("officer", "GET", "/statistics/cases")
    assert stats["total"] == 2
    assert stats["by_channel"] == {"hotline_12369": 1, "letter": 1}
    assert stats["by_station"] == {"320481101": 1, "county": 1}
    response = desk.client.get(
        "/api/v1/statistics/cases?format=csv", headers=bearer(desk.token("officer"))
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).splitlines()
    assert rows[0] == "section,key,value"
    assert "by_channel,letter,1" in rows
    assert "reply_compliance,receipt.on_time,2" in rows


def test_casework_clocks_beyond_the_law_refuse_to_start(tmp_path):
    from server import create_app
    from server.config import ConfigError

    with pytest.raises(ConfigError) as info:
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                "CASE_RESOLUTION_DAYS": 90,
            }
        )
    assert str(info.value) == "FIELDSYNC_CASE_RESOLUTION_DAYS must be at most 60 (the lawful limit)"


def test_assignment_keeps_the_routed_station_and_refuses_an_officer_from_elsewhere(desk):
    case = desk.intake()
    accept = {"classification": "environmental", "notice": {"method": "sms", "text": "已受理"}}
    desk.step("officer", case, "classify", accept)
    error = desk.step("officer", case, "assign", {"assignee": "bh_inspector"}, status=422)
    assert error["errors"] == {"assignee": ["cannot handle cases of that station"]}
    assigned = desk.step("officer", case, "assign", {"assignee": "qs_inspector2"})
    assert assigned["station_id"] == case["station_id"]
    qingshan_phone, baihu_phone = desk.phone("qs_inspector2"), desk.phone("bh_inspector")
    qingshan_phone.sync()
    baihu_phone.sync()
    assert case["id"] in qingshan_phone.records("complaint")
    assert len(qingshan_phone.records("complaint_event")) == 2  # receipt, acceptance notice
    assert case["id"] not in baihu_phone.records("complaint")
    moved = desk.step(
        "officer", case, "assign", {"station": "320481102", "assignee": "bh_inspector"}
    )
    assert moved["station_id"] != case["station_id"]
    # the case left 青山: its phones are told to drop it and its replies, 白湖's now pull them
    qingshan_phone.sync()
    baihu_phone.sync()
    assert case["id"] not in qingshan_phone.records("complaint")
    assert qingshan_phone.records("complaint_event") == {}
    assert baihu_phone.records("complaint")[case["id"]]["status"] == "investigating"
    replies = baihu_phone.records("complaint_event").values()
    assert sorted(r["kind"] for r in replies) == ["acceptance_notice", "receipt"]
    assert desk.call("qs_staff", "GET", f"/cases/{case['id']}", status=403)


def test_a_complaint_raised_in_the_field_is_a_case_whose_complainant_stays_at_the_desk(desk):
    phone = desk.phone("qs_inspector")
    fields = {
        "category": "noise",
        "description": "村民反映夜间施工噪声",
        "location": {"type": "Point", "coordinates": QINGSHAN},
        "complainant_name": "周大爷",
        "complainant_phone": "13700001234",
    }
    unreceipted = phone.create("complaint", fields)
    receipted = phone.create("complaint", {**fields, "receipt_method": "in_person"})
    phone.sync()
    (refused,) = phone.rejected()
    assert refused.outcome["code"] == "reply_without_channel"
    assert phone.record("complaint", unreceipted) is None
    case = desk.call("qs_staff", "GET", f"/cases/{receipted}")
    assert case["channel"] == "outreach" and case["source"] == "device"
    assert case["complainant"]["name"] == "周大爷"
    assert [(r["kind"], r["method"]) for r in case["replies"]] == [("receipt", "in_person")]
    # the complainant is never pulled, not even by the phone that sent it
    other = desk.phone("qs_staff")
    other.sync()
    for device in (phone, other):
        record = device.record("complaint", receipted)
        assert "complainant_name" not in record and "complainant_phone" not in record
        assert "周大爷" not in str(record)


def test_a_complaint_raised_during_a_visit_may_cite_its_own_stations_visits_only(desk):
    phone = desk.phone("qs_inspector")
    visit = {
        "target_kind": "place",
        "location": {"type": "Point", "coordinates": QINGSHAN},
        "accuracy_m": 8.0,
        "visited_at": "2026-11-25T09:00:00+08:00",
    }
    elsewhere = desk.phone("bh_inspector")
    theirs = elsewhere.create(
        "visit", {**visit, "location": {"type": "Point", "coordinates": [120.02, 31.69]}}
    )
    elsewhere.sync()
    complaint = {
        "category": "noise",
        "description": "巡查中村民反映噪声",
        "location": {"type": "Point", "coordinates": QINGSHAN},
    }
    cites_theirs = phone.create("complaint", {**complaint, "visit_id": theirs})
    # saved before the visit it was raised in: the visit follows in the same push
    later = str(uuid.uuid4())
    cites_later = phone.create("complaint", {**complaint, "visit_id": later})
    phone.create("visit", visit, record_id=later)
    phone.sync()
    (refused,) = phone.rejected()
    assert refused.record_id == cites_theirs and refused.outcome["code"] == "forbidden"
    assert desk.call("qs_staff", "GET", f"/cases/{cites_later}")["raised_in_visit"] == later


def test_the_desk_corrects_place_and_category_and_phones_pull_the_correction(desk):
    case = desk.intake()
    before_links = desk.call("officer", "GET", f"/complaints/{case['id']}/links")["items"]
    phone = desk.phone("qs_inspector")
    phone.sync()
    assert phone.version("complaint", case["id"]) == 1

    moved = [QINGSHAN[0] + 0.02, QINGSHAN[1] + 0.01]
    fixed = desk.call(
        "officer", "PATCH", f"/cases/{case['number']}",
        {"location": {"type": "Point", "coordinates": moved}, "category": "noise",
         "why": "来电人说明是工地噪声, 地点在村东"},
    )  # fmt: skip
    assert fixed["category"] == "noise" and fixed["desk"] != case["desk"]
    assert fixed["location"]["coordinates"] == moved
    assert fixed["station_id"] == case["station_id"]  # the case stays where it was routed
    after_links = desk.call("officer", "GET", f"/complaints/{case['id']}/links")["items"]
    assert [link["enterprise_id"] for link in after_links] != [
        link["enterprise_id"] for link in before_links
    ]
    audit = desk.call("leader", "GET", f"/cases/{case['number']}/audit")["items"]
    corrected = [a for a in audit if a["action"] == "corrected"]
    assert len(corrected) == 1 and corrected[0]["why"] == "来电人说明是工地噪声, 地点在村东"
    assert corrected[0]["details"]["before"]["category"] == "odour"
    assert corrected[0]["details"]["after"]["category"] == "noise"
    # phones pull the new version, and the same correction again changes nothing
    phone.sync()
    assert phone.version("complaint", case["id"]) == 2
    assert phone.record("complaint", case["id"])["location"]["coordinates"] == moved
    again = desk.call("officer", "PATCH", f"/cases/{case['id']}", {"category": "noise", "why": "x"})
    assert again["category"] == "noise"
    audit = desk.call("leader", "GET", f"/cases/{case['number']}/audit")["items"]
    assert [a["action"] for a in audit].count("corrected") == 1


def test_a_correction_says_why_and_is_for_those_who_handle_the_case(desk):
    case = desk.intake()
    path = f"/cases/{case['number']}"
    refused = desk.call("officer", "PATCH", path, {"category": "noise"}, status=422)
    assert "why" in refused["errors"]
    desk.call("officer", "PATCH", path, {"category": "gossip", "why": "x"}, status=422)
    desk.call("officer", "PATCH", path, {"status": "closed", "why": "x"}, status=422)
    desk.call("bh_staff", "PATCH", path, {"category": "noise", "why": "x"}, status=403)
    desk.call("auditor", "PATCH", path, {"category": "noise", "why": "x"}, status=403)
    assert desk.call("officer", "GET", path)["category"] == "odour"
