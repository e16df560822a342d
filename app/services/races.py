"""Races: creation with codes, teams and the default agenda; look-ups by slug and code."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, func, select

from app.db import Database, now_ms
from app.errors import NotFound
from app.i18n import N_, pick, translate
from app.kinds import Kind
from app.models import Card, Challenge, Criterion, Person, Phase, PhaseState, Race, RaceCode, Role, Team
from app.services import events

# Unambiguous when read off a projector: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# The codes that steer the race or judge it are long enough never to be guessed (31**10 is about 8e14).
LONG_CODES = {Role.FACILITATOR: 10, Role.JURY: 10}
# Thirty colours told apart on the dark wall and on white: ten hues, far apart for teams next in number, at a
# middle, a darker and a lighter tone (OKLCH; docs/screens.md). Each team also carries its number as a mark.
TEAM_COLOURS = (
    *("#d15b60", "#687de0", "#0c9e71", "#c86906", "#9f6acb", "#03999f", "#a18308", "#c25c9c", "#1091c9"),
    *("#6b961e", "#a8353e", "#4759b7", "#067553", "#954d05", "#7b46a4", "#007176", "#786107", "#9a3878"),
    *("#096b97", "#4d7002", "#fb8083", "#8ea5fd", "#25c891", "#f18f40", "#c58ff3", "#08c2ca", "#cda609"),
    *("#eb81c2", "#27b8fc", "#8fbc4c"),
)


def team_colour(number: int) -> str:
    """Return the colour a new team with this number gets."""
    return TEAM_COLOURS[(number - 1) % len(TEAM_COLOURS)]


def next_team_number(session: Session, race_id: int) -> int:
    """Return the number the race's next team gets (call it under the race's lock)."""
    found = session.exec(select(func.max(Team.number)).where(Team.race_id == race_id)).one()
    return (found or 0) + 1


@dataclass(frozen=True)
class AgendaItem:
    name: str
    minutes: int
    board: bool = False
    voting: bool = False
    requests: bool = False
    budget: int = 5


@dataclass(frozen=True)
class Plan:
    """What a race starts with besides teams: the agenda, the jury's criteria, the competences asked for."""

    phases: tuple[AgendaItem, ...]
    criteria: tuple[tuple[str, float], ...]
    competences: tuple[str, ...] = ()


# The 48-hour template (2,880 minutes); the facilitator edits it per race.
DEFAULT_AGENDA = (
    AgendaItem(N_("Kick-off"), 60, board=True),
    AgendaItem(N_("The challenges"), 90, board=True),
    AgendaItem(N_("Team formation"), 60, board=True),
    AgendaItem(N_("Need framing"), 120, board=True, requests=True),
    AgendaItem(N_("Ideation"), 180, board=True, voting=True),
    AgendaItem(N_("Expert round"), 120, board=True, requests=True),
    AgendaItem(N_("Market"), 120, board=True, requests=True),
    AgendaItem(N_("Technology"), 120, board=True, requests=True),
    AgendaItem(N_("Financing"), 90, board=True, requests=True),
    AgendaItem(N_("Resources"), 90, board=True, requests=True),
    AgendaItem(N_("Night pause"), 720),
    AgendaItem(N_("Prototype and business model"), 480, board=True, requests=True),
    AgendaItem(N_("Expert round"), 120, board=True, requests=True),
    AgendaItem(N_("Pitch preparation"), 240, board=True, voting=True),
    AgendaItem(N_("Pitches and jury"), 180),
    AgendaItem(N_("Next steps"), 90, board=True),
)

# The jury's default criteria, stored in the race's language like the phase names: the facilitator edits
# them as their own words, and exports and reports read what is stored without the catalogue.
DEFAULT_CRITERIA = (
    N_("Market potential"),
    N_("Technology"),
    N_("Financing"),
    N_("Resources"),
    N_("Pitch"),
)


def default_plan(lang: str) -> Plan:
    """Return the 48-hour template and the default criteria, named in a language."""
    return Plan(
        phases=tuple(replace(item, name=translate(lang, item.name)) for item in DEFAULT_AGENDA),
        criteria=tuple((translate(lang, name), 1.0) for name in DEFAULT_CRITERIA),
    )


