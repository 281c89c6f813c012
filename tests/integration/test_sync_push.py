"""Pushing: outcomes per record, free retries, merges and conflicts, bad input, limits."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from server.models import Complaint, SyncMutation, Visit
from tests.integration.helpers import bearer, count, token_for
from tests.integration.sync_helpers import Device, complaint_fields, reply_fields, visit_fields


@pytest.fixture
def inspector(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_inspector")


@pytest.fixture
def staff(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_staff")


def _results(answer):
    return [r["outcome"] for r in answer["results"]]


def test_config_publishes_limits(demo_client, inspector):
    config = demo_client.get("/api/v1/sync/config", headers=bearer(inspector.token)).get_json()
    assert config["max_push_records"] == 1000
    assert config["schema_versions"] == [1]
    assert "visit" in config["entities"] and config["server_time"].endswith("Z")


def test_visit_applied_once_however_often_the_batch_is_sent(demo_app, inspector):
    before = count(demo_app, Visit)
    answer, body = inspector.push(inspector.mutation("visit", "create", visit_fields()))
    assert _results(answer) == ["applied"]
    result = answer["results"][0]
    assert result["version"] == 1
    assert result["record"]["location"] == {"type": "Point", "coordinates": [119.95, 31.75]}
    replay = inspector.client.post(
        "/api/v1/sync/push", json=body, headers=bearer(inspector.token)
    ).get_json()
    assert _results(replay) == ["applied"]
    assert replay["results"][0]["record_id"] == result["record_id"]
    assert count(demo_app, Visit) == before + 1
    # the same mutation in a new batch is a duplicate, not a second visit
    again, _ = inspector.push(body["mutations"][0])
    assert _results(again) == ["duplicate"]
    assert again["results"][0]["original_outcome"] == "applied"
    assert count(demo_app, Visit) == before + 1


def test_a_visit_sent_again_under_a_new_mutation_id_is_refused_and_its_batch_applies(
    demo_app, inspector
):
    first, _ = inspector.push(inspector.mutation("visit", "create", visit_fields()))
    again = first["results"][0]["record_id"]
    before = count(demo_app, Visit)
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields()),
        inspector.mutation("visit", "create", visit_fields(), record_id=again.upper()),
        inspector.mutation("visit", "create", visit_fields()),
    )
    assert [(r["outcome"], r["code"]) for r in answer["results"]] == [
        ("applied", None),
        ("rejected", "already_exists"),
        ("applied", None),
    ]
    assert count(demo_app, Visit) == before + 2


def test_a_record_id_that_is_not_a_uuid_is_refused_and_pulls_stay_valid_json(
    demo_app, demo_client, inspector
):
    odd = 'ab"c\\d-0000-0000-0000-000000000000'
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields(), record_id=odd),
        inspector.mutation("complaint", "create", complaint_fields(), record_id="r1"),
        inspector.mutation("visit", "create", visit_fields()),
    )
    assert [(r["outcome"], r["code"]) for r in answer["results"]] == [
        ("rejected", "invalid_record_id"),
        ("rejected", "invalid_record_id"),
        ("applied", None),
    ]
    leader = Device.for_user(demo_app, demo_client, "leader")
    ids = {change["record_id"] for change in leader.pull_all()}  # every page parses
    assert answer["results"][2]["record_id"] in ids and odd.lower() not in ids


def test_datum_is_converted_and_the_original_kept(demo_app, inspector):
    fields = visit_fields()
    fields["location"] = {"type": "Point", "coordinates": [119.955, 31.748], "datum": "gcj02"}
    answer, _ = inspector.push(inspector.mutation("visit", "create", fields))
    lon, lat = answer["results"][0]["record"]["location"]["coordinates"]
    assert 0.003 < abs(lon - 119.955) + abs(lat - 31.748) < 0.01  # a few hundred metres
    from server.extensions import db

    with demo_app.app_context():
        visit = db.session.query(Visit).one()
        assert visit.location_original == {"datum": "gcj02", "coordinates": [119.955, 31.748]}


def test_the_answer_holds_each_visit_as_other_devices_pull_it(demo_app, demo_client, inspector):
    """Visits of the common shape and of rarer ones (another datum, an altitude, photos,
    untrimmed texts, a fraction of a second, a zone offset): the record a push answers is
    the record every other device then pulls."""
    photo = "ab" * 32
    shapes = [
        visit_fields(),
        visit_fields(visited_at="2026-11-25T09:00:00.120000+08:00", findings="  无异味 \n"),
        visit_fields(accuracy_m=7, target_kind="enterprise", target_ref=" E-1 ", photos=[photo]),
        visit_fields(mock_location=True, findings=None, visited_at="2026-11-25T01:00:00.5Z"),
        {**visit_fields(), "location": {"type": "Point", "coordinates": [119.95, 31.75, 9.0]}},
        {
            **visit_fields(),
            "location": {"type": "Point", "coordinates": [119.955, 31.748], "datum": "gcj02"},
        },
    ]
    answer, _ = inspector.push(*(inspector.mutation("visit", "create", f) for f in shapes))
    assert _results(answer) == ["applied"] * len(shapes)
    answered = {r["record_id"]: r["record"] for r in answer["results"]}
    assert answered[answer["results"][1]["record_id"]]["findings"] == "无异味"
    assert answered[answer["results"][1]["record_id"]]["visited_at"] == (
        "2026-11-25T01:00:00.120000Z"
    )
    leader = Device.for_user(demo_app, demo_client, "leader")
    pulled = {c["record_id"]: c["record"] for c in leader.pull_all() if c["entity"] == "visit"}
    assert {uid: pulled[uid] for uid in answered} == answered


def test_bad_records_rejected_one_by_one_and_quarantined(demo_app, demo_client, inspector):
    complaint, _ = inspector.push(inspector.mutation("complaint", "create", complaint_fields()))
    cid = complaint["results"][0]["record_id"]
    good = inspector.mutation("visit", "create", visit_fields())
    batch = [
        inspector.mutation("bogus", "create", {}),
        inspector.mutation("visit", "create", visit_fields(accuracy_m="close")),
        inspector.mutation("complaint", "update", {"summary": "x"}, record_id=cid),
        inspector.mutation(
            "complaint", "update", {"status": "closed"}, record_id=cid, base_version=1
        ),
        inspector.mutation("visit", "update", {"findings": "x"}, base_version=1),
        inspector.mutation(
            "visit", "create", visit_fields(location={"type": "Point", "coordinates": [0, 0]})
        ),
        inspector.mutation("roster_entry", "update", {"status": "visited"}, base_version=1),
        good,
    ]
    answer, _ = inspector.push(*batch)
    codes = [(r["outcome"], r["code"]) for r in answer["results"]]
    assert codes == [
        ("rejected", "unknown_entity"),
        ("rejected", "invalid_fields"),
        ("rejected", "missing_base_version"),
        ("rejected", "illegal_transition"),
        ("rejected", "unsupported_operation"),
        ("rejected", "invalid_fields"),
        ("rejected", "unsupported_operation"),
        ("applied", None),
    ]
    assert "pulled only" in answer["results"][6]["message"]
    assert "accuracy_m" in answer["results"][1]["errors"]
    assert "received" in answer["results"][3]["message"]
    staff_token = token_for(demo_app, "qs_staff")
    quarantine = demo_client.get(
        "/api/v1/sync/quarantine?page_size=50", headers=bearer(staff_token)
    ).get_json()
    assert quarantine["page"]["total_items"] == 7
    assert {item["code"] for item in quarantine["items"]} >= {"unknown_entity", "invalid_fields"}
    assert all(item["payload"] for item in quarantine["items"])


def test_unsupported_schema_version_rejects_each_record(inspector):
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields()),
        inspector.mutation("visit", "create", visit_fields()),
        schema_version=99,
    )
    assert [(r["outcome"], r["code"]) for r in answer["results"]] == [
        ("rejected", "unsupported_schema_version")
    ] * 2


@pytest.mark.parametrize(
    "body",
    [
        b'{"batch_seq": 1, "schema_version": 1, "mutations": [',
        b"\x00\x01garbage",
        b'{"batch_seq": "one", "schema_version": 1, "mutations": []}',
    ],
    ids=["truncated", "not json", "wrong envelope type"],
)
def test_broken_bodies_change_nothing(demo_app, inspector, body):
    before = count(demo_app, SyncMutation)
    response = inspector.client.post(
        "/api/v1/sync/push",
        data=body,
        content_type="application/json",
        headers=bearer(inspector.token),
    )
    assert response.status_code in (400, 422)
    assert response.get_json()["code"] in ("bad_request", "invalid_input")
    assert count(demo_app, SyncMutation) == before


def test_a_nan_coordinate_rejects_only_its_own_record(demo_app, inspector):
    """``NaN`` is not JSON, but phones' JSON writers emit it; the batch must not fail for it."""
    good = inspector.mutation("visit", "create", visit_fields())
    bad = inspector.mutation("visit", "create", visit_fields())
    body = json.dumps({"batch_seq": 1, "schema_version": 1, "mutations": [good, bad]}).replace(
        '"coordinates": [119.95, 31.75]}', '"coordinates": [NaN, 31.75]}', 1
    )
    assert "NaN" in body
    response = inspector.client.post(
        "/api/v1/sync/push",
        data=body.encode(),
        content_type="application/json",
        headers=bearer(inspector.token),
    )
    assert response.status_code == 200, response.get_json()
    outcomes = [(r["outcome"], r.get("code")) for r in response.get_json()["results"]]
    assert outcomes == [("rejected", "invalid_fields"), ("applied", None)]


