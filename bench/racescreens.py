"""The race harness's clients: a person (a keep-alive connection) and a screen that notes what it showed when.

A screen scans every frame for the race's tokens (unique words in names, titles and texts), a card's vote
count, and a request's status, and keeps the first time it saw each; `bench/race.py` compares those times
with when each action was sent. Built on bench/poster.py and bench/fanout.py's lean clients: one process
holds every screen, so a full client's per-message cost would count in the latencies and leave the server less
of this machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field

from bench.fanout import Screen
from bench.poster import Answer, Poster

# A token: a word no template makes, numbered per run, put in a name, a title, a comment or a question.
TOKEN = re.compile(rb"zq\d+x\d+q")
CARD_VOTES = re.compile(rb'<li id="card-(\d+)" class="card".*?data-votes="(\d+)"', re.DOTALL)
CARD_ID = re.compile(rb'<li id="card-(\d+)" class="card"')
RESOLVED = re.compile(rb'id="team-request-(\d+)" class="request status-resolved"')
# An expert's queue: each open request and its question.
QUEUED = re.compile(rb'<li id="request-(\d+)".*?class="question">([^<]*)<', re.DOTALL)


class RaceScreen(Screen):
    """A screen that notes when it first saw each token, each vote count of a card, each resolved request."""

    def __init__(
        self, url: str, cookie: str, origin: str, role: str, team: int | None, news: asyncio.Event
    ) -> None:
        super().__init__(url, cookie, origin)
        # Set on every frame, for whoever waits for something to show.
        self.news = news
        self.role = role
        self.team = team
        self.synced_at: float | None = None
        self.seen: dict[bytes, float] = {}
        # (card, count) -> when the card first showed at least that many votes.
        self.votes: dict[tuple[int, int], float] = {}
        self.most: dict[int, int] = {}
        self.cards: set[int] = set()
        self.queued: dict[bytes, int] = {}
        self.reloads = 0
        self.reloaded = asyncio.Event()

    def received(self, message: bytes, now: float) -> None:
        if message.startswith(b"{"):
            said = json.loads(message)
            if said.get("type") == "synced":
                # When it first showed the race: what it must show is what was sent after that.
                self.synced_at = self.synced_at or now
                self.synced.set()
            elif said.get("type") == "reload":
                self.reloads += 1
                self.reloaded.set()
            return
        self.frames += 1
        self.news.set()
        for token in TOKEN.findall(message):
            self.seen.setdefault(token, now)
        if self.role == "participant":
            for card, count in CARD_VOTES.findall(message):
                self.cards.add(int(card))
                card_id, shown = int(card), int(count)
                for level in range(self.most.get(card_id, 0) + 1, shown + 1):
                    self.votes[(card_id, level)] = now
                self.most[card_id] = max(self.most.get(card_id, 0), shown)
            for request in RESOLVED.findall(message):
                self.seen.setdefault(b"resolved-" + request, now)
        elif self.role == "expert":
            for request, question in QUEUED.findall(message):
                for token in TOKEN.findall(question):
                    self.queued.setdefault(token, int(request))


@dataclass
class Person:
    """Someone in the race: their name's token, role, team, connection, cookies and screen."""

    token: str
    role: str
    team: int | None = None
    poster: Poster | None = None
    cookie: str = ""
    screen: RaceScreen | None = None
    written: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"Deltagare {self.token}" if self.role == "participant" else f"{self.role} {self.token}"


def cookies(answer: Answer) -> dict[str, str]:
    """Return the name=value of every cookie an answer sets."""
    found = {}
    for name, value in answer.headers:
        if name.lower() == b"set-cookie":
            pair = value.decode().split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


@dataclass
class Action:
    """One thing a person did: when it was sent and answered, and what it should show on which screens."""

    kind: str
    sent: float
    acked: float = 0.0
    status: int = 0
    ok: bool = False
    token: bytes | None = None
    vote: tuple[int, int] | None = None
    screens: list[RaceScreen] = field(default_factory=list)
    answer: Answer | None = None

    def shown_at(self, screen: RaceScreen) -> float | None:
        """Return when a screen first showed this action, or None."""
        if self.vote is not None:
            return screen.votes.get(self.vote)
        return screen.seen.get(self.token) if self.token is not None else None


def must_show(action: Action, screens: list[RaceScreen]) -> None:
    """Keep, of screens, those caught up before the action was sent: the screens it must reach."""
    action.screens = [s for s in screens if s.synced_at is not None and s.synced_at < action.sent]


def now() -> float:
    return time.perf_counter()
