"""A new race made by an organiser: in the browser (agenda from a template or an earlier race) or the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from app.db import Database, now_ms
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_, pick
from app.kinds import Kind
from app.models import Organiser, Race
from app.services import agenda_templates, events, organisers, owners, races
from app.services.organisers import Account
from app.services.people import clean_text
from app.services.roster import TEAM_NAME_MAX

RACE_NAME_MAX = 120
TEAMS_MAX = 200
# How far ahead a start may be planned; a date further off is almost surely a typing mistake.
PLAN_AHEAD_DAYS = 3 * 365
TIMEZONES = (
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/London",
    "UTC",
)


@dataclass(frozen=True)
class RaceForm:
    """What the organiser fills in to make a race."""

    name: str
    lang: str = "sv"
    teams: int = 4
    team_names: str = ""
    start_date: str = ""
    start_time: str = ""
    timezone: str = TIMEZONES[0]
    source: str = agenda_templates.DEFAULT
    key: str = ""


def planned_start(date: str, time: str, timezone: str, now: int | None = None) -> int | None:
    """Return the epoch ms a date and time mean in a time zone (None when both are empty), or refuse them."""
    if not date.strip() and not time.strip():
        return None
    try:
        zone = ZoneInfo(timezone)
        moment = dt.datetime.combine(dt.date.fromisoformat(date.strip()), dt.time.fromisoformat(time.strip()))
    except (ValueError, ZoneInfoNotFoundError):
        raise Invalid("Give the planned start as a date and a time, such as 2027-03-14 and 09:00.") from None
    start = int(moment.replace(tzinfo=zone).timestamp() * 1000)
    now = now_ms() if now is None else now
    if start <= now:
        raise Invalid("The planned start has passed. Choose a later time, or leave it empty.")
    if start > now + PLAN_AHEAD_DAYS * 86_400_000:
        raise Invalid("The planned start is more than three years away.")
    return start


def team_names(count: int, typed: str) -> list[str] | None:
    """Return the teams' names typed one per line, or None to number `count` teams; refuse repeats."""
    lines = [
        clean_text(line, TEAM_NAME_MAX, field=N_("a team's name"), required=False)
        for line in typed.splitlines()
    ]
    names = [" ".join(line.split()) for line in lines if line]
    if not names:
        if not 0 <= count <= TEAMS_MAX:
            raise Invalid("A race has from 0 to %(limit)s teams.", limit=TEAMS_MAX)
        return None
    if len(names) > TEAMS_MAX:
        raise Invalid("A race has from 0 to %(limit)s teams.", limit=TEAMS_MAX)
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise Invalid("Two teams are called %(name)s.", name=name)
        seen.add(name.casefold())
    return names


def _replayed(session: Session, who: Account, key: str | None) -> str | None:
    """Return the slug of the race an earlier post with this key made, if any."""
    event = events.replayed(session, key, None)
    if event is None:
        return None
    race = session.get(Race, event.race_id)
    if event.kind != Kind.RACE_CREATED or event.data.get("organiser") != who.organiser_id or race is None:
        raise Conflict("This request key was already used.")
    return race.slug


def create(db: Database, who: Account, form: RaceForm) -> str:
    """Make a race for an organiser from the browser's form; return its slug."""
    name = clean_text(form.name, RACE_NAME_MAX, field=N_("the race's name"))
    lang = pick(form.lang)
    names = team_names(form.teams, form.team_names)
    if form.timezone not in TIMEZONES:
        raise Invalid("Choose one of the time zones.")
    start = planned_start(form.start_date, form.start_time, form.timezone)
    key = events.clean_key(form.key)
    with db.write() as session:
        slug = _replayed(session, who, key)
        if slug is not None:
            return slug
        plan = agenda_templates.resolve(session, who, form.source, lang)
        organiser = session.get(Organiser, who.organiser_id)
        assert organiser is not None
        race, _summary = races.build(
            session,
            name,
            lang=lang,
            teams=form.teams,
            team_names=names,
            plan=plan,
            planned_start_ms=start,
            organiser_id=who.organiser_id,
            key=key,
        )
        race.timezone = form.timezone
        session.add(race)
        owners.add(session, race, organiser)
        return race.slug


def create_for(db: Database, email: str, name: str, *, lang: str = "sv", teams: int = 4) -> dict[str, Any]:
    """Make a race with the default agenda owned by the organiser with this e-mail (the command line)."""
    with db.write() as session:
        organiser = organisers.find(session, email)
        if organiser is None:
            raise NotFound("There is no organiser with this e-mail address.")
        race, summary = races.build(session, name, lang=lang, teams=teams, organiser_id=organiser.id)
        owners.add(session, race, organiser)
        return summary
