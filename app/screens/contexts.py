"""What each live region is made of: the context its partial is rendered from, per race, team and person."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app import memo
from app.db import Database
from app.models import CardColumn, Person, Race, Team
from app.presence import registry as presence
from app.services import board, cards, devices, experts, phases, races, roster, spotlight, teams, votes
from app.services.people import ROLE_LABELS, Viewer


@dataclass
class Read:
    """One render's read: its session, and what it loaded once for many teams' or regions' contexts."""

    session: Session
    # Every team and phase of the race, for a render over many teams (kept alive, so the session's
    # identity map answers their look-ups too).
    held: board.Held | None = None
    # A whole screen's board, read at once: team id -> (columns, extras).
    team_board: dict[int, tuple[dict[str, list[cards.CardView]], dict[int, board.CardExtras]]] = field(
        default_factory=dict
    )
    # Many teams' expert requests, read at once: team id -> its requests.
    team_requests: dict[int, list[experts.RequestView]] | None = None


Builder = Callable[[Read, Race, int], dict[str, Any]]


def column(name: str) -> Builder:
    """Return the builder of one column of a team's board."""

    def build(read: Read, race: Race, team_id: int) -> dict[str, Any]:
        # A whole screen loads the team's board once (see snapshot); a change reads the touched column.
        whole = read.team_board.get(team_id)
        views = whole[0][name] if whole else cards.column(read.session, team_id, name)
        return {
            "column_name": name,
            "cards": views,
            "extras": whole[1] if whole else board.extras(read.session, views),
            "board_state": board_state(read, race, team_id),
        }

    return build


def board_state(read: Read, race: Race, team_id: int) -> board.BoardState:
    """Return a team's board state, looked up among the teams and phases a render holds when it holds them."""
    return board.state(read.session, race, team_id, read.held)


def wall_teams(read: Read, race: Race, _team: int, team_ids: list[int] | None = None) -> dict[str, Any]:
    """Return the wall's team tiles (every team, or these), each with its card count and newest card."""
    return {
        "team_views": teams.listing(read.session, race.id or 0, team_ids),
        "card_counts": cards.counts(read.session, race.id or 0, team_ids),
        "newest_by_team": newest_by_team(read.session, race, team_ids),
    }


# The facilitators' feed shows the race's newest cards; the wall's "newest ideas" the first of them.
FEED_CARDS = 12
WALL_CARDS = 8


def newest(session: Session, race: Race, limit: int) -> list[cards.CardView]:
    """Return the race's newest cards, read once per render: a post's feed, newest ideas and tile share it."""
    assert limit <= FEED_CARDS
    views = memo.once(("cards.newest", race.id), lambda: cards.newest(session, race.id or 0, FEED_CARDS))
    return views[:limit]


def newest_by_team(session: Session, race: Race, team_ids: list[int] | None) -> dict[int, cards.CardView]:
    """Return team id -> its newest live card; a few teams' from the race's newest cards when there."""
    if team_ids is None:
        return cards.newest_by_team(session, race.id or 0)
    # The newest cards are in id order, newest first: a team's first one among them is its newest.
    found: dict[int, cards.CardView] = {}
    for view in newest(session, race, FEED_CARDS):
        found.setdefault(view.card.team_id, view)
    chosen = {team_id: found[team_id] for team_id in team_ids if team_id in found}
    missing = [team_id for team_id in team_ids if team_id not in found]
    if missing:
        chosen.update(cards.newest_by_team(session, race.id or 0, missing))
    return chosen


COLUMN_ORDER = [name.value for name in CardColumn]


def card_upserts(read: Read, race: Race, team_id: int, card_ids: list[int]) -> dict[str, Any]:
    """Return the context of _card_upsert.html: these cards of a team, by column, and the columns' counts."""
    session = read.session
    views = cards.by_ids(session, team_id, card_ids)
    upserts: dict[str, list[cards.CardView]] = {}
    for view in views:
        upserts.setdefault(view.card.column, []).append(view)
    counts = cards.column_counts(session, team_id)
    return {
        "upserts": [(name, upserts[name]) for name in COLUMN_ORDER if name in upserts],
        "counts": {name: counts.get(name, 0) for name in upserts},
        "extras": board.extras(session, views),
        "board_state": board_state(read, race, team_id),
    }


