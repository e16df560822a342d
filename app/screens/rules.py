"""Which regions each kind of event touches: a table from kind to rule, and what a run of events touched.

Every kind in `app/kinds.py` is either in `RULES` or in `SILENT` (tests/test_rules.py checks it); a rule names
regions, and the screens that show them follow from `app/screens/regions.py`. docs/architecture.md says how
to add a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.kinds import Kind
from app.models import Event, Role
from app.screens.audiences import Audience
from app.screens.pages import roles_showing, screen_regions
from app.screens.regions import COLUMN_REGIONS, Scope, card_item, item_region

# Where touched regions are kept: for every screen of a role, or for one team's or one person's screens.
Bucket = tuple[str | Scope, int | None]


@dataclass
class Changes:
    """The regions and items a run of events touched, by whose screens they are for; whose sessions ended."""

    touched: dict[Bucket, set[str]] = field(default_factory=dict)
    # People whose sessions ended (signed out, erased): every process closes their sockets.
    ended: set[int] = field(default_factory=set)
    # People who changed team: their sockets watch the old team's audience, so every process closes them too
    # (the screens load the new team); no frame rendered after the move reaches them.
    moved: set[int] = field(default_factory=set)

    def touch(self, *regions: str) -> None:
        """Mark regions or items touched for every screen that shows them."""
        for region in regions:
            for role in roles_showing(item_region(region) or region):
                self.touched.setdefault((role, None), set()).add(region)

    def touch_team(self, team_id: int | None, *regions: str) -> None:
        """Mark a team's own regions or items touched for that team's screens (none for no team)."""
        if team_id:
            self.touched.setdefault((Scope.TEAM, team_id), set()).update(regions)

    def touch_person(self, person_id: int | None, *regions: str) -> None:
        """Mark a person's own regions touched for that person's screens (none for nobody)."""
        if person_id:
            self.touched.setdefault((Scope.PERSON, person_id), set()).update(regions)

    def touches(self, aud: Audience) -> bool:
        """Return False when nothing touched is for this audience (then `regions` is empty), cheaply."""
        return any(self.touched.get(bucket) for bucket in _buckets(aud))

    def regions(self, aud: Audience) -> list[str]:
        """Return the touched regions an audience shows, in page order, then the items of others."""
        touched: set[str] = set()
        for bucket in _buckets(aud):
            touched |= self.touched.get(bucket, set())
        shown = screen_regions(aud)
        whole = [region for region in shown if region in touched]
        items = [item for item in touched if item_region(item) in shown and item_region(item) not in whole]
        return whole + sorted(items, key=_item_order)


def _buckets(aud: Audience) -> tuple[Bucket, Bucket, Bucket]:
    """Return where what touches an audience is kept: `touches` and `regions` both read these alone."""
    return (aud.role, None), (Scope.TEAM, aud.team_id), (Scope.PERSON, aud.person_id)


def _item_order(item: str) -> tuple[str, int]:
    head, _, number = item.rpartition(":")
    return head, int(number)


# The data-dependent parts of rules, each given the run's changes and one event.
More = Callable[[Changes, Event], None]


@dataclass(frozen=True)
class Rule:
    """What one kind of event touches: regions wherever shown, its team's own, and what its data names."""

    everyone: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    more: tuple[More, ...] = ()


def _the_card(result: Changes, event: Event) -> None:
    """Send the one card (a new card, a vote, a comment) to its team."""
    result.touch_team(event.team_id, card_item(event.data["column"], event.data["card"]))


def _its_columns(result: Changes, event: Event) -> None:
    """Send the columns an edit, move or removal changed whole (a card left one)."""
    result.touch_team(event.team_id, *(f"col:{name}" for name in event.data["columns"]))


def _the_tile(result: Changes, event: Event) -> None:
    """Send the team's tile on the wall (its count and newest card)."""
    result.touch(f"tile:{event.team_id}")


def _the_row(result: Changes, event: Event) -> None:
    """Send the team's row of the facilitators' overview, which counts its activity."""
    result.touch(f"row:{event.team_id}" if event.team_id else "teams")


def _the_favourites(result: Changes, event: Event) -> None:
    """Send the team's cards with the most votes, on the control screen and (when it shows them) the wall."""
    result.touch(f"fav:{event.team_id}", f"toptile:{event.team_id}")


