"""One commit point per request (``server/transaction.py``, DESIGN §2), on both databases.

What users rely on: a successful write is durable before its answer arrives and visible to the
next request; a refused request (a domain error, an abort, an error answer, an exception) leaves
nothing of what it wrote; a commit that fails is answered as an error, never as a success; the
device's last-seen time is kept when a request succeeds or is refused, not after a server
failure; a push's batch is stored with its answer or not at all; a streamed body is produced
after the commit.

Cases that need a view doing one odd thing (write then fail, fail at COMMIT, stream) use probe
routes added to the test's app, writing a probe table created in its database; the rest go
through the real API. What is committed is read through connections of the test's own, never
through the app's session.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Response, redirect, request, stream_with_context
from flask_smorest import abort

from bureau.errors import Conflict
from server.auth import authenticate_request
from server.database import engine_options
from server.extensions import db
from server.models import Device as DeviceRow
from server.models.base import utcnow
from server.transaction import keep_writes
from sync.client import DeviceClient
from sync.client_store import ClientStore
from tests.integration.device_transport import FlaskTransport
from tests.integration.helpers import bearer, token_for
from tests.integration.sync_helpers import Device, visit_fields

PROBE_TABLES = (
    "CREATE TABLE probe_parent (id INTEGER PRIMARY KEY)",
    # the foreign key is checked at COMMIT on both databases: a way to make a commit fail
    "CREATE TABLE probe (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, "
    "parent_id INTEGER REFERENCES probe_parent (id) DEFERRABLE INITIALLY DEFERRED)",
)
INSERT = sa.text(
    "INSERT INTO probe (id, name, parent_id) "
    "VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM probe), :name, :parent)"
)


class Outside:
    """Reads what is committed, through connections of its own."""

    def __init__(self, app):
        self.url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.engine = sa.create_engine(self.url, **engine_options(self.url))

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).all()

    def scalar(self, sql: str, **params):
        (row,) = self.rows(sql, **params)
        return row[0]

    def names(self) -> list[str]:
        return sorted(name for (name,) in self.rows("SELECT name FROM probe"))


@pytest.fixture
def outside(app):
    reader = Outside(app)
    yield reader
    reader.engine.dispose()


@pytest.fixture
def demo_outside(demo_app):
    reader = Outside(demo_app)
    yield reader
    reader.engine.dispose()


def install_probe(app) -> None:
    """The probe table and routes (before the app's first request, as Flask requires)."""
    with app.app_context():
        for statement in PROBE_TABLES:
            db.session.execute(sa.text(statement))
        db.session.commit()

    def write(name: str):
        if request.args.get("auth"):
            authenticate_request()
        db.session.execute(INSERT, {"name": name, "parent": None})
        then = request.args.get("then", "answer")
        if then == "answer":
            return {"name": name}, 201
        if then == "redirect":
            return redirect("/probe", code=303)
        if then == "error_answer":
            return {"message": "refused"}, 400
        if then == "domain":
            raise Conflict("refused after writing")
        if then == "abort":
            abort(409, message="refused after writing")
        if then == "crash":
            raise RuntimeError("failed after writing")
        if then == "keep":
            keep_writes()
            abort(422, message="refused; what was written stands")
        if then == "keep_crash":
            keep_writes()
            raise RuntimeError("failed after writing")
        if then == "orphan":  # fails at COMMIT, not here
            db.session.execute(INSERT, {"name": f"{name}-orphan", "parent": 999})
            return {"name": name}, 201
        raise AssertionError(then)

    def names():
        return {"names": sorted(db.session.execute(sa.text("SELECT name FROM probe")).scalars())}

    def stream():
        db.session.execute(INSERT, {"name": "before", "parent": None})

        def body():
            yield ",".join(db.session.execute(sa.text("SELECT name FROM probe")).scalars())
            db.session.execute(INSERT, {"name": "during", "parent": None})
            yield "."

        return Response(stream_with_context(body()), mimetype="text/plain")

    def serializable():
        db.session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        db.session.execute(sa.text("SELECT name FROM probe WHERE id = 1")).all()
        db.session.execute(sa.text("UPDATE probe SET name = 'b2' WHERE id = 2"))
        return {"updated": "b2"}

    app.add_url_rule("/probe/<name>", "probe_write", write, methods=["POST"])
    app.add_url_rule("/probe", "probe_names", names)
    app.add_url_rule("/probe-stream", "probe_stream", stream)
    app.add_url_rule("/probe-serializable", "probe_serializable", serializable, methods=["POST"])


# --- the rule, on probe routes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "status", "kept"),
    [
        ("answer", 201, True),
        ("redirect", 303, True),
        ("error_answer", 400, False),  # an error answer returned, not raised
        ("domain", 409, False),  # a domain error after a write
        ("abort", 409, False),  # an abort after a write
        ("crash", 500, False),  # an exception after a write
        ("keep", 422, True),  # a refusal whose writes are meant to stand
        ("keep_crash", 500, False),  # ... but not when the server fails
    ],
)
def test_what_a_request_wrote_stands_only_when_it_succeeded(app, outside, then, status, kept):
    install_probe(app)
    client = app.test_client()
    response = client.post(f"/probe/mine?then={then}")
    assert response.status_code == status, response.get_data(as_text=True)
    expected = ["mine"] if kept else []
    assert outside.names() == expected
    assert client.get("/probe").get_json()["names"] == expected  # the next request sees it
    # the connection is clean for the next writer
    assert client.post("/probe/next").status_code == 201
    assert outside.names() == sorted([*expected, "next"])


