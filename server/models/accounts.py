"""Users (with roles and a station or the county) and the devices they sync from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, UTCDateTime, utcnow
from server.models.registry import Station


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    #: None: the user works at county level (县局) and is not bound to one station.
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    station: Mapped[Station | None] = relationship(lazy="joined")


class Device(Base):
    """A phone or tablet registered to one user. Its bearer token is stored only as a hash."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    #: SHA-256 of the token. Tokens carry 256 random bits, so a fast hash is safe and lets
    #: every request be checked with one indexed lookup (argon2 is for passwords).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    #: The token's first characters, so an admin can tell devices apart without the secret.
    token_hint: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SignInFailure(Base):
    """A wrong password (or unknown username), kept for the sign-in limit
    (:mod:`bureau.sign_in`) while it is within the window; older ones are pruned."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        sa.Index("ix_sign_in_failure_username", "username", "failed_at"),
        sa.Index("ix_sign_in_failure_address", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: as typed (the limit holds for names that do not exist too)
    username: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    address: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
