"""Many rows at once, as fast as each backend allows: inserting them, and matching them.

A push of 500 visits writes 500 visits and 500 ``sync_mutation`` rows. Through an INSERT per
row (even pipelined) the driver's per-parameter work costs more than the database's own; on
PostgreSQL, ``COPY … FROM STDIN`` streams the rows with a fraction of that work. SQLite has no
COPY and no round trips, so an ``executemany`` is already its fastest path.

Values go through each column type's own bind processing first (JSON to text, timestamps to
UTC), so a row means the same whichever path wrote it. Geometry is given as EWKT, which
PostGIS's input function reads in COPY as it does in an INSERT.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def one_of(session: Session, column: sa.ColumnElement, values: Sequence[Any]) -> sa.ColumnElement:
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter.

    A push looks up its 500 mutation ids, sequence numbers and record ids this way. An IN list
    of 500 parameters costs more to compile, send and parse than the lookup itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(list(values))


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(sa.insert(table), list(rows))
        return
    names = list(rows[0])
    processors = [_copy_processor(table.c[name].type, connection.dialect) for name in names]
    columns = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    statement = f"COPY {table.name} ({columns}) FROM STDIN"
    dbapi = connection.dialect.dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            value if process is None or value is None else process(value)
                            for process, value in zip(
                                processors, (row[n] for n in names), strict=True
                            )
                        ]
                    )
    except dbapi.Error as error:  # raised as SQLAlchemy would, so callers handle one kind
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error


def _copy_processor(column_type: sa.types.TypeEngine, dialect):
    if isinstance(column_type, Geometry):
        return str  # EWKT, read by PostGIS's input function
    if isinstance(column_type, sa.JSON):
        return dialect._json_serializer or json.dumps
    return column_type.bind_processor(dialect)
