"""Suggested teams for a race: the algorithm's input from the race, hand edits re-explained, applied at once.

A suggestion names its teams by key: `t{id}` reuses an existing team of the challenge (in id order),
`n{challenge}-{i}` is a team to create, named after the challenge. Applying is refused (409) as a whole when
the suggestion is stale: someone joined or left (or was erased) since, or a reused team was removed or given
another challenge. The screen then shows the message beside a fresh suggestion; nothing is half applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app import i18n, viewers
from app.db import Database
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, Person, Race, Role, Team
from app.numbers import whole
from app.services import events, matching, roster, teams
from app.services.agenda import require_facilitator
from app.services.people import Viewer
from app.services.races import next_team_number, team_colour
from app.services.roster import BACKGROUND_LABELS, TEAM_NAME_MAX

SIZE_MAX = 50
PER_CHALLENGE_MAX = 20
NEW_KEY = re.compile(r"^n([0-9]{1,9})-([0-9]{1,3})\Z")
TEAM_KEY = re.compile(r"^t([0-9]{1,9})\Z")
STALE = N_("Someone joined or left since this suggestion was made: ask for a new suggestion.")
STALE_TEAMS = N_("The teams changed since this suggestion was made: ask for a new suggestion.")


@dataclass(frozen=True)
class Place:
    """A suggested team: an existing one to reuse or a new one to create."""

    key: str
    challenge_id: int
    name: str
    team_id: int | None = None


@dataclass
class Crowd:
    """What the algorithm needs from the race, and the names the screen shows."""

    people: dict[int, Person]
    challenges: dict[int, Challenge]
    teams: dict[int, list[Team]]  # challenge id -> its teams in id order

    def participants(self) -> list[matching.Participant]:
        return [
            matching.Participant(
                person.id or 0,
                person.name,
                person.background or "other",
                person.company or "",
                tuple(tag for tag in person.competences or [] if isinstance(tag, str)),
            )
            for person in self.people.values()
        ]

    def needs(self) -> list[matching.ChallengeNeed]:
        return [
            matching.ChallengeNeed(c.id or 0, c.company, tuple(t for t in c.tags or [] if isinstance(t, str)))
            for c in self.challenges.values()
        ]

    def place(self, slot: matching.Slot) -> Place:
        """Return the existing team a slot reuses, or the new team it makes."""
        existing = self.teams.get(slot.challenge_id, [])
        if slot.index < len(existing):
            team = existing[slot.index]
            return Place(f"t{team.id}", slot.challenge_id, team.name, team.id)
        company = self.challenges[slot.challenge_id].company
        name = f"{company[: TEAM_NAME_MAX - 4]} {slot.index + 1}"
        return Place(f"n{slot.challenge_id}-{slot.index}", slot.challenge_id, name)


def _free_name(name: str, taken: dict[str, tuple[int, str]]) -> str:
    """Return `name`, or it with the first free "(2)", "(3)" ... when another team has it."""
    found, count = name, 1
    while roster.name_key(found) in taken:
        count += 1
        suffix = f" ({count})"
        found = name[: TEAM_NAME_MAX - len(suffix)] + suffix
    return found


@dataclass
class View:
    """A suggestion (made or edited) with its places, ready for the screen."""

    crowd: Crowd
    bounds: matching.Bounds
    places: list[Place]
    explained: matching.Explained
    chosen: dict[int, str] = field(default_factory=dict)  # person id -> place key
    edited: bool = False


def bounds_from(min_size: str, max_size: str, per_challenge: str) -> matching.Bounds:
    """Read the size bounds and teams per challenge from the form, or refuse them."""
    try:
        low, high = whole(min_size), whole(max_size)
        per = whole(per_challenge) if per_challenge.strip() else None
    except ValueError:
        raise Invalid("Enter whole numbers for the sizes and the teams per challenge.") from None
    if not 1 <= low <= high <= SIZE_MAX:
        raise Invalid(
            "The smallest size must be at least 1 and at most the largest (%(max)s at most).", max=SIZE_MAX
        )
    if per is not None and not 1 <= per <= PER_CHALLENGE_MAX:
        raise Invalid("Teams per challenge must be between 1 and %(max)s.", max=PER_CHALLENGE_MAX)
    return matching.Bounds(low, high, per)


def race_name(db: Database, viewer: Viewer) -> str:
    """Return the name of the viewer's race."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        return race.name if race else ""


