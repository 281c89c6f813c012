"""The spatial core on stored data: routing, linking, flags, plausibility and their endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from geoalchemy2.shape import to_shape

from bureau.linking_defaults import DEFAULT_LINKING_RULES
from gis.datum import from_wgs84
from gis.distance import geodesic_distance_m
from gis.linking import EnterpriseCandidate, rank_candidates
from gis.routing import StationArea, route_point
from server.extensions import db
from server.models import Complaint, Enterprise, Project, Station
from tests.integration.helpers import bearer, seeded_complaints, token_for
from tests.integration.sync_helpers import Device, complaint_fields, reply_fields, visit_fields

OUTSIDE_EVERY_STATION = (118.5, 31.0)


@pytest.fixture
def desk(demo_app, demo_client):
    """A county-level device (the intake desk's tablet): its complaints are routed by place."""
    return Device.for_user(demo_app, demo_client, "officer")


def registry(app):
    with app.app_context():
        enterprises = [
            (e.id, e.credit_code, e.industry, tuple(e.pollutants), to_shape(e.location))
            for e in db.session.execute(sa.select(Enterprise)).unique().scalars()
        ]
        projects = [
            (p.id, p.status, to_shape(p.footprint))
            for p in db.session.execute(sa.select(Project)).unique().scalars()
        ]
        stations = [
            (s.id, s.code, to_shape(s.area))
            for s in db.session.execute(sa.select(Station)).scalars()
        ]
    return enterprises, projects, stations


def create_complaint(device, lon, lat, **extra):
    fields = complaint_fields(location={"type": "Point", "coordinates": [lon, lat]}, **extra)
    mutation = device.mutation("complaint", "create", fields)
    answer, _ = device.push(mutation)
    (result,) = answer["results"]
    assert result["outcome"] == "applied", result
    return result["record"]


def get_json(client, token, path, status=200):
    response = client.get(path, headers=bearer(token))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def stored(app, uid):
    with app.app_context():
        row = db.session.execute(sa.select(Complaint).where(Complaint.uid == uid)).scalar_one()
        return row.station_id, row.desk


def test_complaints_are_routed_to_the_station_containing_them(demo_app, demo_client, desk):
    _e, _p, stations = registry(demo_app)
    areas = [StationArea(code, sid, area) for sid, code, area in stations]
    for sid, _code, area in stations:
        inside = area.representative_point()
        record = create_complaint(desk, inside.x, inside.y)
        assert stored(demo_app, record["id"]) == (
            route_point(inside.x, inside.y, areas).station_id,
            "air",
        )
        assert stored(demo_app, record["id"])[0] == sid
    outside = create_complaint(desk, *OUTSIDE_EVERY_STATION, category="noise")
    assert stored(demo_app, outside["id"]) == (None, "noise")


def test_suggested_enterprises_are_those_a_brute_force_search_ranks(demo_app, demo_client, desk):
    enterprises, _p, _s = registry(demo_app)
    officer = token_for(demo_app, "officer")
    for category in ("odour", "noise", "waste_water"):
        _id, _code, _industry, _pollutants, anchor = enterprises[len(category) * 7]
        lon, lat = anchor.x + 0.004, anchor.y - 0.003
        record = create_complaint(desk, lon, lat, category=category)
        found = get_json(demo_client, officer, f"/api/v1/complaints/{record['id']}/links")["items"]
        expected = rank_candidates(
            category,
            [
                EnterpriseCandidate(eid, geodesic_distance_m(lon, lat, p.x, p.y), industry, poll)
                for eid, _c, industry, poll, p in enterprises
            ],
            DEFAULT_LINKING_RULES,
        )
        assert expected, category
        assert [link["enterprise_id"] for link in found] == [s.enterprise_id for s in expected]
        assert [link["rank"] for link in found] == list(range(1, len(expected) + 1))
        for link, suggestion in zip(found, expected, strict=True):
            assert link["score"] == suggestion.score
            assert link["distance_m"] == pytest.approx(suggestion.distance_m, abs=0.01)
            assert link["status"] == "suggested" and link["reasons"]


def test_near_new_project_and_duplicate_flags(demo_app, demo_client, desk):
    _e, projects, _s = registry(demo_app)
    officer = token_for(demo_app, "officer")
    pid, _status, footprint = next(p for p in projects if p[1] == "under_construction")
    centre = footprint.centroid
    first = create_complaint(desk, centre.x, centre.y, category="dust")
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{first['id']}/flags")["items"]
    near = [f for f in flags if f["code"] == "near_new_project"]
    assert str(pid) in {f["related"] for f in near}
    assert not [f for f in flags if f["code"] == "likely_duplicate"]

    # 100 m further north, same category: a likely duplicate of the first; another category not
    again = create_complaint(desk, centre.x, centre.y + 0.0009, category="dust")
    other = create_complaint(desk, centre.x, centre.y + 0.0009, category="noise")
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{again['id']}/flags")["items"]
    duplicates = [f for f in flags if f["code"] == "likely_duplicate"]
    assert [f["related"] for f in duplicates] == [first["id"]]
    assert duplicates[0]["measured"]["distance_m"] == pytest.approx(100, abs=2)
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{other['id']}/flags")["items"]
    assert not [f for f in flags if f["code"] == "likely_duplicate"]

    far = create_complaint(desk, *OUTSIDE_EVERY_STATION, category="dust")
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{far['id']}/flags")["items"]
    assert flags == []


def _push_status(device, record, status):
    mutation = device.mutation(
        "complaint", "update", {"status": status}, record["id"], record["version"]
    )
    answer, _ = device.push(mutation)
    (result,) = answer["results"]
    assert result["outcome"] in ("applied", "merged"), result
    return result["record"]


def test_decisions_survive_a_corrected_location_and_feed_rebounds(demo_app, demo_client, desk):
    enterprises, _p, _s = registry(demo_app)
    officer = token_for(demo_app, "officer")
    eid, _code, _i, _poll, anchor = enterprises[3]
    record = create_complaint(desk, anchor.x + 0.001, anchor.y, category="odour")
    base = f"/api/v1/complaints/{record['id']}/links"
    links = get_json(demo_client, officer, base)["items"]
    chosen = next(link for link in links if link["enterprise_id"] == eid)
    response = demo_client.post(
        f"{base}/{chosen['id']}", json={"decision": "confirmed"}, headers=bearer(officer)
    )
    assert response.status_code == 200 and response.get_json()["status"] == "confirmed"

    # the desk corrects the location to 20 km away: suggestions are recomputed, the decision stays
    moved = desk.mutation(
        "complaint",
        "update",
        {"location": {"type": "Point", "coordinates": list(OUTSIDE_EVERY_STATION)}},
        record["id"],
        record["version"],
    )
    answer, _ = desk.push(moved)
    record = answer["results"][0]["record"]
    after = get_json(demo_client, officer, base)["items"]
    assert [link["enterprise_id"] for link in after if link["status"] == "confirmed"] == [eid]
    assert all(link["status"] == "confirmed" for link in after)  # nothing within reach now

    for status in ("accepted", "investigating", "resolved"):
        record = _push_status(desk, record, status)
    # the case closes with its result reply and a satisfied follow-up visit
    for kind in ("result", "follow_up"):
        event = reply_fields(record["id"], kind, satisfied=True if kind == "follow_up" else None)
        answer, _ = desk.push(desk.mutation("complaint_event", "create", event))
        assert answer["results"][0]["outcome"] == "applied", answer["results"]
    rebound = create_complaint(desk, anchor.x, anchor.y + 0.002, category="odour")
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{rebound['id']}/flags")["items"]
    rebounds = [f for f in flags if f["code"] == "rebound"]
    assert [f["related"] for f in rebounds] == [record["id"]]
    assert rebounds[0]["measured"]["enterprise_id"] == eid
    # noise at the same place is not the odour coming back
    noise = create_complaint(desk, anchor.x, anchor.y + 0.002, category="noise")
    flags = get_json(demo_client, officer, f"/api/v1/complaints/{noise['id']}/flags")["items"]
    assert [f for f in flags if f["code"] == "rebound"] == []


def test_only_officers_leaders_and_own_station_staff_decide(demo_app, demo_client, desk):
    record = create_complaint(desk, *OUTSIDE_EVERY_STATION)  # county desk: no station
    base = f"/api/v1/complaints/{record['id']}/links"
    leader = token_for(demo_app, "leader")
    get_json(demo_client, leader, base)
    staff = token_for(demo_app, "qs_staff")
    refused = get_json(demo_client, staff, base, status=403)
    assert refused["code"] == "forbidden"


def test_visits_far_from_their_target_or_too_fast_are_flagged(demo_app, demo_client):
    enterprises, _p, _s = registry(demo_app)
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    _eid, credit_code, _i, _poll, site = enterprises[0]
    start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

    def visit(lon, lat, minutes, **extra):
        fields = visit_fields(lon, lat, visited_at=(start + timedelta(minutes=minutes)).isoformat())
        fields.update(extra)
        return inspector.mutation("visit", "create", fields)

    at_site = visit(site.x, site.y, 0, target_kind="enterprise", target_ref=credit_code)
    far_away = visit(site.x + 0.07, site.y, 120, target_kind="enterprise", target_ref=credit_code)
    teleport = visit(site.x + 0.07 + 0.42, site.y, 130)  # ~40 km in 10 minutes
    mocked = visit(site.x + 0.49, site.y, 300, mock_location=True)
    answer, _ = inspector.push(at_site, far_away, teleport, mocked)
    assert [r["outcome"] for r in answer["results"]] == ["applied"] * 4

    county = token_for(demo_app, "leader")
    page = get_json(demo_client, county, "/api/v1/visits/flags")
    codes = {item["visit_id"]: {f["code"] for f in item["flags"]} for item in page["items"]}
    assert codes == {
        far_away["record_id"]: {"far_from_target"},
        teleport["record_id"]: {"impossible_speed"},
        mocked["record_id"]: {"mock_location"},
    }
    (far,) = [i for i in page["items"] if i["visit_id"] == far_away["record_id"]]
    assert far["flags"][0]["measured"]["distance_m"] == pytest.approx(6600, rel=0.05)
    only = get_json(demo_client, county, "/api/v1/visits/flags?code=impossible_speed")
    assert [i["visit_id"] for i in only["items"]] == [teleport["record_id"]]
    other_station = token_for(demo_app, "bh_staff")
    assert get_json(demo_client, other_station, "/api/v1/visits/flags")["items"] == []


def test_speed_is_judged_against_the_visit_just_before_even_one_pushed_earlier(
    demo_app, demo_client
):
    """A later push's visits are judged against the inspector's stored visits: each against
    the one just before it, whether it came in an earlier push (before all of this push's
    visits, or among them) or in the same push."""
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    home = (119.95, 31.75)
    away = (home[0] + 0.42, home[1])  # about 40 km east
    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)

    def visit(where, minutes):
        at = (start + timedelta(minutes=minutes)).isoformat()
        return inspector.mutation("visit", "create", visit_fields(*where, visited_at=at))

    earlier = [visit(home, -240), visit(away, 0), visit(home, 60)]  # 40 km an hour: fine
    first, _ = inspector.push(*earlier)
    late_morning = visit(away, 70)  # 40 km in 10 minutes after the 01:00 visit
    just_after = visit(home, 5)  # 40 km in 5 minutes after the 00:00 visit
    second, _ = inspector.push(late_morning, just_after)
    assert [r["outcome"] for r in first["results"] + second["results"]] == ["applied"] * 5

    county = token_for(demo_app, "leader")
    page = get_json(demo_client, county, "/api/v1/visits/flags")
    codes = {item["visit_id"]: {f["code"] for f in item["flags"]} for item in page["items"]}
    assert codes == {
        late_morning["record_id"]: {"impossible_speed"},
        just_after["record_id"]: {"impossible_speed"},
    }
    elapsed = {
        item["visit_id"]: item["flags"][0]["measured"]["elapsed_s"] for item in page["items"]
    }
    assert elapsed == {late_morning["record_id"]: 600, just_after["record_id"]: 300}


