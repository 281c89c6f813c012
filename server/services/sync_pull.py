"""Serving pulls (docs/sync-protocol.md §4): changes after a cursor, in commit order, in scope.

Each syncable table carries ``sync_seq`` (rewritten on every change), so "what changed after
cursor c" is one indexed range scan per table plus the tombstones, merged by ``sync_seq``.
Changes written by the pulling device itself are skipped (it has them from its push answer) but
still move the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bureau.errors import DomainError, InvalidInput
from server.extensions import db
from server.models import SyncCounter, SyncTombstone
from server.services.sync_entities import ADAPTERS, pull_select
from server.services.sync_push import DeviceActor
from sync.cursor import BadCursor, Cursor, parse_cursor

WATERMARK_COUNTER = "tombstone_watermark"


class ResyncRequired(DomainError):
    code = "resync_required"
    status = 410


@dataclass(frozen=True)
class PullSettings:
    default_limit: int = 500
    max_limit: int = 1000


def watermark() -> int:
    value = db.session.execute(
        sa.select(SyncCounter.value).where(SyncCounter.name == WATERMARK_COUNTER)
    ).scalar_one_or_none()
    return value or 0


@lru_cache(maxsize=8)
def _changes_after(dialect: str, scoped: bool) -> sa.Select:
    """One query for the next ``:take`` changes after ``:after`` across every synced table
    and the tombstones, in ``sync_seq`` order (within ``:station`` when ``scoped``).

    Each table is read by its own indexed range scan (a subquery with its own ORDER BY and
    LIMIT), then merged: one round trip per page. Built once per dialect and scope; pulls
    only bind their values.
    """
    after, take = sa.bindparam("after", type_=sa.BigInteger), sa.bindparam("take")
    station = sa.bindparam("station", type_=sa.Integer)
    parts = []
    for entity in ADAPTERS:  # every synced entity, proposals of each kind apart
        model = ADAPTERS[entity].model
        query = pull_select(entity, dialect).where(model.sync_seq > after)
        if scoped:
            query = query.where(model.station_id == station)
        parts.append(query.order_by(model.sync_seq).limit(take))
    tomb = sa.select(
        SyncTombstone.sync_seq,
        SyncTombstone.entity,
        SyncTombstone.record_uid.label("uid"),
        sa.cast(sa.null(), sa.Integer).label("version"),
        SyncTombstone.origin_device_id,
        SyncTombstone.station_id,
        sa.cast(sa.null(), sa.Text).label("record"),
        SyncTombstone.reason,
    ).where(SyncTombstone.sync_seq > after)
    if scoped:
        tomb = tomb.where(SyncTombstone.station_id == station)
    parts.append(tomb.order_by(SyncTombstone.sync_seq).limit(take))
    merged = sa.union_all(*(sa.select(part.subquery()) for part in parts)).subquery()
    return sa.select(merged).order_by(merged.c.sync_seq).limit(take)


def pull(
    actor: DeviceActor, cursor_text: str | None, limit: int | None, settings: PullSettings
) -> dict[str, Any]:
    if limit is None:
        limit = settings.default_limit
    if limit > settings.max_limit:
        raise InvalidInput(
            f"limit may be at most {settings.max_limit}.",
            errors={"limit": [f"must be between 1 and {settings.max_limit}"]},
        )
    try:
        cursor = parse_cursor(cursor_text, actor.scope)
    except BadCursor as error:
        raise InvalidInput(str(error), errors={"cursor": [str(error)]}) from error
    mark = watermark()
    if cursor.scope != actor.scope:
        raise ResyncRequired(
            "This device's scope changed since the cursor was issued; drop local copies and "
            "pull again without a cursor.",
            errors={"cursor": ["scope changed"]},
        )
    if cursor.seq and cursor.seq < mark:
        raise ResyncRequired(
            "The cursor is older than the tombstone watermark; drop local copies and pull "
            "again without a cursor.",
            errors={"cursor": [f"older than the watermark {mark}"]},
        )
    page = page_by_database if db.session.get_bind().dialect.name == "postgresql" else page_by_rows
    return {**page(actor, cursor, limit), "watermark": str(mark)}


def page_by_rows(actor: DeviceActor, cursor: Cursor, limit: int) -> dict[str, Any]:
    """A page built from its rows in Python (SQLite; on PostgreSQL, the test of the other)."""
    dialect = db.session.get_bind().dialect.name
    values = {"after": cursor.seq, "take": limit + 1, "station": actor.station_id}
    query = _changes_after(dialect, actor.station_id is not None)
    rows = db.session.execute(query, values).all()
    has_more = len(rows) > limit
    page = rows[:limit]
    changes = []
    for row in page:
        if row.origin_device_id == actor.device_id:
            continue
        if row.record is None:
            changes.append(
                {
                    "seq": row.sync_seq,
                    "entity": row.entity,
                    "record_id": row.uid,
                    "op": "delete",
                    "version": None,
                    "record": None,
                    "reason": row.reason,
                }
            )
        else:
            changes.append(
                {
                    "seq": row.sync_seq,
                    "entity": row.entity,
                    "record_id": row.uid,
                    "op": "upsert",
                    "version": row.version,
                    # written by the database; the JSON encoder copies it as it is
                    "record": orjson.Fragment(row.record),
                    "reason": None,
                }
            )
    last = page[-1].sync_seq if page else cursor.seq
    return {"changes": changes, "cursor": str(Cursor(actor.scope, last)), "has_more": has_more}


@lru_cache(maxsize=2)
def _page_as_json(scoped: bool) -> sa.Select:
    """The page of :func:`_changes_after` written by PostgreSQL as the JSON text of the
    ``changes`` array (the device's own writes left out), with the row count and the last
    sequence value of the page: one row, one string, whatever the page size.

    The change objects hold only what needs no escaping (integers, entity names, record ids
    checked as UUIDs, tombstone reason codes) around each record's JSON, already written by
    the database (:mod:`server.services.sync_wire`).
    """
    page = _changes_after("postgresql", scoped).subquery()
    numbered = sa.select(
        page, sa.func.row_number().over(order_by=page.c.sync_seq).label("n")
    ).subquery()
    c = numbered.c
    text = sa.Text()
    head = (
        sa.literal('{"seq":', text)
        + sa.cast(c.sync_seq, text)
        + ',"entity":"'
        + c.entity
        + '","record_id":"'
        + c.uid
    )
    upsert = (
        head
        + '","op":"upsert","version":'
        + sa.cast(c.version, text)
        + ',"record":'
        + c.record
        + ',"reason":null}'
    )
    reason = sa.func.coalesce(c.reason, "deleted")  # a NULL would drop the change from the page
    delete = head + '","op":"delete","version":null,"record":null,"reason":"' + reason + '"}'
    in_page = c.n <= sa.bindparam("limit", type_=sa.Integer)
    shown = sa.and_(
        in_page, c.origin_device_id.is_distinct_from(sa.bindparam("device", type_=sa.Integer))
    )
    change = sa.case((c.record.is_(None), delete), else_=upsert)
    # string_agg(change, ',' ORDER BY sync_seq)
    changes = sa.func.string_agg(
        change, postgresql.aggregate_order_by(sa.literal(",", text), c.sync_seq)
    )
    return sa.select(
        sa.func.count().label("rows"),
        sa.func.max(c.sync_seq).filter(in_page).label("last"),
        changes.filter(shown).label("changes"),
    ).select_from(numbered)


def page_by_database(actor: DeviceActor, cursor: Cursor, limit: int) -> dict[str, Any]:
    """A page whose ``changes`` PostgreSQL wrote as one JSON text (:func:`_page_as_json`):
    no row reaches Python. ``tests/integration/test_sync_pull.py`` holds it equal to
    :func:`page_by_rows`."""
    values = {
        "after": cursor.seq,
        "take": limit + 1,
        "station": actor.station_id,
        "limit": limit,
        "device": actor.device_id,
    }
    row = db.session.execute(_page_as_json(actor.station_id is not None), values).one()
    last = row.last if row.last is not None else cursor.seq
    return {
        "changes": orjson.Fragment("[" + (row.changes or "") + "]"),
        "cursor": str(Cursor(actor.scope, last)),
        "has_more": row.rows > limit,
    }
