"""Outreach (下访): five-enters rounds, must-visit rosters, shortlists, visit review, coverage.

The bureau goes out at least :data:`MIN_ROUNDS_PER_YEAR` rounds a year, into the five enters
(五进, :data:`bureau.vocabulary.FIVE_ENTERS`); in every round the must-visit roster (五个必访,
:data:`bureau.vocabulary.MUST_VISIT_CATEGORIES`) must be visited. The rules here, in the order
a round runs:

- :func:`check_round` validates a round's name, period, stations and targeted enters;
  :func:`year_check` says whether a year has its four rounds and which quarters have none.
- :func:`roster_candidates` computes who must be visited in a round from plain facts (registry
  people and key enterprises, repeat complainants from casework, residents around new projects
  from the spatial core), each with a reason a person can read; :func:`plan_roster` turns a
  recomputation into adds, updates, drops and keeps against the stored roster, so that
  recomputing never duplicates an entry and never loses a visit already made.
- :func:`split_shortlists` shares a station's roster among its inspectors (the list each one
  carries on her phone), keeping assignments stable.
- :func:`check_review` is the station head's review of a logged visit: received → approved,
  has issues, or rejected. Only approved visits count.
- :func:`coverage` reports visited against due per station, inspector, must-visit category and
  enter, and lists what was missed; :func:`coverage_csv` and :func:`coverage_svg` render it.

Everything is a pure function over frozen dataclasses; nothing here touches a database.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from bureau.case_errors import ReasonRequired
from bureau.case_stats import percent
from bureau.errors import InvalidInput
from bureau.outreach_errors import IllegalReview
from bureau.vocabulary import FIVE_ENTERS, MUST_VISIT_CATEGORIES, choice_problem, label_of

__all__ = [
    "ENTER_OF_CATEGORY",
    "ENTRY_STATUSES",
    "MIN_ROUNDS_PER_YEAR",
    "MISSED_REASONS",
    "REVIEW_MOVES",
    "REVIEW_STATUSES",
    "CoverageEntry",
    "EnterpriseFact",
    "EntryState",
    "IllegalReview",
    "PersonFact",
    "RepeatFact",
    "ResidentFact",
    "Round",
    "RosterCandidate",
    "RosterPlan",
    "check_review",
    "check_round",
    "coverage",
    "coverage_csv",
    "coverage_svg",
    "plan_roster",
    "roster_candidates",
    "split_shortlists",
    "year_check",
]

MIN_ROUNDS_PER_YEAR = 4
"""Outreach goes out at least four rounds a year (DESIGN §1, 下访)."""

MAX_ROUND_DAYS = 366
"""A round's period, both ends counted, is at most a (leap) year."""

REVIEW_STATUSES: tuple[str, ...] = ("received", "approved", "has_issues", "rejected")
"""Where a logged visit stands in the station head's review. Only ``approved`` counts."""

REVIEW_MOVES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "received": frozenset({"approved", "has_issues", "rejected"}),
        "has_issues": frozenset({"approved", "rejected"}),
        "approved": frozenset(),
        "rejected": frozenset(),
    }
)
"""The legal review moves; ``approved`` and ``rejected`` are final."""

NOTE_REQUIRED: frozenset[str] = frozenset({"has_issues", "rejected"})
"""Review outcomes that must say why (the inspector has to know what to fix or redo)."""

ENTRY_STATUSES: tuple[str, ...] = ("due", "visited", "dropped")
"""Where a roster entry stands: still to visit, visited (an approved visit), or no longer due."""

ENTER_OF_CATEGORY: Mapping[str, str] = MappingProxyType(
    {
        # 人大代表和政协委员 are reached through the people's congress and CPPCC offices and
        # the agencies and units they sit in: the visit is made as an "enters agency" (进机关).
        "deputy": "agency",
        # 行风监督员 are residents the bureau appointed to watch over its conduct; they live in
        # and speak for their communities, so the visit is an "enters community" (进社区).
        "conduct_supervisor": "community",
        # 重点企业负责人 are visited at their enterprise (进企业).
        "enterprise_head": "enterprise",
        # 重复信访人: the point of 下访 is to go to the complainant's home instead of waiting for
        # the next letter or call, so the visit is an "enters household" (进家庭).
        "repeat_complainant": "household",
        # 新建项目周边群众: new construction projects are mostly sited at the edge of towns, among
        # villages; their neighbours are visited where they live, an "enters village" (进农村).
        "project_neighbour": "village",
    }
)
"""The one table saying under which of the five enters each must-visit category is visited.

A round that does not target an enter does not put that enter's category on its roster.
"""

