"""Fixtures: a fresh migrated database per test, the app on it, and people who join its race."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Settings are read once at import: point the data folder somewhere disposable first.
os.environ.setdefault("KRAFTSAMLA_DATA_DIR", tempfile.mkdtemp(prefix="kraftsamla-test-"))

import pytest
from argon2.profiles import CHEAPEST
from bs4 import BeautifulSoup
from sqlalchemy.engine.url import make_url
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import cli, passwords, settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from app.screens import Renderer
from app.services import organisers, races
from bench.server import LocalServer

ORIGIN = "http://testserver"


# Set to a PostgreSQL server URL (its database is only used to create others) to run the suite on PostgreSQL.
POSTGRES_URL = os.environ.get("KRAFTSAMLA_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """Migrate one template database per session; each test copies it (fast) instead of migrating."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"kraftsamla_tpl_{uuid.uuid4().hex[:8]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    upgrade(_postgres_url(name))
    yield name
    drop_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite database per session; each test copies the file (fast) instead of migrating."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    # The last connection's close folded the write-ahead log into the file: the file is the whole database.
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Return the URL of a fresh database migrated to head."""
    if POSTGRES_URL:
        template: str | Path = request.getfixturevalue("postgres_template")
    else:
        template = request.getfixturevalue("sqlite_template")
    with copied_database(template, tmp_path / "test.db") as url:
        yield url


@contextmanager
def copied_database(template: str | Path, file: Path) -> Iterator[str]:
    """Yield the URL of a copy of a template: a SQLite file copied to `file`, or a PostgreSQL database
    made from the template database of that name (dropped afterwards)."""
    if not POSTGRES_URL:
        shutil.copyfile(template, file)
        yield f"sqlite:///{file}"
        return
    name = f"kraftsamla_t_{uuid.uuid4().hex[:10]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _postgres_url(name)
    finally:
        drop_database(name)


@pytest.fixture(scope="module")
def two_servers() -> Iterator[tuple[LocalServer, LocalServer, str]]:
    """Start two `kraftsamla serve` processes on one fresh PostgreSQL database."""
    if not POSTGRES_URL:
        pytest.skip("set KRAFTSAMLA_TEST_POSTGRES_URL to run on PostgreSQL")
    name = f"kraftsamla_so_{uuid.uuid4().hex[:8]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _postgres_url(name)
    # Every process of one site shares the database and the secret that signs its cookies.
    env = {
        "DATABASE_URL": url,
        "KRAFTSAMLA_BENCH_DATABASE_URL": url,
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0",
    }
    try:
        with LocalServer(env=env) as first, LocalServer(env=env) as second:
            first.start()
            second.start()
            yield first, second, url
            assert first.errors() == [] and second.errors() == []
    finally:
        drop_database(name)


def _postgres_url(database: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def _postgres_admin() -> Any:
    import psycopg

    assert POSTGRES_URL is not None
    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def drop_database(name: str) -> None:
    """Drop a test database, its connections with it."""
    import psycopg

    with _postgres_admin() as admin:
        for _ in range(100):
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                # An autovacuum worker (the server's own superuser) cannot be ended by the test role: it
                # finishes by itself within moments; there is nothing to wait on but the server.
                time.sleep(0.1)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with argon2's cheapest parameters: the real ones take a second each."""
    monkeypatch.setattr(passwords, "PROFILE", CHEAPEST)


@pytest.fixture
def app(db_url: str) -> Iterator[Starlette]:
    """Return the app on the test database; close its connections afterwards."""
    application = create_app(db_url)
    yield application
    application.state.db.dispose()


@pytest.fixture
def renderer(app: Starlette) -> Renderer:
    """Return the app's renderer of live screens."""
    made: Renderer = app.state.renderer
    return made


@pytest.fixture
def db(app: Starlette) -> Database:
    """Return the app's database."""
    database: Database = app.state.db
    return database


@pytest.fixture
def app_client(app: Starlette) -> Iterator[TestClient]:
    """Run the app (its lifespan and one event loop) for the whole test."""
    with TestClient(app, headers={"origin": ORIGIN}) as client:
        yield client


@pytest.fixture
def race(db: Database) -> dict[str, Any]:
    """Create a race with two teams and return its stable summary."""
    return races.create_race(db, "Testracet", lang="en", teams=2)


Kraftsamla = Callable[..., int]


@pytest.fixture
def kraftsamla(db: Database, monkeypatch: pytest.MonkeyPatch) -> Kraftsamla:
    """Return a function that runs the command line on a database (the test's unless `url` names another)."""

    def run(*args: str, url: str | None = None) -> int:
        monkeypatch.setattr(settings, "DATABASE_URL", url or db.url)
        return cli.main(list(args))

    return run


@dataclass
class Person:
    """A browser: its own cookies, sharing the server's event loop."""

    client: TestClient
    slug: str

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data=data, follow_redirects=False, **kwargs)

    def htmx(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.post(path, data, headers={"hx-request": "true"})

    @contextmanager
    def live(self, since: int | None = None) -> Iterator[LiveSession]:
        query = f"?since={since}" if since is not None else ""
        url = f"/r/{self.slug}/live{query}"
        with self.client.websocket_connect(url, headers={"origin": ORIGIN}) as socket:
            yield LiveSession(socket)

    def page(self) -> BeautifulSoup:
        response = self.client.get(f"/r/{self.slug}")
        assert response.status_code == 200, response.text
        return BeautifulSoup(response.text, "html.parser")


class LiveSession:
    """A test socket that notes the server's "synced" messages and hands over everything else."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.synced: list[int] = []
        self.presence: list[str] = []

    def receive_text(self) -> str:
        while True:
            text: str = self.socket.receive_text()
            if text.startswith('{"type": "synced"'):
                self.synced.append(json.loads(text)["seq"])
                continue
            if text.startswith("<!--presence-->"):
                # Who is online changed (the facilitators' overview): noted, not a state change.
                self.presence.append(text)
                continue
            return text

    def receive_raw(self) -> str:
        """Return the next message as sent, control messages included."""
        text: str = self.socket.receive_text()
        return text

    def receive_json(self) -> Any:
        return json.loads(self.receive_text())

    def wait_synced(self) -> int:
        """Read until the server says the screen is caught up; return the seq."""
        while not self.synced:
            text: str = self.socket.receive_text()
            if text.startswith('{"type": "synced"'):
                self.synced.append(json.loads(text)["seq"])
        return self.synced[-1]

    def send_text(self, text: str) -> None:
        self.socket.send_text(text)

    def send_json(self, data: Any) -> None:
        self.socket.send_json(data)


Join = Callable[..., Person]


@pytest.fixture
def join(app: Starlette, app_client: TestClient, race: dict[str, Any]) -> Join:
    """Return a function that joins the race as a role (and team) in a browser of its own."""

    def _join(role: str, name: str = "Alva", team: int | None = None) -> Person:
        client = TestClient(app, headers={"origin": ORIGIN})
        client.portal = app_client.portal  # one event loop for everyone, like one server process
        response = client.post(
            "/join", data={"code": race["codes"][role], "name": name}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        person = Person(client, race["slug"])
        if team is not None:
            chosen = person.post(f"/r/{race['slug']}/team", {"team": race["teams"][team]["id"]})
            assert chosen.status_code == 303, chosen.text
        return person

    return _join


PASSWORD = "ett långt lösenord"
SignIn = Callable[..., TestClient]


@pytest.fixture
def organiser(app: Starlette, app_client: TestClient, db: Database) -> SignIn:
    """Return a function that signs an organiser in (making the account first) in a browser of its own."""

    def _sign_in(email: str = "anna@example.se", name: str = "Anna") -> TestClient:
        with db.read() as session:
            known = organisers.find(session, email) is not None
        if not known:
            organisers.create(db, app.state.passwords, email, PASSWORD, name)
        client = TestClient(app, headers={"origin": ORIGIN})
        client.portal = app_client.portal
        response = client.post(
            "/organisers/sign-in", data={"email": email, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return client

    return _sign_in


def soup(text: str) -> BeautifulSoup:
    """Parse a page or a fragment (the cards an <hx-partial> upserts read like the rest)."""
    return BeautifulSoup(text, "html.parser")


def oob_ids(frame: str) -> set[str]:
    """Return the ids a frame replaces: regions and rows sent whole, and each card it upserts."""
    parsed = soup(frame)
    ids = {element["id"] for element in parsed.select("[hx-swap-oob]")}
    for partial in parsed.find_all("hx-partial"):
        ids.update(child["id"] for child in partial.find_all(recursive=False))
    return ids


def apply_frame(page: BeautifulSoup, frame: str) -> None:
    """Apply a frame to a page as the browser does: replace each region by id; upsert cards in order.

    The same rules as htmx's out-of-band swap (a morph ends as a replacement does) and its "upsert" swap
    (static/hx-upsert-4.0.1.js), so that a test can check that a screen which applied every frame shows what a
    fresh page shows.
    """
    parsed = soup(frame)
    for element in parsed.select("[hx-swap-oob]"):
        del element["hx-swap-oob"]
        target = page.find(id=element["id"])
        if target is not None:
            target.replace_with(element)
    for partial in parsed.find_all("hx-partial"):
        style, *modifiers = partial["hx-swap"].split()
        assert style == "upsert", partial["hx-swap"]
        key = dict(modifier.split(":", 1) for modifier in modifiers).get("key", "id")
        into = page.find(id=partial["hx-target"].removeprefix("#"))
        if into is None:
            continue
        for child in partial.find_all(recursive=False):
            old = page.find(id=child["id"])
            if old is not None:
                old.replace_with(child)  # where it is, as the extension does
                continue
            siblings = into.find_all(recursive=False)
            later = [sibling for sibling in siblings if int(sibling[key]) > int(child[key])]
            if later:
                later[0].insert_before(child)
            else:
                into.append(child)


@pytest.fixture(autouse=True)
def _processes_only_when_slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to start a process in a test not marked slow (or browser): `make test-fast` starts none."""
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("browser"):
        return

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("this test starts a process: mark it @pytest.mark.slow")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: quick failures first, and Playwright's loop never meets anyio's."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
