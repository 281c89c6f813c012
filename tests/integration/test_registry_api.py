"""Reading the registry: bbox, filters, paging, GeoJSON on the wire."""

from __future__ import annotations

import pytest

from tests.integration.helpers import bearer, token_for


@pytest.fixture
def officer_token(demo_app, demo_county):
    officer = next(u for u in demo_county.users if u.role == "officer")
    return token_for(demo_app, officer.username)


def test_bbox_returns_only_enterprises_inside_it(demo_client, demo_county, officer_token):
    lons = sorted(e.location.x for e in demo_county.enterprises)
    lats = sorted(e.location.y for e in demo_county.enterprises)
    box = (lons[len(lons) // 4], lats[len(lats) // 4], lons[len(lons) // 2], lats[len(lats) // 2])
    expected = {
        e.credit_code
        for e in demo_county.enterprises
        if box[0] <= e.location.x <= box[2] and box[1] <= e.location.y <= box[3]
    }
    assert expected, "the box should hold some enterprises"
    bbox = ",".join(str(v) for v in box)
    response = demo_client.get(
        f"/api/v1/enterprises?bbox={bbox}&page_size=500", headers=bearer(officer_token)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    got = {f["properties"]["credit_code"] for f in body["features"]}
    assert got == expected
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    assert feature["properties"]["station"]["code"]


def test_pages_cover_every_enterprise_once(demo_client, demo_county, officer_token):
    seen = []
    url = "/api/v1/enterprises?page_size=200"
    while url:
        body = demo_client.get(url, headers=bearer(officer_token)).get_json()
        seen.extend(f["id"] for f in body["features"])
        url = body["page"]["next"]
    assert len(seen) == len(set(seen)) == len(demo_county.enterprises)
    assert body["page"]["total_pages"] == -(-len(demo_county.enterprises) // 200)


def test_page_size_above_maximum_is_422(demo_client, officer_token):
    response = demo_client.get(
        "/api/v1/enterprises?page_size=100000", headers=bearer(officer_token)
    )
    assert response.status_code == 422
    assert "page_size" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "a,b,c,d", "120,32,119,31", "119,31,200,32", "nan,31,120,32"],
)
def test_bad_bbox_is_422_naming_bbox(demo_client, officer_token, bbox):
    response = demo_client.get(f"/api/v1/enterprises?bbox={bbox}", headers=bearer(officer_token))
    assert response.status_code == 422, response.get_json()
    assert "bbox" in response.get_json()["errors"]


def test_filters(demo_client, demo_county, officer_token):
    key = demo_client.get(
        "/api/v1/enterprises?is_key=true&page_size=500", headers=bearer(officer_token)
    ).get_json()
    assert key["page"]["total_items"] == sum(e.is_key for e in demo_county.enterprises)
    station_code = demo_county.stations[0].code
    projects = demo_client.get(
        f"/api/v1/projects?station={station_code}", headers=bearer(officer_token)
    ).get_json()
    assert all(f["properties"]["station"]["code"] == station_code for f in projects["features"])
    unknown = demo_client.get("/api/v1/projects?station=NOPE", headers=bearer(officer_token))
    assert unknown.status_code == 422
    assert "station" in unknown.get_json()["errors"]


def test_stations_and_projects_are_geojson(demo_client, demo_county, officer_token):
    stations = demo_client.get("/api/v1/stations", headers=bearer(officer_token)).get_json()
    assert len(stations["features"]) == len(demo_county.stations)
    assert {f["geometry"]["type"] for f in stations["features"]} == {"MultiPolygon"}
    projects = demo_client.get("/api/v1/projects", headers=bearer(officer_token)).get_json()
    assert projects["page"]["total_items"] == len(demo_county.projects)
    one = demo_client.get(
        f"/api/v1/projects/{projects['features'][0]['id']}", headers=bearer(officer_token)
    )
    assert one.status_code == 200
    assert (
        demo_client.get("/api/v1/projects/999999", headers=bearer(officer_token)).status_code == 404
    )


def test_health_and_openapi(demo_client):
    health = demo_client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "ok"
    spec = demo_client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    doc = spec.get_json()
    assert "/api/v1/enterprises" in doc["paths"]
    assert "bearerAuth" in doc["components"]["securitySchemes"]
    assert "EnterpriseFeature" in doc["components"]["schemas"]
