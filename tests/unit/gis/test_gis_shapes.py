"""as_multipolygon and check_valid."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gis.errors import GeometryError
from gis.geometry import as_multipolygon, check_valid

SQUARE = [(120.0, 31.0), (120.01, 31.0), (120.01, 31.01), (120.0, 31.01), (120.0, 31.0)]


def test_polygon_becomes_one_part_multipolygon() -> None:
    result = as_multipolygon(Polygon(SQUARE))
    assert isinstance(result, MultiPolygon)
    assert len(result.geoms) == 1 and result.geoms[0].equals(Polygon(SQUARE))


def test_multipolygon_passes_through_unchanged() -> None:
    multi = MultiPolygon([Polygon(SQUARE)])
    assert as_multipolygon(multi) is multi


@pytest.mark.parametrize(
    "geom", [Point(120, 31), LineString([(120, 31), (121, 31)]), "POLYGON ((0 0))"]
)
def test_other_types_are_refused(geom: object) -> None:
    with pytest.raises(GeometryError) as exc:
        as_multipolygon(geom, field="station.area")  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == ("unsupported_geometry_type", "station.area")
    assert "Polygon or MultiPolygon" in exc.value.reason


def test_check_valid_returns_valid_geometry() -> None:
    poly = Polygon(SQUARE)
    assert check_valid(poly) is poly


def test_check_valid_explains_invalid_polygon() -> None:
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    with pytest.raises(GeometryError) as exc:
        check_valid(bowtie, field="area")
    assert (exc.value.code, exc.value.field) == ("invalid_polygon", "area")
    assert "Self-intersection at or near (0.5, 0.5)" in exc.value.reason
