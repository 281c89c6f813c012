"""Visit flags without a foreign key on PostgreSQL (see the VisitFlag model: a push of 500
visits stores some 800 flags, and checking each one's visit cost 3-4 ms of the push's
INSERT; visits are append-only, never deleted, so there is nothing to cascade)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 22:00:00.000000
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_NAME = 'fk_visit_flag_visit_id_visit'


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite keeps it: no per-row trigger cost worth the difference
    op.drop_constraint(_NAME, 'visit_flag', type_='foreignkey')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_foreign_key(_NAME, 'visit_flag', 'visit', ['visit_id'], ['id'], ondelete='CASCADE')
