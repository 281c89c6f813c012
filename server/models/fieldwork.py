"""What happens in the field and at the desk: complaints, their events, visits, proposals."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import (
    Base,
    Timestamped,
    UTCDateTime,
    geometry,
    register_spatialite_index,
    spatial_indexes,
)
from server.models.registry import Spatial
from server.models.syncable import Syncable


class Complaint(Spatial, Syncable, Timestamped, Base):
    """信访/投诉: one case, one file (一事一档)."""

    __tablename__ = "complaint"
    __table_args__ = spatial_indexes("complaint", "location", geography=True)
    geometry_column: ClassVar[str] = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    #: the business desk its category belongs to (routing by business scope)
    desk: Mapped[str | None] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    location = geometry("POINT", nullable=True)
    location_original: Mapped[dict | None] = mapped_column(sa.JSON)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: when the case was last closed (rebound flags look for recently closed cases)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintEvent(Syncable, Base):
    """One of the five replies (五回) or a note on a complaint; append-only."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    notified_by: Mapped[str | None] = mapped_column(sa.String(16))
    satisfied: Mapped[bool | None] = mapped_column(sa.Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Visit(Spatial, Syncable, Base):
    """An inspector's visit with its GPS fix; append-only."""

    __tablename__ = "visit"
    # No geography index: visits are found by bbox (map layers) and by inspector and time
    # (plausibility), never by metres around a point, and every push writes hundreds of them.
    # Plausibility reads an inspector's visits in a time window before each pushed one: by
    # (inspector, time), so that the read costs the window, not the inspector's whole history.
    #
    # No foreign keys on PostgreSQL. Every check of one takes a share lock on the parent row,
    # and the pushes of a station all point at the same few rows (its station, the inspector,
    # the device): concurrent pushes then pile their locks into multixacts on those rows, which
    # cost more database time than the visits' own indexes (bench.sync_push_pull: database CPU
    # per push -28 %, push throughput 23 % -> 29 % of a raw executemany). The references stay
    # valid by construction: they are never taken from the device but from its authenticated
    # token (inspector, device) and the station locator, and fieldsync never deletes a station,
    # a user or a device (users are deactivated, devices revoked). SQLite keeps the constraints.
    __table_args__ = (
        # id last: a visit's previous one is the last before it by (visited_at, id), read as
        # one backward step of this index (without id, every visit of the 12 h before it)
        sa.Index("ix_visit_inspector_visited_id", "inspector_id", "visited_at", "id"),
        *spatial_indexes("visit", "location", geography=False),
        *(
            sa.ForeignKeyConstraint(
                [column], [target], name=f"fk_visit_{column}_{target.split('.')[0]}",
                ondelete="SET NULL",
            ).ddl_if(dialect="sqlite")
            for column, target in (
                ("station_id", "station.id"),
                ("inspector_id", "user_account.id"),
                ("origin_device_id", "device.id"),
            )
        ),
    )  # fmt: skip
    geometry_column: ClassVar[str] = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(index=True)
    inspector_id: Mapped[int | None] = mapped_column()
    origin_device_id: Mapped[int | None] = mapped_column()
    target_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    target_ref: Mapped[str | None] = mapped_column(sa.String(64))
    location = geometry("POINT")
    location_original: Mapped[dict | None] = mapped_column(sa.JSON)
    accuracy_m: Mapped[float] = mapped_column(sa.Float, nullable=False)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    findings: Mapped[str | None] = mapped_column(sa.Text)
    photos: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    mock_location: Mapped[bool | None] = mapped_column(sa.Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class RegistryProposal(Syncable, Base):
    """A field edit of registry data (an enterprise's location…), kept for an officer's review."""

    __tablename__ = "registry_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # enterprise | project
    target_key: Mapped[str | None] = mapped_column(sa.String(100))
    changes: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", nullable=False)
    proposed_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


register_spatialite_index(Complaint.__table__, "location")
register_spatialite_index(Visit.__table__, "location")
