"""Flag: the shape of every spatial warning."""

from __future__ import annotations

import pytest

from gis.flags import Flag, format_metres


def test_as_dict_is_plain_data() -> None:
    flag = Flag("poor_accuracy", "accuracy 150 m", {"accuracy_m": 150.0}, related="v1")
    assert flag.as_dict() == {
        "code": "poor_accuracy",
        "reason": "accuracy 150 m",
        "measured": {"accuracy_m": 150.0},
        "related": "v1",
    }


def test_defaults() -> None:
    assert Flag("x", "y").as_dict() == {"code": "x", "reason": "y", "measured": {}, "related": None}


@pytest.mark.parametrize(
    "metres, text",
    [
        (0.0, "0 m"),
        (100.0, "100 m"),
        (100.04, "100 m"),
        (100.5, "100.5 m"),
        (312.44, "312.4 m"),
        (999.9, "999.9 m"),
        (4012.4, "4012 m"),
        (9_999.0, "9999 m"),
        (12_400.0, "12.4 km"),
    ],
)
def test_format_metres(metres: float, text: str) -> None:
    assert format_metres(metres) == text
