"""Wire records written by the database (pulls) equal those built in Python (push answers)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import (
    Complaint,
    ComplaintEvent,
    OutreachRound,
    Person,
    RegistryProposal,
    RosterEntry,
    User,
    Visit,
)
from server.services.sync_entities import ADAPTERS, load_rows, pull_select
from server.services.sync_wire import WIRE_FIELDS
from tests.integration.helpers import station_id

#: texts JSON must escape or could mistake; over an entity's ROWS rows ``_text(n + k)`` meets
#: each of them, None (the last) included
TEXTS = [
    "quote \" and \\ backslash, 'single'",
    "line\nbreak\ttab\r\x01\x1f\x7f",
    "污染 😷 \u2028\u2029",
    "null",
    ".000000Z",
    "",
    None,
]
ROWS = len(TEXTS)
TIMES = [
    datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 11, 25, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 1, 2, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1999, 12, 31, 0, 0, 0, 120000, tzinfo=UTC),
    datetime(2026, 3, 4, 5, 6, 10, 100000, tzinfo=UTC),
    datetime(2026, 3, 4, 5, 6, 10, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 0, 10, tzinfo=UTC),
]
FLOATS = [
    8.5, 5.0, 0.1 + 0.2, 1e-7, 123456.789, 1 / 3, 0.0, -2.5, 1e-5, 1e15, 1e16, 1e20,
    2.0**53 + 2, 5e-324, 1.7976931348623157e308,
]  # fmt: skip
POINTS = [
    "SRID=4326;POINT (119.8712345 31.7000001)",
    "SRID=4326;POINT (120 31)",
    "SRID=4326;POINT (120.1 31.12)",
    "SRID=4326;POINT (-0.1234567 -33.5)",
]
BOOLS = [True, False, None]


def _sync(n: int) -> dict:
    return {"uid": str(uuid.uuid4()), "version": 1 + n % 3, "sync_seq": 10_000 + n}


def _text(n: int) -> str | None:
    return TEXTS[n % ROWS]


def _rows(station: int, user: int) -> list:
    """ROWS rows of each entity, every nullable column NULL in some and not in others."""
    rows = []
    complaints = []
    for n in range(ROWS):
        complaint = Complaint(
            **_sync(n),
            station_id=station if n % 2 else None,
            channel="hotline_12369",
            category="odour",
            description=_text(n) or "x",
            summary=_text(n + 1),
            status="received",
            location=POINTS[n % len(POINTS)] if n % 3 else None,
            address=_text(n + 2),
            received_at=TIMES[n % len(TIMES)],
        )
        complaints.append(complaint)
        rows.append(complaint)
    db.session.add_all(complaints)
    db.session.flush()
    for n in range(ROWS):
        rows.append(
            ComplaintEvent(
                **_sync(100 + n),
                station_id=station if n % 2 else None,
                complaint_id=complaints[n].id,
                kind="progress",
                text=_text(n + 3) or "y",
                notified_by="phone" if n % 2 else None,
                satisfied=BOOLS[n % 3],
                occurred_at=TIMES[(n + 1) % len(TIMES)],
                received_at=TIMES[0],
            )
        )
        rows.append(
            Visit(
                **_sync(200 + n),
                station_id=station if n % 3 else None,
                inspector_id=user if n % 2 else None,
                target_kind="place",
                target_ref=_text(n + 4),
                location=POINTS[n % len(POINTS)],
                accuracy_m=FLOATS[n % len(FLOATS)],
                visited_at=TIMES[(n + 2) % len(TIMES)],
                findings=_text(n + 5),
                photos=["a" * 64] if n % 2 else [],
                mock_location=BOOLS[(n + 1) % 3],
                received_at=TIMES[1],
            )
        )
        rows.append(
            Person(
                **_sync(300 + n),
                station_id=station,
                ref=f"wire-{n}",
                name=_text(n + 6) or "z",
                category="deputy",
                phone=_text(n),
                address=_text(n + 1),
                location=POINTS[n % len(POINTS)] if n % 3 else None,
            )
        )
        rows += [
            RegistryProposal(
                **_sync(400 + 2 * n + (kind == "project")),
                station_id=station if n % 3 else None,
                kind=kind,
                target_key=_text(n + 2),
                changes={"name": _text(n), "nested": {"n": FLOATS[n], "ok": True}},
                reason=_text(n + 3),
                status="pending",
                received_at=TIMES[(n + 3) % len(TIMES)],
            )
            for kind in ("enterprise", "project")
        ]
    round_ = OutreachRound(
        name="第四轮", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        station_ids=[station], enters=["village"],
    )  # fmt: skip
    db.session.add(round_)
    db.session.flush()
    for n in range(ROWS):
        rows.append(
            RosterEntry(
                **_sync(500 + n),
                round_id=round_.id,
                station_id=station if n % 2 else None,
                subject_key=f"person:wire-{n}",
                category="project_neighbour",
                enter="village",
                name=_text(n + 4) or "w",
                phone=_text(n + 5),
                address=_text(n + 6),
                reason=_text(n) or "r",
                status=("due", "visited", "dropped")[n % 3],
                assigned_to=user if n % 2 else None,
            )
        )
    db.session.add_all(rows[ROWS:])
    db.session.flush()
    return rows


def test_every_entity_reads_the_same_in_sql_and_in_python(demo_app):
    station = station_id(demo_app, "320481101")
    with demo_app.app_context():
        user = db.session.execute(sa.select(sa.func.min(User.id))).scalar_one()
        mine = {row.uid for row in _rows(station, user)}
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
            for field in WIRE_FIELDS[entity]:  # the rows meet both cases of each nullable column
                if _column(entity, field.column).nullable:
                    seen = {by_sql[uid][field.name] is None for uid in by_sql}
                    assert seen == {True, False}, (entity, field.name)
            compared += len(by_sql)
        db.session.rollback()
    assert compared == len(mine) == 7 * ROWS


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


def _column(entity: str, key: str) -> sa.Column:
    if key == "complaint_uid":
        return Complaint.__table__.c.uid
    return ADAPTERS[entity].model.__table__.c[key]


def test_the_models_say_which_wire_columns_may_be_null(app):
    """The SQL rendering writes ``null`` for a NULL only where the model allows one (elsewhere
    a NULL would leave the whole record NULL): the migrated schema must agree with the models."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for entity, fields in WIRE_FIELDS.items():
            for field in fields:
                column = _column(entity, field.column)
                (migrated,) = [
                    c for c in inspector.get_columns(column.table.name) if c["name"] == column.name
                ]
                assert migrated["nullable"] == column.nullable, (entity, field.name)
