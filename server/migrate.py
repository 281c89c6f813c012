"""Schema migrations (Alembic), run programmatically on an engine of either backend."""

from __future__ import annotations

import warnings
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2.alembic_helpers import include_object as geoalchemy_include_object

MIGRATIONS = Path(__file__).parent / "migrations"

#: Tables that SpatiaLite or PostGIS own; they are not part of fieldsync's schema.
_EXTENSION_TABLES = ("spatial_ref_sys", "SpatialIndex", "ElementaryGeometries", "KNN", "KNN2")
_EXTENSION_PREFIXES = (
    "sql_statements_log",
    "data_licenses",
    "spatialite_",
    "vector_layers",
    "virts_",
    "views_",
    "geometry_columns",
    "idx_",
    "rl2map_",
    "SE_",
    "wms_",
    "topologies",
    "networks",
    "raster_coverages",
    "vector_coverages",
)


def include_object(obj, name, obj_type, reflected, compare_to) -> bool:
    """Leave out the spatial extensions' own tables, and PostgreSQL-only indexes on SQLite."""
    if obj_type == "table" and name is not None:
        if name in _EXTENSION_TABLES or name.startswith(_EXTENSION_PREFIXES):
            return False
    dialect_name = getattr(include_object, "dialect_name", None)
    if obj_type == "index" and reflected and dialect_name == "sqlite" and name.startswith("idx_"):
        return False  # SpatiaLite's R*Tree, reported as an index by GeoAlchemy2's reflection
    if obj_type in ("index", "foreign_key_constraint") and not reflected and obj is not None:
        ddl_if = getattr(obj, "_ddl_if", None)
        if ddl_if is not None and ddl_if.dialect and dialect_name != ddl_if.dialect:
            return False
    return geoalchemy_include_object(obj, name, obj_type, reflected, compare_to)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def differences(engine: sa.Engine) -> list:
    """What the database's schema lacks or has beyond the models (empty when they match)."""
    from server.models import Base

    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; ours are PostgreSQL-only and left out anyway.
        warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified")
        include_object.dialect_name = connection.dialect.name  # type: ignore[attr-defined]
        context = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True},
        )
        return compare_metadata(context, Base.metadata)
