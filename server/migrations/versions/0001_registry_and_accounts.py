"""Registry (stations, enterprises, projects, must-visit people) and accounts (users, devices).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# (table, column, geometry type, nullable, also a geography index on PostgreSQL)
SPATIAL_COLUMNS = (
    ("station", "area", "MULTIPOLYGON", False, False),
    ("enterprise", "location", "POINT", False, True),
    ("project", "footprint", "GEOMETRY", False, True),
    ("person", "location", "POINT", True, True),
)


def _timestamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def _geometry(column, kind, nullable):
    return sa.Column(
        column, Geometry(kind, srid=4326, spatial_index=False), nullable=nullable
    )


def _create_spatial_indexes():
    dialect = op.get_bind().dialect.name
    for table, column, _kind, _nullable, geography in SPATIAL_COLUMNS:
        if dialect == "sqlite":
            op.execute(f"SELECT CreateSpatialIndex('{table}', '{column}')")
        else:
            op.create_index(
                f"ix_{table}_{column}_gist", table, [column], postgresql_using="gist"
            )
            if geography:
                op.create_index(
                    f"ix_{table}_{column}_geog",
                    table,
                    [sa.text(f"({column}::geography)")],
                    postgresql_using="gist",
                )


def upgrade():
    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _geometry("area", "MULTIPOLYGON", False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_station"),
        sa.UniqueConstraint("code", name="uq_station_code"),
    )
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        _geometry("location", "POINT", False),
        sa.Column("industry", sa.String(64), nullable=False),
        sa.Column("pollutants", sa.JSON(), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_phone", sa.String(40), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name="fk_enterprise_station_id_station",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_enterprise"),
        sa.UniqueConstraint("credit_code", name="uq_enterprise_credit_code"),
    )
    op.create_index("ix_enterprise_station_id", "enterprise", ["station_id"])
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_number", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _geometry("footprint", "GEOMETRY", False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("developer", sa.String(200), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name="fk_project_station_id_station",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_project"),
        sa.UniqueConstraint("approval_number", name="uq_project_approval_number"),
    )
    op.create_index("ix_project_station_id", "project", ["station_id"])
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name="fk_user_account_station_id_station",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("username", name="uq_user_account_username"),
    )
    op.create_index("ix_user_account_station_id", "user_account", ["station_id"])
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_hint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_device_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device"),
        sa.UniqueConstraint("token_hash", name="uq_device_token_hash"),
    )
    op.create_index("ix_device_user_id", "device", ["user_id"])
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        _geometry("location", "POINT", True),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sync_seq", sa.BigInteger(), nullable=False),
        sa.Column("origin_device_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name="fk_person_station_id_station",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["origin_device_id"], ["device.id"], name="fk_person_origin_device_id_device",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_person"),
        sa.UniqueConstraint("ref", name="uq_person_ref"),
    )
    op.create_index("ix_person_station_id", "person", ["station_id"])
    op.create_index("ix_person_uid", "person", ["uid"], unique=True)
    op.create_index("ix_person_sync_seq", "person", ["sync_seq"])
    _create_spatial_indexes()


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, column, _kind, _nullable, _geography in reversed(SPATIAL_COLUMNS):
        if dialect == "sqlite":
            op.execute(f"SELECT DisableSpatialIndex('{table}', '{column}')")
            op.execute(f"DROP TABLE IF EXISTS idx_{table}_{column}")
        op.drop_table(table)
        if table == "person":
            op.drop_table("device")
            op.drop_table("user_account")
