"""The resume history answers only when it saw the whole gap for that audience."""

from __future__ import annotations

from live.history import History


def filled() -> History:
    history = History()
    history.add(10, 11, frozenset({"a", "b"}), {"a": "a11"})
    history.add(11, 13, frozenset({"a", "b"}), {"a": "a13", "b": "b13"})
    history.add(13, 14, frozenset({"a"}), {"a": "a14"})
    return history


def test_it_replays_the_frames_after_since_in_order() -> None:
    assert filled().replay("a", 10) == [(11, "a11"), (13, "a13"), (14, "a14")]
    assert filled().replay("a", 13) == [(14, "a14")]


def test_an_audience_untouched_by_a_render_gets_nothing_for_it() -> None:
    assert filled().replay("b", 13) is None  # b was not watching at 14
    assert filled().replay("b", 12) is None
    history = filled()
    history.add(14, 15, frozenset({"a", "b"}), {"a": "a15"})
    assert history.replay("b", 14) == []


def test_a_gap_older_than_what_is_kept_cannot_be_replayed() -> None:
    assert filled().replay("a", 9) is None


def test_up_to_date_means_nothing_to_send() -> None:
    assert filled().replay("a", 14) == []


def test_a_seq_it_never_reached_is_not_answered() -> None:
    assert filled().replay("a", 99) is None
    assert History().replay("a", 0) is None


def test_bounds_drop_the_oldest() -> None:
    history = History(max_entries=2, max_bytes=1000)
    for seq in range(1, 6):
        history.add(seq - 1, seq, frozenset({"a"}), {"a": "x" * 10})
    assert len(history) == 2
    assert history.replay("a", 3) == [(4, "x" * 10), (5, "x" * 10)]
    assert history.replay("a", 2) is None
    small = History(max_entries=100, max_bytes=25)
    for seq in range(1, 6):
        small.add(seq - 1, seq, frozenset({"a"}), {"a": "x" * 10})
    assert small.size <= 25
