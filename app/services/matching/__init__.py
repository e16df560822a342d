"""Suggested teams, with no database: placement (the rules) and the explanation of any assignment."""

from app.services.matching.common import (
    BACKGROUNDS,
    QUOTA_BACKGROUNDS,
    Bounds,
    ChallengeNeed,
    Participant,
    Slot,
    normal,
)
from app.services.matching.explanation import Explained, Explanation, Note, TeamPlan, explain
from app.services.matching.placement import Suggestion, effective_bounds, plan_slots, suggest

__all__ = [
    "BACKGROUNDS",
    "QUOTA_BACKGROUNDS",
    "Bounds",
    "ChallengeNeed",
    "Explained",
    "Explanation",
    "Note",
    "Participant",
    "Slot",
    "Suggestion",
    "TeamPlan",
    "effective_bounds",
    "explain",
    "normal",
    "plan_slots",
    "suggest",
]
