"""One complaint's whole story, on both backends: taken on the 12369 hotline, routed by its
place, linked to an enterprise, worked by an inspector's phone offline, synced, reopened after
an unsatisfied follow-up visit, and closed after a verified rectification. The audit log tells
it in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.helpers import station_id
from tests.integration.test_casework import QINGSHAN, Desk


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _offline_reply(phone, case_uid, kind, text, **extra):
    return phone.create(
        "complaint_event",
        {
            "complaint_id": case_uid,
            "kind": kind,
            "text": text,
            "notified_by": "phone",
            "occurred_at": _now(),
            **extra,
        },
    )


def _visit_at_the_site(phone, case_uid, findings):
    return phone.create(
        "visit",
        {
            "target_kind": "complaint",
            "target_ref": case_uid,
            "location": {"type": "Point", "coordinates": [QINGSHAN[0] + 0.0003, QINGSHAN[1]]},
            "accuracy_m": 6.0,
            "visited_at": _now(),
            "findings": findings,
        },
    )


def test_a_hotline_complaint_from_intake_to_verified_rectification(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    qingshan = station_id(demo_app, "320481101")

    # 1. the hotline desk registers it: numbered, receipted, routed by place, linked
    case = desk.intake()
    uid = case["id"]
    assert case["station_id"] == qingshan
    links = desk.call("officer", "GET", f"/complaints/{uid}/links")["items"]
    assert links, "an odour complaint in the chemical park has enterprises nearby"
    top = links[0]
    desk.call("officer", "POST", f"/complaints/{uid}/links/{top['id']}", {"decision": "confirmed"})

    # 2. accepted and given to the station's inspector
    accept = {"classification": "environmental", "notice": {"method": "sms", "text": "已受理"}}
    desk.step("officer", case, "classify", accept)
    desk.step("officer", case, "assign", {"station": "320481101", "assignee": "qs_inspector"})

    # 3. the inspector's phone pulls the case, then works offline: a progress reply and a visit
    phone = desk.phone("qs_inspector")
    phone.sync()
    assert phone.record("complaint", uid)["status"] == "investigating"
    _offline_reply(phone, uid, "progress", "已到现场检查废气处理设施")
    _visit_at_the_site(phone, uid, "废气处理设施运行不正常")
    report = phone.sync()
    assert not phone.rejected(), [e.outcome for e in phone.rejected()]
    assert report.push.count("applied") == 2

    # 4. the desk resolves it with the result reply
    resolved = desk.step(
        "officer",
        case,
        "resolve",
        {
            "findings": "企业废气处理设施故障, 已责令修复",
            "result": {"method": "phone", "text": "已查实并处理"},
            "enterprise_id": top["enterprise_id"],
        },
    )
    assert resolved["status"] == "resolved"

    # 5. the follow-up visit from the phone: the complainant is not satisfied → reopened
    phone.sync()
    _visit_at_the_site(phone, uid, "回访: 夜间仍有异味")
    _offline_reply(phone, uid, "follow_up", "夜间仍有异味, 不满意", satisfied=False)
    phone.sync()
    assert not phone.rejected(), [e.outcome for e in phone.rejected()]
    reopened = desk.call("officer", "GET", f"/cases/{uid}")
    assert reopened["status"] == "reopened"
    assert reopened["reopen_count"] == 1
    assert phone.record("complaint", uid)["status"] == "reopened"

    # 6. handled again; the enterprise still pollutes → a rectification order, then verified
    desk.step("officer", case, "assign", {"station": "320481101", "assignee": "qs_inspector"})
    desk.step(
        "qs_inspector",
        case,
        "resolve",
        {"findings": "夜间偷排", "result": {"method": "phone", "text": "已立案查处"}},
    )
    deadline = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    ordered = desk.step(
        "qs_inspector",
        case,
        "follow-up",
        {
            "outcome": "polluting_enterprise",
            "reply": {"method": "in_person", "text": "已责令限期整改"},
            "rectification_deadline": deadline,
            "requirement": "更换活性炭吸附装置",
        },
    )
    assert ordered["status"] == "rectification_ordered"
    assert ordered["rectification"]["enterprise_id"] == top["enterprise_id"]
    assert [d["kind"] for d in ordered["deadlines"]] == ["verification"]
    closed = desk.step("qs_inspector", case, "verification",
                       {"rectified": True, "findings": "已更换, 现场无异味"})  # fmt: skip
    assert closed["status"] == "closed"

    # 7. the audit log tells the story in order: who did what, and where the status went
    story = [
        (e["actor"], e["action"], e["status_after"], (e["details"] or {}).get("kind"))
        for e in desk.audit(case)
        if e["action"] != "complainant_read"
    ]
    assert story == [
        ("intake", "intake", "received", None),
        ("intake", "reply", None, "receipt"),
        ("officer", "link_confirmed", None, None),
        ("officer", "classification", "accepted", None),
        ("officer", "reply", None, "acceptance_notice"),
        ("officer", "assignment", "investigating", None),
        ("qs_inspector", "reply", None, "progress"),
        ("officer", "resolution", "resolved", None),
        ("officer", "reply", None, "result"),
        ("qs_inspector", "reply", None, "follow_up"),
        ("qs_inspector", "follow_up", "reopened", None),
        ("officer", "assignment", "investigating", None),
        ("qs_inspector", "resolution", "resolved", None),
        ("qs_inspector", "reply", None, "result"),
        ("qs_inspector", "reply", None, "follow_up"),
        ("qs_inspector", "follow_up", "rectification_ordered", None),
        ("qs_inspector", "verification", "closed", None),
    ], story
    synced = [e for e in desk.audit(case) if e["device_id"] is not None]
    assert {e["actor"] for e in synced} == {"qs_inspector"}
    # the two visits at the site are on record, found by the case they were for
    flags = desk.call("officer", "GET", "/visits/flags?station=320481101")["items"]
    assert all(f["target_ref"] != uid for f in flags), "visits at the site are plausible"