def test_each_visit_is_judged_against_its_neighbour_in_time_whatever_the_order(
    demo_app, demo_client
):
    """Stored visits lie before, between and after the new batch's visits, which come out of
    order: each new visit is judged against the inspector's visit just before it in time,
    stored or in the same batch; a stored visit after it, or one more than 12 h before, is
    not its previous one."""
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    home = (119.95, 31.75)
    away = (home[0] + 0.42, home[1])  # about 40 km east
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)

    def visit(where, minutes):
        at = (start + timedelta(minutes=minutes)).isoformat()
        return inspector.mutation("visit", "create", visit_fields(*where, visited_at=at))

    stored = [visit(home, m) for m in (400, 0, 120, 60, 2000)]  # sent out of order too
    first, _ = inspector.push(*stored)
    after_a_long_gap = visit(away, 2000 + 13 * 60)  # 13 h after the last stored one
    between_third = visit(away, 125)  # 5 min after the stored visit at 120
    between_first = visit(away, 10)  # 10 min after the one at 0
    between_second = visit(away, 67)  # 7 min after the one at 60
    same_batch = visit(home, 129)  # 4 min after between_third (this batch), not the stored 120
    unhurried = visit(away, 200)  # 71 min after same_batch: 34 km/h, and the stored 400 is later
    batch = [after_a_long_gap, between_third, between_first, between_second, same_batch, unhurried]
    second, _ = inspector.push(*batch)
    assert [r["outcome"] for r in first["results"] + second["results"]] == ["applied"] * 11

    county = token_for(demo_app, "leader")
    page = get_json(demo_client, county, "/api/v1/visits/flags?page_size=50")
    elapsed = {
        item["visit_id"]: [(f["code"], f["measured"]["elapsed_s"]) for f in item["flags"]]
        for item in page["items"]
    }
    assert elapsed == {
        between_first["record_id"]: [("impossible_speed", 600)],
        between_second["record_id"]: [("impossible_speed", 420)],
        between_third["record_id"]: [("impossible_speed", 300)],
        same_batch["record_id"]: [("impossible_speed", 240)],
    }


