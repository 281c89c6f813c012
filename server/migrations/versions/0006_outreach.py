"""Outreach: rounds, their must-visit rosters (synced to phones), the review of visits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:53:50.146649
"""

import sqlalchemy as sa
from alembic import op



revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('outreach_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('station_ids', sa.JSON(), nullable=False),
    sa.Column('enters', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('roster_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_outreach_round_created_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_round'))
    )
    with op.batch_alter_table('outreach_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_round_starts_on'), ['starts_on'], unique=False)

    op.create_table('roster_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('subject_key', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('enter', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_to'], ['user_account.id'], name=op.f('fk_roster_entry_assigned_to_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['origin_device_id'], ['device.id'], name=op.f('fk_roster_entry_origin_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['outreach_round.id'], name=op.f('fk_roster_entry_round_id_outreach_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_roster_entry_station_id_station'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_roster_entry_visit_id_visit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entry')),
    sa.UniqueConstraint('round_id', 'subject_key', name=op.f('uq_roster_entry_round_id_subject_key'))
    )
    with op.batch_alter_table('roster_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_entry_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entry_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entry_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entry_sync_seq'), ['sync_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entry_uid'), ['uid'], unique=True)

    op.create_table('visit_review',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_visit_review_reviewer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_review_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_review'))
    )



def downgrade():

    op.drop_table('visit_review')
    with op.batch_alter_table('roster_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_entry_uid'))
        batch_op.drop_index(batch_op.f('ix_roster_entry_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_roster_entry_station_id'))
        batch_op.drop_index(batch_op.f('ix_roster_entry_round_id'))
        batch_op.drop_index(batch_op.f('ix_roster_entry_assigned_to'))

    op.drop_table('roster_entry')
    with op.batch_alter_table('outreach_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_round_starts_on'))

    op.drop_table('outreach_round')

