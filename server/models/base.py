"""Declarative base, naming conventions and the spatial column/index helpers.

Spatial indexes are declared explicitly rather than left to GeoAlchemy2: its SQLite DDL hook
removes the automatic index from the shared ``Table`` object, so a PostgreSQL database created
later in the same process would silently get no GiST index (measured in the stack spike).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from gis.geometry import WGS84_SRID

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the backend stores.

    SQLite has no zone-aware type; without this, values would come back naive and compare
    wrongly with aware ones.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def geometry(kind: str, *, nullable: bool = False) -> Mapped:
    """A WGS-84 geometry column without GeoAlchemy2's implicit index (see module docstring)."""
    return mapped_column(Geometry(kind, srid=WGS84_SRID, spatial_index=False), nullable=nullable)


def spatial_indexes(table: str, column: str, *, geography: bool) -> tuple[sa.Index, ...]:
    """PostgreSQL GiST indexes for ``table.column``; SQLite gets an R*Tree via
    :func:`register_spatialite_index`. ``geography`` adds the index that metre-based
    ``ST_DWithin(geom::geography, …)`` uses."""
    indexes = [
        sa.Index(f"ix_{table}_{column}_gist", column, postgresql_using="gist").ddl_if(
            dialect="postgresql"
        )
    ]
    if geography:
        indexes.append(
            sa.Index(
                f"ix_{table}_{column}_geog",
                sa.text(f"({column}::geography)"),
                postgresql_using="gist",
            ).ddl_if(dialect="postgresql")
        )
    return tuple(indexes)


def register_spatialite_index(table: sa.Table, column: str) -> None:
    """After SQLite's CREATE TABLE (and GeoAlchemy2's RecoverGeometryColumn), build the R*Tree."""
    sa.event.listen(
        table,
        "after_create",
        sa.DDL(f"SELECT CreateSpatialIndex('{table.name}', '{column}')").execute_if(
            dialect="sqlite"
        ),
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
