"""parse_geojson_geometry and to_geojson: GeoJSON in, checked by hand; GeoJSON out, rounded."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from shapely.geometry import (
    GeometryCollection,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)

from gis.bbox import BBox
from gis.errors import GeometryError
from gis.geometry import parse_geojson_geometry, to_geojson

SQUARE = [[120.0, 31.0], [120.01, 31.0], [120.01, 31.01], [120.0, 31.01], [120.0, 31.0]]
HOLE = [[120.002, 31.002], [120.004, 31.002], [120.004, 31.004], [120.002, 31.002]]


def _error(obj: Any, **kwargs: Any) -> GeometryError:
    with pytest.raises(GeometryError) as exc:
        parse_geojson_geometry(obj, **kwargs)
    return exc.value


class TestAccepts:
    def test_point(self) -> None:
        geom = parse_geojson_geometry({"type": "Point", "coordinates": [119.95, 31.77]})
        assert geom.equals(Point(119.95, 31.77))

    def test_point_altitude_is_dropped(self) -> None:
        geom = parse_geojson_geometry({"type": "Point", "coordinates": [119.95, 31.77, 12.5]})
        assert not geom.has_z
        assert (geom.x, geom.y) == (119.95, 31.77)

    def test_integers_and_tuples(self) -> None:
        geom = parse_geojson_geometry({"type": "Point", "coordinates": (120, 31)})
        assert geom.equals(Point(120.0, 31.0))

    def test_multipoint(self) -> None:
        geom = parse_geojson_geometry(
            {"type": "MultiPoint", "coordinates": [[120.0, 31.0], [120.1, 31.1]]}
        )
        assert isinstance(geom, MultiPoint) and len(geom.geoms) == 2

    def test_linestring(self) -> None:
        geom = parse_geojson_geometry(
            {"type": "LineString", "coordinates": [[120.0, 31.0], [120.1, 31.1]]}
        )
        assert isinstance(geom, LineString)

    def test_polygon_with_hole(self) -> None:
        geom = parse_geojson_geometry({"type": "Polygon", "coordinates": [SQUARE, HOLE]})
        assert isinstance(geom, Polygon)
        assert len(geom.interiors) == 1
        assert geom.is_valid

    def test_multipolygon(self) -> None:
        other = [[lon + 0.1, lat] for lon, lat in SQUARE]
        geom = parse_geojson_geometry({"type": "MultiPolygon", "coordinates": [[SQUARE], [other]]})
        assert isinstance(geom, MultiPolygon) and len(geom.geoms) == 2

    def test_multilinestring_only_when_allowed(self) -> None:
        obj = {"type": "MultiLineString", "coordinates": [[[120.0, 31.0], [120.1, 31.1]]]}
        assert _error(obj).code == "unsupported_geometry_type"
        geom = parse_geojson_geometry(obj, allowed=("MultiLineString",))
        assert isinstance(geom, MultiLineString)

    def test_clockwise_ring_is_accepted_and_kept(self) -> None:
        clockwise = list(reversed(SQUARE))
        geom = parse_geojson_geometry({"type": "Polygon", "coordinates": [clockwise]})
        assert to_geojson(geom)["coordinates"] == [clockwise]

    def test_extra_members_are_ignored(self) -> None:
        obj = {"type": "Point", "coordinates": [120.0, 31.0], "bbox": [1, 2, 3, 4], "crs": None}
        assert parse_geojson_geometry(obj).equals(Point(120.0, 31.0))

    def test_inside_service_area(self) -> None:
        area = BBox(119.0, 30.0, 121.0, 32.0)
        geom = parse_geojson_geometry(
            {"type": "Polygon", "coordinates": [SQUARE]}, service_area=area
        )
        assert geom.is_valid


class TestShapeErrors:
    @pytest.mark.parametrize("obj", [None, [], "Point", 5, [120.0, 31.0]])
    def test_not_an_object(self, obj: Any) -> None:
        err = _error(obj, field="location")
        assert (err.code, err.field) == ("malformed_geojson", "location")

    @pytest.mark.parametrize("obj", [{}, {"type": None}, {"type": 5, "coordinates": [1, 2]}])
    def test_missing_or_bad_type(self, obj: Any) -> None:
        err = _error(obj)
        assert (err.code, err.field) == ("malformed_geojson", "geometry.type")

    def test_missing_coordinates(self) -> None:
        err = _error({"type": "Point"})
        assert (err.code, err.field) == ("malformed_geojson", "geometry.coordinates")

    def test_type_not_allowed_names_the_allowed_types(self) -> None:
        err = _error(
            {"type": "LineString", "coordinates": [[120, 31], [121, 31]]},
            allowed=("Point", "Polygon"),
        )
        assert (err.code, err.field) == ("unsupported_geometry_type", "geometry.type")
        assert "Point, Polygon" in err.reason

    @pytest.mark.parametrize(
        "gtype, hint",
        [("Feature", "bare geometry"), ("point", "case-sensitive"), ("GeometryCollection", "")],
    )
    def test_unknown_types_get_a_hint(self, gtype: str, hint: str) -> None:
        err = _error({"type": gtype, "coordinates": [120.0, 31.0], "geometries": []})
        assert err.code == "unsupported_geometry_type"
        assert hint in err.reason

    def test_unknown_allowed_name_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="allowed"):
            parse_geojson_geometry({"type": "Point", "coordinates": [1, 2]}, allowed=("Circle",))
        with pytest.raises(ValueError, match="allowed"):
            parse_geojson_geometry({"type": "Point", "coordinates": [1, 2]}, allowed=())

    @pytest.mark.parametrize(
        "obj, field",
        [
            ({"type": "Point", "coordinates": [120.0]}, "geometry.coordinates"),
            ({"type": "Point", "coordinates": [120.0, 31.0, 1.0, 2.0]}, "geometry.coordinates"),
            ({"type": "Point", "coordinates": [[120.0, 31.0]]}, "geometry.coordinates"),
            ({"type": "Point", "coordinates": "120,31"}, "geometry.coordinates"),
            ({"type": "LineString", "coordinates": [120.0, 31.0]}, "geometry.coordinates[0]"),
            ({"type": "Polygon", "coordinates": SQUARE}, "geometry.coordinates[0][0]"),
            ({"type": "MultiPoint", "coordinates": {"a": 1}}, "geometry.coordinates"),
        ],
    )
    def test_wrong_nesting(self, obj: Any, field: str) -> None:
        err = _error(obj)
        assert (err.code, err.field) == ("malformed_geojson", field)

    @pytest.mark.parametrize(
        "gtype, coordinates, field",
        [
            ("Point", [], "geometry.coordinates"),
            ("MultiPoint", [], "geometry.coordinates"),
            ("Polygon", [], "geometry.coordinates"),
            ("Polygon", [[]], "geometry.coordinates[0]"),
            ("MultiPolygon", [[]], "geometry.coordinates[0]"),
        ],
    )
    def test_empty(self, gtype: str, coordinates: Any, field: str) -> None:
        err = _error({"type": gtype, "coordinates": coordinates})
        assert (err.code, err.field) == ("empty_geometry", field)

    def test_linestring_needs_two_positions(self) -> None:
        err = _error({"type": "LineString", "coordinates": [[120.0, 31.0]]})
        assert (err.code, err.field) == ("too_few_points", "geometry.coordinates")

    def test_ring_needs_four_positions(self) -> None:
        ring = [[120.0, 31.0], [120.1, 31.0], [120.0, 31.0]]
        err = _error({"type": "Polygon", "coordinates": [ring]})
        assert (err.code, err.field) == ("too_few_points", "geometry.coordinates[0]")
        assert "at least 4" in err.reason

    def test_unclosed_ring_names_the_ring(self) -> None:
        err = _error({"type": "Polygon", "coordinates": [SQUARE, HOLE[:-1] + [[120.003, 31.0035]]]})
        assert (err.code, err.field) == ("unclosed_ring", "geometry.coordinates[1]")

    def test_unclosed_ring_in_multipolygon(self) -> None:
        err = _error({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:-1] * 1]]})
        assert (err.code, err.field) == ("unclosed_ring", "geometry.coordinates[1][0]")

    def test_ring_closure_ignores_altitude(self) -> None:
        ring = [[*p, 10.0] for p in SQUARE]
        ring[-1][2] = 11.0
        assert parse_geojson_geometry({"type": "Polygon", "coordinates": [ring]}).is_valid

    def test_too_many_positions(self) -> None:
        line = [[120.0 + i * 1e-4, 31.0] for i in range(11)]
        err = _error({"type": "LineString", "coordinates": line}, max_positions=10)
        assert (err.code, err.field) == ("too_many_points", "geometry.coordinates[10]")
        ok = parse_geojson_geometry({"type": "LineString", "coordinates": line}, max_positions=None)
        assert len(ok.coords) == 11


class TestValueErrors:
    def test_path_points_at_the_bad_vertex(self) -> None:
        ring = [list(p) for p in SQUARE]
        ring[3] = [120.0, "31.01"]
        err = _error({"type": "Polygon", "coordinates": [ring]})
        assert (err.code, err.field) == ("not_a_number", "geometry.coordinates[0][3]")
        assert str(err).startswith("geometry.coordinates[0][3]: ")

    def test_nan_from_json(self) -> None:
        obj = json.loads('{"type": "Point", "coordinates": [NaN, 31.0]}')
        assert _error(obj).code == "not_a_number"

    def test_bad_altitude(self) -> None:
        err = _error({"type": "Point", "coordinates": [120.0, 31.0, math.inf]})
        assert err.code == "not_a_number" and "altitude" in err.reason
        err = _error({"type": "Point", "coordinates": [120.0, 31.0, None]})
        assert err.code == "not_a_number"

    def test_swapped_point(self) -> None:
        err = _error({"type": "Point", "coordinates": [31.77, 119.95]}, field="location")
        assert (err.code, err.field) == ("swapped_coordinates", "location.coordinates")

    def test_null_island_vertex(self) -> None:
        err = _error({"type": "LineString", "coordinates": [[120.0, 31.0], [0, 0]]})
        assert (err.code, err.field) == ("null_island", "geometry.coordinates[1]")

    def test_out_of_range_vertex(self) -> None:
        err = _error({"type": "MultiPoint", "coordinates": [[120.0, 31.0], [190.0, 31.0]]})
        assert (err.code, err.field) == ("coordinates_out_of_range", "geometry.coordinates[1]")

    def test_outside_service_area_vertex(self) -> None:
        area = BBox(119.0, 30.0, 120.005, 32.0)
        err = _error({"type": "Polygon", "coordinates": [SQUARE]}, service_area=area)
        assert (err.code, err.field) == ("outside_service_area", "geometry.coordinates[0][1]")


class TestTopology:
    def test_self_intersection_names_explanation_and_location(self) -> None:
        bowtie = [[120.0, 31.0], [120.01, 31.01], [120.01, 31.0], [120.0, 31.01], [120.0, 31.0]]
        err = _error({"type": "Polygon", "coordinates": [bowtie]})
        assert (err.code, err.field) == ("invalid_polygon", "geometry")
        assert "Self-intersection" in err.reason
        assert "(120.005, 31.005)" in err.reason

    def test_hole_outside_shell(self) -> None:
        far_hole = [[lon + 1.0, lat] for lon, lat in HOLE]
        err = _error({"type": "Polygon", "coordinates": [SQUARE, far_hole]})
        assert err.code == "invalid_polygon"
        assert "Hole lies outside shell" in err.reason

    def test_overlapping_multipolygon_parts(self) -> None:
        shifted = [[lon + 0.005, lat] for lon, lat in SQUARE]
        err = _error({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]})
        assert err.code == "invalid_polygon"

    def test_ring_of_repeated_points(self) -> None:
        ring = [[120.0, 31.0], [120.0, 31.0], [120.1, 31.1], [120.0, 31.0]]
        err = _error({"type": "Polygon", "coordinates": [ring]})
        assert err.code in ("too_few_points", "invalid_polygon")

    def test_line_of_identical_points(self) -> None:
        err = _error({"type": "LineString", "coordinates": [[120.0, 31.0], [120.0, 31.0]]})
        assert (err.code, err.field) == ("too_few_points", "geometry")


class TestToGeoJSON:
    def test_point_is_plain_rounded_floats(self) -> None:
        out = to_geojson(Point(119.123456789, 31.000000049))
        assert out == {"type": "Point", "coordinates": [119.1234568, 31.0]}
        assert all(type(v) is float for v in out["coordinates"])

    def test_output_is_json_serialisable_without_numpy(self) -> None:
        geom = MultiPolygon([Polygon(SQUARE, [HOLE])])
        text = json.dumps(to_geojson(geom))
        assert "np." not in text and "float64" not in text

    def test_negative_zero_becomes_zero(self) -> None:
        assert json.dumps(to_geojson(Point(-0.00000001, 51.5))) == (
            '{"type": "Point", "coordinates": [0.0, 51.5]}'
        )

    def test_z_is_dropped(self) -> None:
        assert to_geojson(Point(120.0, 31.0, 8.0))["coordinates"] == [120.0, 31.0]

    @pytest.mark.parametrize(
        "geom",
        [
            Point(120.0, 31.0),
            MultiPoint([(120.0, 31.0), (120.1, 31.1)]),
            LineString([(120.0, 31.0), (120.1, 31.1)]),
            MultiLineString([[(120.0, 31.0), (120.1, 31.1)]]),
            Polygon(SQUARE, [HOLE]),
            MultiPolygon([Polygon(SQUARE)]),
        ],
    )
    def test_round_trip(self, geom: Any) -> None:
        out = to_geojson(geom)
        allowed = (out["type"],)
        assert parse_geojson_geometry(out, allowed=allowed).equals(geom)

    def test_polygon_structure(self) -> None:
        out = to_geojson(Polygon(SQUARE, [HOLE]))
        assert out["type"] == "Polygon"
        assert out["coordinates"] == [SQUARE, HOLE]

    def test_linear_ring_is_written_as_linestring(self) -> None:
        assert to_geojson(LinearRing(SQUARE))["type"] == "LineString"

    def test_geometry_collection(self) -> None:
        out = to_geojson(GeometryCollection([Point(120.0, 31.0)]))
        assert out == {
            "type": "GeometryCollection",
            "geometries": [{"type": "Point", "coordinates": [120.0, 31.0]}],
        }

    def test_empty_geometries_have_empty_coordinates(self) -> None:
        assert to_geojson(Point()) == {"type": "Point", "coordinates": []}
        assert to_geojson(Polygon()) == {"type": "Polygon", "coordinates": []}

    def test_rejects_non_geometries(self) -> None:
        with pytest.raises(TypeError):
            to_geojson({"type": "Point"})  # type: ignore[arg-type]
