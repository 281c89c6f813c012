"""The public API other packages code against: names, signatures and import hygiene."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import gis.datum
import gis.distance
import gis.errors
import gis.geometry
import gis.spatial_sql


@pytest.mark.parametrize(
    "module, names",
    [
        (gis.errors, ["GeometryError", "ERROR_CODES"]),
        (
            gis.geometry,
            [
                "WGS84_SRID",
                "BBox",
                "parse_bbox",
                "validate_lonlat",
                "validate_accuracy",
                "parse_geojson_geometry",
                "as_multipolygon",
                "to_geojson",
                "to_ewkt",
                "from_wkt",
            ],
        ),
        (
            gis.datum,
            [
                "DATUMS",
                "wgs84_to_gcj02",
                "gcj02_to_wgs84",
                "gcj02_to_bd09",
                "bd09_to_gcj02",
                "bd09_to_wgs84",
                "wgs84_to_bd09",
                "to_wgs84",
            ],
        ),
        (gis.distance, ["geodesic_distance_m", "metres_to_degree_deltas"]),
        (
            gis.spatial_sql,
            ["dwithin_m", "distance_m", "intersects_bbox", "contains_point", "geom_from_ewkt"],
        ),
    ],
)
def test_names_exist(module: object, names: list[str]) -> None:
    missing = [name for name in names if not hasattr(module, name)]
    assert not missing


def test_wgs84_srid() -> None:
    assert gis.geometry.WGS84_SRID == 4326


P = inspect.Parameter


@pytest.mark.parametrize(
    "func, expected",
    [
        (
            gis.geometry.parse_bbox,
            [
                ("text", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("field", P.POSITIONAL_OR_KEYWORD, "bbox"),
            ],
        ),
        (
            gis.geometry.validate_accuracy,
            [
                ("accuracy_m", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("field", P.KEYWORD_ONLY, "accuracy_m"),
            ],
        ),
        (
            gis.geometry.to_ewkt,
            [("geom", P.POSITIONAL_OR_KEYWORD, P.empty), ("srid", P.POSITIONAL_OR_KEYWORD, 4326)],
        ),
        (
            gis.datum.to_wgs84,
            [
                ("lon", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("lat", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("datum", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("field", P.KEYWORD_ONLY, "datum"),
            ],
        ),
        (
            gis.errors.GeometryError.__init__,
            [
                ("self", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("code", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("reason", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("field", P.POSITIONAL_OR_KEYWORD, None),
            ],
        ),
    ],
)
def test_signatures(func: object, expected: list[tuple[str, object, object]]) -> None:
    params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    assert [(p.name, p.kind, p.default) for p in params] == expected


@pytest.mark.parametrize(
    "func, keywords",
    [
        (gis.geometry.validate_lonlat, {"field": "coordinates", "service_area": None}),
        (
            gis.geometry.parse_geojson_geometry,
            {"allowed": None, "field": "geometry", "service_area": None},
        ),
        (gis.geometry.from_wkt, {"field": "wkt", "allowed": None, "service_area": None}),
    ],
)
def test_keyword_only_parameters(func: object, keywords: dict[str, object]) -> None:
    params = inspect.signature(func).parameters  # type: ignore[arg-type]
    for name, default in keywords.items():
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
        if default is not None:
            assert params[name].default == default


def test_default_allowed_types() -> None:
    default = inspect.signature(gis.geometry.parse_geojson_geometry).parameters["allowed"].default
    assert tuple(default) == ("Point", "MultiPoint", "LineString", "Polygon", "MultiPolygon")


def test_gis_imports_no_framework_and_no_other_fieldsync_package() -> None:
    code = (
        "import sys, gis.geometry, gis.datum, gis.distance, gis.spatial_sql, gis.errors\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'flask_sqlalchemy', 'marshmallow', 'server', 'sync', 'schemas', 'bureau'}]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_module_is_light() -> None:
    code = "import sys, gis.errors; print('sqlalchemy' in sys.modules, 'shapely' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
