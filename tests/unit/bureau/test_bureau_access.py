"""Access rules, table-driven over every role at county level and bound to a station."""

from __future__ import annotations

import pytest

from bureau.access import (
    MANAGE_ACCOUNTS,
    READ_PEOPLE,
    READ_REGISTRY,
    WRITE_PEOPLE,
    WRITE_REGISTRY,
    Action,
    Actor,
    allowed,
    authorize,
    people_scope,
)
from bureau.errors import Forbidden
from bureau.vocabulary import ROLES

OWN, OTHER = 1, 2
COUNTY = None

# One row per (role, actor's station). The three strings are Y/N answers for:
#   registry:     READ_REGISTRY, WRITE_REGISTRY, MANAGE_ACCOUNTS
#   read people:  of the actor's OWN station, of an OTHER station, of all stations (None)
#   write people: same three
# and the last column is people_scope(): None (all), a station id, or Forbidden.
TABLE = [
    # role            station  registry  read_ppl  write_ppl  scope
    ("admin",         COUNTY,  "YYY",    "YYY",    "YYY",     None),
    ("admin",         OWN,     "YYY",    "YYY",    "YYY",     None),
    ("leader",        COUNTY,  "YNN",    "YYY",    "NNN",     None),
    ("officer",       COUNTY,  "YYN",    "YYY",    "YYY",     None),
    ("intake",        COUNTY,  "YNN",    "YYY",    "NNN",     None),
    ("auditor",       COUNTY,  "YNN",    "YYY",    "NNN",     None),
    ("inspector",     COUNTY,  "NNN",    "NNN",    "NNN",     Forbidden),
    ("station_staff", COUNTY,  "NNN",    "NNN",    "NNN",     Forbidden),
    ("leader",        OWN,     "YNN",    "YNN",    "NNN",     OWN),
    ("officer",       OWN,     "YYN",    "YNN",    "YNN",     OWN),
    ("intake",        OWN,     "YNN",    "YNN",    "NNN",     OWN),
    ("auditor",       OWN,     "YNN",    "YNN",    "NNN",     OWN),
    ("inspector",     OWN,     "YNN",    "YNN",    "NNN",     OWN),
    ("station_staff", OWN,     "YNN",    "YNN",    "NNN",     OWN),
]  # fmt: skip


def test_table_covers_every_role():
    assert {row[0] for row in TABLE} == set(ROLES)


def _case_id(row) -> str:
    return f"{row[0]}@{'county' if row[1] is None else 'station'}"


@pytest.mark.parametrize("row", TABLE, ids=_case_id)
def test_access_table(row):
    role, station, registry, read_people, write_people, _ = row
    actor = Actor(user_id=7, role=role, station_id=station)
    answers = [flag == "Y" for flag in registry + read_people + write_people]
    cases = [
        (READ_REGISTRY, None),
        (WRITE_REGISTRY, None),
        (MANAGE_ACCOUNTS, None),
        (READ_PEOPLE, OWN),
        (READ_PEOPLE, OTHER),
        (READ_PEOPLE, None),
        (WRITE_PEOPLE, OWN),
        (WRITE_PEOPLE, OTHER),
        (WRITE_PEOPLE, None),
    ]
    expectations = [(*case, answer) for case, answer in zip(cases, answers, strict=True)]
    for action, people_station, expected in expectations:
        assert allowed(actor, action, station_id=people_station) is expected, (
            action,
            people_station,
        )
        if expected:
            authorize(actor, action, station_id=people_station)
        else:
            with pytest.raises(Forbidden) as info:
                authorize(actor, action, station_id=people_station)
            assert info.value.status == 403
            assert info.value.message


@pytest.mark.parametrize("row", TABLE, ids=_case_id)
def test_people_scope(row):
    role, station, *_, scope = row
    actor = Actor(user_id=7, role=role, station_id=station)
    if scope is Forbidden:
        with pytest.raises(Forbidden):
            people_scope(actor)
    else:
        assert people_scope(actor) == scope


def test_people_scope_follows_the_actor_station():
    assert people_scope(Actor(1, "inspector", 42)) == 42
    assert people_scope(Actor(1, "station_staff", 9)) == 9


def test_refusal_says_what_would_be_needed():
    inspector = Actor(user_id=3, role="inspector", station_id=2)
    with pytest.raises(Forbidden) as info:
        authorize(inspector, READ_PEOPLE, station_id=5)
    message = info.value.message
    assert "station 5" in message
    assert "inspector of station 2" in message
    assert "county-level" in message

    with pytest.raises(Forbidden) as info:
        authorize(inspector, MANAGE_ACCOUNTS)
    assert "admin" in info.value.message

    with pytest.raises(Forbidden) as info:
        authorize(Actor(1, "leader", None), WRITE_REGISTRY)
    assert "an admin or an officer" in info.value.message
    assert "leader at county level" in info.value.message

    with pytest.raises(Forbidden) as info:
        authorize(Actor(1, "officer", 1), WRITE_PEOPLE, station_id=2)
    assert "officer of station 2" in info.value.message


def test_unbound_field_account_is_told_to_get_a_station():
    with pytest.raises(Forbidden, match="must be bound to a station"):
        authorize(Actor(1, "inspector", None), READ_REGISTRY)


def test_unknown_role_is_refused_everything():
    ghost = Actor(1, "superuser", None)
    for action in Action:
        assert not allowed(ghost, action)
    with pytest.raises(Forbidden, match="unknown role"):
        authorize(ghost, READ_REGISTRY)


def test_actions_may_be_given_as_strings():
    authorize(Actor(1, "admin", None), "manage_accounts")
    with pytest.raises(Forbidden, match="unknown action"):
        authorize(Actor(1, "admin", None), "launch_rockets")


