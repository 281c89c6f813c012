"""A step of a complaint's case synced from a device: a reply of the "five replies" or a
follow-up visit's verdict (DESIGN §6). Events are append-only (DESIGN §4 rule 6): devices only
create them, and each goes through the same casework rules as at the desk
(:func:`server.services.casework_sync.apply_device_reply`), which may move the complaint.
"""

from __future__ import annotations

from typing import Any

from server.extensions import db
from server.models import ComplaintEvent
from server.services.casework_sync import apply_device_reply
from server.services.sync_appliers.base import Applier, parse_time
from server.services.sync_entities import load_rows
from server.services.sync_push_context import PushContext
from sync.outcome import Outcome, forbidden, rejected


class ComplaintEventApplier(Applier):
    entity = "complaint_event"

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        common = self.begin(push, m)
        if isinstance(common, Outcome):
            return common
        parent = load_rows("complaint", [values["complaint_id"]], db.session).get(
            values["complaint_id"]
        )
        if parent is None:
            return rejected(m, "not_found", f"complaint {values['complaint_id']} does not exist")
        if not push.actor.sees(parent.station_id):
            return forbidden(m, "complaint", values["complaint_id"])
        row = ComplaintEvent(
            **common,
            station_id=parent.station_id,
            complaint_id=parent.id,
            kind=values["kind"],
            text=values["text"],
            notified_by=values.get("notified_by"),
            satisfied=values.get("satisfied"),
            occurred_at=parse_time(values["occurred_at"]),
            author_id=push.actor.user_id,
            received_at=push.now,
        )
        row.complaint_uid = parent.uid
        db.session.add(row)
        db.session.flush()
        apply_device_reply(parent, values, row.occurred_at, push.actor, push.now, push.seq)
        db.session.add(row)
        db.session.flush()  # what the reply changed on the complaint and its case
        return self.applied(push, m, row)
