"""The OGC API – Features layers at /ogc, read as a GIS tool reads them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request

import pytest
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry import box

from server.extensions import db
from server.models import Enterprise
from tests.integration.helpers import bearer, count, serving, token_for
from tests.integration.sync_helpers import Device, complaint_fields

BOX = (119.85, 31.65, 120.0, 31.75)


@pytest.fixture
def leader(demo_app):
    return bearer(token_for(demo_app, "leader"))


def get(client, headers, path, status=200):
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response


def enterprises_in(app, bbox) -> set[int]:
    area = box(*bbox)
    with app.app_context():
        rows = db.session.execute(sa.select(Enterprise.id, Enterprise.location)).all()
        return {rid for rid, geom in rows if area.intersects(to_shape(geom))}


def test_landing_conformance_and_collections_link_to_each_other(demo_client, leader):
    landing = get(demo_client, leader, "/ogc").get_json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "conformance", "data"} <= rels.keys()
    conformance = get(demo_client, leader, rels["conformance"]).get_json()
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in (conformance["conformsTo"])
    )
    listing = get(demo_client, leader, rels["data"]).get_json()
    ids = [c["id"] for c in listing["collections"]]
    assert ids == ["stations", "enterprises", "projects", "complaints"]
    for described in listing["collections"]:
        one = get(demo_client, leader, f"/ogc/collections/{described['id']}").get_json()
        assert one["id"] == described["id"]
        assert any(link["rel"] == "items" for link in one["links"])


def test_items_page_through_every_enterprise_once(demo_app, demo_client, leader):
    seen, url, pages = [], "/ogc/collections/enterprises/items?limit=200", 0
    while url:
        response = get(demo_client, leader, url)
        assert response.mimetype == "application/geo+json"
        page = response.get_json()
        assert page["numberReturned"] == len(page["features"]) <= 200
        assert page["numberMatched"] == count(demo_app, Enterprise)
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
    assert len(seen) == len(set(seen)) == count(demo_app, Enterprise)
    assert pages == -(-len(seen) // 200)


def test_bbox_returns_exactly_the_features_inside(demo_app, demo_client, leader):
    bbox = ",".join(map(str, BOX))
    page = get(
        demo_client, leader, f"/ogc/collections/enterprises/items?bbox={bbox}&limit=1000"
    ).get_json()
    expected = enterprises_in(demo_app, BOX)
    assert expected, "the box should hold some demo enterprises"
    assert {f["id"] for f in page["features"]} == expected
    assert page["numberMatched"] == len(expected)
    feature = page["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert {"credit_code", "industry", "station_code"} <= feature["properties"].keys()
    assert "contact_phone" not in feature["properties"]


def test_single_item_and_missing_ones(demo_client, leader):
    page = get(demo_client, leader, "/ogc/collections/stations/items").get_json()
    first = page["features"][0]
    one = get(demo_client, leader, f"/ogc/collections/stations/items/{first['id']}").get_json()
    assert one["properties"]["code"] == first["properties"]["code"]
    assert one["geometry"]["type"] == "MultiPolygon"
    get(demo_client, leader, "/ogc/collections/stations/items/999999", 404)
    get(demo_client, leader, "/ogc/collections/stations/items/abc", 404)
    missing = get(demo_client, leader, "/ogc/collections/rivers", 404).get_json()
    assert "enterprises" in missing["message"]


@pytest.mark.parametrize(
    "query", ["bbox=1,2,3", "bbox=a,b,c,d", "limit=0", "limit=100000", "offset=-1", "limit=x"]
)
def test_bad_parameters_answer_400(demo_client, leader, query):
    answer = get(demo_client, leader, f"/ogc/collections/projects/items?{query}", 400).get_json()
    assert answer["code"] == "invalid_parameter" and answer["errors"]


def test_layers_need_a_token(demo_client):
    response = demo_client.get("/ogc/collections")
    assert response.status_code == 401


def test_complaints_layer_shows_no_complainant_data(demo_app, demo_client, leader):
    inspector = Device.for_user(demo_app, demo_client, "qs_inspector")
    located = complaint_fields(
        location={"type": "Point", "coordinates": [119.9, 31.7]},
        description="张三 13800000000 反映化工厂气味",
        address="青山村 3 组 张三家",
    )
    inspector.push(
        inspector.mutation("complaint", "create", located),
        inspector.mutation("complaint", "create", complaint_fields()),  # no location: not mapped
    )
    page = get(demo_client, leader, "/ogc/collections/complaints/items").get_json()
    assert page["numberMatched"] == 1
    (feature,) = page["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [119.9, 31.7]}
    assert feature["properties"]["category"] == "odour"
    text = str(feature)
    assert "张三" not in text and "13800000000" not in text
    one = get(demo_client, leader, f"/ogc/collections/complaints/items/{feature['id']}")
    assert one.get_json()["properties"] == feature["properties"]


def test_gdal_reads_the_layers_from_a_running_server(databases, tmp_path, demo_tokens):
    """GDAL's own OGC API client (ogrinfo, from Debian's gdal-bin) lists and reads the layers."""
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        if os.environ.get("CI"):
            pytest.fail("ogrinfo (Debian package gdal-bin) must be installed in CI")
        pytest.skip("ogrinfo is not installed (Debian package gdal-bin)")
    url = databases.fresh_url("demo")
    env = dict(os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=str(tmp_path))
    with serving(env) as base:
        token = demo_tokens["qs_inspector"]
        gdal = [ogrinfo, "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}", "-ro"]
        listing = subprocess.run(
            [*gdal, "-q", f"OAPIF:{base}/ogc"], capture_output=True, text=True, timeout=120
        )
        assert listing.returncode == 0, listing.stderr
        for layer in ("stations", "enterprises", "projects", "complaints"):
            assert layer in listing.stdout
        read = subprocess.run(
            [*gdal, "-so", "-spat", *map(str, BOX), f"OAPIF:{base}/ogc", "enterprises"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert read.returncode == 0, read.stderr
        counted = [line for line in read.stdout.splitlines() if "Feature Count" in line]
        assert counted, read.stdout
        feature_count = int(counted[0].split(":")[1])
        features = subprocess.run(
            [*gdal, "-spat", *map(str, BOX), f"OAPIF:{base}/ogc", "enterprises"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert features.returncode == 0, features.stderr
        read_ids = features.stdout.count("OGRFeature(enterprises)")
        assert read_ids == feature_count > 0
        assert "credit_code: String" in read.stdout
        ours = urllib.request.Request(
            f"{base}/ogc/collections/enterprises/items?limit=1&bbox={','.join(map(str, BOX))}",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(ours, timeout=10) as response:
            assert json.load(response)["numberMatched"] == feature_count
