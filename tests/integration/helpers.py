"""Small helpers shared by the integration tests."""

from __future__ import annotations

import sqlalchemy as sa


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(app, username: str) -> str:
    """Register a new device for ``username`` in ``app``'s database and return its token."""
    from server.extensions import db
    from server.services.accounts import find_user, register_device

    with app.app_context():
        _device, token = register_device(find_user(username), f"test device of {username}")
        db.session.commit()
    return token


def count(app, model) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def station_id(app, code: str) -> int:
    from server.extensions import db
    from server.models import Station

    with app.app_context():
        return db.session.execute(sa.select(Station.id).where(Station.code == code)).scalar_one()
