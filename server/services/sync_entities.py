"""How each syncable entity maps between its table and its wire record (protocol v1).

A wire record is ``{"id": uid, "version": n, …fields…}``; the fields an update may change are
the entity's mergeable fields, and their values (in wire form) are what a three-way merge and
``record_history`` compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa

from gis.geometry import point_ewkt
from server.models import (
    Complaint,
    ComplaintEvent,
    Person,
    RegistryProposal,
    RosterEntry,
    Visit,
)
from server.services.sync_wire import python_record, sql_record
from sync.entities import ENTITIES


def point_in(value: dict | None) -> tuple[str | None, dict | None]:
    """A validated wire Point → (EWKT for the column, the original as sent or None)."""
    if value is None:
        return None, None
    lon, lat = value["coordinates"]
    return point_ewkt(lon, lat), value.get("original")


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


def _location_columns(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "location"}
    if "location" in values:
        out["location"], out["location_original"] = point_in(values["location"])
    return out


def _person_columns(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "location"}
    if "location" in values:
        out["location"], _original = point_in(values["location"])
    return out


ADAPTERS: dict[str, EntityAdapter] = {
    "complaint": EntityAdapter(
        "complaint",
        Complaint,
        partial(python_record, "complaint"),
        tuple(ENTITIES["complaint"].update),
        _location_columns,
    ),
    "complaint_event": EntityAdapter(
        "complaint_event",
        ComplaintEvent,
        partial(python_record, "complaint_event"),
        (),
        lambda v: dict(v),
    ),
    "visit": EntityAdapter("visit", Visit, partial(python_record, "visit"), (), _location_columns),
    "person": EntityAdapter(
        "person",
        Person,
        partial(python_record, "person"),
        tuple(ENTITIES["person"].update),
        _person_columns,
    ),
    "enterprise_proposal": EntityAdapter(
        "enterprise_proposal",
        RegistryProposal,
        partial(python_record, "enterprise_proposal"),
        (),
        lambda v: dict(v),
    ),
    # pull only: rosters are computed by the server (docs/outreach.md); a visit names its entry
    "roster_entry": EntityAdapter(
        "roster_entry", RosterEntry, partial(python_record, "roster_entry"), (), lambda v: dict(v)
    ),
    "project_proposal": EntityAdapter(
        "project_proposal",
        RegistryProposal,
        partial(python_record, "project_proposal"),
        (),
        lambda v: dict(v),
    ),
}


def proposal_kind(entity: str) -> str | None:
    return {"enterprise_proposal": "enterprise", "project_proposal": "project"}.get(entity)


def pull_select(entity: str, dialect: str) -> sa.Select:
    """``sync_seq, entity, uid, version, origin_device_id, station_id, record, reason``:
    each row's wire record already written as JSON text by the database (see
    :mod:`server.services.sync_wire`)."""
    model = ADAPTERS[entity].model
    columns = {column.key: column for column in model.__table__.columns}
    query = sa.select(
        model.sync_seq,
        sa.literal_column(f"'{entity}'", sa.String).label("entity"),
        model.uid,
        model.version,
        model.origin_device_id,
        model.station_id,
    )
    if entity == "complaint_event":
        columns["complaint_uid"] = Complaint.uid
        query = query.join(Complaint, Complaint.id == model.complaint_id)
    query = query.add_columns(
        sql_record(entity, columns, dialect).label("record"),
        sa.cast(sa.null(), sa.String).label("reason"),
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


def current_record(entity: str, uid: str, session) -> dict[str, Any] | None:
    """A record's wire form as it stands now, as a push answers it again (a duplicate, a
    replay); None when it is gone, or ``entity`` is not one devices sync."""
    if entity not in ADAPTERS:
        return None
    row = load_rows(entity, [uid], session).get(uid)
    return None if row is None else ADAPTERS[entity].to_wire(row)
