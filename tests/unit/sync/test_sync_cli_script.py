"""Scripted offline sessions: aliases, validation, and a day in the field end to end."""

from __future__ import annotations

import pytest

from sync.cli_script import ScriptError, run_actions
from sync.client import DeviceClient, PushReport, SyncReport
from sync.client_store import ClientStore
from tests.unit.sync.sync_fake_server import FakeServer


@pytest.fixture
def client():
    store = ClientStore()
    device = DeviceClient(store, FakeServer(), sleep=lambda s: None)
    yield device
    store.close()


def test_a_scripted_day_in_the_field(client):
    run = run_actions(
        client,
        [
            {"do": "register", "username": "qs", "password": "secret", "name": "phone"},
            {"do": "create", "entity": "complaint", "fields": {"status": "received"}, "as": "c"},
            {
                "do": "create",
                "entity": "visit",
                "fields": {"complaint_id": "$c", "links": ["$c", "$nobody"]},
                "as": "v1",
            },
            {"do": "update", "entity": "complaint", "record_id": "$c", "fields": {"x": 1}},
            {"do": "push"},
            {"do": "delete", "entity": "complaint", "record_id": "$c"},
            {"do": "sync"},
            {"do": "pull"},
        ],
    )
    complaint, visit = run.names["c"], run.names["v1"]
    assert client.record("visit", visit) == {
        "complaint_id": complaint,
        "links": [complaint, "$nobody"],
    }
    assert client.record("complaint", complaint) is None
    assert isinstance(run.outputs[4], PushReport)
    assert isinstance(run.outputs[6], SyncReport)
    assert len(run.outputs) == 8
    assert client.pending() == []


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"do": "fly"}, "unknown action"),
        ({"entity": "visit"}, "unknown action"),
        ({"do": "update", "entity": "visit", "fields": {"a": 1}}, "needs 'record_id'"),
        ({"do": "update", "entity": "visit", "record_id": "$x", "fields": {}}, "named 'x'"),
        ({"do": "create", "fields": {}}, "needs 'entity'"),
    ],
)
def test_malformed_actions_name_their_position(client, action, message):
    with pytest.raises(ScriptError, match=f"action 2: .*{message}|action 2: {message}"):
        run_actions(client, [{"do": "create", "entity": "visit", "fields": {}}, action])
