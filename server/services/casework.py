"""Casework on the server: a case snapshot loaded from its tables, a bureau rule run on it, the
result written back in the request's transaction.

The rules (:mod:`bureau.casework`, :mod:`bureau.supervision`) are pure: they get a
:class:`~bureau.cases.Case` and ``now`` and return a :class:`~bureau.cases.Step` or raise a
:class:`~bureau.errors.DomainError` before anything is built. This module is the seam:
:func:`load_cases` builds snapshots (in bulk, four queries whatever the number of cases) and
:func:`save_step` writes a step back:

- the desk's case file (:class:`ComplaintCase`) gets the step's values;
- a change of the synced complaint (status, station, closing time) bumps its version and change
  sequence and records its history, so devices pull it in commit order and merge against it;
  a case moved to another station reaches the old station's devices as a removal;
- new replies become synced ``complaint_event`` rows, new leader decisions
  :class:`CaseEscalation` rows;
- every event of the step becomes an :class:`AuditEntry` (append-only).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from bureau.access import Actor
from bureau.cases import Case, CaseEvent, Complainant, Escalation, Extension, Rectification, Reply
from bureau.casework import ReplyDraft, case_number, intake
from bureau.deadlines import Clocks
from bureau.repeat_complainants import ComplaintContact, repeat_complainants
from bureau.vocabulary import REPLY_KINDS
from server.extensions import db
from server.models import (
    AuditEntry,
    CaseEscalation,
    Complaint,
    ComplaintCase,
    ComplaintEvent,
    ComplaintFlag,
    RecordHistory,
    Station,
    SyncCounter,
    SyncTombstone,
    User,
)
from server.services.sequence import SeqAllocator
from server.services.spatial import SpatialSettings, analyse_complaint, spatial_settings
from server.services.station_locator import StationLocator
from server.services.sync_entities import ADAPTERS, point_in

#: the case-file columns that mirror :class:`bureau.cases.Case` fields of the same name
CASE_FILE_FIELDS = (
    "number",
    "source",
    "received_by",
    "classification",
    "acceptance_due",
    "accepted_at",
    "round_started_at",
    "resolution_due",
    "assignee_id",
    "assigned_at",
    "resolved_at",
    "reopened_at",
    "reopen_count",
    "referred_to",
    "enterprise_id",
    "important",
    "bypass",
)

CLOCK_SETTINGS = {
    "acceptance_days": "CASE_ACCEPTANCE_DAYS",
    "resolution_days": "CASE_RESOLUTION_DAYS",
    "max_extension_days": "CASE_MAX_EXTENSION_DAYS",
    "progress_interval_days": "CASE_PROGRESS_INTERVAL_DAYS",
    "follow_up_days": "CASE_FOLLOW_UP_DAYS",
    "verification_days": "CASE_VERIFICATION_DAYS",
    "soon_days": "CASE_SOON_DAYS",
}


def case_clocks() -> Clocks:
    """The casework clocks from the configuration (validated against the lawful maxima once)."""
    clocks = current_app.extensions.get("fieldsync_clocks")
    if clocks is None:
        config = current_app.config["FIELDSYNC"]
        clocks = Clocks(**{name: int(config[key]) for name, key in CLOCK_SETTINGS.items()})
        current_app.extensions["fieldsync_clocks"] = clocks
    return clocks


def county_code() -> str:
    return str(current_app.config["FIELDSYNC"]["COUNTY_CODE"])


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, station_id=user.station_id)


def next_case_sequence(year: int) -> int:
    """The year's next case number. The counter row stays locked until the transaction ends, so
    two app servers never hand out the same number, and a rolled-back intake gives its back."""
    name = f"case_number:{year}"
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    db.session.execute(
        insert(SyncCounter)
        .values(name=name, value=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return db.session.execute(
        sa.update(SyncCounter)
        .where(SyncCounter.name == name)
        .values(value=SyncCounter.value + 1)
        .returning(SyncCounter.value)
    ).scalar_one()


# --- loading -----------------------------------------------------------------------------------


def _time(text: str | None) -> datetime | None:
    """A time kept in a JSON column (written by :func:`_json_ready`, with its UTC offset)."""
    return None if text is None else datetime.fromisoformat(text)


def _extension(data: dict | None) -> Extension | None:
    if not data:
        return None
    return Extension(
        days=data["days"],
        approver_id=data["approver_id"],
        reason=data["reason"],
        granted_at=_time(data["granted_at"]),
        previous_due=_time(data["previous_due"]),
        new_due=_time(data["new_due"]),
    )


def _rectification(data: dict | None) -> Rectification | None:
    if not data:
        return None
    return Rectification(
        enterprise_id=data["enterprise_id"],
        ordered_at=_time(data["ordered_at"]),
        deadline=_time(data["deadline"]),
        verification_due=_time(data["verification_due"]),
        requirement=data["requirement"],
        verified_at=_time(data.get("verified_at")),
        rectified=data.get("rectified"),
    )


def _json_ready(value: object) -> object:
    if value is None:
        return None
    return {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in asdict(value).items()
    }


def load_cases(
    where: Iterable[sa.ColumnElement[bool]] = (), *, all_events: bool = False
) -> list[tuple[Complaint, ComplaintCase, Case]]:
    """Every registered case matching ``where`` (conditions on Complaint/ComplaintCase), with its
    replies, leader decisions, rebound flag and status history, as snapshots the rules read.

    ``all_events`` loads every audit entry of each case; otherwise only those that moved its
    status (all the rules and statistics read), which keeps a county's statistics light.
    """
    query = sa.select(Complaint, ComplaintCase).join(
        ComplaintCase, ComplaintCase.complaint_id == Complaint.id
    )
    for condition in where:
        query = query.where(condition)
    rows = db.session.execute(query.order_by(Complaint.id)).unique().all()
    if not rows:
        return []
    ids = sa.select(ComplaintCase.complaint_id).join(
        Complaint, Complaint.id == ComplaintCase.complaint_id
    )
    for condition in where:
        ids = ids.where(condition)
    replies: dict[int, list[Reply]] = defaultdict(list)
    for event in db.session.execute(
        sa.select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id.in_(ids), ComplaintEvent.kind.in_(tuple(REPLY_KINDS)))
        .order_by(ComplaintEvent.occurred_at, ComplaintEvent.id)
    ).scalars():
        replies[event.complaint_id].append(
            Reply(
                kind=event.kind,
                method=event.notified_by or "",
                text=event.text,
                by=event.author_id or 0,
                at=event.occurred_at,
                satisfied=event.satisfied,
            )
        )
    escalations: dict[int, list[Escalation]] = defaultdict(list)
    for row in db.session.execute(
        sa.select(CaseEscalation)
        .where(CaseEscalation.complaint_id.in_(ids))
        .order_by(CaseEscalation.id)
    ).scalars():
        escalations[row.complaint_id].append(
            Escalation(
                grounds=tuple(row.grounds),
                leader_id=row.leader_id,
                decision=row.decision,
                decided_at=row.decided_at,
            )
        )
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    audit = sa.select(AuditEntry).where(AuditEntry.complaint_id.in_(ids))
    if not all_events:
        audit = audit.where(AuditEntry.status_after.is_not(None))
    for entry in db.session.execute(audit.order_by(AuditEntry.id)).scalars():
        events[entry.complaint_id].append(audit_event(entry))
    rebounds = set(
        db.session.execute(
            sa.select(ComplaintFlag.complaint_id).where(
                ComplaintFlag.complaint_id.in_(ids), ComplaintFlag.code == "rebound"
            )
        ).scalars()
    )
    out = []
    for complaint, file in rows:
        cid = complaint.id
        # timestamps come back zone-aware from UTCDateTime columns, as the rules want them
        case = Case(
            case_id=cid,
            channel=complaint.channel,
            category=complaint.category,
            description=complaint.description,
            complainant=Complainant(
                name=file.complainant_name,
                phone=file.complainant_phone,
                person_id=file.complainant_person_id,
                address=file.complainant_address,
                headcount=file.headcount,
            ),
            received_at=complaint.received_at,
            status=complaint.status,
            station_id=complaint.station_id,
            closed_at=complaint.closed_at,
            extension=_extension(file.extension),
            rectification=_rectification(file.rectification),
            rebound=cid in rebounds,
            replies=tuple(replies.get(cid, ())),
            escalations=tuple(escalations.get(cid, ())),
            events=tuple(events.get(cid, ())),
            # the case file's columns named as the snapshot's fields (save_step writes them back)
            **{name: getattr(file, name) for name in CASE_FILE_FIELDS},
        )
        out.append((complaint, file, case))
    return out


def audit_event(entry: AuditEntry) -> CaseEvent:
    return CaseEvent(
        case_id=entry.complaint_id,
        action=entry.action,
        actor_id=entry.actor_id,
        at=entry.at,
        why=entry.why,
        status_before=entry.status_before,
        status_after=entry.status_after,
        details=dict(entry.details or {}),
    )


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseIntake:
    """What the desk (or the demo loader) registers; vocabulary is checked by the rule."""

    channel: str
    category: str
    description: str
    complainant: Complainant
    received_at: datetime
    receipt: ReplyDraft | None
    location: dict | None = None  # a validated wire Point (WGS-84, original kept)
    address: str | None = None
    important: bool = False
    bypass: bool = False
    reception_day_id: int | None = None
    source: str = "desk"
    raised_in_visit: str | None = None


def intake_station(
    named: int | None, account_station: int | None, location: dict | None, locator
) -> int | None:
    """Where a new complaint goes, whoever registers it: the station named (the desk may name
    one), else the registering account's own station, else the station whose area holds the
    place, else the county desk (``None``)."""
    if named is not None:
        return named
    if account_station is not None:
        return account_station
    if location is not None:
        from shapely.geometry import Point

        return locator.station_for(Point(*location["coordinates"]))
    return None


def register_case(
    actor: Actor,
    data: CaseIntake,
    *,
    station_id: int | None,
    now: datetime,
    locator: StationLocator | None = None,
    record: dict | None = None,
    spatial: SpatialSettings | None = None,
    device_id: int | None = None,
    seq=None,
) -> Complaint:
    """Register a complaint as a case — the one intake use case, for the desk, a phone's push
    and the demo: the synced complaint row, its number, the case file with the first receiver,
    the receipt, the audit entries, then its desk, links and flags.

    ``record``: the synced row's identity when a device chose it (its record id, the sync
    position it was given, the device); the desk's complaint gets a new one. ``device_id`` and
    ``seq``: a device's casework events are attributed to it and take their sync positions from
    the push's allocator. The caller refreshes the rosters (a complainant who came back)."""
    geometry, original = point_in(data.location)
    identity = record or {"uid": str(uuid.uuid4()), "version": 1, "sync_seq": SeqAllocator(1)()}
    complaint = Complaint(
        **identity,
        station_id=station_id,
        channel=str(data.channel),
        category=str(data.category),
        description=data.description,
        status="received",
        location=geometry,
        location_original=original,
        address=data.address,
        received_at=data.received_at,
    )
    db.session.add(complaint)
    db.session.flush()
    open_case(complaint, actor, data, now=now, device_id=device_id, seq=seq)
    if complaint.location is not None:
        analyse_complaint(
            complaint, spatial or spatial_settings(), locator or StationLocator.load()
        )
    return complaint


