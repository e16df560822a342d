"""screens: each team's number as its mark beside its colour; the wall's top cards

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.add_column(sa.Column('top_cards_shown', sa.Boolean(), server_default='0', nullable=False))
    # Existing teams are numbered in the order they were made, per race.
    op.execute(
        "UPDATE team SET number = (SELECT count(*) FROM team AS earlier "
        "WHERE earlier.race_id = team.race_id AND earlier.id <= team.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.drop_column('top_cards_shown')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('number')
