"""Sync: complaints, their events, visits, registry proposals, and the sync bookkeeping.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:54:41.927729
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo'))
    )
    op.create_table('record_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('record_uid', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_history')),
    sa.UniqueConstraint('entity', 'record_uid', 'version', name=op.f('uq_record_history_entity_record_uid_version'))
    )
    op.create_table('sync_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('record_uid', sa.String(length=64), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('base_value', sa.JSON(), nullable=True),
    sa.Column('their_value', sa.JSON(), nullable=True),
    sa.Column('your_value', sa.JSON(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('mutation_id', sa.String(length=64), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('server_version', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_value', sa.JSON(), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict'))
    )
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflict_record_uid'), ['record_uid'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_station_id'), ['station_id'], unique=False)

    op.create_table('sync_counter',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_counter'))
    )
    op.create_table('sync_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('record_uid', sa.String(length=64), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('mutation_id', sa.String(length=64), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('server_version', sa.Integer(), nullable=False),
    sa.Column('new_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_merge'))
    )
    with op.batch_alter_table('sync_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_merge_station_id'), ['station_id'], unique=False)

    op.create_table('sync_tombstone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('record_uid', sa.String(length=64), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_tombstone'))
    )
    with op.batch_alter_table('sync_tombstone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_tombstone_record_uid'), ['record_uid'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_tombstone_sync_seq'), ['sync_seq'], unique=False)

    op.create_table('photo_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['photo.sha256'], name=op.f('fk_photo_chunk_sha256_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_chunk')),
    sa.UniqueConstraint('sha256', 'offset', name=op.f('uq_photo_chunk_sha256_offset'))
    )
    with op.batch_alter_table('photo_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_chunk_sha256'), ['sha256'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('location_original', sa.JSON(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['origin_device_id'], ['device.id'], name=op.f('fk_complaint_origin_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_complaint_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_sync_seq'), ['sync_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_uid'), ['uid'], unique=True)

    op.create_table('registry_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_key', sa.String(length=100), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['origin_device_id'], ['device.id'], name=op.f('fk_registry_proposal_origin_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by'], ['user_account.id'], name=op.f('fk_registry_proposal_proposed_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_registry_proposal_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_proposal'))
    )
    with op.batch_alter_table('registry_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_proposal_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_proposal_sync_seq'), ['sync_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_proposal_uid'), ['uid'], unique=True)

    op.create_table('sync_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('batch_seq', sa.BigInteger(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('mutation_ids', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_skew_seconds', sa.Float(), nullable=True),
    sa.Column('clock_skew_flagged', sa.Boolean(), nullable=False),
    sa.Column('cursor_out', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_sync_batch_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_batch')),
    sa.UniqueConstraint('device_id', 'batch_seq', name=op.f('uq_sync_batch_device_id_batch_seq'))
    )
    op.create_table('sync_device_state',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('next_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_sync_device_state_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_sync_device_state'))
    )
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target_ref', sa.String(length=64), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('location_original', sa.JSON(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('mock_location', sa.Boolean(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'], name=op.f('fk_visit_inspector_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['origin_device_id'], ['device.id'], name=op.f('fk_visit_origin_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_visit_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_sync_seq'), ['sync_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_uid'), ['uid'], unique=True)

    op.create_table('complaint_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('notified_by', sa.String(length=16), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_complaint_event_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_event_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_device_id'], ['device.id'], name=op.f('fk_complaint_event_origin_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_complaint_event_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_event'))
    )
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_event_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_event_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_event_sync_seq'), ['sync_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_event_uid'), ['uid'], unique=True)

    op.create_table('sync_mutation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('mutation_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('record_uid', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('captured_at', sa.String(length=40), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['sync_batch.id'], name=op.f('fk_sync_mutation_batch_id_sync_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_sync_mutation_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_mutation')),
    sa.UniqueConstraint('device_id', 'mutation_id', name=op.f('uq_sync_mutation_device_id_mutation_id'))
    )
    with op.batch_alter_table('sync_mutation', schema=None) as batch_op:
        batch_op.create_index('ix_sync_mutation_device_seq', ['device_id', 'seq'], unique=False)
        batch_op.create_index('ix_sync_mutation_outcome', ['outcome'], unique=False)

    _create_spatial_indexes()
    op.bulk_insert(
        sa.table("sync_counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
        [{"name": "sync_seq", "value": 0}],
    )


def _create_spatial_indexes():
    for table in ("complaint", "visit"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"SELECT CreateSpatialIndex('{table}', 'location')")
        else:
            op.create_index(f"ix_{table}_location_gist", table, ["location"], postgresql_using="gist")
            if table == "complaint":  # visits are never searched by metres around a point
                op.create_index(
                    f"ix_{table}_location_geog",
                    table,
                    [sa.text("(location::geography)")],
                    postgresql_using="gist",
                )


def _drop_spatial_table(table):
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"SELECT DisableSpatialIndex('{table}', 'location')")
        op.execute(f"DROP TABLE IF EXISTS idx_{table}_location")
    op.drop_table(table)


def downgrade():
    with op.batch_alter_table('sync_mutation', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_mutation_outcome')
        batch_op.drop_index('ix_sync_mutation_device_seq')

    op.drop_table('sync_mutation')
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_event_uid'))
        batch_op.drop_index(batch_op.f('ix_complaint_event_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_complaint_event_station_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_event_complaint_id'))

    op.drop_table('complaint_event')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_uid'))
        batch_op.drop_index(batch_op.f('ix_visit_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_visit_station_id'))
        batch_op.drop_index(batch_op.f('ix_visit_inspector_id'))

    _drop_spatial_table('visit')
    op.drop_table('sync_device_state')
    op.drop_table('sync_batch')
    with op.batch_alter_table('registry_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_proposal_uid'))
        batch_op.drop_index(batch_op.f('ix_registry_proposal_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_registry_proposal_station_id'))

    op.drop_table('registry_proposal')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_uid'))
        batch_op.drop_index(batch_op.f('ix_complaint_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_complaint_station_id'))

    _drop_spatial_table('complaint')
    with op.batch_alter_table('photo_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_chunk_sha256'))

    op.drop_table('photo_chunk')
    with op.batch_alter_table('sync_tombstone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_tombstone_sync_seq'))
        batch_op.drop_index(batch_op.f('ix_sync_tombstone_record_uid'))

    op.drop_table('sync_tombstone')
    with op.batch_alter_table('sync_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_merge_station_id'))

    op.drop_table('sync_merge')
    op.drop_table('sync_counter')
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_station_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_record_uid'))

    op.drop_table('sync_conflict')
    op.drop_table('record_history')
    op.drop_table('photo')
