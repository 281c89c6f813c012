"""Case files as the casework views find, scope and render them: a case by id or number, the
cases an account may list, a case's summary and its full file with the complainant redacted.

Shared by the casework views and the supervision views (:mod:`server.api.cases`,
:mod:`server.api.supervision`); no blueprint of its own.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from bureau.access import Action, Actor, authorize
from bureau.cases import Case
from bureau.complainant_privacy import complainant_read_event, redact
from bureau.deadlines import open_deadlines, reply_compliance
from bureau.errors import NotFound
from server.api.common import station_id_for_code
from server.auth import current_actor
from server.models import Complaint, ComplaintCase
from server.models.base import utcnow
from server.services.casework import append_audit, case_clocks, load_cases
from server.services.sync_wire import wire_point

COUNTY = "county"
_UID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


# --- lookups -----------------------------------------------------------------------------------


def station_filter(code: str | None) -> int | None:
    """A station code, or ``county`` for the county desk (no station)."""
    if code is None or code == COUNTY:
        return None
    return station_id_for_code(code)


def case_scope(args: dict) -> list[sa.ColumnElement[bool]]:
    """Conditions for the cases of the station asked (``county``: the county desk), or of the
    account's own station, or none for a county account; after checking it may read them."""
    actor = current_actor()
    if "station" in args:
        station_id, chosen = station_filter(args["station"]), True
    else:
        station_id, chosen = actor.station_id, actor.station_id is not None
    authorize(actor, Action.READ_CASES, station_id=station_id)
    if not chosen:
        return []
    column = Complaint.station_id
    return [column.is_(None) if station_id is None else column == station_id]


def find_case(ref: str) -> tuple[Complaint, ComplaintCase, Case]:
    """A case by its complaint's record id (uid) or its case number."""
    ref = ref.strip()
    condition = Complaint.uid == ref.lower() if _UID.match(ref) else ComplaintCase.number == ref
    found = load_cases([condition], all_events=True)
    if not found:
        raise NotFound(f"No case has the id or number {ref}.")
    return found[0]


# --- rendering ---------------------------------------------------------------------------------


def deadlines_out(case: Case, now) -> list[dict]:
    return [
        {"kind": kind, "due": due, "overdue": due < now}
        for kind, due in open_deadlines(case, case_clocks()).items()
    ]


def case_summary(complaint: Complaint, case: Case, now) -> dict:
    return {
        "id": complaint.uid,
        "number": case.number,
        "status": case.status,
        "channel": case.channel,
        "category": case.category,
        "station_id": case.station_id,
        "received_at": case.received_at,
        "received_by": case.received_by,
        "assignee_id": case.assignee_id,
        "accountable_id": case.accountable_id,
        "resolution_due": case.resolution_due,
        "deadlines": deadlines_out(case, now),
    }


def case_out(complaint: Complaint, file: ComplaintCase, case: Case, actor: Actor) -> dict:
    """The case file as ``actor`` may see it; a leader's or auditor's sight of the
    complainant's identity is written to the audit log (committed with the request)."""
    now = utcnow()
    read = complainant_read_event(actor, case, now, "case file")
    if read is not None:
        append_audit([read], number=case.number)
    return {
        **case_summary(complaint, case, now),
        "description": case.description,
        "address": complaint.address,
        "location": wire_point(complaint.location) if complaint.location is not None else None,
        "desk": complaint.desk,
        "source": case.source,
        "classification": case.classification,
        "acceptance_due": case.acceptance_due,
        "accepted_at": case.accepted_at,
        "assigned_at": case.assigned_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "reopened_at": case.reopened_at,
        "reopen_count": case.reopen_count,
        "referred_to": case.referred_to,
        "enterprise_id": case.enterprise_id,
        "important": case.important,
        "bypass": case.bypass,
        "collective": case.collective,
        "rebound": case.rebound,
        "extension": file.extension,
        "rectification": file.rectification,
        "escalations": [
            {
                "grounds": list(e.grounds),
                "leader_id": e.leader_id,
                "decision": e.decision,
                "decided_at": e.decided_at.isoformat(),
            }
            for e in case.escalations
        ],
        "replies": list(case.replies),
        "reply_compliance": reply_compliance(case, now, case_clocks()),
        "complainant": redact(actor, case),
        "reception_day_id": file.reception_day_id,
        "raised_in_visit": file.raised_in_visit,
    }
