"""Registry proposals from the field, giving up gaps, and pruning tombstones."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from server.cli import main
from server.models import Enterprise, SyncBatch, SyncMutation, Visit
from tests.integration.helpers import bearer, count, token_for, use_app_env
from tests.integration.sync_helpers import Device, visit_fields


def test_enterprise_proposal_is_reviewed_then_applied(demo_app, demo_client, demo_county):
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    target = demo_county.enterprises[0]
    moved = [round(target.location.x + 0.001, 6), round(target.location.y, 6)]
    answer, _ = inspector.push(
        inspector.mutation(
            "enterprise_proposal",
            "create",
            {
                "credit_code": target.credit_code,
                "reason": "厂址已搬迁",
                "changes": {
                    "location": {"type": "Point", "coordinates": moved},
                    "contact_phone": "0519-87654321",
                },
            },
        )
    )
    assert answer["results"][0]["outcome"] == "applied"
    officer = token_for(demo_app, "officer")
    pending = demo_client.get("/api/v1/sync/proposals", headers=bearer(officer)).get_json()
    assert [p["credit_code"] for p in pending["items"]] == [target.credit_code]
    proposal_id = pending["items"][0]["proposal_id"]
    # the registry is unchanged until an officer decides
    listed = demo_client.get(f"/api/v1/enterprises?q={target.name}", headers=bearer(officer))
    assert listed.get_json()["features"][0]["properties"]["contact_phone"] != "0519-87654321"
    forbidden = demo_client.post(
        f"/api/v1/sync/proposals/{proposal_id}/accept", headers=bearer(inspector.token)
    )
    assert forbidden.status_code == 403
    accepted = demo_client.post(
        f"/api/v1/sync/proposals/{proposal_id}/accept", headers=bearer(officer)
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    feature = demo_client.get(
        f"/api/v1/enterprises?q={target.name}", headers=bearer(officer)
    ).get_json()["features"][0]
    assert feature["properties"]["contact_phone"] == "0519-87654321"
    assert feature["geometry"]["coordinates"] == moved
    again = demo_client.post(
        f"/api/v1/sync/proposals/{proposal_id}/reject", headers=bearer(officer)
    )
    assert again.status_code == 409
    # the proposer's device learns the decision on its next pull
    decided = [c for c in inspector.pull_all() if c["entity"] == "enterprise_proposal"]
    assert decided[-1]["record"]["status"] == "accepted"


def test_invalid_proposal_cannot_be_accepted(demo_app, demo_client, demo_county):
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    target = demo_county.enterprises[1]
    inspector.push(
        inspector.mutation(
            "enterprise_proposal",
            "create",
            {"credit_code": target.credit_code, "changes": {"industry": "bakery"}},
        )
    )
    officer = token_for(demo_app, "officer")
    proposal_id = demo_client.get("/api/v1/sync/proposals", headers=bearer(officer)).get_json()[
        "items"
    ][0]["proposal_id"]
    before = count(demo_app, Enterprise)
    response = demo_client.post(
        f"/api/v1/sync/proposals/{proposal_id}/accept", headers=bearer(officer)
    )
    assert response.status_code == 422
    assert "changes.industry" in response.get_json()["errors"]
    assert count(demo_app, Enterprise) == before


def test_release_held_gives_up_an_overdue_gap(demo_app, demo_client, monkeypatch):
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields(), seq=1),
        inspector.mutation("visit", "create", visit_fields(), seq=3),
    )
    assert [r["outcome"] for r in answer["results"]] == ["applied", "held"]
    use_app_env(monkeypatch, demo_app, SYNC_GAP_HOLD_SECONDS="0")
    result = CliRunner().invoke(main, ["sync", "release-held"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 held mutations applied" in result.output
    assert count(demo_app, Visit) == 2
    late, _ = inspector.push(inspector.mutation("visit", "create", visit_fields(), seq=2))
    assert (late["results"][0]["outcome"], late["results"][0]["code"]) == (
        "rejected",
        "stale_sequence",
    )
    from server.extensions import db

    with demo_app.app_context():
        outcomes = dict(db.session.execute(sa.select(SyncMutation.seq, SyncMutation.outcome)).all())
        # the visit created in bulk (seq 1) is recorded on its batch rather than in a row
        created = [
            item[0]
            for items in db.session.execute(sa.select(SyncBatch.created)).scalars()
            for item in items or ()
        ]
    assert outcomes == {2: "rejected", 3: "applied"}
    assert created == [1]


def test_prune_forgets_tombstones_and_old_cursors_resync(demo_app, demo_client, monkeypatch):
    staff = Device.for_user(demo_app, demo_client, "qs_staff")
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    inspector.pull_all()
    old_cursor = inspector.cursor
    created, _ = staff.push(
        staff.mutation("person", "create", {"name": "王五", "category": "deputy"})
    )
    pid = created["results"][0]["record_id"]
    staff.push(staff.mutation("person", "delete", record_id=pid, base_version=1))
    from datetime import timedelta

    from server.extensions import db
    from server.models import SyncTombstone

    with demo_app.app_context():
        for tomb in db.session.execute(sa.select(SyncTombstone)).scalars():
            tomb.created_at = tomb.created_at - timedelta(days=200)
        db.session.commit()
    use_app_env(monkeypatch, demo_app)
    result = CliRunner().invoke(
        main, ["sync", "prune", "--keep-days", "90"], catch_exceptions=False
    )
    assert "1 tombstones pruned" in result.output
    response = demo_client.get(
        f"/api/v1/sync/pull?cursor={old_cursor}", headers=bearer(inspector.token)
    )
    assert response.status_code == 410
    assert response.get_json()["code"] == "resync_required"


def test_roster_import_moving_a_person_reaches_both_stations(
    demo_app, demo_client, monkeypatch, tmp_path
):
    old = Device.for_user(demo_app, demo_client, "qs_inspector")
    new = Device.for_user(demo_app, demo_client, "bh_inspector")
    old.pull_all()
    new.pull_all()
    csv = tmp_path / "people.csv"
    csv.write_text(
        "ref,name,category,phone,address,lon,lat,station_code\n"
        "P-0001,周勇,deputy,18802353205,青山镇塘马村10组56号,119.802388,31.601631,320481102\n",
        encoding="utf-8",
    )
    use_app_env(monkeypatch, demo_app)
    result = CliRunner().invoke(main, ["import", "people", str(csv)], catch_exceptions=False)
    assert "1 updated" in result.output, result.output
    removed = [c for c in old.pull_all() if c["op"] == "delete"]
    assert [(c["entity"], c["reason"]) for c in removed] == [("person", "left_scope")]
    added = [c for c in new.pull_all() if c["entity"] == "person"]
    assert [c["record"]["ref"] for c in added] == ["P-0001"]
    # the imported version is the base of later merges: a stale edit of another field merges
    person = added[0]
    staff = Device.for_user(demo_app, demo_client, "bh_staff")
    first, _ = staff.push(
        staff.mutation(
            "person",
            "update",
            {"address": "白湖镇新址1号"},
            record_id=person["record_id"],
            base_version=person["version"],
        )
    )
    assert first["results"][0]["outcome"] == "applied"
    second, _ = new.push(
        new.mutation(
            "person",
            "update",
            {"phone": "13900000000"},
            record_id=person["record_id"],
            base_version=person["version"],
        )
    )
    assert second["results"][0]["outcome"] == "merged"
