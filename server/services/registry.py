"""Writing the registry: records from imports or the API become rows, idempotently.

A record is identified by its natural key (station code, credit code, approval number, roster
ref). Writing a record whose key exists updates the row only if something differs, and then
bumps its ``version``; writing the same data twice changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry

from bureau.errors import InvalidInput
from gis.geometry import to_ewkt, to_geojson
from server.extensions import db
from server.models import Enterprise, Person, Project, RecordHistory, Station, SyncTombstone
from server.services.sequence import SeqAllocator
from server.services.station_locator import StationLocator

#: per kind: model, natural-key column name, geometry column name
KINDS: dict[str, tuple[type, str, str]] = {
    "stations": (Station, "code", "area"),
    "enterprises": (Enterprise, "credit_code", "location"),
    "projects": (Project, "approval_number", "footprint"),
    "people": (Person, "ref", "location"),
}


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    keys: list[str] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def _values(kind: str, record: Any, locator: StationLocator) -> dict[str, Any]:
    """Column values for ``record``; geometry stays Shapely here (converted at write time)."""
    if kind == "stations":
        return {"code": record.code, "name": record.name, "area": record.area}
    if kind == "enterprises":
        return {
            "credit_code": record.credit_code,
            "name": record.name,
            "address": record.address,
            "location": record.location,
            "industry": record.industry,
            "pollutants": list(record.pollutants),
            "is_key": record.is_key,
            "contact_name": record.contact_name,
            "contact_phone": record.contact_phone,
            "station_id": locator.station_for(record.location),
        }
    if kind == "projects":
        return {
            "approval_number": record.approval_number,
            "name": record.name,
            "footprint": record.footprint,
            "status": record.status,
            "approved_on": record.approved_on,
            "starts_on": record.starts_on,
            "ends_on": record.ends_on,
            "developer": record.developer,
            "station_id": locator.station_for(record.footprint),
        }
    if kind == "people":
        if record.station_code:
            station_id = locator.id_for_code(record.station_code)
            if station_id is None:
                raise InvalidInput(
                    f"No station has the code {record.station_code!r}.",
                    errors={"station_code": [f"unknown station {record.station_code!r}"]},
                )
        else:
            station_id = locator.station_for(record.location)
            if station_id is None:
                raise InvalidInput(
                    "The person's station is not given and the location is in no station's area.",
                    errors={"station_code": ["required when the location is outside all stations"]},
                )
        return {
            "ref": record.ref,
            "name": record.name,
            "category": record.category,
            "phone": record.phone,
            "address": record.address,
            "location": record.location,
            "station_id": station_id,
        }
    raise ValueError(f"unknown registry kind {kind!r}")


def _same(current: Any, new: Any) -> bool:
    if isinstance(new, BaseGeometry):
        if current is None:
            return False
        return to_shape(current).equals_exact(new, 1e-9)
    if current is None or new is None:
        return current is None and new is None
    return current == new


def _bind(values: dict[str, Any], geometry_column: str) -> dict[str, Any]:
    geom = values.get(geometry_column)
    bound = dict(values)
    bound[geometry_column] = None if geom is None else to_ewkt(geom)
    return bound


def check_values(kind: str, record: Any, locator: StationLocator) -> None:
    """Raise :class:`InvalidInput` if ``record`` cannot be written (e.g. an unknown station)."""
    _values(kind, record, locator)


def write_records(
    kind: str, records: Iterable[Any], locator: StationLocator | None = None
) -> WriteCounts:
    """Insert or update ``records`` (one batch) in the current transaction.

    Who must be visited follows the registry (deputies, key enterprises, new projects): when
    :func:`changes_rosters` says the write may change it, the caller recomputes the rosters of
    the rounds under way (:func:`server.services.outreach.refresh_current_rosters`), once per
    batch or once after many (an import). The registry itself knows nothing of outreach."""
    model, key_name, geometry_column = KINDS[kind]
    locator = locator or StationLocator.load()
    records = list(records)
    counts = WriteCounts()
    if not records:
        return counts
    key_column = getattr(model, key_name)
    keys = [record.key for record in records]
    existing = {
        getattr(row, key_name): row
        for row in db.session.execute(sa.select(model).where(key_column.in_(keys)))
        .unique()
        .scalars()
    }
    new_rows: list[dict[str, Any]] = []
    history: list[RecordHistory] = []
    tombstones: list[SyncTombstone] = []
    synced = hasattr(model, "sync_seq")
    next_seq = SeqAllocator(len(records)) if synced else None
    for record in records:
        values = _values(kind, record, locator)
        row = existing.get(record.key)
        if row is None:
            bound = _bind(values, geometry_column) | {"version": 1}
            if synced:
                bound |= {"uid": str(uuid.uuid4()), "sync_seq": next_seq()}
                history.append(_history(kind, bound["uid"], 1, values))
            new_rows.append(bound)
            counts.inserted += 1
            continue
        changed = {
            name: value for name, value in values.items() if not _same(getattr(row, name), value)
        }
        if not changed:
            counts.unchanged += 1
            continue
        for name, value in changed.items():
            setattr(row, name, to_ewkt(value) if isinstance(value, BaseGeometry) else value)
        row.version += 1
        if synced:
            # Devices sync the roster: the change reaches them in commit order, its fields are
            # kept as the base of later merges, and a move to another station reaches the old
            # station's devices as a removal.
            if "station_id" in changed and (old_station := _previous(row, "station_id")):
                tombstones.append(
                    SyncTombstone(
                        sync_seq=next_seq(),
                        entity=SYNC_ENTITY[kind],
                        record_uid=row.uid,
                        station_id=old_station,
                        reason="left_scope",
                    )
                )
            row.sync_seq = next_seq()
            row.origin_device_id = None
            history.append(_history(kind, row.uid, row.version, values))
        counts.updated += 1
    if new_rows:
        from server.models.base import utcnow

        now = utcnow()
        for row in new_rows:
            row.setdefault("created_at", now)
            row.setdefault("updated_at", now)
        db.session.execute(sa.insert(model), new_rows)
    db.session.add_all(history)
    db.session.add_all(tombstones)
    db.session.flush()
    counts.keys = keys
    return counts


def changes_rosters(kind: str, counts: WriteCounts) -> bool:
    """Can writing these records change who must be visited?"""
    return kind != "stations" and bool(counts.inserted or counts.updated)


#: registry kinds that devices sync, and their entity names in the sync protocol
SYNC_ENTITY = {"people": "person"}


def _history(kind: str, uid: str, version: int, values: dict[str, Any]) -> RecordHistory:
    """The mergeable fields as devices see them (``sync_entities``' wire form)."""
    fields = {
        name: (to_geojson(value) if isinstance(value, BaseGeometry) else value)
        for name, value in values.items()
        if name in ("name", "category", "phone", "address", "location")
    }
    return RecordHistory(entity=SYNC_ENTITY[kind], record_uid=uid, version=version, fields=fields)


def _previous(row: Any, attribute: str) -> Any:
    """The value ``attribute`` had before this transaction changed it."""
    history = sa.inspect(row).attrs[attribute].history
    return history.deleted[0] if history.deleted else None


def create_record(kind: str, record: Any) -> Any:
    """Create one registry row from the API (a Feature); an existing key is a conflict (409).

    A new row of any kind but a station changes who must be visited: the caller refreshes the
    rosters (see :func:`write_records`)."""
    from bureau.errors import Conflict

    model, key_name, _geometry_column = KINDS[kind]
    key_column = getattr(model, key_name)
    if db.session.execute(sa.select(model.id).where(key_column == record.key)).first():
        raise Conflict(
            f"A record with {key_name} {record.key!r} already exists.",
            errors={f"properties.{key_name}": ["already exists"]},
        )
    write_records(kind, [record])
    return (
        db.session.execute(sa.select(model).where(key_column == record.key)).unique().scalar_one()
    )
