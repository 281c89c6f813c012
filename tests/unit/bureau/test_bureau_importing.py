"""Reading import files: CSV and GeoJSON, row errors, file errors, duplicates, line numbers."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Point

from bureau.credit_code import make_credit_code
from bureau.importing import KINDS, ImportFileError, RowResult, count_rows, read_rows
from bureau.registry import EnterpriseRecord, PersonRecord, ProjectRecord, StationRecord
from gis.datum import to_wgs84
from gis.geometry import BBox

AREA = BBox(119.80, 31.60, 120.25, 31.88)
CODE_A = make_credit_code("320481", "MA1000001")
CODE_B = make_credit_code("320481", "MA1000002")
ENTERPRISE_HEADER = "credit_code,name,address,industry,pollutants,is_key,lon,lat"
SQUARE_WKT = "POLYGON ((120 31.7, 120.05 31.7, 120.05 31.75, 120 31.75, 120 31.7))"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_json(tmp_path: Path, name: str, document: object) -> Path:
    return write(tmp_path, name, json.dumps(document, ensure_ascii=False))


def feature(properties: dict | None, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict, **members: object) -> dict:
    return {"type": "FeatureCollection", **members, "features": list(features)}


# --------------------------------------------------------------------------- CSV


def test_csv_enterprises_happy_path(tmp_path):
    path = write(
        tmp_path,
        "enterprises.csv",
        f"{ENTERPRISE_HEADER}\n"
        f"{CODE_A},溧阳市宏达化工有限公司,白湖镇经一路8号,chemical,waste_gas;waste_water,是,"
        "120.02,31.69\n"
        f"{CODE_B},溧阳永兴电镀有限公司,青山镇纬二路3号,电镀,废水,否,119.87,31.74\n",
    )
    rows = list(read_rows(path, "enterprises", service_area=AREA))
    assert [r.line for r in rows] == [2, 3]
    assert [r.key for r in rows] == [CODE_A, CODE_B]
    assert all(r.ok and r.errors == {} for r in rows)
    first = rows[0].record
    assert isinstance(first, EnterpriseRecord)
    assert first.location == Point(120.02, 31.69)
    assert first.is_key and first.pollutants == ("waste_gas", "waste_water")
    assert rows[1].record.industry == "electroplating"


def test_csv_with_byte_order_mark_and_odd_header_case(tmp_path):
    path = write(
        tmp_path,
        "e.csv",
        " Credit_Code ,NAME,Address,Industry,Longitude,Latitude\n"
        f"{CODE_A},甲公司,某地1号,cement,119.9,31.7\n",
        encoding="utf-8-sig",
    )
    (row,) = read_rows(path, "enterprises")
    assert row.ok, row.errors
    assert row.record.location == Point(119.9, 31.7)


def test_csv_datum_column_converts_to_wgs84(tmp_path):
    path = write(
        tmp_path,
        "e.csv",
        f"{ENTERPRISE_HEADER},datum\n"
        f"{CODE_A},甲公司,某地1号,cement,,,120.1,31.7,gcj02\n"
        f"{CODE_B},乙公司,某地2号,cement,,,120.1,31.7,\n",
    )
    converted, plain = read_rows(path, "enterprises")
    expected = to_wgs84(120.1, 31.7, "gcj02")
    assert converted.record.location.x == pytest.approx(expected[0], abs=1e-7)
    assert converted.record.location.y == pytest.approx(expected[1], abs=1e-7)
    assert plain.record.location == Point(120.1, 31.7)


def test_csv_line_numbers_are_physical_lines(tmp_path):
    path = write(
        tmp_path,
        "e.csv",
        f"{ENTERPRISE_HEADER}\n"
        "\n"
        f'{CODE_A},"甲公司","某地\n1号\n(旧址)",cement,,,120.1,31.7\n'
        "\n"
        f"{CODE_B},,,cement,,,120.1,31.7\n",
    )
    first, second = read_rows(path, "enterprises")
    assert first.line == 3 and first.ok
    assert first.record.address == "某地 1号 (旧址)"
    assert second.line == 7
    assert second.errors == {"name": ["required"], "address": ["required"]}
    assert second.key == CODE_B and second.record is None


def test_csv_row_errors_do_not_stop_the_file(tmp_path):
    path = write(
        tmp_path,
        "e.csv",
        f"{ENTERPRISE_HEADER}\n"
        f"{CODE_A[:-1]}0,甲公司,某地1号,cement,,,120.1,31.7\n"
        f"{CODE_B},乙公司,某地2号,cement,,,116.4,39.9\n"
        f"{make_credit_code('320481', 'MA1000003')},丙公司,某地3号,cement,,,120.1,31.7\n",
    )
    rows = list(read_rows(path, "enterprises", service_area=AREA))
    assert [r.ok for r in rows] == [CODE_A.endswith("0"), False, True]
    assert "outside the service area" in rows[1].errors["location"][0]


def test_csv_extra_cells_are_a_row_error(tmp_path):
    path = write(
        tmp_path, "e.csv", f"{ENTERPRISE_HEADER}\n{CODE_A},甲,某地,cement,,,120.1,31.7,多余\n"
    )
    (row,) = read_rows(path, "enterprises")
    assert "9 values but the header has 8 columns" in row.errors["row"][0]
    # Trailing empty cells (Excel does that) are harmless.
    path = write(
        tmp_path, "f.csv", f"{ENTERPRISE_HEADER}\n{CODE_A},甲,某地,cement,,,120.1,31.7,,\n"
    )
    (row,) = read_rows(path, "enterprises")
    assert row.ok


def test_csv_short_rows_mean_blank_cells(tmp_path):
    path = write(tmp_path, "p.csv", "ref,name,category,phone,address\nP-1,张三,deputy\n")
    (row,) = read_rows(path, "people")
    assert row.record == PersonRecord("P-1", "张三", "deputy")


def test_duplicate_keys_within_a_file(tmp_path):
    path = write(
        tmp_path,
        "e.csv",
        f"{ENTERPRISE_HEADER}\n"
        f"{CODE_A},甲公司,某地1号,cement,,,120.1,31.7\n"
        f"{CODE_B},乙公司,某地2号,cement,,,120.1,31.7\n"
        f"{CODE_A.lower()[:6]} {CODE_A.lower()[6:]},甲公司重复,某地1号,cement,,,120.1,31.7\n",
    )
    rows = list(read_rows(path, "enterprises"))
    assert [r.ok for r in rows] == [True, True, False]
    assert rows[2].key == CODE_A
    assert rows[2].errors == {"credit_code": ["duplicate of line 2"]}


def test_duplicate_of_a_bad_row_is_still_reported(tmp_path):
    path = write(
        tmp_path, "p.csv", "ref,name,category\nP-1,,deputy\nP-2,李四,deputy\nP-1,张三,deputy\n"
    )
    rows = list(read_rows(path, "people"))
    assert rows[0].key == "P-1" and rows[0].errors == {"name": ["required"]}
    assert rows[2].errors == {"ref": ["duplicate of line 2"]}


def test_csv_stations_with_wkt(tmp_path):
    path = write(
        tmp_path,
        "stations.csv",
        f'code,name,wkt\n320481101,青山镇环境管理站,"{SQUARE_WKT}"\n'
        '320481102,白湖镇,"POINT (1 2)"\n',
    )
    good, bad = read_rows(path, "stations", service_area=AREA)
    assert isinstance(good.record, StationRecord)
    assert isinstance(good.record.area, MultiPolygon)
    assert bad.key == "320481102" and list(bad.errors) == ["wkt"]


def test_csv_projects_with_wkt_or_lonlat(tmp_path):
    path = write(
        tmp_path,
        "projects.csv",
        "approval_number,name,status,wkt,lon,lat,starts_on,ends_on\n"
        f'溧环审〔2026〕1号,甲项目,approved,"{SQUARE_WKT}",,,,\n'
        "溧环审〔2026〕2号,乙项目,在建,,120.1,31.7,2026-01-01,2026-12-31\n"
        "溧环审〔2026〕3号,丙项目,completed,,,,2026-05-01,2026-01-01\n",
    )
    polygon, point, bad = read_rows(path, "projects")
    assert isinstance(polygon.record, ProjectRecord)
    assert polygon.record.footprint.geom_type == "Polygon"
    assert point.record.footprint == Point(120.1, 31.7)
    assert set(bad.errors) == {"ends_on", "geometry"}


@pytest.mark.parametrize(
    ("kind", "header", "missing"),
    [
        ("enterprises", "credit_code,name,lon,lat", "address, industry"),
        ("enterprises", "credit_code,name,address,industry", "lon (or longitude), lat"),
        ("stations", "code,name", "wkt"),
        ("projects", "approval_number,name,status,lon", "wkt (or lon and lat)"),
        ("people", "ref,name", "category"),
    ],
)
def test_missing_columns_are_named_before_any_row(tmp_path, kind, header, missing):
    path = write(tmp_path, f"{kind}.csv", header + "\n")
    with pytest.raises(ImportFileError) as info:
        read_rows(path, kind)  # raises on the call, not on the first next()
    assert "missing required column(s)" in info.value.message
    assert missing in info.value.message
    assert info.value.errors["columns"]


def test_duplicate_and_empty_headers(tmp_path):
    path = write(tmp_path, "p.csv", "ref,name,Name,category\n")
    with pytest.raises(ImportFileError, match="more than once: name"):
        read_rows(path, "people")
    path = write(tmp_path, "empty.csv", "")
    with pytest.raises(ImportFileError, match="empty"):
        read_rows(path, "people")
    path = write(tmp_path, "blank.csv", "\n\n")
    with pytest.raises(ImportFileError, match="empty"):
        read_rows(path, "people")


def test_gbk_file_gets_a_helpful_message(tmp_path):
    path = write(tmp_path, "p.csv", "ref,name,category\nP-1,张三,deputy\n", encoding="gbk")
    with pytest.raises(ImportFileError) as info:
        read_rows(path, "people")
    message = info.value.message
    assert "not UTF-8" in message and "line 2" in message
    assert "GBK" in message and "CSV UTF-8" in message


def test_bad_byte_late_in_the_file_fails_before_any_row(tmp_path):
    good_rows = "".join(f"P-{i},张三,deputy\n" for i in range(5000))
    path = tmp_path / "p.csv"
    path.write_bytes(("ref,name,category\n" + good_rows).encode() + b"P-x,\xff\xfe,deputy\n")
    with pytest.raises(ImportFileError, match="line 5002"):
        read_rows(path, "people")


def test_read_rows_is_lazy(tmp_path):
    path = write(tmp_path, "p.csv", "ref,name,category\nP-1,张三,deputy\n")
    rows = read_rows(path, "people")
    assert iter(rows) is rows
    assert isinstance(next(rows), RowResult)


@pytest.mark.parametrize(
    ("name", "kind", "fragment"),
    [
        ("p.csv", "complaints", "unknown kind"),
        ("p.xlsx", "people", "unsupported file type '.xlsx'"),
        ("missing.csv", "people", "no such file"),
    ],
)
def test_file_level_refusals(tmp_path, name, kind, fragment):
    if name != "missing.csv":
        write(tmp_path, name, "ref,name,category\n")
    with pytest.raises(ImportFileError, match=fragment):
        read_rows(tmp_path / name, kind)


def test_kinds():
    assert KINDS == ("stations", "enterprises", "projects", "people")


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_stations_and_people(tmp_path):
    square = [[[120, 31.7], [120.05, 31.7], [120.05, 31.75], [120, 31.75], [120, 31.7]]]
    path = write_json(
        tmp_path,
        "stations.geojson",
        collection(
            feature(
                {"code": "320481101", "name": "青山镇环境管理站"},
                {"type": "Polygon", "coordinates": square},
            ),
            feature(
                {"code": "320481102", "name": "白湖镇"},
                {"type": "Point", "coordinates": [120, 31.7]},
            ),
        ),
    )
    good, bad = read_rows(path, "stations", service_area=AREA)
    assert (good.line, bad.line) == (1, 2)
    assert good.record.area.geom_type == "MultiPolygon"
    assert bad.key == "320481102"
    assert "Point" in bad.errors["geometry"][0]

    path = write_json(
        tmp_path,
        "people.json",
        collection(
            feature({"ref": "P-1", "name": "张三", "category": "deputy"}, None),
            feature(
                {"ref": "P-2", "name": "李四", "category": "deputy", "phone": 13800001111},
                {"type": "Point", "coordinates": [119.9, 31.7]},
            ),
        ),
    )
    first, second = read_rows(path, "people", service_area=AREA)
    assert first.record.location is None
    assert second.record.location == Point(119.9, 31.7)
    assert second.record.phone == "13800001111"


def test_geojson_datum_member_and_property(tmp_path):
    point = {"type": "Point", "coordinates": [120.1, 31.7]}
    props = {"name": "甲", "address": "某地", "industry": "cement"}
    path = write_json(
        tmp_path,
        "e.geojson",
        collection(
            feature({**props, "credit_code": CODE_A}, point),
            feature({**props, "credit_code": CODE_B, "datum": "wgs84"}, point),
            datum="bd09",
        ),
    )
    converted, plain = read_rows(path, "enterprises")
    expected = to_wgs84(120.1, 31.7, "bd09")
    assert converted.record.location.x == pytest.approx(expected[0], abs=1e-7)
    assert plain.record.location == Point(120.1, 31.7)


def test_geojson_polygon_datum_conversion(tmp_path):
    square = [[[120, 31.7], [120.05, 31.7], [120.05, 31.75], [120, 31.75], [120, 31.7]]]
    path = write_json(
        tmp_path,
        "s.geojson",
        collection(
            feature(
                {"code": "A", "name": "甲", "datum": "gcj02"},
                {"type": "Polygon", "coordinates": square},
            ),
        ),
    )
    (row,) = read_rows(path, "stations")
    x, y = row.record.area.geoms[0].exterior.coords[0]
    assert (x, y) == pytest.approx(to_wgs84(120, 31.7, "gcj02"), abs=1e-7)


def test_geojson_row_problems(tmp_path):
    point = {"type": "Point", "coordinates": [120.1, 31.7]}
    path = write_json(
        tmp_path,
        "e.geojson",
        collection(
            "not a feature",  # type: ignore[arg-type]
            {"type": "Feature", "properties": [1, 2], "geometry": point},
            feature(None, point),
            feature(
                {
                    "credit_code": CODE_A,
                    "name": "甲",
                    "address": "某地",
                    "industry": "cement",
                    "datum": "utm",
                },
                point,
            ),
            feature(
                {"credit_code": CODE_B, "name": "乙", "address": "某地", "industry": "cement"},
                {"type": "Point", "coordinates": [0, 0]},
            ),
        ),
    )
    rows = list(read_rows(path, "enterprises"))
    assert [r.line for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].errors == {"feature": ["not a GeoJSON Feature object"]}
    assert rows[1].errors["properties"] == ["must be an object or null"]
    assert {"credit_code", "name", "address", "industry"} <= set(rows[2].errors)
    assert list(rows[3].errors) == ["datum"]
    assert list(rows[4].errors) == ["geometry"]
    assert "(0, 0)" in rows[4].errors["geometry"][0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature", "features": []}', "expected a GeoJSON FeatureCollection"),
        ("[1, 2]", "expected a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": {}}', 'no "features" list'),
        ('{"type": "FeatureCollection", "datum": "utm", "features": []}', "unknown datum"),
    ],
)
def test_geojson_file_errors(tmp_path, content, fragment):
    path = write(tmp_path, "x.geojson", content)
    with pytest.raises(ImportFileError, match=fragment):
        read_rows(path, "stations")


def test_geojson_empty_collection(tmp_path):
    path = write_json(tmp_path, "x.geojson", collection())
    assert list(read_rows(path, "projects")) == []


def test_geojson_duplicates(tmp_path):
    point = {"type": "Point", "coordinates": [120.1, 31.7]}
    props = {"approval_number": "溧环审〔2026〕1号", "name": "甲", "status": "approved"}
    twice = collection(feature(props, point), feature(props, point))
    path = write_json(tmp_path, "p.geojson", twice)
    first, second = read_rows(path, "projects")
    assert first.ok
    assert second.errors == {"approval_number": ["duplicate of line 1"]}


# --------------------------------------------------------------------------- count_rows


def test_count_rows(tmp_path):
    csv_path = write(tmp_path, "p.csv", "ref,name,category\nP-1,a,deputy\nP-2,b,deputy")
    assert count_rows(csv_path) == 2
    csv_path = write(tmp_path, "q.csv", "ref,name,category\nP-1,a,deputy\n")
    assert count_rows(csv_path) == 1
    assert count_rows(write(tmp_path, "e.csv", "")) == 0
    point = {"type": "Point", "coordinates": [120.1, 31.7]}
    json_path = write_json(tmp_path, "x.geojson", collection(*[feature({}, point)] * 7))
    assert count_rows(json_path) == 7


def test_abandoning_a_half_read_file_closes_it(tmp_path):
    # pytest runs with filterwarnings=error: a leaked file handle would fail this test.
    path = write(tmp_path, "p.csv", "ref,name,category\nP-1,张三,deputy\nP-2,李四,deputy\n")
    rows = read_rows(path, "people")
    next(rows)
    del rows
    gc.collect()
