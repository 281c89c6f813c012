"""Who may do what: the bureau's access rules as pure functions.

The server asks :func:`authorize` before every read or write and :func:`people_scope` before
listing must-visit people; both decide from the account alone (its role and station), never
from anything the client sends, so that a device cannot widen its own scope.

The rules, in the bureau's words:

* the administrator (管理员) may do everything;
* county-level leaders, officers, intake desk staff and auditors read everything;
* staff bound to a township station read the registry (stations, enterprises, projects)
  county-wide, since complaints and visits cross township borders, but read must-visit people
  (who are private persons with phone numbers) only of their own station;
* the registry is written by the administrator and officers; an officer bound to a station
  writes people only of that station;
* accounts and devices are managed by the administrator alone.

Inspectors and station staff must be bound to a station: an account of those roles without one
is a misconfiguration, and it is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bureau.errors import Forbidden
from bureau.vocabulary import ROLES

__all__ = [
    "COUNTY_READERS",
    "AUDIT_READERS",
    "CASE_HANDLERS",
    "DECIDE_ESCALATIONS",
    "DECIDE_LINKS",
    "HANDLE_CASES",
    "PLAN_OUTREACH",
    "PUSH_CHANGES",
    "READ_AUDIT",
    "REVIEW_VISITS",
    "VISIT_REVIEWERS",
    "LINK_DECIDERS",
    "MANAGE_ACCOUNTS",
    "READ_CASES",
    "READ_PEOPLE",
    "READ_REGISTRY",
    "WRITE_PEOPLE",
    "WRITE_REGISTRY",
    "REGISTRY_WRITERS",
    "Action",
    "Actor",
    "allowed",
    "authorize",
    "people_scope",
]


class Action(StrEnum):
    """Things an account may ask to do."""

    READ_REGISTRY = "read_registry"
    """Read stations, enterprises and projects."""
    WRITE_REGISTRY = "write_registry"
    """Create, change or retire stations, enterprises and projects."""
    READ_PEOPLE = "read_people"
    """Read the must-visit roster (personal data)."""
    WRITE_PEOPLE = "write_people"
    """Create, change or retire must-visit people."""
    MANAGE_ACCOUNTS = "manage_accounts"
    """Create and disable users and devices."""
    READ_CASES = "read_cases"
    """Read complaints with their suggested enterprises and flags, and flagged visits."""
    DECIDE_LINKS = "decide_links"
    """Confirm or reject an enterprise suggested for a complaint."""
    HANDLE_CASES = "handle_cases"
    """Register complaints and move cases along: classify, assign, reply, resolve, follow up,
    close, reopen, record a rectification's verification."""
    DECIDE_ESCALATIONS = "decide_escalations"
    """Record a leader's decision on an escalated case (领导批示)."""
    READ_AUDIT = "read_audit"
    """Read the audit log: by case, or everything one person did."""
    PLAN_OUTREACH = "plan_outreach"
    """Plan outreach rounds and recompute their must-visit rosters."""
    REVIEW_VISITS = "review_visits"
    """Approve a visit, or mark it as having issues or rejected (the station head's review)."""
    PUSH_CHANGES = "push_changes"
    """Push changes from a device (sync). Which records a push may change is decided per
    record (a station's device changes that station's); this is whether it may push at all."""


READ_REGISTRY = Action.READ_REGISTRY
WRITE_REGISTRY = Action.WRITE_REGISTRY
READ_PEOPLE = Action.READ_PEOPLE
WRITE_PEOPLE = Action.WRITE_PEOPLE
MANAGE_ACCOUNTS = Action.MANAGE_ACCOUNTS
READ_CASES = Action.READ_CASES
DECIDE_LINKS = Action.DECIDE_LINKS
HANDLE_CASES = Action.HANDLE_CASES
DECIDE_ESCALATIONS = Action.DECIDE_ESCALATIONS
READ_AUDIT = Action.READ_AUDIT
PLAN_OUTREACH = Action.PLAN_OUTREACH
REVIEW_VISITS = Action.REVIEW_VISITS
PUSH_CHANGES = Action.PUSH_CHANGES

