"""The race as data: one table per concept in DESIGN.md, times as epoch milliseconds (UTC)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    EXPERT = "expert"
    FACILITATOR = "facilitator"
    WALL = "wall"
    JURY = "jury"


class Background(enum.StrEnum):
    COMPANY = "company"
    RESEARCH = "research"
    STUDENT = "student"
    BUSINESS = "business"
    OTHER = "other"


class CardColumn(enum.StrEnum):
    NEED = "need"
    IDEA = "idea"
    MARKET = "market"
    TECHNOLOGY = "technology"
    FINANCING = "financing"
    RESOURCES = "resources"
    NEXT = "next"


class PhaseState(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Race(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=120)
    lang: str = Field(default="sv", max_length=8)
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    # The last sequence number handed out; raised inside each writing transaction.
    seq: int = 0
    # Plain column, not a foreign key: phases point back at the race.
    current_phase_id: int | None = None
    created_ms: int = Field(sa_type=BigInteger)
    # The card the wall shows large; a plain column, like current_phase_id.
    spotlight_card_id: int | None = None
    # Set by a facilitator when the race is over: the review opens to teams and follow-ups count from here.
    ended_ms: int | None = Field(default=None, sa_type=BigInteger)
    # Personal data is anonymised this many days after the end (`kraftsamla purge`).
    retention_days: int = Field(default=730, sa_column_kwargs={"server_default": "730"})
    # What erasing a person does to their contributions: "keep" (as a former participant) or "remove".
    erase_mode: str = Field(default="keep", max_length=16, sa_column_kwargs={"server_default": "keep"})
    # The needs intake: companies reach the form through /intake/{token} while it is open.
    intake_token: str | None = Field(default=None, unique=True, max_length=64)
    intake_open: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # When the facilitator revealed the jury's scores; until then no screen but the juror's own shows them.
    scores_revealed_ms: int | None = Field(default=None, sa_type=BigInteger)
    # Whether the wall shows each team's cards with the most votes in place of the teams.
    top_cards_shown: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Whether participants who have a team may choose another: None until the facilitator says, which means
    # open until the first phase starts.
    team_choice_open: bool | None = None
    # The last start that can still be undone: its event's seq (which keeps what it replaced), until when.
    undo_seq: int | None = None
    undo_until_ms: int | None = Field(default=None, sa_type=BigInteger)
    # When the first phase starts by itself, unless a facilitator starts one first.
    planned_start_ms: int | None = Field(default=None, sa_type=BigInteger)
    # The competences the race asks for: offered first on the profile form, copied with the agenda.
    competences: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # While the current phase is this one, participants read every team's board (the gallery walk).
    gallery_phase_id: int | None = None
    # An archived race is read-only (events.record refuses); a deleted one keeps only this row and its audit.
    archived_ms: int | None = Field(default=None, sa_type=BigInteger)
    deleted_ms: int | None = Field(default=None, sa_type=BigInteger)


class Organiser(SQLModel, table=True):
    """An account that runs races from the browser; the e-mail is stored case-folded."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    name: str = Field(max_length=80)
    password_hash: str = Field(max_length=200)
    created_ms: int = Field(sa_type=BigInteger)
    password_ms: int = Field(sa_type=BigInteger)


class OrganiserSession(SQLModel, table=True):
    """An organiser's sign-in; the cookie carries only this token."""

    token: str = Field(primary_key=True, max_length=64)
    organiser_id: int = Field(foreign_key="organiser.id", index=True)
    created_ms: int = Field(sa_type=BigInteger)
    ended_ms: int | None = Field(default=None, sa_type=BigInteger)


