"""Complainant privacy: who sees name and phone, and which reads are audited."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bureau.access import Actor
from bureau.cases import Complainant
from bureau.complainant_privacy import (
    complainant_read_event,
    handles_case,
    mask_phone,
    may_see_complainant,
    read_must_be_audited,
    redact,
)
from tests.unit.bureau.case_builders import DESK, OFFICER, T0, Clock, case_in

CASE = case_in("investigating", Clock())  # station 3, assignee OFFICER (2), receiver DESK (1)


@pytest.mark.parametrize(
    ("actor", "sees", "audited"),
    [
        (DESK, True, False),  # first receiver
        (OFFICER, True, False),  # assignee
        (Actor(20, "officer", station_id=3), True, False),
        (Actor(21, "station_staff", station_id=3), True, False),
        (Actor(22, "inspector", station_id=3), False, False),  # not the assignee
        (Actor(23, "officer", station_id=4), False, False),
        (Actor(24, "officer"), False, False),  # county officer, case at a station
        (Actor(25, "intake"), False, False),  # desk staff who did not take it
        (Actor(26, "admin"), False, False),
        (Actor(27, "leader"), True, True),
        (Actor(28, "leader", station_id=3), True, True),
        (Actor(29, "leader", station_id=4), False, False),
        (Actor(30, "auditor"), True, True),
        (Actor(31, "nobody"), False, False),
    ],
)
def test_who_sees_the_complainant(actor, sees, audited):
    assert may_see_complainant(actor, CASE) is sees
    assert read_must_be_audited(actor, CASE) is audited
    event = complainant_read_event(actor, CASE, T0, "督办清单")
    if audited:
        assert (event.action, event.actor_id, event.at, event.why) == (
            "complainant_read",
            actor.user_id,
            T0,
            "督办清单",
        )
    else:
        assert event is None


def test_an_inspector_who_is_the_assignee_handles_the_case():
    inspector = Actor(40, "inspector", station_id=3)
    assert not handles_case(inspector, CASE)
    assert handles_case(inspector, replace(CASE, assignee_id=40))


def test_a_county_officer_handles_county_desk_cases():
    county_case = replace(CASE, station_id=None)
    assert handles_case(Actor(24, "officer"), county_case)
    assert not handles_case(Actor(20, "officer", station_id=3), county_case)


def test_redaction():
    shown = redact(OFFICER, CASE)
    assert shown["name"] == "王芳" and shown["phone"] == "13800001111" and shown["visible"]
    hidden = redact(Actor(26, "admin"), CASE)
    assert hidden["name"] is None and hidden["phone"] == "138****1111"
    public = redact(None, CASE)
    assert public["name"] is None and public["phone"] is None and not public["visible"]
    assert public["headcount"] == 1 and public["anonymous"] is False
    anonymous = redact(OFFICER, replace(CASE, complainant=Complainant()))
    assert anonymous["anonymous"] is True and anonymous["name"] is None
    assert mask_phone("12369") == "*****" and mask_phone(None) is None


def test_review_lists_withhold_the_name_and_mask_the_phone_for_everyone() -> None:
    from bureau.complainant_privacy import withhold_identity, withhold_value

    fields = {"description": "气味", "complainant_name": "陈女士",
              "complainant_phone": "13812341111"}  # fmt: skip
    assert withhold_identity(fields) == {
        "description": "气味",
        "complainant_name": None,
        "complainant_phone": "138****1111",
    }
    assert withhold_value("complainant_phone", 42) is None
    assert withhold_value("description", "x") == "x"
    assert withhold_identity(["not", "a", "mapping"]) == ["not", "a", "mapping"]
