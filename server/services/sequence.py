"""The change sequence (``sync_seq``): values handed out in commit order to every synced write.

Allocating updates one counter row, whose row lock is held until the writing transaction
commits, so sequence order is commit order (DESIGN §4 rule 4). Every writer of synced records
— a push, the desk's casework, registry writes, conflict resolutions — takes its values here.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.extensions import db
from server.models import SyncCounter

SEQ_COUNTER = "sync_seq"


class SeqAllocator:
    """Hands out ``sync_seq`` values in blocks; the first block takes the counter's row lock."""

    def __init__(self, block: int):
        self.block = max(block, 8)
        self.next = 0
        self.end = 0
        self.first: int | None = None

    def __call__(self) -> int:
        if self.next >= self.end:
            self.end = allocate_block(self.block) + 1
            self.next = self.end - self.block
            if self.first is None:
                self.first = self.next
        value = self.next
        self.next += 1
        return value

    def ensure(self, count: int) -> None:
        """Have ``count`` values in hand. Call it outside savepoints: a block taken inside one
        that is then rolled back would return to the counter while still being handed out."""
        if self.end - self.next < count:
            self.end = allocate_block(max(self.block, count)) + 1
            self.next = self.end - max(self.block, count)
            if self.first is None:
                self.first = self.next

    @property
    def last(self) -> int | None:
        return None if self.first is None else self.next - 1


def allocate_block(size: int) -> int:
    """Reserve ``size`` sequence values; returns the highest. Locks the counter until commit.

    A Core statement on the table, not an ORM one: no session synchronisation, no autoflush."""
    counter = SyncCounter.__table__
    return db.session.execute(
        sa.update(counter)
        .where(counter.c.name == SEQ_COUNTER)
        .values(value=counter.c.value + size)
        .returning(counter.c.value)
    ).scalar_one()
