"""Casework endpoints: intake, the lifecycle steps, case files and the audit log.

Each step loads the case, asks :mod:`bureau.access` whether the account may handle it, runs the
bureau's rule with the server's clock and writes the step back in one transaction
(:func:`server.services.casework.save_step`). A refused step answers 409/422 with the rule's
code and changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from bureau.access import Action, allowed, authorize
from bureau.cases import Complainant
from bureau.casework import (
    ReplyDraft,
    assign,
    classify,
    close,
    extend,
    follow_up,
    record_reply,
    reopen,
    resolve,
    verify_rectification,
)
from bureau.complainant_privacy import (
    complainant_read_event,
    mask_phone,
    may_see_complainant,
)
from bureau.errors import InvalidInput
from bureau.supervision import record_escalation
from bureau.vocabulary import COMPLAINT_CATEGORIES, require_choice
from schemas.cases import (
    AssignIn,
    AuditArgs,
    AuditPage,
    CaseListArgs,
    CaseOut,
    CasePage,
    ClassifyIn,
    CloseIn,
    CorrectionIn,
    EscalationIn,
    ExtendIn,
    FollowUpIn,
    IntakeIn,
    ReopenIn,
    RepeatArgs,
    RepeatPage,
    ReplyStepIn,
    ResolveCaseIn,
    VerificationIn,
)
from server.api.case_files import case_out, case_scope, case_summary, find_case, station_filter
from server.api.common import protected_blueprint, user_named, usernames
from server.api.paging import paginate, paginate_list
from server.auth import current_actor
from server.extensions import db
from server.models import (
    AuditEntry,
    Complaint,
    ComplaintCase,
    Person,
    ReceptionDay,
)
from server.models.base import utcnow
from server.services.casework import (
    CaseIntake,
    actor_of,
    append_audit,
    case_clocks,
    intake_station,
    load_cases,
    register_case,
    repeat_complainants_now,
    save_step,
)
from server.services.complaint_correction import correct_complaint
from server.services.outreach import refresh_current_rosters
from server.services.station_locator import StationLocator
from server.settings import service_area
from sync.entities import Context, FieldProblem, point

URL = ""
blp = protected_blueprint(
    "cases", __name__, "Casework: intake, the five replies, supervision", errors=(403,)
)


def draft(data: dict | None) -> ReplyDraft | None:
    if data is None:
        return None
    return ReplyDraft(method=data.get("method"), text=data.get("text") or "", at=data.get("at"))


def run_step(ref: str, rule, action: Action = Action.HANDLE_CASES) -> dict:
    """Load the case, check the account may do ``action`` on it (handle it, by default), apply
    ``rule(case, actor, now)``, save."""
    complaint, file, case = find_case(ref)
    actor = current_actor()
    authorize(actor, action, station_id=complaint.station_id)
    step = rule(case, actor, utcnow())
    save_step(complaint, file, case, step)
    out = case_out(complaint, file, step.case, actor)
    db.session.flush()
    return out


# --- intake ------------------------------------------------------------------------------------


def _location(value: dict | None) -> dict | None:
    if value is None:
        return None
    try:
        return point(value, Context(service_area=service_area()))
    except FieldProblem as problem:
        raise InvalidInput(f"location: {problem}", errors={"location": [str(problem)]}) from None


def _person_id(ref: str | None) -> int | None:
    if ref is None:
        return None
    person_id = db.session.execute(sa.select(Person.id).where(Person.ref == ref)).scalar()
    if person_id is None:
        raise InvalidInput(
            f"No must-visit person has the ref {ref!r}.",
            errors={"complainant.person_ref": ["unknown person"]},
        )
    return person_id


@blp.route("/cases")
class Cases(MethodView):
    @blp.arguments(CaseListArgs, location="query")
    @blp.response(200, CasePage)
    def get(self, args):
        """Cases, newest first: of one station (or ``county``), status or responsible officer.
        Station accounts see their station's. No complainant data in lists."""
        query = sa.select(Complaint).join(ComplaintCase, ComplaintCase.complaint_id == Complaint.id)
        query = query.where(*case_scope(args))
        if "status" in args:
            query = query.where(Complaint.status == args["status"])
        if "assignee" in args:
            query = query.where(
                ComplaintCase.assignee_id == user_named(args["assignee"], "assignee").id
            )
        rows, page = paginate(
            query.order_by(Complaint.received_at.desc(), Complaint.id.desc()),
            page=args["page"],
            size=args["page_size"],
        )
        cases = {
            c.id: (c, case) for c, _f, case in load_cases([Complaint.id.in_([r.id for r in rows])])
        }
        now = utcnow()
        return {
            "items": [case_summary(*cases[r.id], now) for r in rows if r.id in cases],
            "page": page,
        }

    @blp.arguments(IntakeIn)
    @blp.response(201, CaseOut)
    def post(self, data):
        """Register a complaint from any channel: a case number and the receipt (回执) at once,
        routed to the station whose area holds it, linked to nearby enterprises and flagged."""
        actor = current_actor()
        now = utcnow()
        location = _location(data["location"])
        locator = StationLocator.load()
        named = station_filter(data["station"]) if data["station"] is not None else None
        station_id = intake_station(named, actor.station_id, location, locator)
        authorize(actor, Action.HANDLE_CASES, station_id=station_id)
        if data["reception_day_id"] is not None and not db.session.get(
            ReceptionDay, data["reception_day_id"]
        ):
            raise InvalidInput(
                "No reception day has that id.", errors={"reception_day_id": ["unknown"]}
            )
        person = data["complainant"]
        complainant = Complainant(
            name=person.get("name"),
            phone=person.get("phone"),
            address=person.get("address"),
            person_id=_person_id(person.get("person_ref")),
            headcount=person.get("headcount", 1),
        )
        complaint = register_case(
            actor,
            CaseIntake(
                channel=data["channel"],
                category=data["category"],
                description=data["description"],
                complainant=complainant,
                received_at=data["received_at"] or now,
                receipt=draft(data["receipt"]),
                location=location,
                address=data["address"],
                important=data["important"],
                bypass=data["bypass"],
                reception_day_id=data["reception_day_id"],
            ),
            station_id=station_id,
            now=now,
            locator=locator,
        )
        refresh_current_rosters()  # a complainant who came back joins the must-visit roster
        _complaint, file, case = find_case(complaint.uid)
        out = case_out(complaint, file, case, actor)
        db.session.flush()
        return out


