"""What each live region is made of: the context its partial is rendered from, per race, team and screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, select

from app.control import (
    challenges_context,
    overview_context,
    roster_context,
)
from app.db import Database, once_per_render, rendering
from app.models import CardColumn, Phase, Race, Role, Team
from app.screens.audiences import Audience, audience, screen_regions
from app.services import (
    announcements,
    board,
    cards,
    experts,
    needs,
    phases,
    profiles,
    races,
    scoreboard,
    spotlight,
    teams,
    votes,
)
from app.services.people import Viewer


def _column(name: str) -> Callable[[Session, Race, int], dict[str, Any]]:
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


def _wall_teams(
    session: Session, race: Race, _team: int, team_ids: list[int] | None = None
) -> dict[str, Any]:
    return {
        "team_views": teams.listing(session, race.id or 0, team_ids),
        "card_counts": cards.counts(session, race.id or 0, team_ids),
        "newest_by_team": _newest_by_team(session, race, team_ids),
    }


# The facilitators' feed shows the race's newest cards; the wall's "newest ideas" the first of them.
FEED_CARDS = 12
WALL_CARDS = 8


def _newest(session: Session, race: Race, limit: int) -> list[cards.CardView]:
    """Return the race's newest cards, read once per render: a post's feed, newest ideas and tile share it."""
    assert limit <= FEED_CARDS
    views = once_per_render(
        session, ("cards.newest", race.id), lambda: cards.newest(session, race.id or 0, FEED_CARDS)
    )
    return views[:limit]


def _newest_by_team(session: Session, race: Race, team_ids: list[int] | None) -> dict[int, cards.CardView]:
    """Return team id -> its newest live card; a few teams' from the race's newest cards when there."""
    if team_ids is None:
        return cards.newest_by_team(session, race.id or 0)
    # The newest cards are in id order, newest first: a team's first one among them is its newest.
    found: dict[int, cards.CardView] = {}
    for view in _newest(session, race, FEED_CARDS):
        found.setdefault(view.card.team_id, view)
    newest = {team_id: found[team_id] for team_id in team_ids if team_id in found}
    missing = [team_id for team_id in team_ids if team_id not in found]
    if missing:
        newest.update(cards.newest_by_team(session, race.id or 0, missing))
    return newest


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


def _card_items(session: Session, race: Race, team_id: int, items: list[str]) -> dict[str, Any]:
    # "card:idea:12" -> card 12; a card gone since is in a region sent whole (see Changes.regions).
    return card_upserts(session, race, team_id, [int(item.rpartition(":")[2]) for item in items])


def _team_ids(items: list[str]) -> list[int]:
    return sorted({int(item.rpartition(":")[2]) for item in items})


# item kind -> (partial, context builder given the items); see audiences.ITEM_KINDS.
ITEMS: dict[str, tuple[str, Callable[[Session, Race, int, list[str]], dict[str, Any]]]] = {
    "card": ("participant/_card_upsert.html", _card_items),
    "row": (
        "facilitator/_overview_rows.html",
        lambda session, race, _team, items: overview_context(session, race, _team_ids(items)),
    ),
    "tile": (
        "wall/_tiles.html",
        lambda session, race, _team, items: _wall_teams(session, race, _team, _team_ids(items)),
    ),
}


# region -> (partial, context builder). The page includes the same partials with the same context.
REGIONS: dict[str, tuple[str, Callable[[Session, Race, int], dict[str, Any]]]] = {
    "clock": ("_clock.html", lambda session, race, _team: {"clock": phases.clock(session, race)}),
    "team": (
        "participant/_team.html",
        lambda session, race, team_id: {"team_view": teams.get_team(session, race.id or 0, team_id)},
    ),
    "teampick": (
        "participant/_teampick.html",
        lambda session, race, _team: {"team_views": teams.listing(session, race.id or 0)},
    ),
    "board-state": (
        "participant/_board_state.html",
        lambda session, race, team_id: {"board_state": board.state(session, race, team_id)},
    ),
    **{f"col:{name.value}": ("participant/_column.html", _column(name.value)) for name in CardColumn},
    "agenda": (
        "facilitator/_agenda.html",
        lambda session, race, _team: {
            "agenda": phases.agenda(session, race.id or 0),
            "clock": phases.clock(session, race),
        },
    ),
    "teams": ("facilitator/_teams.html", lambda session, race, _team: overview_context(session, race)),
    "roster": ("facilitator/_roster.html", lambda session, race, _team: roster_context(session, race)),
    "challenges": (
        "facilitator/_challenges.html",
        lambda session, race, _team: challenges_context(session, race),
    ),
    "prep": ("facilitator/_prep.html", lambda session, race, _team: {"intake": needs.summary(session, race)}),
    "feed": (
        "facilitator/_feed.html",
        lambda session, race, _team: {"feed": _newest(session, race, FEED_CARDS)},
    ),
    "wall-teams": ("wall/_teams.html", _wall_teams),
    "jury": ("facilitator/_jury.html", lambda session, race, _team: scoreboard.jury_context(session, race)),
    "jury-mine": (
        "jury/_progress.html",
        lambda session, race, juror_id: {"juror_teams": scoreboard.juror_teams(session, race, juror_id)},
    ),
    "wall-ranking": (
        "wall/_ranking.html",
        lambda session, race, _team: {"jury_results": scoreboard.results(session, race)},
    ),
    "wall-cards": (
        "wall/_cards.html",
        lambda session, race, _team: {"feed": _newest(session, race, WALL_CARDS)},
    ),
    "requests": (
        "expert/_requests.html",
        lambda session, race, expert_id: {"queue": experts.queue(session, race.id or 0, expert_id)},
    ),
    "my-requests": (
        "expert/_mine.html",
        lambda session, race, expert_id: {
            "mine": experts.claimed_by(session, expert_id),
            "history": experts.history(session, expert_id),
        },
    ),
    "team-requests": (
        "participant/_requests.html",
        lambda session, race, team_id: {
            "team_requests": _team_requests(session, team_id),
            "requests_open": _requests_open(session, race),
        },
    ),
    "announcement": (
        "_announcement.html",
        lambda session, race, _team: {"announcement": announcements.latest(session, race.id or 0)},
    ),
    "fac-queue": (
        "facilitator/_queue.html",
        lambda session, race, _team: {
            "active_requests": experts.open_requests(session, race.id or 0),
            "expert_people": experts.experts(session, race.id or 0),
        },
    ),
    "spotlight": (
        "facilitator/_spotlight.html",
        lambda session, race, _team: {"spotlit": spotlight.current(session, race)},
    ),
    "wall-queue": (
        "wall/_queue.html",
        lambda session, race, _team: {
            "active_requests": experts.open_requests(session, race.id or 0),
            "median_wait": experts.median_wait_ms(session, race.id or 0),
        },
    ),
    "wall-spotlight": (
        "wall/_spotlight.html",
        lambda session, race, _team: {"spotlit": spotlight.current(session, race)},
    ),
}


def _team_requests(session: Session, team_id: int) -> list[experts.RequestView]:
    # A render for many teams loads their requests in one query first (see _prepare).
    loaded = session.info.get("team_requests")
    if loaded is not None and team_id in loaded:
        return list(loaded[team_id])
    return experts.for_team(session, team_id)


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


def _requests_open(session: Session, race: Race) -> bool:
    phase = phases.open_phase(session, race)
    return phase is not None and phase.requests_open


def region_context(session: Session, race: Race, aud: Audience, regions: Iterable[str]) -> dict[str, Any]:
    """Return the merged context the page needs to render these regions."""
    context: dict[str, Any] = {"race": race}
    for region in regions:
        if not region.startswith("col:"):
            context.update(REGIONS[region][1](session, race, aud.team_id))
    if aud.role == Role.PARTICIPANT and aud.team_id:
        context["board"] = cards.board(session, aud.team_id)
        context["extras"] = board.extras(session, [v for views in context["board"].values() for v in views])
    return context


def screen_context(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return everything a person's screen renders on first load."""
    aud = audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id)
    with db.read() as session:
        rendering(session)
        race = races.get_race(session, viewer.slug)
        context = region_context(session, race, aud, screen_regions(aud))
        context["competence_suggestions"] = profiles.suggestions(session, race.id or 0)
        codes = races.codes(session, race.id or 0)
        if aud.role == Role.PARTICIPANT and aud.team_id:
            context["my_budget"] = votes.budget(session, race, viewer.person_id)
    context.update(
        viewer=viewer,
        codes=codes if viewer.role == Role.FACILITATOR else {},
        participant_code=codes[Role.PARTICIPANT] if viewer.role in (Role.WALL, Role.FACILITATOR) else "",
    )
    return context


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
