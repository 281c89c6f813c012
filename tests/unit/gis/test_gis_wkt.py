"""to_ewkt (the seam to the database) and from_wkt (text from imports)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gis.bbox import BBox
from gis.errors import NOT_A_NUMBER, GeometryError
from gis.geometry import from_wkt, to_ewkt

SQUARE = [(120.0, 31.0), (120.01, 31.0), (120.01, 31.01), (120.0, 31.01), (120.0, 31.0)]


class TestToEWKT:
    def test_point(self) -> None:
        assert to_ewkt(Point(120.1, 31.2)) == "SRID=4326;POINT (120.1 31.2)"

    def test_full_precision(self) -> None:
        text = to_ewkt(Point(120.12345678901234, 31.000000000001))
        lon, lat = map(float, re.findall(r"[-\d.e]+", text.split(";")[1]))
        assert (lon, lat) == (120.12345678901234, 31.000000000001)

    def test_numpy_values_never_leak(self) -> None:
        geom = Point(np.float64(120.5), np.float32(31.25))
        text = to_ewkt(geom)
        assert text == "SRID=4326;POINT (120.5 31.25)"
        assert "np." not in text and "float" not in text

    def test_z_is_dropped_because_spatialite_reads_point_z_as_null(self) -> None:
        assert to_ewkt(Point(120.0, 31.0, 12.0)) == "SRID=4326;POINT (120 31)"

    def test_other_srid(self) -> None:
        assert to_ewkt(Point(500000.0, 3500000.0), srid=32650).startswith("SRID=32650;POINT")

    @pytest.mark.parametrize("srid", [0, -1, True, "4326", 4326.0])
    def test_bad_srid(self, srid: object) -> None:
        with pytest.raises(ValueError):
            to_ewkt(Point(1.0, 2.0), srid=srid)  # type: ignore[arg-type]

    def test_multipolygon(self) -> None:
        text = to_ewkt(MultiPolygon([Polygon(SQUARE)]))
        assert text.startswith("SRID=4326;MULTIPOLYGON (((120 31, 120.01 31,")

    def test_empty_is_refused(self) -> None:
        with pytest.raises(GeometryError) as exc:
            to_ewkt(Point())
        assert exc.value.code == "empty_geometry"

    def test_nan_is_refused(self) -> None:
        with pytest.raises(GeometryError) as exc:
            to_ewkt(Point(math.nan, 31.0))
        assert exc.value.code == "not_a_number"

    def test_rejects_non_geometries(self) -> None:
        with pytest.raises(TypeError):
            to_ewkt("POINT (1 2)")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "geom",
        [
            Point(119.95, 31.77),
            LineString([(120.0, 31.0), (120.123456789, 31.987654321)]),
            Polygon(SQUARE),
            MultiPolygon([Polygon(SQUARE)]),
        ],
    )
    def test_round_trips_exactly_through_from_wkt(self, geom: shapely.Geometry) -> None:
        back = from_wkt(to_ewkt(geom))
        assert shapely.equals_exact(back, geom, tolerance=0.0)


class TestFromWKT:
    def test_point(self) -> None:
        assert from_wkt("POINT (119.95 31.77)").equals(Point(119.95, 31.77))

    def test_ewkt_prefix_is_accepted(self) -> None:
        assert from_wkt(" srid=4326;POINT(119.95 31.77)").equals(Point(119.95, 31.77))

    def test_other_srid_is_refused(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("SRID=3857;POINT (13358338 3730000)")
        assert exc.value.code == "malformed_wkt"
        assert "3857" in exc.value.reason

    def test_z_is_dropped(self) -> None:
        geom = from_wkt("POINT Z (119.95 31.77 20)")
        assert not geom.has_z

    @pytest.mark.parametrize("text", ["", "   ", "POINT (1 2", "garbage", "POINT (a b)", None, 5])
    def test_malformed(self, text: object) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt(text, field="row[3].wkt")
        assert (exc.value.code, exc.value.field) == ("malformed_wkt", "row[3].wkt")

    def test_unclosed_ring(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POLYGON ((120 31, 121 31, 121 32, 120 31.5))")
        assert exc.value.code == "unclosed_ring"

    def test_short_ring(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POLYGON ((120 31, 121 31, 120 31))")
        assert exc.value.code == "too_few_points"

    def test_empty(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POINT EMPTY")
        assert exc.value.code == "empty_geometry"

    def test_nan(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POINT (NaN 31)")
        assert exc.value.code == "not_a_number"

    def test_swapped(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POINT (31.77 119.95)")
        assert (exc.value.code, exc.value.field) == ("swapped_coordinates", "wkt.coordinates")

    def test_vertex_path(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POLYGON ((120 31, 121 31, 0 0, 120 31))")
        assert (exc.value.code, exc.value.field) == ("null_island", "wkt.coordinates[0][2]")

    def test_service_area(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POINT (116.4 39.9)", service_area=BBox(119.4, 31.3, 120.5, 32.2))
        assert exc.value.code == "outside_service_area"

    def test_self_intersection(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("POLYGON ((120 31, 121 32, 121 31, 120 32, 120 31))")
        assert exc.value.code == "invalid_polygon"
        assert "Self-intersection" in exc.value.reason

    def test_type_restrictions(self) -> None:
        with pytest.raises(GeometryError) as exc:
            from_wkt("LINESTRING (120 31, 121 31)", allowed=("Point",))
        assert exc.value.code == "unsupported_geometry_type"
        with pytest.raises(GeometryError) as exc:
            from_wkt("GEOMETRYCOLLECTION (POINT (120 31))")
        assert exc.value.code == "unsupported_geometry_type"

    def test_too_many_points(self) -> None:
        coords = ", ".join(f"{120 + i / 1000} 31" for i in range(20))
        with pytest.raises(GeometryError) as exc:
            from_wkt(f"LINESTRING ({coords})", max_positions=5)
        assert exc.value.code == "too_many_points"


class TestPointEwkt:
    def test_reads_back_to_the_same_floats(self) -> None:
        from gis.wkt import point_ewkt

        for lon, lat in [(119.8712345, 31.7012345), (120.1, 30.2), (-0.5, 51.4779), (180, -90)]:
            text = point_ewkt(lon, lat)
            assert text.startswith("SRID=4326;POINT (")
            point = from_wkt(text.split(";", 1)[1])
            assert (point.x, point.y) == (float(lon), float(lat))

    def test_agrees_with_the_geometry_writer(self) -> None:
        from gis.wkt import point_ewkt

        assert point_ewkt(120.25, 31.5) == to_ewkt(Point(120.25, 31.5))

    def test_refuses_nan_and_infinity(self) -> None:
        from gis.wkt import point_ewkt

        for lon, lat in [(math.nan, 30.0), (120.0, math.inf)]:
            with pytest.raises(GeometryError) as caught:
                point_ewkt(lon, lat)
            assert caught.value.code == NOT_A_NUMBER
