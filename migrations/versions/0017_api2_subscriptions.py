"""api subscriptions: one row per one-time subscription-message consent a mini-program user gave

Revision ID: 0017_api2
Revises: 0016_console2
Create Date: 2026-12-05 22:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base

revision = "0017_api2"
down_revision = "0016_console2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_subscription_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('granted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('spent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('spent_how', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['api_identities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_api_subscription_consents_open', 'api_subscription_consents',
                    ['identity_id', 'template_id', 'spent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_api_subscription_consents_open', table_name='api_subscription_consents')
    op.drop_table('api_subscription_consents')