MISSED_REASONS: Mapping[str | None, str] = MappingProxyType(
    {
        None: "no visit",
        "rejected": "visit rejected",
        "has_issues": "visit has issues",
        "received": "visit awaiting review",
    }
)
"""Why a due entry is listed as missed, from the review status of its (best) visit."""

_CATEGORY_ORDER = {code: i for i, code in enumerate(MUST_VISIT_CATEGORIES)}
_ENTER_ORDER = {code: i for i, code in enumerate(FIVE_ENTERS)}
_REGISTRY_CATEGORIES = ("deputy", "conduct_supervisor", "enterprise_head")
_REASON_JOIN = "；"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_key(value: int | str) -> tuple[int, int | str]:
    """Sort ids of mixed kinds deterministically: numbers first (numerically), then text."""
    return (0, value) if _is_int(value) else (1, str(value))


# --- rounds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """One outreach round: a period, the stations taking part and the enters it targets.

    Build the fields with :func:`check_round`; ``enters`` holds :data:`FIVE_ENTERS` codes.
    """

    round_id: int | str
    name: str
    starts_on: date
    ends_on: date
    station_ids: tuple[int, ...]
    enters: tuple[str, ...]


def check_round(
    *, name: str, starts_on: date, ends_on: date, station_ids: Iterable[int], enters: Iterable[str]
) -> tuple[str, date, date, tuple[int, ...], tuple[str, ...]]:
    """Validate a round and return ``(name, starts_on, ends_on, station_ids, enters)``
    normalised: the name stripped, station ids sorted without duplicates, enters as codes (a
    code in any case or its Chinese label is accepted) in :data:`FIVE_ENTERS` order without
    duplicates.

    Every problem is reported at once in :class:`InvalidInput` (``invalid_input``), by field:
    an empty name, a date that is not a date, an end before the start, a period of more than
    366 days (both ends counted), no stations or a station id that is not a positive whole
    number, no enters or an unknown enter.
    """
    errors: dict[str, list[str]] = {}
    clean_name = name.strip() if isinstance(name, str) else ""
    if not clean_name:
        errors["name"] = ["required"]
    dates_ok = True
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not isinstance(value, date) or isinstance(value, datetime):
            errors[field] = ["must be a date"]
            dates_ok = False
    if dates_ok:
        if ends_on < starts_on:
            errors["ends_on"] = ["before starts_on"]
        elif (ends_on - starts_on).days + 1 > MAX_ROUND_DAYS:
            errors["ends_on"] = [f"a round lasts at most {MAX_ROUND_DAYS} days"]
    stations: set[int] = set()
    station_list = [] if station_ids is None or isinstance(station_ids, str) else list(station_ids)
    for sid in station_list:
        if _is_int(sid) and sid > 0:
            stations.add(sid)
        else:
            errors.setdefault("station_ids", []).append(f"not a station id: {sid!r}")
    if not station_list:
        errors["station_ids"] = ["at least one station"]
    codes: set[str] = set()
    enter_list = [enters] if isinstance(enters, str) else list(enters or ())
    for value in enter_list:
        code, reason = choice_problem(value, FIVE_ENTERS)
        if code is None:
            errors.setdefault("enters", []).append(f"{value!r}: {reason}")
        else:
            codes.add(code)
    if not enter_list:
        errors["enters"] = ["at least one of the five enters"]
    if errors:
        raise InvalidInput("The round is not valid.", errors=errors)
    return (
        clean_name,
        starts_on,
        ends_on,
        tuple(sorted(stations)),
        tuple(code for code in FIVE_ENTERS if code in codes),
    )


def year_check(
    rounds: Iterable[Round], year: int, minimum: int = MIN_ROUNDS_PER_YEAR
) -> dict[str, Any]:
    """Whether ``year`` has at least ``minimum`` rounds (counted by the day each round starts).

    ``{"year", "rounds", "minimum", "ok", "missing", "quarters_without_round"}``; the quarters
    (1–4) without a round starting in them are listed as a hint where the missing rounds fit,
    not as a rule of their own.
    """
    if not _is_int(year):
        raise InvalidInput("year must be a whole number.", errors={"year": ["not a year"]})
    if not _is_int(minimum) or minimum < 0:
        raise InvalidInput("minimum cannot be negative.", errors={"minimum": ["< 0"]})
    starts = [r.starts_on for r in rounds if r.starts_on.year == year]
    quarters = {(d.month - 1) // 3 + 1 for d in starts}
    return {
        "year": year,
        "rounds": len(starts),
        "minimum": minimum,
        "ok": len(starts) >= minimum,
        "missing": max(0, minimum - len(starts)),
        "quarters_without_round": [q for q in (1, 2, 3, 4) if q not in quarters],
    }


# --- facts the roster is computed from ---------------------------------------------------------


@dataclass(frozen=True)
class PersonFact:
    """A registry person (必访人员): only deputy, conduct_supervisor and enterprise_head count."""

    ref: str
    name: str
    category: str
    phone: str | None
    address: str | None
    station_id: int


@dataclass(frozen=True)
class EnterpriseFact:
    """A key enterprise (重点企业) and its contact; its head must be visited."""

    credit_code: str
    name: str
    contact_name: str | None
    contact_phone: str | None
    station_id: int | None
    address: str | None = None


@dataclass(frozen=True)
class RepeatFact:
    """A repeat complainant from casework (:mod:`bureau.repeat_complainants`).

    ``key`` is :attr:`bureau.repeat_complainants.RepeatComplainant.key`. When the complainant is
    a registry person, pass ``person:<registry ref>`` so that the subject is the same as the
    registry's (a person already on the roster for another reason is not listed twice).
    """

    key: str
    name: str | None
    phone: str | None
    station_id: int | None
    case_numbers: tuple[str, ...]
    last_at: datetime


@dataclass(frozen=True)
class ResidentFact:
    """A resident near a new construction project (one fact per resident and project)."""

    ref: str
    name: str
    phone: str | None
    address: str | None
    station_id: int
    project_name: str
    approval_number: str
    distance_m: float


@dataclass(frozen=True)
class RosterCandidate:
    """Someone who must be visited in a round, and why (``reason`` is for people to read)."""

    subject_key: str
    category: str
    enter: str
    station_id: int
    name: str
    phone: str | None
    address: str | None
    reason: str


def _label(category: str) -> str:
    return label_of(category, MUST_VISIT_CATEGORIES)


def _person_reason(category: str) -> str:
    return {
        "deputy": f"{_label('deputy')}: 名册在册的人大代表或政协委员",
        "conduct_supervisor": f"{_label('conduct_supervisor')}: 本局聘请的行风监督员",
        "enterprise_head": f"{_label('enterprise_head')}: 名册在册的重点企业负责人",
    }[category]


def _enterprise_reason(e: EnterpriseFact) -> str:
    reason = f"{_label('enterprise_head')}: {e.name}(统一社会信用代码 {e.credit_code})的负责人"
    if not (e.contact_name or e.contact_phone):
        reason += ", 未登记联系人"
    return reason


def _repeat_reason(r: RepeatFact) -> str:
    numbers = list(dict.fromkeys(r.case_numbers))
    shown = "、".join(numbers[:5]) + (f" 等 {len(numbers)} 件" if len(numbers) > 5 else "")
    cases = f"信访 {len(numbers)} 件(案号 {shown})" if numbers else "多次信访"
    return f"{_label('repeat_complainant')}: {cases}, 最近一次 {r.last_at.date().isoformat()}"


def _resident_reason(facts: list[ResidentFact]) -> str:
    nearest = facts[0]
    reason = (
        f"{_label('project_neighbour')}: 住在 {nearest.project_name}"
        f"(批文 {nearest.approval_number}) {nearest.distance_m:.0f} 米内"
    )
    others = len(
        {(f.project_name, f.approval_number) for f in facts[1:]}
        - {(nearest.project_name, nearest.approval_number)}
    )
    if others:
        reason += f", 附近另有 {others} 个新建项目"
    return reason


def roster_candidates(
    round: Round,
    *,
    people: Iterable[PersonFact] = (),
    key_enterprises: Iterable[EnterpriseFact] = (),
    repeats: Iterable[RepeatFact] = (),
    residents: Iterable[ResidentFact] = (),
) -> list[RosterCandidate]:
    """The must-visit roster of ``round``: one candidate per subject, with a readable reason.

    - ``people``: registry persons of category deputy, conduct_supervisor or enterprise_head,
      subject ``person:<ref>`` (other categories are ignored: repeat complainants come from
      casework, project neighbours from the spatial core).
    - ``key_enterprises``: every key enterprise, category enterprise_head, subject
      ``enterprise:<credit_code>``; the name is the contact's (``<enterprise>负责人`` when none is
      registered, which the reason says). No link exists between a registry enterprise head and
      an enterprise, so both are listed under their own subjects.
    - ``repeats``: category repeat_complainant, subject ``complainant:<key>``, or the key itself
      when it is ``person:<ref>``.
    - ``residents``: category project_neighbour, subject ``person:<ref>``; several projects near
      one resident make one candidate whose reason names the nearest project and its distance.

    Each fact must qualify on its own: its station among the round's stations (a fact with no
    station is skipped) and its category's enter (:data:`ENTER_OF_CATEGORY`) among the round's
    enters. A subject that qualifies under several categories (a deputy who lives near a new
    project) is one candidate under the first category in :data:`MUST_VISIT_CATEGORIES` order,
    with that category's station, and the reasons joined with "；"; a missing phone or address
    is filled from the other facts. Sorted by station, category order, subject key.
    """
    stations = set(round.station_ids)
    enters = set(round.enters)

    def qualifies(category: str, station_id: int | None) -> bool:
        return (
            station_id is not None
            and station_id in stations
            and (ENTER_OF_CATEGORY[category] in enters)
        )

    found: list[RosterCandidate] = []

    def emit(subject, category, station_id, name, phone, address, reason) -> None:
        found.append(
            RosterCandidate(
                subject_key=subject,
                category=category,
                enter=ENTER_OF_CATEGORY[category],
                station_id=station_id,
                name=name,
                phone=phone or None,
                address=address or None,
                reason=reason,
            )
        )

    for p in people:
        if p.category in _REGISTRY_CATEGORIES and qualifies(p.category, p.station_id):
            emit(
                f"person:{p.ref}",
                p.category,
                p.station_id,
                p.name,
                p.phone,
                p.address,
                _person_reason(p.category),
            )
    for e in key_enterprises:
        if qualifies("enterprise_head", e.station_id):
            assert e.station_id is not None
            emit(
                f"enterprise:{e.credit_code}",
                "enterprise_head",
                e.station_id,
                e.contact_name or f"{e.name}负责人",
                e.contact_phone,
                e.address,
                _enterprise_reason(e),
            )
    for r in repeats:
        if qualifies("repeat_complainant", r.station_id):
            assert r.station_id is not None
            subject = r.key if r.key.startswith("person:") else f"complainant:{r.key}"
            emit(
                subject,
                "repeat_complainant",
                r.station_id,
                r.name or "重复信访人(未留姓名)",
                r.phone,
                None,
                _repeat_reason(r),
            )
    near: dict[str, list[ResidentFact]] = {}
    for f in residents:
        if (
            not isinstance(f.distance_m, int | float)
            or not math.isfinite(f.distance_m)
            or (f.distance_m < 0)
        ):
            raise InvalidInput(
                f"Resident {f.ref}: a distance must be a finite number of metres, not "
                f"{f.distance_m!r}.",
                errors={"distance_m": ["not a distance"]},
            )
        if qualifies("project_neighbour", f.station_id):
            near.setdefault(f.ref, []).append(f)
    for ref, facts in near.items():
        facts.sort(key=lambda f: (f.distance_m, f.approval_number, f.project_name))
        nearest = facts[0]
        emit(
            f"person:{ref}",
            "project_neighbour",
            nearest.station_id,
            nearest.name,
            nearest.phone or next((f.phone for f in facts if f.phone), None),
            nearest.address or next((f.address for f in facts if f.address), None),
            _resident_reason(facts),
        )

    by_subject: dict[str, list[RosterCandidate]] = {}
    for c in found:
        by_subject.setdefault(c.subject_key, []).append(c)
    merged = []
    for group in by_subject.values():
        group.sort(key=lambda c: _CATEGORY_ORDER[c.category])  # stable: first fact first
        first = group[0]
        reasons = list(dict.fromkeys(c.reason for c in group))
        merged.append(
            RosterCandidate(
                subject_key=first.subject_key,
                category=first.category,
                enter=first.enter,
                station_id=first.station_id,
                name=first.name,
                phone=next((c.phone for c in group if c.phone), None),
                address=next((c.address for c in group if c.address), None),
                reason=_REASON_JOIN.join(reasons),
            )
        )
    merged.sort(key=lambda c: (c.station_id, _CATEGORY_ORDER[c.category], c.subject_key))
    return merged


# --- recomputing a stored roster ---------------------------------------------------------------


@dataclass(frozen=True)
class EntryState:
    """A stored roster entry, as :func:`plan_roster` and :func:`split_shortlists` need it.

    ``candidate`` is the data the entry was last written from (rebuild it from the stored row).
    When it is given, any change of name, phone, address, reason, category or station is an
    update; when it is ``None``, only a change of category or station is.
    """

    entry_id: int | str
    subject_key: str
    status: str
    category: str
    station_id: int
    assigned_to: int | None
    candidate: RosterCandidate | None = None


@dataclass(frozen=True)
class RosterPlan:
    """What to write after recomputing a roster. Every existing entry is in exactly one of
    ``update``, ``drop`` and ``keep``; ``update`` pairs write the candidate's data and set the
    status to ``due`` (an entry that was dropped comes back)."""

    add: tuple[RosterCandidate, ...]
    update: tuple[tuple[int | str, RosterCandidate], ...]
    drop: tuple[int | str, ...]
    keep: tuple[int | str, ...]


def _check_status(entry: EntryState) -> None:
    if entry.status not in ENTRY_STATUSES:
        raise InvalidInput(
            f"Roster entry {entry.entry_id}: unknown status {entry.status!r}.",
            errors={"status": [f"must be one of: {', '.join(ENTRY_STATUSES)}"]},
        )


def _unchanged(entry: EntryState, candidate: RosterCandidate) -> bool:
    if entry.candidate is not None:
        return entry.candidate == candidate
    return entry.category == candidate.category and entry.station_id == candidate.station_id


def plan_roster(
    existing: Iterable[EntryState], candidates: Iterable[RosterCandidate]
) -> RosterPlan:
    """Reconcile the stored entries of a round with its recomputed candidates.

    - A subject with no entry is added.
    - A ``due`` entry whose candidate is unchanged is kept; changed, it is updated.
    - A ``dropped`` entry whose subject qualifies again is updated (revived as due), so one
      subject never gets a second entry; one that still does not qualify is kept (dropped).
    - A ``due`` entry whose subject no longer qualifies is dropped.
    - A ``visited`` entry is always kept, qualifying or not, changed or not: a visit already
      made is never lost nor rewritten.

    Should the store already hold several entries for one subject, the first visited one (else
    the first due, else the first dropped) stands for it; the other due ones are dropped and
    the rest kept. Candidates must have distinct subject keys. ``add`` and ``update`` follow the
    candidates' order, ``drop`` and ``keep`` the entries'.
    """
    entries = list(existing)
    for entry in entries:
        _check_status(entry)
    wanted: dict[str, RosterCandidate] = {}
    for c in candidates:
        if c.subject_key in wanted:
            raise InvalidInput(
                f"Two candidates for {c.subject_key}.",
                errors={"candidates": [f"duplicate subject {c.subject_key}"]},
            )
        wanted[c.subject_key] = c
    rank = {"visited": 0, "due": 1, "dropped": 2}
    primary: dict[str, EntryState] = {}
    for entry in entries:
        held = primary.get(entry.subject_key)
        if held is None or rank[entry.status] < rank[held.status]:
            primary[entry.subject_key] = entry

    add = [c for key, c in wanted.items() if key not in primary]
    update: list[tuple[int | str, RosterCandidate]] = []
    updated: set[int | str] = set()
    for key, c in wanted.items():
        entry = primary.get(key)
        if entry is None or entry.status == "visited":
            continue
        if entry.status == "dropped" or not _unchanged(entry, c):
            update.append((entry.entry_id, c))
            updated.add(entry.entry_id)
    drop: list[int | str] = []
    keep: list[int | str] = []
    for entry in entries:
        if entry.entry_id in updated and primary[entry.subject_key] is entry:
            continue
        is_primary = primary[entry.subject_key] is entry
        if entry.status == "due" and (not is_primary or entry.subject_key not in wanted):
            drop.append(entry.entry_id)
        else:
            keep.append(entry.entry_id)
    return RosterPlan(add=tuple(add), update=tuple(update), drop=tuple(drop), keep=tuple(keep))


# --- shortlists --------------------------------------------------------------------------------


def split_shortlists(
    entries: Iterable[EntryState], inspectors: Mapping[int, Sequence[int]]
) -> dict[int | str, int | None]:
    """Who carries each entry: ``entry_id -> inspector user id`` for every entry not dropped.

    ``inspectors`` maps a station id to its inspectors' user ids. A ``due`` entry keeps its
    inspector while she is still among its station's; the others go, in entry id order, to the
    station's inspector with the fewest due entries so far (ties: the lowest user id), so adding
    an inspector moves nobody's existing entries and removing one moves only hers. A
    ``visited`` entry keeps whoever it was assigned to (the visit was made; moving it would
    credit someone else). ``None`` when the station has no inspector.
    """
    items = sorted(entries, key=lambda e: _id_key(e.entry_id))
    for entry in items:
        _check_status(entry)
    staff = {sid: sorted(set(users)) for sid, users in inspectors.items()}
    load: dict[int, dict[int, int]] = {sid: dict.fromkeys(users, 0) for sid, users in staff.items()}
    result: dict[int | str, int | None] = {}
    waiting: list[EntryState] = []
    for entry in items:
        if entry.status == "dropped":
            continue
        if entry.status == "visited":
            result[entry.entry_id] = entry.assigned_to
            continue
        station_load = load.get(entry.station_id, {})
        if entry.assigned_to is not None and entry.assigned_to in station_load:
            result[entry.entry_id] = entry.assigned_to
            station_load[entry.assigned_to] += 1
        else:
            waiting.append(entry)
    for entry in waiting:
        station_load = load.get(entry.station_id, {})
        if not station_load:
            result[entry.entry_id] = None
            continue
        chosen = min(station_load, key=lambda user: (station_load[user], user))
        station_load[chosen] += 1
        result[entry.entry_id] = chosen
    return {entry.entry_id: result[entry.entry_id] for entry in items if entry.entry_id in result}


# --- visit review ------------------------------------------------------------------------------


def check_review(current: str, new: str, note: str | None) -> None:
    """Refuse a review move the rules do not allow; return ``None`` when it is allowed.

    received → approved | has_issues | rejected; has_issues → approved | rejected; approved and
    rejected are final. An illegal move raises :class:`IllegalReview` (409,
    ``illegal_review``); an unknown status :class:`InvalidInput`; has_issues and rejected
    without a note :class:`bureau.case_errors.ReasonRequired` (422, ``reason_required``).
    """
    errors = {
        field: [f"must be one of: {', '.join(REVIEW_STATUSES)}"]
        for field, value in (("current", current), ("status", new))
        if value not in REVIEW_STATUSES
    }
    if errors:
        raise InvalidInput("Unknown review status.", errors=errors)
    if new not in REVIEW_MOVES[current]:
        allowed = sorted(REVIEW_MOVES[current], key=REVIEW_STATUSES.index)
        raise IllegalReview(
            f"A visit review cannot go from {current} to {new}.",
            errors={"status": [f"from {current}: " + (", ".join(allowed) or "final")]},
        )
    if new in NOTE_REQUIRED and not (isinstance(note, str) and note.strip()):
        raise ReasonRequired(f"A review of {new} must say why.", errors={"note": ["required"]})


# --- coverage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageEntry:
    """A roster entry that was due in the period (leave dropped entries out) and its visit.

    ``visit_review`` is ``None`` when no visit was logged against it, else the review status of
    its best visit (approved before has_issues before received before rejected).
    """

    entry_id: int | str
    station_id: int
    inspector_id: int | None
    category: str
    enter: str
    subject_key: str
    name: str
    visit_review: str | None
    visit_flags: tuple[str, ...] = ()


UNASSIGNED = "unassigned"


def _tally() -> dict[str, Any]:
    return {"due": 0, "visited": 0, "percent": None}


def _count(table: dict[str, dict[str, Any]], key: str, visited: bool) -> None:
    cell = table.setdefault(key, _tally())
    cell["due"] += 1
    cell["visited"] += visited


def _finish(table: dict[str, dict[str, Any]]) -> None:
    for cell in table.values():
        cell["percent"] = percent(cell["visited"], cell["due"])
        for inner in ("by_category", "by_enter"):
            if inner in cell:
                _finish(cell[inner])


def _ordered(table: dict[str, Any], order: Mapping[str, int]) -> dict[str, Any]:
    return {key: table[key] for key in sorted(table, key=lambda k: order.get(k, len(order)))}


def coverage(entries: Iterable[CoverageEntry]) -> dict[str, Any]:
    """Visited against due; only approved visits count. A JSON-ready dict:

    ``due``, ``visited``, ``percent``, ``pending_review`` (visits logged and not yet approved or
    rejected: received or has_issues), ``by_review`` (entries per review status, ``none`` for
    no visit), ``by_station`` (``{station id as text: {due, visited, percent, by_category,
    by_enter}}``), ``by_inspector`` (``{user id as text or "unassigned": {due, visited,
    percent}}``), ``by_category`` and ``by_enter`` (the codes present, in vocabulary order), and
    ``missed``: every entry not visited, with ``why`` from :data:`MISSED_REASONS`, sorted by
    station, category order, name. Percentages have one decimal and are ``None`` when nothing
    is due. Keys are text so that the dict survives JSON unchanged.
    """
    rows = list(entries)
    for row in rows:
        problems = {}
        if row.visit_review is not None and row.visit_review not in REVIEW_STATUSES:
            problems["visit_review"] = [f"must be one of: {', '.join(REVIEW_STATUSES)}"]
        if row.category not in MUST_VISIT_CATEGORIES:
            problems["category"] = [f"must be one of: {', '.join(MUST_VISIT_CATEGORIES)}"]
        if row.enter not in FIVE_ENTERS:
            problems["enter"] = [f"must be one of: {', '.join(FIVE_ENTERS)}"]
        if problems:
            raise InvalidInput(f"Coverage entry {row.entry_id} is not valid.", errors=problems)
    by_station: dict[str, dict[str, Any]] = {}
    by_inspector: dict[str, dict[str, Any]] = {}
    by_category: dict[str, dict[str, Any]] = {}
    by_enter: dict[str, dict[str, Any]] = {}
    by_review = {"none": 0, **dict.fromkeys(REVIEW_STATUSES, 0)}
    missed = []
    visited_total = 0
    for row in rows:
        visited = row.visit_review == "approved"
        visited_total += visited
        by_review[row.visit_review or "none"] += 1
        station = by_station.setdefault(
            str(row.station_id), {**_tally(), "by_category": {}, "by_enter": {}}
        )
        station["due"] += 1
        station["visited"] += visited
        _count(station["by_category"], row.category, visited)
        _count(station["by_enter"], row.enter, visited)
        inspector = UNASSIGNED if row.inspector_id is None else str(row.inspector_id)
        _count(by_inspector, inspector, visited)
        _count(by_category, row.category, visited)
        _count(by_enter, row.enter, visited)
        if not visited:
            missed.append(row)
    for table in (by_station, by_inspector, by_category, by_enter):
        _finish(table)
    for cell in by_station.values():
        cell["by_category"] = _ordered(cell["by_category"], _CATEGORY_ORDER)
        cell["by_enter"] = _ordered(cell["by_enter"], _ENTER_ORDER)
    missed.sort(
        key=lambda r: (r.station_id, _CATEGORY_ORDER[r.category], r.name, _id_key(r.entry_id))
    )
    return {
        "due": len(rows),
        "visited": visited_total,
        "percent": percent(visited_total, len(rows)),
        "pending_review": by_review["received"] + by_review["has_issues"],
        "by_review": by_review,
        "by_station": {k: by_station[k] for k in sorted(by_station, key=int)},
        "by_inspector": {
            k: by_inspector[k]
            for k in sorted(
                by_inspector, key=lambda k: (k == UNASSIGNED, int(k) if k != UNASSIGNED else 0)
            )
        },
        "by_category": _ordered(by_category, _CATEGORY_ORDER),
        "by_enter": _ordered(by_enter, _ENTER_ORDER),
        "missed": [
            {
                "entry_id": r.entry_id,
                "station_id": r.station_id,
                "inspector_id": r.inspector_id,
                "category": r.category,
                "enter": r.enter,
                "name": r.name,
                "subject_key": r.subject_key,
                "why": MISSED_REASONS[r.visit_review],
                "visit_flags": list(r.visit_flags),
            }
            for r in missed
        ],
    }


_MISSED_COLUMNS = (
    "entry_id",
    "station_id",
    "inspector_id",
    "category",
    "enter",
    "name",
    "subject_key",
    "why",
    "visit_flags",
)


def _cell(value: object) -> object:
    """A CSV cell: empty for ``None``; text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def coverage_csv(report: Mapping[str, Any]) -> str:
    """The coverage report as CSV text.

    Header ``section,key,due,visited,percent``; a ``total`` row (key ``all``), then rows of the
    sections ``station``, ``station_category`` and ``station_enter`` (key ``<station>/<code>``),
    ``inspector``, ``category`` and ``enter``; an empty percentage is an empty cell. Then the
    missed entries: a header ``missed,entry_id,station_id,inspector_id,category,enter,name,
    subject_key,why,visit_flags`` and one row per missed entry, each starting with ``missed``
    (flags joined with ``|``).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "due", "visited", "percent"))

    def row(section: str, key: str, cell: Mapping[str, Any]) -> None:
        writer.writerow((section, key, cell["due"], cell["visited"], _cell(cell["percent"])))

    row("total", "all", report)
    for sid, cell in report["by_station"].items():
        row("station", sid, cell)
    for inner in ("category", "enter"):
        for sid, cell in report["by_station"].items():
            for code, sub in cell[f"by_{inner}"].items():
                row(f"station_{inner}", f"{sid}/{code}", sub)
    for section in ("inspector", "category", "enter"):
        for key, cell in report[f"by_{section}"].items():
            row(section, key, cell)
    writer.writerow(("missed", *_MISSED_COLUMNS))
    for item in report["missed"]:
        values = [item.get(column) for column in _MISSED_COLUMNS]
        values[-1] = "|".join(item.get("visit_flags") or ())
        writer.writerow(("missed", *(_cell(v) for v in values)))
    return out.getvalue()


# --- chart -------------------------------------------------------------------------------------

_SVG_WIDTH = 720
_LABEL_WIDTH = 190
_BAR_WIDTH = 360
_ROW = 30
_FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


def _bar_colour(pct: float | None) -> str:
    if pct is None:
        return "#9e9e9e"
    if pct >= 90:
        return "#2e7d32"  # green: (nearly) everyone visited
    if pct >= 60:
        return "#f9a825"  # amber
    return "#c62828"  # red: many missed


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _pct_text(cell: Mapping[str, Any]) -> str:
    return f"{_pct(cell['percent'])}  ({cell['visited']}/{cell['due']})"


def coverage_svg(
    report: Mapping[str, Any], *, title: str, labels: Mapping[str, str] | None = None
) -> str:
    """A self-contained SVG chart of a coverage report, readable at a glance.

    Two groups of horizontal bars, one per must-visit category (五个必访) and one per enter
    (五进): a grey track for what was due, a filled bar for what was visited (green from 90 %,
    amber from 60 %, red below), and the percentage with visited/due written at each bar. Above
    them the title and the overall figures; below, how many visits await review. Labels are the
    Chinese vocabulary labels unless ``labels`` gives one for a code. All text is escaped.
    """
    names = dict(labels or {})

    def label(code: str, vocabulary: Mapping[str, str]) -> str:
        return names.get(code) or label_of(code, vocabulary)

    groups = [
        ("五个必访", report["by_category"], MUST_VISIT_CATEGORIES),
        ("五进", report["by_enter"], FIVE_ENTERS),
    ]
    parts: list[str] = []
    y = 36
    parts.append(f'<text x="16" y="{y}" font-size="20" font-weight="bold">{escape(title)}</text>')
    y += 26
    parts.append(
        f'<text x="16" y="{y}" font-size="14">总体: 已访 {report["visited"]} / 应访 '
        f"{report['due']}, {_pct(report['percent'])}</text>"
    )
    y += 12
    for heading, table, vocabulary in groups:
        y += 30
        parts.append(
            f'<text x="16" y="{y}" font-size="15" font-weight="bold">{escape(heading)}</text>'
        )
        if not table:
            y += _ROW
            parts.append(f'<text x="{_LABEL_WIDTH}" y="{y}" font-size="13" fill="#666">无</text>')
            continue
        for code, cell in table.items():
            y += _ROW
            top = y - 16
            share = cell["visited"] / cell["due"] if cell["due"] else 0.0
            filled = round(_BAR_WIDTH * share, 1)
            text = _pct_text(cell)
            parts.append(
                f"<g><title>{escape(label(code, vocabulary))}: {escape(text)}</title>"
                f'<text x="{_LABEL_WIDTH - 10}" y="{y}" font-size="14" text-anchor="end">'
                f"{escape(label(code, vocabulary))}</text>"
                f'<rect x="{_LABEL_WIDTH}" y="{top}" width="{_BAR_WIDTH}" height="20" '
                f'fill="#e0e0e0"/>'
                f'<rect x="{_LABEL_WIDTH}" y="{top}" width="{filled}" height="20" '
                f'fill="{_bar_colour(cell["percent"])}"/>'
                f'<text x="{_LABEL_WIDTH + _BAR_WIDTH + 10}" y="{y}" font-size="14">'
                f"{escape(text)}</text></g>"
            )
    y += 36
    parts.append(
        f'<text x="16" y="{y}" font-size="13" fill="#444">'
        f"待审核走访 {report['pending_review']} 条; "
        f"未访 {len(report['missed'])} 条 (只计审核通过的走访)</text>"
    )
    height = y + 20
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SVG_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_SVG_WIDTH} {height}" role="img" aria-label={quoteattr(title)} '
        f"font-family={quoteattr(_FONT)}>"
        f"<title>{escape(title)}</title>"
        f'<rect width="{_SVG_WIDTH}" height="{height}" fill="#ffffff"/>'
        + "".join(parts)
        + "</svg>\n"
    )