def card_items(read: Read, race: Race, team_id: int, items: list[str]) -> dict[str, Any]:
    """Return the context of these card items ("card:idea:12" is card 12) of a team."""
    # A card gone since is in a region sent whole (see Changes.regions).
    return card_upserts(read, race, team_id, [int(item.rpartition(":")[2]) for item in items])


def item_team_ids(items: list[str]) -> list[int]:
    """Return the teams named by items such as "row:3"."""
    return sorted({int(item.rpartition(":")[2]) for item in items})


def overview_context(
    read: Read, race: Race, _scope: int, team_ids: list[int] | None = None
) -> dict[str, Any]:
    """Return per team (every team, or these) its members (who is online), cards, votes, requests waiting."""
    session, race_id = read.session, race.id or 0
    counts = cards.counts(session, race_id, team_ids)
    return {
        "team_views": teams.listing(session, race_id, team_ids),
        "card_counts": counts,
        "team_activity": roster.activity(session, race_id, counts, team_ids),
        "online": presence.online(race_id),
    }


# Past this many options in all (people x teams), the roster has one move form instead of one per person, as
# the options would make every facilitator frame with the roster megabytes long.
MOVE_SELECT_OPTIONS = 3000


def roster_context(read: Read, race: Race, _scope: int) -> dict[str, Any]:
    """Return the teams with their mix, the people in no team, and the challenges to choose from."""
    session, race_id = read.session, race.id or 0
    views = teams.listing(session, race_id)
    unassigned = roster.unassigned(session, race_id)
    people = len(unassigned) + sum(len(view.members) for view in views)
    # A move select per person lists every team: people x teams options. Past a size, one move form.
    move_each = people * (len(views) + 1) <= MOVE_SELECT_OPTIONS
    return {
        **_roster_common(session, race_id, [view.team for view in views], move_each),
        "team_views": views,
        "team_mixes": roster.mixes(session, race_id),
        "unassigned": unassigned,
        "move_people": [] if move_each else _movable(views, unassigned),
    }


def roster_items(read: Read, race: Race, _scope: int, items: list[str]) -> dict[str, Any]:
    """Return the context of the roster's parts named by items: "rost:team:3" (a team), "rost:free:0" (the
    people in no team), "rost:move:0" (a big roster's move form). Each reads what it shows: a join or a
    team choice in a full room reads two teams' people, not everyone."""
    session, race_id = read.session, race.id or 0
    parts = {item.split(":")[1] for item in items}
    team_ids = item_team_ids([item for item in items if item.startswith("rost:team:")])
    heads = teams.heads(session, race_id)
    move_each = roster.roster_size(session, race_id) * (len(heads) + 1) <= MOVE_SELECT_OPTIONS
    return {
        **_roster_common(session, race_id, heads, move_each),
        "team_views": teams.listing(session, race_id, team_ids) if team_ids else [],
        "team_mixes": roster.mixes(session, race_id, team_ids) if team_ids else {},
        "unassigned": roster.unassigned(session, race_id) if "free" in parts else [],
        "move_people": roster.movable(session, race_id) if "move" in parts and not move_each else [],
        "item_free": "free" in parts,
        "item_move": "move" in parts,
    }


def _roster_common(session: Session, race_id: int, heads: list[Team], move_each: bool) -> dict[str, Any]:
    return {
        # The teams a person can be moved to, in order.
        "move_teams": heads,
        "move_each": move_each,
        "challenge_list": roster.challenges(session, race_id),
        "background_labels": list(roster.BACKGROUND_LABELS.items()),
        "next_colour": races.team_colour(max((team.number for team in heads), default=0) + 1),
        "same_device": devices.shared(session, race_id),
        "role_labels": ROLE_LABELS,
    }


