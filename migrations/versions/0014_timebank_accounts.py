"""time bank: an account per person, balanced movements with idempotency keys, lines with reasons

The rows of the old `ledger_entries` (pairs `<key>:to` / `<key>:from`) become one movement each under
`<key>` (so a visit credited before cannot be credited again), with its lines and account balances.

Revision ID: 0014_timebank
Revises: 0013_privacy
Create Date: 2026-12-05 21:15:37.705247
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.base
from sqlalchemy import Text  # autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql


revision = '0014_timebank'
down_revision = "0013_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('timebank_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('timebank_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timebank_accounts_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_accounts_village_id'), ['village_id'], unique=False)

    op.create_table('timebank_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('served_id', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['served_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('timebank_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timebank_movements_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_movements_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_movements_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_movements_served_id'), ['served_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_movements_village_id'), ['village_id'], unique=False)

    op.create_table('timebank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['timebank_accounts.id'], ),
    sa.ForeignKeyConstraint(['movement_id'], ['timebank_movements.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timebank_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timebank_lines_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_lines_movement_id'), ['movement_id'], unique=False)

    _carry_forward(op.get_bind())
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_account'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_request_id'))

    op.drop_table('ledger_entries')


def downgrade() -> None:
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('memo', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_account'), ['account'], unique=False)
    _carry_back(op.get_bind())

    with op.batch_alter_table('timebank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timebank_lines_movement_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_lines_account_id'))

    op.drop_table('timebank_lines')
    with op.batch_alter_table('timebank_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timebank_movements_village_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_movements_served_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_movements_request_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_movements_provider_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_movements_kind'))

    op.drop_table('timebank_movements')
    with op.batch_alter_table('timebank_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timebank_accounts_village_id'))
        batch_op.drop_index(batch_op.f('ix_timebank_accounts_user_id'))

    op.drop_table('timebank_accounts')


# Frozen copies of the tables as this revision knows them (the models may change later).
_when = models.base.UTCDateTime(timezone=True)
OLD = sa.table('ledger_entries', sa.column('id', sa.Integer), sa.column('key', sa.String),
               sa.column('account', sa.String), sa.column('minutes', sa.Integer), sa.column('memo', sa.String),
               sa.column('request_id', sa.Integer), sa.column('created_at', _when))
ACCOUNTS = sa.table('timebank_accounts', sa.column('id', sa.Integer), sa.column('code', sa.String),
                    sa.column('kind', sa.String), sa.column('user_id', sa.Integer), sa.column('village_id', sa.Integer),
                    sa.column('balance', sa.Integer), sa.column('created_at', _when))
MOVEMENTS = sa.table('timebank_movements', sa.column('id', sa.Integer), sa.column('key', sa.String),
                     sa.column('kind', sa.String), sa.column('minutes', sa.Integer),
                     sa.column('request_id', sa.Integer), sa.column('category', sa.String),
                     sa.column('provider_id', sa.Integer), sa.column('served_id', sa.Integer),
                     sa.column('by_user_id', sa.Integer), sa.column('village_id', sa.Integer),
                     sa.column('created_at', _when))
LINES = sa.table('timebank_lines', sa.column('id', sa.Integer), sa.column('movement_id', sa.Integer),
                 sa.column('account_id', sa.Integer), sa.column('minutes', sa.Integer), sa.column('reason', sa.String),
                 sa.column('created_at', _when))
REQUESTS = sa.table('help_requests', sa.column('id', sa.Integer), sa.column('elder_id', sa.Integer),
                    sa.column('village_id', sa.Integer))
USERS = sa.table('users', sa.column('id', sa.Integer), sa.column('village_id', sa.Integer))


def _open(conn, old_code: str, now, opened: dict) -> int:
    """The new account for an old account string (`user:<id>` or `pool:<village>`)."""
    if old_code in opened:
        return opened[old_code]
    prefix, _, number = old_code.partition(':')
    ident = int(number) if number.isdigit() else None
    if prefix == 'user' and ident is not None:
        village = conn.execute(sa.select(USERS.c.village_id).where(USERS.c.id == ident)).scalar()
        values = {'code': f'person:{ident}', 'kind': 'person', 'user_id': ident, 'village_id': village}
    else:
        values = {'code': old_code, 'kind': 'pool', 'user_id': None, 'village_id': ident or None}
    opened[old_code] = conn.execute(sa.insert(ACCOUNTS).values(balance=0, created_at=now, **values)
                                    .returning(ACCOUNTS.c.id)).scalar_one()
    return opened[old_code]


def _carry_forward(conn) -> None:
    pairs: dict[str, list] = {}
    for row in conn.execute(sa.select(OLD).order_by(OLD.c.id)):
        base = row.key.rsplit(':', 1)[0] if row.key.endswith((':to', ':from')) else row.key
        pairs.setdefault(base, []).append(row)
    opened: dict[str, int] = {}
    for key, rows in pairs.items():
        first = rows[0]
        if sum(r.minutes for r in rows) != 0:
            raise RuntimeError(f'ledger_entries {key!r} do not balance; fix them before upgrading')
        visit = first.memo.startswith('help:') and first.request_id is not None
        request = conn.execute(sa.select(REQUESTS).where(REQUESTS.c.id == first.request_id)).first() \
            if first.request_id is not None else None
        earner = next((r.account for r in rows if r.minutes > 0 and r.account.startswith('user:')), '')
        movement = conn.execute(sa.insert(MOVEMENTS).values(
            key=key, kind='visit' if visit else 'opening', minutes=sum(r.minutes for r in rows if r.minutes > 0),
            request_id=first.request_id, category=first.memo[len('help:'):][:32] if visit else '',
            provider_id=int(earner[5:]) if visit and earner[5:].isdigit() else None,
            served_id=request.elder_id if request is not None else None, by_user_id=None,
            village_id=request.village_id if request is not None else None, created_at=first.created_at,
        ).returning(MOVEMENTS.c.id)).scalar_one()
        for row in rows:
            account_id = _open(conn, row.account, first.created_at, opened)
            reason = ('earned' if row.minutes > 0 else 'pool_paid') if visit else 'opening'
            conn.execute(sa.insert(LINES).values(movement_id=movement, account_id=account_id, minutes=row.minutes,
                                                 reason=reason, created_at=row.created_at))
            conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.id == account_id)
                         .values(balance=ACCOUNTS.c.balance + row.minutes))


def _carry_back(conn) -> None:
    codes = {row.id: row.code for row in conn.execute(sa.select(ACCOUNTS.c.id, ACCOUNTS.c.code))}
    moves = {row.id: row for row in conn.execute(sa.select(MOVEMENTS))}
    lines = list(conn.execute(sa.select(LINES).order_by(LINES.c.id)))
    count = {}
    for line in lines:
        count[line.movement_id] = count.get(line.movement_id, 0) + 1
    for line in lines:
        move = moves[line.movement_id]
        side = ('to' if line.minutes > 0 else 'from') if count[move.id] == 2 else str(line.id)
        code = codes[line.account_id]
        old_code = 'user:' + code[7:] if code.startswith('person:') else code
        memo = f'help:{move.category}' if move.kind == 'visit' else move.kind
        conn.execute(sa.insert(OLD).values(key=f'{move.key}:{side}', account=old_code, minutes=line.minutes,
                                           memo=memo, request_id=move.request_id, created_at=line.created_at))
