"""SQLite's group commit: concurrent writes share a COMMIT, fail alone, and are acknowledged once stored."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select
from starlette.applications import Starlette

from app import viewers
from app.db import Database
from app.errors import Conflict
from app.kinds import Kind
from app.models import Card, Event
from app.screens import Renderer
from app.services import cards, events, people, races
from app.services.people import Viewer
from app.viewers import ViewerCache
from tests.conftest import POSTGRES_URL, Join, soup
from tests.helpers import seq_of, viewer_and_token

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="PostgreSQL writes one transaction per write")

Write = Callable[[Session], None]


@pytest.fixture
def race_id(db: Database, race: dict[str, Any]) -> int:
    with db.read() as session:
        found = races.get_race(session, race["slug"]).id
    assert found is not None
    return found


@pytest.fixture
def log(db: Database) -> Iterator[list[Any]]:
    """Note every COMMIT of a write transaction, and every publish, in the order they happen."""
    noted: list[Any] = []

    def committed(conn: Any) -> None:
        if conn.get_execution_options().get("kraftsamla_write"):
            noted.append("commit")

    event.listen(db.engine, "commit", committed)
    db.publishers.append(lambda race, seq: noted.append(("publish", race, seq)))
    yield noted
    event.remove(db.engine, "commit", committed)


def record(race_id: int, title: str, **extra: Any) -> Write:
    """Return a write that records one event with this title."""
    return lambda session: events.record(session, race_id, Kind.CARD_ADDED, data={"title": title}, **extra)


def in_one_group(db: Database, writes: list[Callable[[], Any]], first: Write | None = None) -> list[Any]:
    """Run the writes in threads while a first write holds the turn until all of them wait: one group.

    Return each write's result or the exception it raised.
    """
    writer = db.writer
    assert writer is not None
    holding, release = threading.Event(), threading.Event()
    outcomes: list[Any] = [None] * len(writes)

    def hold() -> None:
        with suppress(Exception), db.write() as session:  # its fate is the group's, seen in the others'
            holding.set()
            assert release.wait(10)
            if first is not None:
                first(session)

    def run(index: int) -> None:
        try:
            outcomes[index] = writes[index]()
        except Exception as error:
            outcomes[index] = error

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(writes))]
    for thread in threads:
        thread.start()
    with writer.state:
        assert writer.state.wait_for(lambda: writer.waiting == len(writes), timeout=10)
    release.set()
    for thread in [holder, *threads]:
        thread.join(10)
        assert not thread.is_alive()
    return outcomes


def through(db: Database, write: Write, returned: list[Any] | None = None) -> Callable[[], Any]:
    """Return a function that makes the write in a transaction, noting when it returned."""

    def run() -> None:
        with db.write() as session:
            write(session)
        if returned is not None:
            returned.append("returned")

    return run


def titles(db: Database, race_id: int) -> list[str]:
    with db.read() as session:
        found = session.exec(select(Event).where(Event.race_id == race_id, Event.kind == Kind.CARD_ADDED))
        return sorted(row.data["title"] for row in found)


def seqs(db: Database, race_id: int) -> list[int]:
    with db.read() as session:
        return list(session.exec(select(Event.seq).where(Event.race_id == race_id).order_by(col(Event.seq))))


def test_a_write_alone_commits_before_it_returns(db: Database, race_id: int, log: list[Any]) -> None:
    through(db, record(race_id, "Ensam"), log)()
    seq = seqs(db, race_id)[-1]
    assert log == ["commit", ("publish", race_id, seq), "returned"]


def test_concurrent_writes_share_one_commit_are_all_stored_and_are_published_once(
    db: Database, race_id: int, log: list[Any]
) -> None:
    before = seqs(db, race_id)[-1]
    names = [f"Kort {n}" for n in range(8)]
    outcomes = in_one_group(db, [through(db, record(race_id, name), log) for name in names])
    assert outcomes == [None] * len(names)
    assert titles(db, race_id) == sorted(names)
    # One COMMIT and one publish, of the highest seq, before any write of the group returned.
    assert log == ["commit", ("publish", race_id, before + len(names)), *["returned"] * len(names)]
    assert seqs(db, race_id) == list(range(1, before + len(names) + 1))


def test_a_write_that_raises_fails_alone_and_leaves_no_gap(
    db: Database, race_id: int, log: list[Any]
) -> None:
    before = seqs(db, race_id)[-1]

    def refused(session: Session) -> None:
        record(race_id, "Nekad")(session)
        raise Conflict("This card was refused.")

    writes = [record(race_id, "Ett"), refused, record(race_id, "Två"), record(race_id, "Tre")]
    outcomes = in_one_group(db, [through(db, write) for write in writes])
    assert [type(outcome) for outcome in outcomes] == [type(None), Conflict, type(None), type(None)]
    assert titles(db, race_id) == ["Ett", "Tre", "Två"]
    assert seqs(db, race_id) == list(range(1, before + 4))
    assert log == ["commit", ("publish", race_id, before + 3)]


def test_when_a_group_s_first_write_raises_the_others_commit_in_a_group_of_their_own(
    db: Database, race_id: int, log: list[Any]
) -> None:
    def refused(session: Session) -> None:
        record(race_id, "Nekad")(session)
        raise Conflict("This card was refused.")

    writes = [through(db, record(race_id, name)) for name in ("Ett", "Två", "Tre")]
    assert in_one_group(db, writes, first=refused) == [None, None, None]
    assert titles(db, race_id) == ["Ett", "Tre", "Två"]
    assert log.count("commit") == 1


def test_a_failed_commit_fails_every_write_of_the_group_and_publishes_nothing(
    db: Database, race_id: int, log: list[Any]
) -> None:
    def breaks_the_commit(session: Session) -> None:
        # A foreign key checked at COMMIT: the statement passes, the group's COMMIT fails.
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        record(race_id, "Trasig", person_id=10**9)(session)

    writes = [record(race_id, "Ett"), breaks_the_commit, record(race_id, "Två")]
    outcomes = in_one_group(db, [through(db, write) for write in writes])
    assert all(isinstance(outcome, IntegrityError) for outcome in outcomes), outcomes
    assert titles(db, race_id) == []
    assert log == ["commit"]  # tried once, and nothing published
    through(db, record(race_id, "Sedan"))()  # the next write starts a group of its own
    assert titles(db, race_id) == ["Sedan"]


def test_a_transaction_sqlite_ends_under_a_statement_fails_every_write_of_the_group(
    db: Database, race_id: int, log: list[Any]
) -> None:
    writer = db.writer
    assert writer is not None
    lost: list[Any] = []

    def loses_the_transaction(session: Session) -> None:
        record(race_id, "Borta")(session)
        # What SQLite does at times under SQLITE_FULL or IOERR: the statement fails, and the whole transaction
        # is rolled back.
        raw: Any = session.connection().connection.dbapi_connection
        raw.execute("ROLLBACK")
        session.execute(text("SELECT * FROM no_such_table"))

    def then_one_that_loses_it(session: Session) -> None:
        record(race_id, "Ett")(session)
        # The next write of this group loses it: it waits for the turn before this one is done.
        joins = threading.Thread(target=lambda: lost.extend(in_thread(through(db, loses_the_transaction))))
        joins.start()
        with writer.state:
            assert writer.state.wait_for(lambda: writer.waiting == 1, timeout=10)
        lost.append(joins)

    outcomes = in_one_group(db, [through(db, then_one_that_loses_it)])
    lost[0].join(10)
    outcomes += lost[1:]
    assert len(outcomes) == 2
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    assert all("no_such_table" in str(outcome) for outcome in outcomes)  # the cause, not its aftermath
    assert titles(db, race_id) == []
    assert log == []
    through(db, record(race_id, "Sedan"))()
    assert titles(db, race_id) == ["Sedan"]


def in_thread(run: Callable[[], Any]) -> list[Any]:
    """Return [the result or the exception] of a call."""
    try:
        return [run()]
    except Exception as error:
        return [error]


def test_on_a_full_disk_every_acknowledged_write_of_a_group_is_stored_and_no_other(
    db: Database, race_id: int
) -> None:
    with db.read() as session:
        pages = int(session.execute(text("PRAGMA page_count")).scalar_one())

    def fills_the_disk(session: Session) -> None:
        # SQLite rolls back the statement alone, or at times the whole transaction: either way, no write is
        # acknowledged that is not stored.
        session.execute(text(f"PRAGMA max_page_count = {pages + 1}"))
        for n in range(50):
            record(race_id, f"Full {n} " + "x" * 3000)(session)

    writes = [record(race_id, "Ett"), fills_the_disk, record(race_id, "Två")]
    outcomes = in_one_group(db, [through(db, write) for write in writes])
    assert isinstance(outcomes[1], OperationalError)
    acknowledged = sorted(
        name for name, outcome in zip(["Ett", "Full", "Två"], outcomes, strict=True) if outcome is None
    )
    assert titles(db, race_id) == acknowledged


def test_seq_order_is_commit_order(db: Database, race_id: int, log: list[Any]) -> None:
    before = seqs(db, race_id)[-1]

    def writes(thread: int) -> None:
        for n in range(10):
            through(db, record(race_id, f"{thread}-{n}"))()

    threads = [threading.Thread(target=writes, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    published = [entry[2] for entry in log if entry != "commit"]
    assert published == sorted(set(published))  # every publish is after the ones committed before it
    assert published[-1] == before + 60
    assert log.count("commit") == len(published)
    assert seqs(db, race_id) == list(range(1, before + 61))


def test_a_repeated_key_in_one_group_adds_one_card(db: Database, race: dict[str, Any]) -> None:
    team_id = race["teams"][0]["id"]
    viewer, _ = viewer_and_token(db, race["codes"]["participant"], "Alva", team_id)

    def post() -> int | None:
        return cards.add(db, viewer, title="Samma", body="", column="idea", key="samma-nyckel").id

    first, second = in_one_group(db, [post, post])
    assert first == second
    with db.read() as session:
        assert len(session.exec(select(Card).where(Card.title == "Samma")).all()) == 1


def test_the_write_probe_takes_its_turn_in_a_group_and_keeps_nothing(
    db: Database, race_id: int, log: list[Any]
) -> None:
    outcomes = in_one_group(db, [through(db, record(race_id, "Ett")), db.can_write])
    assert outcomes == [None, True]
    assert titles(db, race_id) == ["Ett"]
    assert log.count("commit") == 1


def test_a_group_of_posts_is_rendered_once_and_each_screen_gets_one_frame_of_all_of_them(
    join: Join,
    race: dict[str, Any],
    race_id: int,
    db: Database,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team_id = race["teams"][0]["id"]
    authors = [
        viewer_and_token(db, race["codes"]["participant"], f"Skribent {n}", team_id)[0] for n in range(4)
    ]
    screens = [join("participant", "Alva", team=0), join("facilitator", "Fia"), join("wall", "")]
    renders: list[int] = []
    changes = renderer.changes

    def counted(race_id: int, after_seq: int, audiences: frozenset[str]) -> Any:
        renders.append(after_seq)
        return changes(race_id, after_seq, audiences)

    monkeypatch.setattr(renderer, "changes", counted)
    titles = [f"Idé {n}" for n in range(len(authors))]

    def post(viewer: Viewer, title: str) -> Callable[[], int | None]:
        return lambda: cards.add(db, viewer, title=title, body="", column="idea", key=None).id

    with ExitStack() as stack:
        sockets = [stack.enter_context(screen.live()) for screen in screens]
        for socket in sockets:
            socket.receive_text()  # the snapshot
        before = len(renders)
        card_ids = in_one_group(
            db, [post(viewer, title) for viewer, title in zip(authors, titles, strict=True)]
        )
        seq = seqs(db, race_id)[-1]
        for socket in sockets:
            frame = socket.receive_text()
            assert seq_of(frame) == seq
            assert all(title in soup(frame).get_text() for title in titles)
        assert len(renders) == before + 1
        # The next frame each screen gets is the next change's: the group made one frame per screen.
        marker = cards.add(db, authors[0], title="Sedan", body="", column="idea", key=None)
        for socket in sockets:
            frame = socket.receive_text()
            assert seq_of(frame) == seq + 1 and "Sedan" in frame
    assert all(isinstance(card_id, int) for card_id in card_ids) and marker.id not in card_ids


def test_a_sign_out_is_dropped_from_the_viewer_cache_after_its_group_commits_not_before(
    app: Starlette, db: Database, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache: ViewerCache = app.state.viewers
    writer = db.writer
    assert writer is not None
    viewer, token = viewer_and_token(db, race["codes"]["participant"], "Alva")
    cache.put(token, viewer, cache.reading())
    joined: list[threading.Thread] = []

    def looks_meanwhile(_session: Session) -> None:
        # A request that looks its viewer up while the sign-out is in the group but not yet committed.
        mark = cache.reading()
        found = people.viewer(db, token)
        assert found is not None
        cache.put(token, found, mark)

    changed = viewers.changed

    def changed_then_a_look_joins(session: Session, person_ids: Any) -> None:
        changed(session, person_ids)
        joined.append(threading.Thread(target=through(db, looks_meanwhile)))
        joined[0].start()
        with writer.state:
            assert writer.state.wait_for(lambda: writer.waiting == 1, timeout=10)

    monkeypatch.setattr(viewers, "changed", changed_then_a_look_joins)
    assert people.leave(db, token) is not None
    joined[0].join(10)
    assert cache.get(token) is None
    assert people.viewer(db, token) is None
