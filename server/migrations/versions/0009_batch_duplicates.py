"""A batch records the mutations it answered ``duplicate`` (their seq and id), so that a replay
of the batch answers every one of them again (docs/sync-protocol.md §3).

A duplicate has no ``sync_mutation`` row of its own (its original has one, or is recorded in
bulk on the original's batch), and the batch kept only its mutation ids: a replay of a batch
of duplicates came back with no results at all. The seq is what finds an original created in
bulk (``sync_batch.created`` is searched by seq).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicates', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.drop_column('duplicates')