def _crowd(session: Session, race_id: int) -> Crowd:
    people = session.exec(
        select(Person)
        .where(Person.race_id == race_id, Person.role == Role.PARTICIPANT, col(Person.erased_ms).is_(None))
        .order_by(col(Person.id))
    ).all()
    challenges = session.exec(
        select(Challenge).where(Challenge.race_id == race_id).order_by(col(Challenge.id))
    ).all()
    teams: dict[int, list[Team]] = {}
    for team in session.exec(select(Team).where(Team.race_id == race_id).order_by(col(Team.id))).all():
        if team.challenge_id is not None:
            teams.setdefault(team.challenge_id, []).append(team)
    return Crowd({p.id or 0: p for p in people}, {c.id or 0: c for c in challenges}, teams)


def _check(crowd: Crowd) -> None:
    if not crowd.challenges:
        raise Conflict("Add a challenge first: teams are suggested per challenge.")
    if not crowd.people:
        raise Conflict("Nobody has joined as a participant yet.")


def suggest(db: Database, viewer: Viewer, bounds: matching.Bounds) -> View:
    """Make a fresh suggestion for the race's participants."""
    require_facilitator(viewer)
    with db.read() as session:
        crowd = _crowd(session, viewer.race_id)
    _check(crowd)
    result = matching.suggest(crowd.participants(), crowd.needs(), bounds)
    places = [crowd.place(plan.slot) for plan in result.teams]
    explained = matching.Explained(result.teams, result.notes)
    chosen = {
        person: place.key for plan, place in zip(result.teams, places, strict=True) for person in plan.members
    }
    return View(crowd, bounds, places, explained, chosen)


def _places(crowd: Crowd, keys: list[str]) -> list[Place]:
    """Turn the posted keys back into places, refusing unknown or stale ones."""
    places: list[Place] = []
    reused = {team.id: team for teams in crowd.teams.values() for team in teams}
    for key in dict.fromkeys(keys):
        if match := TEAM_KEY.match(key):
            team = reused.get(int(match.group(1)))
            if team is None or team.challenge_id is None:
                raise Conflict(STALE_TEAMS)
            places.append(Place(key, team.challenge_id, team.name, team.id))
        elif match := NEW_KEY.match(key):
            challenge_id, index = int(match.group(1)), int(match.group(2))
            if challenge_id not in crowd.challenges:
                raise Conflict(STALE_TEAMS)
            places.append(crowd.place(matching.Slot(challenge_id, index)))
            if places[-1].key != key:
                raise Conflict(STALE_TEAMS)
        else:
            raise Invalid("The form is malformed.")
    return places


def _assignment(
    crowd: Crowd, places: list[Place], chosen: dict[int, str]
) -> list[tuple[matching.Slot, list[int]]]:
    if set(chosen) != set(crowd.people):
        raise Conflict(STALE)
    keys = {place.key for place in places}
    if not set(chosen.values()) <= keys:
        raise Invalid("The form is malformed.")
    per_challenge: dict[int, int] = {}
    assignment = []
    for place in places:
        index = per_challenge.get(place.challenge_id, 0)
        per_challenge[place.challenge_id] = index + 1
        members = sorted(person for person, key in chosen.items() if key == place.key)
        assignment.append((matching.Slot(place.challenge_id, index), members))
    return assignment


def reexplain(
    db: Database, viewer: Viewer, bounds: matching.Bounds, keys: list[str], chosen: dict[int, str]
) -> View:
    """Explain an assignment the facilitator edited by hand, with warnings for the rules it breaks."""
    require_facilitator(viewer)
    with db.read() as session:
        crowd = _crowd(session, viewer.race_id)
    _check(crowd)
    places = _places(crowd, keys)
    assignment = _assignment(crowd, places, chosen)
    explained = matching.explain(assignment, crowd.participants(), crowd.needs(), bounds)
    return View(crowd, bounds, places, explained, chosen, edited=True)


