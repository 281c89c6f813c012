"""Every entity a device may push has an applier, and only those (server.services.sync_appliers).

The push engine looks appliers up by entity name once a mutation passed
:func:`sync.admission.admit`; an entity admitted without an applier would fail the push.
"""

from __future__ import annotations

from server.services.sync_appliers import APPLIERS
from sync.entities import ENTITIES, PULL_ONLY


def test_every_pushable_entity_has_its_applier() -> None:
    pushable = {name for name, spec in ENTITIES.items() if spec.operations}
    assert set(APPLIERS) == pushable
    for name, applier in APPLIERS.items():
        assert applier.entity == name


def test_pull_only_entities_have_none() -> None:
    assert not set(APPLIERS) & set(PULL_ONLY)