def test_another_stations_record_is_that_mutations_forbidden_and_the_device_goes_on(
    demo_app, demo_client, inspector
):
    """A change to another station's record is refused on its own (``forbidden``): its
    batch-mates apply, its seq is used up (nothing after it waits behind a gap) and the answer
    shows nothing of the other station's record."""
    other = Device.for_user(demo_app, demo_client, "bh_inspector")
    created, _ = other.push(other.mutation("complaint", "create", complaint_fields()))
    their_complaint = created["results"][0]["record_id"]
    before = count(demo_app, Visit)
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields()),
        inspector.mutation(
            "complaint", "update", {"summary": "not mine"}, record_id=their_complaint,
            base_version=1,
        ),
        inspector.mutation(
            "complaint_event", "create",
            reply_fields(their_complaint, "progress", text="不是本站的案件"),
        ),
        inspector.mutation("person", "delete", record_id=their_person(demo_app), base_version=1),
    )  # fmt: skip
    results = answer["results"]
    assert [(r["outcome"], r["code"]) for r in results] == [
        ("applied", None),
        ("rejected", "forbidden"),
        ("rejected", "forbidden"),
        ("rejected", "forbidden"),
    ]
    assert all(r["record"] is None and r["version"] is None for r in results[1:])
    assert count(demo_app, Visit) == before + 1
    # the next batch is not held behind a gap
    nxt, _ = inspector.push(inspector.mutation("visit", "create", visit_fields()))
    assert nxt["results"][0]["outcome"] == "applied"
    theirs = other.pull_all()
    assert not [c for c in theirs if c["record_id"] == their_complaint and c["version"] != 1]


