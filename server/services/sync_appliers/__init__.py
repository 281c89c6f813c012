"""One applier per entity a device may push, found by the entity's name.

Before, one method per operation chose the entity's code with ``if entity == …``; now each
entity's rules sit in a module of their own, and the push engine
(:mod:`server.services.sync_push`) only looks the applier up. Adding a pushable entity means
writing its applier and listing it here; ``tests/unit/test_sync_appliers.py`` checks that every
entity of :data:`sync.entities.ENTITIES` has one.
"""

from __future__ import annotations

from server.services.sync_appliers.base import Applier
from server.services.sync_appliers.complaint import ComplaintApplier
from server.services.sync_appliers.complaint_event import ComplaintEventApplier
from server.services.sync_appliers.person import PersonApplier
from server.services.sync_appliers.proposal import ProposalApplier
from server.services.sync_appliers.visit import VisitApplier

APPLIERS: dict[str, Applier] = {
    applier.entity: applier
    for applier in (
        VisitApplier(),
        ComplaintApplier(),
        ComplaintEventApplier(),
        PersonApplier(),
        ProposalApplier("enterprise_proposal"),
        ProposalApplier("project_proposal"),
    )
}
