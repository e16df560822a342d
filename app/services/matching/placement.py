"""Suggested teams: a pure, deterministic placement of participants on teams per challenge.

No database here: dataclasses in, dataclasses out. The rules, in priority order:

1. Every participant is placed exactly once.
2. Sizes stay within [min, max] whenever the head count allows it (teams * min <= n <= teams * max); when it
   does not, the bounds are widened just enough (to floor(n / teams) or ceil(n / teams)) and a note says so.
3. A participant whose company names a challenge's company (compared case- and space-insensitively) joins a
   team of that challenge, as long as its teams have room (they may grow to max only while others can still
   reach min), and leaving room in each team for rule 4's floors: company people take at most
   floor(n / teams) - sum of the floors of rule 4 places of a team (at least one). The company's people are
   spread over the challenge's teams, smallest first.
4. Quota. For background b in research, student and business development, with k_b participants and T teams,
   every team gets at least floor(k_b / T) of them (so at least one each when k_b >= T) and at most
   ceil(k_b / T). Without rule 3 in play the quota always holds. With it, the floors still hold whenever the
   people rule 3 places have the company background (rule 3 leaves room for them); the ceilings can be
   exceeded when company people take the room the extras needed, and a company's researcher placed by rule 3
   can break a floor. Each team's explanation says so (both are tested as properties).
5. The competences a challenge asks for are covered greedily: the tag that most teams still miss first (ties
   by name), in team order, by the free person who covers most of that team's missing tags (ties by id).
6. Whoever is left fills the team with most room (ties by team order).
7. Then two people of the same background on different teams trade places while that raises coverage (how
   many asked-for competences the teams cover, counted per team): team by team in order, the first trade
   that brings the team a competence it misses and raises the coverage (its missing tags by name, then by
   id), until no trade raises it. Someone placed with their own company's challenge trades only within that
   challenge's teams. Sizes and each team's background mix do not change, so rules 1-4 hold as before; the
   greedy rule 5 can leave a person where they cover nothing although a trade would fix a gap.

Deterministic: participants and challenges are sorted by id first and every tie is broken by id or team order,
so the same crowd in any input order gives the same teams.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.services.matching.common import (
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
from app.services.matching.explanation import Note, TeamPlan, explain


@dataclass(frozen=True)
class Suggestion:
    teams: tuple[TeamPlan, ...]
    notes: tuple[Note, ...] = ()

    def team_of(self) -> dict[int, Slot]:
        """Return person id -> the slot they are placed in."""
        return {person: plan.slot for plan in self.teams for person in plan.members}


def plan_slots(
    participants: Sequence[Participant], challenges: Sequence[ChallengeNeed], bounds: Bounds
) -> tuple[list[Slot], list[Note]]:
    """Return the teams to fill per challenge, and a note for each challenge that gets none.

    Given teams per challenge, every challenge gets that many. Otherwise the number of teams T is the smallest
    that keeps sizes within bounds and gives every challenge a team (fewer when there are too few people); the
    challenges get floor(T / C) or ceil(T / C) teams each, the extra ones going to the challenges with most
    company people first (then by id).
    """
    challenges = sorted(challenges, key=lambda c: c.id)
    n, count = len(participants), len(challenges)
    if not challenges or n == 0:
        return [], []
    if bounds.teams_per_challenge:
        return [Slot(c.id, i) for c in challenges for i in range(bounds.teams_per_challenge)], []
    low, high = max(1, bounds.min_size), max(1, bounds.min_size, bounds.max_size)
    total = max(count, math.ceil(n / high))
    if total * low > n:
        total = max(1, n // low)
    companies = Counter(normal(p.company) for p in participants if normal(p.company))
    ranked = sorted(challenges, key=lambda c: (-companies.get(normal(c.company), 0), c.id))
    per = {c.id: total // count + (1 if rank < total % count else 0) for rank, c in enumerate(ranked)}
    notes = [Note("no_team", (("challenge", c.id),)) for c in challenges if not per[c.id]]
    return [Slot(c.id, i) for c in challenges for i in range(per[c.id])], notes


@dataclass
class _Team:
    slot: Slot
    asked: dict[str, str]  # normal tag -> tag as the challenge wrote it
    members: list[Participant] = field(default_factory=list)
    target: int = 0

    def room(self) -> int:
        return self.target - len(self.members)

    def count(self, background: str) -> int:
        return sum(1 for person in self.members if person.background == background)

    def missing(self) -> set[str]:
        have: set[str] = set()
        for person in self.members:
            have |= skills(person)
        return set(self.asked) - have


def effective_bounds(n: int, teams: int, bounds: Bounds) -> tuple[int, int]:
    """Return the size bounds widened just enough for n people in this many teams."""
    low, high = bounds.min_size, max(bounds.min_size, bounds.max_size)
    if teams and n < teams * low:
        low = n // teams
    if teams and n > teams * high:
        high = math.ceil(n / teams)
    return low, high


def suggest(
    participants: Iterable[Participant], challenges: Iterable[ChallengeNeed], bounds: Bounds
) -> Suggestion:
    """Place every participant on a team of a challenge, following the rules in this module's docstring."""
    people = sorted(participants, key=lambda p: p.id)
    needs = sorted(challenges, key=lambda c: c.id)
    if not needs:
        raise ValueError("no challenges")
    slots, notes = plan_slots(people, needs, bounds)
    if not people:
        return Suggestion((), tuple(notes))
    by_id = {c.id: c for c in needs}
    teams = [
        _Team(slot, {normal(tag): tag for tag in asked_tags(by_id[slot.challenge_id])}) for slot in slots
    ]
    low, high = effective_bounds(len(people), len(teams), bounds)
    pool = _place_company_people(people, teams, by_id, low, high)
    _set_targets(teams, len(people))
    pool = _place_quotas(pool, teams, people)
    pool = _cover_competences(pool, teams, people)
    _fill(pool, teams, people)
    _improve(teams, bound_challenges(needs, slots))
    assignment = [(team.slot, [person.id for person in team.members]) for team in teams]
    explained = explain(assignment, people, needs, bounds)
    return Suggestion(explained.teams, tuple(notes) + explained.notes)


