"""Visits without foreign keys on PostgreSQL (see the Visit model: concurrent pushes piled
their share locks on the same station, user and device rows)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 06:25:00.000000
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_KEYS = (
    ('fk_visit_station_id_station', 'station_id', 'station'),
    ('fk_visit_inspector_id_user_account', 'inspector_id', 'user_account'),
    ('fk_visit_origin_device_id_device', 'origin_device_id', 'device'),
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite keeps them: one writer, no lock traffic
    for name, _column, _target in _KEYS:
        op.drop_constraint(name, 'visit', type_='foreignkey')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, column, target in _KEYS:
        op.create_foreign_key(name, 'visit', target, [column], ['id'], ondelete='SET NULL')
