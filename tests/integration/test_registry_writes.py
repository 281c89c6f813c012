"""Registry writes through the API: bad input gets a 4xx naming the field, nothing half written."""

from __future__ import annotations

import copy

import pytest

from bureau.credit_code import make_credit_code
from server.models import Enterprise, Station
from tests.integration.helpers import bearer, count, token_for

GOOD_CODE = make_credit_code("320481", "MA1X0000A")


def enterprise(**changes):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [119.95, 31.75]},
        "properties": {
            "credit_code": GOOD_CODE,
            "name": "溧阳市测试化工有限公司",
            "address": "测试路1号",
            "industry": "chemical",
            "pollutants": ["waste_gas", "waste_water"],
            "is_key": True,
        },
    }
    for path, value in changes.items():
        target = feature
        *parents, last = path.split(".")
        for name in parents:
            target = target[name]
        target[last] = value
    return feature


@pytest.fixture
def admin_token(demo_app, demo_county):
    admin = next(u for u in demo_county.users if u.role == "admin")
    return token_for(demo_app, admin.username)


def test_create_enterprise_routes_it_to_its_station(demo_app, demo_client, admin_token):
    response = demo_client.post(
        "/api/v1/enterprises", json=enterprise(), headers=bearer(admin_token)
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["properties"]["credit_code"] == GOOD_CODE
    assert body["properties"]["station"] is not None
    assert body["geometry"] == {"type": "Point", "coordinates": [119.95, 31.75]}
    again = demo_client.post("/api/v1/enterprises", json=enterprise(), headers=bearer(admin_token))
    assert again.status_code == 409
    assert "properties.credit_code" in again.get_json()["errors"]


BAD_ENTERPRISES = [
    # (description, changes, expected status, field named in errors)
    (
        "invalid credit code",
        {"properties.credit_code": GOOD_CODE[:-1] + "0"},
        422,
        "properties.credit_code",
    ),
    ("credit code too short", {"properties.credit_code": "9132"}, 422, "properties.credit_code"),
    ("wrong type", {"properties.is_key": "perhaps"}, 422, "properties.is_key"),
    ("name missing", {"properties.name": None}, 422, "properties.name"),
    ("unknown industry", {"properties.industry": "bakery"}, 422, "properties.industry"),
    ("longitude out of range", {"geometry.coordinates": [190.0, 31.75]}, 422, "geometry"),
    ("latitude and longitude swapped", {"geometry.coordinates": [31.75, 119.95]}, 422, "geometry"),
    ("null island", {"geometry.coordinates": [0, 0]}, 422, "geometry"),
    ("outside the service area", {"geometry.coordinates": [116.4, 39.9]}, 422, "geometry"),
    (
        "not a point",
        {"geometry": {"type": "LineString", "coordinates": [[119.9, 31.7], [119.91, 31.71]]}},
        422,
        "geometry",
    ),
    ("malformed GeoJSON", {"geometry": {"type": "Point", "coordinates": "here"}}, 422, "geometry"),
    ("unknown member", {"colour": "red"}, 422, "colour"),
]


@pytest.mark.parametrize(
    "changes,status,field",
    [case[1:] for case in BAD_ENTERPRISES],
    ids=[case[0] for case in BAD_ENTERPRISES],
)
def test_bad_enterprise_is_refused_and_nothing_written(
    demo_app, demo_client, admin_token, changes, status, field
):
    before = count(demo_app, Enterprise)
    response = demo_client.post(
        "/api/v1/enterprises", json=enterprise(**changes), headers=bearer(admin_token)
    )
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["status"] == status
    assert any(key.startswith(field) for key in body["errors"]), body
    assert count(demo_app, Enterprise) == before


@pytest.mark.parametrize(
    "body",
    [b'{"type": "Feature", "geometry": ', b"not json at all", b"\xff\xfe"],
    ids=["truncated", "not json", "not utf-8"],
)
def test_malformed_json_is_400(demo_app, demo_client, admin_token, body):
    before = count(demo_app, Enterprise)
    response = demo_client.post(
        "/api/v1/enterprises",
        data=body,
        content_type="application/json",
        headers=bearer(admin_token),
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == "bad_request"
    assert count(demo_app, Enterprise) == before


def station(coordinates):
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [coordinates]},
        "properties": {"code": "S9", "name": "测试镇环境管理站"},
    }


def test_self_intersecting_station_is_422(demo_app, demo_client, admin_token):
    bowtie = [[119.9, 31.7], [120.0, 31.8], [120.0, 31.7], [119.9, 31.8], [119.9, 31.7]]
    before = count(demo_app, Station)
    response = demo_client.post(
        "/api/v1/stations", json=station(bowtie), headers=bearer(admin_token)
    )
    assert response.status_code == 422
    body = response.get_json()
    assert "geometry" in body["errors"]
    assert "intersection" in " ".join(body["errors"]["geometry"]).lower()
    assert count(demo_app, Station) == before


def test_valid_station_is_created(demo_app, demo_client, admin_token):
    square = [[119.9, 31.7], [119.95, 31.7], [119.95, 31.75], [119.9, 31.75], [119.9, 31.7]]
    response = demo_client.post(
        "/api/v1/stations", json=station(square), headers=bearer(admin_token)
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["geometry"]["type"] == "MultiPolygon"


def test_oversized_body_is_413(demo_app, demo_client, admin_token):
    big = enterprise()
    big["properties"]["address"] = "x" * (17 * 1024 * 1024)
    response = demo_client.post("/api/v1/enterprises", json=big, headers=bearer(admin_token))
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


def test_officer_adds_person_found_by_location(demo_app, demo_client, demo_county):
    officer = next(u for u in demo_county.users if u.role == "officer")
    token = token_for(demo_app, officer.username)
    inside = demo_county.enterprises[0].location
    person = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [inside.x, inside.y]},
        "properties": {
            "ref": "T-1",
            "name": "张三",
            "category": "deputy",
            "phone": "138 0000 0000",
        },
    }
    response = demo_client.post("/api/v1/people", json=copy.deepcopy(person), headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["properties"]["station"]["code"]
