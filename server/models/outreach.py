"""Outreach (下访): rounds of the five enters, their must-visit rosters, and the review of visits.

A :class:`RosterEntry` is synced (pull only): an inspector's phone pulls its station's roster for
the current rounds, with who is assigned, and works it offline; a visit pushed with the entry's
id marks it visited. :class:`VisitReview` is the station head's verdict on a visit (the visit
itself stays append-only); without one a visit is ``received``.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime, utcnow
from server.models.syncable import Syncable


class OutreachRound(Base):
    """One round (轮次) of going out: a period, the stations taking part, the kinds targeted."""

    __tablename__ = "outreach_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True, nullable=False)
    ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: station ids taking part
    station_ids: Mapped[list[int]] = mapped_column(sa.JSON, nullable=False)
    #: the five enters targeted (agency, enterprise, community, village, household)
    enters: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: when the roster was last computed
    roster_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RosterEntry(Syncable, Base):
    """Someone who must be visited in a round (必访对象), why, and by whom."""

    __tablename__ = "roster_entry"
    __table_args__ = (sa.UniqueConstraint("round_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outreach_round.id", ondelete="CASCADE"), index=True, nullable=False
    )
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    #: person:<ref>, enterprise:<credit code> or complainant:<phone/person key>
    subject_key: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    enter: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: due | visited | dropped (no longer qualifies, never visited)
    status: Mapped[str] = mapped_column(sa.String(16), default="due", nullable=False)
    assigned_to: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: the visit that marked it visited
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class VisitReview(Base):
    """The station head's review of a visit: approved, has issues or rejected, with a note."""

    __tablename__ = "visit_review"

    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=False
    )
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
