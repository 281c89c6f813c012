"""Casework for what devices sync: a complaint registered in the field becomes a case, a reply
or follow-up visit synced as a ``complaint_event`` goes through the same rules as at the desk,
and a bare status change is guarded by :func:`bureau.casework.check_status_change`.

Each function runs inside the push's savepoint for one mutation: a broken rule raises its
:class:`~bureau.errors.DomainError`, the push rejects that mutation with the rule's code (kept
in quarantine) and the rest of the batch goes on.
"""

from __future__ import annotations

from datetime import datetime

from bureau.access import Action, Actor, authorize
from bureau.cases import Case, CaseEvent, Complainant
from bureau.casework import (
    ReplyDraft,
    check_status_change,
    follow_up,
    record_reply,
)
from bureau.lifecycle import check_transition
from bureau.vocabulary import REPLY_KINDS
from server.models import Complaint, ComplaintCase
from server.services.casework import (
    CaseIntake,
    append_audit,
    case_clocks,
    load_cases,
    save_step,
)


def device_case_actor(device_actor) -> Actor:
    """The device's user, as the casework rules see an actor."""
    return Actor(
        user_id=device_actor.user_id, role=device_actor.role, station_id=device_actor.station_id
    )


def device_intake(values: dict, location: dict | None, received_at: datetime) -> CaseIntake:
    """What a phone's complaint create registers (through the one intake use case,
    :func:`server.services.casework.register_case`): channel ``outreach`` unless the device said
    otherwise, the first receiver the device's user. The complainant's name and phone, if the
    device sent them, go to the case file only; a complainant who can be reached is owed the
    receipt, so the device says how it was given (``receipt_method``), else the intake rule
    refuses it (``reply_without_channel``)."""
    method = values.get("receipt_method")
    return CaseIntake(
        channel=values.get("channel") or "outreach",
        category=values["category"],
        description=values["description"],
        complainant=Complainant(
            name=values.get("complainant_name"),
            phone=values.get("complainant_phone"),
            headcount=values.get("headcount") or 1,
        ),
        received_at=received_at,
        receipt=ReplyDraft(method=method, text="已登记, 现场告知") if method else None,
        location=location,
        address=values.get("address"),
        source="device",
        raised_in_visit=values.get("visit_id"),
    )


def _case_of(complaint: Complaint) -> tuple[ComplaintCase, Case] | None:
    found = load_cases([Complaint.id == complaint.id])
    return (found[0][1], found[0][2]) if found else None


def apply_device_reply(
    complaint: Complaint, values: dict, occurred_at: datetime, device_actor, now: datetime, seq
) -> None:
    """A reply synced from a device (its ``complaint_event`` row is stored by the push): a
    receipt, notice, progress or result through :func:`record_reply`; a follow-up visit through
    :func:`follow_up` — satisfied closes the case, unsatisfied reopens it with the event's text
    as the reason. Notes are not replies and pass untouched."""
    kind = values["kind"]
    if kind not in REPLY_KINDS:
        return
    loaded = _case_of(complaint)
    if loaded is None:
        return  # a complaint from before casework existed: kept as a plain event
    file, case = loaded
    actor = device_case_actor(device_actor)
    authorize(actor, Action.HANDLE_CASES, station_id=complaint.station_id)
    draft = ReplyDraft(method=values.get("notified_by"), text=values["text"], at=occurred_at)
    if kind == "follow_up":
        step = follow_up(
            case,
            outcome="satisfied" if values.get("satisfied") else "unsatisfied",
            reply=draft,
            actor=actor,
            now=now,
            reason=values["text"],
            clocks=case_clocks(),
        )
    else:
        step = record_reply(case, kind=kind, reply=draft, actor=actor, now=now)
    save_step(
        complaint, file, case, step, device_id=device_actor.device_id, replies_stored=1, seq=seq
    )


def check_device_status(complaint: Complaint, new_status: str) -> tuple[ComplaintCase, Case] | None:
    """Refuse a synced status change the lifecycle does not allow from the case as it stands
    (closing without the result reply and follow-up included); returns the case to log."""
    loaded = _case_of(complaint)
    if loaded is None:
        check_transition(complaint.status, new_status)
        return None
    check_status_change(loaded[1], new_status)
    return loaded


def log_device_status(
    loaded: tuple[ComplaintCase, Case] | None, new_status: str, device_actor, now: datetime
) -> None:
    """The audit entry for a status a device changed (the complaint row is already updated);
    a case marked resolved starts its result-reply clock."""
    if loaded is None or loaded[1].status == new_status:
        return
    file, case = loaded
    if new_status == "resolved":
        file.resolved_at = now
    append_audit(
        [
            CaseEvent(
                case_id=case.case_id,
                action="status_change",
                actor_id=device_actor.user_id,
                at=now,
                why="synced from a device",
                status_before=case.status,
                status_after=new_status,
            )
        ],
        number=case.number,
        device_id=device_actor.device_id,
    )
