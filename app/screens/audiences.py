"""Who watches what: audiences, the regions each screen shows, and which events touch which regions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app import i18n
from app.control import (
    AGENDA_EDITS,
    ROSTER_EDITS,
    roster_changes,
)
from app.models import CardColumn, Event, Role

NO_TEAM = 0
COLUMN_REGIONS = tuple(f"col:{name.value}" for name in CardColumn)
# Regions that differ between participant teams.
TEAM_REGIONS = frozenset({"team", "board-state", *COLUMN_REGIONS})
CARD_CHANGES = frozenset({"card.edited", "card.moved", "card.removed"})
BOARD_CHANGES = frozenset({"vote.cast", "vote.withdrawn", "comment.added"})
# The open phase stays open through these (a paused phase is open): the boards and the expert requests, which
# follow the open phase, look the same. A pause costs the clock's and the agenda's renders, not every team's.
CLOCK_CHANGES = frozenset({"phase.paused", "phase.resumed", "phase.extended"})
JURY_CHANGES = frozenset(
    {"score.saved", "scores.revealed", "scores.hidden", "juror.updated", "criteria.defaulted"}
    | {"criterion.added", "criterion.updated", "criterion.moved", "criterion.removed"}
    | {"conflict.added", "conflict.removed"}
)


@dataclass(frozen=True)
class Audience:
    """Everyone who sees the same bytes: one role, one team (participants), one language."""

    role: str
    team_id: int
    lang: str

    @property
    def key(self) -> str:
        """Return the audience as the hub's text key."""
        return f"{self.role}:{self.team_id}:{self.lang}"

    @classmethod
    def parse(cls, key: str) -> Audience:
        """Read an audience back from its key."""
        role, team, lang = key.split(":")
        return cls(role, int(team), lang)


# Roles with regions of a person's own (an expert's queue, a juror's progress): each person is an audience.
PERSONAL_ROLES = frozenset({Role.EXPERT, Role.JURY})


def audience(role: str, team_id: int | None, lang: str, person_id: int = NO_TEAM) -> Audience:
    """Return the audience of a person on their screen; an expert or a juror is one of their own."""
    team = (team_id or NO_TEAM) if role == Role.PARTICIPANT else NO_TEAM
    if role in PERSONAL_ROLES:
        team = person_id
    return Audience(role, team, i18n.pick(lang))


# Regions rendered per team (participants) or per person (experts), not once per role.
SCOPED_REGIONS = frozenset({"team", "team-requests", "requests", "my-requests", "jury-mine", *COLUMN_REGIONS})

# Items: one part of a region, sent alone when only it changed ("card:idea:12" is card 12 in the idea column,
# "row:3" team 3's row of the facilitators' overview, "tile:3" its tile on the wall). A post then costs one
# card's render, not its column's or every team's. An item whose region is sent whole in the same frame is
# left out: the region has it.
ITEM_KINDS = {"card": None, "row": "teams", "tile": "wall-teams"}


def card_item(column: str, card_id: int) -> str:
    """Return the item of one card in its column."""
    return f"card:{column}:{card_id}"


def item_region(item: str) -> str | None:
    """Return the region an item belongs to, or None when `item` is a whole region."""
    kind, _, rest = item.partition(":")
    if kind not in ITEM_KINDS:
        return None
    return ITEM_KINDS[kind] or f"col:{rest.partition(':')[0]}"


def is_scoped(region: str) -> bool:
    """Return True when a region or item is rendered per team or person, not once per role."""
    return region in SCOPED_REGIONS or region.startswith("card:")


def screen_regions(aud: Audience) -> tuple[str, ...]:
    """Return every live region of a screen, in page order."""
    if aud.role == Role.PARTICIPANT:
        if aud.team_id:
            return ("clock", "announcement", "team", "board-state", "team-requests", *COLUMN_REGIONS)
        return ("clock", "announcement", "teampick")
    return {
        Role.FACILITATOR: (
            "clock",
            "announcement",
            "agenda",
            "challenges",
            "fac-queue",
            "spotlight",
            "prep",
            "teams",
            "roster",
            "feed",
            "jury",
        ),
        Role.WALL: (
            "clock",
            "announcement",
            "wall-ranking",
            "wall-teams",
            "wall-cards",
            "wall-queue",
            "wall-spotlight",
        ),
        Role.EXPERT: ("clock", "announcement", "requests", "my-requests"),
        Role.JURY: ("clock", "announcement", "jury-mine"),
    }.get(Role(aud.role), ("clock", "announcement"))