#: who decides at county level (plans rounds, decides links, reviews visits of any station)
COUNTY_DECIDERS: tuple[str, ...] = ("leader", "officer")
VISIT_REVIEWERS: tuple[str, ...] = ("leader", "officer", "station_staff")
"""Roles that review visits: county leaders and officers, or those of the visit's station."""

CASE_HANDLERS: tuple[str, ...] = ("leader", "officer", "intake")
"""Roles that, at county level, register and handle cases of every station; every role but the
auditor handles the cases of the station it is bound to."""

AUDIT_READERS: tuple[str, ...] = ("leader", "auditor")
"""Roles that read the audit log (of their station's cases, or all at county level)."""

LINK_DECIDERS: tuple[str, ...] = ("leader", "officer", "station_staff")
"""Roles that confirm or reject suggested links (station staff for their own station)."""

COUNTY_READERS: tuple[str, ...] = ("leader", "officer", "intake", "auditor")
"""Roles that, at county level (no station), read everything."""

REGISTRY_WRITERS: tuple[str, ...] = ("admin", "officer")
"""Roles that may write the registry."""

_STATION_ROLES = ("inspector", "station_staff")


@dataclass(frozen=True)
class Actor:
    """The account a request acts for: who, in which role, bound to which station.

    ``station_id`` is ``None`` for county-level accounts.
    """

    user_id: int
    role: str
    station_id: int | None = None

    @property
    def is_county_level(self) -> bool:
        return self.station_id is None

    def describe(self) -> str:
        """How the actor is named in a refusal, e.g. ``inspector of station 2``."""
        if self.station_id is None:
            return f"{self.role} at county level"
        return f"{self.role} of station {self.station_id}"


def authorize(actor: Actor, action: Action | str, *, station_id: int | None = None) -> None:
    """Return quietly if ``actor`` may do ``action``, else raise :class:`Forbidden`.

    ``station_id`` is the station the people concerned belong to, for ``READ_PEOPLE`` and
    ``WRITE_PEOPLE``; ``None`` there means "people of every station" (or of none). It is ignored
    for the other actions, whose data is county-wide.

    The refusal message names what would have been needed, so that whoever reads it knows
    whom to ask rather than merely that they were refused.
    """
    action = _action(action)
    reason = _refusal(actor, action, station_id)
    if reason is not None:
        raise Forbidden(reason)


def allowed(actor: Actor, action: Action | str, *, station_id: int | None = None) -> bool:
    """True when :func:`authorize` would let ``actor`` do ``action`` (for hiding buttons)."""
    return _refusal(actor, _action(action), station_id) is None


def people_scope(actor: Actor) -> int | None:
    """Which must-visit people ``actor`` may see: ``None`` for all stations, else one station id.

    Raises :class:`Forbidden` for an account that may read no people at all, so that a list
    endpoint cannot accidentally fall back to "all".
    """
    if actor.station_id is None:
        authorize(actor, Action.READ_PEOPLE)  # raises for accounts that may read none
        return None
    if allowed(actor, Action.READ_PEOPLE):  # an admin bound to a station still sees all
        return None
    authorize(actor, Action.READ_PEOPLE, station_id=actor.station_id)
    return actor.station_id


def _county_decider_or_station(
    actor: Actor, station_id: int | None, station_roles: tuple[str, ...], doing: str
) -> str | None:
    """Allowed to a county-level leader or officer, or to one of ``station_roles`` bound to
    ``station_id``; else the sentence saying so."""
    if actor.station_id is None and actor.role in COUNTY_DECIDERS:
        return None
    bound_there = actor.station_id is not None and station_id == actor.station_id
    if bound_there and actor.role in station_roles:
        return None
    return _needs(
        doing,
        f"a county-level leader or officer, or a {_either(station_roles)} of that station",
        actor,
    )


def _action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise Forbidden(f"unknown action '{action}'") from None