def test_visits_dated_in_the_future_are_applied_and_flagged(demo_app, demo_client):
    """A visit dated 2031, or by a phone 3 days ahead, is applied and flagged
    ``time_in_future``; one dated now is not. Both ways of storing visits agree: in bulk,
    and one at a time (as when a batch re-sends a stored visit under a new mutation id)."""
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    now = datetime.now(UTC)
    place = (119.95, 31.75)

    def visit(at, **extra):
        fields = visit_fields(*place, visited_at=at.isoformat(), **extra)
        return inspector.mutation("visit", "create", fields)

    year_2031 = visit(datetime(2031, 5, 4, 9, 0, tzinfo=UTC))
    days_ahead = visit(now + timedelta(days=3))
    today = visit(now - timedelta(minutes=30))
    answer, _ = inspector.push(today, year_2031, days_ahead)
    assert [r["outcome"] for r in answer["results"]] == ["applied"] * 3

    officer = token_for(demo_app, "leader")
    page = get_json(demo_client, officer, "/api/v1/visits/flags?code=time_in_future")
    flagged = {item["visit_id"]: item["flags"] for item in page["items"]}
    assert set(flagged) == {year_2031["record_id"], days_ahead["record_id"]}
    (ahead,) = [f for f in flagged[days_ahead["record_id"]] if f["code"] == "time_in_future"]
    assert ahead["measured"]["ahead_s"] == pytest.approx(3 * 86400, abs=60)
    assert ahead["measured"]["allowance_s"] == 300
    every = get_json(demo_client, officer, "/api/v1/visits/flags")["items"]
    assert today["record_id"] not in {item["visit_id"] for item in every}

    again = inspector.mutation("visit", "create", today["fields"], record_id=today["record_id"])
    one_by_one = visit(now + timedelta(days=3))
    answer, _ = inspector.push(again, one_by_one)
    assert answer["results"][1]["outcome"] == "applied"
    page = get_json(demo_client, officer, "/api/v1/visits/flags?code=time_in_future")
    assert one_by_one["record_id"] in {item["visit_id"] for item in page["items"]}
    every = get_json(demo_client, officer, "/api/v1/visits/flags")["items"]
    assert today["record_id"] not in {item["visit_id"] for item in every}