@dataclass
class Changes:
    """The regions a run of events touched: for everyone, per role, per participant team."""

    everyone: set[str] = field(default_factory=set)
    by_role: dict[str, set[str]] = field(default_factory=dict)
    by_team: dict[int, set[str]] = field(default_factory=dict)
    by_person: dict[int, set[str]] = field(default_factory=dict)
    # People whose sessions ended (signed out, erased): every process closes their sockets.
    ended: set[int] = field(default_factory=set)

    def add_role(self, role: str, *regions: str) -> None:
        self.by_role.setdefault(role, set()).update(regions)

    def add_team(self, team_id: int | None, *regions: str) -> None:
        self.by_team.setdefault(team_id or NO_TEAM, set()).update(regions)

    def add_person(self, person_id: int | None, *regions: str) -> None:
        if person_id:
            self.by_person.setdefault(person_id, set()).update(regions)

    def touches(self, aud: Audience) -> bool:
        """Return False when nothing touched is for this audience (then `regions` is empty), cheaply.

        A post touches one team of a hundred: a render passes over the others without working out regions.
        It looks at the same sets `regions` unites, for the same roles: keep the two in step.
        """
        if self.everyone or self.by_role.get(aud.role):
            return True
        if aud.role == Role.PARTICIPANT:
            return bool(self.by_team.get(aud.team_id))
        if aud.role in PERSONAL_ROLES:
            return bool(self.by_person.get(aud.team_id))
        return False

    def regions(self, aud: Audience) -> list[str]:
        """Return the touched regions an audience shows, in page order."""
        touched = self.everyone | self.by_role.get(aud.role, set())
        if aud.role == Role.PARTICIPANT:
            touched |= self.by_team.get(aud.team_id, set())
        if aud.role in PERSONAL_ROLES:
            touched |= self.by_person.get(aud.team_id, set())
        shown = screen_regions(aud)
        whole = [region for region in shown if region in touched]
        items = [item for item in touched if item_region(item) in shown and item_region(item) not in whole]
        return whole + sorted(items, key=_item_order)


def _item_order(item: str) -> tuple[str, int]:
    head, _, number = item.rpartition(":")
    return head, int(number)


