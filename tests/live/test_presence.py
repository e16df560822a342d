"""Who is online with several processes: each tells the others through PostgreSQL, and forgets the silent."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from bench.interface import Screen, join
from bench.server import LocalServer
from live.presence import PAYLOAD_MAX, Message, RemotePresence, decode, encode


def test_changes_and_whole_lists_go_in_payloads_notify_takes() -> None:
    (changes,) = encode("a:1:ff", changes={(7, 1): True, (7, 2): True, (8, 3): False})
    assert decode(changes) == Message("a:1:ff", online={7: {1, 2}}, offline={8: {3}})
    everyone = {race: set(range(race * 1000, race * 1000 + 3000)) for race in (1, 2, 3)}
    payloads = encode("a:1:ff", full=everyone, hello=True)
    assert len(payloads) > 1 and all(len(payload.encode()) < PAYLOAD_MAX for payload in payloads)
    messages = [decode(payload) for payload in payloads]
    assert all(message is not None for message in messages)
    remote = RemotePresence("b:2:00")
    for message in messages:
        assert message is not None
        remote.apply(message, now=0.0)
    assert all(remote.online(race) == people for race, people in everyone.items())
    assert messages[0] is not None and messages[0].full and messages[0].hello
    assert not any(message.full for message in messages[1:] if message is not None)


def test_a_whole_list_replaces_what_a_node_said_and_its_goodbye_forgets_it() -> None:
    remote = RemotePresence("me:1:00")
    assert remote.apply(Message("a:1:00", online={1: {10, 11}}), now=0.0) == {1}
    assert remote.apply(Message("b:2:00", online={1: {11}, 2: {20}}), now=0.0) == {1, 2}
    assert remote.apply(Message("a:1:00", offline={1: {11}}), now=1.0) == {1}
    assert remote.online(1) == {10, 11}  # 11 is still on b
    assert remote.apply(Message("a:1:00", full=True, online={3: {30}}), now=2.0) == {1, 3}
    assert remote.online(1) == {11} and remote.online(3) == {30}
    assert remote.apply(Message("b:2:00", bye=True), now=3.0) == {1, 2}
    assert remote.online(1) == set() and remote.nodes() == ["a:1:00"]
    assert remote.apply(Message("me:1:00", online={1: {99}}), now=3.0) == set()  # its own, heard back


def test_a_silent_node_is_forgotten() -> None:
    remote = RemotePresence("me:1:00")
    remote.apply(Message("a:1:00", online={1: {10}}), now=0.0)
    remote.apply(Message("b:2:00", online={2: {20}}), now=50.0)
    assert remote.expire(now=100.0, forget_after=90.0) == {1}
    assert remote.online(1) == set() and remote.online(2) == {20}


@pytest.mark.parametrize("payload", ["", "a b\n+ 1 2", "a\n+ x 1", "a\n+ 1 y", "a\nwhat", "a\n+ 1"])
def test_what_is_not_ours_is_ignored(payload: str) -> None:
    assert decode(payload) is None


def online_marks(screen: Screen, name: str, online: bool) -> None:
    """Wait for a frame of the facilitator's overview that shows a person online (or offline)."""
    wanted = "online" if online else "offline"
    while True:
        frame = screen.frame_with(name)
        for item in BeautifulSoup(frame, "html.parser").select("li.person"):
            if item.get_text().startswith(name) and wanted in (item.get("class") or []):
                return


@pytest.mark.slow
def test_a_facilitator_on_one_process_sees_who_is_online_on_another(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, _ = two_servers
    race = first.create_race(name="Två processer")
    slug, codes, team = race["slug"], race["codes"], race["teams"][0]["id"]
    with (
        join(second.base_url, slug, codes["facilitator"], "Fia") as facilitator,
        facilitator.live(),
        join(first.base_url, slug, codes["participant"], "Processa Per", team) as person,
    ):
        with person.live():
            online_marks(facilitator, "Processa Per", online=True)
        online_marks(facilitator, "Processa Per", online=False)
