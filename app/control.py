"""The facilitator's control regions: their context, and which roster edits touch which screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.models import CardColumn, Event, Race, Role
from app.presence import registry as presence
from app.services import cards, races, roster, teams

if TYPE_CHECKING:
    from app.screens import Changes

COLUMN_REGIONS = tuple(f"col:{name.value}" for name in CardColumn)
AGENDA_EDITS = frozenset({"phase.added", "phase.removed", "phase.moved", "phase.updated"})
ROSTER_EDITS = frozenset(
    {"challenge.added", "challenge.updated", "team.added", "team.updated", "person.moved"}
    | {"board.locked", "board.unlocked"}
)


def roster_changes(result: Changes, event: Event) -> None:
    """Map a roster edit to its regions: the teams concerned, the wall's tiles, the facilitators."""
    kind = event.kind
    result.add_role(Role.FACILITATOR, "roster", "teams")
    if kind.startswith("challenge."):
        result.add_role(Role.FACILITATOR, "challenges")
        for team_id in event.data.get("teams", []):
            result.add_team(team_id, "team")
    if kind.startswith("board."):
        result.add_team(event.team_id, "team")
        return
    if kind in ("team.added", "team.updated", "person.moved") or event.data.get("teams"):
        result.add_role(Role.PARTICIPANT, "teampick")
        result.add_role(Role.WALL, "wall-teams")
    if kind == "team.updated":
        result.add_team(event.team_id, "team")
    elif kind == "person.moved":
        # The person's screens reload; a screen that was away catches up on the whole new board.
        if event.data.get("team"):
            result.add_team(event.data["team"], "team", *COLUMN_REGIONS)
        if event.data.get("previous"):
            result.add_team(event.data["previous"], "team")


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
