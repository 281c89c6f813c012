"""Visits created in bulk are recorded on their batch, not one sync_mutation row each;
visits indexed by (inspector, visited_at) for the plausibility window

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('first_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('last_seq', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_inspector_id'))
        batch_op.create_index(
            'ix_visit_inspector_id_visited_at', ['inspector_id', 'visited_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_inspector_id_visited_at')
        batch_op.create_index(batch_op.f('ix_visit_inspector_id'), ['inspector_id'], unique=False)
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.drop_column('last_seq')
        batch_op.drop_column('first_seq')
        batch_op.drop_column('created')
