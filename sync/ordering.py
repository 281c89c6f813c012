"""Per-device ordering of mutations (DESIGN §4 rule 3, protocol §3 "Gaps").

Each device numbers its mutations 1, 2, 3… (``seq``). A device's updates are never applied out
of its own order: an inspector who sets a complaint's status to ``investigating`` and then to
``resolved`` must not see them applied the other way round because the first batch was lost.

So when ``seq`` 41 arrives but 40 has not, 41 and everything after it is *held* — kept, and
visible to officers — until 40 arrives. A lost batch may never come back, though, so holding is
bounded: once the oldest held mutation has waited ``hold_seconds`` the gap is *given up*: the
missing seqs are skipped for good (a mutation arriving later with one of them is rejected
``stale_sequence``) and the held run is applied in order.

:func:`plan_order` is the whole rule as a pure function: the caller looks up what it already
knows about the device (its next expected seq, the ids of processed seqs, what is held) and
gets back what to apply now, what to hold, and what to reject. Storage stays with the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["OrderPlan", "plan_order"]

Item = tuple[int, str]


@dataclass
class OrderPlan:
    """What to do with a batch, per mutation, so that nothing is silently lost.

    ``apply`` is in seq order and may include items held from earlier batches; ``hold`` lists
    only *incoming* items that must wait (earlier held items that still wait stay held and are
    not repeated). ``skipped`` are the seqs given up; ``next_seq`` is what the device's next
    mutation must carry after this plan is carried out.
    """

    apply: list[Item] = field(default_factory=list)
    hold: list[Item] = field(default_factory=list)
    duplicates: list[Item] = field(default_factory=list)
    reused: list[Item] = field(default_factory=list)
    stale: list[Item] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    next_seq: int = 1


def plan_order(
    next_seq: int,
    known: Mapping[int, str],
    incoming: Sequence[tuple[int, str]],
    held: Sequence[tuple[int, str, float]],
    now: float,
    hold_seconds: float,
) -> OrderPlan:
    """Plan one batch of a device's mutations.

    ``next_seq``: the next seq the server expects (1 for a new device). ``known``: seq →
    mutation id for already-processed seqs (at least those named by ``incoming``).
    ``incoming``: this batch's ``(seq, id)`` pairs, in any order, possibly repeated. ``held``:
    ``(seq, id, held_since)`` from earlier batches, all at or above ``next_seq``. Incoming items
    count as held since ``now``; a gap is given up once the oldest waiting item has waited
    ``hold_seconds`` (so ``0`` never holds).

    Classification of an incoming item, first match wins: seq known with the same id, or id
    already held / seen earlier in the batch → duplicate; seq known, held or earlier in the
    batch under a different id → reused; seq below ``next_seq`` → stale; otherwise it joins the
    waiting pool.
    """
    if next_seq < 1:
        raise ValueError(f"next_seq must be at least 1, got {next_seq}")
    plan = OrderPlan(next_seq=next_seq)
    pool: dict[int, tuple[str, float, bool]] = {}  # seq -> (id, waiting since, incoming?)
    held_ids: set[str] = set()
    for seq, mutation_id, since in held:
        if seq < next_seq:
            raise ValueError(f"held seq {seq} is below next_seq {next_seq}")
        if seq in pool:
            raise ValueError(f"seq {seq} is held twice")
        pool[seq] = (mutation_id, since, False)
        held_ids.add(mutation_id)

    seen_ids: set[str] = set()
    batch_seqs: dict[int, str] = {}
    for seq, mutation_id in incoming:
        item = (seq, mutation_id)
        if seq in known:
            (plan.duplicates if known[seq] == mutation_id else plan.reused).append(item)
        elif mutation_id in held_ids or mutation_id in seen_ids:
            plan.duplicates.append(item)
        elif seq in pool or seq in batch_seqs:
            plan.reused.append(item)
        elif seq < next_seq:
            plan.stale.append(item)
        else:
            pool[seq] = (mutation_id, now, True)
            batch_seqs[seq] = mutation_id
        seen_ids.add(mutation_id)

    expected = next_seq
    while True:
        while expected in pool:
            mutation_id, _, _ = pool.pop(expected)
            plan.apply.append((expected, mutation_id))
            expected += 1
        if not pool:
            break
        oldest = min(since for _, since, _ in pool.values())
        if now - oldest < hold_seconds:
            break
        resume = min(pool)
        plan.skipped.extend(range(expected, resume))
        expected = resume

    plan.hold = sorted((seq, mid) for seq, (mid, _, fresh) in pool.items() if fresh)
    plan.next_seq = expected
    return plan
