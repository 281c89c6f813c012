"""GeometryError: the one error type, its codes and its text."""

from __future__ import annotations

import pickle

import pytest

from gis import errors
from gis.errors import ERROR_CODES, GeometryError


def test_is_a_value_error_with_code_reason_field() -> None:
    err = GeometryError("null_island", "position is (0, 0)", "geometry.coordinates")
    assert isinstance(err, ValueError)
    assert (err.code, err.reason, err.field) == (
        "null_island",
        "position is (0, 0)",
        "geometry.coordinates",
    )


def test_str_is_field_colon_reason() -> None:
    assert str(GeometryError("invalid_bbox", "bad box", "bbox")) == "bbox: bad box"


def test_str_without_field_is_the_reason() -> None:
    assert str(GeometryError("invalid_bbox", "bad box")) == "bad box"


def test_as_dict_and_repr() -> None:
    err = GeometryError("invalid_bbox", "bad box", "bbox")
    assert err.as_dict() == {"code": "invalid_bbox", "field": "bbox", "reason": "bad box"}
    assert "invalid_bbox" in repr(err)


def test_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(GeometryError("invalid_bbox", "bad box", "bbox")))
    assert (err.code, err.reason, err.field) == ("invalid_bbox", "bad box", "bbox")


@pytest.mark.parametrize(
    "code",
    [
        "malformed_geojson",
        "malformed_wkt",
        "unsupported_geometry_type",
        "not_a_number",
        "coordinates_out_of_range",
        "null_island",
        "swapped_coordinates",
        "outside_service_area",
        "missing_accuracy",
        "invalid_accuracy",
        "invalid_polygon",
        "too_few_points",
        "unclosed_ring",
        "empty_geometry",
        "invalid_bbox",
        "unknown_datum",
    ],
)
def test_every_documented_code_is_known(code: str) -> None:
    assert code in ERROR_CODES


def test_code_constants_match_the_code_set() -> None:
    constants = {
        value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)
    }
    assert constants == ERROR_CODES
    assert all(code == code.lower() and " " not in code for code in ERROR_CODES)
