"""Which database, which driver, and what every new connection needs.

The one place that knows the two backends apart at connection level:

* SQLite + SpatiaLite (embedded default). The Python here cannot load SQLite extensions with
  the stdlib ``sqlite3`` module, so every SQLite engine uses ``sqlean`` (a DB-API module built
  with extension loading) passed as ``module=`` — never ``creator=``, which would leave
  SQLAlchemy translating the wrong exception classes. Only one SQLite wrapper may be imported
  per process (``mod_spatialite`` binds to the first), so this module is the only importer.
* PostgreSQL + PostGIS through psycopg 3.
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from geoalchemy2.admin.dialects.sqlite import init_spatialite

#: SpatiaLite's loadable module; the dynamic loader finds it in the system library path
#: (Debian package ``libsqlite3-mod-spatialite``).
SPATIALITE_MODULE = "mod_spatialite"


def normalize_url(url: str) -> str:
    """Give PostgreSQL URLs the psycopg 3 driver, whatever spelling the operator used."""
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_dbapi():
    """The DB-API module that can load SpatiaLite (imported lazily, once per process)."""
    import sqlean.dbapi2

    return sqlean.dbapi2


def engine_options(url: str) -> dict[str, object]:
    # JSON columns (mutation payloads, photo lists) are written by the thousand per push.
    codec = {"json_serializer": json_text, "json_deserializer": orjson.loads}
    if is_sqlite(url):
        # A busy SQLite file waits for the writer instead of failing with "database is locked".
        return {"module": sqlite_dbapi(), "connect_args": {"timeout": 30}, **codec}
    return {"pool_pre_ping": True, **codec}


def json_text(value: object) -> str:
    """JSON for a column: compact, non-ASCII kept as is, several times faster than ``json``."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class SpatiaLiteUnavailable(RuntimeError):
    """mod_spatialite could not be loaded; says which package provides it."""


def prepare_sqlite_connection(dbapi_conn, _record=None) -> None:
    """Load SpatiaLite, create its metadata once, and set the pragmas fieldsync relies on."""
    # The driver's own transaction handling starts a transaction only at the first write and
    # lets RELEASE SAVEPOINT commit: a push's first savepoint would commit half a push. So
    # the driver stays in autocommit and SQLAlchemy's "begin" emits BEGIN (see below).
    dbapi_conn.isolation_level = None
    dbapi_conn.enable_load_extension(True)
    try:
        dbapi_conn.load_extension(SPATIALITE_MODULE)
    except Exception as exc:  # the driver raises its own OperationalError class
        raise SpatiaLiteUnavailable(
            "cannot load SpatiaLite (mod_spatialite): install the Debian package "
            "'libsqlite3-mod-spatialite'"
        ) from exc
    finally:
        dbapi_conn.enable_load_extension(False)
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        (has_metadata,) = cursor.execute("SELECT CheckSpatialMetaData()").fetchone()
        if not has_metadata:
            # Only the WGS-84 family of SRIDs, in one transaction: 10 ms instead of 5 s.
            init_spatialite(dbapi_conn, transaction=True, init_mode="WGS84")
        # WAL lets readers (pulls, map reads) proceed while one writer commits.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def begin_immediate(connection: sa.Connection) -> None:
    """SQLite transactions take the write lock up front (``BEGIN IMMEDIATE``).

    With a deferred BEGIN, a transaction that read first and writes later fails at once with
    "database is locked" when another connection committed in between, whatever the busy
    timeout; taking the lock at BEGIN makes concurrent requests wait their turn instead. The
    embedded database thus runs one transaction at a time (WAL keeps them short); several
    app servers are PostgreSQL's job.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def attach_connection_hooks(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", prepare_sqlite_connection)
        sa.event.listen(engine, "begin", begin_immediate)


def create_engine(url: str, **kwargs) -> sa.Engine:
    """An engine outside Flask (CLI helpers, benchmarks) with the same connection set-up."""
    url = normalize_url(url)
    options = engine_options(url)
    options.update(kwargs)
    engine = sa.create_engine(url, **options)
    attach_connection_hooks(engine)
    return engine
