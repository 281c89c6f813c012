"""An outreach round from plan to coverage, on both backends: the roster computed from the demo
county (residents near each new project included), split between 青山's two inspectors, pulled
by their phones, worked offline (one visit implausible), synced, reviewed by the station head;
the coverage report gives exactly the expected numbers, the implausible visit not counted. Then
the registry and casework change and the roster follows, without a duplicate or a lost visit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from geoalchemy2.shape import to_shape

from server.extensions import db
from server.models import Enterprise, Person, User
from tests.integration.helpers import bearer
from tests.integration.test_casework import Desk

QINGSHAN = "320481101"
ALL_ENTERS = ["agency", "enterprise", "community", "village", "household"]


def _expected_subjects(app, desk) -> dict[str, str]:
    """subject key -> category, from the registry and the spatial core's own list."""
    with app.app_context():
        station = db.session.execute(
            sa.text("SELECT id FROM station WHERE code = :c"), {"c": QINGSHAN}
        ).scalar_one()
        people = db.session.execute(
            sa.select(Person.ref, Person.category).where(
                Person.station_id == station,
                Person.category.in_(("deputy", "conduct_supervisor", "enterprise_head")),
            )
        ).all()
        firms = db.session.execute(
            sa.select(Enterprise.credit_code).where(
                Enterprise.station_id == station,
                Enterprise.is_key.is_(True),  # with or without a registered contact
            )
        ).scalars()
        expected = {f"person:{ref}": category for ref, category in people}
        expected |= {f"enterprise:{code}": "enterprise_head" for code in firms}
    residents = desk.call(
        "leader", "GET", f"/spatial/project-residents?station={QINGSHAN}&page_size=500"
    )["items"]
    assert residents, "青山 has residents around its new projects"
    for item in residents:
        expected.setdefault(f"person:{item['person_ref']}", "project_neighbour")
    return expected


def _location_of(app, ref: str) -> tuple[float, float]:
    with app.app_context():
        point = to_shape(
            db.session.execute(sa.select(Person.location).where(Person.ref == ref)).scalar_one()
        )
    return point.x, point.y


def _visit(phone, entry, lon, lat, **extra):
    return phone.create(
        "visit",
        {
            "target_kind": "person",
            "target_ref": entry["subject_key"].split(":", 1)[1],
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "accuracy_m": 8.0,
            "visited_at": datetime.now(UTC).isoformat(),
            "findings": "走访: 了解对周边环境的意见",
            "roster_entry_id": entry["id"],
            **extra,
        },
    )


def _round_under_way(desk, began_days_ago: int = 1, days_left: int = 30) -> dict:
    """A round of 青山 under way, as the county planned it."""
    today = date.today()
    return desk.call(
        "officer",
        "POST",
        "/outreach/rounds",
        {
            "name": "第四季度走访",
            "starts_on": str(today - timedelta(days=began_days_ago)),
            "ends_on": str(today + timedelta(days=days_left)),
            "stations": [QINGSHAN],
            "enters": ALL_ENTERS,
        },
        status=201,
    )


