"""Who is online on the other processes, carried beside the backplane on PostgreSQL LISTEN/NOTIFY.

Each process (a node) says on the channel `kraftsamla_presence` whose first socket it opened and whose last it
closed, batched; it sends its whole list when it connects (asking the others for theirs) and every
`announce_every` seconds, which is also how the others know it lives. A node not heard from for `forget_after`
seconds (killed, cut off) is forgotten. A message is text: the node's name, then lines:

    *                  what follows is the node's whole list: forget what it said before
    + RACE ID,ID,...   online on that node
    - RACE ID,ID,...   offline on that node
    ?                  a node that just connected: send your whole list
    x                  the node stops: forget it

`RemotePresence` is the other nodes' lists (plain state, no I/O); `PresenceChannel` talks to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psycopg import AsyncConnection  # the [postgres] extra: imported when a listener starts

log = logging.getLogger("kraftsamla.live")

CHANNEL = "kraftsamla_presence"
# NOTIFY takes payloads under 8,000 bytes.
PAYLOAD_MAX = 7800

Lists = dict[int, set[int]]


@dataclass
class Message:
    """One notification, read back."""

    node: str
    full: bool = False
    online: Lists = field(default_factory=dict)
    offline: Lists = field(default_factory=dict)
    hello: bool = False
    bye: bool = False


def encode(
    node: str,
    *,
    full: Lists | None = None,
    changes: dict[tuple[int, int], bool] | None = None,
    hello: bool = False,
    bye: bool = False,
) -> list[str]:
    """Return the payloads that say a node's whole list (`full`) or its changes, each under PAYLOAD_MAX."""
    lines: list[str] = []
    if hello:
        lines.append("?")
    if bye:
        lines.append("x")
    if full is not None:
        lines.append("*")
        lines.extend(_lines("+", full))
    elif changes:
        online: Lists = {}
        offline: Lists = {}
        for (race, person), is_online in sorted(changes.items()):
            (online if is_online else offline).setdefault(race, set()).add(person)
        lines.extend(_lines("+", online))
        lines.extend(_lines("-", offline))
    payloads: list[str] = []
    current = node
    for line in lines:
        if len(current) + 1 + len(line) > PAYLOAD_MAX:
            payloads.append(current)
            current = node
        current += "\n" + line
    if current != node or not payloads:
        payloads.append(current)
    return payloads


def _lines(sign: str, lists: Lists) -> Iterator[str]:
    """Yield `SIGN RACE IDS` lines, a long list split so that each line fits in a payload."""
    for race, people in sorted(lists.items()):
        ids = [str(person) for person in sorted(people)]
        head = f"{sign} {race} "
        while ids:
            taken: list[str] = []
            size = len(head) + 64  # room for the node's name
            while ids and size + len(ids[0]) + 1 < PAYLOAD_MAX:
                size += len(ids[0]) + 1
                taken.append(ids.pop(0))
            yield head + ",".join(taken)


def decode(payload: str) -> Message | None:
    """Read a payload back; None when it is not one of ours."""
    node, *lines = payload.split("\n")
    if not node or " " in node:
        return None
    message = Message(node)
    try:
        for line in lines:
            if line == "*":
                message.full = True
            elif line == "?":
                message.hello = True
            elif line == "x":
                message.bye = True
            elif line[:2] in ("+ ", "- "):
                _, race, ids = line.split(" ", 2)
                target = message.online if line[0] == "+" else message.offline
                target.setdefault(int(race), set()).update(int(person) for person in ids.split(",") if person)
            else:
                return None
    except ValueError:
        return None
    return message


@dataclass
class _Node:
    seen: float
    lists: Lists = field(default_factory=dict)


class RemotePresence:
    """The people online on the other nodes, per race, as they said; which races a message changed."""

    def __init__(self, node: str) -> None:
        self.node = node
        self._nodes: dict[str, _Node] = {}

    def apply(self, message: Message, now: float) -> set[int]:
        """Take a message in; return the races whose online people changed."""
        if message.node == self.node:
            return set()
        before = self._nodes.get(message.node)
        old = {race: set(people) for race, people in before.lists.items()} if before else {}
        if message.bye:
            self._nodes.pop(message.node, None)
            return set(old)
        node = before or self._nodes.setdefault(message.node, _Node(now))
        node.seen = now
        if message.full:
            node.lists = {}
        for race, people in message.online.items():
            node.lists.setdefault(race, set()).update(people)
        for race, people in message.offline.items():
            kept = node.lists.get(race, set()) - people
            if kept:
                node.lists[race] = kept
            else:
                node.lists.pop(race, None)
        return {race for race in set(old) | set(node.lists) if old.get(race) != node.lists.get(race)}

    def expire(self, now: float, forget_after: float) -> set[int]:
        """Forget the nodes not heard from for `forget_after` seconds; return the races that changed."""
        changed: set[int] = set()
        for name, node in list(self._nodes.items()):
            if now - node.seen > forget_after:
                changed.update(node.lists)
                del self._nodes[name]
        return changed

    def online(self, race: int) -> set[int]:
        """Return the people online in a race on any other node."""
        found: set[int] = set()
        for node in self._nodes.values():
            found |= node.lists.get(race, set())
        return found

    def races(self) -> set[int]:
        """Return the races with someone online on another node."""
        return {race for node in self._nodes.values() for race in node.lists}

    def nodes(self) -> list[str]:
        """Return the names of the other nodes heard from."""
        return sorted(self._nodes)