def _joined_roster(result: Changes, event: Event) -> None:
    """A participant joins the people in no team; a join from a device someone else of the race used marks
    both in the roster, wherever they are."""
    if event.data.get("shared"):
        result.touch("roster")
    elif event.data.get("role") == Role.PARTICIPANT:
        result.touch("rost:free:0", "rost:move:0")


def _chosen_team(result: Changes, event: Event) -> None:
    """A team choice changes the team's and the one left's entries in the roster, overview and wall."""
    previous = event.data.get("previous")
    for team_id in (event.team_id, previous):
        if team_id:
            result.touch(f"rost:team:{team_id}", f"row:{team_id}", f"tile:{team_id}")
    result.touch("rost:move:0")
    if not previous:
        result.touch("rost:free:0")


def _open_phase_settings(result: Changes, event: Event) -> None:
    """An agenda edit of the open phase may open or close the board or the voting, and moves the clock."""
    if event.data.get("clock"):
        result.touch("clock", "board-state")


def _challenge_teams(result: Changes, event: Event) -> None:
    """A challenge's teams show it, and so do the team picker and the wall's tiles."""
    for team_id in event.data.get("teams", []):
        result.touch_team(team_id, "team")
    if event.data.get("teams"):
        result.touch("teampick", "wall-teams")


def _moved(result: Changes, event: Event) -> None:
    """The person's screens close and load again; a screen that was away catches up on the whole new board."""
    result.moved.add(int(event.data["person"]))
    if event.data.get("team"):
        result.touch_team(event.data["team"], "team", *COLUMN_REGIONS)
    if event.data.get("previous"):
        result.touch_team(event.data["previous"], "team")


def _listed_boards(result: Changes, event: Event) -> None:
    """Every board locked or opened at once: each team it changed sees its forms close or open, live."""
    for team_id in event.data.get("teams", []):
        result.touch_team(team_id, "team", "board-state", *COLUMN_REGIONS)


def _previous_team(result: Changes, event: Event) -> None:
    """The team a participant left lists them no more; their screens close and load the new team."""
    result.touch_team(event.data.get("previous"), "team")
    if event.person_id:
        result.moved.add(event.person_id)


def _rejoined_juror(result: Changes, event: Event) -> None:
    """A juror back under another name shows so in the jury's progress."""
    if event.data.get("role") == Role.JURY:
        result.touch("jury")


def _juror_joined(result: Changes, event: Event) -> None:
    """A new juror counts in the jury's progress."""
    if event.data.get("role") == Role.JURY:
        result.touch("jury")


def _request_experts(result: Changes, event: Event) -> None:
    """The expert who has the request, and the one it was taken from, see it in their own list."""
    result.touch_person(event.data.get("expert"), "my-requests")
    result.touch_person(event.data.get("previous"), "my-requests")


def _experts_queue(result: Changes, event: Event) -> None:
    """An expert's competences decide their queue's order."""
    result.touch_person(event.person_id, "requests")


def _spotlit(result: Changes, event: Event) -> None:
    """The spotlight shows the card's text: it follows an edit or move, and a removal takes it off."""
    if event.data.get("spotlit"):
        result.touch("spotlight", "wall-spotlight")


def _locked_at_timeup(result: Changes, event: Event) -> None:
    """A phase that locks the boards at time-up closes every team's forms."""
    if event.data.get("locked"):
        result.touch("board-state")


def _signed_out(result: Changes, event: Event) -> None:
    if event.person_id:
        result.ended.add(event.person_id)


def _erased(result: Changes, event: Event) -> None:
    result.ended.add(int(event.data["person"]))


def _rules(kinds: Iterable[Kind], rule: Rule) -> dict[str, Rule]:
    return dict.fromkeys(kinds, rule)


