"""Wire records written by the database (pulls) equal those built in Python (push answers)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from server.extensions import db
from server.models import (
    Complaint,
    ComplaintEvent,
    OutreachRound,
    Person,
    RegistryProposal,
    RosterEntry,
    Visit,
)
from server.services.sync_entities import ADAPTERS, load_rows, pull_select
from server.services.sync_wire import WIRE_FIELDS
from tests.integration.helpers import station_id

TEXTS = ['quote " and \\ backslash', "line\nbreak\ttab", "污染 😷 \u2028", "", None]
TIMES = [
    datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 11, 25, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 1, 2, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1999, 12, 31, 0, 0, 0, 120000, tzinfo=UTC),
]
FLOATS = [8.5, 5.0, 0.1 + 0.2, 1e-7, 123456.789, 1 / 3, 0.0]
POINTS = [
    "SRID=4326;POINT (119.8712345 31.7000001)",
    "SRID=4326;POINT (120 31)",
    "SRID=4326;POINT (120.1 31.12)",
]
BOOLS = [True, False, None]


def _sync(n: int) -> dict:
    return {"uid": str(uuid.uuid4()), "version": 1 + n % 3, "sync_seq": 10_000 + n}


def _rows(station: int) -> list:
    rows = []
    complaints = []
    for n in range(6):
        complaint = Complaint(
            **_sync(n),
            station_id=station if n % 2 else None,
            channel="hotline_12369",
            category="odour",
            description=TEXTS[n % 4] or "x",
            summary=TEXTS[n % 5],
            status="received",
            location=POINTS[n % 3] if n % 4 else None,
            address=TEXTS[(n + 1) % 5],
            received_at=TIMES[n % 4],
        )
        complaints.append(complaint)
        rows.append(complaint)
    db.session.add_all(complaints)
    db.session.flush()
    for n in range(6):
        rows.append(
            ComplaintEvent(
                **_sync(100 + n),
                station_id=station,
                complaint_id=complaints[n].id,
                kind="progress",
                text=TEXTS[n % 4] or "y",
                notified_by="phone" if n % 2 else None,
                satisfied=BOOLS[n % 3],
                occurred_at=TIMES[n % 4],
                received_at=TIMES[0],
            )
        )
        rows.append(
            Visit(
                **_sync(200 + n),
                station_id=station,
                inspector_id=None,
                target_kind="place",
                target_ref=TEXTS[n % 5],
                location=POINTS[n % 3],
                accuracy_m=FLOATS[n % len(FLOATS)],
                visited_at=TIMES[n % 4],
                findings=TEXTS[n % 5],
                photos=["a" * 64] if n % 2 else [],
                mock_location=BOOLS[n % 3],
                received_at=TIMES[1],
            )
        )
        rows.append(
            Person(
                **_sync(300 + n),
                station_id=station,
                ref=f"wire-{n}",
                name=TEXTS[n % 4] or "z",
                category="deputy",
                phone=TEXTS[n % 5],
                address=TEXTS[n % 5],
                location=POINTS[n % 3] if n % 3 else None,
            )
        )
        rows.append(
            RegistryProposal(
                **_sync(400 + n),
                station_id=station,
                kind="enterprise" if n % 2 else "project",
                target_key=TEXTS[n % 5],
                changes={"name": TEXTS[n % 4], "nested": {"n": FLOATS[n], "ok": True}},
                reason=TEXTS[n % 5],
                status="pending",
                received_at=TIMES[n % 4],
            )
        )
    round_ = OutreachRound(
        name="第四轮", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        station_ids=[station], enters=["village"],
    )  # fmt: skip
    db.session.add(round_)
    db.session.flush()
    for n in range(4):
        rows.append(
            RosterEntry(
                **_sync(500 + n),
                round_id=round_.id,
                station_id=station,
                subject_key=f"person:wire-{n}",
                category="project_neighbour",
                enter="village",
                name=TEXTS[n % 4] or "w",
                phone=TEXTS[n % 5],
                address=TEXTS[(n + 2) % 5],
                reason=TEXTS[n % 4] or "r",
                status=("due", "visited", "dropped")[n % 3],
                assigned_to=None,
            )
        )
    db.session.add_all(rows[6:])
    db.session.flush()
    return rows


def test_every_entity_reads_the_same_in_sql_and_in_python(demo_app):
    station = station_id(demo_app, "320481101")
    with demo_app.app_context():
        mine = {row.uid for row in _rows(station)}
        dialect = db.session.get_bind().dialect.name
        compared = 0
        for entity, adapter in ADAPTERS.items():
            by_sql = {
                row.uid: json.loads(row.record)
                for row in db.session.execute(pull_select(entity, dialect))
                if row.uid in mine
            }
            assert by_sql, entity
            by_python = {
                uid: adapter.to_wire(row)
                for uid, row in load_rows(entity, list(by_sql), db.session).items()
            }
            assert by_sql == by_python, entity
            for record in by_sql.values():
                assert list(record) == [f.name for f in WIRE_FIELDS[entity]]
            compared += len(by_sql)
        db.session.rollback()
    assert compared == len(mine) == 34


@pytest.mark.parametrize("value", FLOATS)
def test_floats_read_back_exactly(app, value):
    with app.app_context():
        visit = Visit(
            **_sync(0),
            target_kind="place",
            location=POINTS[0],
            accuracy_m=value,
            visited_at=TIMES[0],
            photos=[],
            received_at=TIMES[0],
        )
        db.session.add(visit)
        db.session.flush()
        dialect = db.session.get_bind().dialect.name
        (record,) = [row.record for row in db.session.execute(pull_select("visit", dialect))]
        assert json.loads(record)["accuracy_m"] == value
        assert json.loads(record)["visited_at"] == "2026-11-25T01:00:00Z"
        db.session.rollback()
