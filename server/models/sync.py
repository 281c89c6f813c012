"""The sync server's own bookkeeping: the sequence, batches, mutations, history, tombstones,
conflicts, merges and photos."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime, utcnow


class SyncCounter(Base):
    """One row per counter. Allocating ``sync_seq`` values updates this row, whose row lock is
    held until the writing transaction commits: so sequence order is commit order, on
    PostgreSQL as on SQLite, and a pull cursor can never jump over a change that commits
    later (DESIGN §4 rule 4)."""

    __tablename__ = "sync_counter"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class SyncDeviceState(Base):
    """Per device: the next mutation ``seq`` the server expects (rule 3)."""

    __tablename__ = "sync_device_state"

    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    next_seq: Mapped[int] = mapped_column(sa.BigInteger, default=1, nullable=False)


class SyncBatch(Base):
    """A received push, identified by (device, batch_seq); its results are rebuilt from its
    mutations when it is replayed (rule 2).

    The visits it created through the bulk path (plain creates, applied as sent: the common
    case by far) are recorded here, in ``created``, as ``[seq, mutation id, record uid]``
    (with a fourth item, the photos missing then, when some were), instead of one
    ``sync_mutation`` row each: the record holds the data, and this list is what answers a
    replay, a duplicate and a reused ``seq`` for them. ``first_seq``/``last_seq`` bound the
    seqs in ``created``, so that a lookup by seq reads only the batches that may hold it.
    Every other mutation (rejected, held, merged, updates…) keeps its own row, except a
    ``duplicate``, whose original has it: ``duplicates`` lists those."""

    __tablename__ = "sync_batch"
    __table_args__ = (sa.UniqueConstraint("device_id", "batch_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), nullable=False
    )
    batch_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    schema_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    mutation_ids: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    clock_skew_seconds: Mapped[float | None] = mapped_column(sa.Float)
    clock_skew_flagged: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    cursor_out: Mapped[str | None] = mapped_column(sa.String(32))
    created: Mapped[list | None] = mapped_column(sa.JSON)
    first_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: ``[seq, mutation id]`` of each mutation this batch answered ``duplicate`` (their
    #: originals are elsewhere), so that a replay answers them again
    duplicates: Mapped[list | None] = mapped_column(sa.JSON)


class SyncMutation(Base):
    """Every mutation ever received, with its outcome: idempotency, held gaps, quarantine."""

    __tablename__ = "sync_mutation"
    __table_args__ = (
        sa.UniqueConstraint("device_id", "mutation_id"),
        sa.Index("ix_sync_mutation_device_seq", "device_id", "seq"),
        sa.Index("ix_sync_mutation_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        sa.ForeignKey("device.id", ondelete="CASCADE"), nullable=False
    )
    mutation_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sync_batch.id", ondelete="CASCADE"), nullable=False
    )
    station_id: Mapped[int | None] = mapped_column(sa.Integer)
    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    record_uid: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    op: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    base_version: Mapped[int | None] = mapped_column(sa.Integer)
    payload: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    captured_at: Mapped[str | None] = mapped_column(sa.String(40))
    outcome: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    code: Mapped[str | None] = mapped_column(sa.String(40))
    message: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordHistory(Base):
    """Each version's fields of a mergeable record: the base of a three-way merge."""

    __tablename__ = "record_history"
    __table_args__ = (sa.UniqueConstraint("entity", "record_uid", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    record_uid: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    fields: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    device_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SyncTombstone(Base):
    """A deleted record, or one that left a station's scope, as the pull feed shows it."""

    __tablename__ = "sync_tombstone"

    id: Mapped[int] = mapped_column(primary_key=True)
    sync_seq: Mapped[int] = mapped_column(sa.BigInteger, index=True, nullable=False)
    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    record_uid: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    station_id: Mapped[int | None] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    origin_device_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


def _unbox(stored: dict | None):
    """A value as it was given: JSON columns hold objects, so a stored value is boxed as
    ``{"value": v}`` (a ``delete_vs_update`` conflict's ``{"deleted": true}`` is stored bare)."""
    if isinstance(stored, dict) and stored.keys() == {"value"}:
        return stored["value"]
    return stored


class SyncConflict(Base):
    """A field two people changed differently, kept side by side for an officer (rule 5).

    ``kind``: ``field`` (one field, ``field`` names it), ``update_vs_delete`` (an update met a
    delete: ``your_value`` holds the fields it changed) or ``delete_vs_update`` (a delete met
    an update: ``their_value`` holds the record's fields). Values are stored boxed (see
    :func:`_unbox`); ``base``, ``theirs``, ``yours`` and ``resolved`` give them bare, as a push
    answer does.
    """

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    record_uid: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    station_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    field: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    base_value: Mapped[dict | None] = mapped_column(sa.JSON)
    their_value: Mapped[dict | None] = mapped_column(sa.JSON)
    your_value: Mapped[dict | None] = mapped_column(sa.JSON)
    kind: Mapped[str] = mapped_column(sa.String(24), default="field", nullable=False)
    device_id: Mapped[int | None] = mapped_column(sa.Integer)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    mutation_id: Mapped[str | None] = mapped_column(sa.String(64))
    base_version: Mapped[int | None] = mapped_column(sa.Integer)
    server_version: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", nullable=False)
    resolution: Mapped[str | None] = mapped_column(sa.String(16))
    resolved_value: Mapped[dict | None] = mapped_column(sa.JSON)
    resolved_by: Mapped[int | None] = mapped_column(sa.Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    @property
    def base(self):
        return _unbox(self.base_value)

    @property
    def theirs(self):
        return _unbox(self.their_value)

    @property
    def yours(self):
        return _unbox(self.your_value)

    @property
    def resolved(self):
        return _unbox(self.resolved_value)


class SyncMerge(Base):
    """An automatic merge, recorded so an officer can see what was merged."""

    __tablename__ = "sync_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    record_uid: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    station_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    device_id: Mapped[int | None] = mapped_column(sa.Integer)
    mutation_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    fields: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    base_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    server_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    new_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Photo(Base):
    """A photo addressed by the SHA-256 of its bytes; ``data`` fills chunk by chunk."""

    __tablename__ = "photo"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    received: Mapped[int] = mapped_column(sa.BigInteger, default=0, nullable=False)
    complete: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    uploaded_by: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class PhotoChunk(Base):
    __tablename__ = "photo_chunk"
    __table_args__ = (sa.UniqueConstraint("sha256", "offset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(
        sa.ForeignKey("photo.sha256", ondelete="CASCADE"), index=True, nullable=False
    )
    offset: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
