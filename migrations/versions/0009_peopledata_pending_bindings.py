"""pending bindings: a binding code starts a request the elder's side confirms

Revision ID: 0009_peopledata
Revises: 0008_checkin
Create Date: 2026-12-05 19:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base

revision = "0009_peopledata"
down_revision = "0008_checkin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('asked_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asked_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['code_id'], ['binding_codes.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['elder_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['family_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_id')
    )
    with op.batch_alter_table('pending_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_bindings_asked_id'), ['asked_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_bindings_elder_id'), ['elder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_bindings_family_id'), ['family_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_bindings_family_id'))
        batch_op.drop_index(batch_op.f('ix_pending_bindings_elder_id'))
        batch_op.drop_index(batch_op.f('ix_pending_bindings_asked_id'))
    op.drop_table('pending_bindings')
