"""The error catalogue (:mod:`errorcodes`), its page (``docs/errors.md``) and the codes the source
uses are the same list.

The source is read, not run: every error class's ``code`` (and ``status``, where one is
written), every ``rejected(mutation, "<code>", …)`` and ``Outcome(…, code="<code>")`` of the
push, every ``GeometryError(<code>, …)`` and every ``abort``/``envelope`` with a ``code=`` or
a status. A code found there and not in the catalogue fails, and so does a catalogue entry that
nothing uses (but the generic codes of plain HTTP errors, named by their status).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import gis.errors
from bureau.errors import DomainError
from errorcodes import ERRORS, GENERIC, GROUPS, PUSH_CODES, codes_in, generic_code, status_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "schemas", "sync", "bureau", "demo", "gis")
DOC = ROOT / "docs" / "errors.md"

_ROW = re.compile(r"^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$")


def documented() -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """``docs/errors.md``: code → status under "Error codes", code → (status, outcome) under
    "Push outcome codes"."""
    errors: dict[str, int] = {}
    push: dict[str, tuple[int, str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        match = _ROW.match(line)
        if not match:
            continue
        code, status, rest = match.group(1), int(match.group(2)), match.group(3)
        if section == "Error codes":
            assert code not in errors, f"docs/errors.md lists {code} twice"
            errors[code] = status
        elif section == "Push outcome codes":
            assert code not in push, f"docs/errors.md lists push code {code} twice"
            push[code] = (status, rest.split("|")[0].strip())
        else:
            pytest.fail(f"docs/errors.md: {code} is listed outside the two code sections")
    return errors, push


def test_every_error_code_is_documented_with_its_status_and_nothing_else():
    errors, _push = documented()
    assert errors == {code: entry.status for code, entry in ERRORS.items()}


def test_every_push_code_is_documented_with_its_outcome_and_nothing_else():
    _errors, push = documented()
    assert push == {code: (200, entry.outcome) for code, entry in PUSH_CODES.items()}


def test_the_page_lists_each_group_under_its_heading():
    text = DOC.read_text(encoding="utf-8")
    for group, title in GROUPS.items():
        heading = f"### {title}\n"
        assert heading in text, heading
        section = text.split(heading, 1)[1].split("\n#", 1)[0]
        assert {m.group(1) for m in map(_ROW.match, section.splitlines()) if m} == {
            code for code, entry in ERRORS.items() if entry.group == group
        }


def test_catalogue_lookups():
    assert status_of("close_without_result_reply") == 409
    with pytest.raises(KeyError, match="not in the catalogue"):
        status_of("no_such_code")
    assert generic_code(422) == "invalid_input"
    assert generic_code(416) == "requested_range_not_satisfiable"
    assert all(ERRORS[code].status == status for status, code in GENERIC.items())
    assert gis.errors.ERROR_CODES == codes_in("geometry")
    assert gis.errors.GeometryError(gis.errors.NULL_ISLAND, "no fix").status == 422


def test_an_error_class_takes_its_status_from_the_catalogue():
    class Late(DomainError):
        code = "deadline_in_past"

    assert Late.status == 422
    with pytest.raises(TypeError, match="answers 409"):

        class Wrong(DomainError):
            code = "illegal_review"
            status = 422

    with pytest.raises(KeyError, match="not in the catalogue"):

        class Unknown(DomainError):
            code = "made_up_here"


# --- the codes the source uses -----------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    code: str
    kind: str  # "error" (an envelope's code) | "push" (a mutation's outcome code)
    where: str
    status: int | None = None  # where the source writes one beside the code

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} code {self.code!r}"


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _class_codes(node: ast.ClassDef, where: str) -> Iterator[Use]:
    code = status = None
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if _name(target) == "code" and _text(value) is not None:
            code = _text(value)
        elif (
            _name(target) == "status"
            and isinstance(value, ast.Constant)
            and isinstance(value.value, int)
        ):
            status = value.value
    if code is not None:
        yield Use(code, "error", f"{where} class {node.name}", status)


def _call_codes(call: ast.Call, where: str) -> Iterator[Use]:
    callee = _name(call.func)
    if callee == "rejected":
        code = _text(call.args[1]) if len(call.args) > 1 else _text(_keyword(call, "code"))
        if code is not None:  # else a rule's own code (error.code): an error class's
            yield Use(code, "push", where)
    elif callee == "Outcome":
        code = _text(_keyword(call, "code"))
        if code is not None:
            yield Use(code, "push", where)
    elif callee == "GeometryError" and call.args:
        first = call.args[0]
        code = _text(first)
        if code is None and isinstance(first, ast.Name):
            code = getattr(gis.errors, first.id, None)
            assert isinstance(code, str), f"{where}: GeometryError({first.id}) is not a code"
        if code is not None:
            yield Use(code, "error", where)
    elif callee in ("abort", "envelope"):
        status = call.args[0] if call.args else None
        status = status.value if isinstance(status, ast.Constant) else None
        code = _text(_keyword(call, "code"))
        if code is not None:
            yield Use(code, "error", where, status)
        elif isinstance(status, int):
            yield Use(generic_code(status), "error", where, status)


def uses() -> list[Use]:
    found: list[Use] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.ClassDef):
                    found.extend(_class_codes(node, where))
                elif isinstance(node, ast.Call):
                    found.extend(_call_codes(node, where))
    return found


@pytest.fixture(scope="module")
def used() -> list[Use]:
    return uses()


def test_every_error_code_the_source_uses_is_in_the_catalogue_with_its_status(used):
    unknown = [str(u) for u in used if u.kind == "error" and u.code not in ERRORS]
    assert not unknown, "not in errorcodes.ERRORS:\n" + "\n".join(unknown)
    wrong = [
        f"{u}: written {u.status}, catalogued {ERRORS[u.code].status}"
        for u in used
        if u.kind == "error" and u.status is not None and u.status != ERRORS[u.code].status
    ]
    assert not wrong, "\n".join(wrong)


def test_every_push_code_the_source_uses_is_in_the_catalogue(used):
    unknown = [str(u) for u in used if u.kind == "push" and u.code not in PUSH_CODES]
    assert not unknown, "not in errorcodes.PUSH_CODES:\n" + "\n".join(unknown)


def test_the_scan_finds_the_push_codes_where_they_are_written(used):
    """The push's codes are written inline where it decides (``rejected(m, "sequence_reused",
    …)`` in sync/ and server/services/sync_*): the scan must see them there, every one the
    catalogue lists."""
    push = {u.code for u in used if u.kind == "push"}
    assert push == set(PUSH_CODES)
    assert any(u.where.startswith("server/services/sync") for u in used if u.kind == "push")


def test_nothing_in_the_catalogue_is_unused(used):
    codes = {u.code for u in used if u.kind == "error"}
    stale = set(ERRORS) - codes - set(GENERIC.values())
    assert not stale, f"catalogued but used nowhere: {sorted(stale)}"
