"""A complaint raised in the field, and a device's edit of one (DESIGN §6).

A new complaint becomes a case at once (numbered, its first receiver the device's user), is
routed and linked on the map and flagged for implausible times like one registered at the
desk. An edit merges field by field like any record, but its status moves only along the
lifecycle's legal transitions (DESIGN §4 rule 6), and every status change is logged on the case.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.extensions import db
from server.models import Visit
from server.services.casework import intake_station, register_case
from server.services.casework_sync import (
    check_device_status,
    device_case_actor,
    device_intake,
    log_device_status,
)
from server.services.spatial import analyse_complaint, flag_complaint_time
from server.services.sync_appliers.base import Applier
from server.services.sync_push_context import PushContext
from sync.outcome import Outcome, rejected


class ComplaintApplier(Applier):
    entity = "complaint"

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        common = self.begin(push, m)
        if isinstance(common, Outcome):
            return common
        if values.get("visit_id") and not _may_cite_visit(push, values["visit_id"]):
            return rejected(
                m, "forbidden", f"visit {values['visit_id']} belongs to another station"
            )
        location, locator = values.get("location"), push.station_locator()
        row = register_case(
            device_case_actor(push.actor),
            device_intake(values, location, push.now),
            station_id=intake_station(None, push.actor.station_id, location, locator),
            now=push.now,
            locator=locator,
            record=common,
            spatial=push.spatial,
            device_id=push.actor.device_id,
            seq=push.seq,
        )
        flag_complaint_time(row, m.get("captured_at"), push.now, push.spatial)
        # a complainant who came back joins the must-visit rosters (see BatchProcessor.process)
        push.rosters_changed = push.rosters_changed or bool(values.get("complainant_phone"))
        return self.applied(push, m, row)

    def check_update(self, push: PushContext, row: Any, changed: dict[str, Any]) -> Any:
        """A status change must be a legal transition; the case it moves is logged later."""
        if "status" in changed:
            return check_device_status(row, changed["status"])
        return None

    def updating(self, push: PushContext, row: Any, changed: dict[str, Any], checked: Any) -> None:
        if changed.get("status") == "closed":
            row.closed_at = push.now
        if "status" in changed:
            log_device_status(checked, changed["status"], push.actor, push.now)

    def updated(self, push: PushContext, row: Any, changed: dict[str, Any]) -> None:
        if "location" in changed:  # routed and linked again where it now lies
            analyse_complaint(row, push.spatial, push.station_locator())


def _may_cite_visit(push: PushContext, uid: str) -> bool:
    """May a complaint say it was raised during visit ``uid``? Not during another station's
    visit. One not stored yet is fine: the phone may save the complaint before the visit
    it was raised in, and the visit then comes later in this batch or in another one."""
    found = db.session.execute(sa.select(Visit.station_id).where(Visit.uid == uid)).first()
    return found is None or push.actor.sees(found[0])
