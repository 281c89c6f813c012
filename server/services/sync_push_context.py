"""What the writes of one push share: who pushes, the push's clock, its ``sync_seq`` values,
the spatial settings, the field-validation context and the station map.

One object per push is handed to every entity's applier (:mod:`server.services.sync_appliers`)
and to the bulk visit path (:mod:`server.services.sync_bulk_visits`), so that their rows are
stamped alike — one ``received_at`` for the whole push, sequence values from one allocator
(whose first block takes the counter's lock until commit, see :mod:`server.services.sequence`)
— and the station map is loaded at most once per push, only if a record needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.services.sequence import SeqAllocator
from server.services.spatial import SpatialSettings
from server.services.station_locator import StationLocator
from sync.actor import DeviceActor
from sync.entities import Context


@dataclass
class PushContext:
    actor: DeviceActor
    now: datetime
    seq: SeqAllocator
    spatial: SpatialSettings
    #: what validating the pushed fields needs (the service area)
    validation: Context
    #: a complaint of this push named its complainant's phone: the must-visit rosters are
    #: refreshed once, at the end of the push, as the desk does per intake
    complainant_seen: bool = False
    _locator: StationLocator | None = None

    def station_locator(self) -> StationLocator:
        if self._locator is None:
            self._locator = StationLocator.load()
        return self._locator

    def locate(self, location: dict | None) -> int | None:
        if location is None:
            return None
        from shapely.geometry import Point

        return self.station_locator().station_for(Point(*location["coordinates"]))

    def station_for_new(self, location: dict | None) -> int | None:
        return self.actor.station_id if self.actor.station_id is not None else self.locate(location)
