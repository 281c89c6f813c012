"""Registry records: one flat row in, a normalized record out, or every problem at once."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from bureau.credit_code import make_credit_code
from bureau.errors import InvalidInput
from bureau.registry import (
    EnterpriseRecord,
    PersonRecord,
    ProjectRecord,
    StationRecord,
    enterprise_from_mapping,
    person_from_mapping,
    project_from_mapping,
    station_from_mapping,
)
from gis.geometry import BBox

AREA = BBox(119.80, 31.60, 120.25, 31.88)
SQUARE = Polygon([(120.0, 31.7), (120.05, 31.7), (120.05, 31.75), (120.0, 31.75)])
SQUARE_WKT = "POLYGON ((120 31.7, 120.05 31.7, 120.05 31.75, 120 31.75, 120 31.7))"
CODE = make_credit_code("320481", "MA1M2N3P4")


def errors_of(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value.errors


def enterprise_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "credit_code": CODE,
        "name": "溧阳市宏达化工有限公司",
        "address": "白湖镇白湖化工园区经一路8号",
        "industry": "chemical",
        "pollutants": "waste_gas;waste_water",
        "is_key": "是",
        "contact_name": "王伟",
        "contact_phone": "139 1234 5678",
        "lon": "120.02",
        "lat": "31.69",
    }
    row.update(overrides)
    return row


# --------------------------------------------------------------------------- stations


def test_station_from_geometry():
    record = station_from_mapping({"code": "320481101", "name": "青山镇环境管理站"}, SQUARE)
    assert record == StationRecord("320481101", "青山镇环境管理站", MultiPolygon([SQUARE]))
    assert record.key == "320481101"
    assert isinstance(record.area, MultiPolygon)


def test_station_from_wkt_column():
    record = station_from_mapping({"code": "QS", "name": "青山镇", "wkt": SQUARE_WKT})
    assert record.area.equals(MultiPolygon([SQUARE]))


def test_station_wkt_in_gcj02_is_converted():
    record = station_from_mapping(
        {"code": "QS", "name": "青山镇", "wkt": SQUARE_WKT, "datum": "gcj02"}
    )
    assert not record.area.equals(MultiPolygon([SQUARE]))
    assert record.area.centroid.distance(SQUARE.centroid) < 0.01


def test_station_collects_all_problems():
    errors = errors_of(station_from_mapping, {"code": "Q S", "name": ""})
    assert errors == {
        "code": ["must not contain spaces"],
        "name": ["required"],
        "geometry": ["required"],
    }


@pytest.mark.parametrize(
    ("geometry", "fragment"),
    [
        (Point(120, 31.7), "must be a Polygon or MultiPolygon, not Point"),
        (LineString([(120, 31.7), (120.1, 31.8)]), "not LineString"),
        (Polygon([(120, 31.7), (120.1, 31.8), (120.1, 31.7), (120, 31.8)]), "not valid"),
        (Polygon(), "must not be empty"),
    ],
)
def test_station_geometry_must_be_a_valid_area(geometry, fragment):
    errors = errors_of(station_from_mapping, {"code": "QS", "name": "青山镇"}, geometry)
    assert fragment in errors["geometry"][0]


def test_station_bad_wkt_is_reported_under_wkt():
    errors = errors_of(station_from_mapping, {"code": "QS", "name": "x", "wkt": "POLYGON ((1"})
    assert list(errors) == ["wkt"]
    errors = errors_of(station_from_mapping, {"code": "QS", "name": "x", "wkt": "POINT (120 31)"})
    assert "Point" in errors["wkt"][0]


def test_station_outside_service_area():
    far = Polygon([(116.0, 39.7), (116.01, 39.7), (116.01, 39.71)])
    errors = errors_of(station_from_mapping, {"code": "X", "name": "x"}, far, service_area=AREA)
    assert errors == {"geometry": ["lies entirely outside the service area"]}


def test_caller_problems_are_reported_with_the_row_and_suppress_required():
    errors = errors_of(
        station_from_mapping,
        {"code": "", "name": "x"},
        None,
        problems={"geometry": ["coordinates[0]: too few points"]},
    )
    assert errors == {"geometry": ["coordinates[0]: too few points"], "code": ["required"]}


# --------------------------------------------------------------------------- enterprises


def test_enterprise_from_row():
    record = enterprise_from_mapping(enterprise_row(), service_area=AREA)
    assert record == EnterpriseRecord(
        credit_code=CODE,
        name="溧阳市宏达化工有限公司",
        address="白湖镇白湖化工园区经一路8号",
        location=Point(120.02, 31.69),
        industry="chemical",
        pollutants=("waste_gas", "waste_water"),
        is_key=True,
        contact_name="王伟",
        contact_phone="139 1234 5678",
    )
    assert record.key == CODE


def test_enterprise_normalizes_and_accepts_labels():
    record = enterprise_from_mapping(
        enterprise_row(
            credit_code=" " + CODE.lower()[:9] + " " + CODE.lower()[9:],
            industry="电镀",
            pollutants=["废水", "hazardous_waste", "废水"],
            is_key="",
            contact_name="",
            contact_phone="",
        )
    )
    assert record.credit_code == CODE
    assert record.industry == "electroplating"
    assert record.pollutants == ("waste_water", "hazardous_waste")
    assert record.is_key is False
    assert record.contact_name is None and record.contact_phone is None


def test_enterprise_location_may_be_given_as_a_point():
    row = enterprise_row(lon="", lat="")
    record = enterprise_from_mapping(row, Point(120.1, 31.8), service_area=AREA)
    assert record.location == Point(120.1, 31.8)
    errors = errors_of(enterprise_from_mapping, row, SQUARE)
    assert errors == {"geometry": ["must be a Point, not Polygon"]}
    errors = errors_of(enterprise_from_mapping, row, Point(116.4, 39.9), service_area=AREA)
    assert "outside the service area" in errors["geometry"][0]


def test_enterprise_collects_every_problem_of_the_row():
    row = {
        "credit_code": CODE[:-1] + ("0" if CODE[-1] != "0" else "1"),
        "name": "",
        "address": "地" * 301,
        "industry": "mining",
        "pollutants": "waste_gas;smoke",
        "is_key": "maybe",
        "contact_phone": "call me",
        "lon": "31.69",
        "lat": "120.02",
    }
    errors = errors_of(enterprise_from_mapping, row, service_area=AREA)
    assert set(errors) == {
        "credit_code",
        "name",
        "address",
        "industry",
        "pollutants",
        "is_key",
        "contact_phone",
        "location",
    }
    assert errors["credit_code"][0].startswith("check character should be")
    assert errors["name"] == ["required"]
    assert errors["industry"][0].startswith("must be one of: chemical")
    assert "swapped" in errors["location"][0]


def test_enterprise_requires_a_location():
    errors = errors_of(enterprise_from_mapping, enterprise_row(lon=None, lat=None))
    assert errors == {"location": ["required: give lon and lat"]}


# --------------------------------------------------------------------------- projects


def project_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "approval_number": "溧环审〔2026〕12号",
        "name": "白湖化工园区集中供热项目",
        "status": "under_construction",
        "approved_on": "2026-01-15",
        "starts_on": "2026-03-01",
        "ends_on": "2027-06-30",
        "developer": "溧阳白湖热电有限公司",
    }
    row.update(overrides)
    return row


def test_project_with_polygon_footprint():
    record = project_from_mapping(project_row(), SQUARE, service_area=AREA)
    assert record == ProjectRecord(
        approval_number="溧环审〔2026〕12号",
        name="白湖化工园区集中供热项目",
        footprint=SQUARE,
        status="under_construction",
        approved_on=date(2026, 1, 15),
        starts_on=date(2026, 3, 1),
        ends_on=date(2027, 6, 30),
        developer="溧阳白湖热电有限公司",
    )
    assert record.key == "溧环审〔2026〕12号"


def test_project_footprint_from_wkt_or_lonlat():
    assert project_from_mapping(project_row(wkt=SQUARE_WKT)).footprint.equals(SQUARE)
    point = project_from_mapping(project_row(lon="120.01", lat="31.71")).footprint
    assert point == Point(120.01, 31.71)
    multi = MultiPolygon([SQUARE])
    assert project_from_mapping(project_row(), multi).footprint == multi


def test_project_optional_fields_may_be_blank():
    record = project_from_mapping(
        project_row(approved_on="", starts_on=None, ends_on="", developer=""), SQUARE
    )
    assert (record.approved_on, record.starts_on, record.ends_on, record.developer) == (
        None,
        None,
        None,
        None,
    )


def test_project_dates_must_be_in_order():
    errors = errors_of(
        project_from_mapping, project_row(starts_on="2026-05-01", ends_on="2026-04-30"), SQUARE
    )
    assert errors == {"ends_on": ["must not be before starts_on (2026-05-01)"]}
    # Started before approval (未批先建) is a violation to record, not a typo: accepted.
    record = project_from_mapping(
        project_row(approved_on="2026-06-01", starts_on="2026-03-01"), SQUARE
    )
    assert record.starts_on < record.approved_on


def test_project_collects_every_problem():
    row = project_row(
        approval_number="",
        name=None,
        status="planned",
        approved_on="2026/1/15",
        starts_on="2026-13-01",
    )
    errors = errors_of(project_from_mapping, row)
    assert set(errors) == {
        "approval_number",
        "name",
        "status",
        "approved_on",
        "starts_on",
        "geometry",
    }
    assert errors["status"][0].startswith("must be one of: approved, under_construction")
    assert errors["geometry"] == ["required: give a geometry, a wkt or lon and lat"]


def test_project_status_accepts_chinese():
    assert project_from_mapping(project_row(status="在建"), SQUARE).status == "under_construction"


def test_project_line_footprint_is_refused():
    errors = errors_of(project_from_mapping, project_row(), LineString([(120, 31.7), (120, 31.8)]))
    assert "must be a Point or Polygon or MultiPolygon" in errors["geometry"][0]


# --------------------------------------------------------------------------- people


def test_person_minimal_and_full():
    minimal = person_from_mapping({"ref": "P-0001", "name": "张三", "category": "deputy"})
    assert minimal == PersonRecord("P-0001", "张三", "deputy")
    assert minimal.key == "P-0001"
    full = person_from_mapping(
        {
            "ref": "P-0002",
            "name": "李四",
            "category": "重复信访人",
            "phone": "13800001111",
            "address": "青山镇东岗村3组",
            "lon": "119.9",
            "lat": "31.7",
            "station_code": "320481101",
        },
        service_area=AREA,
    )
    assert full.category == "repeat_complainant"
    assert full.location == Point(119.9, 31.7)
    assert full.station_code == "320481101"


def test_person_location_as_point():
    person = person_from_mapping(
        {"ref": "P-1", "name": "王五", "category": "deputy"}, Point(120.0, 31.8)
    )
    assert person.location == Point(120.0, 31.8)


def test_person_collects_every_problem():
    errors = errors_of(
        person_from_mapping,
        {
            "ref": "P 1",
            "name": "",
            "category": "vip",
            "phone": "12",
            "lon": "120.0",
            "station_code": "ST 1",
        },
    )
    assert set(errors) == {"ref", "name", "category", "phone", "lat", "station_code"}


def test_person_outside_service_area():
    errors = errors_of(
        person_from_mapping,
        {"ref": "P-1", "name": "王五", "category": "deputy", "lon": "121.5", "lat": "31.2"},
        service_area=AREA,
    )
    assert "outside the service area" in errors["location"][0]


def test_records_are_frozen():
    person = PersonRecord("P-1", "王五", "deputy")
    with pytest.raises(AttributeError):
        person.name = "赵六"  # type: ignore[misc]
