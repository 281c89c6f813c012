"""Building pushes by hand for the sync integration tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

from tests.integration.helpers import bearer, token_for


class Device:
    """A minimal hand-driven device: numbers its batches and mutations like a real one."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.batch_seq = itertools.count(1)
        self.seq = itertools.count(1)
        self.cursor: str | None = None

    @classmethod
    def for_user(cls, app, client, username: str) -> Device:
        return cls(client, token_for(app, username))

    def mutation(self, entity, op, fields=None, record_id=None, base_version=None, seq=None):
        return {
            "id": str(uuid.uuid4()),
            "seq": seq if seq is not None else next(self.seq),
            "entity": entity,
            "record_id": record_id or str(uuid.uuid4()),
            "op": op,
            "base_version": base_version,
            "captured_at": datetime.now(UTC).isoformat(),
            "fields": fields or {},
        }

    def push(self, *mutations, batch_seq=None, schema_version=1, sent_at=None, expect=200):
        body = {
            "batch_seq": batch_seq if batch_seq is not None else next(self.batch_seq),
            "schema_version": schema_version,
            "sent_at": sent_at or datetime.now(UTC).isoformat(),
            "cursor": self.cursor,
            "mutations": list(mutations),
        }
        response = self.client.post("/api/v1/sync/push", json=body, headers=bearer(self.token))
        assert response.status_code == expect, response.get_json()
        return response.get_json(), body

    def pull_all(self) -> list[dict]:
        changes = []
        while True:
            url = "/api/v1/sync/pull?limit=200" + (f"&cursor={self.cursor}" if self.cursor else "")
            response = self.client.get(url, headers=bearer(self.token))
            assert response.status_code == 200, response.get_json()
            page = response.get_json()
            changes.extend(page["changes"])
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return changes


def visit_fields(lon=119.95, lat=31.75, **extra):
    fields = {
        "target_kind": "place",
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": 8.5,
        "visited_at": "2026-11-25T09:00:00+08:00",
        "findings": "排污口无异常",
    }
    fields.update(extra)
    return fields


def complaint_fields(**extra):
    fields = {"category": "odour", "description": "化工园区附近有刺鼻气味"}
    fields.update(extra)
    return fields


def reply_fields(complaint_id, kind, text="已电话告知处理结果", **extra):
    """A reply to the complainant synced as a ``complaint_event``, given now by phone."""
    from datetime import UTC, datetime

    fields = {
        "complaint_id": complaint_id,
        "kind": kind,
        "text": text,
        "notified_by": "phone",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    fields.update(extra)
    return fields
