"""A full room, written straight into a browser test's database before its server starts.

The screens are judged with many teams and long Swedish names: `fill` gives each team an 80-character name
and a challenge from a company with a long name, three members with cards whose titles are long, expert
requests with competences, a 280-character announcement, a spotlit card and, when asked, the jury's revealed
ranking. Everything goes through the services, as the screens' own posts would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from app.db import Database
from app.models import Card, Criterion, ExpertRequest, Phase, Race
from app.services import (
    announcements,
    cards,
    jury,
    people,
    phases,
    profiles,
    requests,
    roster,
    spotlight,
    teams,
    votes,
)
from app.services.people import Viewer

# Eighty characters each, no two alike even in their first forty (tiles show names in full, not cut).
PLACES = (
    "Skellefteå",
    "Luleå",
    "Kiruna",
    "Piteå",
    "Umeå",
    "Östersund",
    "Sundsvall",
    "Härnösand",
    "Örnsköldsvik",
    "Gällivare",
    "Haparanda",
    "Arvidsjaur",
    "Boden",
    "Kalix",
    "Jokkmokk",
    "Lycksele",
    "Vilhelmina",
    "Sorsele",
    "Åre",
    "Storuman",
    "Övertorneå",
    "Pajala",
    "Malå",
    "Norsjö",
    "Robertsfors",
    "Vännäs",
    "Bjurholm",
    "Nordmaling",
    "Dorotea",
    "Åsele",
)
WORDS = "för hållbar återvinning av spillvärme och smarta elnät i norrländska småföretag"
ANNOUNCEMENT = (
    "Juryn börjar sina genomgångar klockan 14.30 i Stora salen på plan två. Varje lag får sju minuter för "
    "sin pitch och tre minuter för frågor; lämna er presentation på en USB-sticka till Åsa vid scenen senast "
    "14.00. Efter juryn serveras fika i matsalen och vinnarna utses 16.45."
)
TITLES = (
    "Marknadspotentialen för värmelagring i sandbatterier hos sågverk och mejerier i Västerbotten",
    "Sensornätverk som varnar för isbildning på vägar",
    "Ett gemensamt elnät för industriområdet",
    "Finansiering via EU:s innovationsfond och Energimyndighetens program för industriell omställning",
    "Prototyp",
)
# The spotlit card: a title at the 200-character limit and a long text.
SPOT_TITLE = (
    "Ett regionalt sandbatteri som lagrar spillvärme från sågverkens virkestorkar över natten och levererar "
    "den till mejeriernas pastörisering på morgonen, med styrning efter elpriset och väderprognosen"
)
SPOT_BODY = " ".join(["Vi sparar 1,5 GWh om året och halverar toppeffekten i industriområdet."] * 8)
TAGS = (["Business models", "Market", "Patents and IP"], ["Energy", "Sustainability"], ["Datavetenskap"])


def team_name(number: int) -> str:
    """Return team number's Swedish name, as long as fits in 80 characters."""
    name = f"Lag {number + 1} {PLACES[number % len(PLACES)]}: {WORDS}"
    while len(name) > 80:
        name = name.rpartition(" ")[0]
    return name


@dataclass
class Room:
    """What `fill` made: the viewers by role and the teams' ids, in order."""

    facilitator: Viewer
    team_ids: list[int]
    members: dict[int, list[Viewer]] = field(default_factory=dict)
    spotlit: int | None = None


def _viewer(db: Database, code: str, name: str) -> tuple[Viewer, str]:
    token, _slug = people.join(db, code, name)
    found = people.viewer(db, token)
    assert found is not None
    return found, token


def fill(
    url: str,
    summary: dict[str, Any],
    *,
    members: int = 3,
    ranking: bool = False,
    spotlit: bool = True,
    phase: int = 3,
) -> Room:
    """Fill the race `summary` describes (made by `create-race --json`) with a busy room."""
    db = Database(url)
    try:
        return _fill(db, summary, members=members, ranking=ranking, spotlit=spotlit, phase=phase)
    finally:
        db.dispose()


