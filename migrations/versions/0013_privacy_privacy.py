"""privacy: consent records per purpose, the access log, erasure requests

Revision ID: 0013_privacy
Revises: 0012_funds
Create Date: 2026-12-06 10:00:00

The service consents given so far (the registration confirmation of elders and volunteers) become
consent records of the legacy text version. No health-notes consent is created: the old confirmation
was not the separate consent the law asks for, so existing notes stay hidden until it is given.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base

revision = "0013_privacy"
down_revision = "0012_funds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('given_by_user_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('given_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['given_by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['withdrawn_by_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_user_id'), ['user_id'], unique=False)

    op.create_table('privacy_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('viewer_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('viewer_role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('privacy_access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_access_log_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_access_log_at'), ['at'], unique=False)

    op.create_table('privacy_erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('openid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pseudonym')
    )
    with op.batch_alter_table('privacy_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_erasures_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_erasures_status'), ['status'], unique=False)

    # The confirmations given before this revision, as service consents of the legacy text version.
    op.execute(
        "INSERT INTO consents (user_id, purpose, granted, given_by_user_id, relationship, text_version, given_at) "
        "SELECT user_id, 'service', true, consent_by_user_id, consent_relationship, 'registration-v0', consent_at "
        "FROM elder_profiles"
    )
    op.execute(
        "INSERT INTO consents (user_id, purpose, granted, given_by_user_id, relationship, text_version, given_at) "
        "SELECT v.user_id, 'service', true, v.user_id, '', 'registration-v0', v.consent_at FROM volunteers v "
        "WHERE v.consent_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM consents c WHERE c.user_id = v.user_id AND c.purpose = 'service')"
    )


def downgrade() -> None:
    with op.batch_alter_table('privacy_erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erasures_status'))
        batch_op.drop_index(batch_op.f('ix_privacy_erasures_user_id'))
    op.drop_table('privacy_erasures')
    with op.batch_alter_table('privacy_access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_access_log_at'))
        batch_op.drop_index(batch_op.f('ix_privacy_access_log_subject_id'))
    op.drop_table('privacy_access_log')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_user_id'))
    op.drop_table('consents')