def _movable(views: list[teams.TeamView], unassigned: list[Person]) -> list[roster.Movable]:
    """Return the roster's people as the one move form lists them, from what the whole roster read."""
    teamed = [(person, view.team.name) for view in views for person in view.members]
    nobody = [(person, None) for person in unassigned]
    return [roster.Movable(person.id or 0, person.name, team) for person, team in teamed + nobody]


def team_choice_context(read: Read, race: Race, _scope: int) -> dict[str, Any]:
    """Return whether team choice is open, and whether it closes by itself at the first phase's start."""
    automatic = race.team_choice_open is None
    return {
        "team_choice_open": teams.choice_open(read.session, race),
        "team_choice_closes_at_start": automatic and not teams.started(read.session, race.id or 0),
    }


def challenges_context(read: Read, race: Race, _scope: int) -> dict[str, Any]:
    """Return the race's challenges."""
    return {"challenge_list": roster.challenges(read.session, race.id or 0)}


def agenda_context(read: Read, race: Race, _scope: int) -> dict[str, Any]:
    """Return the race's phases and its clock."""
    return {"agenda": phases.agenda(read.session, race.id or 0), "clock": phases.clock(read.session, race)}


def spotlight_context(read: Read, race: Race, _scope: int) -> dict[str, Any]:
    """Return the card in the spotlight, if any."""
    return {"spotlit": spotlight.current(read.session, race)}


def team_requests(read: Read, team_id: int) -> list[experts.RequestView]:
    """Return a team's expert requests (from those loaded for many teams, when a render loaded them)."""
    if read.team_requests is not None and team_id in read.team_requests:
        return list(read.team_requests[team_id])
    return experts.for_team(read.session, team_id)


def requests_open(session: Session, race: Race) -> bool:
    """Return whether the open phase takes expert requests."""
    phase = phases.open_phase(session, race)
    return phase is not None and phase.requests_open


def prepare(read: Read, race: Race, team_regions: dict[int, list[str]]) -> None:
    """Load once what many teams' regions need, before they are rendered one team at a time."""
    if len(team_regions) < 2:
        return
    read.held = board.hold(read.session, race.id or 0)
    if sum("team" in regions for regions in team_regions.values()) > 1:
        teams.listing(read.session, race.id or 0)  # every team's head in one read (see teams.get_team)
    wanted = [team_id for team_id, regions in team_regions.items() if "team-requests" in regions]
    if len(wanted) > 1:
        read.team_requests = experts.for_teams(read.session, wanted)


def load_board(read: Read, team_id: int) -> None:
    """Read a team's whole board at once (its votes and comments too), for a screen that shows it all."""
    columns = cards.board(read.session, team_id)
    every = [view for views in columns.values() for view in views]
    read.team_board[team_id] = (columns, board.extras(read.session, every))


def board_context(db: Database, viewer: Viewer, only: Iterable[str] | None = None) -> dict[str, Any]:
    """Return the race and the viewer's team board (or `only` these columns), for an answer to a post."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if viewer.team_id is None:
            columns = {}
        elif only is None:
            columns = cards.board(session, viewer.team_id)
        else:
            columns = {name: cards.column(session, viewer.team_id, name) for name in only}
        extras = board.extras(session, [view for views in columns.values() for view in views])
        state = board.state(session, race, viewer.team_id or 0)
    return {"race": race, "board": columns, "extras": extras, "board_state": state}


def cards_context(
    db: Database, viewer: Viewer, card_ids: list[int], *, budget: bool = False
) -> dict[str, Any]:
    """Return the race and these cards of the viewer's team as upserts, for an answer to a post or a vote;
    with `budget`, the viewer's votes left too (a vote's answer), in the same read."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        context = card_upserts(Read(session), race, viewer.team_id or 0, card_ids)
        if budget:
            context["my_budget"] = votes.budget(session, race, viewer.person_id)
    return {"race": race, **context}
