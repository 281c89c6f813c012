"""The device's local SQLite store: durable, transactional, ordered."""

from __future__ import annotations

import sqlite3

import pytest

from sync.client_store import ClientStore, OutboxEntry


def entry(seq: int, record_id: str = "r1", **overrides) -> OutboxEntry:
    values = {
        "id": f"m{seq}",
        "seq": seq,
        "entity": "visit",
        "record_id": record_id,
        "op": "create",
        "base_version": None,
        "fields": {"note": "河水发黑"},
        "captured_at": "2026-11-26T08:30:00Z",
    }
    return OutboxEntry(**{**values, **overrides})


@pytest.fixture
def store():
    store = ClientStore()
    yield store
    store.close()


def test_everything_survives_reopening_the_file(tmp_path):
    path = tmp_path / "device.db"
    with ClientStore(path) as store:
        store.token = "fs_x"
        store.cursor = "12"
        store.put_record("visit", "r1", 3, {"note": "a"})
        store.add_mutation(entry(1))
        store.add_photo("ab" * 32, "/sdcard/p.jpg")
    with ClientStore(path) as store:
        assert (store.token, store.cursor) == ("fs_x", "12")
        assert store.get_record("visit", "r1").version == 3
        assert store.mutation("m1").fields == {"note": "河水发黑"}
        assert store.photos_to_upload() == [("ab" * 32, "/sdcard/p.jpg")]


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.add_mutation(entry(1))
        store.put_record("visit", "r1", 1, {})
        with store.transaction():
            store.cursor = "9"
        raise RuntimeError("killed mid-write")
    assert store.mutations() == []
    assert store.get_record("visit", "r1") is None
    assert store.cursor is None
    store.add_mutation(entry(1))
    assert len(store.mutations()) == 1


def test_counters_start_at_one_and_never_repeat(store):
    assert [store.next_counter("device_seq") for _ in range(3)] == [1, 2, 3]
    assert store.next_counter("batch_seq") == 1


def test_seq_and_id_are_unique(store):
    store.add_mutation(entry(1))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_mutation(entry(1, id="other"))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_mutation(entry(2, id="m1"))


def test_outbox_states_and_order(store):
    for seq in (3, 1, 2):
        store.add_mutation(entry(seq, record_id=f"r{seq}"))
    store.mark_sent(["m1", "m2"], 7)
    store.set_state("m1", "done", {"outcome": "applied", "version": 1})
    store.set_state("m2", "rejected", {"outcome": "rejected", "code": "invalid_fields"})
    assert [e.seq for e in store.mutations()] == [1, 2, 3]
    assert store.mutation("m1").batch_seq == 7
    assert store.mutation("m1").outcome == {"outcome": "applied", "version": 1}
    assert [e.id for e in store.mutations(("rejected",))] == ["m2"]
    assert [e.id for e in store.mutations(("pending",))] == ["m3"]
    store.set_state("m1", "pending")
    assert store.mutation("m1").batch_seq is None
    with pytest.raises(ValueError):
        store.set_state("m1", "lost")


def test_last_unsynced_and_rebase_only_while_pending(store):
    store.add_mutation(entry(1, op="update", base_version=2))
    store.add_mutation(entry(2, op="update", base_version=2, depends_on="m1"))
    assert store.last_unsynced("visit", "r1").id == "m2"
    store.set_base_version("m2", 3)
    assert store.mutation("m2").base_version == 3
    store.mark_sent(["m2"], 1)
    store.set_base_version("m2", 9)
    assert store.mutation("m2").base_version == 3


def test_as_mutation_is_the_wire_shape(store):
    create = entry(1).as_mutation()
    assert "base_version" not in create
    update = entry(2, op="update", base_version=4).as_mutation()
    assert update["base_version"] == 4
    assert set(update) == {
        "id",
        "seq",
        "entity",
        "record_id",
        "op",
        "captured_at",
        "fields",
        "base_version",
    }


def test_record_ids_include_outbox_only_records(store):
    store.put_record("visit", "b", 1, {})
    store.add_mutation(entry(1, record_id="a"))
    assert store.record_ids("visit") == ["a", "b"]
    store.clear_records()
    assert store.record_ids("visit") == ["a"]


def test_photos(store):
    assert store.photo_uploaded("cd" * 32) is None
    store.add_photo("cd" * 32)
    assert store.photo_uploaded("cd" * 32) is False
    store.mark_photo_uploaded("cd" * 32)
    assert store.photo_uploaded("cd" * 32) is True
    assert store.photos_to_upload() == []
