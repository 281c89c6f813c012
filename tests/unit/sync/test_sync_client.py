"""The reference device client against an in-memory fake server (protocol §1–§5)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.client import DeviceClient, SyncFailed, Unauthorized, UnknownRecord, format_time
from sync.client_store import ClientStore
from sync.transport import Response, TransportError
from tests.unit.sync.sync_fake_server import FakeServer

T0 = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


class LosesAnswers:
    """A transport whose first ``n`` answers are lost after the server acted on them."""

    def __init__(self, server: FakeServer, n: int) -> None:
        self.server = server
        self.n = n

    def request(self, method, path, **kwargs):
        response = self.server.request(method, path, **kwargs)
        if self.n and path.startswith("/api/v1/sync/push"):
            self.n -= 1
            raise TransportError("connection reset after the server answered")
        return response


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def store():
    store = ClientStore()
    yield store
    store.close()


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def client(store, server, delays) -> DeviceClient:
    device = DeviceClient(store, server, clock=lambda: T0, sleep=delays.append)
    device.register("qs_inspector", "secret", "Li Na's phone")
    return device


def synced_complaint(client: DeviceClient, server: FakeServer, **fields) -> str:
    """A complaint created on the server by someone else and pulled by the device."""
    server.edit("complaint", "c1", {"status": "accepted", "summary": "smell", **fields})
    client.pull()
    return "c1"


# -- registration, config --------------------------------------------------------------------


def test_register_keeps_the_token_and_sends_it_as_bearer(client, store, server):
    assert store.token == "fs_fake_token"
    client.pull()
    assert server.sent[-1].headers["Authorization"] == "Bearer fs_fake_token"
    assert "Authorization" not in server.requests_to("/api/v1/devices/register")[0].headers


def test_register_with_a_wrong_password_is_unauthorized(store, server):
    device = DeviceClient(store, server, sleep=lambda s: None)
    with pytest.raises(Unauthorized):
        device.register("qs_inspector", "wrong", "phone")
    assert store.token is None


def test_config_is_fetched_once(client, server):
    client.create("visit", {"note": "a"})
    client.push()
    client.create("visit", {"note": "b"})
    client.push()
    assert len(server.requests_to("/api/v1/sync/config")) == 1


# -- offline actions and the local view --------------------------------------------------------


def test_offline_actions_touch_only_the_store(client, server):
    before = len(server.sent)
    rid = client.create("visit", {"note": "river smells"})
    client.update("visit", rid, {"note": "river smells bad"})
    assert len(server.sent) == before
    assert client.record("visit", rid) == {"note": "river smells bad"}
    assert client.version("visit", rid) == 0
    assert [(m.seq, m.op, m.captured_at) for m in client.pending()] == [
        (1, "create", "2026-11-26T08:30:00Z"),
        (2, "update", "2026-11-26T08:30:00Z"),
    ]


def test_create_keeps_a_given_record_id(client):
    assert client.create("visit", {"n": 1}, record_id="r-1") == "r-1"


def test_update_or_delete_of_an_unknown_record_is_refused(client):
    with pytest.raises(UnknownRecord):
        client.update("complaint", "nope", {"summary": "x"})
    with pytest.raises(UnknownRecord):
        client.delete("complaint", "nope")
    with pytest.raises(ValueError):
        client.update("complaint", "nope", {})
    assert client.pending() == []


def test_push_applies_and_stores_the_server_copy(client, server):
    rid = client.create("visit", {"note": "a"})
    report = client.push()
    assert report.count("applied") == 1
    assert report.batches == 1
    assert client.version("visit", rid) == 1
    assert client.pending() == []
    assert client.record("visit", rid) == {"note": "a"}
    body = server.pushes()[0]
    assert body["batch_seq"] == 1
    assert body["schema_version"] == 1
    assert body["sent_at"] == "2026-11-26T08:30:00Z"
    assert "base_version" not in body["mutations"][0]


def test_records_lists_visible_records_only(client, server):
    keep = client.create("visit", {"n": 1})
    gone = client.create("visit", {"n": 2})
    client.push()
    client.delete("visit", gone)
    assert client.records("visit") == {keep: {"n": 1}}
    assert client.record("visit", gone) is None
    assert client.version("visit", gone) == 1


def test_delete_travels_with_its_base_version(client, server):
    synced_complaint(client, server)
    client.delete("complaint", "c1")
    report = client.push()
    assert report.count("applied") == 1
    assert server.pushes()[-1]["mutations"][0]["base_version"] == 1
    assert client.record("complaint", "c1") is None
    assert client.store.get_record("complaint", "c1") is None


# -- batching, 413, retries -------------------------------------------------------------------


def test_batches_respect_max_push_records(store, delays):
    server = FakeServer(max_push_records=2)
    device = DeviceClient(store, server, clock=lambda: T0, sleep=delays.append)
    device.register("u", "secret", "phone")
    for n in range(5):
        device.create("visit", {"n": n})
    report = device.push()
    sizes = [(b["batch_seq"], len(b["mutations"])) for b in server.pushes()]
    assert sizes == [(1, 2), (2, 2), (3, 1)]
    assert report.count("applied") == 5
    assert server.applied_order == [1, 2, 3, 4, 5]


def test_413_splits_into_halves_with_new_batch_numbers(client, server):
    server.enforced_max_records = 1
    for n in range(4):
        client.create("visit", {"n": n})
    report = client.push()
    bodies = server.pushes()
    assert [len(b["mutations"]) for b in bodies] == [4, 2, 1, 1, 2, 1, 1]
    assert [b["batch_seq"] for b in bodies] == [1, 2, 3, 4, 5, 6, 7]
    assert report.count("applied") == 4
    assert server.applied_order == [1, 2, 3, 4]


def test_413_learns_the_lower_limit_for_later_batches(client, server):
    server.enforced_max_records = 2
    for n in range(3):
        client.create("visit", {"n": n})
    client.push()
    assert [len(b["mutations"]) for b in server.pushes()] == [3, 1, 2]
    for n in range(5):
        client.create("visit", {"n": n})
    client.push()
    assert [len(b["mutations"]) for b in server.pushes()[3:]] == [2, 2, 1]
    assert server.applied_order == list(range(1, 9))


def test_a_single_mutation_too_large_fails_and_stays_pending(client, server):
    server.max_push_bytes = 10
    client.create("visit", {"note": "x" * 100})
    with pytest.raises(SyncFailed) as caught:
        client.push()
    assert caught.value.status == 413
    assert [m.state for m in client.pending()] == ["pending"]


def test_503_is_retried_with_the_same_batch_and_exponential_backoff(client, server, delays):
    client.create("visit", {"n": 1})
    client.config()
    server.fail_next(Response(503), Response(502), TransportError("no signal"))
    report = client.push()
    assert report.count("applied") == 1
    assert delays == [0.5, 1.0, 2.0]
    bodies = server.pushes()
    assert len(bodies) == 4
    assert all(body is bodies[0] for body in bodies), "a retry is the identical body"


def test_retries_give_up_after_max_retries_and_resume_under_the_same_batch(client, server, delays):
    client.create("visit", {"n": 1})
    client.config()
    server.fail_next(*[TransportError("no signal")] * 6)
    with pytest.raises(SyncFailed):
        client.push()
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert [m.state for m in client.pending()] == ["sent"]
    report = client.push()
    assert report.count("applied") == 1
    assert {b["batch_seq"] for b in server.pushes()} == {1}


def test_a_lost_answer_is_replayed_not_applied_twice(store, server, delays):
    device = DeviceClient(store, LosesAnswers(server, 1), clock=lambda: T0, sleep=delays.append)
    device.register("u", "secret", "phone")
    first = device.create("visit", {"n": 1})
    device.create("visit", {"n": 2})
    report = device.push()
    assert report.count("applied") == 2
    assert server.applied_order == [1, 2]
    assert device.version("visit", first) == 1
    assert delays == [0.5]


def test_interrupted_push_is_resent_under_its_old_batch_number(client, server, store):
    client.create("visit", {"n": 1})
    client.config()
    server.fail_next(*[TransportError("x")] * 6)
    with pytest.raises(SyncFailed):
        client.push()
    client.create("visit", {"n": 2})
    client.push()
    assert [(b["batch_seq"], [m["seq"] for m in b["mutations"]]) for b in server.pushes()[-2:]] == [
        (1, [1]),
        (2, [2]),
    ]


def test_401_during_push_keeps_every_mutation(client, server):
    client.create("visit", {"n": 1})
    server.revoked = True
    with pytest.raises(Unauthorized):
        client.push()
    assert len(client.pending()) == 1


def test_a_refused_batch_goes_back_to_pending(client, server):
    client.create("visit", {"n": 1})
    client.config()
    server.fail_next(Response(403, {"code": "forbidden"}))
    with pytest.raises(SyncFailed) as caught:
        client.push()
    assert caught.value.status == 403
    assert [m.state for m in client.pending()] == ["pending"]
    assert client.push().count("applied") == 1


# -- outcomes ------------------------------------------------------------------------------------


def test_other_fields_changed_meanwhile_are_merged(client, server):
    synced_complaint(client, server)
    server.edit("complaint", "c1", {"status": "investigating"})
    client.update("complaint", "c1", {"summary": "smell confirmed"})
    report = client.push()
    assert report.count("merged") == 1
    assert client.record("complaint", "c1") == {
        "status": "investigating",
        "summary": "smell confirmed",
    }
    assert client.version("complaint", "c1") == 3


def test_same_field_changed_meanwhile_is_a_conflict_and_the_server_value_shows(client, server):
    synced_complaint(client, server)
    server.edit("complaint", "c1", {"summary": "no smell"})
    client.update("complaint", "c1", {"summary": "strong smell"})
    report = client.push()
    assert report.count("conflict") == 1
    assert report.results[0]["conflicts"][0]["yours"] == "strong smell"
    assert client.record("complaint", "c1")["summary"] == "no smell"
    assert client.pending() == []


def test_rejected_mutations_are_kept_and_visible(client, server):
    synced_complaint(client, server)
    client.update("complaint", "c1", {"status": "closed"})
    report = client.push()
    assert report.count("rejected") == 1
    [rejected] = client.rejected()
    assert rejected.outcome["code"] == "illegal_transition"
    assert client.record("complaint", "c1")["status"] == "accepted"


def test_two_offline_edits_of_one_field_do_not_conflict_with_each_other(client, server):
    synced_complaint(client, server)
    client.update("complaint", "c1", {"summary": "smell"})
    client.update("complaint", "c1", {"summary": "smell at night"})
    client.update("complaint", "c1", {"status": "investigating"})
    report = client.push()
    assert report.count("conflict") == 0
    assert report.batches == 3, "each edit waits for the answer to the one before"
    bases = [b["mutations"][0]["base_version"] for b in server.pushes()]
    assert bases == [1, 1, 2]
    assert client.record("complaint", "c1") == {
        "status": "investigating",
        "summary": "smell at night",
    }


def test_create_then_update_offline_sends_the_update_on_the_created_version(client, server):
    rid = client.create("complaint", {"status": "received", "summary": "dust"})
    client.update("complaint", rid, {"summary": "dust from the quarry"})
    report = client.push()
    assert report.count("applied") == 2
    assert server.pushes()[-1]["mutations"][0]["base_version"] == 1
    assert client.version("complaint", rid) == 2


def test_an_edit_after_a_merged_edit_keeps_the_version_the_user_saw(client, server):
    synced_complaint(client, server)
    server.edit("complaint", "c1", {"status": "investigating"})
    client.update("complaint", "c1", {"summary": "a"})
    client.update("complaint", "c1", {"summary": "b"})
    client.push()
    assert [b["mutations"][0]["base_version"] for b in server.pushes()] == [1, 1]


def test_held_mutations_are_resent_until_their_gap_is_given_up(client, server, store):
    store.next_counter("device_seq")  # seq 1 is lost for good: its batch never arrived
    rid = client.create("visit", {"n": 2})
    report = client.push()
    assert report.count("held") == 1
    assert [m.state for m in client.pending()] == ["held"]
    assert client.record("visit", rid) == {"n": 2}, "a held edit stays visible"

    again = client.push()
    assert again.count("duplicate") == 1
    assert again.results[0]["original_outcome"] == "held"
    assert [m.state for m in client.pending()] == ["held"]

    server.now += server.gap_hold_seconds
    final = client.push()
    assert final.results[0]["original_outcome"] == "applied"
    assert client.pending() == []
    assert client.version("visit", rid) == 1
    pushed = [(b["mutations"][0]["id"], b["mutations"][0]["seq"]) for b in server.pushes()]
    assert len(set(pushed)) == 1, "the same mutation id and seq each time"


def test_missing_photos_are_reported(client, server):
    client.create("visit", {"photos": ["ab" * 32]})
    report = client.push()
    assert report.missing_photos == ["ab" * 32]


# -- cursor and pull ----------------------------------------------------------------------------


def test_push_saves_the_cursor_past_its_own_writes(client, server, store):
    client.create("visit", {"n": 1})
    client.push()
    assert store.cursor == "1"
    assert client.pull().upserted == 0


def test_push_without_a_cursor_in_the_answer_keeps_the_saved_one(client, server, store):
    server.edit("visit", "other", {"n": 0})
    client.create("visit", {"n": 1})
    client.push()
    assert store.cursor is None
    assert client.pull().upserted == 2
    assert store.cursor == "2"


def test_pull_pages_until_done_and_saves_the_cursor(client, server, store):
    for n in range(5):
        server.edit("visit", f"v{n}", {"n": n})
    report = client.pull(limit=2)
    assert (report.pages, report.upserted) == (3, 5)
    assert store.cursor == "5"
    assert len(client.records("visit")) == 5
    queries = [s.path for s in server.requests_to("/api/v1/sync/pull")]
    assert queries == [
        "/api/v1/sync/pull?limit=2",
        "/api/v1/sync/pull?cursor=2&limit=2",
        "/api/v1/sync/pull?cursor=4&limit=2",
    ]


def test_pull_applies_deletes(client, server):
    synced_complaint(client, server)
    server.remove("complaint", "c1")
    assert client.pull().deleted == 1
    assert client.record("complaint", "c1") is None


def test_410_drops_local_copies_and_pulls_from_scratch(client, server, store):
    synced_complaint(client, server)
    store.put_record("complaint", "stale", 1, {"summary": "gone long ago"})
    server.edit("visit", "v1", {"n": 1})
    server.watermark = 2
    report = client.pull()
    assert report.resynced
    assert set(client.records("complaint")) == {"c1"}
    assert store.cursor == "2"


def test_410_keeps_unsynced_edits(client, server, store):
    synced_complaint(client, server)
    client.update("complaint", "c1", {"summary": "mine"})
    server.watermark = 5
    server.edit("complaint", "c1", {"status": "investigating"})
    server.edit("visit", "v1", {})
    server.edit("visit", "v2", {})
    server.edit("visit", "v3", {})
    client.pull()
    assert client.record("complaint", "c1") == {"status": "investigating", "summary": "mine"}


def test_pull_never_overwrites_a_pending_local_edit(client, server):
    synced_complaint(client, server)
    client.update("complaint", "c1", {"summary": "smell confirmed"})
    server.edit("complaint", "c1", {"status": "investigating", "summary": "theirs"})
    client.pull()
    assert client.record("complaint", "c1") == {
        "status": "investigating",
        "summary": "smell confirmed",
    }
    assert client.store.get_record("complaint", "c1").version == 2
    assert client.pending()[0].base_version == 1, "the edit was made on version 1"


def test_pull_does_not_go_back_to_an_older_version(client, server, store):
    synced_complaint(client, server)
    store.put_record("complaint", "c1", 9, {"summary": "newer"})
    server.edit("complaint", "c1", {"summary": "older"})
    client.pull()
    assert client.record("complaint", "c1") == {"summary": "newer"}


def test_sync_pushes_then_pulls(client, server):
    server.edit("visit", "theirs", {"n": 0})
    mine = client.create("visit", {"n": 1})
    report = client.sync()
    assert report.push.count("applied") == 1
    assert set(client.records("visit")) == {"theirs", mine}


def test_pull_retries_5xx(client, server, delays):
    server.fail_next(Response(500), Response(503))
    client.pull()
    assert delays == [0.5, 1.0]


# -- photos -------------------------------------------------------------------------------------


def test_photo_upload_in_chunks_with_content_range(client, server, store):
    data = bytes(range(256)) * 10  # 2560 bytes
    sha = client.upload_photo(data, chunk_size=1000)
    assert sha == hashlib.sha256(data).hexdigest()
    puts = [s for s in server.sent if s.method == "PUT"]
    assert [p.headers["Content-Range"] for p in puts] == [
        "bytes 0-999/2560",
        "bytes 1000-1999/2560",
        "bytes 2000-2559/2560",
    ]
    assert sha in server.complete_photos
    assert store.photo_uploaded(sha) is True


def test_photo_upload_resumes_from_what_the_server_has(client, server, delays):
    data = b"x" * 2500
    client.config()
    server.fail_next(
        Response(200, {"received": 0, "complete": False}),  # status
    )
    real = server.request
    calls = {"n": 0}

    def flaky(method, path, **kwargs):
        if method == "PUT":
            calls["n"] += 1
            if calls["n"] >= 2:
                raise TransportError("signal lost")
        return real(method, path, **kwargs)

    server.request = flaky
    with pytest.raises(SyncFailed):
        client.upload_photo(data, chunk_size=1000)
    server.request = real
    sha = hashlib.sha256(data).hexdigest()
    assert client.store.photo_uploaded(sha) is False
    before = len(server.sent)
    client.upload_photo(data, chunk_size=1000)
    ranges = [s.headers["Content-Range"] for s in server.sent[before:] if s.method == "PUT"]
    assert ranges == ["bytes 1000-1999/2500", "bytes 2000-2499/2500"]
    assert sha in server.complete_photos


def test_complete_photo_is_not_sent_again(client, server):
    data = b"photo"
    client.upload_photo(data)
    before = len(server.sent)
    client.upload_photo(data)
    assert [s.method for s in server.sent[before:]] == ["GET"]


def test_409_moves_to_the_servers_offset(client, server):
    data = b"y" * 300
    sha = hashlib.sha256(data).hexdigest()
    server.photos[sha] = bytearray(data[:100])
    server.fail_next(Response(200, {"received": 0, "complete": False}))
    client.upload_photo(data, chunk_size=1000)
    ranges = [s.headers["Content-Range"] for s in server.sent if s.method == "PUT"]
    assert ranges == ["bytes 0-299/300", "bytes 100-299/300"]


def test_hash_mismatch_fails(client, server):
    data = b"z" * 10
    sha = hashlib.sha256(data).hexdigest()
    server.fail_next(Response(200, {"received": 0, "complete": False}), Response(422, {}))
    with pytest.raises(SyncFailed):
        client.upload_photo(data)
    assert client.store.photo_uploaded(sha) is False


# -- time -----------------------------------------------------------------------------------------


def test_times_travel_in_utc_with_a_zone():
    assert format_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    east8 = datetime(2026, 1, 2, 11, 4, 5, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(east8) == "2026-01-02T03:04:05Z"
    with pytest.raises(ValueError):
        format_time(datetime(2026, 1, 2))
