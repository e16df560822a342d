"""Explanations of an assignment, suggested or edited by hand: coverage, mix, broken rules and why."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.services.matching.common import (
    BACKGROUNDS,
    QUOTA_BACKGROUNDS,
    Bounds,
    ChallengeNeed,
    Participant,
    Slot,
    asked_tags,
    bound_challenges,
    normal,
    skills,
)


@dataclass(frozen=True)
class Note:
    """A rule that could not be met and why: a code and its parameters, put into words by the screen."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str) -> Any:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class Explanation:
    covered: tuple[tuple[str, tuple[int, ...]], ...]
    missing: tuple[str, ...]
    backgrounds: tuple[tuple[str, int], ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class TeamPlan:
    slot: Slot
    members: tuple[int, ...]
    explanation: Explanation


@dataclass(frozen=True)
class Explained:
    teams: tuple[TeamPlan, ...]
    notes: tuple[Note, ...]


def explain(
    assignment: Sequence[tuple[Slot, Sequence[int]]],
    participants: Iterable[Participant],
    challenges: Iterable[ChallengeNeed],
    bounds: Bounds,
) -> Explained:
    """Explain each team of an assignment (suggested or edited): coverage, mix, broken rules and why."""
    people = {person.id: person for person in participants}
    needs = {challenge.id: challenge for challenge in challenges}
    count = len(assignment)
    n = sum(len(members) for _slot, members in assignment)
    low, high = bounds.min_size, max(bounds.min_size, bounds.max_size)
    feasible = count * low <= n <= count * high
    notes: list[Note] = []
    if count and not feasible:
        params = (("people", n), ("teams", count), ("min", low), ("max", high))
        notes.append(Note("sizes_infeasible", params))
    total = Counter(person.background for person in people.values())
    bound = bound_challenges(list(needs.values()), [slot for slot, _members in assignment])
    # Whether rule 3 placed anyone: then it may have taken the room or the people a quota needed.
    company = any(
        normal(people[i].company) in bound and slot.challenge_id in bound[normal(people[i].company)]
        for slot, members in assignment
        for i in members
    )
    plans = []
    for slot, member_ids in assignment:
        members = [people[i] for i in sorted(member_ids)]
        challenge = needs[slot.challenge_id]
        covered = []
        missing = []
        for tag in asked_tags(challenge):
            who = tuple(p.id for p in members if normal(tag) in skills(p))
            if who:
                covered.append((tag, who))
            else:
                missing.append(tag)
        mix = Counter(person.background for person in members)
        team_notes: list[Note] = []
        size = len(members)
        if size < low or size > high:
            code = "size_low" if size < low else "size_high"
            team_notes.append(
                Note(code, (("size", size), ("min", low), ("max", high), ("forced", not feasible)))
            )
        for background in QUOTA_BACKGROUNDS:
            floor, ceil = total[background] // max(count, 1), math.ceil(total[background] / max(count, 1))
            have = mix[background]
            if have < floor or have > ceil:
                quota = (
                    ("background", background),
                    ("have", have),
                    ("floor", floor),
                    ("ceil", ceil),
                    ("company", company),
                )
                team_notes.append(Note("quota_low" if have < floor else "quota_high", quota))
        for person in members:
            own = bound.get(normal(person.company))
            if own and slot.challenge_id not in own:
                team_notes.append(
                    Note("company_elsewhere", (("person", person.id), ("company", person.company)))
                )
        if normal(challenge.company) in bound:
            outside = [
                p.id
                for p in people.values()
                if normal(p.company) == normal(challenge.company)
                and all(p.id not in ms for s, ms in assignment if s.challenge_id in bound[normal(p.company)])
            ]
            if outside and slot.index == 0:
                team_notes.append(Note("company_full", (("people", len(outside)),)))
        explanation = Explanation(
            covered=tuple(covered),
            missing=tuple(missing),
            backgrounds=tuple((b, mix[b]) for b in BACKGROUNDS if mix[b]),
            notes=tuple(team_notes),
        )
        plans.append(TeamPlan(slot, tuple(p.id for p in members), explanation))
    return Explained(tuple(plans), tuple(notes))