def node_name() -> str:
    """Return a name for this process, unique across machines (host, pid and a few random digits)."""
    host = "".join(c for c in os.uname().nodename if c.isalnum() or c in "-.") or "host"
    return f"{host}:{os.getpid()}:{os.urandom(3).hex()}"


class PresenceChannel:
    """One process's side of the channel: it announces its changes and keeps the others' lists."""

    def __init__(
        self,
        dsn: str,
        local: Callable[[], Lists],
        on_change: Callable[[Iterable[int]], None],
        *,
        node: str | None = None,
        announce_every: float = 30.0,
        forget_after: float = 90.0,
        batch_window: float = 0.05,
        max_backoff: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.local = local
        self.on_change = on_change
        self.node = node or node_name()
        self.remote = RemotePresence(self.node)
        self.announce_every = announce_every
        self.forget_after = forget_after
        self.batch_window = batch_window
        self.max_backoff = max_backoff
        self.connected = asyncio.Event()
        self._changes: dict[tuple[int, int], bool] = {}
        self._want_full = False
        self._wake = asyncio.Event()
        self._send_conn: AsyncConnection | None = None

    def changed(self, race_id: int, person_id: int, online: bool) -> None:
        """Note that a person came online or went offline on this node (called on the event loop)."""
        self._changes[(race_id, person_id)] = online
        self._wake.set()

    async def run(self) -> None:
        """Listen and announce until cancelled, reconnecting with backoff."""
        import psycopg  # the `postgres` extra

        backoff = 0.1
        while True:
            try:
                name = f"kraftsamla-presence-{os.getpid()}"
                connect = psycopg.AsyncConnection.connect
                async with (
                    await connect(self.dsn, autocommit=True, application_name=name) as listen,
                    await connect(self.dsn, autocommit=True, application_name=name) as send,
                ):
                    await listen.execute(f"LISTEN {CHANNEL}")
                    self._send_conn = send
                    # Ours, and theirs: a node that was away may have been forgotten, and missed changes.
                    await self._send(send, encode(self.node, full=self.local(), hello=True))
                    self._changes.clear()
                    self.connected.set()
                    backoff = 0.1
                    async with asyncio.TaskGroup() as group:
                        group.create_task(self._listen(listen))
                        group.create_task(self._announce(send))
                        group.create_task(self._tick())
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("presence channel lost (%s); reconnecting in %.1f s", error, backoff)
            finally:
                self._send_conn = None
                self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(self.max_backoff, backoff * 2)

    async def say_goodbye(self) -> None:
        """Tell the others this node stops (at shutdown; they would forget it later anyway)."""
        send = self._send_conn
        if send is None:
            return
        try:
            await asyncio.wait_for(self._send(send, encode(self.node, bye=True)), 1.0)
        except Exception as error:
            log.debug("presence goodbye not sent: %s", error)

    async def _listen(self, listen: AsyncConnection) -> None:
        async for note in listen.notifies():
            message = decode(note.payload)
            if message is None or message.node == self.node:
                continue
            if message.hello:
                self._want_full = True
                self._wake.set()
            changed = self.remote.apply(message, time.monotonic())
            if changed:
                self.on_change(changed)

    async def _announce(self, send: AsyncConnection) -> None:
        while True:
            await self._wake.wait()
            # A storm of arrivals (a room reconnecting) goes out in a few notifications, not one each.
            await asyncio.sleep(self.batch_window)
            self._wake.clear()
            full, self._want_full = self._want_full, False
            changes, self._changes = self._changes, {}
            if full:
                await self._send(send, encode(self.node, full=self.local()))
            elif changes:
                await self._send(send, encode(self.node, changes=changes))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.announce_every)
            self._want_full = True
            self._wake.set()
            changed = self.remote.expire(time.monotonic(), self.forget_after)
            if changed:
                self.on_change(changed)

    @staticmethod
    async def _send(send: AsyncConnection, payloads: list[str]) -> None:
        for payload in payloads:
            await send.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