def test_actor_is_immutable():
    actor = Actor(1, "leader", None)
    with pytest.raises(AttributeError):
        actor.role = "admin"  # type: ignore[misc]


# Cases and links, per (role, actor's station): Y/N for
#   READ_CASES of OWN station, OTHER station, all (None);  DECIDE_LINKS of OWN, OTHER, None.
CASES_TABLE = [
    ("admin",         COUNTY,  "YYY", "YYY"),
    ("admin",         OWN,     "YYY", "YYY"),
    ("leader",        COUNTY,  "YYY", "YYY"),
    ("officer",       COUNTY,  "YYY", "YYY"),
    ("intake",        COUNTY,  "YYY", "NNN"),
    ("auditor",       COUNTY,  "YYY", "NNN"),
    ("inspector",     COUNTY,  "NNN", "NNN"),
    ("station_staff", COUNTY,  "NNN", "NNN"),
    ("leader",        OWN,     "YNN", "YNN"),
    ("officer",       OWN,     "YNN", "YNN"),
    ("intake",        OWN,     "YNN", "NNN"),
    ("auditor",       OWN,     "YNN", "NNN"),
    ("inspector",     OWN,     "YNN", "NNN"),
    ("station_staff", OWN,     "YNN", "YNN"),
]  # fmt: skip


@pytest.mark.parametrize("row", CASES_TABLE, ids=_case_id)
def test_cases_and_links_table(row):
    role, station, read, decide = row
    actor = Actor(user_id=7, role=role, station_id=station)
    for action, answers in ((Action.READ_CASES, read), (Action.DECIDE_LINKS, decide)):
        for target, answer in zip((OWN, OTHER, None), answers, strict=True):
            assert allowed(actor, action, station_id=target) is (answer == "Y"), (action, target)
    if station is not None and role == "inspector":
        with pytest.raises(Forbidden) as info:
            authorize(actor, Action.DECIDE_LINKS, station_id=OWN)
        assert "station_staff" in info.value.message


# Casework, per (role, actor's station): Y/N for OWN station, OTHER station, all (None) of
#   HANDLE_CASES;  DECIDE_ESCALATIONS;  READ_AUDIT.
CASEWORK_TABLE = [
    ("admin",         COUNTY,  "YYY", "YYY", "YYY"),
    ("leader",        COUNTY,  "YYY", "YYY", "YYY"),
    ("officer",       COUNTY,  "YYY", "NNN", "NNN"),
    ("intake",        COUNTY,  "YYY", "NNN", "NNN"),
    ("auditor",       COUNTY,  "NNN", "NNN", "YYY"),
    ("inspector",     COUNTY,  "NNN", "NNN", "NNN"),
    ("station_staff", COUNTY,  "NNN", "NNN", "NNN"),
    ("leader",        OWN,     "YNN", "YNN", "YNN"),
    ("officer",       OWN,     "YNN", "NNN", "NNN"),
    ("intake",        OWN,     "YNN", "NNN", "NNN"),
    ("auditor",       OWN,     "NNN", "NNN", "YNN"),
    ("inspector",     OWN,     "YNN", "NNN", "NNN"),
    ("station_staff", OWN,     "YNN", "NNN", "NNN"),
]  # fmt: skip


@pytest.mark.parametrize("row", CASEWORK_TABLE, ids=_case_id)
def test_casework_table(row):
    role, station, handle, decide, audit = row
    actor = Actor(user_id=7, role=role, station_id=station)
    table = (
        (Action.HANDLE_CASES, handle),
        (Action.DECIDE_ESCALATIONS, decide),
        (Action.READ_AUDIT, audit),
    )
    for action, answers in table:
        for target, answer in zip((OWN, OTHER, None), answers, strict=True):
            assert allowed(actor, action, station_id=target) is (answer == "Y"), (action, target)


def test_casework_refusals_name_who_may():
    with pytest.raises(Forbidden) as info:
        authorize(Actor(3, "auditor", None), Action.HANDLE_CASES, station_id=OWN)
    assert "leader, officer or intake" in info.value.message
    with pytest.raises(Forbidden) as info:
        authorize(Actor(3, "officer", None), Action.DECIDE_ESCALATIONS, station_id=OWN)
    assert "leader" in info.value.message


# Outreach, per (role, actor's station): Y/N for OWN station, OTHER station, all (None) of
#   PLAN_OUTREACH;  REVIEW_VISITS.
OUTREACH_TABLE = [
    ("admin",         COUNTY,  "YYY", "YYY"),
    ("leader",        COUNTY,  "YYY", "YYY"),
    ("officer",       COUNTY,  "YYY", "YYY"),
    ("intake",        COUNTY,  "NNN", "NNN"),
    ("auditor",       COUNTY,  "NNN", "NNN"),
    ("leader",        OWN,     "NNN", "YNN"),
    ("officer",       OWN,     "NNN", "YNN"),
    ("station_staff", OWN,     "NNN", "YNN"),
    ("inspector",     OWN,     "NNN", "NNN"),
    ("auditor",       OWN,     "NNN", "NNN"),
]  # fmt: skip


@pytest.mark.parametrize("row", OUTREACH_TABLE, ids=_case_id)
def test_outreach_table(row):
    role, station, plan, review = row
    actor = Actor(user_id=7, role=role, station_id=station)
    for action, answers in ((Action.PLAN_OUTREACH, plan), (Action.REVIEW_VISITS, review)):
        for target, answer in zip((OWN, OTHER, None), answers, strict=True):
            assert allowed(actor, action, station_id=target) is (answer == "Y"), (action, target)
