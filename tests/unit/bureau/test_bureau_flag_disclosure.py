"""Flags that name a complaint the reader may not open are counted, not described."""

from __future__ import annotations

from bureau.flag_disclosure import disclose

MINE, THEIRS = "c-mine", "c-theirs"


def flag(code: str, related: str | None, reason: str = "x") -> dict:
    return {"code": code, "reason": reason, "measured": {"distance_m": 12.0}, "related": related}


def readable(uid: str) -> bool:
    return uid != THEIRS and not uid.startswith("theirs")


def test_flags_naming_readable_complaints_or_no_complaint_are_unchanged() -> None:
    flags = [
        flag("near_new_project", "17", "120 m from project 17"),
        flag("likely_duplicate", MINE, "complaint c-mine about odour 3 h earlier"),
        flag("time_in_future", None),
    ]
    assert disclose(flags, readable) == flags


def test_a_flag_naming_another_stations_complaint_is_counted_without_its_details() -> None:
    flags = [
        flag("likely_duplicate", THEIRS, "complaint c-theirs about odour, 40 m away"),
        flag("near_new_project", "17"),
    ]
    shown = disclose(flags, readable)
    assert shown[0] == flags[1]
    assert shown[1]["code"] == "likely_duplicate" and shown[1]["related"] is None
    assert shown[1]["measured"] == {"count": 1}
    assert THEIRS not in str(shown) and "odour" not in str(shown)


def test_several_hidden_ones_make_one_count_per_code() -> None:
    flags = [flag("likely_duplicate", f"theirs-{i}") for i in range(3)]
    flags += [flag("rebound", "theirs-9"), flag("rebound", MINE)]
    shown = disclose(flags, readable)
    assert [(f["code"], f["related"]) for f in shown] == [
        ("rebound", MINE),
        ("likely_duplicate", None),
        ("rebound", None),
    ]
    assert [f["measured"] for f in shown[1:]] == [{"count": 3}, {"count": 1}]
    assert shown[1]["reason"].startswith("3 likely duplicates in another station's area")