def changes(found: Iterable[Event]) -> Changes:
    """Work out which regions a run of events touched."""
    result = Changes()
    for event in found:
        kind = event.kind
        if kind in AGENDA_EDITS:
            result.add_role(Role.FACILITATOR, "agenda")
            if event.data.get("clock"):
                result.everyone.add("clock")
                # The open phase's settings may have opened or closed the board or the voting.
                result.add_role(Role.PARTICIPANT, "board-state")
        elif kind in ROSTER_EDITS:
            roster_changes(result, event)
        elif kind.startswith("phase."):
            result.everyone.add("clock")
            result.add_role(Role.FACILITATOR, "agenda")
            if kind not in CLOCK_CHANGES:
                # Whether the team may call an expert now is shown with its requests.
                result.add_role(Role.PARTICIPANT, "team-requests")
                result.add_role(Role.PARTICIPANT, "board-state")
        elif kind == "card.added":
            result.add_team(event.team_id, card_item(event.data["column"], event.data["card"]))
            result.add_role(Role.FACILITATOR, "feed")
            result.add_role(Role.WALL, "wall-cards", f"tile:{event.team_id}")
        elif kind == "team.joined":
            result.add_team(event.team_id, "team")
            result.add_team(event.data.get("previous"), "team")
            result.add_role(Role.PARTICIPANT, "teampick")
            result.add_role(Role.FACILITATOR, "teams")
            result.add_role(Role.WALL, "wall-teams")
        elif kind == "person.joined":
            result.add_role(Role.FACILITATOR, "teams")
        elif kind == "teams.applied":
            # Each move and new team has its own event; the summary refreshes the lists once more.
            result.add_role(Role.FACILITATOR, "teams", "roster")
            result.add_role(Role.PARTICIPANT, "teampick")
            result.add_role(Role.WALL, "wall-teams")
        elif kind in CARD_CHANGES:
            result.add_team(event.team_id, *(f"col:{name}" for name in event.data["columns"]))
            result.add_role(Role.FACILITATOR, "feed")
            result.add_role(Role.WALL, "wall-cards", f"tile:{event.team_id}")
        elif kind in BOARD_CHANGES:
            result.add_team(event.team_id, card_item(event.data["column"], event.data["card"]))
        elif kind.startswith("request."):
            _request_changes(result, event)
        elif kind == "team.placed":
            # Where a team sits: its header, and where experts and facilitators look for it.
            result.add_team(event.team_id, "team")
            result.add_role(Role.FACILITATOR, "fac-queue", "roster")
            result.add_role(Role.EXPERT, "requests", "my-requests")
        elif kind == "announcement.sent":
            result.everyone.add("announcement")
        elif kind.startswith("spotlight."):
            result.add_role(Role.FACILITATOR, "spotlight")
            result.add_role(Role.WALL, "wall-spotlight")
        elif kind == "profile.updated":
            # An expert's competences decide their queue's order; the facilitator assigns by them.
            result.add_person(event.person_id, "requests")
            result.add_role(Role.FACILITATOR, "fac-queue")
        elif kind.startswith(("need.", "intake.")):
            result.add_role(Role.FACILITATOR, "prep")
            if kind == "need.chosen":
                # A need made a challenge: the facilitators' challenge list and team forms offer it.
                result.add_role(Role.FACILITATOR, "challenges", "roster")
        elif kind == "person.left" and event.person_id:
            result.ended.add(event.person_id)
        elif kind == "person.erased":
            result.ended.add(int(event.data["person"]))
            result.add_team(event.team_id, "team")
            result.add_role(Role.FACILITATOR, "teams", "feed")
            result.add_role(Role.WALL, "wall-teams", "wall-cards")
        if kind.startswith(("card.", "vote.", "request.")):
            # Activity on a team's board or in its requests: the facilitator's overview counts it.
            result.add_role(Role.FACILITATOR, f"row:{event.team_id}" if event.team_id else "teams")
        if kind in ("team.joined", "person.joined"):
            result.add_role(Role.FACILITATOR, "roster")
        if kind in JURY_CHANGES or kind in ("team.added", "team.updated"):
            # The jury's progress (never a value before the reveal) and, once revealed, the ranking.
            result.add_role(Role.FACILITATOR, "jury")
            result.add_role(Role.WALL, "wall-ranking")
            # Each juror's own progress counts only the teams they may score, which these can change.
            result.add_role(Role.JURY, "jury-mine")
        elif kind == "person.joined" and event.data.get("role") == Role.JURY:
            result.add_role(Role.FACILITATOR, "jury")
        if kind in ("board.locked", "board.unlocked"):
            # The team's forms close or open, live (the roster mapping above updates the rest).
            result.add_team(event.team_id, "board-state", *COLUMN_REGIONS)
    return result


def _request_changes(result: Changes, event: Event) -> None:
    """Mark what one request event touched: the team, the queue's watchers, the expert who has it."""
    result.add_team(event.team_id, "team-requests")
    result.add_role(Role.FACILITATOR, "fac-queue")
    result.add_person(event.data.get("expert"), "my-requests")
    result.add_person(event.data.get("previous"), "my-requests")
    if event.kind in ("request.opened", "request.claimed", "request.assigned", "request.cancelled"):
        result.add_role(Role.EXPERT, "requests")
    if event.kind not in ("request.noted", "request.rated"):
        # The wall lists the open and claimed requests: a resolved one leaves it.
        result.add_role(Role.WALL, "wall-queue")