def test_a_round_from_roster_to_coverage(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    expected = _expected_subjects(demo_app, desk)

    # 1. the county plans the round; its roster is computed at once
    planned = _round_under_way(desk, began_days_ago=10, days_left=60)
    round_id = planned["id"]
    assert planned["year_check"]["rounds"] == 1 and planned["year_check"]["ok"] is False
    roster = desk.call("qs_staff", "GET", f"/outreach/rounds/{round_id}/roster?page_size=500")[
        "items"
    ]
    assert {e["subject_key"]: e["category"] for e in roster} == expected
    assert len({e["subject_key"] for e in roster}) == len(roster)
    assert all(e["reason"] for e in roster)
    assert any(e["category"] == "project_neighbour" and "米" in e["reason"] for e in roster)

    # 2. split between 青山's two inspectors, pulled by their phones
    mine = {
        who: [e for e in roster if e["assigned_to"] == who]
        for who in ("qs_inspector", "qs_inspector2")
    }
    assert abs(len(mine["qs_inspector"]) - len(mine["qs_inspector2"])) <= 1
    assert len(mine["qs_inspector"]) + len(mine["qs_inspector2"]) == len(roster)
    phones = {who: desk.phone(who) for who in mine}
    with demo_app.app_context():
        ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    for who, phone in phones.items():
        phone.sync()
        pulled = phone.records("roster_entry")
        assert set(pulled) == {e["id"] for e in roster}
        shortlist = {uid for uid, r in pulled.items() if r["assigned_to"] == ids[who]}
        assert shortlist == {e["id"] for e in mine[who]}

    # 3. offline: two plausible visits and one 5 km away from the person it claims
    people = [e for e in mine["qs_inspector"] if e["subject_key"].startswith("person:")]
    other = [e for e in mine["qs_inspector2"] if e["subject_key"].startswith("person:")]
    good, far = people[0], people[1]
    lon, lat = _location_of(demo_app, good["subject_key"][7:])
    good_visit = _visit(phones["qs_inspector"], good, lon + 0.0002, lat)
    lon, lat = _location_of(demo_app, far["subject_key"][7:])
    far_visit = _visit(phones["qs_inspector"], far, lon + 0.05, lat)
    lon, lat = _location_of(demo_app, other[0]["subject_key"][7:])
    other_visit = _visit(phones["qs_inspector2"], other[0], lon, lat + 0.0002)
    for phone in phones.values():
        phone.sync()
        assert not phone.rejected(), [e.outcome for e in phone.rejected()]
    phones["qs_inspector"].sync()  # and hears of its colleague's visit
    # a matter raised during the visit becomes a case through intake, linked to the visit
    raised = phones["qs_inspector"].create(
        "complaint",
        {
            "category": "waste_water",
            "description": "走访中群众反映村口河道发黑",
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "visit_id": good_visit,
        },
    )
    phones["qs_inspector"].sync()
    case = desk.call("qs_staff", "GET", f"/cases/{raised}")
    assert (case["channel"], case["raised_in_visit"]) == ("outreach", good_visit)
    pulled = phones["qs_inspector"].records("roster_entry")
    assert {uid for uid, r in pulled.items() if r["status"] == "visited"} == {
        good["id"],
        far["id"],
        other[0]["id"],
    }

    # 4. the station head reviews: the implausible visit is rejected
    queue = desk.call("qs_staff", "GET", "/visits/reviews?page_size=500")["items"]
    assert {v["visit_id"] for v in queue} >= {good_visit, far_visit, other_visit}
    assert "far_from_target" in next(v for v in queue if v["visit_id"] == far_visit)["flags"]
    flagged = desk.call("qs_staff", "GET", f"/visits/{far_visit}/review")
    assert "far_from_target" in flagged["flags"]
    assert desk.call("qs_staff", "GET", f"/visits/{good_visit}/review")["flags"] == []
    desk.call("qs_staff", "POST", f"/visits/{good_visit}/review", {"status": "approved"})
    desk.call("qs_staff", "POST", f"/visits/{other_visit}/review", {"status": "approved"})
    refused = desk.call(
        "qs_staff", "POST", f"/visits/{far_visit}/review", {"status": "rejected"}, status=422
    )
    assert refused["errors"]  # a rejection needs a note
    desk.call("qs_staff", "POST", f"/visits/{far_visit}/review",
              {"status": "rejected", "note": "定位与走访对象相距5公里"})  # fmt: skip
    final = desk.call(
        "qs_staff", "POST", f"/visits/{far_visit}/review", {"status": "approved"}, status=409
    )
    assert final["code"] == "illegal_review"
    desk.call("bh_staff", "POST", f"/visits/{good_visit}/review", {"status": "approved"},
              status=403)  # fmt: skip

    rejected = desk.call("qs_staff", "GET", "/visits/reviews?status=rejected")["items"]
    assert [(v["visit_id"], v["reviewer"]) for v in rejected] == [(far_visit, "qs_staff")]

    # 5. coverage: exactly two visited (approved), the rejected one missed
    report = desk.call("qs_staff", "GET", f"/outreach/rounds/{round_id}/coverage")
    assert (report["due"], report["visited"]) == (len(roster), 2)
    assert report["by_inspector"]["qs_inspector"]["visited"] == 1
    assert report["by_inspector"]["qs_inspector2"]["visited"] == 1
    assert report["by_inspector"]["qs_inspector"]["due"] == len(mine["qs_inspector"])
    missed = {m["entry_id"]: m["why"] for m in report["missed"]}
    assert len(missed) == len(roster) - 2
    categories = {e["category"] for e in roster}
    for category in categories:
        due = sum(e["category"] == category for e in roster)
        assert report["by_category"][category]["due"] == due
    assert sum(v["visited"] for v in report["by_category"].values()) == 2
    assert "visit rejected" in missed.values()
    csv = desk.client.get(
        f"/api/v1/outreach/rounds/{round_id}/coverage?format=csv",
        headers={"Authorization": f"Bearer {desk.token('qs_staff')}"},
    )
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("section,")
    svg = desk.client.get(
        f"/api/v1/outreach/rounds/{round_id}/coverage?format=svg",
        headers={"Authorization": f"Bearer {desk.token('qs_staff')}"},
    )
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()

    # 6. the registry changes: a new deputy joins the roster; nothing doubles, no visit is lost
    desk.call(
        "officer",
        "POST",
        "/people",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [119.93, 31.70]},
            "properties": {"ref": "NEW-DEPUTY", "name": "新代表", "category": "deputy"},
        },
        status=201,
    )
    # casework changes: the same phone complains twice in 青山 → a repeat complainant
    for _ in range(2):
        desk.intake(complainant={"name": "吴女士", "phone": "13655556666"})
    after = desk.call("qs_staff", "GET", f"/outreach/rounds/{round_id}/roster?page_size=500")[
        "items"
    ]
    keys = [e["subject_key"] for e in after]
    assert len(keys) == len(set(keys))
    (repeat,) = [e for e in after if e["category"] == "repeat_complainant"]
    assert set(keys) == set(expected) | {"person:NEW-DEPUTY", repeat["subject_key"]}
    # the roster goes to every phone of the station: the complainant's phone stays masked
    assert "13655556666" not in str(repeat) and repeat["phone"] == "136****6666"
    assert "吴女士" not in str(repeat)
    visited = {e["id"] for e in after if e["status"] == "visited"}
    assert visited == {good["id"], far["id"], other[0]["id"]}
    again = desk.call("officer", "POST", f"/outreach/rounds/{round_id}/roster")
    assert (again["added"], again["updated"], again["dropped"]) == (0, 0, 0)


