"""How each syncable entity maps between its table and its wire record (protocol v1).

A wire record is ``{"id": uid, "version": n, …fields…}``; the fields an update may change are
the entity's mergeable fields, and their values (in wire form) are what a three-way merge and
``record_history`` compare.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape

from gis.geometry import point_ewkt, to_geojson
from server.models import Complaint, ComplaintEvent, Person, RegistryProposal, Visit
from sync.entities import ENTITIES


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _point_out(value) -> dict | None:
    """A geometry column's value as GeoJSON, whether loaded (WKB), just assigned (EWKT) or
    already GeoJSON."""
    if value is None:
        return None
    if isinstance(value, dict):  # already GeoJSON (a record answered before it was read back)
        return value
    if isinstance(value, bytes | memoryview):
        value = bytes(value)
        if len(value) == 21:  # a 2-D WKB Point, the common case: decoded without shapely
            order = "<" if value[0] == 1 else ">"
            kind, lon, lat = struct.unpack(order + "Idd", value[1:])
            if kind == 1:
                return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
        shape = shapely.from_wkb(value)
    elif isinstance(value, str):
        shape = shapely.from_wkt(value.split(";", 1)[-1])
    elif hasattr(value, "geom_type"):
        shape = value
    else:
        shape = to_shape(value)
    return to_geojson(shape)


def point_in(value: dict | None) -> tuple[str | None, dict | None]:
    """A validated wire Point → (EWKT for the column, the original as sent or None)."""
    if value is None:
        return None, None
    lon, lat = value["coordinates"]
    return point_ewkt(lon, lat), value.get("original")


def wire_point(value: dict | None) -> dict | None:
    """The comparable wire form of a Point field (without the original datum's copy)."""
    if value is None:
        return None
    return {"type": "Point", "coordinates": list(value["coordinates"])}


@dataclass(frozen=True)
class EntityAdapter:
    name: str
    model: type
    to_wire: Callable[[Any], dict[str, Any]]
    #: fields an update may change, in wire form (what merges compare)
    mergeable: tuple[str, ...]
    #: wire field → column value(s), for the fields a device may write
    columns: Callable[[dict[str, Any]], dict[str, Any]]

    def merge_fields(self, record: dict[str, Any]) -> dict[str, Any]:
        return {name: record.get(name) for name in self.mergeable}


def _complaint_wire(row: Complaint) -> dict[str, Any]:
    return {
        "id": row.uid,
        "version": row.version,
        "station_id": row.station_id,
        "channel": row.channel,
        "category": row.category,
        "description": row.description,
        "summary": row.summary,
        "status": row.status,
        "location": _point_out(row.location),
        "address": row.address,
        "received_at": _time(row.received_at),
    }


def _location_columns(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "location"}
    if "location" in values:
        out["location"], out["location_original"] = point_in(values["location"])
    return out


def _event_wire(row: ComplaintEvent) -> dict[str, Any]:
    return {
        "id": row.uid,
        "version": row.version,
        "station_id": row.station_id,
        "complaint_id": row.complaint_uid,  # set by the store's query
        "kind": row.kind,
        "text": row.text,
        "notified_by": row.notified_by,
        "satisfied": row.satisfied,
        "occurred_at": _time(row.occurred_at),
    }


def _visit_wire(row: Visit) -> dict[str, Any]:
    return {
        "id": row.uid,
        "version": row.version,
        "station_id": row.station_id,
        "inspector_id": row.inspector_id,
        "target_kind": row.target_kind,
        "target_ref": row.target_ref,
        "location": _point_out(row.location),
        "accuracy_m": row.accuracy_m,
        "visited_at": _time(row.visited_at),
        "findings": row.findings,
        "photos": list(row.photos or []),
        "mock_location": row.mock_location,
    }


def _person_wire(row: Person) -> dict[str, Any]:
    return {
        "id": row.uid,
        "version": row.version,
        "station_id": row.station_id,
        "ref": row.ref,
        "name": row.name,
        "category": row.category,
        "phone": row.phone,
        "address": row.address,
        "location": _point_out(row.location),
    }


def _person_columns(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "location"}
    if "location" in values:
        out["location"], _original = point_in(values["location"])
    return out


def _proposal_wire(row: RegistryProposal) -> dict[str, Any]:
    key = "credit_code" if row.kind == "enterprise" else "approval_number"
    return {
        "id": row.uid,
        "version": row.version,
        "station_id": row.station_id,
        key: row.target_key,
        "changes": row.changes,
        "reason": row.reason,
        "status": row.status,
    }


ADAPTERS: dict[str, EntityAdapter] = {
    "complaint": EntityAdapter(
        "complaint",
        Complaint,
        _complaint_wire,
        tuple(ENTITIES["complaint"].update),
        _location_columns,
    ),
    "complaint_event": EntityAdapter(
        "complaint_event",
        ComplaintEvent,
        _event_wire,
        (),
        lambda v: dict(v),
    ),
    "visit": EntityAdapter("visit", Visit, _visit_wire, (), _location_columns),
    "person": EntityAdapter(
        "person",
        Person,
        _person_wire,
        tuple(ENTITIES["person"].update),
        _person_columns,
    ),
    "enterprise_proposal": EntityAdapter(
        "enterprise_proposal", RegistryProposal, _proposal_wire, (), lambda v: dict(v)
    ),
    "project_proposal": EntityAdapter(
        "project_proposal", RegistryProposal, _proposal_wire, (), lambda v: dict(v)
    ),
}


def proposal_kind(entity: str) -> str | None:
    return {"enterprise_proposal": "enterprise", "project_proposal": "project"}.get(entity)


#: columns no wire record shows; not fetching them spares decoding them on every pull
_NOT_ON_THE_WIRE = {
    "location_original",
    "created_at",
    "updated_at",
    "author_id",
    "proposed_by",
}


def wire_select(entity: str) -> sa.Select:
    """A Core SELECT whose rows ``to_wire`` accepts like ORM objects, without ORM overhead.

    Geometry comes back as plain WKB (``ST_AsBinary``, the same on PostGIS and SpatiaLite);
    pulls read thousands of rows a page, and building ORM objects would cost more than the
    query.
    """
    model = ADAPTERS[entity].model
    geometry_column = getattr(model, "geometry_column", None)
    columns = [
        sa.func.ST_AsBinary(column).label(column.key) if column.key == geometry_column else column
        for column in model.__table__.columns
        if column.key not in _NOT_ON_THE_WIRE
    ]
    query = sa.select(*columns)
    if entity == "complaint_event":
        query = query.add_columns(Complaint.uid.label("complaint_uid")).join(
            Complaint, Complaint.id == model.complaint_id
        )
    kind = proposal_kind(entity)
    if kind is not None:
        query = query.where(model.kind == kind)
    return query


def load_rows(entity: str, uids: list[str], session) -> dict[str, Any]:
    """Current rows of ``entity`` by uid (proposals filtered by their kind)."""
    if not uids:
        return {}
    adapter = ADAPTERS[entity]
    model = adapter.model
    query = sa.select(model).where(model.uid.in_(uids))
    kind = proposal_kind(entity)
    if kind is not None:
        query = query.where(model.kind == kind)
    if entity == "complaint_event":
        query = sa.select(model, Complaint.uid).join(Complaint, Complaint.id == model.complaint_id)
        query = query.where(model.uid.in_(uids))
        rows = {}
        for event, complaint_uid in session.execute(query):
            event.complaint_uid = complaint_uid
            rows[event.uid] = event
        return rows
    return {row.uid: row for row in session.execute(query).unique().scalars()}
