"""What each screen shows live: its regions, which events touch them, and their rendering."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app import i18n, settings
from app.control import (
    AGENDA_EDITS,
    ROSTER_EDITS,
    challenges_context,
    overview_context,
    roster_changes,
    roster_context,
)
from app.db import Database, rendering
from app.models import CardColumn, Event, Phase, Race, Role, Team
from app.services import (
    announcements,
    board,
    cards,
    events,
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
from app.templating import render

NO_TEAM = 0
COLUMN_REGIONS = tuple(f"col:{name.value}" for name in CardColumn)
# Regions that differ between participant teams.
TEAM_REGIONS = frozenset({"team", "board-state", *COLUMN_REGIONS})
CARD_CHANGES = frozenset({"card.edited", "card.moved", "card.removed"})
BOARD_CHANGES = frozenset({"vote.cast", "vote.withdrawn", "comment.added"})
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


def audience(role: str, team_id: int | None, lang: str, person_id: int = NO_TEAM) -> Audience:
    """Return the audience of a person on their screen; an expert's queue is their own, so they are one."""
    team = (team_id or NO_TEAM) if role == Role.PARTICIPANT else NO_TEAM
    if role == Role.EXPERT:
        team = person_id
    return Audience(role, team, i18n.pick(lang))


# Regions rendered per team (participants) or per person (experts), not once per role.
SCOPED_REGIONS = frozenset({"team", "team-requests", "requests", "my-requests", *COLUMN_REGIONS})


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

    def regions(self, aud: Audience) -> list[str]:
        """Return the touched regions an audience shows, in page order."""
        touched = self.everyone | self.by_role.get(aud.role, set())
        if aud.role == Role.PARTICIPANT:
            touched |= self.by_team.get(aud.team_id, set())
        if aud.role == Role.EXPERT:
            touched |= self.by_person.get(aud.team_id, set())
        return [region for region in screen_regions(aud) if region in touched]


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
            # Whether the team may call an expert now is shown with its requests.
            result.add_role(Role.PARTICIPANT, "team-requests")
            result.add_role(Role.PARTICIPANT, "board-state")
        elif kind == "card.added":
            result.add_team(event.team_id, f"col:{event.data['column']}")
            result.add_role(Role.FACILITATOR, "feed", "teams")
            result.add_role(Role.WALL, "wall-cards", "wall-teams")
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
            result.add_role(Role.WALL, "wall-cards", "wall-teams")
        elif kind in BOARD_CHANGES:
            result.add_team(event.team_id, f"col:{event.data['column']}")
        elif kind.startswith("request."):
            _request_changes(result, event)
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
            result.add_role(Role.FACILITATOR, "teams")
        if kind in ("team.joined", "person.joined"):
            result.add_role(Role.FACILITATOR, "roster")
        if kind in JURY_CHANGES or kind in ("team.added", "team.updated"):
            # The jury's progress (never a value before the reveal) and, once revealed, the ranking.
            result.add_role(Role.FACILITATOR, "jury")
            result.add_role(Role.WALL, "wall-ranking")
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


