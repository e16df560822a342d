"""The connect planner: what brings an attached socket up to date, for every case of what is known."""

from __future__ import annotations

import pytest

from live.planner import Arrival, Plan, Step, plan, replayable

MAX_GAP = 10
SNAPSHOT = Plan(Step.SNAPSHOT, check_session=True)


@pytest.mark.parametrize(
    ("since", "seq", "quiet", "in_memory", "expected"),
    [
        # A new screen: its session and everything, read after the attach.
        (None, None, True, False, SNAPSHOT),
        (None, None, False, False, SNAPSHOT),
        # It saw what its look read, and nothing was rendered since: every later change reaches it.
        (5, 5, True, False, Plan(Step.UP_TO_DATE)),
        (5, 5, True, True, Plan(Step.UP_TO_DATE)),
        # A render ran or runs: what it left out is in memory, or read again with the session.
        (5, 5, False, True, Plan(Step.REPLAY_FROM_MEMORY, check_session=True)),
        (5, 5, False, False, SNAPSHOT),
        # Behind, memory holds the gap: a sign-out after the look is in it if nothing was rendered since.
        (3, 5, True, True, Plan(Step.REPLAY_FROM_MEMORY)),
        (3, 5, False, True, Plan(Step.REPLAY_FROM_MEMORY, check_session=True)),
        # Behind, not in memory: the gap up to the look's seq, when short and nothing rendered since.
        (3, 5, True, False, Plan(Step.RENDER_GAP)),
        (3, 3 + MAX_GAP, True, False, Plan(Step.RENDER_GAP)),
        (3, 4 + MAX_GAP, True, False, SNAPSHOT),
        (3, 5, False, False, SNAPSHOT),
        # From the future (a restored database): a snapshot.
        (7, 5, True, False, SNAPSHOT),
    ],
)
def test_a_plan_for_every_case(
    since: int | None, seq: int | None, quiet: bool, in_memory: bool, expected: Plan
) -> None:
    assert plan(Arrival(since, seq, quiet, in_memory), MAX_GAP) == expected


def test_no_plan_without_a_session_check_unless_nothing_was_rendered_since_the_look() -> None:
    for since in (None, 0, 3, 5, 9):
        for seq in (None, 5) if since is None else (5,):
            for in_memory in (False, True):
                found = plan(Arrival(since, seq, False, in_memory), MAX_GAP)
                assert found.check_session and found.step is not Step.RENDER_GAP


def test_a_gap_is_replayable_when_short_and_not_empty() -> None:
    assert [replayable(5, seq, MAX_GAP) for seq in (4, 5, 6, 15, 16)] == [False, False, True, True, False]
