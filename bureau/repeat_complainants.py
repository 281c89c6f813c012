"""Repeat complainants (重复信访人): the same phone or the same person across cases.

:func:`repeat_complainants` groups cases received within a window by phone number (normalised:
spaces, dashes and a +86/0086 prefix ignored) or by person id, joining the two: a person who
called from two phones, or two cases with the same phone of which one names the person, are one
complainant. A group of at least ``min_cases`` cases is flagged. :func:`roster_entries` turns the
flags into must-visit roster entries of category ``repeat_complainant``
(:data:`bureau.vocabulary.MUST_VISIT_CATEGORIES`).

Defaults: a window of **365 days**, since outreach rounds run at least four times a year and
the roster is about who keeps coming back, not who came twice in one week about one nuisance
(that is a duplicate, see :mod:`bureau.complaint_flags`); **2 cases** make a repeat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bureau.deadlines import aware
from bureau.errors import InvalidInput

__all__ = [
    "DEFAULT_MIN_CASES",
    "DEFAULT_WINDOW_DAYS",
    "REPEAT_CATEGORY",
    "ComplaintContact",
    "RepeatComplainant",
    "RepeatRosterEntry",
    "normalize_phone",
    "repeat_complainants",
    "roster_entries",
]

DEFAULT_WINDOW_DAYS = 365
DEFAULT_MIN_CASES = 2
REPEAT_CATEGORY = "repeat_complainant"

_PHONE_NOISE = re.compile(r"[\s\-()（）]")


@dataclass(frozen=True)
class ComplaintContact:
    """What the rule needs of a case: its id, the complainant's phone and person, its receipt."""

    case_id: int | str
    phone: str | None
    person_id: int | str | None
    received_at: datetime


@dataclass(frozen=True)
class RepeatComplainant:
    """A flagged complainant: their cases (oldest first), phones and person ids seen."""

    case_ids: tuple[int | str, ...]
    phones: tuple[str, ...]
    person_ids: tuple[int | str, ...]
    first_at: datetime
    last_at: datetime

    @property
    def key(self) -> str:
        """A stable key: the first person id, else the first phone."""
        if self.person_ids:
            return f"person:{self.person_ids[0]}"
        return f"phone:{self.phones[0]}"


@dataclass(frozen=True)
class RepeatRosterEntry:
    """A must-visit roster entry for a repeat complainant."""

    category: str
    key: str
    person_id: int | str | None
    phone: str | None
    case_count: int
    last_at: datetime


def normalize_phone(phone: str | None) -> str | None:
    """The phone as digits for comparison; ``None`` for an empty or digitless one."""
    if phone is None:
        return None
    text = _PHONE_NOISE.sub("", phone.strip())
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits or None


def repeat_complainants(
    contacts: Iterable[ComplaintContact],
    *,
    now: datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_cases: int = DEFAULT_MIN_CASES,
) -> list[RepeatComplainant]:
    """Complainants with at least ``min_cases`` cases received in ``(now - window, now]``.

    Sorted by most cases first, then most recent. Anonymous cases with neither phone nor person
    cannot be matched and are left out.
    """
    aware(now, "now")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise InvalidInput("window_days must be at least 1.", errors={"window_days": ["< 1"]})
    if isinstance(min_cases, bool) or not isinstance(min_cases, int) or min_cases < 2:
        raise InvalidInput("min_cases must be at least 2.", errors={"min_cases": ["< 2"]})
    since = now - timedelta(days=window_days)
    rows = [
        c
        for c in contacts
        if since < aware(c.received_at, "received_at") <= now
        and (normalize_phone(c.phone) or c.person_id is not None)
    ]
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def keys(c: ComplaintContact) -> list[str]:
        found = []
        phone = normalize_phone(c.phone)
        if phone:
            found.append(f"phone:{phone}")
        if c.person_id is not None:
            found.append(f"person:{c.person_id}")
        return found

    for c in rows:
        first, *rest = keys(c)
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[str, list[ComplaintContact]] = {}
    for c in rows:
        groups.setdefault(find(keys(c)[0]), []).append(c)
    flagged = []
    for members in groups.values():
        case_ids = list(dict.fromkeys(c.case_id for c in members))
        if len(case_ids) < min_cases:
            continue
        members.sort(key=lambda c: c.received_at)
        flagged.append(
            RepeatComplainant(
                case_ids=tuple(dict.fromkeys(c.case_id for c in members)),
                phones=tuple(dict.fromkeys(p for c in members if (p := normalize_phone(c.phone)))),
                person_ids=tuple(
                    dict.fromkeys(c.person_id for c in members if c.person_id is not None)
                ),
                first_at=members[0].received_at,
                last_at=members[-1].received_at,
            )
        )
    flagged.sort(key=lambda r: (-len(r.case_ids), -r.last_at.timestamp(), r.key))
    return flagged


def roster_entries(repeats: Iterable[RepeatComplainant]) -> list[RepeatRosterEntry]:
    """Must-visit roster entries (category ``repeat_complainant``) for flagged complainants."""
    return [
        RepeatRosterEntry(
            category=REPEAT_CATEGORY,
            key=r.key,
            person_id=r.person_ids[0] if r.person_ids else None,
            phone=r.phones[-1] if r.phones else None,
            case_count=len(r.case_ids),
            last_at=r.last_at,
        )
        for r in repeats
    ]