def test_a_read_only_account_may_not_push_and_a_revoked_device_is_401(
    demo_app, demo_client, inspector
):
    auditor = Device.for_user(demo_app, demo_client, "auditor")
    before = count(demo_app, Visit)
    refused, _ = auditor.push(auditor.mutation("visit", "create", visit_fields()), expect=403)
    assert refused["code"] == "forbidden" and "auditor" in refused["message"]
    assert count(demo_app, Visit) == before
    me = demo_client.get("/api/v1/me", headers=bearer(inspector.token)).get_json()
    admin = token_for(demo_app, "admin")
    demo_client.delete(f"/api/v1/devices/{me['device']['id']}", headers=bearer(admin))
    inspector.push(inspector.mutation("visit", "create", visit_fields()), expect=401)
    assert count(demo_app, Visit) == before


def their_person(app) -> str:
    """A must-visit person of Binhu (bh), not of the inspector's station."""
    from server.models import Person, Station

    with app.app_context():
        from server.extensions import db

        return db.session.execute(
            sa.select(Person.uid)
            .join(Station, Station.id == Person.station_id)
            .where(Station.code != "320481101")
            .limit(1)
        ).scalar_one()


def test_different_fields_merge_same_field_conflicts(demo_app, demo_client, inspector, staff):
    created, _ = staff.push(staff.mutation("complaint", "create", complaint_fields()))
    cid = created["results"][0]["record_id"]
    # both start from version 1
    first, _ = staff.push(
        staff.mutation(
            "complaint",
            "update",
            {"summary": "已联系企业", "address": "青山路1号"},
            record_id=cid,
            base_version=1,
        )
    )
    assert _results(first) == ["applied"]
    second, _ = inspector.push(
        inspector.mutation(
            "complaint",
            "update",
            {"category": "waste_gas", "address": "青山路1号"},
            record_id=cid,
            base_version=1,
        )
    )
    result = second["results"][0]
    assert result["outcome"] == "merged"
    assert result["merged_fields"] == ["category"]
    assert result["record"]["summary"] == "已联系企业"
    assert result["record"]["category"] == "waste_gas"
    assert result["version"] == 3

    third, _ = inspector.push(
        inspector.mutation(
            "complaint", "update", {"summary": "气味来自污水站"}, record_id=cid, base_version=1
        )
    )
    result = third["results"][0]
    assert result["outcome"] == "conflict"
    conflict = result["conflicts"][0]
    assert (conflict["field"], conflict["yours"], conflict["theirs"]) == (
        "summary",
        "气味来自污水站",
        "已联系企业",
    )
    assert result["record"]["summary"] == "已联系企业"  # the server kept its value

    staff_token = staff.token
    listed = demo_client.get("/api/v1/sync/conflicts", headers=bearer(staff_token)).get_json()
    assert [c["id"] for c in listed["items"]] == [conflict["conflict_id"]]
    merges = demo_client.get("/api/v1/sync/merges", headers=bearer(staff_token)).get_json()
    assert merges["items"][0]["fields"] == ["category"]

    resolved = demo_client.post(
        f"/api/v1/sync/conflicts/{conflict['conflict_id']}/resolve",
        json={"choice": "keep_mine"},
        headers=bearer(staff_token),
    )
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["status"] == "resolved"
    changes = inspector.pull_all()
    mine = [c for c in changes if c["record_id"] == cid][-1]
    assert mine["record"]["summary"] == "气味来自污水站"
    assert mine["version"] == 4


