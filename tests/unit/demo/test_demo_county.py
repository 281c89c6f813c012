"""The demo county: deterministic, realistic in shape, valid, and importable as written."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import Point, box
from shapely.ops import unary_union

import demo.county as demo_module
from bureau.credit_code import validate_credit_code
from bureau.importing import read_rows
from bureau.registry import (
    enterprise_from_mapping,
    person_from_mapping,
    project_from_mapping,
    station_from_mapping,
)
from bureau.vocabulary import INDUSTRIES, MUST_VISIT_CATEGORIES, POLLUTANTS, PROJECT_STATUSES, ROLES
from demo.county import (
    DemoCounty,
    build_demo_county,
    make_enterprise_csv,
    write_demo_files,
)
from gis.distance import geodesic_distance_m

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def digest_folder(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(tmp_path, demo: DemoCounty):
    write_demo_files(demo, tmp_path / "a")
    write_demo_files(build_demo_county(), tmp_path / "b")
    assert digest_folder(tmp_path / "a") == digest_folder(tmp_path / "b")
    assert build_demo_county() == demo


def test_other_seed_gives_another_county(tmp_path, demo: DemoCounty):
    other = build_demo_county(seed=7)
    assert other.enterprises[0] != demo.enterprises[0]
    assert other.devices[0].token != demo.devices[0].token
    assert other.users[0].password != demo.users[0].password


def test_determinism_does_not_depend_on_hash_randomization(tmp_path):
    script = (
        "import sys; from demo.county import build_demo_county, write_demo_files; "
        "write_demo_files(build_demo_county(), sys.argv[1])"
    )
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)], check=True, env=env
        )
    assert digest_folder(tmp_path / "1") == digest_folder(tmp_path / "2")


# --------------------------------------------------------------------------- stations


def test_three_stations_tile_the_county(demo: DemoCounty):
    assert len(demo.stations) == 3
    county = box(*demo.service_area.as_tuple())
    for station in demo.stations:
        assert station.area.is_valid
        assert station.name.endswith("环境管理站") and CHINESE.search(station.name)
        assert county.contains(station.area)
    for a, b in itertools.combinations(demo.stations, 2):
        assert a.area.intersection(b.area).area == pytest.approx(0, abs=1e-12)
    union = unary_union([s.area for s in demo.stations])
    assert union.area == pytest.approx(county.area, rel=1e-9)
    assert len({s.code for s in demo.stations}) == 3


def test_county_is_about_40_by_30_km(demo: DemoCounty):
    west, south, east, north = demo.service_area.as_tuple()
    width = geodesic_distance_m(west, south, east, south)
    height = geodesic_distance_m(west, south, west, north)
    assert 35_000 < width < 48_000
    assert 25_000 < height < 35_000


def test_borders_are_irregular(demo: DemoCounty):
    # A straight split would give four-corner rectangles.
    for station in demo.stations:
        assert len(station.area.geoms[0].exterior.coords) > 8


# --------------------------------------------------------------------------- enterprises


def test_enterprises(demo: DemoCounty):
    enterprises = demo.enterprises
    assert len(enterprises) == 520
    codes = [e.credit_code for e in enterprises]
    assert len(set(codes)) == len(codes)
    areas = [s.area for s in demo.stations]
    for e in enterprises:
        assert validate_credit_code(e.credit_code) == e.credit_code
        assert e.credit_code[2:8] == "320481"
        assert CHINESE.search(e.name) and CHINESE.search(e.address)
        assert e.industry in INDUSTRIES
        assert e.pollutants and set(e.pollutants) <= set(POLLUTANTS)
        assert sum(area.contains(e.location) for area in areas) == 1
    key_share = sum(e.is_key for e in enterprises) / len(enterprises)
    assert 0.07 <= key_share <= 0.14
    assert len({e.industry for e in enterprises}) >= 10
    assert len({e.name for e in enterprises}) > 500


def test_enterprises_cluster_in_industrial_parks(demo: DemoCounty):
    parks = demo_module._PARKS
    in_parks = sum(
        any(geodesic_distance_m(e.location.x, e.location.y, p.lon, p.lat) < 2500 for p in parks)
        for e in demo.enterprises
    )
    assert 0.45 < in_parks / len(demo.enterprises) < 0.8


# --------------------------------------------------------------------------- projects


def test_projects(demo: DemoCounty):
    projects = demo.projects
    assert len(projects) == 10
    kinds = {p.footprint.geom_type for p in projects}
    assert kinds == {"Point", "Polygon"}
    numbers = [p.approval_number for p in projects]
    assert len(set(numbers)) == 10
    county = box(*demo.service_area.as_tuple())
    for p in projects:
        assert re.fullmatch(r"溧环审〔20\d\d〕\d{1,3}号", p.approval_number)
        assert p.status in PROJECT_STATUSES
        assert p.footprint.is_valid and county.contains(p.footprint)
        assert p.approved_on is not None and p.developer
        if p.starts_on and p.ends_on:
            assert p.starts_on <= p.ends_on
        if p.status == "completed":
            assert p.ends_on is not None and p.ends_on <= demo_module.AS_OF
    assert len({p.status for p in projects}) == 4


# --------------------------------------------------------------------------- people


def test_people(demo: DemoCounty):
    people = demo.people
    assert [p.ref for p in people] == [f"P-{i:04d}" for i in range(1, len(people) + 1)]
    station_codes = [s.code for s in demo.stations]
    for code in station_codes:
        local = [p for p in people if p.station_code == code]
        assert 20 <= len(local) <= 30
        assert {p.category for p in local} == set(MUST_VISIT_CATEGORIES)
        area = next(s.area for s in demo.stations if s.code == code)
        for person in local:
            if person.location is not None:
                assert area.contains(person.location)
    assert all(p.phone and CHINESE.search(p.name) for p in people)


def test_project_neighbours_live_near_projects(demo: DemoCounty):
    neighbours = [p for p in demo.people if p.category == "project_neighbour"]
    assert neighbours
    for person in neighbours:
        assert person.location is not None
        nearest = min(
            geodesic_distance_m(
                person.location.x,
                person.location.y,
                pr.footprint.centroid.x,
                pr.footprint.centroid.y,
            )
            for pr in demo.projects
        )
        assert nearest < 3000


# --------------------------------------------------------------------------- accounts


def test_users_cover_every_role(demo: DemoCounty):
    users = {u.username: u for u in demo.users}
    assert len(users) == len(demo.users)
    assert {u.role for u in demo.users} == set(ROLES)
    county_level = {u.role for u in demo.users if u.station_code is None}
    assert county_level == {"admin", "leader", "officer", "intake", "auditor"}
    for station in demo.stations:
        roles = sorted(u.role for u in demo.users if u.station_code == station.code)
        expected = ["inspector", "station_staff"]
        if station is demo.stations[0]:
            expected = ["inspector", "inspector", "station_staff"]
        assert roles == expected
    assert all(u.password.startswith("demo-") for u in demo.users)
    assert len({u.password for u in demo.users}) == len(demo.users)


def test_devices_one_per_field_account(demo: DemoCounty):
    field_users = [u.username for u in demo.users if u.role in ("inspector", "station_staff")]
    assert [d.username for d in demo.devices] == field_users
    tokens = [d.token for d in demo.devices]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert re.fullmatch(r"demo-[0-9a-f]{40}", token)


def test_docstrings_say_secrets_are_demo_only():
    for text in (demo_module.__doc__, demo_module.DemoDevice.__doc__, demo_module.DemoUser.__doc__):
        assert text and "demo" in text.lower()
    assert "never protect real data" in (demo_module.__doc__ or "")
    assert "random ones per install" in (demo_module.__doc__ or "")


# --------------------------------------------------------------------------- validity


def test_every_record_passes_the_registry_validators(demo: DemoCounty):
    area = demo.service_area
    for s in demo.stations:
        assert station_from_mapping({"code": s.code, "name": s.name}, s.area) == s
    for e in demo.enterprises:
        row = {
            "credit_code": e.credit_code,
            "name": e.name,
            "address": e.address,
            "industry": e.industry,
            "pollutants": list(e.pollutants),
            "is_key": e.is_key,
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone,
        }
        assert enterprise_from_mapping(row, e.location, service_area=area) == e
    for p in demo.projects:
        row = {
            "approval_number": p.approval_number,
            "name": p.name,
            "status": p.status,
            "approved_on": p.approved_on,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "developer": p.developer,
        }
        assert project_from_mapping(row, p.footprint, service_area=area) == p
    for person in demo.people:
        row = {
            "ref": person.ref,
            "name": person.name,
            "category": person.category,
            "phone": person.phone,
            "address": person.address,
            "station_code": person.station_code,
        }
        assert person_from_mapping(row, person.location, service_area=area) == person


def test_written_files_read_back_without_errors(tmp_path, demo: DemoCounty):
    paths = write_demo_files(demo, tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "enterprises.csv",
        "people.csv",
        "projects.geojson",
        "stations.geojson",
    ]
    expected = {
        "stations": demo.stations,
        "enterprises": demo.enterprises,
        "projects": demo.projects,
        "people": demo.people,
    }
    for kind, path in paths.items():
        rows = list(read_rows(path, kind, service_area=demo.service_area))
        assert [r.errors for r in rows if r.errors] == []
        assert [r.record for r in rows] == expected[kind]


def test_csv_files_open_in_excel(tmp_path, demo: DemoCounty):
    paths = write_demo_files(demo, tmp_path)
    assert paths["enterprises"].read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in paths["people"].read_bytes()


def test_make_enterprise_csv_for_the_benchmark(tmp_path, demo: DemoCounty):
    path = make_enterprise_csv(tmp_path / "bench.csv", 10_000, seed=1)
    rows = list(read_rows(path, "enterprises", service_area=demo.service_area))
    assert len(rows) == 10_000
    assert all(r.ok for r in rows)
    assert rows[-1].line == 10_001
    assert len({r.key for r in rows}) == 10_000
    again = make_enterprise_csv(tmp_path / "again.csv", 10_000, seed=1)
    assert again.read_bytes() == path.read_bytes()


def test_make_enterprise_csv_small_and_empty(tmp_path):
    assert list(read_rows(make_enterprise_csv(tmp_path / "z.csv", 0), "enterprises")) == []
    with pytest.raises(ValueError):
        make_enterprise_csv(tmp_path / "neg.csv", -1)


def test_demo_points_are_plain_points(demo: DemoCounty):
    assert all(isinstance(e.location, Point) for e in demo.enterprises)
    assert isinstance(demo_module.AS_OF, date)