def _refusal(actor: Actor, action: Action, station_id: int | None) -> str | None:
    """``None`` when allowed, else the sentence explaining what would be needed."""
    role = actor.role
    if role not in ROLES:
        return f"unknown role '{role}'; no action is allowed"
    if role == "admin":
        return None
    if role in _STATION_ROLES and actor.station_id is None:
        return f"a {role} account must be bound to a station; ask an admin to assign one"

    if action is Action.MANAGE_ACCOUNTS:
        return f"managing users and devices needs an admin; you are {actor.describe()}"

    if action is Action.READ_REGISTRY:
        # County readers at county level, and everyone bound to a station.
        if actor.station_id is not None or role in COUNTY_READERS:
            return None
        return _needs("reading the registry", "a county-level " + _either(COUNTY_READERS), actor)

    if action is Action.READ_PEOPLE:
        if actor.station_id is None:
            if role in COUNTY_READERS:
                return None
            return _needs(
                "reading must-visit people", "a county-level " + _either(COUNTY_READERS), actor
            )
        if station_id == actor.station_id:
            return None
        who = f"an admin or a county-level {_either(COUNTY_READERS)}"
        if station_id is not None:
            who = f"{who}, or an account of station {station_id}"
        return _needs(f"reading must-visit people of {_station(station_id)}", who, actor)

    if action is Action.READ_CASES:
        if actor.station_id is None:
            if role in COUNTY_READERS:
                return None
            return _needs("reading cases", "a county-level " + _either(COUNTY_READERS), actor)
        if station_id == actor.station_id:
            return None
        return _needs(
            f"reading cases of {_station(station_id)}",
            f"a county-level {_either(COUNTY_READERS)}, or an account of that station",
            actor,
        )

    if action is Action.DECIDE_LINKS:
        return _county_decider_or_station(
            actor,
            station_id,
            LINK_DECIDERS,
            f"deciding suggested enterprises for {_station(station_id)}",
        )

    if action is Action.HANDLE_CASES:
        if actor.station_id is None and role in CASE_HANDLERS:
            return None
        if actor.station_id is not None and role != "auditor" and station_id == actor.station_id:
            return None
        return _needs(
            f"handling cases of {_station(station_id)}",
            f"a county-level {_either(CASE_HANDLERS)}, or staff of that station",
            actor,
        )

    if action is Action.DECIDE_ESCALATIONS:
        if role == "leader" and (actor.station_id is None or station_id == actor.station_id):
            return None
        return _needs(
            f"deciding escalated cases of {_station(station_id)}",
            "a county-level leader, or the leader of that station",
            actor,
        )

    if action is Action.READ_AUDIT:
        if role in AUDIT_READERS and (actor.station_id is None or station_id == actor.station_id):
            return None
        return _needs(
            f"reading the audit log of {_station(station_id)}",
            f"a county-level {_either(AUDIT_READERS)}, or one of that station",
            actor,
        )

    if action is Action.PLAN_OUTREACH:
        if actor.station_id is None and role in COUNTY_DECIDERS:
            return None
        return _needs("planning outreach rounds", "a county-level leader or officer", actor)

    if action is Action.REVIEW_VISITS:
        return _county_decider_or_station(
            actor, station_id, VISIT_REVIEWERS, f"reviewing visits of {_station(station_id)}"
        )

    if action is Action.PUSH_CHANGES:
        if role != "auditor":
            return None
        return _needs("pushing changes from a device", "an account that works cases", actor)

    if action is Action.WRITE_REGISTRY:
        if role == "officer":
            return None
        return _needs("changing the registry", "an admin or an officer", actor)

    if action is Action.WRITE_PEOPLE:
        if role != "officer":
            return _needs("changing must-visit people", "an admin or an officer", actor)
        if actor.station_id is None or station_id == actor.station_id:
            return None
        who = "an admin or a county-level officer"
        if station_id is not None:
            who = f"{who}, or an officer of station {station_id}"
        return _needs(f"changing must-visit people of {_station(station_id)}", who, actor)

    raise AssertionError(f"unhandled action {action}")  # pragma: no cover


def _needs(what: str, who: str, actor: Actor) -> str:
    return f"{what} needs {who}; you are {actor.describe()}"


def _either(roles: tuple[str, ...]) -> str:
    return ", ".join(roles[:-1]) + " or " + roles[-1]


def _station(station_id: int | None) -> str:
    return "all stations" if station_id is None else f"station {station_id}"
