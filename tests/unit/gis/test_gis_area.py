"""area_m2: ellipsoidal areas of lon/lat polygons."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gis.area import area_m2
from gis.distance import geodesic_distance_m
from gis.errors import GeometryError


def test_the_whole_ellipsoid() -> None:
    # GeographicLib's total area of the WGS-84 ellipsoid: 510065621724088.5 m² (Karney 2013).
    assert area_m2(box(-180, -90, 180, 90)) == pytest.approx(510065621724088.5, rel=1e-12)


def test_a_100_m_square_in_the_county() -> None:
    west, south = 119.95, 31.77
    east = west + 100 / geodesic_distance_m(west, south, west + 1, south)
    north = south + 100 / geodesic_distance_m(west, south, west, south + 1)
    assert area_m2(box(west, south, east, north)) == pytest.approx(10_000.0, rel=1e-4)


def test_orientation_and_multipolygons() -> None:
    cell = box(119.9, 31.7, 119.91, 31.71)
    reversed_ring = Polygon(list(cell.exterior.coords)[::-1])
    assert area_m2(reversed_ring) == pytest.approx(area_m2(cell), rel=1e-12)
    other = box(119.92, 31.7, 119.93, 31.71)
    assert area_m2(MultiPolygon([cell, other])) == pytest.approx(
        area_m2(cell) + area_m2(other), rel=1e-12
    )


def test_holes_are_subtracted() -> None:
    shell = box(119.9, 31.7, 119.92, 31.72)
    hole = box(119.905, 31.705, 119.915, 31.715)
    with_hole = Polygon(shell.exterior.coords, [hole.exterior.coords])
    assert area_m2(with_hole) == pytest.approx(area_m2(shell) - area_m2(hole), rel=1e-9)


def test_a_degree_is_smaller_towards_the_pole() -> None:
    assert area_m2(box(120, 31, 121, 32)) < area_m2(box(120, 0, 121, 1))


def test_empty_polygon_is_zero() -> None:
    assert area_m2(Polygon()) == 0.0


@pytest.mark.parametrize("geom", [Point(120, 31), LineString([(120, 31), (121, 31)])])
def test_points_and_lines_have_no_area(geom: object) -> None:
    with pytest.raises(GeometryError) as exc:
        area_m2(geom)  # type: ignore[arg-type]
    assert exc.value.code == "unsupported_geometry_type"
