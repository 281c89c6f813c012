"""Spatial core: complaint links, complaint and visit flags, business desk, closing time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 02:36:17.153972
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_flag',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('measured', sa.JSON(), nullable=False),
    sa.Column('related', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_flag_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_flag'))
    )
    op.create_index(op.f('ix_complaint_flag_complaint_id'), 'complaint_flag', ['complaint_id'], unique=False)
    op.create_table('complaint_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_link_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_complaint_link_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_complaint_link_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_link')),
    sa.UniqueConstraint('complaint_id', 'enterprise_id', name=op.f('uq_complaint_link_complaint_id_enterprise_id'))
    )
    op.create_index(op.f('ix_complaint_link_complaint_id'), 'complaint_link', ['complaint_id'], unique=False)
    op.create_index(op.f('ix_complaint_link_enterprise_id'), 'complaint_link', ['enterprise_id'], unique=False)
    op.create_table('visit_flag',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('measured', sa.JSON(), nullable=False),
    sa.Column('related', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_flag_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_flag'))
    )
    op.create_index(op.f('ix_visit_flag_visit_id'), 'visit_flag', ['visit_id'], unique=False)
    op.add_column('complaint', sa.Column('desk', sa.String(length=32), nullable=True))
    op.add_column('complaint', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops a column in place (3.35+); a batch copy would lose SpatiaLite's
        # registration of the complaint's geometry column.
        op.execute('ALTER TABLE complaint DROP COLUMN closed_at')
        op.execute('ALTER TABLE complaint DROP COLUMN desk')
    else:
        op.drop_column('complaint', 'closed_at')
        op.drop_column('complaint', 'desk')
    op.drop_index(op.f('ix_visit_flag_visit_id'), table_name='visit_flag')
    op.drop_table('visit_flag')
    op.drop_index(op.f('ix_complaint_link_enterprise_id'), table_name='complaint_link')
    op.drop_index(op.f('ix_complaint_link_complaint_id'), table_name='complaint_link')
    op.drop_table('complaint_link')
    op.drop_index(op.f('ix_complaint_flag_complaint_id'), table_name='complaint_flag')
    op.drop_table('complaint_flag')
