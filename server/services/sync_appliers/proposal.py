"""A change to the registry proposed from the field: an enterprise's or a new construction
project's data (DESIGN §4 rule 6). Registry data is not edited by devices directly; what an
inspector sends becomes a pending proposal for an officer to review
(:mod:`server.services.proposals`).
"""

from __future__ import annotations

from typing import Any

from server.extensions import db
from server.models import RegistryProposal
from server.services.sync_appliers.base import Applier
from server.services.sync_entities import proposal_kind
from server.services.sync_push_context import PushContext
from sync.outcome import Outcome


class ProposalApplier(Applier):
    """One per proposal entity (``enterprise_proposal``, ``project_proposal``): one table."""

    def __init__(self, entity: str):
        self.entity = entity

    def create(self, push: PushContext, m: dict, values: dict[str, Any]) -> Outcome:
        common = self.begin(push, m)
        if isinstance(common, Outcome):
            return common
        kind = proposal_kind(self.entity)
        key = values.get("credit_code" if kind == "enterprise" else "approval_number")
        row = RegistryProposal(
            **common,
            station_id=push.actor.station_id,
            kind=kind,
            target_key=key,
            changes=values["changes"],
            reason=values.get("reason"),
            status="pending",
            proposed_by=push.actor.user_id,
            received_at=push.now,
        )
        db.session.add(row)
        db.session.flush()
        return self.applied(push, m, row)
