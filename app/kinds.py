"""The event log's vocabulary: every kind of event a service records, by name."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    """What an event says happened; `app/screens/rules.py` says which screens it touches (or none)."""

    RACE_CREATED = "race.created"
    RACE_ENDED = "race.ended"
    RACE_REOPENED = "race.reopened"
    RACE_PRIVACY = "race.privacy"
    RACE_PLANNED = "race.planned"
    RACE_ARCHIVED = "race.archived"
    RACE_UNARCHIVED = "race.unarchived"
    CODE_REPLACED = "code.replaced"
    GALLERY_OPENED = "gallery.opened"
    GALLERY_CLOSED = "gallery.closed"

    PERSON_JOINED = "person.joined"
    PERSON_REJOINED = "person.rejoined"
    PERSON_LEFT = "person.left"
    PERSON_MOVED = "person.moved"
    PERSON_EXPORTED = "person.exported"
    PERSON_ERASED = "person.erased"
    PROFILE_UPDATED = "profile.updated"

    PHASE_ADDED = "phase.added"
    PHASE_UPDATED = "phase.updated"
    PHASE_MOVED = "phase.moved"
    PHASE_REMOVED = "phase.removed"
    PHASE_STARTED = "phase.started"
    PHASE_PAUSED = "phase.paused"
    PHASE_RESUMED = "phase.resumed"
    PHASE_EXTENDED = "phase.extended"
    PHASE_UNDONE = "phase.undone"
    PHASE_TIMEUP = "phase.timeup"
    PHASE_UNDO_EXPIRED = "phase.undo_expired"

    CHALLENGE_ADDED = "challenge.added"
    CHALLENGE_UPDATED = "challenge.updated"
    TEAM_ADDED = "team.added"
    TEAM_UPDATED = "team.updated"
    TEAM_JOINED = "team.joined"
    TEAM_PLACED = "team.placed"
    TEAMS_APPLIED = "teams.applied"
    TEAM_CHOICE_OPENED = "team_choice.opened"
    TEAM_CHOICE_CLOSED = "team_choice.closed"
    BOARD_LOCKED = "board.locked"
    BOARD_UNLOCKED = "board.unlocked"
    BOARDS_LOCKED = "boards.locked"
    BOARDS_UNLOCKED = "boards.unlocked"

    CARD_ADDED = "card.added"
    CARD_EDITED = "card.edited"
    CARD_MOVED = "card.moved"
    CARD_REMOVED = "card.removed"
    VOTE_CAST = "vote.cast"
    VOTE_WITHDRAWN = "vote.withdrawn"
    COMMENT_ADDED = "comment.added"

    REQUEST_OPENED = "request.opened"
    REQUEST_CLAIMED = "request.claimed"
    REQUEST_ASSIGNED = "request.assigned"
    REQUEST_NOTED = "request.noted"
    REQUEST_RESOLVED = "request.resolved"
    REQUEST_CANCELLED = "request.cancelled"
    REQUEST_RATED = "request.rated"

    ANNOUNCEMENT_SENT = "announcement.sent"
    ANNOUNCEMENT_CLEARED = "announcement.cleared"
    SPOTLIGHT_SET = "spotlight.set"
    SPOTLIGHT_CLEARED = "spotlight.cleared"
    TOP_CARDS_SHOWN = "top_cards.shown"
    TOP_CARDS_HIDDEN = "top_cards.hidden"

    INTAKE_OPENED = "intake.opened"
    INTAKE_CLOSED = "intake.closed"
    NEED_SUBMITTED = "need.submitted"
    NEED_UPDATED = "need.updated"
    NEED_CHOSEN = "need.chosen"
    NEED_CONTACTS_REMOVED = "need.contacts_removed"

    CRITERIA_DEFAULTED = "criteria.defaulted"
    CRITERION_ADDED = "criterion.added"
    CRITERION_UPDATED = "criterion.updated"
    CRITERION_MOVED = "criterion.moved"
    CRITERION_REMOVED = "criterion.removed"
    JUROR_UPDATED = "juror.updated"
    CONFLICT_ADDED = "conflict.added"
    CONFLICT_REMOVED = "conflict.removed"
    SCORE_SAVED = "score.saved"
    SCORES_REVEALED = "scores.revealed"
    SCORES_HIDDEN = "scores.hidden"

    OUTCOME_RECORDED = "outcome.recorded"


# What an archived race still takes: sign-outs, and what the law asks of personal data.
WHILE_ARCHIVED = frozenset(
    {
        Kind.RACE_UNARCHIVED,
        Kind.PERSON_LEFT,
        Kind.PERSON_EXPORTED,
        Kind.PERSON_ERASED,
        Kind.NEED_CONTACTS_REMOVED,
    }
)