def apply(
    db: Database, viewer: Viewer, keys: list[str], chosen: dict[int, str], key: str | None
) -> tuple[int, list[int]]:
    """Create the missing teams and move everyone in one transaction; return the seq and who moved."""
    require_facilitator(viewer)
    key = events.clean_key(key)
    with db.write() as session:
        replayed = events.replayed(session, key, viewer.person_id)
        if replayed is not None:
            return replayed.seq, []
        events.lock_race(session, viewer.race_id)
        race = session.get(Race, viewer.race_id)
        assert race is not None
        teams.refuse_after_end(race)
        crowd = _crowd(session, viewer.race_id)
        _check(crowd)
        places = _places(crowd, keys)
        _assignment(crowd, places, chosen)
        used = set(chosen.values())
        number = next_team_number(session, viewer.race_id)
        taken = roster.team_names(session, viewer.race_id)
        team_ids: dict[str, int] = {}
        created = []
        for place in places:
            if place.team_id is not None:
                team_ids[place.key] = place.team_id
            elif place.key in used:
                name = _free_name(place.name, taken)
                taken[roster.name_key(name)] = (0, name)
                team = Team(
                    race_id=viewer.race_id,
                    name=name,
                    colour=team_colour(number),
                    challenge_id=place.challenge_id,
                    number=number,
                )
                number += 1
                session.add(team)
                session.flush()
                team_ids[place.key] = team.id or 0
                created.append(team.id)
                events.record(
                    session,
                    viewer.race_id,
                    Kind.TEAM_ADDED,
                    data={"name": team.name},
                    person_id=viewer.person_id,
                    team_id=team.id,
                )
        moved = []
        for person_id in sorted(chosen):
            person = crowd.people[person_id]
            target = team_ids[chosen[person_id]]
            if person.team_id == target:
                continue
            data = {"person": person_id, "team": target, "previous": person.team_id}
            person.team_id = target
            session.add(person)
            moved.append(person_id)
            events.record(
                session,
                viewer.race_id,
                Kind.PERSON_MOVED,
                data=data,
                person_id=viewer.person_id,
                team_id=target,
            )
        viewers.changed(session, moved)
        summary = {
            "teams": sorted(set(team_ids.values())),
            "created": created,
            "moved": len(moved),
            "people": len(chosen),
        }
        seq = events.record(
            session, viewer.race_id, Kind.TEAMS_APPLIED, data=summary, person_id=viewer.person_id, key=key
        ).seq
    return seq, moved


NOTES = {
    "sizes_infeasible": N_(
        "%(people)s people cannot make %(teams)s teams of %(min)s to %(max)s: sizes are as even as can be."
    ),
    "no_team": N_("Too few people for a team on every challenge: %(challenge)s gets none."),
    "size_low": N_("%(size)s members, fewer than the smallest size (%(min)s)."),
    "size_high": N_("%(size)s members, more than the largest size (%(max)s)."),
    "quota_low": N_("%(background)s: %(have)s here, the quota is %(floor)s to %(ceil)s."),
    "quota_high": N_("%(background)s: %(have)s here, the quota is %(floor)s to %(ceil)s."),
    "company_elsewhere": N_("%(name)s is not on a team of their company's challenge (%(company)s)."),
    "company_full": N_("%(people)s people of this company are on other teams: its teams had no room."),
}
COMPANY_REASON = N_("Company people placed with their own challenge took the room or the people it needed.")


def note_text(note: matching.Note, crowd: Crowd, edited: bool) -> str:
    """Return a note in words, in the current language."""
    params = dict(note.params)
    if "background" in params:
        params["background"] = i18n.gettext(BACKGROUND_LABELS.get(params["background"], params["background"]))
    if "challenge" in params:
        challenge = crowd.challenges.get(params["challenge"])
        params["challenge"] = f"{challenge.company}: {challenge.title}" if challenge else ""
    if "person" in params:
        person = crowd.people.get(params["person"])
        params["name"] = person.name if person else ""
    text = i18n.gettext(NOTES[note.code], **{k: v for k, v in params.items() if isinstance(v, str | int)})
    if note.code.startswith("quota") and params.get("company") and not edited:
        text += " " + i18n.gettext(COMPANY_REASON)
    return text
