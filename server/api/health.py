"""``/healthz``: is this app server able to reach its database?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from server.extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1")).scalar_one()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {
            "status": "unavailable",
            "database": "unreachable",
            "detail": type(exc).__name__,
        }, 503
    return {"status": "ok", "database": db.engine.dialect.name}
