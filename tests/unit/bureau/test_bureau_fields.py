"""RowReader: the many spellings of one value in hand-made files, and collected problems."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bureau.errors import InvalidInput
from bureau.fields import FieldErrors, RowReader, is_blank
from bureau.vocabulary import POLLUTANTS


def reader(**data: object) -> RowReader:
    return RowReader(data)


def test_blank_means_missing():
    assert is_blank(None) and is_blank("") and is_blank(" \t\u3000")
    assert not is_blank("0") and not is_blank(0) and not is_blank(False)


def test_text_collapses_whitespace_and_keeps_chinese():
    row = reader(name="  青山镇   宏达化工\t有限公司 \n")
    assert row.text("name") == "青山镇 宏达化工 有限公司"
    assert not row.errors


def test_text_required_and_max_length():
    row = reader(name=" ", address="长" * 301)
    assert row.text("name", required=True) is None
    assert row.text("address", max_length=300) is None
    assert row.text("missing") is None
    assert row.errors.as_dict() == {
        "name": ["required"],
        "address": ["too long: 301 characters, at most 300"],
    }


def test_text_refuses_control_characters_and_non_text():
    row = reader(name="ab\x00c", other=["x"], flag=True)
    assert row.text("name") is None
    assert row.text("other") is None
    assert row.text("flag") is None
    errors = row.errors.as_dict()
    assert errors["name"] == ["contains control characters"]
    assert errors["other"] == ["must be text, not list"]
    assert errors["flag"] == ["must be text, not bool"]


def test_text_accepts_integers_from_json():
    assert reader(ref=1024).text("ref") == "1024"


def test_code_refuses_inner_spaces():
    row = reader(code="QS 01")
    assert row.code("code") is None
    assert row.errors.as_dict() == {"code": ["must not contain spaces"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("Y", True),
        ("是", True),
        ("false", False),
        ("0", False),
        ("No", False),
        ("n", False),
        ("否", False),
        ("１", True),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
    ],
)
def test_boolean_spellings(value, expected):
    row = reader(is_key=value)
    assert row.boolean("is_key") is expected
    assert not row.errors


def test_boolean_blank_is_default_and_nonsense_is_an_error():
    assert reader(is_key="").boolean("is_key") is False
    assert reader().boolean("is_key", default=True) is True
    row = reader(is_key="maybe")
    assert row.boolean("is_key") is False
    assert "not a yes/no value" in row.errors.as_dict()["is_key"][0]
    row = reader(is_key=2)
    row.boolean("is_key")
    assert row.errors.has("is_key")


def test_dates_are_iso_only():
    assert reader(d="2026-03-01").date("d") == date(2026, 3, 1)
    assert reader(d=date(2026, 3, 1)).date("d") == date(2026, 3, 1)
    assert reader(d="").date("d") is None
    for bad, reason in [
        ("2026/03/01", "not a date in yyyy-mm-dd form"),
        ("20260301", "not a date in yyyy-mm-dd form"),
        ("01-03-2026", "not a date in yyyy-mm-dd form"),
        ("2026-02-30", "no such date: 2026-02-30"),
    ]:
        row = reader(d=bad)
        assert row.date("d") is None
        assert row.errors.as_dict()["d"][0].startswith(reason)
    row = reader(d=datetime(2026, 3, 1, 8, 0))
    assert row.date("d") is None
    assert "not a date and time" in row.errors.as_dict()["d"][0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13912345678", "13912345678"),
        ("139 1234  5678", "139 1234 5678"),
        ("+86-139-1234-5678", "+86-139-1234-5678"),
        ("0519-87654321", "0519-87654321"),
        ("12369", "12369"),
        ("１３９１２３４５６７８", "13912345678"),
        (13912345678, "13912345678"),
    ],
)
def test_phone_accepts_digits_plus_dash_space(value, expected):
    row = reader(phone=value)
    assert row.phone("phone") == expected
    assert not row.errors


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("(0519)87654321", "may contain only digits, '+', '-' and spaces"),
        ("139-1234-567x", "may contain only digits, '+', '-' and spaces"),
        ("电话13912345678", "may contain only digits, '+', '-' and spaces"),
        ("110", "too few digits, at least 5"),
        ("1" * 33, "too long: 33 characters, at most 32"),
    ],
)
def test_phone_refuses_other_characters(value, reason):
    row = reader(phone=value)
    assert row.phone("phone") is None
    assert row.errors.as_dict() == {"phone": [reason]}


def test_choices_from_string_or_list():
    assert reader(p="waste_gas;noise").choices("p", POLLUTANTS) == ("waste_gas", "noise")
    assert reader(p="废气；噪声、 dust ,odour|noise").choices("p", POLLUTANTS) == (
        "waste_gas",
        "noise",
        "dust",
        "odour",
    )
    assert reader(p=["waste_water", "废水", ""]).choices("p", POLLUTANTS) == ("waste_water",)
    assert reader(p="").choices("p", POLLUTANTS) == ()
    assert reader(p=";;").choices("p", POLLUTANTS) == ()


def test_choices_report_every_unknown_item():
    row = reader(p="waste_gas;smoke;smell")
    assert row.choices("p", POLLUTANTS) == ("waste_gas",)
    (reason,) = row.errors.as_dict()["p"]
    assert "'smoke'" in reason and "'smell'" in reason
    row = reader(p=42)
    assert row.choices("p", POLLUTANTS) == ()
    assert row.errors.has("p")


def test_choice_required_or_optional():
    row = reader()
    assert row.choice("industry", POLLUTANTS) is None
    assert row.errors.as_dict() == {"industry": ["required"]}
    row = reader()
    assert row.choice("industry", POLLUTANTS, required=False) is None
    assert not row.errors


def test_aliases_take_the_first_non_blank_value():
    row = reader(lon="", longitude="120.1")
    assert row.raw("lon", "longitude") == "120.1"


def test_credit_code_field():
    row = reader(credit_code=" 91350100m000100y43 ")
    assert row.credit_code() == "91350100M000100Y43"
    row = reader(credit_code="91350100M000100Y44")
    assert row.credit_code() is None
    assert row.errors.as_dict() == {"credit_code": ["check character should be 3 not 4"]}
    row = reader()
    assert row.credit_code() is None
    assert row.errors.as_dict() == {"credit_code": ["required"]}


def test_field_errors_collect_dedupe_and_raise():
    errors = FieldErrors()
    assert not errors
    errors.add("name", "required")
    errors.add("name", "required")
    errors.merge({"phone": ["bad"], "name": ["too long"]})
    assert errors.as_dict() == {"name": ["required", "too long"], "phone": ["bad"]}
    with pytest.raises(InvalidInput) as info:
        errors.raise_if_any("enterprise")
    assert info.value.errors == errors.as_dict()
    assert "name, phone" in info.value.message
    FieldErrors().raise_if_any("nothing")  # no problems, no error
