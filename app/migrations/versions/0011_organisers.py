"""organisers: accounts, races from the browser, templates, gallery, archive

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:45:30.783800
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organiser',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('password_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('agendatemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('phases', sa.JSON(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('competences', sa.JSON(), nullable=False),
    sa.Column('rev', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('updated_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agendatemplate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agendatemplate_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('organisersession',
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('ended_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], ),
    sa.PrimaryKeyConstraint('token')
    )
    with op.batch_alter_table('organisersession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisersession_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('raceorganiser',
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('added_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organiser.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['race_id'], ['race.id'], ),
    sa.PrimaryKeyConstraint('race_id', 'organiser_id')
    )
    with op.batch_alter_table('raceorganiser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raceorganiser_organiser_id'), ['organiser_id'], unique=False)

    with op.batch_alter_table('auditrecord', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organiser_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_start_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('competences', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('gallery_phase_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('archived_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('deleted_ms', sa.BigInteger(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('race', schema=None) as batch_op:
        batch_op.drop_column('deleted_ms')
        batch_op.drop_column('archived_ms')
        batch_op.drop_column('gallery_phase_id')
        batch_op.drop_column('competences')
        batch_op.drop_column('planned_start_ms')

    with op.batch_alter_table('auditrecord', schema=None) as batch_op:
        batch_op.drop_column('organiser_id')

    with op.batch_alter_table('raceorganiser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raceorganiser_organiser_id'))

    op.drop_table('raceorganiser')
    with op.batch_alter_table('organisersession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisersession_organiser_id'))

    op.drop_table('organisersession')
    with op.batch_alter_table('agendatemplate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agendatemplate_organiser_id'))

    op.drop_table('agendatemplate')
    op.drop_table('organiser')