# Jury progress (never a value before the reveal) and, once revealed, the ranking; each juror's own progress
# counts only the teams they may score. A change of a team's company or members may give a juror a stake in
# it, so which scores count changes too.
_JURY = ("jury", "wall-ranking", "jury-mine")
# Whether a team's members may change team: their team's head and the facilitators' switch.
_TEAM_CHOICE = ("team", "team-choice")
# The open phase stays open through a pause (a paused phase is open): boards and requests look the same.
# The day's times follow the clock.
_CLOCK = ("clock", "agenda", "day")
# Each team's cards with the most votes, on the control screen and (when chosen) the wall.
_TOP = ("top-cards", "wall-top")
# The facilitators' planned start and gallery walk follow the phase.
_ORGANISED = ("planned-start", "gallery-control")

RULES: dict[str, Rule] = {
    **_rules(
        (Kind.PHASE_ADDED, Kind.PHASE_UPDATED, Kind.PHASE_MOVED, Kind.PHASE_REMOVED),
        Rule(("agenda", "day"), more=(_open_phase_settings,)),
    ),
    # Whether the team may call an expert now is shown with its requests; the first start closes team choice
    # (and undoing it opens it again); a new phase ends the wait for a planned start (an open gallery closes
    # with an event of its own).
    **_rules(
        (Kind.PHASE_STARTED, Kind.PHASE_UNDONE),
        Rule((*_CLOCK, "team-requests", "board-state", *_TEAM_CHOICE, *_ORGANISED)),
    ),
    # Not the clock: each screen sees the time-up itself, and a new clock would reset its end signal.
    Kind.PHASE_TIMEUP: Rule(("agenda",), more=(_locked_at_timeup,)),
    Kind.PHASE_UNDO_EXPIRED: Rule(("agenda",)),
    # The end stops the clock and closes the boards, the votes, the requests (the claims) and team choice.
    **_rules(
        (Kind.RACE_ENDED, Kind.RACE_REOPENED),
        Rule((*_CLOCK, "team-requests", "board-state", "requests", *_TEAM_CHOICE)),
    ),
    **_rules((Kind.PHASE_PAUSED, Kind.PHASE_RESUMED, Kind.PHASE_EXTENDED), Rule(_CLOCK)),
    Kind.CHALLENGE_ADDED: Rule(("roster", "teams", "challenges"), more=(_challenge_teams,)),
    Kind.CHALLENGE_UPDATED: Rule(("roster", "teams", "challenges", *_JURY), more=(_challenge_teams,)),
    # A team's name and colour show in every member's list of teams to change to.
    Kind.TEAM_ADDED: Rule(("roster", "teams", "teampick", "wall-teams", "team", *_JURY, *_TOP)),
    Kind.TEAM_UPDATED: Rule(("roster", "teams", "teampick", "wall-teams", "team", *_JURY, *_TOP)),
    Kind.TEAM_JOINED: Rule(("teampick", *_JURY), ("team",), (_previous_team, _chosen_team)),
    # Where a team sits: its header, and where experts and facilitators look for it.
    Kind.TEAM_PLACED: Rule(("fac-queue", "roster", "requests", "my-requests"), team=("team",)),
    # Each move and new team has its own event; the summary refreshes the lists once more.
    Kind.TEAMS_APPLIED: Rule(("teams", "roster", "teampick", "wall-teams", "team")),
    Kind.PERSON_MOVED: Rule(("roster", "teams", "teampick", "wall-teams", *_JURY), more=(_moved,)),
    **_rules((Kind.TEAM_CHOICE_OPENED, Kind.TEAM_CHOICE_CLOSED), Rule(_TEAM_CHOICE)),
    # The team's forms close or open, live.
    **_rules(
        (Kind.BOARD_LOCKED, Kind.BOARD_UNLOCKED),
        Rule(("roster", "teams"), team=("team", "board-state", *COLUMN_REGIONS)),
    ),
    **_rules((Kind.BOARDS_LOCKED, Kind.BOARDS_UNLOCKED), Rule(("roster", "teams"), more=(_listed_boards,))),
    # Not the overview: a new person is in no team's row; who is online follows the socket, not the join.
    Kind.PERSON_JOINED: Rule(more=(_juror_joined, _joined_roster)),
    # The same person again, perhaps by another name: where their name shows.
    Kind.PERSON_REJOINED: Rule(("teams", "roster"), ("team",), (_rejoined_juror,)),
    Kind.PERSON_LEFT: Rule(more=(_signed_out,)),
    Kind.PERSON_ERASED: Rule(
        ("teams", "feed", "wall-teams", "wall-cards", *_JURY, *_TOP), ("team",), (_erased,)
    ),
    Kind.PROFILE_UPDATED: Rule(("fac-queue",), more=(_experts_queue,)),
    Kind.CARD_ADDED: Rule(("feed", "wall-cards"), more=(_the_card, _the_tile, _the_row)),
    **_rules(
        (Kind.CARD_EDITED, Kind.CARD_MOVED, Kind.CARD_REMOVED),
        Rule(("feed", "wall-cards"), more=(_its_columns, _the_tile, _the_row, _spotlit, _the_favourites)),
    ),
    **_rules((Kind.VOTE_CAST, Kind.VOTE_WITHDRAWN), Rule(more=(_the_card, _the_row, _the_favourites))),
    Kind.COMMENT_ADDED: Rule(more=(_the_card,)),
    # Experts' queues list the open requests; the wall the open and claimed ones.
    **_rules(
        (Kind.REQUEST_OPENED, Kind.REQUEST_CLAIMED, Kind.REQUEST_ASSIGNED, Kind.REQUEST_CANCELLED),
        Rule(("fac-queue", "requests", "wall-queue"), ("team-requests",), (_request_experts, _the_row)),
    ),
    Kind.REQUEST_RESOLVED: Rule(
        ("fac-queue", "wall-queue"), ("team-requests",), (_request_experts, _the_row)
    ),
    **_rules(
        (Kind.REQUEST_NOTED, Kind.REQUEST_RATED),
        Rule(("fac-queue",), ("team-requests",), (_request_experts, _the_row)),
    ),
    **_rules((Kind.ANNOUNCEMENT_SENT, Kind.ANNOUNCEMENT_CLEARED), Rule(("announcement", "announcements"))),
    **_rules((Kind.SPOTLIGHT_SET, Kind.SPOTLIGHT_CLEARED), Rule(("spotlight", "wall-spotlight"))),
    **_rules((Kind.TOP_CARDS_SHOWN, Kind.TOP_CARDS_HIDDEN), Rule(_TOP)),
    **_rules(
        (Kind.INTAKE_OPENED, Kind.INTAKE_CLOSED, Kind.NEED_SUBMITTED, Kind.NEED_UPDATED),
        Rule(("prep",)),
    ),
    Kind.NEED_CONTACTS_REMOVED: Rule(("prep",)),
    # A need made a challenge: the facilitators' challenge list and team forms offer it.
    Kind.NEED_CHOSEN: Rule(("prep", "challenges", "roster")),
    **_rules(
        (Kind.CRITERIA_DEFAULTED, Kind.CRITERION_ADDED, Kind.CRITERION_UPDATED, Kind.CRITERION_MOVED),
        Rule(_JURY),
    ),
    **_rules(
        (Kind.CRITERION_REMOVED, Kind.JUROR_UPDATED, Kind.CONFLICT_ADDED, Kind.CONFLICT_REMOVED),
        Rule(_JURY),
    ),
    **_rules((Kind.SCORE_SAVED, Kind.SCORES_REVEALED, Kind.SCORES_HIDDEN), Rule(_JURY)),
    Kind.CODE_REPLACED: Rule(("codes", "wall-join")),
    Kind.RACE_PLANNED: Rule(("clock", "planned-start")),
    **_rules((Kind.GALLERY_OPENED, Kind.GALLERY_CLOSED), Rule(("gallery", "gallery-control"))),
}

# Kinds no live screen shows: the review and exports read them from the log.
SILENT = frozenset(
    {
        *(Kind.RACE_CREATED, Kind.RACE_PRIVACY, Kind.PERSON_EXPORTED, Kind.OUTCOME_RECORDED),
        *(Kind.RACE_ARCHIVED, Kind.RACE_UNARCHIVED),
    }
)


def changes(found: Iterable[Event]) -> Changes:
    """Work out which regions a run of events touched."""
    result = Changes()
    for event in found:
        rule = RULES.get(event.kind)
        if rule is None:
            continue  # silent, or a kind no longer recorded
        result.touch(*rule.everyone)
        if rule.team:
            result.touch_team(event.team_id, *rule.team)
        for more in rule.more:
            more(result, event)
    return result
