"""Repeat complainants: same phone or same person across cases, within a window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bureau.errors import InvalidInput
from bureau.repeat_complainants import (
    ComplaintContact,
    normalize_phone,
    repeat_complainants,
    roster_entries,
)
from bureau.vocabulary import MUST_VISIT_CATEGORIES
from tests.unit.bureau.case_builders import T0

DAY = timedelta(days=1)
NOW = T0 + 100 * DAY


def contact(case_id, phone=None, person=None, days_ago=10):
    return ComplaintContact(case_id, phone, person, NOW - days_ago * DAY)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("138 0000 1111", "13800001111"),
        ("+86-138-0000-1111", "13800001111"),
        ("0086 13800001111", "13800001111"),
        ("(0512) 6666-1234", "051266661234"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_phone(raw, normal):
    assert normalize_phone(raw) == normal


def test_same_phone_written_differently_is_one_complainant():
    flagged = repeat_complainants(
        [contact(1, "13800001111"), contact(2, "+86 138-0000-1111"), contact(3, "13900002222")],
        now=NOW,
    )
    assert [r.case_ids for r in flagged] == [(1, 2)]
    assert flagged[0].key == "phone:13800001111"


def test_phone_and_person_join_across_cases():
    flagged = repeat_complainants(
        [
            contact(1, "13800001111", days_ago=30),
            contact(2, "13800001111", person=7, days_ago=20),
            contact(3, "13911112222", person=7, days_ago=5),
            contact(4, None, person=8),
        ],
        now=NOW,
    )
    assert len(flagged) == 1
    repeat = flagged[0]
    assert repeat.case_ids == (1, 2, 3)
    assert repeat.phones == ("13800001111", "13911112222")
    assert repeat.person_ids == (7,)
    assert repeat.first_at == NOW - 30 * DAY and repeat.last_at == NOW - 5 * DAY
    entry = roster_entries(flagged)[0]
    assert entry.category == "repeat_complainant" and entry.category in MUST_VISIT_CATEGORIES
    assert (entry.person_id, entry.phone, entry.case_count) == (7, "13911112222", 3)


def test_window_min_cases_and_anonymous_cases():
    contacts = [contact(1, "13800001111", days_ago=400), contact(2, "13800001111")]
    assert repeat_complainants(contacts, now=NOW) == []
    assert len(repeat_complainants(contacts, now=NOW, window_days=500)) == 1
    assert repeat_complainants(contacts, now=NOW, window_days=500, min_cases=3) == []
    future = [contact(1, "1", days_ago=-1), contact(2, "1")]
    assert repeat_complainants(future, now=NOW) == []  # a case after now is not counted
    anonymous = [contact(1), contact(2)]
    assert repeat_complainants(anonymous, now=NOW) == []
    same_case_twice = [contact(1, "13800001111"), contact(1, "13800001111")]
    assert repeat_complainants(same_case_twice, now=NOW) == []
    for bad in ({"window_days": 0}, {"min_cases": 1}, {"min_cases": True}):
        with pytest.raises(InvalidInput):
            repeat_complainants(contacts, now=NOW, **bad)


def test_most_cases_first():
    contacts = [contact(i, "111") for i in range(3)] + [contact(10 + i, "222") for i in range(2)]
    assert [len(r.case_ids) for r in repeat_complainants(contacts, now=NOW)] == [3, 2]
