"""The live regions, each declared once (partial, context, whom its bytes are the same for).

Every rule about a region (which cache may keep it, whom it is rendered for, what an item of it is) is derived
from its declaration here; docs/architecture.md says how to add one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from app.models import CardColumn, Race, Role
from app.screens import contexts
from app.screens.audiences import NO_TEAM, Audience
from app.screens.contexts import Builder, Read
from app.services import (
    announcements,
    board,
    experts,
    favourites,
    gallery,
    needs,
    phases,
    races,
    schedule,
    scoreboard,
    teams,
)


class Scope(enum.Enum):
    """Whom a region's bytes are the same for."""

    RACE = "race"  # every screen of the race
    ROLE = "role"  # every screen of the one role that shows it
    TEAM = "team"  # the screens of one participant team
    PERSON = "person"  # one person's screens (an expert's queue by their competences, a juror's progress)


ItemsBuilder = Callable[[Read, Race, int, list[str]], dict[str, Any]]


@dataclass(frozen=True)
class Item:
    """A part of a region sent alone when only it changed, named `kind:...:id` ("card:idea:12", "row:3")."""

    kind: str
    template: str
    build: ItemsBuilder


@dataclass(frozen=True)
class Region:
    """One live region: the partial the page and the live frame share, its context, whom it is for."""

    name: str
    template: str
    build: Builder
    scope: Scope = Scope.ROLE
    # False when it also changes without a seq (who is online): rendered for each screen, kept by no cache.
    seq: bool = True
    # Its part sent alone when only that changed; left out of a frame that carries the whole region.
    item: Item | None = None
    # What a team's region shows when that depends on nothing of the team's own, else None: teams whose
    # region shows the same share one render.
    shared: Callable[[dict[str, Any]], Hashable | None] | None = None


def _board_state_shown(context: dict[str, Any]) -> Hashable:
    state: board.BoardState = context["board_state"]
    return (state.open, state.voting, state.budget, state.reason, tuple(sorted(state.params.items())))


def _requests_shown(context: dict[str, Any]) -> Hashable | None:
    return None if context["team_requests"] else ("none", context["requests_open"])


CARD = Item("card", "participant/_card_upsert.html", contexts.card_items)
COLUMN_REGIONS = tuple(f"col:{name.value}" for name in CardColumn)


def _top_cards(read: Read, race: Race, _scope: int, team_ids: list[int] | None = None) -> dict[str, Any]:
    return {"top_cards": favourites.top(read.session, race, team_ids), "top_shown": race.top_cards_shown}


def _top_cards_of(read: Read, race: Race, scope: int, items: list[str]) -> dict[str, Any]:
    return _top_cards(read, race, scope, contexts.item_team_ids(items))


