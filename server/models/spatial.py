"""What the spatial core concluded about complaints and visits: suggested links and flags.

Links are suggestions until an officer confirms or rejects them; flags are advice, never
refusals (DESIGN §5). Both are recomputed when a complaint's location is corrected; a decided
link is kept as the officer left it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime, utcnow


class ComplaintLink(Base):
    """An enterprise that may have caused a complaint, ranked; an officer decides."""

    __tablename__ = "complaint_link"
    __table_args__ = (sa.UniqueConstraint("complaint_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), index=True, nullable=False
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True, nullable=False
    )
    rank: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    distance_m: Mapped[float] = mapped_column(sa.Float, nullable=False)
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    #: suggested | confirmed | rejected
    status: Mapped[str] = mapped_column(sa.String(16), default="suggested", nullable=False)
    decided_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class _FlagColumns:
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    measured: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    #: the other record the flag is about (a project, complaint or enterprise), as text
    related: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ComplaintFlag(_FlagColumns, Base):
    """Near a new project, a likely duplicate, a rebound: what an officer should look at."""

    __tablename__ = "complaint_flag"

    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), index=True, nullable=False
    )


class VisitFlag(_FlagColumns, Base):
    """Why a visit's GPS fix is doubtful: far from its target, poor accuracy, impossible speed."""

    __tablename__ = "visit_flag"
    # No foreign key on PostgreSQL (migration 0011): a push of 500 visits stores some 800
    # flags in the statement that inserts the visits, and the key's check of each flag's visit
    # cost 3-4 ms of that statement. The flags' visits are the rows that statement has just
    # inserted (their ids come from its RETURNING), and visits are append-only (never
    # deleted), so there is nothing to check and nothing to cascade. SQLite keeps the key.
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name="fk_visit_flag_visit_id_visit", ondelete="CASCADE"
        ).ddl_if(dialect="sqlite"),
    )

    visit_id: Mapped[int] = mapped_column(index=True, nullable=False)
