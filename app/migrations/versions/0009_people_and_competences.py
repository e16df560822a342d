"""people and competences: canonical competence keys, the team's place

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00.000000

Every stored competence (profiles, needs, challenge tags, expert requests) becomes a key: a suggested one
named in English or Swedish becomes its built-in key; the race's own are matched case- and accent-insensitively
and keep the first spelling found (people, then needs, challenges and requests, each by id), which is recorded
in the new `competence` table. The log's events keep what they recorded.
"""

import time
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The built-in competences as they were when this ran: key, English label, Swedish label.
BUILT_IN = (
    ("ai", "AI", "AI"),
    ("software", "Software", "Mjukvara"),
    ("hardware", "Hardware", "Hårdvara"),
    ("design", "Design", "Design"),
    ("materials", "Materials", "Material"),
    ("energy", "Energy", "Energi"),
    ("sustainability", "Sustainability", "Hållbarhet"),
    ("business models", "Business models", "Affärsmodeller"),
    ("market", "Market", "Marknad"),
    ("financing", "Financing", "Finansiering"),
    ("patents and ip", "Patents and IP", "Patent och immaterialrätt"),
    ("law", "Law", "Juridik"),
    ("production", "Production", "Produktion"),
    ("health", "Health", "Hälsa"),
)
TAG_MAX = 40

# Where competences are stored: table, list column.
LISTS = (("person", "competences"), ("need", "tags"), ("challenge", "tags"), ("expertrequest", "tags"))


def _match(text):
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _map_to_keys(conn, competence):
    built_in = {}
    for key, english, swedish in BUILT_IN:
        for label in (key, english, swedish):
            built_in.setdefault(_match(label), key)
    known = {}  # (race, match key) -> key
    now = int(time.time() * 1000)
    for name, column in LISTS:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("race_id", sa.Integer), sa.column(column, sa.JSON))
        for row_id, race_id, values in conn.execute(sa.select(table.c.id, table.c.race_id, table.c[column]).order_by(table.c.id)):
            keys = []
            for value in values or []:
                text = " ".join(str(value).split())[:TAG_MAX]
                wanted = _match(text)
                if not wanted:
                    continue
                key = built_in.get(wanted) or known.get((race_id, wanted))
                if key is None:
                    key = known[(race_id, wanted)] = text
                    conn.execute(competence.insert().values(race_id=race_id, key=text, match_key=wanted, created_ms=now))
                if key not in keys:
                    keys.append(key)
            if keys != (values or []):
                conn.execute(table.update().where(table.c.id == row_id).values({column: keys}))


def upgrade() -> None:
    competence = op.create_table('competence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('match_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['race_id'], ['race.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('race_id', 'match_key')
    )
    with op.batch_alter_table('competence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competence_race_id'), ['race_id'], unique=False)

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=80), server_default='', nullable=False))

    _map_to_keys(op.get_bind(), competence)


def _keys_to_english(conn):
    english = {key: label for key, label, _swedish in BUILT_IN}
    for name, column in LISTS:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.JSON))
        for row_id, values in conn.execute(sa.select(table.c.id, table.c[column])):
            labels = [english.get(value, value) for value in values or []]
            if labels != (values or []):
                conn.execute(table.update().where(table.c.id == row_id).values({column: labels}))


def downgrade() -> None:
    _keys_to_english(op.get_bind())

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('place')

    with op.batch_alter_table('competence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competence_race_id'))

    op.drop_table('competence')
