"""The backplane between processes: PostgreSQL LISTEN/NOTIFY carrying only "race R reached seq S"."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("kraftsamla.live")

CHANNEL = "kraftsamla"
OnSeq = Callable[[int, int], None]
OnReconnect = Callable[[], Awaitable[None]]


def payload(race_id: int, seq: int) -> str:
    """Return the notification text for a race's new seq."""
    return f"{race_id}:{seq}"


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


class PostgresListener:
    """One listening connection per process; after a drop it reconnects and the app catches up."""

    def __init__(
        self, dsn: str, on_seq: OnSeq, on_reconnect: OnReconnect, *, max_backoff: float = 5.0
    ) -> None:
        self.dsn = dsn
        self.on_seq = on_seq
        self.on_reconnect = on_reconnect
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
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("backplane connection lost (%s); reconnecting in %.1f s", error, backoff)
            self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(self.max_backoff, backoff * 2)