_DECLARED = (
    Region("clock", "_clock.html", lambda r, race, _: {"clock": phases.clock(r.session, race)}, Scope.RACE),
    Region(
        "announcement",
        "_announcement.html",
        lambda r, race, _: {"announcement": announcements.latest(r.session, race.id or 0)},
        Scope.RACE,
    ),
    Region("day", "_day.html", lambda r, race, _: {"day": schedule.day(r.session, race)}, Scope.RACE),
    Region(
        "teampick",
        "participant/_teampick.html",
        lambda r, race, _: {"team_views": teams.listing(r.session, race.id or 0)},
    ),
    Region(
        "team",
        "participant/_team.html",
        lambda r, race, team_id: {
            "team_view": teams.get_team(r.session, race.id or 0, team_id),
            "team_choice": teams.choice(r.session, race, team_id),
        },
        Scope.TEAM,
    ),
    Region(
        "board-state",
        "participant/_board_state.html",
        lambda r, race, team_id: {"board_state": contexts.board_state(r, race, team_id)},
        Scope.TEAM,
        shared=_board_state_shown,
    ),
    Region(
        "team-requests",
        "participant/_requests.html",
        lambda r, race, team_id: {
            "team_requests": contexts.team_requests(r, team_id),
            "requests_open": contexts.requests_open(r.session, race),
        },
        Scope.TEAM,
        shared=_requests_shown,
    ),
    *(
        Region(
            name, "participant/_column.html", contexts.column(name.partition(":")[2]), Scope.TEAM, item=CARD
        )
        for name in COLUMN_REGIONS
    ),
    Region(
        "agenda",
        "facilitator/_agenda.html",
        contexts.agenda_context,
    ),
    Region(
        "challenges",
        "facilitator/_challenges.html",
        contexts.challenges_context,
    ),
    Region(
        "announcements",
        "facilitator/_announcements.html",
        lambda r, race, _: {"announcements": announcements.history(r.session, race.id or 0)},
    ),
    Region(
        "fac-queue",
        "facilitator/_queue.html",
        lambda r, race, _: {
            "active_requests": experts.open_requests(r.session, race.id or 0),
            "expert_people": experts.experts(r.session, race.id or 0),
        },
    ),
    Region(
        "spotlight",
        "facilitator/_spotlight.html",
        contexts.spotlight_context,
    ),
    Region("prep", "facilitator/_prep.html", lambda r, race, _: {"intake": needs.summary(r.session, race)}),
    Region(
        "teams",
        "facilitator/_teams.html",
        contexts.overview_context,
        seq=False,
        item=Item(
            "row",
            "facilitator/_overview_rows.html",
            lambda r, race, _, items: contexts.overview_context(r, race, _, contexts.item_team_ids(items)),
        ),
    ),
    # A join or a team choice changes a team or two, the people in no team and the move form: sent alone.
    Region(
        "roster",
        "facilitator/_roster.html",
        contexts.roster_context,
        item=Item("rost", "facilitator/_roster_items.html", contexts.roster_items),
    ),
    Region("team-choice", "facilitator/_team_choice.html", contexts.team_choice_context),
    Region(
        "feed",
        "facilitator/_feed.html",
        lambda r, race, _: {"feed": contexts.newest(r.session, race, contexts.FEED_CARDS)},
    ),
    Region("jury", "facilitator/_jury.html", lambda r, race, _: scoreboard.jury_context(r.session, race)),
    # A vote changes one team's entry: it is sent alone.
    Region(
        "top-cards",
        "facilitator/_top_cards.html",
        _top_cards,
        item=Item("fav", "facilitator/_top_items.html", _top_cards_of),
    ),
    Region(
        "wall-top", "wall/_top.html", _top_cards, item=Item("toptile", "wall/_top_tiles.html", _top_cards_of)
    ),
    Region(
        "wall-ranking",
        "wall/_ranking.html",
        lambda r, race, _: {"jury_results": scoreboard.results(r.session, race)},
    ),
    Region(
        "wall-teams",
        "wall/_teams.html",
        contexts.wall_teams,
        item=Item(
            "tile",
            "wall/_tiles.html",
            lambda r, race, _, items: contexts.wall_teams(r, race, _, contexts.item_team_ids(items)),
        ),
    ),
    Region(
        "wall-cards",
        "wall/_cards.html",
        lambda r, race, _: {"feed": contexts.newest(r.session, race, contexts.WALL_CARDS)},
    ),
    Region(
        "wall-queue",
        "wall/_queue.html",
        lambda r, race, _: {
            "active_requests": experts.open_requests(r.session, race.id or 0),
            "median_wait": experts.median_wait_ms(r.session, race.id or 0),
        },
    ),
    Region(
        "wall-spotlight",
        "wall/_spotlight.html",
        contexts.spotlight_context,
    ),
    # Organisers: the planned start and the gallery walk (the team's own board is never in its gallery).
    Region("planned-start", "facilitator/_planned.html", lambda r, race, _: {}),
    Region(
        "gallery-control",
        "facilitator/_gallery.html",
        lambda r, race, _: {"gallery_open": gallery.is_open(race), "clock": phases.clock(r.session, race)},
    ),
    Region(
        "gallery",
        "participant/_gallery.html",
        lambda r, race, team_id: {
            "gallery_open": gallery.is_open(race),
            "gallery_teams": [
                view for view in teams.listing(r.session, race.id or 0) if view.team.id != team_id
            ]
            if gallery.is_open(race)
            else [],
        },
        Scope.TEAM,
        shared=lambda context: None if context["gallery_open"] else ("closed",),
    ),
    # A replaced code reaches the screens that show it at once.
    Region(
        "codes", "facilitator/_codes.html", lambda r, race, _: {"codes": races.codes(r.session, race.id or 0)}
    ),
    Region(
        "wall-join",
        "wall/_join.html",
        lambda r, race, _: {"participant_code": races.codes(r.session, race.id or 0)[Role.PARTICIPANT]},
    ),
    Region(
        "requests",
        "expert/_requests.html",
        lambda r, race, expert_id: {"queue": experts.queue(r.session, race.id or 0, expert_id)},
        Scope.PERSON,
    ),
    Region(
        "my-requests",
        "expert/_mine.html",
        lambda r, race, expert_id: {
            "mine": experts.claimed_by(r.session, expert_id),
            "history": experts.history(r.session, expert_id),
        },
        Scope.PERSON,
    ),
    Region(
        "jury-mine",
        "jury/_progress.html",
        lambda r, race, juror_id: {"juror_teams": scoreboard.juror_teams(r.session, race, juror_id)},
        Scope.PERSON,
    ),
)
REGIONS = {region.name: region for region in _DECLARED}

