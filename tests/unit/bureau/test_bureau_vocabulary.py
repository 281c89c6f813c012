"""Controlled vocabularies: codes stored, Chinese labels shown, both accepted on input."""

from __future__ import annotations

import pytest

from bureau.errors import InvalidInput
from bureau.vocabulary import (
    CASE_CLASSIFICATIONS,
    CHANNELS,
    COMPLAINT_CATEGORIES,
    DESKS,
    FIVE_ENTERS,
    FOLLOW_UP_OUTCOMES,
    INDUSTRIES,
    MUST_VISIT_CATEGORIES,
    POLLUTANTS,
    PROJECT_STATUSES,
    REPLY_KINDS,
    REPLY_METHODS,
    ROLES,
    choice_problem,
    label_of,
    require_choice,
)

ALL = {
    "ROLES": ROLES,
    "MUST_VISIT_CATEGORIES": MUST_VISIT_CATEGORIES,
    "PROJECT_STATUSES": PROJECT_STATUSES,
    "INDUSTRIES": INDUSTRIES,
    "POLLUTANTS": POLLUTANTS,
    "CHANNELS": CHANNELS,
    "COMPLAINT_CATEGORIES": COMPLAINT_CATEGORIES,
    "DESKS": DESKS,
    "FIVE_ENTERS": FIVE_ENTERS,
    "REPLY_KINDS": REPLY_KINDS,
    "REPLY_METHODS": REPLY_METHODS,
    "CASE_CLASSIFICATIONS": CASE_CLASSIFICATIONS,
    "FOLLOW_UP_OUTCOMES": FOLLOW_UP_OUTCOMES,
}


def test_the_five_replies_are_the_synced_event_kinds():
    from sync.entities import EVENT_KINDS, NOTIFIED_BY

    assert tuple(REPLY_KINDS) == ("receipt", "acceptance_notice", "progress", "result", "follow_up")
    assert set(EVENT_KINDS) == set(REPLY_KINDS) | {"note"}
    assert REPLY_KINDS["follow_up"] == "回访"
    # every method a device may send: a reply always says how it was given
    assert set(NOTIFIED_BY) == set(REPLY_METHODS)


def test_the_glossary_codes_are_present():
    assert tuple(ROLES) == (
        "admin",
        "leader",
        "officer",
        "intake",
        "inspector",
        "station_staff",
        "auditor",
    )
    assert tuple(MUST_VISIT_CATEGORIES) == (
        "deputy",
        "conduct_supervisor",
        "enterprise_head",
        "repeat_complainant",
        "project_neighbour",
    )
    assert tuple(PROJECT_STATUSES) == ("approved", "under_construction", "suspended", "completed")
    assert tuple(CHANNELS) == (
        "hotline_12369",
        "letter",
        "visit",
        "online",
        "outreach",
        "referral",
    )
    assert tuple(FIVE_ENTERS) == ("agency", "enterprise", "community", "village", "household")
    assert tuple(POLLUTANTS) == (
        "waste_gas",
        "waste_water",
        "noise",
        "solid_waste",
        "odour",
        "dust",
        "hazardous_waste",
        "radiation",
    )
    assert len(INDUSTRIES) == 12
    assert {"chemical", "electroplating", "printing_dyeing", "catering"} <= set(INDUSTRIES)


def test_chinese_labels():
    assert ROLES["officer"] == "责任人/办案人员"
    assert ROLES["station_staff"] == "环境管理站工作人员"
    assert MUST_VISIT_CATEGORIES["deputy"] == "人大代表和政协委员"
    assert FIVE_ENTERS["village"] == "农村"


@pytest.mark.parametrize("name", sorted(ALL))
def test_codes_are_snake_case_and_labels_are_unique(name: str):
    vocabulary = ALL[name]
    for code, label in vocabulary.items():
        assert code == code.lower() and " " not in code
        assert label.strip() == label and label
    assert len(set(vocabulary.values())) == len(vocabulary)


def test_vocabularies_are_read_only():
    with pytest.raises(TypeError):
        ROLES["superuser"] = "超级用户"  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "vocabulary", "code"),
    [
        ("chemical", INDUSTRIES, "chemical"),
        (" Chemical ", INDUSTRIES, "chemical"),
        ("化工", INDUSTRIES, "chemical"),
        ("HOTLINE_12369", CHANNELS, "hotline_12369"),
        ("办案人员", ROLES, "officer"),
        ("责任人", ROLES, "officer"),
        ("责任人/办案人员", ROLES, "officer"),
        ("新建项目周边群众", MUST_VISIT_CATEGORIES, "project_neighbour"),
    ],
)
def test_require_choice_accepts_codes_and_labels(value, vocabulary, code):
    assert require_choice(value, vocabulary, "field") == code


@pytest.mark.parametrize("value", ["plastics", "", None, 3, "化"])
def test_require_choice_lists_the_choices(value):
    with pytest.raises(InvalidInput) as info:
        require_choice(value, POLLUTANTS, "pollutant")
    reasons = info.value.errors["pollutant"]
    assert len(reasons) == 1
    if value in ("", None):
        assert reasons == ["required"]
    else:
        assert reasons[0].startswith("must be one of: waste_gas, waste_water, noise")


def test_choice_problem_does_not_raise():
    assert choice_problem("odour", POLLUTANTS) == ("odour", None)
    code, reason = choice_problem("smell", POLLUTANTS)
    assert code is None and reason and "odour" in reason


def test_label_of():
    assert label_of("noise", POLLUTANTS) == "噪声"
    assert label_of("unknown", POLLUTANTS) == "unknown"


def test_complaint_categories_are_the_pollutants_then_ecology_and_other():
    assert tuple(COMPLAINT_CATEGORIES) == (*POLLUTANTS, "ecology", "other")
    assert all(COMPLAINT_CATEGORIES[code] == label for code, label in POLLUTANTS.items())
