"""Outreach on the server: rosters computed from the registry, casework and the spatial core
(rules in :mod:`bureau.outreach`), split among the inspectors, synced to their phones, marked by
the visits made for them; the review of visits; coverage.

Rosters of the rounds under way are recomputed whenever what they are made of changes — a
registry write, a case registered — in the same transaction (:func:`refresh_current_rosters`),
and on demand. Recomputing never duplicates an entry (one per round and subject) and never
loses a visit already made (a visited entry stays visited).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import date, datetime

import sqlalchemy as sa

from bureau.complainant_privacy import mask_phone
from bureau.outreach import (
    CoverageEntry,
    EnterpriseFact,
    EntryState,
    PersonFact,
    RepeatFact,
    ResidentFact,
    RosterCandidate,
    Round,
    coverage,
    plan_roster,
    roster_candidates,
    split_shortlists,
)
from server.extensions import db
from server.models import (
    Complaint,
    ComplaintCase,
    Enterprise,
    OutreachRound,
    Person,
    RosterEntry,
    User,
    Visit,
    VisitFlag,
    VisitReview,
)
from server.models.base import utcnow
from server.services.casework import repeat_complainants_now
from server.services.sequence import SeqAllocator
from server.services.spatial import residents_near_new_projects, spatial_settings

#: must-visit categories the registry itself holds (the others are computed)
REGISTRY_CATEGORIES = ("deputy", "conduct_supervisor", "enterprise_head")


def mark_visited(entry: RosterEntry, visit: Visit, seq) -> None:
    """A visit synced for a roster entry marks it visited (the first such visit counts); the
    change reaches every phone of the station, the sender's included."""
    if entry.status == "visited":
        return
    entry.status = "visited"
    entry.visit_id = visit.id
    entry.version += 1
    entry.sync_seq = seq()
    entry.origin_device_id = None
    entry.updated_at = utcnow()


def as_round(row: OutreachRound) -> Round:
    return Round(
        round_id=row.id,
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        station_ids=tuple(row.station_ids),
        enters=tuple(row.enters),
    )


# --- facts the rules read ----------------------------------------------------------------------


def _people(station_ids: Iterable[int]) -> list[PersonFact]:
    rows = db.session.execute(
        sa.select(
            Person.ref,
            Person.name,
            Person.category,
            Person.phone,
            Person.address,
            Person.station_id,
        )  # fmt: skip
        .where(Person.category.in_(REGISTRY_CATEGORIES), Person.station_id.in_(list(station_ids)))
        .order_by(Person.ref)
    ).all()
    return [PersonFact(*row) for row in rows]


def _key_enterprises(station_ids: Iterable[int]) -> list[EnterpriseFact]:
    rows = db.session.execute(
        sa.select(
            Enterprise.credit_code,
            Enterprise.name,
            Enterprise.contact_name,
            Enterprise.contact_phone,
            Enterprise.station_id,
        )
        .where(Enterprise.is_key.is_(True), Enterprise.station_id.in_(list(station_ids)))
        .order_by(Enterprise.credit_code)
    ).all()
    return [EnterpriseFact(*row) for row in rows]


def _repeats(now: datetime) -> list[RepeatFact]:
    """Repeat complainants from the case files, as the roster may show them.

    The roster travels to every phone of the station, and a complainant's name and phone are
    only for those handling their cases (casework's privacy rule): an entry names the
    complainant by their masked phone and lists the case numbers, which the station's handlers
    open for the rest; its subject key is a digest, not the phone. A complainant who is a
    registry person is that person's entry (``person:<ref>``).
    """
    found = repeat_complainants_now(now)
    ids = sorted({cid for r in found for cid in r.case_ids})
    person_ids = [int(r.key[7:]) for r in found if r.key.startswith("person:")]
    refs = dict(
        db.session.execute(sa.select(Person.id, Person.ref).where(Person.id.in_(person_ids)))
        .all()
    )  # fmt: skip
    cases = {
        file.complaint_id: (file.number, station_id)
        for file, station_id in db.session.execute(
            sa.select(ComplaintCase, Complaint.station_id)
            .join(Complaint, Complaint.id == ComplaintCase.complaint_id)
            .where(ComplaintCase.complaint_id.in_(ids))
        )
    }
    facts = []
    for repeat in found:
        known = [cases[c] for c in repeat.case_ids if c in cases]
        person = int(repeat.key[7:]) if repeat.key.startswith("person:") else None
        if person in refs:
            key = f"person:{refs[person]}"
        else:
            key = "c" + hashlib.sha256(repeat.key.encode()).hexdigest()[:16]
        masked = mask_phone(repeat.phones[0]) if repeat.phones else None
        facts.append(
            RepeatFact(
                key=key,
                name=f"重复信访人 {masked}" if masked else "重复信访人",
                phone=masked,
                station_id=known[-1][1] if known else None,
                case_numbers=tuple(number for number, _s in known),
                last_at=repeat.last_at,
            )
        )
    return facts


def _residents(station_ids: Iterable[int]) -> list[ResidentFact]:
    wanted = set(station_ids)
    return [
        ResidentFact(
            ref=person.ref,
            name=person.name,
            phone=person.phone,
            address=person.address,
            station_id=person.station_id,
            project_name=project.name,
            approval_number=project.approval_number,
            distance_m=distance,
        )
        for person, project, distance in residents_near_new_projects(spatial_settings())
        if person.station_id in wanted
    ]


