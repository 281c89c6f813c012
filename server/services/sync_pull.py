"""Serving pulls (docs/sync-protocol.md §4): changes after a cursor, in commit order, in scope.

Each syncable table carries ``sync_seq`` (rewritten on every change), so "what changed after
cursor c" is one indexed range scan per table plus the tombstones, merged by ``sync_seq``.
Changes written by the pulling device itself are skipped (it has them from its push answer) but
still move the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bureau.errors import DomainError, InvalidInput
from server.extensions import db
from server.models import SyncCounter, SyncTombstone
from server.services.sync_entities import ADAPTERS, wire_select
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


def _query(entity: str, after: int, actor: DeviceActor, limit: int) -> sa.Select:
    model = ADAPTERS[entity].model
    query = wire_select(entity).where(model.sync_seq > after)
    if actor.station_id is not None:
        query = query.where(model.station_id == actor.station_id)
    return query.order_by(model.sync_seq).limit(limit)


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
    found: list[tuple[int, str, Any]] = []
    full = False
    for entity in ADAPTERS:  # every synced entity, proposals of each kind apart
        rows = db.session.execute(_query(entity, cursor.seq, actor, limit)).all()
        if len(rows) == limit:
            full = True
        found.extend((row.sync_seq, entity, row) for row in rows)
    tomb_query = sa.select(SyncTombstone).where(SyncTombstone.sync_seq > cursor.seq)
    if actor.station_id is not None:
        tomb_query = tomb_query.where(SyncTombstone.station_id == actor.station_id)
    tombs = db.session.execute(tomb_query.order_by(SyncTombstone.sync_seq).limit(limit)).scalars()
    tombs = list(tombs)
    if len(tombs) == limit:
        full = True
    found.extend((t.sync_seq, "tombstone", t) for t in tombs)
    found.sort(key=lambda item: item[0])
    has_more = full or len(found) > limit
    page = found[:limit]
    changes = []
    for seq, entity, item in page:
        if item.origin_device_id == actor.device_id:
            continue
        if entity == "tombstone":
            changes.append(
                {
                    "seq": seq,
                    "entity": item.entity,
                    "record_id": item.record_uid,
                    "op": "delete",
                    "version": None,
                    "record": None,
                    "reason": item.reason,
                }
            )
        else:
            record = ADAPTERS[entity].to_wire(item)
            changes.append(
                {
                    "seq": seq,
                    "entity": entity,
                    "record_id": item.uid,
                    "op": "upsert",
                    "version": item.version,
                    "record": record,
                    "reason": None,
                }
            )
    last = page[-1][0] if page else cursor.seq
    if not page:
        has_more = False
    return {
        "changes": changes,
        "cursor": str(Cursor(actor.scope, last)),
        "has_more": has_more,
        "watermark": str(mark),
    }
