"""One transaction per request, committed at one place (DESIGN §2): ``server.transaction``.

Views and authentication write through the session and leave committing to the commit point,
which commits after a successful answer and rolls back after an error answer. A view that
committed itself would make a later refusal (a domain error, an abort) leave half a write
behind. CLI commands and the services they call are their own callers and may commit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUEST_CODE = sorted((ROOT / "server" / "api").glob("*.py")) + [ROOT / "server" / "auth.py"]


def commit_calls(source: str) -> list[int]:
    """Lines of every ``<anything>.commit(…)`` call in ``source``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def test_the_scan_sees_a_commit() -> None:
    assert commit_calls("db.session.commit()\nx = 1\nsession().commit(  )\n") == [1, 3]
    assert commit_calls("db.session.flush()  # not db.session.commit()\n") == []


def test_the_scan_covers_the_views_and_authentication() -> None:
    names = {path.name for path in REQUEST_CODE}
    assert {"sync.py", "photos.py", "cases.py", "auth.py"} <= names


@pytest.mark.parametrize("path", REQUEST_CODE, ids=lambda path: path.name)
def test_request_code_does_not_commit(path: Path) -> None:
    lines = commit_calls(path.read_text(encoding="utf-8"))
    assert not lines, (
        f"{path.relative_to(ROOT)} commits at line(s) {lines}: the request commits at one "
        "place (server/transaction.py); flush instead, or keep_writes() for a refusal that "
        "must keep its writes"
    )
