"""The backplane between processes: PostgreSQL LISTEN/NOTIFY carrying "race R reached seq S", and which
people's sessions changed (who they are, or whether they still hold one)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("kraftsamla.live")

CHANNEL = "kraftsamla"
OnSeq = Callable[[int, int], None]
OnPeople = Callable[[str, list[int]], None]
OnReconnect = Callable[[], Awaitable[None]]


def payload(race_id: int, seq: int) -> str:
    """Return the notification text for a race's new seq."""
    return f"{race_id}:{seq}"


PEOPLE = "people:"
# A notification's payload is at most 8,000 bytes: a race deleted at once names its people in parts.
PEOPLE_PER_NOTE = 500


def people_payloads(sender: str, person_ids: list[int]) -> list[str]:
    """Return the notification texts naming people whose sessions changed, and who changed them."""
    return [
        f"{PEOPLE}{sender}:" + ",".join(map(str, person_ids[start : start + PEOPLE_PER_NOTE]))
        for start in range(0, len(person_ids), PEOPLE_PER_NOTE)
    ]


def parse_people(text: str) -> tuple[str, list[int]] | None:
    """Read a people notification back as (sender, people); None when it is not one."""
    if not text.startswith(PEOPLE):
        return None
    sender, _, listed = text[len(PEOPLE) :].partition(":")
    try:
        return sender, [int(part) for part in listed.split(",")]
    except ValueError:
        return None


def parse(text: str) -> tuple[int, int] | None:
    """Read a notification back; None when it is not ours."""
    race, _, seq = text.partition(":")
    try:
        return int(race), int(seq)
    except ValueError:
        return None


class Cursor(Protocol):
    """What `notify` needs of a DB-API cursor."""

    def execute(self, operation: str, parameters: tuple[str, str]) -> object: ...


class DBAPIConnection(Protocol):
    """What `notify` needs of a DB-API connection (psycopg's, under SQLAlchemy's transaction)."""

    def cursor(self) -> Cursor: ...


def notify(conn: DBAPIConnection, seqs: dict[int, int]) -> None:
    """Tell every process, in the transaction that reached them, which races reached which seqs.

    PostgreSQL delivers a NOTIFY when (and only if) its transaction commits, so it is sent from inside it.
    """
    cursor = conn.cursor()
    for race_id, seq in seqs.items():
        cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload(race_id, seq)))


def listener_name(pid: int | None = None) -> str:
    """Return the application_name of a process's listening connection (operators and tests look for it)."""
    return f"kraftsamla-listen-{pid or os.getpid()}"


def notify_people(conn: DBAPIConnection, sender: str, person_ids: list[int]) -> None:
    """Tell every process, in the transaction that changes them, whose sessions changed."""
    cursor = conn.cursor()
    for text in people_payloads(sender, person_ids):
        cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))


class PostgresListener:
    """One listening connection per process; after a drop it reconnects and the app catches up."""

    def __init__(
        self,
        dsn: str,
        on_seq: OnSeq,
        on_reconnect: OnReconnect,
        *,
        on_people: OnPeople | None = None,
        max_backoff: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.on_seq = on_seq
        self.on_reconnect = on_reconnect
        self.on_people = on_people
        self.max_backoff = max_backoff
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff."""
        import psycopg  # the `postgres` extra: a server on SQLite runs without it

        backoff = 0.1
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, application_name=listener_name()
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connections += 1
                    self.connected.set()
                    backoff = 0.1
                    # Whatever was committed while nobody listened is in the event table: catch up from it.
                    await self.on_reconnect()
                    async for note in conn.notifies():
                        found = parse(note.payload)
                        if found is not None:
                            self.on_seq(*found)
                        elif self.on_people is not None and (people := parse_people(note.payload)):
                            self.on_people(*people)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("backplane connection lost (%s); reconnecting in %.1f s", error, backoff)
            self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(self.max_backoff, backoff * 2)
