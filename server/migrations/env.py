"""Alembic environment: always run with a connection handed over by :mod:`server.migrate`."""

from __future__ import annotations

from alembic import context
from geoalchemy2.alembic_helpers import render_item, writer

from server.migrate import include_object
from server.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'fieldsync db upgrade', not the alembic CLI")

include_object.dialect_name = connection.dialect.name  # type: ignore[attr-defined]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    process_revision_directives=writer,
    render_item=render_item,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