def _place_company_people(
    people: list[Participant], teams: list[_Team], needs: dict[int, ChallengeNeed], low: int, high: int
) -> list[Participant]:
    """Rule 3: put company people on their challenge's teams while sizes can still be met; return the rest."""
    bound = bound_challenges(list(needs.values()), [team.slot for team in teams])
    slack = len(people) - len(teams) * low  # how many places above min the teams may take together
    # Room kept in each team for the quota floors (rule 4): company people fill at most the rest of an
    # average-sized team, so every team can still take its researchers, students and business developers.
    total = Counter(person.background for person in people)
    reserve = sum(total[b] // len(teams) for b in QUOTA_BACKGROUNDS)
    cap = min(high, max(1, len(people) // len(teams) - reserve))
    pool = []
    for person in people:
        own = bound.get(normal(person.company), set())
        options = [team for team in teams if team.slot.challenge_id in own and len(team.members) < cap]
        options = [team for team in options if len(team.members) < low or slack > 0]
        if not options:
            pool.append(person)
            continue
        team = min(options, key=lambda t: (len(t.members), teams.index(t)))
        if len(team.members) >= low:
            slack -= 1
        team.members.append(person)
    return pool


def _set_targets(teams: list[_Team], n: int) -> None:
    """Give each team its final size: the others are levelled up evenly over what rule 3 placed."""
    sizes = [len(team.members) for team in teams]
    level = 0
    while sum(max(size, level + 1) for size in sizes) <= n:
        level += 1
    extra = n - sum(max(size, level) for size in sizes)
    for team, size in zip(teams, sizes, strict=True):
        team.target = max(size, level)
    # The places left over go first to the teams that rule 3 filled most: their company people sit in room the
    # quota floors need (with two teams of five and six, the one with a company person takes six).
    levelled = [index for index, size in enumerate(sizes) if size <= level]
    for index in sorted(levelled, key=lambda i: (-sizes[i], i))[:extra]:
        teams[index].target += 1


def _best(candidates: Iterable[Participant], team: _Team) -> Participant:
    """Return the candidate who covers most of the team's missing tags (ties by id)."""
    missing = team.missing()
    return min(candidates, key=lambda p: (-len(skills(p) & missing), p.id))


def _place_quotas(
    pool: list[Participant], teams: list[_Team], people: list[Participant]
) -> list[Participant]:
    """Rule 4: deal each quota background's free people so every team gets its floor, then up to its ceil."""
    total = Counter(person.background for person in people)
    free = {b: [p for p in pool if p.background == b] for b in QUOTA_BACKGROUNDS}
    # Every background's floor first: one background's extras never take the room another's floor needs.
    for background in QUOTA_BACKGROUNDS:
        floor = total[background] // len(teams)
        for wanted in range(1, floor + 1):
            for team in teams:
                if free[background] and team.room() > 0 and team.count(background) < wanted:
                    person = _best(free[background], team)
                    free[background].remove(person)
                    team.members.append(person)
    # Then the rest, the background with most left first, each to distinct teams with most room.
    for background in sorted(QUOTA_BACKGROUNDS, key=lambda b: (-len(free[b]), QUOTA_BACKGROUNDS.index(b))):
        ceil = math.ceil(total[background] / len(teams))
        while free[background]:
            options = [t for t in teams if t.room() > 0 and t.count(background) < ceil]
            if not options:
                break
            team = min(options, key=lambda t: (-t.room(), teams.index(t)))
            person = _best(free[background], team)
            free[background].remove(person)
            team.members.append(person)
    placed = {person.id for team in teams for person in team.members}
    return [person for person in pool if person.id not in placed]


def _allowed(person: Participant, team: _Team, ceilings: dict[str, int]) -> bool:
    return person.background not in ceilings or team.count(person.background) < ceilings[person.background]


def _ceilings(people: list[Participant], teams: list[_Team]) -> dict[str, int]:
    total = Counter(person.background for person in people)
    return {b: math.ceil(total[b] / len(teams)) for b in QUOTA_BACKGROUNDS}


def _cover_competences(
    pool: list[Participant], teams: list[_Team], people: list[Participant]
) -> list[Participant]:
    """Rule 5: cover asked-for tags, the most-needed tag first, with the people left."""
    ceilings = _ceilings(people, teams)
    given_up: set[str] = set()
    while pool:
        need = Counter(tag for team in teams if team.room() > 0 for tag in team.missing() - given_up)
        if not need:
            break
        tag = min(need, key=lambda t: (-need[t], t))
        for team in teams:
            if team.room() > 0 and tag in team.missing():
                candidates = [p for p in pool if tag in skills(p) and _allowed(p, team, ceilings)]
                if candidates:
                    person = _best(candidates, team)
                    pool.remove(person)
                    team.members.append(person)
                    break
        else:
            given_up.add(tag)
    return pool


def _fill(pool: list[Participant], teams: list[_Team], people: list[Participant]) -> None:
    """Rule 6: everyone left goes to the team with most room, within the quota ceilings when possible."""
    ceilings = _ceilings(people, teams)
    for person in pool:
        open_teams = [team for team in teams if team.room() > 0]
        fitting = [team for team in open_teams if _allowed(person, team, ceilings)] or open_teams
        team = min(fitting, key=lambda t: (-t.room(), teams.index(t)))
        team.members.append(person)


def _may_move(person: Participant, here: _Team, there: _Team, bound: dict[str, set[int]]) -> bool:
    """Return whether rule 7 lets a person trade from one team to another (rule 3 stays met)."""
    own = bound.get(normal(person.company))
    return not own or here.slot.challenge_id not in own or there.slot.challenge_id in own


def _improve(teams: list[_Team], bound: dict[str, set[int]]) -> None:
    """Rule 7: trade people of one background between teams while that raises coverage."""
    people = sorted((person for team in teams for person in team.members), key=lambda p: p.id)
    has = {person.id: skills(person) for person in people}
    team_of = {person.id: index for index, team in enumerate(teams) for person in team.members}
    counts = [Counter(tag for person in team.members for tag in has[person.id]) for team in teams]
    holders: dict[str, list[Participant]] = {}
    for person in people:
        for tag in has[person.id]:
            holders.setdefault(tag, []).append(person)

    def gain(index: int, leaving: Participant, coming: Participant) -> int:
        lost, got, count = has[leaving.id], has[coming.id], counts[index]
        change = 0
        for tag in (lost | got) & teams[index].asked.keys():
            change += int(count[tag] - (tag in lost) + (tag in got) > 0) - int(count[tag] > 0)
        return change

    def trade(b_index: int) -> tuple[int, Participant, Participant] | None:
        """Return the first trade that brings the team a competence it misses and raises coverage."""
        there = teams[b_index]
        for tag in sorted(tag for tag in there.asked if counts[b_index][tag] == 0):
            for a in holders.get(tag, []):
                a_index = team_of[a.id]
                here = teams[a_index]
                if a_index == b_index or not _may_move(a, here, there, bound):
                    continue
                for b in sorted(there.members, key=lambda p: p.id):
                    if b.background != a.background or not _may_move(b, there, here, bound):
                        continue
                    if gain(a_index, a, b) + gain(b_index, b, a) > 0:
                        return a_index, a, b
        return None

    # Every trade raises the coverage, so this ends; it ends when no team can gain a competence it misses by
    # a trade that raises the coverage, which is when no trade raises it (one of its two teams must gain).
    traded = True
    while traded:
        traded = False
        for b_index in range(len(teams)):
            while (found := trade(b_index)) is not None:
                a_index, a, b = found
                for index, leaving, coming in ((a_index, a, b), (b_index, b, a)):
                    teams[index].members.remove(leaving)
                    teams[index].members.append(coming)
                    counts[index].subtract(has[leaving.id])
                    counts[index].update(has[coming.id])
                    team_of[coming.id] = index
                traded = True