def test_a_complaint_the_device_dated_in_the_future_is_flagged(demo_app, demo_client, desk):
    """A device-made complaint has no time field of its own: the mutation's ``captured_at``
    is the device's time for it. Beyond the allowed skew it is flagged, and a corrected
    location (which recomputes the place flags) keeps the flag."""
    ahead = desk.mutation("complaint", "create", complaint_fields(channel="hotline_12369"))
    ahead["captured_at"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    on_time = desk.mutation("complaint", "create", complaint_fields(channel="hotline_12369"))
    answer, _ = desk.push(ahead, on_time)
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    officer = token_for(demo_app, "officer")

    def codes(uid):
        items = get_json(demo_client, officer, f"/api/v1/complaints/{uid}/flags")["items"]
        return {f["code"] for f in items}

    record = answer["results"][0]["record"]
    assert codes(record["id"]) == {"time_in_future"}
    assert codes(answer["results"][1]["record"]["id"]) == set()
    moved = desk.mutation(
        "complaint",
        "update",
        {"location": {"type": "Point", "coordinates": list(OUTSIDE_EVERY_STATION)}},
        record["id"],
        record["version"],
    )
    answer, _ = desk.push(moved)
    assert answer["results"][0]["outcome"] == "applied", answer["results"]
    assert codes(record["id"]) == {"time_in_future"}


def test_route_answers_before_registering(demo_app, demo_client):
    _e, projects, stations = registry(demo_app)
    officer = token_for(demo_app, "officer")
    _pid, _status, footprint = next(p for p in projects if p[1] == "under_construction")
    centre = footprint.centroid
    lon, lat = from_wgs84(centre.x, centre.y, "gcj02")  # as a consumer map gives it
    answer = get_json(
        demo_client,
        officer,
        f"/api/v1/spatial/route?lon={lon}&lat={lat}&datum=gcj02&category=waste_gas",
    )
    got = answer["location"]["coordinates"]
    assert geodesic_distance_m(got[0], got[1], centre.x, centre.y) < 0.5
    expected = route_point(centre.x, centre.y, [StationArea(c, i, a) for i, c, a in stations])
    assert answer["destination"] == expected.destination
    assert answer["desk"] == "air"
    assert "near_new_project" in {f["code"] for f in answer["flags"]}
    assert answer["suggestions"] == sorted(answer["suggestions"], key=lambda s: -s["score"])

    for query, field in [
        ("lon=31.7&lat=119.9&category=odour", "lon"),  # swapped
        ("lon=119.9&lat=31.7&category=smell", "category"),
        ("lon=0&lat=0&category=odour", "lon"),
    ]:
        refused = get_json(demo_client, officer, f"/api/v1/spatial/route?{query}", status=422)
        assert field in refused["errors"], refused
    swapped = get_json(
        demo_client, officer, "/api/v1/spatial/route?lon=31.7&lat=119.9&category=odour", 422
    )
    assert "swapped_coordinates" in swapped["errors"]["lon"][0]


def test_linking_many_at_once_stores_what_one_at_a_time_stores(demo_app, monkeypatch):
    """The batch path (one spatial join for all) and the registration path agree exactly,
    also when the pre-selection must fall back to its threshold query."""
    from demo.county import spatial_workload
    from server.models import ComplaintLink
    from server.services.linking_batch import link_many
    from server.services.spatial import SpatialSettings, link_complaint

    _firms, seeds = spatial_workload(7, 0, 300)
    settings = SpatialSettings()

    def snapshot():
        rows = db.session.execute(sa.select(ComplaintLink)).scalars()
        return sorted(
            (r.complaint_id, r.rank, r.enterprise_id, r.score, r.distance_m, r.status, r.reasons)
            for r in rows
        )

    with demo_app.app_context():
        complaints = seeded_complaints(seeds, lambda i: f"batch-{i}", "batch")
        db.session.add_all(complaints)
        db.session.flush()
        for complaint in complaints:
            link_complaint(complaint, settings)
        db.session.flush()
        # an officer's decisions must survive either way
        for link in db.session.execute(
            sa.select(ComplaintLink).where(ComplaintLink.rank == 2).limit(20)
        ).scalars():
            link.status = "rejected"
        db.session.flush()
        for complaint in complaints:
            link_complaint(complaint, settings)
        db.session.flush()
        one_at_a_time = snapshot()
        stored = link_many(None, settings.linking)
        db.session.flush()
        at_once = snapshot()
        # a pre-selection one candidate wide always needs the fallback: same answers
        import server.services.linking_batch as batch_module
        import server.services.spatial as spatial_module

        monkeypatch.setattr(spatial_module, "PRESELECT_EXTRA", 1)
        monkeypatch.setattr(batch_module, "PRESELECT_EXTRA", 1)
        link_many(None, settings.linking)
        db.session.flush()
        narrow_batch = snapshot()
        for complaint in complaints:
            link_complaint(complaint, settings)
        db.session.flush()
        narrow_single = snapshot()
        db.session.rollback()
    assert len(one_at_a_time) > 500
    assert stored == sum(1 for row in at_once if row[5] == "suggested")
    assert at_once == one_at_a_time
    assert narrow_batch == one_at_a_time
    assert narrow_single == one_at_a_time


def test_residents_near_new_projects_for_the_rosters(demo_app, demo_client):
    from gis.proximity import distance_to_geometry_m
    from server.models import Person

    _e, projects, _s = registry(demo_app)
    new = [
        (pid, fp) for pid, status, fp in projects if status in ("approved", "under_construction")
    ]
    with demo_app.app_context():
        people = [
            (p.ref, p.station.code, to_shape(p.location))
            for p in db.session.execute(sa.select(Person)).unique().scalars()
            if p.location is not None
        ]
    expected = {
        ref: (station, min(distance_to_geometry_m(pt.x, pt.y, fp) for _pid, fp in new))
        for ref, station, pt in people
        if any(distance_to_geometry_m(pt.x, pt.y, fp) <= 500 for _pid, fp in new)
    }
    assert expected, "the demo county has residents around its new projects"
    leader = token_for(demo_app, "leader")
    page = get_json(demo_client, leader, "/api/v1/spatial/project-residents?page_size=500")
    got = {item["person_ref"]: item for item in page["items"]}
    assert set(got) == set(expected)
    for ref, item in got.items():
        assert item["distance_m"] == pytest.approx(expected[ref][1], abs=0.01)
        assert item["project_status"] in ("approved", "under_construction")
    inspector = token_for(demo_app, "qs_inspector")
    own = get_json(demo_client, inspector, "/api/v1/spatial/project-residents?page_size=500")
    assert {i["person_ref"] for i in own["items"]} == {
        ref for ref, (station, _d) in expected.items() if station == "320481101"
    }
    get_json(demo_client, inspector, "/api/v1/spatial/project-residents?station=320481102", 403)


def test_spatial_answers_name_only_complaints_the_reader_may_read(demo_app, demo_client, desk):
    """Station staff previewing a point near another station's complaint learn that there is a
    likely duplicate, not which one, what about or when; a county officer sees it named."""
    _e, _p, stations = registry(demo_app)
    baihe = next(area for _id, code, area in stations if code != "320481101")
    point = baihe.representative_point()
    theirs = create_complaint(desk, point.x, point.y, category="noise")
    query = f"/api/v1/spatial/route?lon={point.x}&lat={point.y + 0.0005}&category=noise"

    county = get_json(demo_client, token_for(demo_app, "officer"), query)
    named = [f for f in county["flags"] if f["code"] == "likely_duplicate"]
    assert [f["related"] for f in named] == [theirs["id"]]

    elsewhere = token_for(demo_app, "qs_staff")  # 青山's staff: not that station
    answer = demo_client.get(query, headers=bearer(elsewhere))
    assert answer.status_code == 200
    counted = [f for f in answer.get_json()["flags"] if f["code"] == "likely_duplicate"]
    assert counted == [
        {
            "code": "likely_duplicate",
            "reason": "1 likely duplicate in another station's area, not shown to this account",
            "measured": {"count": 1},
            "related": None,
        }
    ]
    assert theirs["id"] not in answer.get_data(as_text=True)
    # and the case itself stays closed to them, as before
    case = demo_client.get(f"/api/v1/cases/{theirs['id']}", headers=bearer(elsewhere))
    assert case.status_code == 403