class RaceOrganiser(SQLModel, table=True):
    """Who runs a race; `person_id` is the facilitator they are on its screens, made when first needed."""

    race_id: int = Field(foreign_key="race.id", primary_key=True)
    organiser_id: int = Field(foreign_key="organiser.id", primary_key=True, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    added_ms: int = Field(sa_type=BigInteger)


class AgendaTemplate(SQLModel, table=True):
    """A named agenda an organiser saved: phases, jury criteria and the competences asked for, as data."""

    id: int | None = Field(default=None, primary_key=True)
    organiser_id: int = Field(foreign_key="organiser.id", index=True)
    name: str = Field(max_length=80)
    # [{"name", "minutes", "board", "voting", "requests", "budget"}] and [{"name", "weight"}].
    phases: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    criteria: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    competences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Bumped by every edit: an edit names the revision it started from.
    rev: int = 1
    created_ms: int = Field(sa_type=BigInteger)
    updated_ms: int = Field(sa_type=BigInteger)


class RaceCode(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    role: str = Field(max_length=16)
    code: str = Field(unique=True, max_length=32)


class Need(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    company: str = Field(max_length=120)
    contact: str = Field(default="", max_length=200)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    market: str = Field(default="", max_length=2000)
    technology: str = Field(default="", max_length=2000)
    financing: str = Field(default="", max_length=2000)
    resources: str = Field(default="", max_length=2000)
    # Competence keys (services/competences.py), as in every list of competences or tags below.
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgency: int = 2
    chosen: bool = False
    created_ms: int = Field(sa_type=BigInteger)
    # Set when the facilitator edits the submission; the company's own words stay in the intake event.
    updated_ms: int | None = Field(default=None, sa_type=BigInteger)


class Phase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    position: int
    name: str = Field(max_length=80)
    planned_minutes: int
    board_open: bool = False
    voting_open: bool = False
    requests_open: bool = False
    vote_budget: int = 5
    state: str = Field(default=PhaseState.PLANNED, max_length=16)
    started_ms: int | None = Field(default=None, sa_type=BigInteger)
    # While running: the deadline in server time. While paused: the time left.
    deadline_ms: int | None = Field(default=None, sa_type=BigInteger)
    remaining_ms: int | None = Field(default=None, sa_type=BigInteger)
    extended_ms: int = Field(default=0, sa_type=BigInteger)
    # Timed actions at time-up, set on the agenda: lock the boards, start the next phase.
    lock_at_end: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    next_at_end: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # The deadline whose time-up actions have run: they run once per deadline (an extension makes a new one).
    timeup_ms: int | None = Field(default=None, sa_type=BigInteger)


class Challenge(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    need_id: int | None = Field(default=None, foreign_key="need.id")
    company: str = Field(max_length=120)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    # The competences the challenge asks for (from its need's tags, editable); suggestions try to cover them.
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    name: str = Field(max_length=80)
    colour: str = Field(default="#3b6ea5", max_length=16)
    challenge_id: int | None = Field(default=None, foreign_key="challenge.id")
    board_locked: bool = False
    # Where the team sits (a table, a room), typed by the team or the facilitator: experts find it there.
    place: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    # The team's mark beside its colour (1, 2, 3 ... in the order teams were made): told apart without colour.
    number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Competence(SQLModel, table=True):
    """A competence first typed in this race: its key is that spelling (the suggested ones are built in)."""

    __table_args__ = (UniqueConstraint("race_id", "match_key"),)
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    key: str = Field(max_length=40)
    # The key as typed text is compared: accents stripped, case folded, spaces collapsed.
    match_key: str = Field(max_length=160)
    created_ms: int = Field(sa_type=BigInteger)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    name: str = Field(max_length=80)
    role: str = Field(max_length=16)
    background: str = Field(default=Background.OTHER, max_length=16)
    company: str = Field(default="", max_length=120)
    competences: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    lang: str | None = Field(default=None, max_length=8)
    created_ms: int = Field(sa_type=BigInteger)
    # When the person answered or skipped the profile questions; None means ask them.
    profile_ms: int | None = Field(default=None, sa_type=BigInteger)
    erased_ms: int | None = Field(default=None, sa_type=BigInteger)
    # The browser the person joined from: a digest of its device cookie's token (see app/services/devices.py).
    device: str | None = Field(default=None, max_length=64, index=True)


class PersonSession(SQLModel, table=True):
    """A browser's sign-in; the cookie carries only this token."""

    token: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_ms: int = Field(sa_type=BigInteger)
    ended_ms: int | None = Field(default=None, sa_type=BigInteger)


class Card(SQLModel, table=True):
    """A card's current state; every state it had is a CardRevision, never overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    column: str = Field(max_length=16)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=5000)
    rev: int = 1
    created_ms: int = Field(sa_type=BigInteger)
    updated_ms: int = Field(sa_type=BigInteger)
    deleted_ms: int | None = Field(default=None, sa_type=BigInteger)


class CardRevision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("card_id", "rev"),)
    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    rev: int
    author_id: int = Field(foreign_key="person.id")
    column: str = Field(max_length=16)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=5000)
    deleted: bool = False
    created_ms: int = Field(sa_type=BigInteger)


class Vote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    phase_id: int = Field(foreign_key="phase.id")
    created_ms: int = Field(sa_type=BigInteger)
    withdrawn_ms: int | None = Field(default=None, sa_type=BigInteger)


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    body: str = Field(max_length=2000)
    created_ms: int = Field(sa_type=BigInteger)


class ExpertRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    asked_by: int = Field(foreign_key="person.id")
    question: str = Field(max_length=2000)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=RequestStatus.OPEN, max_length=16)
    claimed_by: int | None = Field(default=None, foreign_key="person.id")
    note: str = Field(default="", max_length=2000)
    rating: int | None = None
    rating_word: str = Field(default="", max_length=200)
    created_ms: int = Field(sa_type=BigInteger)
    claimed_ms: int | None = Field(default=None, sa_type=BigInteger)
    resolved_ms: int | None = Field(default=None, sa_type=BigInteger)
    cancelled_ms: int | None = Field(default=None, sa_type=BigInteger)


class Announcement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    body: str = Field(max_length=2000)
    created_ms: int = Field(sa_type=BigInteger)
    # Taken off every screen by a facilitator; it stays in the control screen's history.
    cleared_ms: int | None = Field(default=None, sa_type=BigInteger)


class Criterion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    position: int
    name: str = Field(max_length=80)
    weight: float = 1.0


class Score(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("juror_id", "team_id", "criterion_id"),)
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    juror_id: int = Field(foreign_key="person.id")
    team_id: int = Field(foreign_key="team.id")
    criterion_id: int = Field(foreign_key="criterion.id")
    value: int
    comment: str = Field(default="", max_length=2000)
    revealed: bool = False
    created_ms: int = Field(sa_type=BigInteger)


class JuryConflict(SQLModel, table=True):
    """A team a juror may not score, declared by juror or facilitator (company and membership are derived)."""

    __table_args__ = (UniqueConstraint("juror_id", "team_id"),)
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    juror_id: int = Field(foreign_key="person.id")
    team_id: int = Field(foreign_key="team.id")
    reason: str = Field(default="", max_length=200)
    created_ms: int = Field(sa_type=BigInteger)


class Outcome(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    kind: str = Field(max_length=32)
    date: str = Field(max_length=10)
    note: str = Field(default="", max_length=2000)
    created_ms: int = Field(sa_type=BigInteger)


class OutcomeCard(SQLModel, table=True):
    outcome_id: int = Field(foreign_key="outcome.id", primary_key=True)
    card_id: int = Field(foreign_key="card.id", primary_key=True)


class Event(SQLModel, table=True):
    """The append-only log: one row per change, numbered per race."""

    __table_args__ = (UniqueConstraint("race_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id")
    seq: int
    kind: str = Field(max_length=48)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    team_id: int | None = None
    # The client's idempotency key: a retried post finds its first result here.
    key: str | None = Field(default=None, unique=True, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at_ms: int = Field(sa_type=BigInteger)


class AuditRecord(SQLModel, table=True):
    """Who exported or erased whose personal data, and when; kept after the erasure itself."""

    id: int | None = Field(default=None, primary_key=True)
    race_id: int = Field(foreign_key="race.id", index=True)
    action: str = Field(max_length=32)
    # Plain columns: the record must outlive what it describes.
    subject_id: int | None = None
    actor_id: int | None = None
    # The organiser who acted, when it was one (archive, delete, a replaced code).
    organiser_id: int | None = None
    detail: str = Field(default="", max_length=500)
    at_ms: int = Field(sa_type=BigInteger)
