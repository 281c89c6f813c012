"""A visit pushed the careful way, one at a time: one made against a must-visit roster entry
(it marks the entry visited), or one the bulk path could not take
(:mod:`server.services.sync_bulk_visits` takes the plain ones, many per INSERT).

Visits are append-only (DESIGN §4 rule 6): devices only create them, so they never conflict.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.bulk import one_of
from server.extensions import db
from server.models import Photo, RosterEntry, Visit
from server.services.outreach import mark_visited
from server.services.sync_appliers.base import Applier, parse_time
from server.services.sync_entities import point_in
from server.services.sync_push_context import PushContext
from server.services.visit_plausibility import fixes_of, store_visit_flags, visit_flags
from sync.outcome import Outcome, rejected


class VisitApplier(Applier):
    entity = "visit"

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        common = self.begin(push, m)
        if isinstance(common, Outcome):
            return common
        location, original = point_in(values["location"])
        missing = missing_photos(values.get("photos") or [])
        row = Visit(
            **common,
            station_id=push.station_for_new(values["location"]),
            inspector_id=push.actor.user_id,
            target_kind=values["target_kind"],
            target_ref=values.get("target_ref"),
            location=location,
            location_original=original,
            accuracy_m=values["accuracy_m"],
            visited_at=parse_time(values["visited_at"]),
            findings=values.get("findings"),
            photos=values.get("photos") or [],
            mock_location=values.get("mock_location"),
            received_at=push.now,
        )
        if values.get("roster_entry_id"):
            entry = _roster_entry(push, values["roster_entry_id"])
            if entry is None:
                return rejected(
                    m, "not_found", f"roster entry {values['roster_entry_id']} does not exist"
                )
        db.session.add(row)
        db.session.flush()
        if values.get("roster_entry_id"):
            mark_visited(entry, row, push.seq)
        store_visit_flags(visit_flags(fixes_of([row]), push.spatial, now=push.now))
        return self.applied(push, m, row, missing)


def _roster_entry(push: PushContext, uid: str):
    entry = db.session.execute(
        sa.select(RosterEntry).where(RosterEntry.uid == uid.lower())
    ).scalar_one_or_none()
    if entry is None or not push.actor.sees(entry.station_id):
        return None
    return entry


def complete_photos(hashes: list[str]) -> list[str]:
    """Which of these photos the server holds whole (a visit names its photos by SHA-256;
    they travel separately, DESIGN §4 rule 11)."""
    if not hashes:
        return []
    return list(
        db.session.execute(
            sa.select(Photo.sha256).where(
                one_of(db.session, Photo.sha256, hashes), Photo.complete.is_(True)
            )
        ).scalars()
    )


def missing_photos(hashes: list[str]) -> list[str]:
    have = set(complete_photos(hashes))
    return [h for h in hashes if h not in have]
