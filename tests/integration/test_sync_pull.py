"""Pulling: commit order, scope, own writes, tombstones, watermark, photos."""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.integration.helpers import bearer, token_for
from tests.integration.sync_helpers import Device, complaint_fields, visit_fields


@pytest.fixture
def qs(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_inspector")


@pytest.fixture
def qs2(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_inspector2")


@pytest.fixture
def bh(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "bh_inspector")


def test_first_pull_brings_the_stations_roster_only(demo_county, qs):
    changes = qs.pull_all()
    people = [c for c in changes if c["entity"] == "person"]
    expected = [p for p in demo_county.people if p.station_code == "320481101"]
    assert len(people) == len(expected) > 0
    assert {c["record"]["ref"] for c in people} == {p.ref for p in expected}
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs)


def test_others_writes_arrive_own_writes_do_not(qs, qs2, bh):
    for device in (qs, qs2, bh):
        device.pull_all()
    mine, _ = qs.push(qs.mutation("visit", "create", visit_fields()))
    theirs, _ = qs2.push(qs2.mutation("visit", "create", visit_fields(findings="另一次巡查")))
    elsewhere, _ = bh.push(bh.mutation("visit", "create", visit_fields()))
    got = {c["record_id"] for c in qs.pull_all()}
    assert theirs["results"][0]["record_id"] in got
    assert mine["results"][0]["record_id"] not in got
    assert elsewhere["results"][0]["record_id"] not in got


def test_push_answer_moves_the_cursor_past_own_writes(qs, qs2):
    qs.pull_all()
    before = qs.cursor
    answer, _ = qs.push(qs.mutation("visit", "create", visit_fields()))
    assert answer["cursor"] != before
    qs.cursor = answer["cursor"]
    assert qs.pull_all() == []
    # when someone else wrote in between, the cursor stays so that nothing is skipped
    qs2.push(qs2.mutation("visit", "create", visit_fields()))
    answer, _ = qs.push(qs.mutation("visit", "create", visit_fields()))
    assert answer["cursor"] == qs.cursor
    assert len(qs.pull_all()) == 1


def test_paging_is_bounded_and_resumable(qs, qs2):
    qs.pull_all()
    qs2.push(*[qs2.mutation("visit", "create", visit_fields()) for _ in range(25)])
    pages = []
    while True:
        response = qs.client.get(
            f"/api/v1/sync/pull?limit=10&cursor={qs.cursor}", headers=bearer(qs.token)
        ).get_json()
        pages.append(len(response["changes"]))
        qs.cursor = response["cursor"]
        if not response["has_more"]:
            break
    assert max(pages) <= 10 and sum(pages) == 25


def test_bad_cursor_and_limit_are_422(qs):
    for query in ("cursor=bogus", "limit=5000", "limit=0"):
        response = qs.client.get(f"/api/v1/sync/pull?{query}", headers=bearer(qs.token))
        assert response.status_code == 422, query


def test_cursor_older_than_watermark_is_410(demo_app, qs):
    qs.pull_all()
    from server.extensions import db
    from server.models import SyncCounter

    with demo_app.app_context():
        db.session.add(SyncCounter(name="tombstone_watermark", value=10**9))
        db.session.commit()
    response = qs.client.get(f"/api/v1/sync/pull?cursor={qs.cursor}", headers=bearer(qs.token))
    assert response.status_code == 410
    assert response.get_json()["code"] == "resync_required"


def test_scope_change_asks_for_resync(demo_app, qs):
    qs.pull_all()
    from server.extensions import db
    from server.models import User
    from tests.integration.helpers import station_id

    other_station = station_id(demo_app, "320481102")
    with demo_app.app_context():
        user = db.session.execute(sa.select(User).where(User.username == "qs_inspector")).scalar()
        user.station_id = other_station
        db.session.commit()
    response = qs.client.get(f"/api/v1/sync/pull?cursor={qs.cursor}", headers=bearer(qs.token))
    assert response.status_code == 410
    qs.cursor = None
    people = [c for c in qs.pull_all() if c["entity"] == "person"]
    assert {c["record"]["station_id"] for c in people} == {other_station}


def test_commit_order_with_interleaved_transactions(demo_app, backend, qs, qs2):
    """A change committed later never hides behind a cursor already handed out (rule 4).

    Transaction A writes a complaint and holds its transaction open; B pushes meanwhile (on
    PostgreSQL it waits for A: sequence values are allocated under one row lock, so commit
    order is sequence order); a pull in between sees neither; after A commits, and B after it,
    the next pulls return both, A's first.
    """
    if backend != "postgresql":
        pytest.skip("SQLite has a single writer; the interleaving needs PostgreSQL")
    from server.extensions import db
    from server.services.sync_push import BatchProcessor
    from server.services.sync_push_settings import Settings
    from sync.actor import DeviceActor
    from tests.integration.helpers import station_id

    qs.pull_all()
    reader = Device.for_user(demo_app, demo_app.test_client(), "qs_staff")
    reader.pull_all()
    me = qs.client.get("/api/v1/me", headers=bearer(qs.token)).get_json()
    actor = DeviceActor(
        me["device"]["id"], me["user"]["id"], "inspector", station_id(demo_app, "320481101")
    )
    first = qs.mutation("complaint", "create", complaint_fields())
    written, release, outcome = threading.Event(), threading.Event(), {}

    def transaction_a():
        with demo_app.app_context():
            BatchProcessor(actor, Settings(), None).process(
                {
                    "batch_seq": 1,
                    "schema_version": 1,
                    "sent_at": None,
                    "cursor": None,
                    "mutations": [first],
                }
            )
            written.set()
            release.wait(timeout=60)
            db.session.commit()

    def transaction_b():
        answer, _ = qs2.push(qs2.mutation("visit", "create", visit_fields()))
        outcome["answer"] = answer

    a = threading.Thread(target=transaction_a)
    a.start()
    assert written.wait(timeout=30)
    b = threading.Thread(target=transaction_b)
    b.start()
    b.join(timeout=2)
    try:
        assert b.is_alive(), "B must wait for A's sequence lock"
        assert reader.pull_all() == [], "nothing is visible before A commits"
    finally:
        release.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert not a.is_alive() and not b.is_alive()
    ids = [c["record_id"] for c in reader.pull_all()]
    assert ids == [first["record_id"], outcome["answer"]["results"][0]["record_id"]]


def test_photo_upload_in_resumable_chunks(demo_app, qs):
    data = bytes(range(256)) * 5000
    sha = hashlib.sha256(data).hexdigest()
    headers = bearer(qs.token)
    answer, _ = qs.push(qs.mutation("visit", "create", visit_fields(photos=[sha])))
    assert answer["results"][0]["missing_photos"] == [sha]
    total = len(data)
    first = qs.client.put(
        f"/api/v1/photos/{sha}",
        data=data[:500_000],
        headers={**headers, "Content-Range": f"bytes 0-499999/{total}"},
    )
    assert first.get_json() == {
        "sha256": sha,
        "size": total,
        "received": 500_000,
        "complete": False,
    }
    wrong = qs.client.put(
        f"/api/v1/photos/{sha}",
        data=data[600_000:],
        headers={**headers, "Content-Range": f"bytes 600000-{total - 1}/{total}"},
    )
    assert wrong.status_code == 409
    status = qs.client.get(f"/api/v1/photos/{sha}/status", headers=headers).get_json()
    rest = data[status["received"] :]
    done = qs.client.put(
        f"/api/v1/photos/{sha}",
        data=rest,
        headers={**headers, "Content-Range": f"bytes {status['received']}-{total - 1}/{total}"},
    )
    assert done.get_json()["complete"] is True
    assert qs.client.get(f"/api/v1/photos/{sha}", headers=headers).data == data


def test_a_photo_is_read_by_those_who_may_read_a_visit_showing_it(demo_app, qs, qs2, bh):
    """Its uploader, the visit's station and the county read it; another station gets 404, as
    for a hash that does not exist; a photo no visit shows yet is its uploader's alone."""
    shown, loose = b"photo of the outfall" * 100, b"photo not yet on a visit" * 100
    for data in (shown, loose):
        sha = hashlib.sha256(data).hexdigest()
        stored = qs.client.put(f"/api/v1/photos/{sha}", data=data, headers=bearer(qs.token))
        assert stored.get_json()["complete"] is True
    shown_sha, loose_sha = (hashlib.sha256(d).hexdigest() for d in (shown, loose))
    answer, _ = qs.push(qs.mutation("visit", "create", visit_fields(photos=[shown_sha])))
    assert answer["results"][0]["outcome"] == "applied"
    county = bearer(token_for(demo_app, "officer"))

    def read(headers, sha):
        return qs.client.get(f"/api/v1/photos/{sha}", headers=headers)

    for headers in (bearer(qs.token), bearer(qs2.token), county):
        assert read(headers, shown_sha).data == shown
    refused = read(bearer(bh.token), shown_sha)
    assert refused.status_code == 404 and refused.get_json()["code"] == "not_found"
    assert read(bearer(qs.token), loose_sha).data == loose
    for headers in (bearer(qs2.token), county, bearer(bh.token)):
        assert read(headers, loose_sha).status_code == 404


def test_photo_with_wrong_hash_is_discarded(qs):
    sha = hashlib.sha256(b"other bytes").hexdigest()
    response = qs.client.put(f"/api/v1/photos/{sha}", data=b"these bytes", headers=bearer(qs.token))
    assert response.status_code == 422
    status = qs.client.get(f"/api/v1/photos/{sha}/status", headers=bearer(qs.token)).get_json()
    assert status["received"] == 0


def test_racing_creates_of_one_record_keep_the_first(demo_app, backend, qs, qs2):
    """Two devices create a visit with the same id at the same moment (PostgreSQL): the second
    push meets the first's row only at INSERT time, finds the clash one record at a time, and
    still applies the rest of its batch; its stored answer says the same on a replay."""
    if backend != "postgresql":
        pytest.skip("SQLite has a single writer; the race needs PostgreSQL")
    from server.extensions import db
    from server.services.sync_push import BatchProcessor
    from server.services.sync_push_settings import Settings
    from sync.actor import DeviceActor
    from tests.integration.helpers import station_id

    shared = str(uuid.uuid4())
    me = qs.client.get("/api/v1/me", headers=bearer(qs.token)).get_json()
    actor = DeviceActor(
        me["device"]["id"], me["user"]["id"], "inspector", station_id(demo_app, "320481101")
    )
    written, release = threading.Event(), threading.Event()

    def first():
        with demo_app.app_context():
            BatchProcessor(actor, Settings(), None).process(
                {
                    "batch_seq": 1,
                    "schema_version": 1,
                    "sent_at": None,
                    "cursor": None,
                    "mutations": [qs.mutation("visit", "create", visit_fields(), record_id=shared)],
                }
            )
            written.set()
            release.wait(timeout=60)
            db.session.commit()

    answer = {}

    def second():
        answer["push"] = qs2.push(
            qs2.mutation("visit", "create", visit_fields(), record_id=shared),
            qs2.mutation("visit", "create", visit_fields()),
        )

    a = threading.Thread(target=first)
    a.start()
    assert written.wait(timeout=30)
    b = threading.Thread(target=second)
    b.start()
    b.join(timeout=1)
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    result, body = answer["push"]
    assert [(r["outcome"], r["code"]) for r in result["results"]] == [
        ("rejected", "already_exists"),
        ("applied", None),
    ]
    replay = qs2.client.post("/api/v1/sync/push", json=body, headers=bearer(qs2.token))
    assert [r["outcome"] for r in replay.get_json()["results"]] == ["rejected", "applied"]
