"""The team suggestion's rules as properties, on generated crowds of 10-500 people and 1-20 challenges."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.services.matching import (
    QUOTA_BACKGROUNDS,
    Bounds,
    ChallengeNeed,
    Participant,
    Suggestion,
    TeamPlan,
    explain,
    normal,
    suggest,
)
from tests.helpers import examples

TAGS = ("AI", "Design", "Energy", "Market", "Financing", "Materials", "Software", "Law")
COMPANIES = ("Sågverket AB", "Mejeriet", "Verkstan", "Kraftbolaget")
BACKGROUNDS = ("company", "research", "student", "business", "other")


@st.composite
def crowds(
    draw: st.DrawFn, bound: bool = True, only_company: bool = False
) -> tuple[list[Participant], list[ChallengeNeed], Bounds]:
    """Draw participants, challenges and bounds; with `bound` false nobody's company names a challenge.

    With `only_company`, only people of the company background name a company.
    """
    n = draw(st.integers(10, 500))
    count = draw(st.integers(1, 20))
    low = draw(st.integers(2, 5))
    high = draw(st.integers(low, low + 4))
    per = draw(st.one_of(st.none(), st.integers(1, 3)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    companies = [rng.choice(COMPANIES) for _ in range(count)]
    challenges = [
        ChallengeNeed(100 + i, companies[i], tuple(rng.sample(TAGS, rng.randint(0, 4)))) for i in range(count)
    ]
    people = []
    for i in range(n):
        background = rng.choice(BACKGROUNDS)
        company = ""
        if background == "company" or (not only_company and rng.random() < 0.1):
            # Spelled as people type it: another case, extra spaces.
            name = rng.choice(COMPANIES) if bound else "Ingen Koppling AB"
            company = rng.choice([name, name.upper(), f"  {name} "])
        skills = tuple(rng.sample(TAGS, rng.randint(0, 3)))
        people.append(Participant(1000 + i * 7, f"P{i}", background, company, skills))
    return people, challenges, Bounds(low, high, per)


def placed(suggestion: Suggestion) -> list[int]:
    return [person for plan in suggestion.teams for person in plan.members]


Quota = tuple[int, int, int]  # how many a team has of a background, its floor, its ceiling


def mixes(result: Suggestion, people: list[Participant]) -> list[tuple[TeamPlan, Counter[str]]]:
    """Return each team of the result with how many of its members have each background."""
    by_id = {p.id: p for p in people}
    return [(plan, Counter(by_id[i].background for i in plan.members)) for plan in result.teams]


def quotas(result: Suggestion, people: list[Participant]) -> list[tuple[TeamPlan, dict[str, Quota]]]:
    """Return each team of the result with, per quota background, how many it has, its floor and ceiling."""
    total, count = Counter(p.background for p in people), len(result.teams)
    return [
        (plan, {b: (mix[b], total[b] // count, math.ceil(total[b] / count)) for b in QUOTA_BACKGROUNDS})
        for plan, mix in mixes(result, people)
    ]


PROPERTY = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(crowds())
def test_everyone_is_placed_exactly_once(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    assert sorted(placed(result)) == sorted(p.id for p in people)


@PROPERTY
@given(crowds())
def test_sizes_stay_in_bounds_whenever_the_head_count_allows(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    count, n = len(result.teams), len(people)
    sizes = [len(plan.members) for plan in result.teams]
    if count * bounds.min_size <= n <= count * bounds.max_size:
        assert all(bounds.min_size <= size <= bounds.max_size for size in sizes), sizes
        assert not any(note.code == "sizes_infeasible" for note in result.notes)
    else:
        # The bounds are widened just enough, and the screen is told.
        assert any(note.code == "sizes_infeasible" for note in result.notes)
        assert all(math.floor(n / count) <= size for size in sizes)
        assert all(size <= max(bounds.max_size, math.ceil(n / count)) for size in sizes)
    # The derived number of teams allows the bounds whenever any number of teams would.
    if bounds.teams_per_challenge is None and math.ceil(n / bounds.max_size) <= n // bounds.min_size:
        assert count * bounds.min_size <= n <= count * bounds.max_size


@PROPERTY
@given(crowds(bound=False))
def test_background_quotas_hold_without_company_placement(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    for plan, quota in quotas(result, people):
        for have, floor, ceil in quota.values():
            assert floor <= have <= ceil
            if floor >= 1:  # as many of the background as teams, or more
                assert have >= 1
        assert not [note for note in plan.explanation.notes if note.code.startswith("quota")]


def _eleven_in_two_teams() -> tuple[list[Participant], list[ChallengeNeed], Bounds]:
    """The crowd hypothesis found (2026-12-07): 11 people in two teams of five and six, one company person.
    The team with the company person must be the one of six, or it has no room for its business developer."""
    backgrounds = (
        "research research research company student research business business student student student"
    )
    people = [
        Participant(1000 + i * 7, f"P{i}", background, "Mejeriet" if background == "company" else "", ())
        for i, background in enumerate(backgrounds.split())
    ]
    companies = ("Verkstan", "Verkstan", "Sågverket AB", "Kraftbolaget", "Mejeriet")
    return people, [ChallengeNeed(100 + i, name, ()) for i, name in enumerate(companies)], Bounds(4, 4, None)


@PROPERTY
@given(crowds(only_company=True))
@example(_eleven_in_two_teams())
def test_background_floors_hold_when_company_people_come_from_companies(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    """Company people on their challenges leave room for every team's researchers, students and developers."""
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    for plan, quota in quotas(result, people):
        for background, (have, floor, _ceil) in quota.items():
            assert have >= floor, (background, quota)
        assert not [note for note in plan.explanation.notes if note.code == "quota_low"]


