"""voice clips: the audio of voice messages, what was heard, kept three days unless marked

Revision ID: 0015_speech
Revises: 0014_timebank
Create Date: 2026-12-05 21:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base

revision = "0015_speech"
down_revision = "0014_timebank"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voice_clips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('openid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('media_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('audio_format', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('audio', sa.LargeBinary(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('transcript', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('kept_by_id', sa.Integer(), nullable=True),
    sa.Column('kept_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kept_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('inbound_id')
    )
    with op.batch_alter_table('voice_clips', schema=None) as batch_op:
        batch_op.create_index('ix_voice_clips_expiry', ['kept', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_clips_openid'), ['openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('voice_clips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_clips_openid'))
        batch_op.drop_index('ix_voice_clips_expiry')
    op.drop_table('voice_clips')