# --- computing rosters -------------------------------------------------------------------------


def compute_roster(round_row: OutreachRound, now: datetime | None = None) -> dict[str, int]:
    """(Re)compute one round's roster and shortlists; returns how many entries were added,
    updated (changed or back again), dropped and kept."""
    now = now or utcnow()
    round_ = as_round(round_row)
    stations = round_.station_ids
    candidates = roster_candidates(
        round_,
        people=_people(stations),
        key_enterprises=_key_enterprises(stations),
        repeats=_repeats(now),
        residents=_residents(stations),
    )
    rows = {
        r.id: r
        for r in db.session.execute(
            sa.select(RosterEntry).where(RosterEntry.round_id == round_row.id)
        ).scalars()
    }
    plan = plan_roster([_state(r) for r in rows.values()], candidates)
    seq = SeqAllocator(len(plan.add) + len(plan.update) + len(plan.drop) + 8)
    for candidate in plan.add:
        row = RosterEntry(
            uid=str(uuid.uuid4()),
            version=1,
            sync_seq=seq(),
            round_id=round_row.id,
            status="due",
            **_columns(candidate),
        )
        db.session.add(row)
    for entry_id, candidate in plan.update:
        row = rows[entry_id]
        for name, value in _columns(candidate).items():
            setattr(row, name, value)
        if row.status == "dropped":
            row.status = "due"
        _touch(row, seq)
    for entry_id in plan.drop:
        row = rows[entry_id]
        row.status = "dropped"
        row.assigned_to = None
        _touch(row, seq)
    db.session.flush()
    _assign(round_row, seq)
    round_row.roster_at = now
    db.session.flush()
    return {
        "added": len(plan.add),
        "updated": len(plan.update),
        "dropped": len(plan.drop),
        "kept": len(plan.keep),
    }


def _columns(candidate: RosterCandidate) -> dict:
    """An entry's columns from its candidate (the columns carry the candidate's names)."""
    return asdict(candidate)


def _state(row: RosterEntry) -> EntryState:
    return EntryState(
        entry_id=row.id,
        subject_key=row.subject_key,
        status=row.status,
        category=row.category,
        station_id=row.station_id,
        assigned_to=row.assigned_to,
        candidate=RosterCandidate(
            **{f.name: getattr(row, f.name) for f in fields(RosterCandidate)}
        ),
    )


def _touch(row: RosterEntry, seq) -> None:
    row.version += 1
    row.sync_seq = seq()
    row.origin_device_id = None
    row.updated_at = utcnow()


def _assign(round_row: OutreachRound, seq) -> None:
    """Split the round's entries among each station's active inspectors (stable)."""
    rows = list(
        db.session.execute(
            sa.select(RosterEntry).where(RosterEntry.round_id == round_row.id)
        ).scalars()
    )
    inspectors: dict[int, list[int]] = {}
    for user_id, station_id in db.session.execute(
        sa.select(User.id, User.station_id)
        .where(User.role == "inspector", User.is_active.is_(True))
        .order_by(User.id)
    ):
        inspectors.setdefault(station_id, []).append(user_id)
    chosen = split_shortlists([_state(r) for r in rows], inspectors)
    for row in rows:
        if row.id in chosen and chosen[row.id] != row.assigned_to:
            row.assigned_to = chosen[row.id]
            _touch(row, seq)


def current_rounds(today: date) -> list[OutreachRound]:
    return list(
        db.session.execute(
            sa.select(OutreachRound).where(
                OutreachRound.starts_on <= today, OutreachRound.ends_on >= today
            )
        ).scalars()
    )


def refresh_current_rosters(now: datetime | None = None) -> None:
    """Recompute the rosters of the rounds under way (after a registry or casework change)."""
    now = now or utcnow()
    for round_row in current_rounds(now.date()):
        compute_roster(round_row, now)


# --- review and coverage -----------------------------------------------------------------------


def round_coverage(round_row: OutreachRound, station_id: int | None = None) -> dict:
    query = sa.select(RosterEntry).where(
        RosterEntry.round_id == round_row.id, RosterEntry.status != "dropped"
    )
    if station_id is not None:
        query = query.where(RosterEntry.station_id == station_id)
    entries = list(db.session.execute(query.order_by(RosterEntry.id)).scalars())
    visit_ids = [e.visit_id for e in entries if e.visit_id is not None]
    reviews = dict(
        db.session.execute(
            sa.select(VisitReview.visit_id, VisitReview.status).where(
                VisitReview.visit_id.in_(visit_ids)
            )
        ).all()
    )
    flags: dict[int, list[str]] = {}
    for visit_id, code in db.session.execute(
        sa.select(VisitFlag.visit_id, VisitFlag.code)
        .where(VisitFlag.visit_id.in_(visit_ids))
        .order_by(VisitFlag.id)
    ):
        flags.setdefault(visit_id, []).append(code)
    return coverage(
        CoverageEntry(
            entry_id=e.id,
            station_id=e.station_id,
            inspector_id=e.assigned_to,
            category=e.category,
            enter=e.enter,
            subject_key=e.subject_key,
            name=e.name,
            visit_review=None if e.visit_id is None else reviews.get(e.visit_id, "received"),
            visit_flags=tuple(flags.get(e.visit_id, ())) if e.visit_id else (),
        )
        for e in entries
    )
