"""trust: team choice open or closed, the device a person joined from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_choice_open', sa.Boolean(), nullable=True))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_person_device'), ['device'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_device'))
        batch_op.drop_column('device')

    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.drop_column('team_choice_open')
