"""Modules stay small enough to read whole (issue 13, "one seam per use case").

A module of more than 600 lines under ``server/`` has grown more than one job: split it where
the jobs part. The push engine (:mod:`server.services.sync_push`), which every mutation a
device sends passes through, is held to 400, so that the protocol — claim, replay, ordering,
answer, cursor — can be read in one sitting, with each entity's rules and the bulk visit path
in modules of their own.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 600
ENGINE = ROOT / "server" / "services" / "sync_push.py"
ENGINE_MAX_LINES = 400


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_server_module_is_over_600_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): _lines(path)
        for path in sorted((ROOT / "server").rglob("*.py"))
        if _lines(path) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split them): {too_long}"


def test_the_sync_engine_is_under_400_lines() -> None:
    assert _lines(ENGINE) < ENGINE_MAX_LINES, (
        f"{ENGINE.relative_to(ROOT)} has {_lines(ENGINE)} lines; move what is not the "
        "protocol itself (an entity's rules, the bulk path, bookkeeping SQL) out of it"
    )
