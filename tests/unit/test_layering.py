"""Imports run one way: server → schemas → (sync, bureau) → gis (DESIGN §2) → errorcodes.

Each package may import only what is below it, plus the third-party libraries its job needs;
sync/, bureau/ and gis/ import no Flask, no Flask-SQLAlchemy and no marshmallow, so their
rules can be tested without an app or a database. errorcodes/ (the error catalogue, which they
all take their codes from) lies below them all and imports nothing but the standard library.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"server", "schemas", "sync", "bureau", "gis", "errorcodes"}

ALLOWED = {
    "errorcodes": {"errorcodes"},
    "gis": {
        "gis",
        "errorcodes",
        "shapely",
        "sqlalchemy",
        "geoalchemy2",
        "numpy",
    },  # numpy: many distances at once
    "bureau": {"bureau", "gis", "errorcodes", "shapely", "numpy"},  # numpy: shapely arrays' hints
    "sync": {"sync", "bureau", "gis", "errorcodes"},
    "schemas": {"schemas", "sync", "bureau", "gis", "errorcodes", "marshmallow"},
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_lies_below_it(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, package
    for module in modules:
        foreign = imported_roots(module) - ALLOWED[package] - set(sys.stdlib_module_names)
        assert not foreign, f"{module.relative_to(ROOT)} imports {sorted(foreign)}"


def test_nothing_outside_server_imports_server() -> None:
    for package in sorted(FIRST_PARTY - {"server"}):
        for module in (ROOT / package).rglob("*.py"):
            assert "server" not in imported_roots(module), module.relative_to(ROOT)
