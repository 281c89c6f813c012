"""Row positions: lon/lat columns, datum conversion, service area, errors under row fields."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon

from bureau.fields import FieldErrors, RowReader
from bureau.locations import (
    check_geometry_area,
    convert_geometry,
    normalize_datum,
    read_point,
)
from gis.datum import to_wgs84
from gis.geometry import BBox

AREA = BBox(119.80, 31.60, 120.25, 31.88)


@pytest.mark.parametrize(
    ("text", "datum"),
    [
        ("wgs84", "wgs84"),
        ("WGS-84", "wgs84"),
        ("gcj_02", "gcj02"),
        (" BD09 ", "bd09"),
        ("utm", None),
        (None, None),
        (84, None),
    ],
)
def test_normalize_datum(text, datum):
    assert normalize_datum(text) == datum


def test_read_point_wgs84():
    row = RowReader({"lon": " 120.1 ", "lat": "31.7"})
    point = read_point(row, required=True, service_area=AREA)
    assert (point.x, point.y) == (120.1, 31.7)
    assert not row.errors


def test_read_point_accepts_long_names():
    row = RowReader({"longitude": "120.1", "latitude": "31.7"})
    assert read_point(row, required=True) == Point(120.1, 31.7)


def test_gcj02_and_bd09_are_converted_to_wgs84():
    for datum in ("gcj02", "bd09"):
        row = RowReader({"lon": "120.1", "lat": "31.7", "datum": datum})
        point = read_point(row, required=True)
        expected = to_wgs84(120.1, 31.7, datum)
        assert point.x == pytest.approx(expected[0], abs=1e-7)
        assert point.y == pytest.approx(expected[1], abs=1e-7)
        # The offset is hundreds of metres: conversion visibly happened.
        assert abs(point.x - 120.1) + abs(point.y - 31.7) > 0.002


def test_default_datum_applies_when_the_row_has_none():
    row = RowReader({"lon": "120.1", "lat": "31.7"})
    point = read_point(row, required=True, default_datum="gcj02")
    assert point.x != 120.1


def test_missing_location():
    row = RowReader({})
    assert read_point(row, required=False) is None
    assert not row.errors
    assert read_point(row, required=True) is None
    assert row.errors.as_dict() == {"location": ["required: give lon and lat"]}


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"lon": "120.1"}, "lat", "required"),
        ({"lat": "31.7"}, "lon", "required"),
        ({"lon": "东经120", "lat": "31.7"}, "lon", "not a number"),
        ({"lon": "nan", "lat": "31.7"}, "lon", "not a finite number"),
        ({"lon": "120.1", "lat": "31.7", "datum": "utm"}, "datum", "unknown datum"),
        ({"lon": "31.7", "lat": "120.1"}, "location", "swapped"),
        ({"lon": "0", "lat": "0"}, "location", "(0, 0)"),
        ({"lon": "200", "lat": "31.7"}, "location", "out of range"),
        ({"lon": "116.4", "lat": "39.9"}, "location", "outside the service area"),
    ],
)
def test_bad_positions_are_reported_under_row_fields(data, field, fragment):
    row = RowReader(data)
    assert read_point(row, required=True, service_area=AREA) is None
    errors = row.errors.as_dict()
    assert field in errors, errors
    assert fragment in " ".join(errors[field])


def test_convert_geometry_moves_every_vertex():
    square = Polygon([(120.0, 31.7), (120.01, 31.7), (120.01, 31.71), (120.0, 31.71)])
    assert convert_geometry(square, "wgs84") is square
    moved = convert_geometry(square, "gcj02")
    for (x0, y0), (x1, y1) in zip(square.exterior.coords, moved.exterior.coords, strict=True):
        assert (x1, y1) == pytest.approx(to_wgs84(x0, y0, "gcj02"), abs=1e-7)


def test_geometry_area_must_touch_the_service_area():
    errors = FieldErrors()
    inside = Polygon([(120.0, 31.7), (120.01, 31.7), (120.01, 31.71)])
    straddling = Polygon([(120.2, 31.7), (120.4, 31.7), (120.4, 31.71)])
    elsewhere = Polygon([(116.0, 39.7), (116.01, 39.7), (116.01, 39.71)])
    assert check_geometry_area(inside, errors, "geometry", AREA)
    assert check_geometry_area(straddling, errors, "geometry", AREA)
    assert check_geometry_area(elsewhere, errors, "geometry", None)
    assert not errors
    assert not check_geometry_area(elsewhere, errors, "geometry", AREA)
    assert errors.as_dict() == {"geometry": ["lies entirely outside the service area"]}