@blp.get("/cases/repeat-complainants")
@blp.arguments(RepeatArgs, location="query")
@blp.response(200, RepeatPage)
def repeat_complainants(args):
    """Complainants who keep coming back (重复信访人): the same phone or person in two or more
    cases within a year, most cases first; for the must-visit roster. Phones are shown to those
    who handle every one of the cases (a leader's or auditor's sight is audited), else masked."""
    actor = current_actor()
    scoped = "station" in args or actor.station_id is not None
    station_id = station_filter(args["station"]) if "station" in args else actor.station_id
    authorize(actor, Action.READ_CASES, station_id=station_id)
    now = utcnow()
    found = repeat_complainants_now(now, station_id, scoped=scoped)
    rows, page = paginate_list(found, page=args["page"], size=args["page_size"])
    ids = sorted({cid for r in rows for cid in r.case_ids})
    cases = {case.case_id: case for _c, _f, case in load_cases([Complaint.id.in_(ids)])}
    items = []
    for repeat in rows:
        own = [cases[cid] for cid in repeat.case_ids if cid in cases]
        visible = all(may_see_complainant(actor, case) for case in own)
        if visible:
            for case in own:
                read = complainant_read_event(actor, case, now, "repeat complainants list")
                if read is not None:
                    append_audit([read], number=case.number)
        items.append(
            {
                "key": repeat.key if visible or repeat.key.startswith("person:") else "phone:***",
                "case_count": len(repeat.case_ids),
                "cases": [case.number for case in own],
                "first_at": repeat.first_at,
                "last_at": repeat.last_at,
                "phones": [p if visible else mask_phone(p) for p in repeat.phones],
                "person_ids": list(repeat.person_ids),
            }
        )
    db.session.flush()
    return {"items": items, "page": page}