def test_a_bad_round_is_refused_whole_and_nothing_is_planned(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    bad = {
        "name": " ",
        "starts_on": "2026-12-31",
        "ends_on": "2026-10-01",
        "stations": [QINGSHAN],
        "enters": ["village", "moon"],
    }
    error = desk.call("officer", "POST", "/outreach/rounds", bad, status=422)
    assert {"name", "ends_on", "enters"} <= set(error["errors"]), error
    unknown = desk.call(
        "officer", "POST", "/outreach/rounds",
        {**bad, "name": "x", "ends_on": "2027-01-31", "enters": ["village"],
         "stations": ["NOPE"]}, status=422,
    )  # fmt: skip
    assert unknown["errors"] == {"stations": ["unknown station"]}
    desk.call("qs_staff", "POST", "/outreach/rounds", {**bad, "name": "x"}, status=403)
    assert desk.call("officer", "GET", "/outreach/rounds")["items"] == []


def test_rounds_listed_by_year_are_that_years_only(demo_app, demo_client):
    """The year filter compares dates with dates (a string bound was a 500 on PostgreSQL)."""
    desk = Desk(demo_app, demo_client)
    planned = _round_under_way(desk)
    year = date.fromisoformat(planned["starts_on"]).year
    this_year = desk.call("officer", "GET", f"/outreach/rounds?year={year}")
    assert [r["id"] for r in this_year["items"]] == [planned["id"]]
    assert this_year["year_check"]["rounds"] == 1 and this_year["year_check"]["ok"] is False
    next_year = desk.call("officer", "GET", f"/outreach/rounds?year={year + 1}")
    assert next_year["items"] == [] and next_year["year_check"]["rounds"] == 0


def test_an_import_brings_its_new_people_onto_the_rosters_under_way(
    demo_app, demo_client, monkeypatch, tmp_path
):
    from click.testing import CliRunner

    from server.cli import main
    from tests.integration.helpers import use_app_env

    desk = Desk(demo_app, demo_client)
    planned = _round_under_way(desk)
    before = desk.call("qs_staff", "GET", f"/outreach/rounds/{planned['id']}/roster?page_size=500")
    csv = tmp_path / "people.csv"
    csv.write_text(
        "ref,name,category,phone,address,lon,lat,station_code\n"
        "NEW-1,新代表甲,deputy,18800000001,青山镇1号,119.93,31.70,320481101\n"
        "NEW-2,新代表乙,conduct_supervisor,18800000002,青山镇2号,119.94,31.71,320481101\n",
        encoding="utf-8",
    )
    use_app_env(monkeypatch, demo_app)
    result = CliRunner().invoke(
        main, ["import", "people", str(csv), "--batch-size", "1"], catch_exceptions=False
    )
    assert "2 inserted" in result.output, result.output
    after = desk.call("qs_staff", "GET", f"/outreach/rounds/{planned['id']}/roster?page_size=500")
    added = {e["subject_key"] for e in after["items"]} - {e["subject_key"] for e in before["items"]}
    assert added == {"person:NEW-1", "person:NEW-2"}


def test_a_complainant_who_comes_back_through_the_phones_joins_the_rosters(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    planned = _round_under_way(desk)
    url = f"/outreach/rounds/{planned['id']}/roster?page_size=500"
    before = {e["subject_key"] for e in desk.call("qs_staff", "GET", url)["items"]}
    phone = desk.phone("qs_inspector")
    for text in ("夜间施工噪声", "又在夜间施工"):
        phone.create(
            "complaint",
            {
                "category": "noise",
                "description": text,
                "location": {"type": "Point", "coordinates": [119.93, 31.70]},
                "complainant_phone": "13911112222",
                "receipt_method": "in_person",
            },
        )
    phone.sync()
    after = desk.call("qs_staff", "GET", url)["items"]
    added = [e for e in after if e["subject_key"] not in before]
    assert [e["category"] for e in added] == ["repeat_complainant"]
    assert added[0]["phone"] == "139****2222"


def test_a_person_added_changed_and_removed_by_the_desk_or_a_phone_moves_the_roster_alike(
    demo_app, demo_client
):
    """The same registry use case behind POST/DELETE /people and a phone's person mutations:
    after each step the round's roster holds the two people the same way."""
    desk = Desk(demo_app, demo_client)
    planned = _round_under_way(desk)
    url = f"/outreach/rounds/{planned['id']}/roster?page_size=500"

    def entry(subject: str) -> dict | None:
        found = [
            e for e in desk.call("qs_staff", "GET", url)["items"] if e["subject_key"] == subject
        ]
        assert len(found) <= 1
        return found[0] if found else None

    def alike(entry: dict | None) -> tuple | None:  # what a reader of the roster sees of it
        if entry is None:
            return None
        return (entry["station_id"], entry["category"], entry["enter"], entry["status"],
                entry["assigned_to"] is not None, bool(entry["reason"]))  # fmt: skip

    # created: at the desk, and on a phone (synced)
    person = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [119.931, 31.701]},
        "properties": {"ref": "DESK-1", "name": "人大代表甲", "category": "deputy",
                       "phone": "18800000011", "address": "青山镇3号"},
    }  # fmt: skip
    created = desk.call("officer", "POST", "/people", person, status=201)
    phone = desk.phone("qs_inspector")
    uid = phone.create(
        "person",
        {"name": "人大代表乙", "category": "deputy", "phone": "18800000012",
         "address": "青山镇4号", "location": {"type": "Point", "coordinates": [119.932, 31.702]}},
    )  # fmt: skip
    phone.sync()
    by_desk, by_phone = entry("person:DESK-1"), entry(f"person:{uid}")
    assert by_desk is not None and by_desk["status"] == "due"
    assert alike(by_phone) == alike(by_desk)

    # changed: at the desk, and on the phone; the roster follows at once, alike
    person["properties"]["category"] = "conduct_supervisor"
    desk.call("officer", "PUT", f"/people/{created['id']}", person)
    phone.update("person", uid, {"category": "conduct_supervisor"})
    phone.sync()
    by_desk, by_phone = entry("person:DESK-1"), entry(f"person:{uid}")
    assert by_desk["category"] == "conduct_supervisor"
    assert alike(by_phone) == alike(by_desk)

    # removed: at the desk, and on the phone
    officer = bearer(desk.token("officer"))
    removed = demo_client.delete(f"/api/v1/people/{created['id']}", headers=officer)
    assert removed.status_code == 204
    phone.delete("person", uid)
    phone.sync()
    gone_desk, gone_phone = entry("person:DESK-1"), entry(f"person:{uid}")
    assert gone_desk is None or gone_desk["status"] == "dropped"
    assert alike(gone_phone) == alike(gone_desk)
    # and phones drop both at their next pull
    other = desk.phone("qs_inspector2")
    other.sync()
    names = {r["name"] for r in other.records("person").values()}
    assert "人大代表甲" not in names and "人大代表乙" not in names


