"""A complainant's name and phone pushed by a phone reach no review list in clear: not the
quarantine (a rejected complaint), not the held list (a complaint behind a gap), not the
conflicts — for any role that reads them. (A phone may not change a complainant's phone once
filed: such an update is quarantined, and must not show the new number either.)"""

from __future__ import annotations

import pytest

from tests.integration.helpers import bearer, token_for
from tests.integration.sync_helpers import Device, complaint_fields

NAME, PHONE = "欧阳娜娜", "13987654321"
LISTS = ("/api/v1/sync/quarantine", "/api/v1/sync/held", "/api/v1/sync/conflicts")
READERS = ("admin", "officer", "leader", "intake", "qs_staff", "auditor")


def _place():
    return {"type": "Point", "coordinates": [119.93, 31.70]}


@pytest.fixture
def pushed(demo_app, demo_client):
    """One complaint rejected, one held behind a gap, two phones' edits of its phone number."""
    phone = Device.for_user(demo_app, demo_client, "qs_inspector")
    # rejected: a complainant who can be reached, but no word on how the receipt was given
    rejected = phone.mutation(
        "complaint", "create",
        complaint_fields(location=_place(), complainant_name=NAME, complainant_phone=PHONE),
    )  # fmt: skip
    answer, _ = phone.push(rejected)
    assert answer["results"][0]["outcome"] == "rejected", answer
    # held: seq 100 while the device's next one is far lower
    held = phone.mutation(
        "complaint", "create",
        complaint_fields(location=_place(), complainant_name=NAME, complainant_phone=PHONE,
                         receipt_method="phone"),
        seq=100,
    )  # fmt: skip
    answer, _ = phone.push(held)
    assert answer["results"][0]["outcome"] == "held", answer
    # two phones change the complainant's phone from the same version
    created = phone.mutation(
        "complaint", "create",
        complaint_fields(location=_place(), complainant_name=NAME, complainant_phone=PHONE,
                         receipt_method="phone"),
    )  # fmt: skip
    answer, _ = phone.push(created)
    record = answer["results"][0]["record"]
    other = Device.for_user(demo_app, demo_client, "qs_inspector2")
    for device, number in ((phone, "13911110000"), (other, "13922220000")):
        change = device.mutation(
            "complaint", "update", {"complainant_phone": number}, record["id"], record["version"]
        )
        answer, _ = device.push(change)
    return answer


@pytest.mark.parametrize("reader", READERS)
def test_no_review_list_shows_a_complainant_in_clear(demo_app, demo_client, pushed, reader):
    token = token_for(demo_app, reader)
    seen = 0
    for path in LISTS:
        response = demo_client.get(path, headers=bearer(token))
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (path, response.get_json())
        text = response.get_data(as_text=True)
        seen += 1
        for secret in (NAME, PHONE, "13911110000", "13922220000"):
            assert secret not in text, (reader, path)
    if reader in ("admin", "officer"):
        assert seen == len(LISTS)


def test_the_lists_still_say_what_was_there(demo_app, demo_client, pushed):
    token = token_for(demo_app, "officer")
    quarantined = demo_client.get("/api/v1/sync/quarantine", headers=bearer(token)).get_json()
    by_op = {}
    for item in quarantined["items"]:
        by_op.setdefault(item["payload"]["op"], []).append(item["payload"]["fields"])
    [created] = by_op["create"]
    assert created["complainant_name"] is None and created["complainant_phone"] == "139****4321"
    assert created["description"]  # the rest of the payload is as sent
    assert [f["complainant_phone"] for f in by_op["update"]] == ["139****0000", "139****0000"]
    held = demo_client.get("/api/v1/sync/held", headers=bearer(token)).get_json()
    assert held["items"][0]["payload"]["fields"]["complainant_phone"] == "139****4321"