def test_a_commit_that_fails_is_an_error_answer_and_saves_nothing(app, outside):
    install_probe(app)
    client = app.test_client()
    response = client.post("/probe/mine?then=orphan")
    assert response.status_code == 409  # the view answered 201; COMMIT refused the write
    body = response.get_json()
    assert body["code"] == "conflict" and "nothing was saved" in body["message"]
    assert outside.names() == []
    assert client.post("/probe/next").status_code == 201
    assert outside.names() == ["next"]


def test_a_serialization_failure_at_commit_is_503_and_saves_nothing(app, backend, outside):
    """Two SERIALIZABLE transactions each read what the other writes (write skew): the one
    that commits second fails at COMMIT. That one is the request: it must not answer 200."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no serialization failures")
    install_probe(app)
    with app.app_context():
        db.session.execute(INSERT, {"name": "a", "parent": None})
        db.session.execute(INSERT, {"name": "b", "parent": None})
        db.session.commit()
    other = sa.create_engine(outside.url, isolation_level="SERIALIZABLE")

    @app.after_request  # runs before the commit point: between the view and the commit
    def concurrent_writer(response):
        if request.endpoint == "probe_serializable":
            with other.begin() as connection:
                connection.execute(sa.text("SELECT name FROM probe WHERE id = 2")).all()
                connection.execute(sa.text("UPDATE probe SET name = 'a2' WHERE id = 1"))
        return response

    try:
        response = app.test_client().post("/probe-serializable")
    finally:
        other.dispose()
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["code"] == "unavailable"
    assert outside.names() == ["a2", "b"]  # the other writer's change, not the request's


def test_a_streamed_body_comes_after_the_commit(app, backend, outside):
    install_probe(app)
    client = app.test_client()
    response = client.get("/probe-stream", buffered=False)
    assert response.status_code == 200
    assert outside.names() == ["before"]  # committed before the body's first byte
    assert response.get_data(as_text=True) == "before."
    response.close()
    assert outside.names() == ["before"]  # what the body's generator wrote is rolled back
    if backend == "postgresql":
        assert (
            outside.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"
            )
            == 0
        )
    assert client.post("/probe/next").status_code == 201  # no transaction left holding locks
    assert outside.names() == ["before", "next"]


# --- the device's last-seen time ---------------------------------------------------------------


def _device(demo_app, demo_client, username="qs_inspector") -> tuple[str, int]:
    token = token_for(demo_app, username)
    me = demo_client.get("/api/v1/me", headers=bearer(token)).get_json()
    return token, me["device"]["id"]


def _seen_an_hour_ago(demo_app, device_id: int):
    with demo_app.app_context():
        device = db.session.get(DeviceRow, device_id)
        device.last_seen_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        return device.last_seen_at


def _last_seen(demo_app, device_id: int):
    with demo_app.app_context():
        return db.session.get(DeviceRow, device_id).last_seen_at


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/enterprises?page_size=1", 200),
        ("/api/v1/sync/conflicts", 403),  # an inspector does not review conflicts
        ("/api/v1/enterprises/999999", 404),
        ("/api/v1/sync/pull?limit=0", 422),
    ],
)
def test_a_device_is_seen_when_served_and_when_refused(demo_app, demo_client, path, status):
    token, device_id = _device(demo_app, demo_client)
    before = _seen_an_hour_ago(demo_app, device_id)
    assert demo_client.get(path, headers=bearer(token)).status_code == status
    seen = _last_seen(demo_app, device_id)
    assert seen > before and utcnow() - seen < timedelta(minutes=1)


def test_a_device_is_not_seen_by_a_request_that_failed_on_the_server(demo_app, demo_client):
    install_probe(demo_app)
    token, device_id = _device(demo_app, demo_client)
    before = _seen_an_hour_ago(demo_app, device_id)
    response = demo_client.post("/probe/mine?auth=1&then=crash", headers=bearer(token))
    assert response.status_code == 500
    assert _last_seen(demo_app, device_id) == before
    with demo_app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM probe")).scalar() == 0


# --- pushes -----------------------------------------------------------------------------------


def _batches(outside: Outside, device_id: int) -> int:
    return outside.scalar("SELECT count(*) FROM sync_batch WHERE device_id = :d", d=device_id)


def _visits(outside: Outside) -> int:
    return outside.scalar("SELECT count(*) FROM visit")


def test_a_push_refused_after_claiming_its_batch_leaves_nothing(
    demo_app, demo_client, demo_outside
):
    """A push over the record limit is refused (413) after it locked its device (creating the
    device's sync state) and claimed its batch number: both roll back with it, so the device
    sends its mutations again, split, under the same number."""
    demo_app.config["FIELDSYNC"]["SYNC_MAX_PUSH_RECORDS"] = 2
    token, device_id = _device(demo_app, demo_client)
    before = _seen_an_hour_ago(demo_app, device_id)
    phone = Device(demo_client, token)
    visits = _visits(demo_outside)
    three = [phone.mutation("visit", "create", visit_fields(), seq=seq) for seq in (1, 2, 3)]
    answer, _ = phone.push(*three, batch_seq=1, expect=413)
    assert answer["errors"]["max_push_records"] == ["2"]
    assert _batches(demo_outside, device_id) == 0
    assert (
        demo_outside.scalar(
            "SELECT count(*) FROM sync_device_state WHERE device_id = :d", d=device_id
        )
        == 0
    )
    assert _visits(demo_outside) == visits
    assert _last_seen(demo_app, device_id) > before  # refused, but seen
    answer, _ = phone.push(*three[:2], batch_seq=1)
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    assert _batches(demo_outside, device_id) == 1
    assert _visits(demo_outside) == visits + 2


def test_a_pushed_batch_is_stored_before_its_answer_and_pulled_by_the_next_request(
    demo_app, demo_client, demo_outside
):
    token, device_id = _device(demo_app, demo_client)
    phone = Device(demo_client, token)
    visits = _visits(demo_outside)
    mutations = [phone.mutation("visit", "create", visit_fields()) for _ in range(500)]
    answer, _ = phone.push(*mutations)
    assert {r["outcome"] for r in answer["results"]} == {"applied"}
    assert _batches(demo_outside, device_id) == 1
    assert _visits(demo_outside) == visits + 500
    colleague = Device.for_user(demo_app, demo_client, "qs_staff")
    pulled = {c["record_id"] for c in colleague.pull_all() if c["entity"] == "visit"}
    assert {m["record_id"] for m in mutations} <= pulled


@pytest.fixture
def failing_commits(demo_app):
    """``failing_commits["push"] = n``: the next n pushes fail at COMMIT, ``"orphan"``: for
    real (a row whose foreign key is checked at COMMIT), ``"unavailable"``: as a serialization
    failure does (a database error raised by the commit)."""
    install_probe(demo_app)
    plan = {"push": 0, "how": "orphan"}

    def serialization_failure(_session):
        raise sa.exc.OperationalError(
            "COMMIT", {}, Exception("could not serialize access due to concurrent update")
        )

    @demo_app.after_request  # runs before the commit point
    def fail(response):
        if request.endpoint == "sync.Push" and plan["push"] > 0:
            plan["push"] -= 1
            if plan["how"] == "orphan":
                db.session.execute(INSERT, {"name": "orphan", "parent": 999})
            else:
                sa.event.listen(db.session(), "before_commit", serialization_failure, once=True)
        return response

    return plan


def test_a_push_whose_commit_fails_is_not_answered_200_and_its_retry_lands_once(
    demo_app, demo_client, demo_outside, failing_commits
):
    token, device_id = _device(demo_app, demo_client)
    phone = Device(demo_client, token)
    visits = _visits(demo_outside)
    mutation = phone.mutation("visit", "create", visit_fields())
    failing_commits["push"] = 1
    answer, body = phone.push(mutation, expect=409)
    assert answer["code"] == "conflict"
    assert _batches(demo_outside, device_id) == 0
    assert _visits(demo_outside) == visits
    again = demo_client.post("/api/v1/sync/push", json=body, headers=bearer(token))
    assert again.status_code == 200
    assert [r["outcome"] for r in again.get_json()["results"]] == ["applied"]  # not a duplicate
    assert _batches(demo_outside, device_id) == 1
    assert _visits(demo_outside) == visits + 1


def test_a_push_whose_commit_is_refused_by_the_database_is_retried_by_the_device(
    demo_app, demo_client, demo_outside, failing_commits
):
    """503: the device client retries by itself; the batch lands once."""
    store = ClientStore()
    store.token = token_for(demo_app, "qs_inspector")
    sleeps: list[float] = []
    phone = DeviceClient(store, FlaskTransport(demo_client), sleep=sleeps.append)
    visits = _visits(demo_outside)
    phone.create("visit", visit_fields())
    failing_commits.update(push=2, how="unavailable")
    report = phone.push()
    assert report.count("applied") == 1
    assert len(sleeps) == 2 and failing_commits["push"] == 0
    assert _visits(demo_outside) == visits + 1


# --- a refusal that is itself a change ---------------------------------------------------------


def test_photo_bytes_that_do_not_match_their_hash_are_discarded_for_good(
    demo_app, demo_client, demo_outside
):
    """The last chunk shows the bytes are not the photo's: the answer is a refusal (422), and
    the discard of the chunks stored by earlier requests stands, so the device starts over."""
    token, _device_id = _device(demo_app, demo_client)
    right = b"the right bytes"
    sha = hashlib.sha256(right).hexdigest()
    wrong = b"the wrong byte!"
    assert len(wrong) == len(right)
    url, headers = f"/api/v1/photos/{sha}", bearer(token)
    first = demo_client.put(
        url, data=wrong[:8], headers={**headers, "Content-Range": "bytes 0-7/15"}
    )
    assert first.status_code == 200 and first.get_json()["received"] == 8
    last = demo_client.put(
        url, data=wrong[8:], headers={**headers, "Content-Range": "bytes 8-14/15"}
    )
    assert last.status_code == 422
    for table in ("photo", "photo_chunk"):
        assert demo_outside.scalar(f"SELECT count(*) FROM {table} WHERE sha256 = :s", s=sha) == 0
    done = demo_client.put(url, data=right, headers=headers)
    assert done.status_code == 200 and done.get_json()["complete"] is True
