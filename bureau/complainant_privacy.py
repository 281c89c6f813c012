"""Complainant privacy (信访人信息保密): who sees a complainant's name and phone, and which
reads go in the audit log.

The name and phone are shown only to those handling the case:

- the first receiver (首问负责人) and the assignee (责任人), whatever their role;
- officers and station staff bound to the case's station;
- county-level officers for a case at the county desk (no station);
- leaders (county-level, or of the case's station) and auditors, who supervise: **every such
  read is audited** (:func:`read_must_be_audited`, :func:`complainant_read_event`).

Nobody else: not the administrator (who manages accounts, not cases), not the intake desk for
cases it did not take, not an inspector who is not the assignee, and never map layers, public
outputs or pulls to devices not handling the case (:func:`redact`). These are pure functions over
:class:`bureau.access.Actor`; the server decides what to render with them.
"""

from __future__ import annotations

from datetime import datetime

from bureau.access import Actor
from bureau.cases import Case, CaseEvent
from bureau.deadlines import aware

__all__ = [
    "AUDITED_ROLES",
    "COMPLAINANT_FIELDS",
    "withhold_identity",
    "withhold_value",
    "complainant_read_event",
    "handles_case",
    "mask_phone",
    "may_see_complainant",
    "read_must_be_audited",
    "redact",
]

AUDITED_ROLES: tuple[str, ...] = ("leader", "auditor")
"""Roles whose reads of a complainant's identity are written to the audit log."""

_STATION_HANDLERS = ("officer", "station_staff")


def handles_case(actor: Actor, case: Case) -> bool:
    """Whether ``actor`` handles the case: its first receiver, its assignee, an officer or station
    staff of its station, or a county-level officer for a case at the county desk. A device may
    pull the complainant's identity only for cases its account handles."""
    if actor.user_id in (case.received_by, case.assignee_id):
        return True
    if actor.role in _STATION_HANDLERS and actor.station_id is not None:
        return actor.station_id == case.station_id
    return actor.role == "officer" and actor.station_id is None and case.station_id is None


def may_see_complainant(actor: Actor, case: Case) -> bool:
    """Whether ``actor`` may read the complainant's name and phone on ``case``."""
    if handles_case(actor, case):
        return True
    if actor.role == "auditor":
        return True
    if actor.role == "leader":
        return actor.station_id is None or actor.station_id == case.station_id
    return False


def read_must_be_audited(actor: Actor, case: Case) -> bool:
    """Whether ``actor`` reading the complainant's identity must be in the audit log: every
    allowed read by a leader or an auditor (a leader who is also the case's handler included)."""
    return actor.role in AUDITED_ROLES and may_see_complainant(actor, case)


def complainant_read_event(
    actor: Actor, case: Case, now: datetime, purpose: str
) -> CaseEvent | None:
    """The audit entry for ``actor`` reading the complainant's identity, or ``None`` if that read
    need not be audited. ``purpose`` is the why (e.g. ``"supervision list"``)."""
    if not read_must_be_audited(actor, case):
        return None
    return CaseEvent(
        case_id=case.case_id,
        action="complainant_read",
        actor_id=actor.user_id,
        at=aware(now, "now"),
        why=purpose,
        details={"role": actor.role, "station_id": actor.station_id},
    )


def mask_phone(phone: str | None) -> str | None:
    """A phone shown to those who may not read it: ``138****1111`` (first 3, last 4 kept)."""
    if not phone:
        return None
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


#: the fields of a synced complaint (and of its mutations) that say who complained
COMPLAINANT_FIELDS: tuple[str, ...] = ("complainant_name", "complainant_phone")


def withhold_value(field: str, value: object) -> object:
    """One field's value as a review list shows it: a name withheld, a phone masked."""
    if field == "complainant_name":
        return None
    if field == "complainant_phone":
        return mask_phone(value) if isinstance(value, str) else None
    return value


def withhold_identity(fields: object) -> object:
    """A complaint's fields where no case decides who may see its complainant — a rejected or
    held mutation's payload, a conflict or merge under review — with the name withheld and the
    phone masked for everyone: the case page, once there is a case, is where its handlers read
    them (and leaders' reads are audited). Anything that is not a mapping passes unchanged."""
    if not isinstance(fields, dict):
        return fields
    return {name: withhold_value(name, value) for name, value in fields.items()}


def redact(actor: Actor | None, case: Case) -> dict[str, object]:
    """The complainant as ``actor`` may see them; ``None`` for public outputs and map layers.

    Those who may not see get no name, a masked phone and no address; the headcount and whether
    the complaint was anonymous are not personal and always shown.
    """
    person = case.complainant
    visible = actor is not None and may_see_complainant(actor, case)
    return {
        "name": person.name if visible else None,
        "phone": person.phone if visible else (mask_phone(person.phone) if actor else None),
        "address": person.address if visible else None,
        "person_id": person.person_id if visible else None,
        "anonymous": person.anonymous,
        "headcount": person.headcount,
        "visible": visible,
    }
