"""The desk corrects a complaint's place, address or category (a caller misheard the village,
the hotline clerk picked the wrong category).

The same recomputation a phone's correction triggers (a new version devices pull, kept in the
record's history so that a phone's later edit merges against it, and the desk, suggested
enterprises and flags worked out again where the complaint now lies), plus an audit entry that
says who changed what from what, and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bureau.access import Action, Actor, authorize
from bureau.cases import CaseEvent
from bureau.errors import InvalidInput
from server.extensions import db
from server.models import Complaint, RecordHistory
from server.services.casework import append_audit, spatial_settings
from server.services.sequence import SeqAllocator
from server.services.spatial import analyse_complaint
from server.services.station_locator import StationLocator
from server.services.sync_entities import ADAPTERS, point_in

#: what the desk may correct
CORRECTABLE = ("location", "address", "category")


def correct_complaint(
    actor: Actor, complaint: Complaint, number: str, changes: dict[str, Any], why: str,
    now: datetime,
) -> bool:  # fmt: skip
    """Apply ``changes`` (wire values: a validated Point, text, a category); False when they
    change nothing (then nothing is written, not even the audit entry)."""
    authorize(actor, Action.HANDLE_CASES, station_id=complaint.station_id)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise InvalidInput(
            "Only the location, address and category can be corrected here.",
            errors={name: ["not correctable"] for name in sorted(unknown)},
        )
    adapter = ADAPTERS["complaint"]
    before = adapter.merge_fields(adapter.to_wire(complaint))
    for name, value in changes.items():
        if name == "location":
            complaint.location, complaint.location_original = point_in(value)
        else:
            setattr(complaint, name, value)
    db.session.flush()
    after = adapter.merge_fields(adapter.to_wire(complaint))
    changed = sorted(name for name in changes if before.get(name) != after.get(name))
    if not changed:
        return False
    complaint.version += 1
    complaint.sync_seq = SeqAllocator(1)()
    complaint.origin_device_id = None
    db.session.add(
        RecordHistory(
            entity="complaint", record_uid=complaint.uid, version=complaint.version, fields=after
        )
    )
    if "location" in changed or "category" in changed:
        analyse_complaint(complaint, spatial_settings(), StationLocator.load())
    append_audit(
        [
            CaseEvent(
                case_id=complaint.id,
                action="corrected",
                actor_id=actor.user_id,
                at=now,
                why=why,
                details={
                    "fields": changed,
                    "before": {name: before.get(name) for name in changed},
                    "after": {name: after.get(name) for name in changed},
                },
            )
        ],
        number=number,
    )
    db.session.flush()
    return True
