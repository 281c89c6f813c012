"""Field proposals for the registry (an enterprise moved, a project's footprint corrected…).

Devices never edit registry data directly (DESIGN §4 rule 6): their edits arrive as proposals,
and an officer accepts one — which applies it through the same validation and idempotent write
as an import — or rejects it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from geoalchemy2.shape import to_shape

from bureau.errors import Conflict, InvalidInput, NotFound
from bureau.registry import (
    EnterpriseRecord,
    ProjectRecord,
    enterprise_from_mapping,
    project_from_mapping,
)
from gis.geometry import parse_geojson_geometry
from server.extensions import db
from server.models import Enterprise, Project, RegistryProposal
from server.services.outreach import refresh_current_rosters
from server.services.registry import changes_rosters, write_records
from server.services.sequence import SeqAllocator
from server.services.sync_entities import ADAPTERS

#: the registry fields a proposal may change: the records' own, less their geometry
_ENTERPRISE_FIELDS = tuple(f.name for f in fields(EnterpriseRecord) if f.name != "location")
_PROJECT_FIELDS = tuple(f.name for f in fields(ProjectRecord) if f.name != "footprint")


def _current(kind: str, key: str | None) -> tuple[dict[str, Any], Any]:
    if kind == "enterprise":
        row = db.session.execute(sa.select(Enterprise).where(Enterprise.credit_code == key))
        row = row.unique().scalar_one_or_none()
        if row is None:
            return {"credit_code": key}, None
        data = {name: getattr(row, name) for name in _ENTERPRISE_FIELDS}
        return data, to_shape(row.location)
    row = db.session.execute(sa.select(Project).where(Project.approval_number == key))
    row = row.unique().scalar_one_or_none()
    if row is None:
        return {"approval_number": key}, None
    data = {name: getattr(row, name) for name in _PROJECT_FIELDS}
    for name in ("approved_on", "starts_on", "ends_on"):
        data[name] = data[name].isoformat() if data[name] else None
    return data, to_shape(row.footprint)


def decide(proposal_id: int, accept: bool, *, service_area=None) -> RegistryProposal:
    proposal = db.session.get(RegistryProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"No proposal has the id {proposal_id}.")
    if proposal.status != "pending":
        raise Conflict(f"Proposal {proposal_id} was {proposal.status} already.")
    if accept:
        data, geometry = _current(proposal.kind, proposal.target_key)
        changes = dict(proposal.changes)
        for name in ("location", "footprint", "geometry"):
            if name in changes:
                geometry = parse_geojson_geometry(changes.pop(name), field=f"changes.{name}")
        data.update(changes)
        build = enterprise_from_mapping if proposal.kind == "enterprise" else project_from_mapping
        try:
            record = build(data, geometry, service_area=service_area)
        except InvalidInput as error:
            raise InvalidInput(
                "The proposal cannot be applied as it stands: " + error.message,
                errors={f"changes.{k}": v for k, v in error.errors.items()},
            ) from error
        kind = "enterprises" if proposal.kind == "enterprise" else "projects"
        if changes_rosters(kind, write_records(kind, [record])):
            refresh_current_rosters()
    proposal.status = "accepted" if accept else "rejected"
    proposal.version += 1
    proposal.sync_seq = SeqAllocator(1)()
    proposal.origin_device_id = None
    db.session.flush()
    return proposal


def wire(proposal: RegistryProposal) -> dict[str, Any]:
    return ADAPTERS[f"{proposal.kind}_proposal"].to_wire(proposal)
