"""console jobs: long console actions (exports, broadcast planning) and their progress

Revision ID: 0016_console2
Revises: 0015_speech
Create Date: 2026-12-06 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base

revision = "0016_console2"
down_revision = "0015_speech"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('result', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('console_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_jobs_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_jobs_user_id'))
    op.drop_table('console_jobs')