def open_case(
    complaint: Complaint,
    actor: Actor,
    data: CaseIntake,
    *,
    now: datetime,
    device_id: int | None = None,
    seq=None,
) -> ComplaintCase:
    """Number a stored complaint and open its case file through :func:`bureau.casework.intake`:
    the first receiver, the receipt if given, the audit entries."""
    year = data.received_at.astimezone(UTC).year
    number = case_number(year, county_code(), next_case_sequence(year))
    step = intake(
        case_id=complaint.id,
        number=number,
        channel=data.channel,
        category=data.category,
        description=data.description,
        complainant=data.complainant,
        received_at=data.received_at,
        receiver=actor,
        now=now,
        receipt=data.receipt,
        source=data.source,
        station_id=complaint.station_id,
        important=data.important,
        bypass=data.bypass,
        clocks=case_clocks(),
    )
    complaint.channel = step.case.channel
    complaint.category = step.case.category
    file = ComplaintCase(
        complaint_id=complaint.id,
        number=number,
        source=data.source,
        received_by=actor.user_id,
        reception_day_id=data.reception_day_id,
        raised_in_visit=data.raised_in_visit,
    )
    db.session.add(file)
    empty = replace(step.case, replies=(), escalations=(), events=())
    save_step(complaint, file, empty, step, device_id=device_id, now=now, seq=seq)
    return file


