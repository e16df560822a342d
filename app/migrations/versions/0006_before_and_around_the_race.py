"""before and around the race: intake, challenge tags, jury

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:01:59.202306
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('juryconflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('juror_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['juror_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['race_id'], ['race.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('juror_id', 'team_id')
    )
    with op.batch_alter_table('juryconflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_juryconflict_race_id'), ['race_id'], unique=False)

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_ms', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('intake_open', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('scores_revealed_ms', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint('uq_race_intake_token', ['intake_token'])



def downgrade() -> None:
    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.drop_constraint('uq_race_intake_token', type_='unique')
        batch_op.drop_column('scores_revealed_ms')
        batch_op.drop_column('intake_open')
        batch_op.drop_column('intake_token')

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_column('updated_ms')

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_column('tags')

    with op.batch_alter_table('juryconflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_juryconflict_race_id'))

    op.drop_table('juryconflict')
