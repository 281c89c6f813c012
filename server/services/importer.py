"""Registry import: validate every row, write the valid ones in batches, report the rest.

Two modes. By default each valid row is applied and each rejected row is reported with its line
and reason. With ``all_or_nothing`` the file is checked completely first and nothing is written
unless every row passes. Either way the whole import is one transaction, so a crash midway
leaves the database as it was, and re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bureau.errors import InvalidInput
from bureau.importing import count_rows, read_rows
from server.extensions import db
from server.services.outreach import refresh_current_rosters
from server.services.registry import (
    WriteCounts,
    changes_rosters,
    check_values,
    write_records,
)
from server.services.station_locator import StationLocator
from server.settings import service_area as configured_area


@dataclass
class Rejection:
    line: int
    key: str | None
    errors: dict[str, list[str]]

    def text(self) -> str:
        reasons = "; ".join(f"{name}: {', '.join(why)}" for name, why in self.errors.items())
        key = f" ({self.key})" if self.key else ""
        return f"line {self.line}{key}: {reasons}"


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejections: list[Rejection] = field(default_factory=list)
    applied: bool = True

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        if not self.applied:
            return (
                f"fieldsync: {self.rows} {self.kind} rows read, {self.rejected} rejected: "
                "nothing applied (--all-or-nothing)"
            )
        c = self.counts
        return (
            f"fieldsync: {self.rows} {self.kind} rows read: {c.inserted} inserted, "
            f"{c.updated} updated, {c.unchanged} unchanged, {self.rejected} rejected"
        )

    def rejections_text(self) -> list[str]:
        return [r.text() for r in self.rejections]


def run_import(
    kind: str,
    path: Path,
    *,
    all_or_nothing: bool = False,
    batch_size: int = 500,
    progress=None,
    service_area=None,
) -> ImportReport:
    """Import ``path`` as ``kind``; ``progress`` may be a click progress bar (``length``,
    ``update(n)``) or None."""
    area = service_area or configured_area()
    if progress is not None and hasattr(progress, "length"):
        progress.length = count_rows(path)
    tick: Callable[[int], None] = progress.update if progress is not None else (lambda n: None)
    report = ImportReport(kind=kind)
    locator = StationLocator.load()
    pending = []

    def flush() -> None:
        if pending and not (all_or_nothing and report.rejections):
            report.counts.add(write_records(kind, pending, locator))
        pending.clear()

    try:
        for row in read_rows(path, kind, service_area=area):
            report.rows += 1
            tick(1)
            if row.errors or row.record is None:
                report.rejections.append(Rejection(row.line, row.key, row.errors))
                continue
            try:
                check_values(kind, row.record, locator)
            except InvalidInput as error:
                report.rejections.append(Rejection(row.line, row.key, error.errors))
                continue
            pending.append(row.record)
            if kind == "stations":
                # later rows (people by station code) may refer to stations of this file
                flush()
                locator = StationLocator.load()
            elif len(pending) >= batch_size:
                flush()
        if all_or_nothing and report.rejections:
            db.session.rollback()
            report.applied = False
            report.counts = WriteCounts()
            return report
        flush()
        if changes_rosters(kind, report.counts):
            # once for the whole file, not once per batch of it
            refresh_current_rosters()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report
