"""Property tests over many generated inputs (deterministic: derandomized, no example DB)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from gis.datum import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from gis.distance import geodesic_distance_m, metres_to_degree_deltas
from gis.errors import ERROR_CODES, GeometryError
from gis.geometry import from_wkt, parse_geojson_geometry, to_ewkt, to_geojson, validate_lonlat

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=300, deadline=None)

lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)
china_lons = st.floats(74.0, 134.0)
china_lats = st.floats(18.0, 53.0)


@DETERMINISTIC
@given(china_lons, china_lats)
def test_gcj02_and_bd09_round_trips_anywhere_in_china(lon: float, lat: float) -> None:
    assert geodesic_distance_m(lon, lat, *gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))) < 0.05
    assert geodesic_distance_m(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat))) < 0.05


@DETERMINISTIC
@given(china_lons, china_lats)
def test_gcj02_offset_is_bounded(lon: float, lat: float) -> None:
    assert geodesic_distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 1500.0


@DETERMINISTIC
@given(lons, lats, lons, lats)
def test_distance_is_symmetric_non_negative_and_bounded(
    lon1: float, lat1: float, lon2: float, lat2: float
) -> None:
    d = geodesic_distance_m(lon1, lat1, lon2, lat2)
    assert 0.0 <= d <= 20003931.46
    assert math.isclose(d, geodesic_distance_m(lon2, lat2, lon1, lat1), rel_tol=1e-6, abs_tol=1e-3)


@DETERMINISTIC
@given(lons, st.floats(-80, 80), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))
def test_distance_is_close_to_the_sphere(lon: float, lat: float, dlon: float, dlat: float) -> None:
    lon2, lat2 = lon + dlon, max(-90.0, min(90.0, lat + dlat))
    p1, p2 = math.radians(lat), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon) / 2) ** 2
    )
    sphere = 2 * 6371008.8 * math.asin(math.sqrt(h))
    assert math.isclose(
        geodesic_distance_m(lon, lat, lon2, lat2), sphere, rel_tol=0.006, abs_tol=1e-6
    )


@DETERMINISTIC
@given(st.floats(-85, 85), st.floats(0, 50_000))
def test_degree_deltas_are_conservative(lat: float, metres: float) -> None:
    dlon, dlat = metres_to_degree_deltas(lat, metres)
    if dlon < 360.0:
        assert geodesic_distance_m(0.0, lat, dlon, lat) >= metres - 1e-6
    if lat + dlat <= 90.0:
        assert geodesic_distance_m(0.0, lat, 0.0, lat + dlat) >= metres - 1e-6


@DETERMINISTIC
@given(lons, lats)
def test_points_round_trip_through_geojson_and_ewkt(lon: float, lat: float) -> None:
    if lon == 0.0 and lat == 0.0:
        return
    point = Point(lon, lat)
    # GEOS writes 16 significant digits: exact to ~1e-15 degree (nanometres), not to the bit.
    assert from_wkt(to_ewkt(point)).equals_exact(point, 1e-12)
    out = to_geojson(point)
    if out["coordinates"] == [0.0, 0.0]:  # rounded onto null island: refused, rightly
        return
    back = parse_geojson_geometry(out)
    assert abs(back.x - lon) <= 5.001e-8 and abs(back.y - lat) <= 5.001e-8


@DETERMINISTIC
@given(st.one_of(st.none(), st.booleans(), st.text(max_size=5), st.floats(), st.integers()))
def test_validate_lonlat_only_raises_geometry_errors(value: Any) -> None:
    for lon, lat in ((value, 31.0), (120.0, value)):
        try:
            validate_lonlat(lon, lat)
        except GeometryError as err:
            assert err.code in ERROR_CODES
