"""What each live region is made of: the context its partial is rendered from, per race, team and person."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, select

from app.db import Database, once_per_render
from app.models import CardColumn, Phase, Race, Team
from app.presence import registry as presence
from app.services import board, cards, experts, phases, races, roster, teams
from app.services.people import Viewer

Builder = Callable[[Session, Race, int], dict[str, Any]]


def column(name: str) -> Builder:
    """Return the builder of one column of a team's board."""

    def build(session: Session, race: Race, team_id: int) -> dict[str, Any]:
        # A whole screen loads the team's board once (see snapshot); a change reads the touched column.
        whole = session.info.get("team_board", {}).get(team_id)
        views = whole[0][name] if whole else cards.column(session, team_id, name)
        return {
            "column_name": name,
            "cards": views,
            "extras": whole[1] if whole else board.extras(session, views),
            "board_state": board.state(session, race, team_id),
        }

    return build


def wall_teams(session: Session, race: Race, _team: int, team_ids: list[int] | None = None) -> dict[str, Any]:
    """Return the wall's team tiles (every team, or these), each with its card count and newest card."""
    return {
        "team_views": teams.listing(session, race.id or 0, team_ids),
        "card_counts": cards.counts(session, race.id or 0, team_ids),
        "newest_by_team": newest_by_team(session, race, team_ids),
    }


# The facilitators' feed shows the race's newest cards; the wall's "newest ideas" the first of them.
FEED_CARDS = 12
WALL_CARDS = 8


def newest(session: Session, race: Race, limit: int) -> list[cards.CardView]:
    """Return the race's newest cards, read once per render: a post's feed, newest ideas and tile share it."""
    assert limit <= FEED_CARDS
    views = once_per_render(
        session, ("cards.newest", race.id), lambda: cards.newest(session, race.id or 0, FEED_CARDS)
    )
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


def card_upserts(session: Session, race: Race, team_id: int, card_ids: list[int]) -> dict[str, Any]:
    """Return the context of _card_upsert.html: these cards of a team, by column, and the columns' counts."""
    views = cards.by_ids(session, team_id, card_ids)
    upserts: dict[str, list[cards.CardView]] = {}
    for view in views:
        upserts.setdefault(view.card.column, []).append(view)
    counts = cards.column_counts(session, team_id)
    return {
        "upserts": [(name, upserts[name]) for name in COLUMN_ORDER if name in upserts],
        "counts": {name: counts.get(name, 0) for name in upserts},
        "extras": board.extras(session, views),
        "board_state": board.state(session, race, team_id),
    }


def card_items(session: Session, race: Race, team_id: int, items: list[str]) -> dict[str, Any]:
    """Return the context of these card items ("card:idea:12" is card 12) of a team."""
    # A card gone since is in a region sent whole (see Changes.regions).
    return card_upserts(session, race, team_id, [int(item.rpartition(":")[2]) for item in items])


def item_team_ids(items: list[str]) -> list[int]:
    """Return the teams named by items such as "row:3"."""
    return sorted({int(item.rpartition(":")[2]) for item in items})


def overview_context(session: Session, race: Race, team_ids: list[int] | None = None) -> dict[str, Any]:
    """Return per team (every team, or these) its members (who is online), cards, votes, requests waiting."""
    race_id = race.id or 0
    counts = cards.counts(session, race_id, team_ids)
    return {
        "team_views": teams.listing(session, race_id, team_ids),
        "card_counts": counts,
        "team_activity": roster.activity(session, race_id, counts, team_ids),
        "online": presence.online(race_id),
    }


# Past this many options in all (people x teams), the roster has one move form instead of one per person:
# 1,000 people in 100 teams made every facilitator frame with the roster 4.6 MB.
MOVE_SELECT_OPTIONS = 3000


def roster_context(session: Session, race: Race) -> dict[str, Any]:
    """Return the teams with their mix, the people in no team, and the challenges to choose from."""
    race_id = race.id or 0
    views = teams.listing(session, race_id)
    unassigned = roster.unassigned(session, race_id)
    people = len(unassigned) + sum(len(view.members) for view in views)
    return {
        "team_views": views,
        "team_mixes": roster.mixes(session, race_id),
        "unassigned": unassigned,
        # A move select per person lists every team: people x teams options. Past a size, one move form.
        "move_each": people * (len(views) + 1) <= MOVE_SELECT_OPTIONS,
        "challenge_list": roster.challenges(session, race_id),
        "background_labels": list(roster.BACKGROUND_LABELS.items()),
        "next_colour": races.team_colour(max((view.team.number for view in views), default=0) + 1),
    }


def challenges_context(session: Session, race: Race) -> dict[str, Any]:
    """Return the race's challenges."""
    return {"challenge_list": roster.challenges(session, race.id or 0)}


def team_requests(session: Session, team_id: int) -> list[experts.RequestView]:
    """Return a team's expert requests (from those loaded for many teams, when a render loaded them)."""
    loaded = session.info.get("team_requests")
    if loaded is not None and team_id in loaded:
        return list(loaded[team_id])
    return experts.for_team(session, team_id)


def requests_open(session: Session, race: Race) -> bool:
    """Return whether the open phase takes expert requests."""
    phase = phases.open_phase(session, race)
    return phase is not None and phase.requests_open


def prepare(session: Session, race: Race, team_regions: dict[int, list[str]]) -> None:
    """Load once what many teams' regions need, before they are rendered one team at a time."""
    if len(team_regions) < 2:
        return
    # Held for the render: the session's identity map keeps them, so each team's look-up costs no query.
    session.info["held"] = [
        *session.exec(select(Team).where(Team.race_id == race.id)).all(),
        *session.exec(select(Phase).where(Phase.race_id == race.id)).all(),
    ]
    wanted = [team_id for team_id, regions in team_regions.items() if "team-requests" in regions]
    if len(wanted) > 1:
        session.info["team_requests"] = experts.for_teams(session, wanted)


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


def cards_context(db: Database, viewer: Viewer, card_ids: list[int]) -> dict[str, Any]:
    """Return the race and these cards of the viewer's team as upserts, for an answer to a post or a vote."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        context = card_upserts(session, race, viewer.team_id or 0, card_ids)
    return {"race": race, **context}
