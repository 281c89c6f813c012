"""A batch's id lists compressed with LZ4 on PostgreSQL

``sync_batch.mutation_ids`` and ``sync_batch.created`` hold 20-40 kB of JSON per push of 500
visits, which PostgreSQL compresses as it writes the row. Its default (pglz) spent about
0.9 ms of database time per push on them, LZ4 about 0.25 ms (pg_stat_statements, 30 pushes
of 500 visits), some 10 % of a push's database time. Left as they are where the server was
built without LZ4.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_COLUMNS = ('mutation_ids', 'created')


def _lz4_available(bind) -> bool:
    return bool(
        bind.execute(
            sa.text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                " WHERE name = 'default_toast_compression'"
            )
        ).scalar()
    )


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not _lz4_available(bind):
        return
    columns = ', '.join(f'ALTER COLUMN {c} SET COMPRESSION {method}' for c in _COLUMNS)
    op.execute(f'ALTER TABLE sync_batch {columns}')


def upgrade():
    _set_compression('lz4')


def downgrade():
    _set_compression('pglz')
