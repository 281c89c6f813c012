"""Casework (信访件办理): a complaint's case file, the leaders' decisions, reception days and the
audit log.

The synced :class:`~server.models.fieldwork.Complaint` keeps what devices share (status,
category, place…); :class:`ComplaintCase` beside it keeps what only the bureau's desk holds: the
case number, the complainant's identity (never pulled, never on a map), the first receiver and
the responsible officer, the clocks, the extension and the rectification order. Replies (五回)
are synced ``complaint_event`` rows. :class:`AuditEntry` is append-only: rows are inserted,
never updated or deleted, and keep their case and actor as plain ids so that nothing erases
them.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime, utcnow


class ReceptionDay(Base):
    """A leadership reception day (领导接访日): which leader receives the public, when, where."""

    __tablename__ = "reception_day"
    __table_args__ = (sa.UniqueConstraint("day", "leader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True, nullable=False)
    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=False
    )
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    place: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    topic: Mapped[str | None] = mapped_column(sa.String(300))
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ComplaintCase(Base):
    """The desk's case file of one complaint (一事一档), one row per complaint."""

    __tablename__ = "complaint_case"

    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    #: desk | device
    source: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    #: the first receiver (首问负责人), accountable until an assignee takes over
    received_by: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    complainant_name: Mapped[str | None] = mapped_column(sa.String(100))
    complainant_phone: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    complainant_address: Mapped[str | None] = mapped_column(sa.String(300))
    complainant_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    headcount: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    classification: Mapped[str | None] = mapped_column(sa.String(32))
    acceptance_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the responsible officer (责任人)
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    referred_to: Mapped[str | None] = mapped_column(sa.String(200))
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id", ondelete="SET NULL"), index=True
    )
    important: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    bypass: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    #: the one extension (延期): days, approver, reason, granted_at, previous_due, new_due
    extension: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the rectification order (限期整改) and its verification visit
    rectification: Mapped[dict | None] = mapped_column(sa.JSON)
    reception_day_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reception_day.id", ondelete="SET NULL"), index=True
    )
    #: the visit (its record id) during which the matter was raised (下访中发现的问题)
    raised_in_visit: Mapped[str | None] = mapped_column(sa.String(36))


class CaseEscalation(Base):
    """A case put before a leader (督办) and the leader's decision (领导批示); append-only."""

    __tablename__ = "case_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), index=True, nullable=False
    )
    grounds: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=False
    )
    decision: Mapped[str] = mapped_column(sa.Text, nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AuditEntry(Base):
    """Who did what to which case, when and why (append-only).

    ``complaint_id`` and ``actor_id`` are plain integers, not foreign keys: deleting a complaint
    or an account must never erase what was done.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_complaint", "complaint_id", "id"),
        sa.Index("ix_audit_entry_actor", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.Integer)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    actor_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    why: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    status_before: Mapped[str | None] = mapped_column(sa.String(32))
    status_after: Mapped[str | None] = mapped_column(sa.String(32))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    #: the device the action came from, when it was synced
    device_id: Mapped[int | None] = mapped_column(sa.Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
