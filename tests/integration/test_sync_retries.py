"""Every mutation gets one truthful outcome under every retry a real phone makes.

Written against the documented protocol (docs/sync-protocol.md §3) as a third-party app would
use it: replays of batches that held duplicates, the same mutations re-sent under new batch
numbers while the first request is still running, one device's batches sent from several
threads at once with naive re-sends, and a batch number re-used for other mutations. The
concurrent tests run real threads against the app (each with its own client): on PostgreSQL
the requests genuinely overlap; on SQLite the database takes them one at a time.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.models import SyncMutation, Visit
from tests.integration.helpers import bearer, count
from tests.integration.sync_helpers import Device, visit_fields


@pytest.fixture
def inspector(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_inspector")


def visits(device: Device, n: int) -> list[dict]:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    return [
        device.mutation(
            "visit",
            "create",
            visit_fields(
                lon=119.95 + (i % 50) * 1e-4,
                visited_at=(start + timedelta(minutes=next(_minute))).isoformat(),
                findings=f"第{i}次巡查，排污口无异常",
            ),
        )
        for i in range(n)
    ]


_minute = iter(range(10**9))


def body(batch_seq: int, mutations: list[dict]) -> dict:
    return {
        "batch_seq": batch_seq,
        "schema_version": 1,
        "sent_at": datetime.now(UTC).isoformat(),
        "mutations": mutations,
    }


def post(client, token: str, payload: dict):
    return client.post("/api/v1/sync/push", json=payload, headers=bearer(token))


def outcomes(answer: dict) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r["original_outcome"]) for r in answer["results"]]


def held_count(app) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).where(SyncMutation.outcome == "held")
        ).scalar_one()


def test_a_replayed_batch_of_duplicates_answers_every_mutation(demo_app, inspector):
    token, client = inspector.token, inspector.client
    twenty = visits(inspector, 20)
    first = post(client, token, body(4, twenty))
    assert [o for o, _ in outcomes(first.get_json())] == ["applied"] * 20
    # the same mutations again, split over two new batch numbers
    for batch_seq, part in ((5, twenty[:10]), (6, twenty[10:])):
        answer = post(client, token, body(batch_seq, part)).get_json()
        assert outcomes(answer) == [("duplicate", "applied")] * 10
    # batch 5 once more, byte for byte: its stored answer, one result per mutation, in order
    replay = post(client, token, body(5, twenty[:10]))
    assert replay.status_code == 200
    results = replay.get_json()["results"]
    assert [r["id"] for r in results] == [m["id"] for m in twenty[:10]]
    assert outcomes(replay.get_json()) == [("duplicate", "applied")] * 10
    assert all(r["record"]["id"] == r["record_id"] and r["version"] == 1 for r in results)
    # a batch mixing two duplicates with two new mutations, sent twice
    mixed = twenty[:2] + visits(inspector, 2)
    once = post(client, token, body(7, mixed)).get_json()
    again = post(client, token, body(7, mixed)).get_json()
    expected = [("duplicate", "applied")] * 2 + [("applied", None)] * 2
    assert outcomes(once) == outcomes(again) == expected
    assert [r["id"] for r in again["results"]] == [m["id"] for m in mixed]
    with demo_app.app_context():
        from server.extensions import db

        stored = db.session.execute(
            sa.select(sa.func.count()).where(Visit.uid.in_([m["record_id"] for m in mixed]))
        ).scalar_one()
    assert stored == 4


def test_a_duplicate_of_a_held_mutation_is_held_then_its_replay_tells_the_final_outcome(
    demo_app, inspector
):
    token, client = inspector.token, inspector.client
    ahead = visits(inspector, 3)  # seqs 1-3
    later = ahead[1:]
    # seqs 2 and 3 first: held behind the missing 1; sent again under another batch number
    assert [o for o, _ in outcomes(post(client, token, body(1, later)).get_json())] == ["held"] * 2
    assert outcomes(post(client, token, body(2, later)).get_json()) == [("held", "held")] * 2
    # seq 1 arrives: all three apply, in order
    assert outcomes(post(client, token, body(3, ahead[:1])).get_json()) == [("applied", None)]
    assert held_count(demo_app) == 0
    assert outcomes(post(client, token, body(1, later)).get_json()) == [("applied", None)] * 2
    assert (
        outcomes(post(client, token, body(2, later)).get_json()) == [("duplicate", "applied")] * 2
    )


def test_a_batch_number_reused_for_other_mutations_is_a_409_that_changes_nothing(
    demo_app, inspector
):
    token, client = inspector.token, inspector.client
    first = visits(inspector, 3)
    assert post(client, token, body(9, first)).status_code == 200
    before = count(demo_app, Visit)
    more = first + visits(inspector, 2)  # the same number, with more mutations than before
    answer = post(client, token, body(9, more))
    assert answer.status_code == 409
    error = answer.get_json()
    assert error["code"] == "batch_mismatch" and error["status"] == 409
    assert "batch 9" in error["message"] and error["errors"] == {"batch_seq": ["9"]}
    other = post(client, token, body(9, visits(inspector, 3)))  # a wholly new body
    assert other.status_code == 409 and other.get_json()["code"] == "batch_mismatch"
    assert count(demo_app, Visit) == before
    # the original is still answered from what was stored, and the new mutations can be sent
    # under a new number
    assert [o for o, _ in outcomes(post(client, token, body(9, first)).get_json())] == [
        "applied"
    ] * 3
    sent = post(client, token, body(10, more)).get_json()
    assert outcomes(sent) == [("duplicate", "applied")] * 3 + [("applied", None)] * 2
    assert count(demo_app, Visit) == before + 2


def _concurrently(functions) -> None:
    threads = [threading.Thread(target=f) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)


def test_the_same_mutations_sent_at_once_under_three_batch_numbers_apply_once(demo_app, inspector):
    """A phone gave up on a slow request and re-sent its mutations under a new batch number,
    twice, while the first was still running: each mutation is applied once, and answered
    ``duplicate`` of that in the other two answers — never a 5xx, never ``already_exists``."""
    mutations = visits(inspector, 150)
    token = inspector.token
    answers: dict[int, tuple[int, dict]] = {}
    start = threading.Barrier(3)

    def send(batch_seq):
        def run():
            client = demo_app.test_client()
            start.wait(timeout=60)
            response = post(client, token, body(batch_seq, mutations))
            answers[batch_seq] = (response.status_code, response.get_json())

        return run

    _concurrently([send(n) for n in (1, 2, 3)])
    assert sorted(status for status, _ in answers.values()) == [200, 200, 200], answers
    per_mutation: dict[str, list[tuple[str, str | None]]] = {m["id"]: [] for m in mutations}
    for _status, answer in answers.values():
        assert [r["id"] for r in answer["results"]] == [m["id"] for m in mutations]
        for result in answer["results"]:
            per_mutation[result["id"]].append((result["outcome"], result["original_outcome"]))
    for seen in per_mutation.values():
        assert sorted(seen) == [
            ("applied", None),
            ("duplicate", "applied"),
            ("duplicate", "applied"),
        ]
    with demo_app.app_context():
        from server.extensions import db

        stored = db.session.execute(
            sa.select(sa.func.count()).where(Visit.uid.in_([m["record_id"] for m in mutations]))
        ).scalar_one()
    assert stored == 150
    # and each batch, replayed, tells the same story again
    client = demo_app.test_client()
    for batch_seq, (_status, answer) in answers.items():
        replay = post(client, token, body(batch_seq, mutations)).get_json()
        assert outcomes(replay) == outcomes(answer)


def test_one_devices_batches_from_four_threads_with_naive_resends_all_land(demo_app, inspector):
    """8 queued batches of 500 pushed from 4 threads at once, in any order; a thread re-sends
    a batch whose answer still holds something (as a naive app would) and now and then sends
    one twice. When the threads are done every visit is stored, nothing is held, no answer
    was a 5xx, and every outcome told was true."""
    rng = random.Random(12)
    mutations = visits(inspector, 4000)
    batches = {n + 1: mutations[n * 500 : (n + 1) * 500] for n in range(8)}
    order = list(batches)
    rng.shuffle(order)
    queue = list(order) + rng.sample(order, 3)  # three naive double sends
    lock = threading.Lock()
    token = inspector.token
    statuses: list[int] = []
    told: list[tuple[int, dict]] = []

    def worker():
        client = demo_app.test_client()
        while True:
            with lock:
                if not queue:
                    return
                batch_seq = queue.pop(0)
            for _attempt in range(20):
                response = post(client, token, body(batch_seq, batches[batch_seq]))
                with lock:
                    statuses.append(response.status_code)
                if response.status_code != 200:
                    continue  # re-send naively what failed
                answer = response.get_json()
                with lock:
                    told.append((batch_seq, answer))
                if all(r["outcome"] != "held" for r in answer["results"]):
                    break
                with lock:
                    if queue:  # others will close the gap; come back to this one later
                        queue.append(batch_seq)
                        break

    _concurrently([worker for _ in range(4)])
    # the app, done pushing, replays every batch once to read the final outcomes
    client = demo_app.test_client()
    final = {n: post(client, token, body(n, batches[n])).get_json() for n in batches}
    assert Counter(statuses) == Counter({200: len(statuses)})
    assert held_count(demo_app) == 0
    with demo_app.app_context():
        from server.extensions import db

        stored = db.session.execute(
            sa.select(sa.func.count()).where(Visit.uid.in_([m["record_id"] for m in mutations]))
        ).scalar_one()
    assert stored == 4000
    for n, answer in final.items():
        assert [r["id"] for r in answer["results"]] == [m["id"] for m in batches[n]]
        assert {r["outcome"] for r in answer["results"]} == {"applied"}
    # every answer given on the way was true: applied or held for its own, duplicate of
    # applied or held for a re-send; never rejected
    for _n, answer in told:
        for result in answer["results"]:
            assert (result["outcome"], result["original_outcome"]) in {
                ("applied", None),
                ("held", None),
                ("duplicate", "applied"),
                ("held", "held"),
            }, result


def test_held_mutations_released_by_a_late_batch_take_pull_positions_in_device_order(
    demo_app, demo_client, inspector
):
    token, client = inspector.token, inspector.client
    early = visits(inspector, 4)
    for m, seq in zip(early, (1, 2, 3, 4), strict=True):
        m["seq"] = seq
    from tests.integration.sync_helpers import complaint_fields

    complaint = inspector.mutation("complaint", "create", complaint_fields(), seq=5)
    late = visits(inspector, 2)
    for m, seq in zip(late, (6, 7), strict=True):
        m["seq"] = seq
    # 3-7 arrive first (held behind 1-2), then 1-2 close the gap
    held = post(client, token, body(1, early[2:] + [complaint] + late)).get_json()
    assert {r["outcome"] for r in held["results"]} == {"held"}
    post(client, token, body(2, early[:2]))
    reader = Device.for_user(demo_app, demo_client, "qs_staff")
    mine = {m["record_id"]: m["seq"] for m in early + [complaint] + late}
    pulled = [c["record_id"] for c in reader.pull_all() if c["record_id"] in mine]
    assert [mine[uid] for uid in pulled] == [1, 2, 3, 4, 5, 6, 7]


def test_a_released_held_visit_gets_a_stored_outcome_its_replay_answers(demo_app, inspector):
    token, client = inspector.token, inspector.client
    three = visits(inspector, 3)
    post(client, token, body(1, three[1:]))
    post(client, token, body(2, three[:1]))
    replay = post(client, token, body(1, three[1:])).get_json()
    assert outcomes(replay) == [("applied", None)] * 2
    assert all(r["record"]["id"] == r["record_id"] for r in replay["results"])
