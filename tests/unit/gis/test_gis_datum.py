"""WGS-84 / GCJ-02 / BD-09 conversions."""

from __future__ import annotations

import itertools

import pytest

from gis.datum import (
    DATUMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    normalise_datum,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis.distance import geodesic_distance_m
from gis.errors import GeometryError

COUNTY = (119.95, 31.77)
# Points across mainland China: Beijing, Shanghai, Urumqi, Lhasa, Harbin, Haikou, the county.
CHINA = [
    (116.404, 39.915),
    (121.4998, 31.2397),
    (87.6168, 43.8256),
    (91.1409, 29.6456),
    (126.6424, 45.7567),
    (110.3312, 20.0311),
    COUNTY,
]
ABROAD = [(13.4132, 52.5219), (-74.006, 40.7128), (151.2093, -33.8688), (139.6917, 35.6895)]


def test_datum_names() -> None:
    assert DATUMS == ("wgs84", "gcj02", "bd09")


def test_published_reference_values() -> None:
    # wandergis/coordtransform README vectors for Tiananmen (116.404, 39.915).
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )
    assert wgs84_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41662724378733, 39.922699552216216), abs=1e-12
    )


def test_gcj02_offset_near_the_county_is_a_few_hundred_metres() -> None:
    offset = geodesic_distance_m(*COUNTY, *wgs84_to_gcj02(*COUNTY))
    assert 300.0 <= offset <= 700.0


def test_bd09_adds_a_further_offset() -> None:
    gcj = wgs84_to_gcj02(*COUNTY)
    assert geodesic_distance_m(*gcj, *gcj02_to_bd09(*gcj)) > 500.0


@pytest.mark.parametrize("point", CHINA)
def test_gcj02_round_trip_below_5_cm(point: tuple[float, float]) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert geodesic_distance_m(*point, *back) < 0.05


@pytest.mark.parametrize("point", CHINA)
def test_gcj02_inverse_error_below_1_cm(point: tuple[float, float]) -> None:
    # Treat the point as GCJ-02: converting to WGS-84 and forward again must land on it.
    forward = wgs84_to_gcj02(*gcj02_to_wgs84(*point))
    assert geodesic_distance_m(*point, *forward) < 0.01


@pytest.mark.parametrize("point", CHINA)
def test_bd09_round_trips_below_5_cm(point: tuple[float, float]) -> None:
    assert geodesic_distance_m(*point, *bd09_to_gcj02(*gcj02_to_bd09(*point))) < 0.05
    assert geodesic_distance_m(*point, *bd09_to_wgs84(*wgs84_to_bd09(*point))) < 0.05


@pytest.mark.parametrize("point", ABROAD)
def test_identity_outside_china(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    for convert in (
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ):
        assert convert(*point) == point


def test_inside_china_box() -> None:
    assert not out_of_china(*COUNTY)


@pytest.mark.parametrize("source, target", list(itertools.product(DATUMS, DATUMS)))
def test_any_datum_to_any_datum_via_wgs84(source: str, target: str) -> None:
    in_source = from_wgs84(*COUNTY, source)
    in_target = from_wgs84(*to_wgs84(*in_source, source), target)
    assert geodesic_distance_m(*from_wgs84(*COUNTY, target), *in_target) < 0.05


def test_to_wgs84_dispatches() -> None:
    assert to_wgs84(*COUNTY, "wgs84") == COUNTY
    assert to_wgs84(*wgs84_to_gcj02(*COUNTY), "gcj02") == pytest.approx(COUNTY, abs=1e-8)
    assert to_wgs84(*wgs84_to_bd09(*COUNTY), "bd09") == pytest.approx(COUNTY, abs=1e-8)


@pytest.mark.parametrize("spelling", ["GCJ-02", "gcj_02", " Gcj02 "])
def test_datum_spellings(spelling: str) -> None:
    assert normalise_datum(spelling) == "gcj02"


@pytest.mark.parametrize("datum", ["", "epsg:4326", "cgcs2000", "bd", None, 4326])
def test_unknown_datum(datum: object) -> None:
    with pytest.raises(GeometryError) as exc:
        to_wgs84(*COUNTY, datum, field="coordinate_system")  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == ("unknown_datum", "coordinate_system")
    assert "wgs84, gcj02, bd09" in exc.value.reason


@pytest.mark.parametrize("lon, lat", [(float("nan"), 31.0), (120.0, "31")])
def test_to_wgs84_refuses_non_numbers(lon: object, lat: object) -> None:
    with pytest.raises(GeometryError) as exc:
        to_wgs84(lon, lat, "gcj02")  # type: ignore[arg-type]
    assert exc.value.code == "not_a_number"


# Published WGS-84 -> GCJ-02 pairs from an independent implementation's test suite:
# googollee/eviltransform, python/test.py and go/transform_test.go (wgsLat, wgsLng, gcjLat,
# gcjLng), the same three points repeated in its Haskell, C#, Ruby and MATLAB ports.
EVILTRANSFORM_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM_PAIRS, ids=["shanghai", "shenzhen", "beijing"])
def test_forward_and_inverse_against_published_gcj02_pairs(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    # The offset is real (hundreds of metres), and both directions land within 2 m of the pair.
    assert 400.0 < geodesic_distance_m(*wgs, *gcj) < 700.0
    assert geodesic_distance_m(*from_wgs84(*wgs, "gcj02"), *gcj) < 2.0
    assert geodesic_distance_m(*to_wgs84(*gcj, "gcj02"), *wgs) < 2.0


def test_against_gcoord_published_vectors() -> None:
    # hujiulong/gcoord, test/unit/crs/GCJ02.spec.js, for GCJ-02 (123, 45).
    assert geodesic_distance_m(*to_wgs84(123, 45, "gcj02"), 122.99395597, 44.99804071) < 2.0
    assert geodesic_distance_m(*gcj02_to_bd09(123, 45), 123.00636499, 45.00636899) < 2.0


# A 1.5-degree grid over the mainland-China box the conversions apply to (Xinjiang to
# Heilongjiang, Hainan to Inner Mongolia): 41 x 24 = 984 points.
CHINA_GRID = [(73.5 + 1.5 * i, 18.0 + 1.5 * j) for i in range(41) for j in range(24)]


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_round_trip_within_2_m_across_china(datum: str) -> None:
    worst = max(
        geodesic_distance_m(*p, *to_wgs84(*from_wgs84(*p, datum), datum)) for p in CHINA_GRID
    )
    assert worst < 0.05  # the requirement is 2 m; the iteration does far better


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_offset_is_applied_everywhere_in_china(datum: str) -> None:
    # A conversion that silently became the identity would pass every round trip.
    offsets = [geodesic_distance_m(*p, *from_wgs84(*p, datum)) for p in CHINA_GRID]
    assert min(offsets) > 1.0 and max(offsets) < 2000.0