ITEMS = {region.item.kind: region.item for region in _DECLARED if region.item is not None}
# item kind -> its region, or None when the board's columns share it: a card's item names its column.
ITEM_KINDS = {
    kind: None if len(names) > 1 else names[0]
    for kind in ITEMS
    if (names := [region.name for region in _DECLARED if region.item is ITEMS[kind]])
}
_SCOPED = frozenset(region.name for region in _DECLARED if region.scope in (Scope.TEAM, Scope.PERSON))
_UNSEEN = frozenset(region.name for region in _DECLARED if not region.seq)
_SCOPED_ITEMS = tuple({f"{r.item.kind}:": 1 for r in _DECLARED if r.item is not None and r.name in _SCOPED})
_UNSEEN_ITEMS = tuple({f"{r.item.kind}:": 1 for r in _DECLARED if r.item is not None and r.name in _UNSEEN})


def card_item(column: str, card_id: int) -> str:
    """Return the item of one card in its column."""
    return f"{CARD.kind}:{column}:{card_id}"


def item_region(item: str) -> str | None:
    """Return the region an item belongs to, or None when `item` is a whole region."""
    kind, _, rest = item.partition(":")
    if kind not in ITEM_KINDS:
        return None
    return ITEM_KINDS[kind] or f"col:{rest.partition(':')[0]}"


def is_scoped(region: str) -> bool:
    """Return True when a region or item is rendered per team or person, not once per role."""
    return region in _SCOPED or region.startswith(_SCOPED_ITEMS)


def changes_unseen(region: str) -> bool:
    """Return True for a region or item that changes without a seq too (who is online)."""
    return region in _UNSEEN or region.startswith(_UNSEEN_ITEMS)


def is_own(region: str) -> bool:
    """Return True for what is rendered for each screen: a team's or a person's, or what changes unseen."""
    return is_scoped(region) or changes_unseen(region)


def scope_id(aud: Audience, region: str) -> int:
    """Return the team or person a region or item is rendered for on an audience's screens (NO_TEAM: none)."""
    if not is_scoped(region):
        return NO_TEAM
    found = REGIONS.get(region) or REGIONS[item_region(region) or region]
    return aud.person_id if found.scope is Scope.PERSON else aud.team_id
