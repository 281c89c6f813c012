"""Users and devices: creation, device registration (token shown once) and revocation."""

from __future__ import annotations

import sqlalchemy as sa

from bureau.errors import Conflict, InvalidInput, NotFound
from bureau.sign_in import SignInLimits
from bureau.vocabulary import ROLES, require_choice
from server.auth import hash_password, new_token, token_hash, token_hint
from server.extensions import db
from server.models import Device, Station, User
from server.models.base import utcnow
from server.services.sign_in import check_password

#: Roles whose work happens in one township; they must belong to a station.
STATION_ROLES = ("inspector", "station_staff")


def add_user(
    *, username: str, full_name: str, role: str, password: str, station_code: str | None = None
) -> User:
    require_choice(role, ROLES, "role")
    if len(password) < 10:
        raise InvalidInput(
            "The password is too short.", errors={"password": ["at least 10 characters"]}
        )
    station_id = None
    if station_code:
        station_id = db.session.execute(
            sa.select(Station.id).where(Station.code == station_code)
        ).scalar()
        if station_id is None:
            raise InvalidInput(
                f"No station has the code {station_code!r}.",
                errors={"station_code": ["unknown station"]},
            )
    elif role in STATION_ROLES:
        raise InvalidInput(
            f"A user with the role {role!r} must belong to a station.",
            errors={"station_code": ["required for inspectors and station staff"]},
        )
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise Conflict(f"The username {username!r} is taken.", errors={"username": ["taken"]})
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        station_id=station_id,
        password_hash=hash_password(password),
        is_active=True,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> User:
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"No user is called {username!r}.")
    return user


def register_device(user: User, name: str, *, token: str | None = None) -> tuple[Device, str]:
    """A new device for ``user``; returns it with its token, which is never stored in clear."""
    token = token or new_token()
    device = Device(
        user=user, name=name, token_hash=token_hash(token), token_hint=token_hint(token)
    )
    db.session.add(device)
    db.session.flush()
    return device, token


def register_device_with_password(
    username: str, password: str, name: str, *, address: str, limits: SignInLimits
) -> tuple[Device, str]:
    """What the phone app does at first start: the user's own credentials buy a device token
    (within the sign-in limit, :mod:`server.services.sign_in`)."""
    return register_device(check_password(username, password, address, limits), name)


def revoke_device(device_id: int) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(f"No device has the id {device_id}.")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    return device