def _wall_teams(session: Session, race: Race, _team: int) -> dict[str, Any]:
    return {
        "team_views": teams.listing(session, race.id or 0),
        "card_counts": cards.counts(session, race.id or 0),
        "newest_by_team": cards.newest_by_team(session, race.id or 0, 200),
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
        lambda session, race, _team: {"feed": cards.newest(session, race.id or 0)},
    ),
    "wall-teams": ("wall/_teams.html", _wall_teams),
    "jury": ("facilitator/_jury.html", lambda session, race, _team: scoreboard.jury_context(session, race)),
    "wall-ranking": (
        "wall/_ranking.html",
        lambda session, race, _team: {"jury_results": scoreboard.results(session, race)},
    ),
    "wall-cards": (
        "wall/_cards.html",
        lambda session, race, _team: {"feed": cards.newest(session, race.id or 0, 8)},
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


def _prepare(session: Session, race: Race, team_regions: dict[int, list[str]]) -> None:
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


def _render_regions(
    session: Session, race: Race, aud: Audience, regions: list[str], cache: dict[tuple[str, object, str], str]
) -> str:
    parts = []
    for region in regions:
        team_scope = aud.team_id if region in TEAM_REGIONS or region in SCOPED_REGIONS else NO_TEAM
        cache_key = (region, team_scope, aud.lang)
        if cache_key not in cache:
            template, build = REGIONS[region]
            context = build(session, race, aud.team_id)
            # Teams whose region has the same content (the phase's, none of their own) share one render.
            shared = _shared_content(region, context)
            shared_key = (region, shared, aud.lang)
            if shared is not None and shared_key in cache:
                cache[cache_key] = cache[shared_key]
            else:
                with i18n.language(aud.lang):
                    cache[cache_key] = render(template, race=race, oob=True, **context)
                if shared is not None:
                    cache[shared_key] = cache[cache_key]
        parts.append(cache[cache_key])
    return "".join(parts)


def _shared_content(region: str, context: dict[str, Any]) -> tuple[object, ...] | None:
    """Return what a team's region shows when that depends on nothing of the team's own; else None."""
    if region == "board-state":
        state: board.BoardState = context["board_state"]
        return (state.open, state.voting, state.budget, state.reason, tuple(sorted(state.params.items())))
    if region == "team-requests" and not context["team_requests"]:
        return ("none", context["requests_open"])
    return None


def frame(seq: int, body: str) -> str:
    """Prefix rendered fragments with the seq they reflect, for the screen's resume point."""
    return f"<!--seq {seq}-->\n{body}"


class SnapshotCache:
    """Recent snapshots by (race, audience, seq): a reconnect storm renders each screen kind once."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, str, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str, int]) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: tuple[str, int, str, int], text: str) -> None:
        with self._lock:
            self._items[key] = text
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_snapshots = SnapshotCache()


class RaceRegions:
    """Race-wide regions rendered at a recent seq, shared by every screen's snapshot at that seq."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, int], dict[tuple[str, object, str], str]] = OrderedDict()
        self._lock = threading.Lock()

    def at(self, key: tuple[str, int, int]) -> dict[tuple[str, object, str], str]:
        """Return the regions rendered at (database, race, seq), to read and to add to."""
        with self._lock:
            found = self._items.setdefault(key, {})
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return found


_race_regions = RaceRegions()


def snapshot(db: Database, race_id: int, audience_key: str) -> tuple[int, str]:
    """Render every live region of a screen as it stands."""
    aud = Audience.parse(audience_key)
    # The facilitators' overview shows who is online, which changes without a seq: never cached.
    cacheable = aud.role != Role.FACILITATOR
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        assert race is not None
        # Keyed by database too: race ids repeat across databases (each test has its own).
        cached = _snapshots.get((db.url, race_id, audience_key, race.seq)) if cacheable else None
        if cached is not None:
            return race.seq, cached
        if aud.role == Role.PARTICIPANT and aud.team_id:
            # All seven columns: one query for the board and its votes and comments, not one per column.
            columns = cards.board(session, aud.team_id)
            every = [view for views in columns.values() for view in views]
            session.info["team_board"] = {aud.team_id: (columns, board.extras(session, every))}
        # A storm of reconnects renders each race-wide region once per seq; who is online is always fresh.
        shared, own = _race_regions.at((db.url, race_id, race.seq)), {}
        parts = [
            _render_regions(
                session,
                race,
                aud,
                [region],
                own if region in TEAM_REGIONS or region in SCOPED_REGIONS or region == "teams" else shared,
            )
            for region in screen_regions(aud)
        ]
        body = frame(race.seq, "".join(parts))
    if cacheable:
        _snapshots.put((db.url, race_id, audience_key, race.seq), body)
    return race.seq, body


def catch_up(
    db: Database, race_id: int, audience_key: str, since: int | None
) -> tuple[int, list[tuple[int, str]]]:
    """Return what brings a screen from `since` to now: the touched regions, or a snapshot for a big gap."""
    if since is not None:
        with db.read() as session:
            rendering(session)
            race = session.get(Race, race_id)
            assert race is not None
            if since == race.seq:
                return race.seq, []
            if 0 <= race.seq - since <= settings.LIVE_REPLAY_MAX_EVENTS:
                aud = Audience.parse(audience_key)
                regions = changes(events.since(session, race_id, since)).regions(aud)
                body = _render_regions(session, race, aud, regions, {}) if regions else ""
                return race.seq, [(race.seq, frame(race.seq, body))] if body else []
    seq, text = snapshot(db, race_id, audience_key)
    return seq, [(seq, text)]


def render_changes(
    db: Database, race_id: int, after_seq: int, audience_keys: frozenset[str]
) -> tuple[int, dict[str, str], set[int]]:
    """Render, once per audience, the regions touched by the events after a seq; say whose sessions ended."""
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        assert race is not None
        touched = changes(events.since(session, race_id, after_seq))
        cache: dict[tuple[str, object, str], str] = {}
        frames: dict[str, str] = {}
        wanted = {Audience.parse(key): touched.regions(Audience.parse(key)) for key in audience_keys}
        teams = {
            aud.team_id: regions
            for aud, regions in wanted.items()
            if aud.role == Role.PARTICIPANT and regions
        }
        _prepare(session, race, teams)
        for aud, regions in wanted.items():
            if regions:
                frames[aud.key] = frame(race.seq, _render_regions(session, race, aud, regions, cache))
        return race.seq, frames, touched.ended


# Marks a frame that carries who is online and no seq (screens swap it like any other).
PRESENCE_MARK = "<!--presence-->\n"


def render_presence(db: Database, race_id: int, audience_keys: frozenset[str]) -> dict[str, str]:
    """Render the facilitators' overview (who is online) for the facilitator audiences present."""
    wanted = [key for key in audience_keys if Audience.parse(key).role == Role.FACILITATOR]
    if not wanted:
        return {}
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        if race is None:
            return {}
        cache: dict[tuple[str, object, str], str] = {}
        return {
            key: PRESENCE_MARK + _render_regions(session, race, Audience.parse(key), ["teams"], cache)
            for key in wanted
        }
