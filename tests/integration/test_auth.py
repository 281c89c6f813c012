"""Tokens: missing, unknown or revoked → 401; a role or station that may not → 403."""

from __future__ import annotations

from tests.integration.helpers import bearer, station_id, token_for


def _user(demo_county, role, station_code=None, index=0):
    users = [u for u in demo_county.users if u.role == role and u.station_code == station_code]
    return users[index]


def test_missing_token_is_401_with_envelope(demo_client):
    response = demo_client.get("/api/v1/enterprises")
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "unauthorized"
    assert body["status"] == 401
    assert "Bearer" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(demo_client):
    response = demo_client.get("/api/v1/enterprises", headers=bearer("fs_not-a-real-token"))
    assert response.status_code == 401


def test_demo_device_token_reads(demo_client, demo_tokens):
    token = next(iter(demo_tokens.values()))
    response = demo_client.get("/api/v1/enterprises?page_size=5", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["features"]) == 5


def test_revoked_token_is_401(demo_app, demo_client, demo_county):
    admin = _user(demo_county, "admin")
    inspector = next(u for u in demo_county.users if u.role == "inspector")
    token = token_for(demo_app, inspector.username)
    assert demo_client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    device_id = demo_client.get("/api/v1/me", headers=bearer(token)).get_json()["device"]["id"]

    admin_token = token_for(demo_app, admin.username)
    revoked = demo_client.delete(f"/api/v1/devices/{device_id}", headers=bearer(admin_token))
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"] is not None

    response = demo_client.get("/api/v1/enterprises", headers=bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.get_json()["message"]


def test_inspector_cannot_revoke_another_users_device(demo_app, demo_client, demo_county):
    inspectors = [u for u in demo_county.users if u.role == "inspector"]
    mine = token_for(demo_app, inspectors[0].username)
    theirs = token_for(demo_app, inspectors[1].username)
    their_id = demo_client.get("/api/v1/me", headers=bearer(theirs)).get_json()["device"]["id"]
    response = demo_client.delete(f"/api/v1/devices/{their_id}", headers=bearer(mine))
    assert response.status_code == 403
    assert demo_client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_inspector_of_station_a_reading_station_b_people_is_403(demo_app, demo_client, demo_county):
    codes = sorted({u.station_code for u in demo_county.users if u.station_code})
    station_a, station_b = codes[0], codes[1]
    inspector = _user(demo_county, "inspector", station_a)
    token = token_for(demo_app, inspector.username)

    own = demo_client.get(f"/api/v1/people?station={station_a}", headers=bearer(token))
    assert own.status_code == 200
    assert own.get_json()["page"]["total_items"] > 0

    other = demo_client.get(f"/api/v1/people?station={station_b}", headers=bearer(token))
    assert other.status_code == 403
    assert other.get_json()["code"] == "forbidden"

    # Without a filter the list holds only the inspector's own station.
    listed = demo_client.get("/api/v1/people?page_size=500", headers=bearer(token)).get_json()
    own_id = station_id(demo_app, station_a)
    assert {f["properties"]["station"]["id"] for f in listed["features"]} == {own_id}

    # One of station B's people, fetched directly, is refused too.
    leader = _user(demo_county, "leader")
    leader_token = token_for(demo_app, leader.username)
    b_people = demo_client.get(
        f"/api/v1/people?station={station_b}&page_size=1", headers=bearer(leader_token)
    ).get_json()
    person_id = b_people["features"][0]["id"]
    assert demo_client.get(f"/api/v1/people/{person_id}", headers=bearer(token)).status_code == 403
    assert (
        demo_client.get(f"/api/v1/people/{person_id}", headers=bearer(leader_token)).status_code
        == 200
    )


def test_inspector_cannot_write_registry_or_manage_users(demo_app, demo_client, demo_county):
    inspector = next(u for u in demo_county.users if u.role == "inspector")
    token = token_for(demo_app, inspector.username)
    assert demo_client.get("/api/v1/users", headers=bearer(token)).status_code == 403
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [119.95, 31.75]},
        "properties": {
            "credit_code": "91320481MA1X00000X",
            "name": "x",
            "address": "y",
            "industry": "chemical",
        },
    }
    response = demo_client.post("/api/v1/enterprises", json=feature, headers=bearer(token))
    assert response.status_code == 403


def test_device_registration_with_password(demo_client, demo_county):
    inspector = next(u for u in demo_county.users if u.role == "inspector")
    response = demo_client.post(
        "/api/v1/devices/register",
        json={"username": inspector.username, "password": inspector.password, "name": "phone"},
    )
    assert response.status_code == 201, response.get_json()
    token = response.get_json()["token"]
    me = demo_client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["user"]["username"] == inspector.username
    assert "password" not in me["user"]

    wrong = demo_client.post(
        "/api/v1/devices/register",
        json={"username": inspector.username, "password": "not the password", "name": "phone"},
    )
    assert wrong.status_code == 401
    assert wrong.get_json()["code"] == "bad_credentials"


def test_a_deactivated_users_devices_are_401(demo_app, demo_client):
    import sqlalchemy as sa

    from server.extensions import db
    from server.models import User

    token = token_for(demo_app, "qs_inspector")
    assert demo_client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with demo_app.app_context():
        db.session.execute(
            sa.update(User).where(User.username == "qs_inspector").values(is_active=False)
        )
        db.session.commit()
    response = demo_client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert "deactivated" in response.get_json()["message"]


def test_a_device_is_seen_when_it_calls_and_not_rewritten_on_every_call(demo_app, demo_client):
    from datetime import timedelta

    from server.extensions import db
    from server.models import Device
    from server.models.base import utcnow

    token = token_for(demo_app, "qs_inspector")
    me = demo_client.get("/api/v1/me", headers=bearer(token)).get_json()
    device_id = me["device"]["id"]

    def last_seen():
        with demo_app.app_context():
            return db.session.get(Device, device_id).last_seen_at

    first = last_seen()
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    demo_client.get("/api/v1/me", headers=bearer(token))
    assert last_seen() == first  # within five minutes: no write
    with demo_app.app_context():
        db.session.get(Device, device_id).last_seen_at = first - timedelta(hours=1)
        db.session.commit()
    demo_client.get("/api/v1/me", headers=bearer(token))
    assert last_seen() > first
