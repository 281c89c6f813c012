"""Migrations: an empty database upgraded to head matches the models exactly, on both backends."""

from __future__ import annotations

import sqlalchemy as sa

from server.database import create_engine
from server.migrate import current_revision, differences, downgrade, head_revision, upgrade


def test_upgrade_empty_database_to_head_matches_models(databases):
    engine = create_engine(databases.empty_url())
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
        upgrade(engine)  # running it again is harmless
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_spatial_indexes_exist(databases):
    engine = create_engine(databases.empty_url())
    try:
        upgrade(engine)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                for table, column in (
                    ("station", "area"),
                    ("enterprise", "location"),
                    ("project", "footprint"),
                    ("person", "location"),
                ):
                    ok = connection.execute(
                        sa.text("SELECT CheckSpatialIndex(:t, :c)"), {"t": table, "c": column}
                    ).scalar()
                    assert ok == 1, (table, column)
            else:
                names = set(
                    connection.execute(
                        sa.text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gist%'")
                    ).scalars()
                )
                assert {
                    "ix_enterprise_location_gist",
                    "ix_enterprise_location_geog",
                    "ix_station_area_gist",
                    "ix_project_footprint_geog",
                    "ix_person_location_geog",
                } <= names
    finally:
        engine.dispose()


def test_downgrade_to_empty_and_back(databases):
    engine = create_engine(databases.empty_url())
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert current_revision(engine) is None
        upgrade(engine)
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_batch_id_lists_are_compressed_with_lz4_where_postgresql_has_it(databases):
    engine = create_engine(databases.empty_url())
    try:
        upgrade(engine)
        if engine.dialect.name != "postgresql":
            return  # SQLite does not compress
        with engine.connect() as connection:
            has_lz4 = connection.execute(
                sa.text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                    " WHERE name = 'default_toast_compression'"
                )
            ).scalar()
            methods = dict(
                connection.execute(
                    sa.text(
                        "SELECT attname, attcompression FROM pg_attribute"
                        " WHERE attrelid = 'sync_batch'::regclass"
                        " AND attname IN ('mutation_ids', 'created')"
                    )
                ).all()
            )
        assert has_lz4  # PostgreSQL 15 from Debian is built with LZ4
        assert methods == {"mutation_ids": "l", "created": "l"}
    finally:
        engine.dispose()
