"""Each screen's live regions in page order, and what a page (or an answer that refreshes some) renders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app import memo
from app.db import Database
from app.models import Race, Role
from app.screens.audiences import Audience, audience
from app.screens.contexts import Read
from app.screens.regions import COLUMN_REGIONS, REGIONS, changes_unseen, scope_id
from app.services import board, cards, profiles, races, votes
from app.services.people import Viewer

# Each screen's live regions, in page order. A participant in no team yet has the team picker instead.
_EVERY_SCREEN = ("clock", "announcement", "day")
SCREENS: dict[str, tuple[str, ...]] = {
    Role.PARTICIPANT: (*_EVERY_SCREEN, "team", "gallery", "board-state", "team-requests", *COLUMN_REGIONS),
    Role.FACILITATOR: (
        *_EVERY_SCREEN,
        *(
            "planned-start",
            "agenda",
            "gallery-control",
            "challenges",
            "announcements",
            "fac-queue",
            "spotlight",
        ),
        *("jury", "codes", "prep", "teams", "team-choice", "roster", "feed", "top-cards"),
    ),
    Role.WALL: (
        *_EVERY_SCREEN,
        *(
            "wall-ranking",
            "wall-top",
            "wall-teams",
            "wall-join",
            "wall-cards",
            "wall-queue",
            "wall-spotlight",
        ),
    ),
    Role.EXPERT: (*_EVERY_SCREEN, "requests", "my-requests"),
    Role.JURY: (*_EVERY_SCREEN, "jury-mine"),
}
TEAMLESS_SCREEN = (*_EVERY_SCREEN, "teampick")


def screen_regions(aud: Audience) -> tuple[str, ...]:
    """Return every live region of a screen, in page order."""
    if aud.role == Role.PARTICIPANT and not aud.team_id:
        return TEAMLESS_SCREEN
    return SCREENS.get(aud.role, _EVERY_SCREEN)


def roles_showing(region: str) -> tuple[str, ...]:
    """Return the roles whose screens show a region."""
    return _ROLES[region]


_ROLES = {
    name: tuple(
        role
        for role in Role
        if name in SCREENS.get(role, ()) or (role == Role.PARTICIPANT and name in TEAMLESS_SCREEN)
    )
    for name in REGIONS
}


def cacheable(aud: Audience) -> bool:
    """Return True when a screen's snapshot may be kept: none of its regions changes without a seq."""
    return not any(changes_unseen(region) for region in screen_regions(aud))


def region_context(read: Read, race: Race, aud: Audience, regions: Iterable[str]) -> dict[str, Any]:
    """Return the merged context the page needs to render these regions."""
    context: dict[str, Any] = {"race": race}
    for name in regions:
        if name not in COLUMN_REGIONS:  # the page's board is loaded whole, below
            context.update(REGIONS[name].build(read, race, scope_id(aud, name)))
    if aud.role == Role.PARTICIPANT and aud.team_id:
        context["board"] = cards.board(read.session, aud.team_id)
        context["extras"] = board.extras(
            read.session, [v for views in context["board"].values() for v in views]
        )
    return context


def regions_context(db: Database, viewer: Viewer, regions: Iterable[str]) -> dict[str, Any]:
    """Return what some of the viewer's regions render from, for an answer that refreshes them."""
    aud = audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id)
    with db.read() as session, memo.render_scope():
        race = races.get_race(session, viewer.slug)
        return region_context(Read(session), race, aud, regions)


def screen_context(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return everything a person's screen renders on first load."""
    aud = audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id)
    with db.read() as session, memo.render_scope():
        race = races.get_race(session, viewer.slug)
        context = region_context(Read(session), race, aud, screen_regions(aud))
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