def test_identical_edits_are_not_conflicts(inspector, staff):
    created, _ = staff.push(staff.mutation("complaint", "create", complaint_fields()))
    cid = created["results"][0]["record_id"]
    staff.push(
        staff.mutation("complaint", "update", {"status": "accepted"}, record_id=cid, base_version=1)
    )
    answer, _ = inspector.push(
        inspector.mutation(
            "complaint", "update", {"status": "accepted"}, record_id=cid, base_version=1
        )
    )
    assert answer["results"][0]["outcome"] in ("applied", "merged")
    assert answer["results"][0]["conflicts"] == []


def test_update_meeting_delete_is_kept(demo_app, inspector, staff):
    created, _ = staff.push(
        staff.mutation("person", "create", {"name": "李四", "category": "deputy"})
    )
    pid = created["results"][0]["record_id"]
    deleted, _ = staff.push(staff.mutation("person", "delete", record_id=pid, base_version=1))
    assert _results(deleted) == ["applied"]
    late, _ = inspector.push(
        inspector.mutation(
            "person", "update", {"phone": "13800000000"}, record_id=pid, base_version=1
        )
    )
    result = late["results"][0]
    assert (result["outcome"], result["code"]) == ("conflict", "record_deleted")
    assert result["conflicts"][0]["yours"] == {"phone": "13800000000"}
    changes = inspector.pull_all()
    assert {"record_id": pid, "op": "delete"}.items() <= next(
        c for c in changes if c["record_id"] == pid
    ).items()


def test_gap_is_held_then_applied_in_order(demo_app, inspector):
    first = inspector.mutation("visit", "create", visit_fields(), seq=1)
    third = inspector.mutation("visit", "create", visit_fields(), seq=3)
    second = inspector.mutation("visit", "create", visit_fields(), seq=2)
    answer, held_batch = inspector.push(first, third)
    assert _results(answer) == ["applied", "held"]
    held = inspector.client.get(
        "/api/v1/sync/held", headers=bearer(token_for(demo_app, "qs_staff"))
    )
    assert held.get_json()["page"]["total_items"] == 1
    answer, _ = inspector.push(second)
    assert _results(answer) == ["applied"]
    replay = inspector.client.post(
        "/api/v1/sync/push", json=held_batch, headers=bearer(inspector.token)
    ).get_json()
    assert _results(replay) == ["applied", "applied"]
    assert count(demo_app, Visit) == 3


