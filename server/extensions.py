"""Unbound extensions; :func:`server.create_app` binds them with ``init_app``.

The flask-smorest ``Api`` is built per app in the factory instead: it keeps its OpenAPI spec on
itself, so one shared instance would mix the specs of every app a test session creates.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

from server.models.base import Base

db = SQLAlchemy(model_class=Base)