@PROPERTY
@given(crowds())
def test_every_broken_quota_is_explained_by_company_placement(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    for plan, quota in quotas(result, people):
        broken = {
            note.get("background"): note for note in plan.explanation.notes if note.code.startswith("quota")
        }
        for background, (have, floor, ceil) in quota.items():
            within = floor <= have <= ceil
            assert within == (background not in broken)
            if not within:
                assert broken[background].get("company") is True


@PROPERTY
@given(crowds())
def test_company_people_join_their_challenge_when_it_has_room(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    with_team = {plan.slot.challenge_id for plan in result.teams}
    own = {}
    for challenge in challenges:
        if challenge.id in with_team:
            own.setdefault(normal(challenge.company), set()).add(challenge.id)
    slots = result.team_of()
    sizes = Counter(plan.slot for plan in result.teams for _ in plan.members)
    high = max(bounds.max_size, math.ceil(len(people) / len(result.teams)))
    for person in people:
        mine = own.get(normal(person.company))
        if mine and slots[person.id].challenge_id not in mine:
            # Only when every team of the challenge is full (or the others needed the room to reach min).
            teams = [plan for plan in result.teams if plan.slot.challenge_id in mine]
            low = min(bounds.min_size, len(people) // len(result.teams))
            # Left out only when its teams were full, or at min while the others needed the rest to reach min.
            assert all(sizes[plan.slot] >= high for plan in teams) or all(
                sizes[plan.slot] >= low for plan in teams
            )
            assert any(note.code == "company_full" for plan in teams for note in plan.explanation.notes)


@PROPERTY
@given(crowds(), st.integers(0, 2**32 - 1))
def test_the_same_crowd_in_any_order_gives_the_same_teams(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds], seed: int
) -> None:
    people, challenges, bounds = crowd
    first = suggest(people, challenges, bounds)
    rng = random.Random(seed)
    shuffled_people, shuffled_challenges = list(people), list(challenges)
    rng.shuffle(shuffled_people)
    rng.shuffle(shuffled_challenges)
    assert suggest(shuffled_people, shuffled_challenges, bounds) == first


@PROPERTY
@given(crowds())
def test_explanations_match_the_members(crowd: tuple[list[Participant], list[ChallengeNeed], Bounds]) -> None:
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    by_id = {p.id: p for p in people}
    needs = {c.id: c for c in challenges}
    for plan in result.teams:
        explanation = plan.explanation
        asked = {normal(tag) for tag in needs[plan.slot.challenge_id].tags}
        covered = {normal(tag) for tag, _who in explanation.covered}
        assert covered | {normal(tag) for tag in explanation.missing} == asked
        assert not covered & {normal(tag) for tag in explanation.missing}
        for tag, who in explanation.covered:
            assert who and set(who) <= set(plan.members)
            assert all(normal(tag) in {normal(s) for s in by_id[i].competences} for i in who)
        for tag in explanation.missing:
            assert all(normal(tag) not in {normal(s) for s in by_id[i].competences} for i in plan.members)
        mix = Counter(by_id[i].background for i in plan.members)
        assert dict(explanation.backgrounds) == {b: k for b, k in mix.items() if k}


def coverage(members: Iterable[Participant], challenge: ChallengeNeed) -> int:
    """Return how many of the challenge's asked-for competences these members cover."""
    asked = {normal(tag) for tag in challenge.tags if normal(tag)}
    return len(asked & {normal(tag) for person in members for tag in person.competences})


@PROPERTY
@given(crowds())
def test_no_swap_of_two_people_of_one_background_raises_coverage(
    crowd: tuple[list[Participant], list[ChallengeNeed], Bounds],
) -> None:
    """Whatever the placement left, trading two people of one background never covers more.

    A trade that would take someone off their own company's challenge is not one to make (rule 3).
    """
    people, challenges, bounds = crowd
    result = suggest(people, challenges, bounds)
    by_id, needs = {p.id: p for p in people}, {c.id: c for c in challenges}
    with_team = {plan.slot.challenge_id for plan in result.teams}
    own: dict[str, set[int]] = {}
    for challenge in challenges:
        if challenge.id in with_team and normal(challenge.company):
            own.setdefault(normal(challenge.company), set()).add(challenge.id)

    def may_trade(person: Participant, here: int, there: int) -> bool:
        mine = own.get(normal(person.company))
        return not mine or here not in mine or there in mine

    teams = [(needs[plan.slot.challenge_id], [by_id[i] for i in plan.members]) for plan in result.teams]
    for index, (first, first_members) in enumerate(teams):
        for second, second_members in teams[index + 1 :]:
            before = coverage(first_members, first) + coverage(second_members, second)
            for a in first_members:
                for b in second_members:
                    if a.background != b.background:
                        continue
                    if not (may_trade(a, first.id, second.id) and may_trade(b, second.id, first.id)):
                        continue
                    after = coverage([*(p for p in first_members if p is not a), b], first) + coverage(
                        [*(p for p in second_members if p is not b), a], second
                    )
                    assert after <= before, (a, b, first.id, second.id)


def test_a_trade_of_two_researchers_covers_what_the_first_placement_missed() -> None:
    """Team Trä asks for AI and software; the researcher with both was placed where she covered nothing."""
    challenges = [ChallengeNeed(1, "Mejeriet", ("ai",)), ChallengeNeed(2, "Trä AB", ("ai", "software"))]
    people = [
        Participant(1, "Sara", "research", "", ("ai", "software")),
        Participant(2, "Rolf", "research", "", ("ai",)),
        Participant(3, "Stina", "student", "", ()),
        Participant(4, "Sam", "student", "", ()),
    ]
    result = suggest(people, challenges, Bounds(2, 2))
    members = {plan.slot.challenge_id: set(plan.members) for plan in result.teams}
    assert members == {1: {2, 3}, 2: {1, 4}}
    explained = {plan.slot.challenge_id: plan.explanation for plan in result.teams}
    assert explained[2].covered == (("ai", (1,)), ("software", (1,))) and explained[2].missing == ()
    assert explained[1].covered == (("ai", (2,)),)


def first_race() -> tuple[list[Participant], list[ChallengeNeed]]:
    """The first pilot's crowd: 53 people, five companies' challenges, 8 of the company people among them."""
    companies = ["Sågverket AB", "Mejeriet", "Verkstan", "Kraftbolaget", "Båtvarvet"]
    challenges = [
        ChallengeNeed(1, "Sågverket AB", ("Materials", "Sustainability", "Market")),
        ChallengeNeed(2, "Mejeriet", ("Energy", "Financing")),
        ChallengeNeed(3, "Verkstan", ("AI", "Software", "Hardware")),
        ChallengeNeed(4, "Kraftbolaget", ("Energy", "Business models")),
        ChallengeNeed(5, "Båtvarvet", ("Design", "Materials", "Market")),
    ]
    people = []
    backgrounds = ["research"] * 12 + ["student"] * 15 + ["business"] * 10 + ["other"] * 8 + ["company"] * 8
    skills = ["AI", "Software", "Hardware", "Design", "Materials", "Energy", "Market", "Financing"]
    for i, background in enumerate(backgrounds):
        company = companies[i % 5] if background == "company" else ""
        people.append(
            Participant(i + 1, f"P{i + 1}", background, company, (skills[i % 8], skills[(i * 3) % 8]))
        )
    return people, challenges


def test_the_first_race_makes_nine_mixed_teams_of_five_or_six() -> None:
    people, challenges = first_race()
    result = suggest(people, challenges, Bounds(4, 6))
    # The fewest teams within the bounds: 53 people, at most 6 each. The four teams beyond one per challenge
    # go to the three challenges with two company people, then to the lowest id of those with one.
    assert sorted(len(plan.members) for plan in result.teams) == [5, 6, 6, 6, 6, 6, 6, 6, 6]
    assert Counter(plan.slot.challenge_id for plan in result.teams) == {1: 2, 2: 2, 3: 2, 4: 2, 5: 1}
    for _plan, mix in mixes(result, people):
        # 12 researchers, 15 students and 10 business developers over 9 teams: one of each at least.
        assert mix["research"] >= 1 and mix["student"] >= 1 and mix["business"] >= 1
    for person in people:
        if person.company:
            challenge = result.team_of()[person.id].challenge_id
            assert challenges[challenge - 1].company == person.company
    assert not result.notes


def test_too_few_people_for_every_challenge_leaves_some_without_a_team() -> None:
    people = [Participant(i, f"P{i}", "student") for i in range(1, 11)]
    challenges = [ChallengeNeed(i, f"Bolag {i}") for i in range(1, 5)]
    people[0] = Participant(1, "P1", "company", "bolag 4")
    result = suggest(people, challenges, Bounds(3, 5))
    assert [plan.slot.challenge_id for plan in result.teams] == [1, 2, 4]
    assert [note.code for note in result.notes] == ["no_team"]
    assert result.team_of()[1].challenge_id == 4


def test_a_hand_edit_that_breaks_the_rules_is_explained() -> None:
    people, challenges = first_race()
    result = suggest(people, challenges, Bounds(4, 6))
    teams = [(plan.slot, list(plan.members)) for plan in result.teams]
    researchers = [i for i in teams[1][1] if people[i - 1].background == "research"]
    company = next(i for i in teams[0][1] if people[i - 1].company)
    # Every researcher of the second team and the first team's company person move to the third team.
    for person in [*researchers, company]:
        teams[teams.index(next(t for t in teams if person in t[1]))][1].remove(person)
        teams[2][1].append(person)
    explained = explain(teams, people, challenges, Bounds(4, 6))
    codes = [{note.code for note in plan.explanation.notes} for plan in explained.teams]
    assert "quota_low" in codes[1]
    assert "company_elsewhere" in codes[2]
    assert "size_high" in codes[2]
    assert "company_full" in codes[0]


def test_no_challenges_is_refused() -> None:
    with pytest.raises(ValueError):
        suggest([Participant(1, "P1")], [], Bounds())
