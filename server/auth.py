"""Who is calling: device bearer tokens → the device's user → an :class:`Actor`.

A missing, unknown or revoked token, or a deactivated user, answers 401; what an authenticated
actor may do is decided by :mod:`bureau.access` (403).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, request
from flask_smorest import abort

from bureau.access import Actor
from server.extensions import db
from server.models import Device, User
from server.models.base import utcnow
from server.transaction import write_even_if_refused

TOKEN_PREFIX = "fs_"
#: Seen-at is refreshed at most this often, so reads don't turn into writes on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)

_password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


_UNUSED_HASH: list[str] = []


def spend_password_check(password: str) -> None:
    """Do the work of checking ``password`` against a hash that matches nothing: what a
    sign-in with an unknown username costs, so that it takes as long as a known one."""
    if not _UNUSED_HASH:
        _UNUSED_HASH.append(hash_password(secrets.token_urlsafe(16)))
    verify_password(_UNUSED_HASH[0], password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """256 random bits, URL-safe, with a prefix that makes leaked tokens easy to grep for."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_hint(token: str) -> str:
    return token[:10]


def _unauthorized(message: str):
    abort(401, message=message, headers={"WWW-Authenticate": 'Bearer realm="fieldsync"'})


#: the caller behind a token hash, read at Core level: every request runs it, and loading the
#: device, its user and the user's station as ORM objects cost a fifth of a pull page's time
_CALLER = (
    sa.select(
        Device.id,
        Device.revoked_at,
        Device.last_seen_at,
        User.id,
        User.role,
        User.station_id,
        User.is_active,
    )
    .join(User, User.id == Device.user_id)
    .where(Device.token_hash == sa.bindparam("token_hash"))
)


def authenticate_request() -> None:
    """``before_request`` for every protected blueprint: sets ``g.actor`` and ``g.device_id``."""
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        _unauthorized("Send a device token: 'Authorization: Bearer <token>'.")
    caller = (
        db.session.connection()
        .execute(_CALLER, {"token_hash": token_hash(token.strip())})
        .one_or_none()
    )
    if caller is None:
        _unauthorized("The device token is not known.")
    device_id, revoked_at, last_seen_at, user_id, role, station_id, is_active = caller
    if revoked_at is not None:
        _unauthorized("The device token was revoked; register the device again.")
    if not is_active:
        _unauthorized("The device's user account is deactivated.")
    now = utcnow()
    if last_seen_at is None or now - last_seen_at > LAST_SEEN_RESOLUTION:
        # with the request's commit; a refused (4xx) request counts as seen too
        write_even_if_refused(
            sa.update(Device).where(Device.id == device_id).values(last_seen_at=now)
        )
    g.device_id = device_id
    g.actor = Actor(user_id=user_id, role=role, station_id=station_id)


def current_device() -> Device:
    """The calling device as an ORM object (for the few views that show it)."""
    return db.session.get(Device, g.device_id)


def current_actor() -> Actor:
    return g.actor