def test_clock_skew_is_measured_and_flagged_not_used(inspector):
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields()), sent_at="2026-11-20T00:00:00Z"
    )
    assert answer["clock_skew_flagged"] is True
    assert answer["clock_skew_seconds"] < -3 * 86400
    assert _results(answer) == ["applied"]


def test_push_over_the_limit_is_413_with_limits(demo_app, inspector):
    batch = [inspector.mutation("visit", "create", visit_fields()) for _ in range(1001)]
    response = inspector.client.post(
        "/api/v1/sync/push",
        json={"batch_seq": 1, "schema_version": 1, "mutations": batch},
        headers=bearer(inspector.token),
    )
    assert response.status_code == 413
    assert response.get_json()["errors"]["max_push_records"] == ["1000"]
    assert count(demo_app, Visit) == 0


def test_outreach_complaint_routed_to_the_devices_station(demo_app, inspector):
    answer, _ = inspector.push(inspector.mutation("complaint", "create", complaint_fields()))
    from server.extensions import db
    from tests.integration.helpers import station_id

    expected_station = station_id(demo_app, "320481101")
    with demo_app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.channel == "outreach" and complaint.status == "received"
        assert complaint.station_id == expected_station


def test_visits_created_in_bulk_answer_replays_duplicates_and_reused_seqs(demo_app, inspector):
    """Visits created in bulk are recorded on their batch, not one sync_mutation row each;
    replays, duplicates and reused seqs are answered from that record, as from a row."""
    from server.extensions import db
    from server.models import SyncBatch

    photo = "ab" * 32  # never uploaded: reported missing, and still so on every replay
    visits = [
        inspector.mutation("visit", "create", visit_fields(findings=f"第 {i} 次")) for i in range(5)
    ]
    visits[2]["fields"]["photos"] = [photo]
    bad = inspector.mutation("visit", "create", visit_fields(accuracy_m="close"))
    complaint = inspector.mutation("complaint", "create", complaint_fields())
    answer, body = inspector.push(*visits[:3], bad, complaint, *visits[3:])
    assert _results(answer) == ["applied"] * 3 + ["rejected", "applied"] + ["applied"] * 2
    assert answer["results"][2]["missing_photos"] == [photo]
    assert count(demo_app, Visit) == 5
    with demo_app.app_context():
        stored = db.session.execute(sa.select(SyncMutation.mutation_id)).scalars().all()
        # visits created in bulk need no row of their own; the others keep theirs
        assert sorted(stored) == sorted([bad["id"], complaint["id"]])
        batch = db.session.execute(sa.select(SyncBatch)).scalar_one()
        assert [item[1] for item in batch.created] == [m["id"] for m in visits]
        assert (batch.first_seq, batch.last_seq) == (visits[0]["seq"], visits[-1]["seq"])

    # the same batch again: the stored results, record for record, nothing applied twice
    replay = inspector.client.post(
        "/api/v1/sync/push", json=body, headers=bearer(inspector.token)
    ).get_json()
    assert [(r["id"], r["outcome"], r["code"]) for r in replay["results"]] == [
        (r["id"], r["outcome"], r["code"]) for r in answer["results"]
    ]
    for first, again in zip(answer["results"], replay["results"], strict=True):
        assert again["record"] == first["record"]
        assert again["missing_photos"] == first["missing_photos"]
        assert (again["seq"], again["record_id"]) == (first["seq"], first["record_id"])
    assert count(demo_app, Visit) == 5

    # the same mutations in a new batch: duplicates of what was applied
    again, _ = inspector.push(visits[1], visits[2])
    assert _results(again) == ["duplicate", "duplicate"]
    assert [r["original_outcome"] for r in again["results"]] == ["applied", "applied"]
    assert again["results"][1]["missing_photos"] == [photo]
    assert again["results"][1]["record"] == answer["results"][2]["record"]
    # a new mutation under a seq a bulk-created visit used: refused, and quarantined
    reused = inspector.mutation("visit", "create", visit_fields(), seq=visits[0]["seq"])
    refused, _ = inspector.push(reused)
    assert [(r["outcome"], r["code"]) for r in refused["results"]] == [
        ("rejected", "sequence_reused")
    ]
    assert count(demo_app, Visit) == 5
    with demo_app.app_context():
        assert (
            db.session.execute(
                sa.select(SyncMutation.outcome).where(SyncMutation.mutation_id == reused["id"])
            ).scalar_one()
            == "rejected"
        )


