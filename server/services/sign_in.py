"""Checking a username and password, with the sign-in limit (:mod:`bureau.sign_in`).

Two things an attacker measures are made useless here: the answer (one refusal for an unknown
name, an inactive account and a wrong password) and its time (an unknown name costs the same
argon2 work as a known one). Failures are written in a transaction of their own, committed
whatever becomes of the request: the request's own transaction is rolled back with the 401, and
a failure that vanished with it would not count. The password itself is checked outside any
transaction, so that SQLite's write lock is not held for argon2's ~100 ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa

from bureau.errors import DomainError
from bureau.sign_in import SignInLimits, TooManyAttempts, reaches_limit, wait_before_next_attempt
from server.auth import spend_password_check, verify_password
from server.extensions import db
from server.models import AuditEntry, SignInFailure, User
from server.models.base import utcnow


class BadCredentials(DomainError):
    code = "bad_credentials"
    status = 401


def limits_from(config: Mapping[str, object]) -> SignInLimits:
    return SignInLimits(
        per_username=int(config["SIGN_IN_MAX_FAILURES_PER_USERNAME"]),
        per_address=int(config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["SIGN_IN_WINDOW_SECONDS"])),
    )


def check_password(username: str, password: str, address: str, limits: SignInLimits) -> User:
    """The active user whose password this is; else :class:`BadCredentials`, or
    :class:`TooManyAttempts` (before the password is even looked at) past the limit."""
    now = utcnow()
    failures = SignInFailure.__table__
    since = now - limits.window
    with db.engine.begin() as conn:
        found = conn.execute(
            sa.select(User.id, User.password_hash, User.is_active).where(User.username == username)
        ).first()
        by_name = list(
            conn.execute(
                sa.select(failures.c.failed_at).where(
                    failures.c.username == username, failures.c.failed_at > since
                )
            ).scalars()
        )
        by_address = list(
            conn.execute(
                sa.select(failures.c.failed_at).where(
                    failures.c.address == address, failures.c.failed_at > since
                )
            ).scalars()
        )
    wait = wait_before_next_attempt(by_name, by_address, now, limits)
    if wait:
        raise TooManyAttempts(
            f"Too many wrong passwords lately for this username or from this address; try "
            f"again in {wait} s.",
            retry_after_seconds=wait,
        )
    if found is None:
        spend_password_check(password)  # as long as a real check: the name's existence stays hidden
        ok = False
    else:
        ok = verify_password(found.password_hash, password) and found.is_active
    if not ok:
        _record_failure(username, address, now, limits, len(by_name) + 1, len(by_address) + 1,
                        found.id if found is not None else None)  # fmt: skip
        raise BadCredentials("Unknown username or wrong password.")
    user = db.session.get(User, found.id)
    db.session.execute(sa.delete(failures).where(failures.c.username == username))
    return user


def _record_failure(
    username: str,
    address: str,
    now: datetime,
    limits: SignInLimits,
    name_count: int,
    address_count: int,
    user_id: int | None,
) -> None:
    """Count this failure (committed on its own), prune what left the window, and audit the
    failure that locks a username or an address."""
    failures = SignInFailure.__table__
    with db.engine.begin() as conn:
        conn.execute(sa.insert(failures).values(username=username, address=address, failed_at=now))
        conn.execute(
            sa.delete(failures).where(
                sa.or_(failures.c.username == username, failures.c.address == address),
                failures.c.failed_at <= now - limits.window,
            )
        )
        locked = [
            what
            for what, count, limit in (
                ("username", name_count, limits.per_username),
                ("address", address_count, limits.per_address),
            )
            if reaches_limit(count, limit)
        ]
        if locked:
            conn.execute(
                sa.insert(AuditEntry.__table__).values(
                    complaint_id=None,
                    case_number=None,
                    actor_id=user_id or 0,
                    action="sign_in_locked",
                    at=now,
                    why=(
                        f"{' and '.join(locked)} locked after too many wrong passwords "
                        f"within {int(limits.window.total_seconds())} s"
                    ),
                    details={
                        "username": username,
                        "address": address,
                        "locked": locked,
                        "failures": {"username": name_count, "address": address_count},
                    },
                    recorded_at=now,
                )
            )