def test_only_those_who_write_people_may_change_or_remove_them(demo_app, demo_client):
    desk = Desk(demo_app, demo_client)
    with demo_app.app_context():
        qingshan = (
            db.session.execute(
                sa.select(Person.id).where(Person.ref.like("P-%")).order_by(Person.id)
            )
            .scalars()
            .first()
        )
    refused = demo_client.delete(
        f"/api/v1/people/{qingshan}", headers=bearer(desk.token("qs_inspector"))
    )
    assert refused.status_code == 403
    officer = bearer(desk.token("officer"))
    assert demo_client.delete("/api/v1/people/2147483647", headers=officer).status_code == 404
    stored = desk.call("officer", "GET", f"/people/{qingshan}")
    writable = ("ref", "name", "category", "phone", "address")
    feature = {
        "type": "Feature",
        "geometry": stored["geometry"],
        "properties": {k: stored["properties"][k] for k in writable},
    }
    desk.call("qs_inspector", "PUT", f"/people/{qingshan}", feature, status=403)
    renamed = {**feature, "properties": {**feature["properties"], "ref": "P-9999"}}
    refusal = desk.call("officer", "PUT", f"/people/{qingshan}", renamed, status=422)
    assert "properties.ref" in refusal["errors"]
    feature["properties"]["address"] = "青山镇新址8号"
    assert desk.call("officer", "PUT", f"/people/{qingshan}", feature)["properties"]["address"] == (
        "青山镇新址8号"
    )