@blp.patch("/cases/<ref>")
@blp.arguments(CorrectionIn)
@blp.response(200, CaseOut)
def correct(data, ref: str):
    """Correct a complaint's location, address or category, saying why: a new version phones
    pull, the desk, suggested enterprises and flags worked out again, an audit entry."""
    complaint, file, case = find_case(ref)
    actor = current_actor()
    changes = {name: data[name] for name in ("location", "address", "category") if name in data}
    if "category" in changes:
        require_choice(changes["category"], COMPLAINT_CATEGORIES, "category")
    if "location" in changes:
        changes["location"] = _location(changes["location"])
    correct_complaint(actor, complaint, case.number, changes, data["why"], utcnow())
    complaint, file, case = find_case(complaint.uid)
    out = case_out(complaint, file, case, actor)
    db.session.flush()
    return out


@blp.get("/cases/<ref>")
@blp.response(200, CaseOut)
def case_file(ref: str):
    """A case file by record id or case number: the complainant's identity only for those who
    handle the case (leaders' and auditors' reads are audited), deadlines, replies, decisions."""
    complaint, file, case = find_case(ref)
    actor = current_actor()
    authorize(actor, Action.READ_CASES, station_id=complaint.station_id)
    out = case_out(complaint, file, case, actor)
    db.session.flush()
    return out


# --- the lifecycle steps -----------------------------------------------------------------------