# --- saving ------------------------------------------------------------------------------------


def save_step(
    complaint: Complaint,
    file: ComplaintCase,
    before: Case,
    step,
    *,
    device_id: int | None = None,
    replies_stored: int = 0,
    now: datetime | None = None,
    seq=None,
) -> None:
    """Write ``step`` (taken from ``before``) back to the complaint, its case file and the logs.

    ``replies_stored`` is how many of the step's new replies already exist as rows (a reply a
    device synced is its own ``complaint_event``); the others are inserted here. ``seq`` hands
    out change-sequence values (a push passes its own, taken outside its savepoints).
    """
    after: Case = step.case
    for name in CASE_FILE_FIELDS:
        setattr(file, name, getattr(after, name))
    file.complainant_name = after.complainant.name
    file.complainant_phone = after.complainant.phone
    file.complainant_address = after.complainant.address
    file.complainant_person_id = after.complainant.person_id
    file.headcount = after.complainant.headcount
    file.extension = _json_ready(after.extension)
    file.rectification = _json_ready(after.rectification)

    if seq is None:
        seq = SeqAllocator(4)
    moved_from = complaint.station_id
    changed = (
        complaint.status != after.status
        or complaint.station_id != after.station_id
        or complaint.closed_at != after.closed_at
    )
    if changed:
        if moved_from is not None and moved_from != after.station_id:
            _leave_station(complaint, moved_from, after.station_id, seq)
        complaint.status = after.status
        complaint.station_id = after.station_id
        complaint.closed_at = after.closed_at
        complaint.version += 1
        complaint.sync_seq = seq()
        # The casework rule decided this change, not the device whose reply led to it: every
        # device in scope, that one included, must pull it, and merge against it as another's.
        complaint.origin_device_id = None
        db.session.flush()
        adapter = ADAPTERS["complaint"]
        db.session.add(
            RecordHistory(
                entity="complaint",
                record_uid=complaint.uid,
                version=complaint.version,
                fields=adapter.merge_fields(adapter.to_wire(complaint)),
                device_id=None,
            )
        )

    new_replies = after.replies[len(before.replies) :]
    stamp = now or datetime.now(UTC)
    for reply in new_replies[replies_stored:]:
        db.session.add(
            ComplaintEvent(
                uid=str(uuid.uuid4()),
                version=1,
                sync_seq=seq(),
                origin_device_id=None,  # the server's record of it: every device pulls it
                station_id=after.station_id,
                complaint_id=complaint.id,
                kind=reply.kind,
                text=reply.text,
                notified_by=reply.method,
                satisfied=reply.satisfied,
                occurred_at=reply.at,
                author_id=reply.by,
                received_at=stamp,
            )
        )
    for escalation in after.escalations[len(before.escalations) :]:
        db.session.add(
            CaseEscalation(
                complaint_id=complaint.id,
                grounds=list(escalation.grounds),
                leader_id=escalation.leader_id,
                decision=escalation.decision,
                decided_at=escalation.decided_at,
            )
        )
    append_audit(step.events, number=after.number, device_id=device_id)
    db.session.flush()


