"""The database: engine with SQLite pragmas, read and write transactions, publish after commit."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.sql.schema import Table
from sqlmodel import Session, SQLModel, create_engine

from app import health, settings
from app.writer import AFTER_COMMIT, GroupWriter
from live import backplane

Publisher = Callable[[int, int], None]


def after_commit(session: Session, run: Callable[[], None]) -> None:
    """Have a write run `run` once its changes are committed (its group's COMMIT on SQLite), before it
    returns; never when they are not (SQLAlchemy's after_commit event comes at a group's savepoint)."""
    session.info[AFTER_COMMIT].append(run)


def now_ms() -> int:
    """Return the server's wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def table_of(model: type[SQLModel]) -> Table:
    """Return a table model's Table, for statements of plain columns (SQLModel's types omit `__table__`)."""
    found: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy's declarative base
    return found


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """Create the engine; on SQLite every connection gets WAL, FULL sync, foreign keys and a busy timeout."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # One connection kept per worker thread, so a reconnect storm's reads never wait for one nor reopen one;
    # as many again, opened only when needed, for work outside them.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=settings.WORKER_THREADS,
        max_overflow=settings.WORKER_THREADS,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN, so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.SQLITE_BUSY_TIMEOUT_MS)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("kraftsamla_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """Hands out transactions and tells the live layer which race reached which seq after each commit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # A plain libpq DSN for connections outside SQLAlchemy (the backplane's listener).
        self.dsn = (
            make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_engine = self.engine.execution_options(kraftsamla_write=True)
        self._read_engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="REPEATABLE READ")
        )
        self.publishers: list[Publisher] = []
        # Other processes learn of each commit from the backplane's NOTIFY, sent inside the transaction.
        self._notify = None if self.is_sqlite else backplane.notify
        # Told each committed write's seconds, its wait for the group's commit included (the metrics).
        self.on_commit: Callable[[float], None] | None = None
        # SQLite takes one writer at a time: concurrent writes share a transaction and its COMMIT (a group).
        # PostgreSQL writes concurrently under row locks and groups its WAL flushes itself: one transaction
        # per write (docs/performance.md, "Group commit").
        self.writer = GroupWriter(self._write_engine, self._publish) if self.is_sqlite else None
        self.path = Path(make_url(normalise_url(url)).database or "") if self.is_sqlite else None
        # What the operator must fix for writes to work again, said once until a write works.
        self._unwritable: str | None = None
        if self.is_sqlite:
            event.listen(self.engine, "handle_error", self._on_error)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session that sees one consistent snapshot and writes nothing."""
        with Session(self._read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read_rows(self) -> Iterator[Connection]:
        """Yield a plain connection in one read transaction, like `read` without an ORM session, for the
        hottest reads of a few columns (a live socket's look), which it makes cheaper."""
        with self._read_engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session whose changes are all kept or none; return once they are committed, and publish
        each touched race's new seq after commit."""
        started = time.perf_counter()
        if self.writer is not None:
            with self.writer.write() as session:
                yield session
        else:
            session = Session(self._write_engine, expire_on_commit=False)
            published: dict[int, int] = {}
            session.info["published"] = published
            committed: list[Callable[[], None]] = []
            session.info[AFTER_COMMIT] = committed
            try:
                with session.begin():
                    yield session
                    if published and self._notify is not None:
                        dbapi = session.connection().connection.dbapi_connection
                        assert dbapi is not None
                        self._notify(dbapi, published)
            finally:
                session.close()
            for run in committed:
                run()
            self._publish(published)
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - started)

    def _publish(self, published: dict[int, int]) -> None:
        """Tell the publishers the seq each race reached in a commit."""
        for race_id, seq in published.items():
            for publish in self.publishers:
                publish(race_id, seq)

    def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def can_write(self) -> bool:
        """Return True when a write goes through: one is made in a write transaction, then rolled back."""
        if self.writer is not None:
            # In turn with the writes, as one of them: its savepoint is rolled back, the group goes on.
            with suppress(_Undone), self.writer.write() as session:
                session.execute(_TOUCH)
                raise _Undone
        else:
            with self._write_engine.connect() as conn, conn.begin() as transaction:
                conn.execute(_TOUCH)
                transaction.rollback()
        if self._unwritable is not None:
            health.log.warning("the database takes writes again")
            self._unwritable = None
        return True

    def _on_error(self, context: Any) -> None:
        """After SQLite refused a write as read-only: heal what can be healed, and reopen every connection."""
        if self.path is None or not health.is_readonly(context.original_exception):
            return
        problem = health.heal(self.path)
        if problem is not None and problem != self._unwritable:
            health.log.error("the database cannot take writes: %s", problem)
        self._unwritable = problem or "read-only connections"
        # Each connection of this process shares the read-only mapping of the -shm file while one is open.
        self.dispose()

    def dispose(self) -> None:
        """Close every pooled connection, and each one still in use as soon as it comes back."""
        retired = self.engine.pool
        # Made first: a new pool copies the listeners its pool has, and must not close its own connections.
        fresh = retired.recreate()
        # A thread may still hold a connection (a render, a snapshot) when the app shuts down or the pool is
        # renewed. On its return it would rest in the retired pool until garbage-collected while still open
        # (psycopg's ResourceWarning; on SQLite it would keep the old -shm mapping). Close it on its way back.
        event.listen(retired, "checkin", _close_on_checkin)
        self.engine.pool = fresh
        retired.dispose()


_TOUCH = text("UPDATE alembic_version SET version_num = version_num")


class _Undone(Exception):
    """Raised to roll a probe's write back."""


def _close_on_checkin(dbapi_conn: Any, _record: Any) -> None:
    if dbapi_conn is not None:
        dbapi_conn.close()
