"""Domain errors carry code, status, message and per-field reasons, and nothing of HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (DomainError, "domain_error", 422),
        (NotFound, "not_found", 404),
        (Forbidden, "forbidden", 403),
        (Conflict, "conflict", 409),
        (InvalidInput, "invalid_input", 422),
    ],
)
def test_each_error_has_its_code_and_status(cls: type[DomainError], code: str, status: int):
    err = cls("something is wrong")
    assert err.code == code
    assert err.status == status
    assert err.message == "something is wrong"
    assert err.errors == {}
    assert str(err) == "something is wrong"
    assert isinstance(err, DomainError)


def test_errors_are_copied_into_lists():
    source = {"name": ("required",), "phone": ["too short", "bad character"]}
    err = InvalidInput("bad row", errors=source)
    assert err.errors == {"name": ["required"], "phone": ["too short", "bad character"]}
    source["phone"].append("later change")
    assert err.errors["phone"] == ["too short", "bad character"]


def test_as_dict_is_the_error_envelope():
    err = Conflict("credit code already registered", errors={"credit_code": ["taken"]})
    assert err.as_dict() == {
        "code": "conflict",
        "status": 409,
        "message": "credit code already registered",
        "errors": {"credit_code": ["taken"]},
    }


def test_chinese_messages_survive():
    err = NotFound("找不到该企业")
    assert err.message == "找不到该企业"
    assert "找不到该企业" in repr(err)


def test_errors_module_imports_no_web_framework():
    import bureau.errors as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    for name in ("flask", "sqlalchemy", "marshmallow", "werkzeug"):
        assert f"import {name}" not in source