def test_bulk_visits_behind_a_gap_are_held_then_recorded_like_any_other(demo_app, inspector):
    """Held visits are applied one by one later, each with its row; those in bulk are not."""
    from server.extensions import db
    from server.models import SyncBatch

    first, second, third = (
        inspector.mutation("visit", "create", visit_fields(), seq=seq) for seq in (1, 2, 3)
    )
    answer, _ = inspector.push(first, third)
    assert _results(answer) == ["applied", "held"]
    answer, _ = inspector.push(second)
    assert _results(answer) == ["applied"]
    with demo_app.app_context():
        rows = dict(db.session.execute(sa.select(SyncMutation.seq, SyncMutation.outcome)).all())
        assert rows == {3: "applied"}  # held first, then applied from its row
        created = sorted(
            item[0]
            for items in db.session.execute(sa.select(SyncBatch.created)).scalars()
            for item in items or ()
        )
        assert created == [1, 2]
    again, _ = inspector.push(first, second, third)
    assert _results(again) == ["duplicate"] * 3
    assert count(demo_app, Visit) == 3


def test_visits_written_in_bulk_keep_every_character(demo_app, inspector, staff):
    """Visits go to PostgreSQL by COPY: tabs, newlines, backslashes, quotes and emoji in what
    an inspector typed come back exactly, whichever backend stored them."""
    findings = 'tab\there\nnew line\r\nback\\slash \\N "quoted" 排污口 🌫️ \\t'
    mutations = [
        inspector.mutation(
            "visit", "create", visit_fields(findings=findings + str(n), target_ref="a\tb\\c")
        )
        for n in range(3)
    ]
    before = count(demo_app, SyncMutation)
    answer, _ = inspector.push(*mutations)
    assert [r["outcome"] for r in answer["results"]] == ["applied"] * 3
    # written in bulk (no one-by-one fallback, which keeps a sync_mutation row each)
    assert count(demo_app, SyncMutation) == before
    pulled = {c["record_id"]: c["record"] for c in staff.pull_all() if c["entity"] == "visit"}
    for n, m in enumerate(mutations):
        assert pulled[m["record_id"]]["findings"] == findings + str(n)
        assert pulled[m["record_id"]]["target_ref"] == "a\tb\\c"
        assert pulled[m["record_id"]]["mock_location"] is None


@pytest.mark.parametrize(
    ("member", "value"),
    [("batch_seq", 2**63), ("seq", 2**63), ("base_version", 2**31), ("base_version", -(2**31) - 1)],
)
def test_numbers_beyond_what_the_database_stores_are_422_and_change_nothing(
    demo_app, demo_client, inspector, member, value
):
    good = inspector.mutation("visit", "create", visit_fields())
    bad = inspector.mutation("complaint", "update", {"summary": "x"}, base_version=1)
    body = {"batch_seq": 1, "schema_version": 1, "mutations": [good, bad]}
    if member == "batch_seq":
        body["batch_seq"] = value
    else:
        bad[member] = value
    before = count(demo_app, Visit)
    response = demo_client.post("/api/v1/sync/push", json=body, headers=bearer(inspector.token))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    where = "batch_seq" if member == "batch_seq" else f"mutations[1].{member}"
    assert where in error["errors"] and str(abs(value) - 1)[:6] in error["errors"][where][0]
    assert count(demo_app, Visit) == before
    # the same batch with sane numbers is taken: the refusal used nothing up
    body["batch_seq"], bad["seq"], bad["base_version"] = 1, 2, 1
    assert (
        demo_client.post(
            "/api/v1/sync/push", json=body, headers=bearer(inspector.token)
        ).status_code
        == 200
    )


def test_a_page_far_past_the_end_of_a_list_is_empty_not_an_error(demo_app, demo_client):
    officer = token_for(demo_app, "officer")
    for url in ("/api/v1/sync/batches", "/api/v1/sync/quarantine"):
        response = demo_client.get(f"{url}?page=99999999999999999999", headers=bearer(officer))
        assert response.status_code == 200, (url, response.get_json())
        body = response.get_json()
        assert body["items"] == [] and body["page"]["next"] is None
    stations = demo_client.get(
        "/api/v1/stations?page=99999999999999999999", headers=bearer(officer)
    )
    assert stations.status_code == 200 and stations.get_json()["features"] == []
