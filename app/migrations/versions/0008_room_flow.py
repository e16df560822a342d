"""room flow: timed actions at time-up, undo of a phase start, cleared announcements

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('phase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_at_end', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_at_end', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('timeup_ms', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('undo_until_ms', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_ms', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_column('cleared_ms')

    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.drop_column('undo_until_ms')
        batch_op.drop_column('undo_seq')

    with op.batch_alter_table('phase', schema=None) as batch_op:
        batch_op.drop_column('timeup_ms')
        batch_op.drop_column('next_at_end')
        batch_op.drop_column('lock_at_end')
