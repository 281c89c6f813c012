"""Who syncs: a device, bound by its token to a user, a role and a station (DESIGN §4 rule 10).

The server decides scope from this, never from a filter the device sends. Pushes, pulls and
conflict reviews all ask it the same two questions — which cursor scope is the device's, and
may it see (and so change) a record of a given station — so the answers live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.cursor import scope_key


@dataclass(frozen=True)
class DeviceActor:
    device_id: int
    user_id: int
    role: str
    station_id: int | None

    @property
    def scope(self) -> str:
        return scope_key(self.station_id)

    def sees(self, station_id: int | None) -> bool:
        return self.station_id is None or station_id == self.station_id
