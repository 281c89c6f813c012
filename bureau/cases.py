"""A complaint case (信访件) as plain, immutable values: the snapshot the casework rules read.

The server loads a :class:`Case` from its tables, hands it to a rule in :mod:`bureau.casework`
with the current time, and gets back a :class:`Step`: the new snapshot and the events the step
implies, to be appended to the case's event log (append-only) and the audit log. Nothing here
mutates: every rule returns a new :class:`Case` built with :func:`dataclasses.replace`.

Every timestamp is a timezone-aware ``datetime`` (UTC on the wire, DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

__all__ = [
    "Case",
    "CaseEvent",
    "Complainant",
    "Escalation",
    "Extension",
    "Rectification",
    "Reply",
    "Step",
]

_EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True)
class Complainant:
    """Who complained. Anonymous complaints are allowed: every field may be empty.

    ``headcount`` is how many people raised it together; five or more make it collective
    (集体访). ``person_id`` is the must-visit/person record when the complainant is known.
    """

    name: str | None = None
    phone: str | None = None
    person_id: int | str | None = None
    address: str | None = None
    headcount: int = 1

    @property
    def anonymous(self) -> bool:
        """No name and no known person: the complainant did not say who they are."""
        return not (self.name and self.name.strip()) and self.person_id is None

    @property
    def contactable(self) -> bool:
        """Whether replies can reach the complainant (a phone, an address or a known person)."""
        has_phone = bool(self.phone and self.phone.strip())
        has_address = bool(self.address and self.address.strip())
        return has_phone or has_address or self.person_id is not None


@dataclass(frozen=True)
class Reply:
    """One of the five replies (五回): who told the complainant what, when and how.

    ``satisfied`` is the complainant's answer at a follow-up visit, else ``None``.
    """

    kind: str
    method: str
    text: str
    by: int
    at: datetime
    satisfied: bool | None = None


@dataclass(frozen=True)
class Extension:
    """The one extension (延期) a case may have: days added, who approved it, when and why."""

    days: int
    approver_id: int
    reason: str
    granted_at: datetime
    previous_due: datetime
    new_due: datetime


@dataclass(frozen=True)
class Rectification:
    """A rectification order (限期整改) and the verification visit it schedules."""

    enterprise_id: int | str
    ordered_at: datetime
    deadline: datetime
    verification_due: datetime
    requirement: str
    verified_at: datetime | None = None
    rectified: bool | None = None


@dataclass(frozen=True)
class Escalation:
    """A case put before a leader (督办/领导批示), and what the leader decided."""

    grounds: tuple[str, ...]
    leader_id: int
    decision: str
    decided_at: datetime


@dataclass(frozen=True)
class CaseEvent:
    """One append-only audit entry: who (``actor_id``) did what (``action``) when (``at``), why.

    ``status_before``/``status_after`` are set when the step moved the status. ``details`` holds
    what the step decided (deadline, station, reply method…) as plain JSON-ready values.
    """

    case_id: int | str
    action: str
    actor_id: int
    at: datetime
    why: str = ""
    status_before: str | None = None
    status_after: str | None = None
    details: Mapping[str, object] = field(default_factory=lambda: _EMPTY, hash=False)


@dataclass(frozen=True)
class Case:
    """A complaint case as the rules see it; see :func:`bureau.casework.intake` for a new one.

    ``received_by`` is the first receiver (首问负责人), accountable until ``assignee_id`` takes
    over (:attr:`accountable_id`). ``acceptance_due`` and ``resolution_due`` are the clocks'
    deadlines, the latter shortened by an assignment deadline or lengthened by the extension;
    it runs from ``round_started_at``: the acceptance, a reopening, or a failed verification.
    ``rebound`` is set by the caller from :func:`bureau.complaint_flags.rebound_flags`.
    """

    case_id: int | str
    number: str
    channel: str
    category: str
    description: str
    complainant: Complainant
    received_at: datetime
    received_by: int
    status: str = "received"
    source: str = "desk"
    station_id: int | None = None
    acceptance_due: datetime | None = None
    classification: str | None = None
    accepted_at: datetime | None = None
    round_started_at: datetime | None = None
    resolution_due: datetime | None = None
    assignee_id: int | None = None
    assigned_at: datetime | None = None
    extension: Extension | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0
    referred_to: str | None = None
    enterprise_id: int | str | None = None
    rectification: Rectification | None = None
    important: bool = False
    bypass: bool = False
    rebound: bool = False
    replies: tuple[Reply, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    events: tuple[CaseEvent, ...] = ()

    @property
    def accountable_id(self) -> int:
        """Who answers for the case now: the assignee, or until there is one the first receiver."""
        return self.assignee_id if self.assignee_id is not None else self.received_by

    @property
    def collective(self) -> bool:
        """Raised by five or more people together (集体访)."""
        return self.complainant.headcount >= 5

    def replies_of(self, kind: str, *, since: datetime | None = None) -> tuple[Reply, ...]:
        """The replies of ``kind`` in the order given, only those at or after ``since`` if set."""
        return tuple(r for r in self.replies if r.kind == kind and (since is None or r.at >= since))


@dataclass(frozen=True)
class Step:
    """What a rule decided: the case after the step and the events to append, in order."""

    case: Case
    events: tuple[CaseEvent, ...]
