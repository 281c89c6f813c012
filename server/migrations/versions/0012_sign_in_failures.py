"""Wrong passwords are kept while they count towards the sign-in limit (bureau/sign_in.py).

In the database rather than in a worker's memory, so that the limit holds across workers and
app servers: a guesser spread over four gunicorn workers meets one count.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure')),
    )
    op.create_index(
        'ix_sign_in_failure_username', 'sign_in_failure', ['username', 'failed_at'], unique=False
    )
    op.create_index(
        'ix_sign_in_failure_address', 'sign_in_failure', ['address', 'failed_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_sign_in_failure_address', table_name='sign_in_failure')
    op.drop_index('ix_sign_in_failure_username', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
