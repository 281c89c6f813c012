"""The sync package stays framework-free: stdlib, bureau and gis only (DESIGN §2)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sync

ALLOWED = {"sync", "bureau", "gis"}
PACKAGE = Path(sync.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_sync_imports_only_stdlib_bureau_and_gis():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 7
    for module in modules:
        foreign = imported_roots(module) - ALLOWED - set(sys.stdlib_module_names)
        assert not foreign, f"{module.name} imports {sorted(foreign)}"