def add_default_criteria(session: Session, race_id: int, lang: str) -> list[Criterion]:
    """Give a race the default jury criteria, each with weight 1."""
    rows = [
        Criterion(race_id=race_id, position=position, name=translate(lang, name), weight=1.0)
        for position, name in enumerate(DEFAULT_CRITERIA)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def slugify(name: str) -> str:
    """Turn a race name into a URL-safe slug (å, ä and ö become a, a and o)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "race"


def new_code(length: int = CODE_LENGTH) -> str:
    """Return a random join code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug = base
    while session.exec(select(Race.id).where(Race.slug == slug)).first() is not None:
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def unique_code(session: Session, role: Role) -> str:
    """Return a join code for a role that no race uses."""
    while True:
        code = new_code(LONG_CODES.get(role, CODE_LENGTH))
        if session.exec(select(RaceCode.id).where(RaceCode.code == code)).first() is None:
            return code


def create_race(
    db: Database,
    name: str,
    *,
    lang: str = "sv",
    teams: int = 4,
    slug: str | None = None,
    challenges: list[tuple[str, str, str]] | None = None,
) -> dict[str, Any]:
    """Create a race with its codes, the default agenda and N teams; return the stable JSON summary."""
    with db.write() as session:
        return build(session, name, lang=lang, teams=teams, slug=slug, challenges=challenges)[1]


def build(
    session: Session,
    name: str,
    *,
    lang: str = "sv",
    teams: int = 4,
    team_names: list[str] | None = None,
    slug: str | None = None,
    challenges: list[tuple[str, str, str]] | None = None,
    plan: Plan | None = None,
    planned_start_ms: int | None = None,
    organiser_id: int | None = None,
    key: str | None = None,
) -> tuple[Race, dict[str, Any]]:
    """Make a race with its codes, agenda, criteria and teams in this transaction; return it and summary."""
    lang = pick(lang)
    plan = plan or default_plan(lang)
    race = Race(
        slug=slug or _unique_slug(session, name),
        name=name.strip() or "Race",
        lang=lang,
        created_ms=now_ms(),
        planned_start_ms=planned_start_ms,
        competences=list(plan.competences),
    )
    session.add(race)
    session.flush()
    assert race.id is not None
    codes = {role.value: unique_code(session, role) for role in Role}
    session.add_all(RaceCode(race_id=race.id, role=role, code=code) for role, code in codes.items())
    phases = [
        Phase(
            race_id=race.id,
            position=position,
            name=item.name,
            planned_minutes=item.minutes,
            board_open=item.board,
            voting_open=item.voting,
            requests_open=item.requests,
            vote_budget=item.budget,
        )
        for position, item in enumerate(plan.phases)
    ]
    session.add_all(phases)
    made = [
        Challenge(race_id=race.id, company=company, title=title, description=description)
        for company, title, description in challenges or []
    ]
    session.add_all(made)
    session.flush()
    names = (
        team_names
        if team_names is not None
        else [translate(lang, N_("Team %(num)s"), num=number + 1) for number in range(max(0, teams))]
    )
    team_rows = [
        Team(
            race_id=race.id,
            name=team_name,
            colour=team_colour(number + 1),
            number=number + 1,
            challenge_id=made[number % len(made)].id if made else None,
        )
        for number, team_name in enumerate(names)
    ]
    session.add_all(team_rows)
    session.add_all(
        Criterion(race_id=race.id, position=position, name=criterion, weight=weight)
        for position, (criterion, weight) in enumerate(plan.criteria)
    )
    session.flush()
    data: dict[str, Any] = {"name": race.name, "teams": len(team_rows)}
    if organiser_id is not None:
        data["organiser"] = organiser_id
    events.record(session, race.id, Kind.RACE_CREATED, data=data, key=key)
    return race, {
        "slug": race.slug,
        "codes": codes,
        "teams": [{"id": team.id, "name": team.name} for team in team_rows],
        "phases": [{"id": phase.id, "name": phase.name} for phase in phases],
    }


def get_race(session: Session, slug: str) -> Race:
    """Return the race with this slug or raise NotFound."""
    race = session.exec(select(Race).where(Race.slug == slug, col(Race.deleted_ms).is_(None))).first()
    if race is None:
        raise NotFound("There is no race at this address.")
    return race


def find_code(session: Session, code: str) -> tuple[Race, str] | None:
    """Return the race and role a join code opens, or None."""
    # Codes are letters and digits; whatever else was typed around them (spaces, dashes, worse) is dropped.
    normalised = re.sub(r"[^A-Za-z0-9]+", "", code).upper()[:32]
    row = session.exec(
        select(Race, RaceCode)
        .join(RaceCode, col(RaceCode.race_id) == Race.id)
        .where(RaceCode.code == normalised)
    ).first()
    return (row[0], row[1].role) if row else None


def codes(session: Session, race_id: int) -> dict[str, str]:
    """Return role -> code for a race."""
    rows = session.exec(select(RaceCode).where(RaceCode.race_id == race_id)).all()
    return {row.role: row.code for row in rows}


def with_codes(db: Database, slug: str) -> tuple[Race, dict[str, str]]:
    """Return a race and its codes by role, in one read."""
    with db.read() as session:
        race = get_race(session, slug)
        return race, codes(session, race.id or 0)


def summary(db: Database, slug: str) -> dict[str, Any]:
    """Return the stable JSON summary of an existing race."""
    with db.read() as session:
        race = get_race(session, slug)
        teams = session.exec(select(Team).where(Team.race_id == race.id).order_by(col(Team.id))).all()
        phases = session.exec(
            select(Phase).where(Phase.race_id == race.id).order_by(col(Phase.position))
        ).all()
        return {
            "slug": race.slug,
            "codes": codes(session, race.id or 0),
            "teams": [{"id": team.id, "name": team.name} for team in teams],
            "phases": [{"id": phase.id, "name": phase.name} for phase in phases],
        }


def current_seqs(db: Database, race_ids: list[int]) -> dict[int, int]:
    """Return the last seq of each of these races."""
    if not race_ids:
        return {}
    with db.read() as session:
        rows = session.exec(select(Race.id, Race.seq).where(col(Race.id).in_(race_ids))).all()
    return {race_id: seq for race_id, seq in rows if race_id is not None}


def participant_code(db: Database, slug: str) -> str:
    """Return the code participants join a race with."""
    with db.read() as session:
        race = get_race(session, slug)
        return codes(session, race.id or 0)[Role.PARTICIPANT]


# A phase's state as `kraftsamla status` names it.
STATUS_STATES = {
    PhaseState.PLANNED: "not-started",
    PhaseState.RUNNING: "running",
    PhaseState.PAUSED: "paused",
    PhaseState.DONE: "finished",
}


def status(db: Database, slug: str) -> dict[str, Any]:
    """Return what an operator checks at a glance: the phase, people, teams and cards, ended or not."""
    with db.read() as session:
        race = get_race(session, slug)
        phase = session.get(Phase, race.current_phase_id) if race.current_phase_id is not None else None
        people = dict(
            session.exec(
                select(Person.role, func.count())
                .where(Person.race_id == race.id, col(Person.erased_ms).is_(None))
                .group_by(col(Person.role))
            ).all()
        )
        teams = session.exec(select(func.count()).where(Team.race_id == race.id)).one()
        live_cards = session.exec(
            select(func.count()).where(Card.race_id == race.id, col(Card.deleted_ms).is_(None))
        ).one()
        return {
            "slug": race.slug,
            "name": race.name,
            "ended": race.ended_ms is not None,
            "seq": race.seq,
            "phase": (
                {"id": phase.id, "name": phase.name, "state": STATUS_STATES[PhaseState(phase.state)]}
                if phase is not None
                else None
            ),
            "teams": teams,
            "people": {role.value: people.get(role.value, 0) for role in Role},
            "cards": live_cards,
        }
