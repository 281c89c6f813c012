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

from bureau.errors import DomainError, InvalidInput
from server.extensions import db
from server.models import SyncCounter, SyncTombstone
from server.services.sync_entities import ADAPTERS, pull_select
from sync.actor import DeviceActor
from sync.cursor import BadCursor, Cursor, parse_cursor

WATERMARK_COUNTER = "tombstone_watermark"

#: the tables devices sync (proposals of both kinds share one)
SYNCED_TABLES = tuple(dict.fromkeys(adapter.model for adapter in ADAPTERS.values()))


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


_UPSERT = (
    '{"seq":%d,"entity":"%s","record_id":"%s","op":"upsert","version":%d,"record":%s,"reason":null}'
)
_DELETE = (
    '{"seq":%d,"entity":"%s","record_id":"%s","op":"delete","version":null,"record":null,'
    '"reason":"%s"}'
)


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
    # the tombstone watermark rides along on every row (computed once): no round trip of its own
    mark = (
        sa.select(SyncCounter.value)
        .where(SyncCounter.name == WATERMARK_COUNTER)
        .scalar_subquery()
        .label("watermark")
    )
    return sa.select(merged, mark).order_by(merged.c.sync_seq).limit(take)


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
    if cursor.scope != actor.scope:
        raise ResyncRequired(
            "This device's scope changed since the cursor was issued; drop local copies and "
            "pull again without a cursor.",
            errors={"cursor": ["scope changed"]},
        )
    dialect = db.session.get_bind().dialect.name
    query = _changes_after(dialect, actor.station_id is not None)
    values = {"after": cursor.seq, "take": limit + 1, "station": actor.station_id}
    # at Core level: the session's ORM layer would add half as much again to a page of 1000
    rows = db.session.connection().execute(query, values).all()
    mark = (rows[0].watermark or 0) if rows else watermark()
    if cursor.seq and cursor.seq < mark:
        raise ResyncRequired(
            "The cursor is older than the tombstone watermark; drop local copies and pull "
            "again without a cursor.",
            errors={"cursor": [f"older than the watermark {mark}"]},
        )
    has_more = len(rows) > limit
    page = rows[:limit]
    # Each change written as JSON text around its record (already JSON, written by the
    # database): a pull page is a thousand of them, and formatting them costs a fraction of
    # building a dict each and encoding it. Only values that need no escaping go in: integers,
    # entity names, record ids (UUIDs, checked on the way in) and tombstone reason codes.
    changes = []
    for seq, entity, uid, version, origin, _station, record, reason, _mark in page:
        if origin == actor.device_id:
            continue
        if record is None:
            changes.append(_DELETE % (seq, entity, uid, reason or "deleted"))
        else:
            changes.append(_UPSERT % (seq, entity, uid, version, record))
    last = page[-1].sync_seq if page else cursor.seq
    return {
        "changes": orjson.Fragment("[" + ",".join(changes) + "]"),
        "cursor": str(Cursor(actor.scope, last)),
        "has_more": has_more,
        "watermark": str(mark),
    }


def others_between(low: int, high: int, actor: DeviceActor) -> bool:
    """Is there a change in (low, high] in the actor's scope by anyone but this device?

    A push moves its device's cursor past its own writes only when there is not
    (:meth:`server.services.sync_push.BatchProcessor._cursor_after`): a pull from the old
    cursor would then have skipped everything up to ``high`` anyway."""
    for model in (*SYNCED_TABLES, SyncTombstone):
        query = sa.select(model.sync_seq).where(
            model.sync_seq > low,
            model.sync_seq <= high,
            sa.or_(model.origin_device_id.is_(None), model.origin_device_id != actor.device_id),
        )
        if actor.station_id is not None:
            query = query.where(model.station_id == actor.station_id)
        if db.session.execute(query.limit(1)).first():
            return True
    return False