@blp.post("/cases/<ref>/classify")
@blp.arguments(ClassifyIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def classify_case(data, ref: str):
    """Decide what the complaint is (定性): accepted with the acceptance notice (回告), not
    accepted with a reason or the proper channel, or referred to the competent department."""
    return run_step(
        ref,
        lambda case, actor, now: classify(
            case,
            classification=data["classification"],
            actor=actor,
            now=now,
            notice=draft(data["notice"]),
            reason=data["reason"],
            proper_channel=data["proper_channel"],
            referred_to=data["referred_to"],
            clocks=case_clocks(),
        ),
    )


@blp.post("/cases/<ref>/assign")
@blp.arguments(AssignIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def assign_case(data, ref: str):
    """Give the case to a station and a responsible officer (责任人), optionally with an earlier
    deadline than the lawful one."""
    assignee = user_named(data["assignee"], "assignee")

    def rule(case, actor, now):
        station_id = station_filter(data["station"]) if "station" in data else case.station_id
        authorize(actor, Action.HANDLE_CASES, station_id=station_id)
        if not allowed(actor_of(assignee), Action.HANDLE_CASES, station_id=station_id):
            where = "the county desk" if station_id is None else f"station {station_id}"
            raise InvalidInput(
                f"{assignee.username} ({assignee.role}) cannot handle cases of {where}.",
                errors={"assignee": ["cannot handle cases of that station"]},
            )
        return assign(
            case,
            station_id=station_id,
            assignee_id=assignee.id,
            actor=actor,
            now=now,
            deadline=data["deadline"],
            clocks=case_clocks(),
        )

    return run_step(ref, rule)


@blp.post("/cases/<ref>/extend")
@blp.arguments(ExtendIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def extend_case(data, ref: str):
    """The one extension (延期) of at most 30 days, approved by a leader, asked in time."""
    approver = user_named(data["approver"], "approver")
    return run_step(
        ref,
        lambda case, actor, now: extend(
            case,
            days=data["days"],
            approver=actor_of(approver),
            reason=data["reason"],
            actor=actor,
            now=now,
            clocks=case_clocks(),
        ),
    )


@blp.post("/cases/<ref>/replies")
@blp.arguments(ReplyStepIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def reply_to_complainant(data, ref: str):
    """A reply to the complainant: receipt, acceptance notice, progress (回音) or result (回复),
    with how they were told. The follow-up visit is ``/follow-up``."""
    return run_step(
        ref,
        lambda case, actor, now: record_reply(
            case, kind=data["kind"], reply=draft(data), actor=actor, now=now
        ),
    )


@blp.post("/cases/<ref>/resolve")
@blp.arguments(ResolveCaseIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def resolve_case(data, ref: str):
    """Finish the investigation (办结) with the findings, and the result reply if given now."""
    return run_step(
        ref,
        lambda case, actor, now: resolve(
            case,
            actor=actor,
            now=now,
            findings=data["findings"],
            result=draft(data["result"]),
            enterprise_id=data["enterprise_id"],
        ),
    )


@blp.post("/cases/<ref>/follow-up")
@blp.arguments(FollowUpIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def follow_up_case(data, ref: str):
    """The follow-up visit (回访): satisfied → closed; unsatisfied → reopened; a polluting
    enterprise → a rectification order with a verification visit scheduled."""
    return run_step(
        ref,
        lambda case, actor, now: follow_up(
            case,
            outcome=data["outcome"],
            reply=draft(data["reply"]),
            actor=actor,
            now=now,
            reason=data["reason"],
            enterprise_id=data["enterprise_id"],
            rectification_deadline=data["rectification_deadline"],
            requirement=data["requirement"],
            clocks=case_clocks(),
        ),
    )


@blp.post("/cases/<ref>/verification")
@blp.arguments(VerificationIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def verify_case(data, ref: str):
    """The verification visit of a rectification order: rectified → closed, else handled again."""
    return run_step(
        ref,
        lambda case, actor, now: verify_rectification(
            case,
            rectified=data["rectified"],
            findings=data["findings"],
            actor=actor,
            now=now,
            clocks=case_clocks(),
        ),
    )


@blp.post("/cases/<ref>/close")
@blp.arguments(CloseIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def close_case(data, ref: str):
    """Close the case (结案): only with its result reply and follow-up (or verification)."""
    return run_step(
        ref, lambda case, actor, now: close(case, actor=actor, now=now, why=data["why"])
    )


@blp.post("/cases/<ref>/reopen")
@blp.arguments(ReopenIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def reopen_case(data, ref: str):
    """Reopen a closed case (重新处理) with a reason: a new 60-day round starts."""
    return run_step(
        ref,
        lambda case, actor, now: reopen(
            case, reason=data["reason"], actor=actor, now=now, clocks=case_clocks()
        ),
    )


@blp.post("/cases/<ref>/escalations")
@blp.arguments(EscalationIn)
@blp.response(200, CaseOut)
@blp.errors(409)
def decide_escalation(data, ref: str):
    """A leader's decision (领导批示) on a case escalated as overdue, important, collective or
    bypass; without ``grounds``, the case's grounds now."""
    return run_step(
        ref,
        lambda case, actor, now: record_escalation(
            case,
            leader=actor,
            decision=data["decision"],
            now=now,
            grounds=data["grounds"],
            clocks=case_clocks(),
        ),
        Action.DECIDE_ESCALATIONS,
    )


# --- the audit log -----------------------------------------------------------------------------


def audit_page(query: sa.Select, args: dict) -> dict:
    rows, page = paginate(query.order_by(AuditEntry.id), page=args["page"], size=args["page_size"])
    names = usernames(r.actor_id for r in rows)
    uids = dict(
        db.session.execute(
            sa.select(Complaint.id, Complaint.uid).where(
                Complaint.id.in_({r.complaint_id for r in rows if r.complaint_id is not None})
            )
        ).all()
    )
    return {
        "items": [
            {
                "id": r.id,
                "case_id": uids.get(r.complaint_id),
                "case_number": r.case_number,
                "actor_id": r.actor_id,
                "actor": names.get(r.actor_id),
                "action": r.action,
                "at": r.at,
                "why": r.why,
                "status_before": r.status_before,
                "status_after": r.status_after,
                "details": r.details,
                "device_id": r.device_id,
            }
            for r in rows
        ],
        "page": page,
    }


@blp.get("/cases/<ref>/audit")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPage)
def case_audit(args, ref: str):
    """Everything done on one case, in the order it was done: who, what, when, why."""
    complaint, _file, _case = find_case(ref)
    authorize(current_actor(), Action.READ_AUDIT, station_id=complaint.station_id)
    query = sa.select(AuditEntry).where(AuditEntry.complaint_id == complaint.id)
    if "action" in args:
        query = query.where(AuditEntry.action == args["action"])
    return audit_page(query, args)


@blp.get("/audit")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPage)
def audit_log(args):
    """The audit log, oldest first: everything one person did (``actor``), or one kind of
    action. A station's leader or auditor sees the entries on that station's cases."""
    actor = current_actor()
    authorize(actor, Action.READ_AUDIT, station_id=actor.station_id)
    query = sa.select(AuditEntry)
    if actor.station_id is not None:
        query = query.where(
            AuditEntry.complaint_id.in_(
                sa.select(Complaint.id).where(Complaint.station_id == actor.station_id)
            )
        )
    if "actor" in args:
        query = query.where(AuditEntry.actor_id == user_named(args["actor"], "actor").id)
    if "action" in args:
        query = query.where(AuditEntry.action == args["action"])
    return audit_page(query, args)
