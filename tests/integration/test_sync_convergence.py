"""Convergence: random offline sessions of 3–6 devices end with everyone holding the server's
state for their scope, and nothing anyone wrote lost (docs/sync-protocol.md, DESIGN §4).

Each example runs real reference clients against a real app on a fresh copy of the demo county,
through a network that loses answers, delivers pushes twice and delivers some late (after
later ones), sends a push's mutations again under a new batch number while the first request
is still running, and sends batches of duplicates only and replays them; device clocks are up
to three days off, deletes included. Each mutation must be decided in one batch only: answered
``duplicate`` (or ``held``) in every other, never ``already_exists`` nor a 5xx.

CI runs 500 examples per backend (1,000 scenarios); elsewhere 60, or
``FIELDSYNC_CONVERGENCE_EXAMPLES``.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from server.models import (
    RecordHistory,
    SyncBatch,
    SyncConflict,
    SyncMutation,
    SyncTombstone,
    Visit,
)
from sync.client import DeviceClient, SyncFailed
from sync.client_store import ClientStore
from tests.integration.device_transport import FlaskTransport, UnreliableNetwork
from tests.integration.helpers import token_for

#: devices that share station 320481101 (so they edit the same records), one elsewhere, and a
#: county-level officer who sees everything
USERS = ("qs_inspector", "qs_inspector2", "qs_staff", "officer", "bh_inspector", "bh_staff")
TEXTS = ("已联系企业", "现场检查中", "等待监测结果", "已整改", None)
ADDRESSES = ("青山路1号", "工业园区3号", "北庄村10组")
CATEGORIES = ("odour", "waste_gas", "noise", "dust")
STATUS_NEXT = {
    "received": "accepted",
    "accepted": "investigating",
    "investigating": "resolved",
    "resolved": "closed",
    "closed": "reopened",
    "reopened": "investigating",
}
ENTITIES = ("complaint", "person", "visit")


def _client(app, username, skew_hours, rng):
    token = token_for(app, username)
    store = ClientStore()
    store.token = token
    network = UnreliableNetwork(FlaskTransport(app.test_client()), rng)
    offset = timedelta(hours=skew_hours)
    client = DeviceClient(
        store,
        network,
        clock=lambda: datetime.now(UTC) + offset,
        sleep=lambda _s: None,
        max_retries=6,
        backoff_base=0.0,
    )
    return client, network


def _act(client, action, draw_index, rng):
    kind = action
    complaints = sorted(client.records("complaint"))
    people = sorted(client.records("person"))
    if kind == "create_complaint":
        client.create(
            "complaint",
            {"category": rng.choice(CATEGORIES), "description": f"投诉 {rng.randrange(10**6)}"},
        )
    elif kind == "update_complaint" and complaints:
        cid = complaints[draw_index % len(complaints)]
        current = client.record("complaint", cid)
        fields = {}
        for name, options in (("summary", TEXTS), ("address", ADDRESSES), ("category", CATEGORIES)):
            if rng.random() < 0.5:
                fields[name] = rng.choice(options)
        if rng.random() < 0.3 and current.get("status") in STATUS_NEXT:
            fields["status"] = STATUS_NEXT[current["status"]]
        if fields:
            client.update("complaint", cid, fields)
    elif kind == "create_person":
        client.create(
            "person", {"name": f"居民{rng.randrange(1000)}", "category": "project_neighbour"}
        )
    elif kind == "update_person" and people:
        pid = people[draw_index % len(people)]
        client.update("person", pid, {"phone": f"1380000{rng.randrange(10000):04d}"})
    elif kind == "delete_person" and people:
        client.delete("person", people[draw_index % len(people)])
    elif kind == "create_visit":
        client.create(
            "visit",
            {
                "target_kind": "place",
                "accuracy_m": 10.0,
                "location": {"type": "Point", "coordinates": [119.87 + rng.random() / 100, 31.70]},
                "visited_at": "2026-11-25T09:00:00Z",
            },
        )
    elif kind == "sync":
        _try(client.sync)
    elif kind == "push":
        _try(client.push)
    elif kind == "pull":
        _try(client.pull)


def _try(operation):
    try:
        operation()
    except SyncFailed:
        pass  # the network gave up for now; the outbox keeps everything for the next try


def _settle(clients, networks):
    for network in networks:
        network.lose = network.twice = network.late = 0.0
        network.flush_late()
    for _round in range(4):
        for client in clients:
            client.push()
        for client in clients:
            client.pull()
    for client in clients:
        assert client.pending() == [], "every mutation reached a terminal outcome"


def _server_state(app, actor_station_id):
    from server.extensions import db
    from server.services.sync_entities import ADAPTERS, load_rows

    state = {}
    with app.app_context():
        for entity in ENTITIES:
            model = ADAPTERS[entity].model
            query = sa.select(model.uid)
            if actor_station_id is not None:
                query = query.where(model.station_id == actor_station_id)
            uids = list(db.session.execute(query).scalars())
            rows = load_rows(entity, uids, db.session)
            state[entity] = {uid: ADAPTERS[entity].to_wire(row) for uid, row in rows.items()}
    return state


def _check_nothing_lost(app, clients):
    from server.extensions import db

    with app.app_context():
        # visits created in bulk are recorded on their batch, every other mutation in its row
        created_in_bulk = {
            item[1]: item[2]
            for created in db.session.execute(sa.select(SyncBatch.created)).scalars()
            for item in created or ()
        }
        for client in clients:
            for entry in client.store.mutations(("done", "rejected")):
                if entry.id in created_in_bulk:
                    assert (entry.entity, entry.op) == ("visit", "create")
                    assert created_in_bulk[entry.id] == entry.record_id
                    assert db.session.execute(
                        sa.select(Visit.id).where(Visit.uid == entry.record_id)
                    ).scalar_one()
                    continue
                stored = db.session.execute(
                    sa.select(SyncMutation).where(SyncMutation.mutation_id == entry.id)
                ).scalar_one()
                assert stored.outcome not in ("held",)
                if stored.outcome == "rejected":
                    continue  # kept in quarantine with its payload
                if entry.op == "update":
                    for name, value in entry.fields.items():
                        history = db.session.execute(
                            sa.select(RecordHistory.fields).where(
                                RecordHistory.entity == entry.entity,
                                RecordHistory.record_uid == entry.record_id,
                            )
                        ).scalars()
                        in_history = any(version.get(name) == value for version in history)
                        in_conflict = db.session.execute(
                            sa.select(SyncConflict.id).where(
                                SyncConflict.record_uid == entry.record_id,
                                SyncConflict.field.in_([name, "*"]),
                            )
                        ).first()
                        assert in_history or in_conflict, (entry, name, value)
                elif entry.op == "delete":
                    gone = db.session.execute(
                        sa.select(SyncTombstone.id).where(
                            SyncTombstone.record_uid == entry.record_id
                        )
                    ).first()
                    kept = db.session.execute(
                        sa.select(SyncConflict.id).where(SyncConflict.record_uid == entry.record_id)
                    ).first()
                    assert gone or kept, entry


@pytest.fixture
def fresh_demo(databases, tmp_path):
    """One app for all the examples; each example gets a fresh copy of the demo county in
    place of the last one (building an app costs more than most examples)."""
    from server import create_app
    from server.extensions import db

    url = databases.fresh_url("demo")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})

    def make():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.refill(url, "demo")
        return app

    yield make
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def _examples() -> int:
    default = 500 if os.environ.get("CI") else 60
    return int(os.environ.get("FIELDSYNC_CONVERGENCE_EXAMPLES", default))


def _check_decided_once(networks) -> None:
    """Every mutation was decided in one batch: in every other batch number it was answered
    ``duplicate`` of that (or ``held`` while it waited); nobody's own record came back
    ``already_exists`` and no seq was called reused (the clients never reuse one)."""
    decided: dict[str, set[int]] = {}
    for network in networks:
        for batch_seq, status, body in network.answers:
            if status != 200:
                continue
            for result in body["results"]:
                assert result["code"] not in ("already_exists", "sequence_reused"), result
                if result["outcome"] not in ("duplicate", "held"):
                    decided.setdefault(result["id"], set()).add(batch_seq)
                elif result["outcome"] == "duplicate":
                    assert result["original_outcome"] is not None, result
    twice = {mid: seqs for mid, seqs in decided.items() if len(seqs) > 1}
    assert not twice, twice


ACTIONS = st.sampled_from(
    [
        "create_complaint",
        "update_complaint",
        "update_complaint",
        "update_complaint",
        "create_person",
        "update_person",
        "delete_person",
        "create_visit",
        "sync",
        "sync",
        "push",
        "pull",
    ]
)


@settings(
    max_examples=_examples(),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    devices=st.integers(min_value=3, max_value=6),
    skews=st.lists(st.integers(min_value=-72, max_value=72), min_size=6, max_size=6),
    steps=st.lists(
        st.tuples(st.integers(0, 5), ACTIONS, st.integers(0, 1000)), min_size=5, max_size=45
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_devices_converge_and_nothing_is_lost(fresh_demo, devices, skews, steps, seed):
    app = fresh_demo()
    rng = random.Random(seed)
    pairs = [_client(app, USERS[i], skews[i], random.Random(rng.random())) for i in range(devices)]
    clients = [c for c, _n in pairs]
    networks = [n for _c, n in pairs]
    for _ in range(3):  # shared cases to disagree about
        clients[0].create("complaint", {"category": "odour", "description": "共享的投诉"})
    clients[0].push()
    for client in clients:
        _try(client.pull)
    for who, action, index in steps:
        _act(clients[who % devices], action, index, rng)
    _settle(clients, networks)
    for network in networks:
        for happened in set(network.events):
            event(f"network: {happened}")
    for client in clients:
        for entry in client.store.mutations(("done", "rejected")):
            outcome = (entry.outcome or {}).get("outcome")
            event(f"{entry.entity} {entry.op}: {outcome}")

    from server.extensions import db
    from server.models import User

    with app.app_context():
        stations = {u.username: u.station_id for u in db.session.execute(sa.select(User)).scalars()}
    for client, username in zip(clients, USERS, strict=False):
        expected = _server_state(app, stations[username])
        for entity in ENTITIES:
            local = client.records(entity)
            assert set(local) == set(expected[entity]), (username, entity)
            for uid, record in expected[entity].items():
                assert {k: local[uid].get(k) for k in record} == record, (username, entity, uid)
    _check_nothing_lost(app, clients)
    _check_decided_once(networks)
