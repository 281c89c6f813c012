"""The outcome of one pushed mutation (DESIGN §4 rule 1, docs/sync-protocol.md §3).

Every mutation a device sends ends in exactly one of ``applied``, ``duplicate``, ``merged``,
``conflict``, ``rejected`` (with a code) or, for now, ``held``. The engine, each entity's
applier and the bulk visit path all produce :class:`Outcome` values; they are stored with the
mutation and answered for it, the same on every replay, so their shape is fixed here, apart
from storage and HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.ordering import OrderPlan


@dataclass
class Outcome:
    mutation: dict[str, Any]
    outcome: str
    code: str | None = None
    message: str | None = None
    errors: dict[str, list[str]] | None = None
    version: int | None = None
    record: dict[str, Any] | None = None
    merged_fields: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    missing_photos: list[str] = field(default_factory=list)
    station_id: int | None = None
    #: for a duplicate: the outcome the mutation had when it was first processed
    original: str | None = None
    #: a visit created through the bulk path: recorded on its batch, not in sync_mutation
    bulk: bool = False

    @classmethod
    def stored(cls, mutation: dict[str, Any], outcome: str, result: dict | None) -> Outcome:
        """The outcome a mutation was given, from what :meth:`result` stored (a replay)."""
        made = cls(
            mutation,
            outcome,
            **{k: v for k, v in (result or {}).items() if k in ("code", "message", "errors")},
        )
        made.version = (result or {}).get("version")
        made.merged_fields = (result or {}).get("merged_fields") or []
        made.conflicts = (result or {}).get("conflicts") or []
        made.missing_photos = (result or {}).get("missing_photos") or []
        return made

    def result(self) -> dict[str, Any]:
        """What is stored with the mutation and answered for it (and on every replay)."""
        return {
            "outcome": self.outcome,
            "code": self.code,
            "message": self.message,
            "errors": self.errors,
            "version": self.version,
            "merged_fields": self.merged_fields,
            "conflicts": self.conflicts,
            "missing_photos": self.missing_photos,
        }


def rejected(mutation: dict, code: str, message: str, errors=None) -> Outcome:
    return Outcome(mutation, "rejected", code=code, message=message, errors=errors)


def forbidden(mutation: dict, entity: str, uid: str) -> Outcome:
    """Another station's record: this mutation is refused; its batch-mates and the device's
    later seqs go on (a whole-batch 403 would leave the device a gap it cannot fill)."""
    return rejected(
        mutation,
        "forbidden",
        f"{entity} {uid} belongs to another station; this device may not change it",
    )


def ordering_outcomes(
    plan: OrderPlan, by_id: Mapping[str, dict[str, Any]], outcomes: dict[str, Outcome]
) -> None:
    """Add to ``outcomes`` what the device's order decided without applying anything: seqs
    used before or twice, seqs behind a gap given up (rejected), seqs behind an open gap
    (held). ``by_id``: the batch's fresh mutations by id."""
    for seq, mid in plan.reused:
        outcomes[mid] = rejected(
            by_id[mid],
            "sequence_reused",
            f"seq {seq} was already used by another mutation of this device",
        )
    for seq, mid in plan.stale:
        outcomes[mid] = rejected(
            by_id[mid],
            "stale_sequence",
            f"seq {seq} comes after a gap that was given up; kept in quarantine",
        )
    for _seq, mid in plan.duplicates:
        if mid in by_id and mid not in outcomes:
            outcomes[mid] = rejected(
                by_id[mid], "sequence_reused", "the same seq appears twice in this batch"
            )
    for _seq, mid in plan.hold:
        outcomes[mid] = Outcome(
            by_id[mid], "held", message="waiting for a lower seq of this device"
        )


def decided(
    outcome: Outcome,
    held_by_id: Mapping[str, Any],
    outcomes: dict[str, Outcome],
    decided_held: dict[str, Outcome],
) -> None:
    """File a mutation's outcome: with the batch's own, or with the held ones it released."""
    mid = outcome.mutation["id"]
    if mid in held_by_id:
        decided_held[mid] = outcome
    else:
        outcomes[mid] = outcome


def result_out(o: Outcome) -> dict[str, Any]:
    """One mutation's member of a push's ``results``."""
    m = o.mutation
    return {
        "id": m.get("id"),
        "seq": m.get("seq"),
        "entity": m.get("entity"),
        "record_id": (m.get("record_id") or "").lower(),
        "outcome": o.outcome,
        "original_outcome": o.original,
        "code": o.code,
        "message": o.message,
        "errors": o.errors,
        "version": o.version,
        "record": o.record,
        "merged_fields": o.merged_fields,
        "conflicts": o.conflicts,
        "missing_photos": o.missing_photos,
    }
