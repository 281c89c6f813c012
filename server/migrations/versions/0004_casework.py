"""Casework: case files, escalations (leaders' decisions), reception days, the audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:08:27.026562
"""

import sqlalchemy as sa
from alembic import op



revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('status_before', sa.String(length=32), nullable=True),
    sa.Column('status_after', sa.String(length=32), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_actor', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_complaint', ['complaint_id', 'id'], unique=False)

    op.create_table('reception_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_reception_day_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['leader_id'], ['user_account.id'], name=op.f('fk_reception_day_leader_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_reception_day_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_day')),
    sa.UniqueConstraint('day', 'leader_id', name=op.f('uq_reception_day_day_leader_id'))
    )
    with op.batch_alter_table('reception_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_day_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_day_station_id'), ['station_id'], unique=False)

    op.create_table('case_escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_case_escalation_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['user_account.id'], name=op.f('fk_case_escalation_leader_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_escalation'))
    )
    with op.batch_alter_table('case_escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_escalation_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_case',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('received_by', sa.Integer(), nullable=False),
    sa.Column('complainant_name', sa.String(length=100), nullable=True),
    sa.Column('complainant_phone', sa.String(length=40), nullable=True),
    sa.Column('complainant_address', sa.String(length=300), nullable=True),
    sa.Column('complainant_person_id', sa.Integer(), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('classification', sa.String(length=32), nullable=True),
    sa.Column('acceptance_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('round_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('referred_to', sa.String(length=200), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('important', sa.Boolean(), nullable=False),
    sa.Column('bypass', sa.Boolean(), nullable=False),
    sa.Column('extension', sa.JSON(), nullable=True),
    sa.Column('rectification', sa.JSON(), nullable=True),
    sa.Column('reception_day_id', sa.Integer(), nullable=True),
    sa.Column('raised_in_visit', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_complaint_case_assignee_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['complainant_person_id'], ['person.id'], name=op.f('fk_complaint_case_complainant_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_case_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_complaint_case_enterprise_id_enterprise'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['received_by'], ['user_account.id'], name=op.f('fk_complaint_case_received_by_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reception_day_id'], ['reception_day.id'], name=op.f('fk_complaint_case_reception_day_id_reception_day'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaint_case')),
    sa.UniqueConstraint('number', name=op.f('uq_complaint_case_number'))
    )
    with op.batch_alter_table('complaint_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_case_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_case_complainant_person_id'), ['complainant_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_case_complainant_phone'), ['complainant_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_case_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_case_received_by'), ['received_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_case_reception_day_id'), ['reception_day_id'], unique=False)




def downgrade():

    with op.batch_alter_table('complaint_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_case_reception_day_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_case_received_by'))
        batch_op.drop_index(batch_op.f('ix_complaint_case_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_case_complainant_phone'))
        batch_op.drop_index(batch_op.f('ix_complaint_case_complainant_person_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_case_assignee_id'))

    op.drop_table('complaint_case')
    with op.batch_alter_table('case_escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_escalation_complaint_id'))

    op.drop_table('case_escalation')
    with op.batch_alter_table('reception_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_day_station_id'))
        batch_op.drop_index(batch_op.f('ix_reception_day_day'))

    op.drop_table('reception_day')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_complaint')
        batch_op.drop_index('ix_audit_entry_actor')

    op.drop_table('audit_entry')

