"""One complaint registered at the desk (POST /cases) and by a phone's push (a complaint
create): the two cases must come out the same wherever the entry point does not decide —
station, desk, flags, suggested enterprises, deadlines, the complainant's place on the rosters,
the audit trail — because both go through one intake use case."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from server.extensions import db
from server.models import AuditEntry, Complaint
from tests.integration.test_casework import Desk

PLACE = [119.9335, 31.7012]  # 青山, among the industrial park's enterprises
PHONE = "13700001234"


def _audit(app, uid: str) -> list[tuple]:
    with app.app_context():
        complaint_id = db.session.execute(
            sa.select(Complaint.id).where(Complaint.uid == uid)
        ).scalar_one()
        return [
            (a.action, a.status_before, a.status_after)
            for a in db.session.execute(
                sa.select(AuditEntry)
                .where(AuditEntry.complaint_id == complaint_id)
                .order_by(AuditEntry.id)
            ).scalars()
        ]


def _from(received_at: str, due: str) -> timedelta:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return round((parse(due) - parse(received_at)).total_seconds() / 60) * timedelta(minutes=1)


def _alike(desk: Desk, case: dict, app) -> dict:
    uid = case["id"]
    flags = desk.call("officer", "GET", f"/complaints/{uid}/flags")["items"]
    links = desk.call("officer", "GET", f"/complaints/{uid}/links")["items"]
    return {
        "station": case["station_id"],
        "desk": case["desk"],
        "status": case["status"],
        "category": case["category"],
        "channel": case["channel"],
        "acceptance_due": case["acceptance_due"] is not None,
        "resolution_due": case["resolution_due"] is not None,
        # each deadline as a time from receipt: the two were received moments apart
        "deadlines": sorted(
            (d["kind"], d["overdue"], _from(case["received_at"], d["due"]))
            for d in case["deadlines"]
        ),
        "replies": [r["kind"] for r in case["replies"]],
        "flags": sorted((f["code"], f["related"]) for f in flags),
        "suggestions": [(s["enterprise_id"], s["rank"], s["status"]) for s in links],
        "audit": _audit(app, uid),
    }


def test_a_complaint_registered_at_the_desk_or_by_a_phone_is_the_same_case(
    demo_app, demo_client
):
    desk = Desk(demo_app, demo_client)
    today = date.today()
    desk.call(
        "officer", "POST", "/outreach/rounds",
        {"name": "第四季度走访", "starts_on": str(today - timedelta(days=1)),
         "ends_on": str(today + timedelta(days=30)), "stations": ["320481101"],
         "enters": ["household"]},
        status=201,
    )  # fmt: skip
    at_desk = desk.intake(
        "qs_staff",
        channel="outreach",
        description="夜间刺鼻气味",
        location={"type": "Point", "coordinates": PLACE},
        complainant={"name": "陈女士", "phone": PHONE},
        receipt={"method": "in_person", "text": "已登记, 现场告知"},
    )
    phone = desk.phone("qs_inspector")
    uid = phone.create(
        "complaint",
        {"category": "odour", "description": "夜间刺鼻气味",
         "location": {"type": "Point", "coordinates": PLACE},
         "complainant_name": "陈女士", "complainant_phone": PHONE,
         "receipt_method": "in_person"},
    )  # fmt: skip
    phone.sync()
    assert phone.rejected() == []
    by_phone = desk.call("qs_staff", "GET", f"/cases/{uid}")
    at_desk = desk.call("qs_staff", "GET", f"/cases/{at_desk['id']}")

    mine, theirs = _alike(desk, at_desk, demo_app), _alike(desk, by_phone, demo_app)
    # each is the other's likely duplicate: the same place, category and day
    duplicate = ("likely_duplicate", at_desk["id"])
    assert duplicate in theirs["flags"]
    for record in (mine, theirs):
        record["flags"] = [f for f in record["flags"] if f[0] != "likely_duplicate"]
    assert theirs == mine

    # the complainant came twice: once on the roster, as a repeat complainant
    rounds = desk.call("officer", "GET", "/outreach/rounds")["items"]
    url = f"/outreach/rounds/{rounds[0]['id']}/roster?page_size=500"
    roster = desk.call("qs_staff", "GET", url)
    repeat = [e for e in roster["items"] if e["category"] == "repeat_complainant"]
    assert [e["phone"] for e in repeat] == ["137****1234"]