def _fill(
    db: Database, summary: dict[str, Any], *, members: int, ranking: bool, spotlit: bool, phase: int
) -> Room:
    codes = summary["codes"]
    facilitator, _ = _viewer(db, codes["facilitator"], "Fia Facilitator")
    team_ids = [team["id"] for team in summary["teams"]]
    room = Room(facilitator, team_ids)
    with db.read() as session:
        colours = {view.team.id: view.team.colour for view in teams.listing(session, facilitator.race_id)}
    for number, team_id in enumerate(team_ids):
        roster.add_challenge(
            db,
            facilitator,
            company=f"{PLACES[number % len(PLACES)]} Energi och Återvinning Aktiebolag",
            title="Minska spillvärmen från torkning av virke med 40 procent till 2028",
            description="",
            tags=TAGS[number % len(TAGS)],
        )
        with db.read() as session:
            challenge_id = roster.challenges(session, facilitator.race_id)[-1].id
        roster.update_team(
            db,
            facilitator,
            team_id,
            name=team_name(number),
            colour=colours[team_id],
            challenge_id=challenge_id,
        )
    phases.start(db, facilitator, summary["phases"][phase]["id"])
    card_ids: list[int] = []
    for number, team_id in enumerate(team_ids):
        room.members[team_id] = []
        for index in range(members):
            person, token = _viewer(
                db, codes["participant"], f"Deltagare {number + 1}:{index + 1} Åström-Öberg"
            )
            profiles.update(db, person, background="student", company="", competences=["Energy"])
            teams.choose(db, person, team_id)
            person = people.viewer(db, token)
            assert person is not None
            room.members[team_id].append(person)
            columns = ("need", "idea", "market", "technology", "next")
            card = cards.add(
                db,
                person,
                title=TITLES[(number + index) % len(TITLES)],
                body="Vi räknar med att spara 1,5 GWh om året." if index == 0 else "",
                column=columns[(number + index) % len(columns)],
                key=None,
            )
            card_ids.append(card.id or 0)
        if number % 3 != 2:
            requests.ask(
                db,
                room.members[team_id][0],
                question="Hur dimensionerar vi ett sandbatteri för en natts drift?",
                tags=TAGS[number % len(TAGS)],
                key=None,
            )
    expert, _ = _viewer(db, codes["expert"], "Ebba Expert")
    with db.read() as session:
        first = session.exec(
            select(ExpertRequest).where(ExpertRequest.race_id == facilitator.race_id)
        ).first()
    if first is not None:
        requests.claim(db, expert, first.id or 0)
    announcements.send(db, facilitator, ANNOUNCEMENT, key=None)
    first_member = room.members[team_ids[0]][0] if team_ids else None
    if first_member is not None:
        spot = cards.add(db, first_member, title=SPOT_TITLE, body=SPOT_BODY, column="market", key=None)
        room.spotlit = spot.id
        if spotlit:
            spotlight.set_card(db, facilitator, spot.id or 0)
    if ranking:
        score(db, codes, facilitator, team_ids)
    return room


def score(db: Database, codes: dict[str, str], facilitator: Viewer, team_ids: list[int]) -> None:
    """Two jurors score every team (unequal scores, one tie) and the facilitator reveals the ranking."""
    with db.read() as session:
        race = session.exec(select(Race).where(Race.id == facilitator.race_id)).one()
        criterion_ids = [
            row.id
            for row in session.exec(select(Criterion).where(Criterion.race_id == race.id)).all()
            if row.id is not None
        ]
    if not criterion_ids:
        from app.services import criteria

        criteria.ensure(db, facilitator.race_id)
        with db.read() as session:
            criterion_ids = [
                row.id or 0
                for row in session.exec(select(Criterion).where(Criterion.race_id == facilitator.race_id))
            ]
    for juror_number in range(2):
        juror, _ = _viewer(db, codes["jury"], f"Juror {juror_number + 1}")
        for number, team_id in enumerate(team_ids):
            value = str(1 + (number * 3 + juror_number) % 5)
            fields = {f"c{criterion_id}": value for criterion_id in criterion_ids}
            jury.save(db, juror, team_id, fields=fields, comment="", key=None)
    jury.set_revealed(db, facilitator, True)


def vote(db: Database, room: Room) -> None:
    """Open the first voting phase; every member votes for each card of their team, the last cards once."""
    facilitator = room.facilitator
    with db.read() as session:
        query = select(Phase).where(Phase.race_id == facilitator.race_id, Phase.voting_open)
        voting = session.exec(query.order_by(Phase.position)).first()
        assert voting is not None
        found = session.exec(select(Card).where(Card.race_id == facilitator.race_id).order_by(Card.id)).all()
    phases.start(db, facilitator, voting.id or 0)
    for team_id, members in room.members.items():
        team_cards = [card.id or 0 for card in found if card.team_id == team_id]
        for rank, member in enumerate(members):
            for card_id in team_cards[: len(team_cards) - rank]:
                votes.cast(db, member, card_id, key=None)
