"""Someone who must be visited each outreach round (五个必访: a deputy, a conduct supervisor,
a resident near a new project…), created, edited or deleted in the field. Edits merge field by
field and deletes leave a tombstone (the generic
:class:`~server.services.sync_appliers.base.Applier`); a new person belongs to the device's
station, or for a county-level device to the station whose area holds the given location.
"""

from __future__ import annotations

from typing import Any

from server.extensions import db
from server.models import Person
from server.services.sync_appliers.base import Applier
from server.services.sync_entities import point_in
from server.services.sync_push_context import PushContext
from sync.outcome import Outcome, rejected


class PersonApplier(Applier):
    entity = "person"

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        common = self.begin(push, m)
        if isinstance(common, Outcome):
            return common
        location, _original = point_in(values.get("location"))
        station_id = push.station_for_new(values.get("location"))
        if station_id is None:
            return rejected(
                m,
                "invalid_fields",
                "the person's station cannot be decided",
                errors={"location": ["must lie in a station's area (county-level devices)"]},
            )
        row = Person(
            **common,
            ref=common["uid"],
            name=values["name"],
            category=values["category"],
            phone=values.get("phone"),
            address=values.get("address"),
            location=location,
            station_id=station_id,
        )
        db.session.add(row)
        db.session.flush()
        return self.applied(push, m, row)
