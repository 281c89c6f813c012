"""A server killed (SIGKILL) in the middle of a push loses nothing and applies nothing twice."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.models import Visit
from tests.integration.helpers import free_port, token_for


def _start(env, port):
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                pytest.fail("the server did not start")
            time.sleep(0.05)
    pytest.fail("the server did not listen")


def _post(port, body, token, answer):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            "/api/v1/sync/push",
            body=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        answer["status"] = response.status
        answer["body"] = json.loads(response.read())
        conn.close()
    except (OSError, http.client.HTTPException) as error:
        answer["error"] = repr(error)


def _batch(batch_seq, first_seq, size):
    return {
        "batch_seq": batch_seq,
        "schema_version": 1,
        "sent_at": datetime.now(UTC).isoformat(),
        "mutations": [
            {
                "id": str(uuid.uuid4()),
                "seq": first_seq + i,
                "entity": "visit",
                "record_id": str(uuid.uuid4()),
                "op": "create",
                "fields": {
                    "target_kind": "place",
                    "accuracy_m": 6.0,
                    "location": {"type": "Point", "coordinates": [119.87, 31.70]},
                    "visited_at": "2026-11-25T09:00:00Z",
                    "findings": f"记录 {i}",
                },
            }
            for i in range(size)
        ],
    }


def _visits_with(app, uids) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(Visit).where(Visit.uid.in_(uids))
        ).scalar_one()


def _wait_for_open_push(url, deadline=10.0) -> bool:
    """PostgreSQL: wait until a push holds the sequence lock, i.e. it is mid-transaction."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    end = time.monotonic() + deadline
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < end:
            found = conn.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'sync_counter' AND l.mode = 'RowExclusiveLock' AND l.granted"
            ).fetchone()
            if found:
                return True
            time.sleep(0.002)
    return False


def test_push_survives_sigkill_and_replay_applies_exactly_once(demo_app, backend, tmp_path):
    url = demo_app.config["SQLALCHEMY_DATABASE_URI"]
    token = token_for(demo_app, "qs_inspector")
    env = dict(os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=str(tmp_path))
    body = _batch(1, 1, 1000)
    uids = [m["record_id"] for m in body["mutations"]]
    killed_mid_push = False
    for delay in (0.05, 0.02, 0.1, 0.01, 0.15, 0.0):
        port = free_port()
        server = _start(env, port)
        answer: dict = {}
        sender = threading.Thread(target=_post, args=(port, body, token, answer))
        sender.start()
        if backend == "postgresql":
            assert _wait_for_open_push(url), "the push never began its transaction"
        else:
            time.sleep(delay)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        sender.join(timeout=60)
        if "error" in answer:  # the connection died before any answer: killed mid-push
            killed_mid_push = True
            break
    assert killed_mid_push, "could not kill the server while the push was in flight"
    applied_before_replay = _visits_with(demo_app, uids)
    if backend == "postgresql":
        assert applied_before_replay == 0, "killed mid-transaction: nothing was committed"
    else:
        assert applied_before_replay in (0, len(uids)), "a push is all or nothing"

    port = free_port()
    server = _start(env, port)
    try:
        for _attempt in range(2):
            answer = {}
            _post(port, body, token, answer)
            assert answer.get("status") == 200, answer
            outcomes = {r["outcome"] for r in answer["body"]["results"]}
            assert outcomes == {"applied"}
            assert _visits_with(demo_app, uids) == len(uids)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