def _leave_station(complaint: Complaint, old: int, new: int | None, seq) -> None:
    """A case moved to another station takes its replies along: the old station's devices are
    told to drop the complaint and its events (tombstones), the new one's pull them."""
    events = list(
        db.session.execute(
            sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
        ).scalars()
    )
    for entity, uid in [("complaint", complaint.uid)] + [
        ("complaint_event", e.uid) for e in events
    ]:
        db.session.add(
            SyncTombstone(
                sync_seq=seq(), entity=entity, record_uid=uid, station_id=old, reason="left_scope"
            )
        )
    for event in events:
        event.station_id = new
        event.sync_seq = seq()
        event.origin_device_id = None


def append_audit(
    events: Iterable[CaseEvent], *, number: str | None, device_id: int | None = None
) -> None:
    for event in events:
        db.session.add(
            AuditEntry(
                complaint_id=int(event.case_id) if event.case_id is not None else None,
                case_number=number,
                actor_id=event.actor_id,
                action=event.action,
                at=event.at,
                why=event.why or "",
                status_before=event.status_before,
                status_after=event.status_after,
                details=dict(event.details),
                device_id=device_id,
            )
        )


def station_codes() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Station.id, Station.code)).all())


def record_link_decision(complaint: Complaint, link, enterprise, actor: Actor) -> None:
    """An officer confirmed or rejected a suggested enterprise: in the case's audit log."""
    number = db.session.execute(
        sa.select(ComplaintCase.number).where(ComplaintCase.complaint_id == complaint.id)
    ).scalar()
    append_audit(
        [
            CaseEvent(
                case_id=complaint.id,
                action=f"link_{link.status}",
                actor_id=actor.user_id,
                at=link.decided_at,
                why=f"{enterprise.name} ({enterprise.credit_code})",
                details={"enterprise_id": enterprise.id, "rank": link.rank},
            )
        ],
        number=number,
    )


def repeat_complainants_now(now: datetime, station_id: int | None = None, *, scoped: bool = False):
    """Complainants who came back (same phone or person across cases within the window), from
    the case files; for the must-visit rosters and the desk. ``scoped``: only cases of
    ``station_id`` (``None`` = the county desk)."""
    query = sa.select(
        ComplaintCase.complaint_id,
        ComplaintCase.complainant_phone,
        ComplaintCase.complainant_person_id,
        Complaint.received_at,
        Complaint.station_id,
    ).join(Complaint, Complaint.id == ComplaintCase.complaint_id)
    if scoped:
        column = Complaint.station_id
        query = query.where(column.is_(None) if station_id is None else column == station_id)
    contacts = [
        ComplaintContact(
            case_id=row.complaint_id,
            phone=row.complainant_phone,
            person_id=row.complainant_person_id,
            received_at=row.received_at,
        )
        for row in db.session.execute(query)
    ]
    return repeat_complainants(contacts, now=now)
