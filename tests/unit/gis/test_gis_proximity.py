"""distance_to_geometry_m: metres from a point to a footprint."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gis.distance import geodesic_distance_m
from gis.errors import GeometryError
from gis.proximity import distance_to_geometry_m

SITE = box(119.95, 31.77, 119.96, 31.78)


def test_inside_and_on_the_edge_are_zero() -> None:
    assert distance_to_geometry_m(119.955, 31.775, SITE) == 0.0
    assert distance_to_geometry_m(119.95, 31.775, SITE) == 0.0
    assert distance_to_geometry_m(119.96, 31.78, SITE) == 0.0


def test_east_of_the_footprint_is_the_distance_to_its_edge() -> None:
    expected = geodesic_distance_m(119.965, 31.775, 119.96, 31.775)
    assert distance_to_geometry_m(119.965, 31.775, SITE) == pytest.approx(expected, abs=0.01)


def test_north_east_of_the_footprint_is_the_distance_to_its_corner() -> None:
    expected = geodesic_distance_m(119.963, 31.783, 119.96, 31.78)
    assert distance_to_geometry_m(119.963, 31.783, SITE) == pytest.approx(expected, abs=0.01)


def test_a_point_footprint_is_the_geodesic_distance() -> None:
    assert distance_to_geometry_m(119.95, 31.77, Point(119.955, 31.77)) == geodesic_distance_m(
        119.95, 31.77, 119.955, 31.77
    )


def test_inside_a_hole_measures_to_the_hole_edge() -> None:
    hole = box(119.952, 31.772, 119.958, 31.778)
    ring = Polygon(SITE.exterior.coords, [hole.exterior.coords])
    expected = geodesic_distance_m(119.955, 31.775, 119.952, 31.775)  # nearer than 31.772
    assert distance_to_geometry_m(119.955, 31.775, ring) == pytest.approx(expected, abs=0.05)


def test_multipolygon_takes_the_nearest_part() -> None:
    far = box(120.1, 31.9, 120.2, 32.0)
    expected = geodesic_distance_m(119.965, 31.775, 119.96, 31.775)
    got = distance_to_geometry_m(119.965, 31.775, MultiPolygon([far, SITE]))
    assert got == pytest.approx(expected, abs=0.01)


def test_line_footprint() -> None:
    road = LineString([(119.95, 31.77), (119.96, 31.77)])
    expected = geodesic_distance_m(119.955, 31.775, 119.955, 31.77)
    assert distance_to_geometry_m(119.955, 31.775, road) == pytest.approx(expected, abs=0.05)


def test_empty_footprint_is_refused() -> None:
    with pytest.raises(GeometryError) as exc:
        distance_to_geometry_m(119.95, 31.77, Polygon())
    assert exc.value.code == "empty_geometry"
