"""Who is asking, kept per session: a known session is not read again, and every change is seen at once."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app.db import Database, now_ms
from app.models import Card, Challenge, Person, PersonSession
from app.services import people, privacy, races
from app.viewers import ViewerCache
from tests.conftest import ORIGIN, Join, SignIn
from tests.conftest import Person as Browser

YEAR_MS = 365 * 24 * 3600 * 1000


def person_id(db: Database, name: str) -> int:
    with db.read() as session:
        found = session.exec(select(Person.id).where(Person.name == name)).one()
    assert found is not None
    return found


def same_session(app: Starlette, browser: Browser) -> Browser:
    """Return another browser holding the same session cookie (a second tab that keeps it)."""
    other = TestClient(app, headers={"origin": ORIGIN}, cookies=dict(browser.client.cookies.items()))
    other.portal = browser.client.portal
    return Browser(other, browser.slug)


def signed_in(browser: Browser) -> bool:
    """Return whether the race's screen opens for this browser (else it is sent to join)."""
    status: int = browser.client.get(f"/r/{browser.slug}", follow_redirects=False).status_code
    assert status in (200, 303)
    return status == 200


def post_card(browser: Browser, title: str) -> Any:
    return browser.post(f"/r/{browser.slug}/cards", {"title": title, "column": "idea", "key": title})


def team_of_card(db: Database, title: str) -> int | None:
    with db.read() as session:
        return session.exec(select(Card.team_id).where(Card.title == title)).one()


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs meanwhile."""
    found: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        found.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_known_session_is_not_read_again(join: Join, db: Database, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    assert signed_in(alva)
    with statements(db) as ran:
        assert signed_in(alva)
        assert post_card(alva, "Utan uppslag").status_code == 303
    assert ran  # the page and the post read and write
    assert not [statement for statement in ran if "personsession" in statement]


def test_signing_out_ends_the_session_at_once(app: Starlette, join: Join) -> None:
    alva = join("participant", "Alva", team=0)
    tab = same_session(app, alva)
    assert signed_in(tab)
    assert alva.post("/leave").status_code == 303
    assert not signed_in(tab)
    assert post_card(tab, "Efter utloggning").status_code == 401


def test_a_renewed_connection_pool_still_tells_the_cache(app: Starlette, join: Join, db: Database) -> None:
    """After the pool is renewed (SQLite healed after a read-only error), writes still tell the cache."""
    alva = join("participant", "Alva", team=0)
    tab = same_session(app, alva)
    assert signed_in(tab)
    db.dispose()
    assert alva.post("/leave").status_code == 303
    assert not signed_in(tab)


def test_the_cache_drops_only_once_the_change_is_committed(
    app: Starlette, join: Join, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read made when the drop happens (another request's) already finds the change: it cannot refill."""
    alva = join("participant", "Alva", team=0)
    with db.read() as session:
        token = session.exec(select(PersonSession.token).join(Person).where(Person.name == "Alva")).one()
    seen: list[object] = []
    drop = ViewerCache.drop

    def reading_first(cache: ViewerCache, person_ids: Any) -> None:
        seen.append(people.viewer(db, token))
        drop(cache, person_ids)

    monkeypatch.setattr(ViewerCache, "drop", reading_first)
    assert alva.post("/leave").status_code == 303
    assert seen == [None]


def test_joining_again_ends_the_earlier_session_at_once(
    app: Starlette, join: Join, race: dict[str, Any]
) -> None:
    alva = join("participant", "Alva", team=0)
    tab = same_session(app, alva)
    assert signed_in(tab)
    again = alva.post("/join", {"code": race["codes"]["participant"], "name": "Alva Nyman"})
    assert again.status_code == 303
    assert signed_in(alva)
    assert not signed_in(tab)


def test_an_erasure_signs_the_person_out_at_once(join: Join, db: Database, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    boss = join("facilitator", "Fiona")
    assert signed_in(alva)
    erased = boss.post(f"/r/{race['slug']}/review/people/{person_id(db, 'Alva')}/erase", {"confirm": "yes"})
    assert erased.status_code == 303
    assert not signed_in(alva)


def test_the_retention_purge_signs_everyone_out_at_once(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    alva = join("participant", "Alva", team=0)
    boss = join("facilitator", "Fiona")
    assert boss.post(f"/r/{race['slug']}/end").status_code == 303
    assert signed_in(alva)
    assert privacy.purge(db, at_ms=now_ms() + 10 * YEAR_MS)[1] >= 2
    assert not signed_in(alva)


def test_a_move_by_a_facilitator_is_seen_at_once(join: Join, db: Database, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    boss = join("facilitator", "Fiona")
    assert post_card(alva, "Före flytten").status_code == 303
    second = race["teams"][1]["id"]
    moved = boss.post(f"/r/{race['slug']}/people/{person_id(db, 'Alva')}/team", {"team": second})
    assert moved.status_code == 303
    assert post_card(alva, "Efter flytten").status_code == 303
    assert team_of_card(db, "Efter flytten") == second


def test_a_participants_own_change_of_team_is_seen_at_once(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    alva = join("participant", "Alva", team=0)
    assert post_card(alva, "I första laget").status_code == 303
    second = race["teams"][1]["id"]
    assert alva.post(f"/r/{race['slug']}/team", {"team": second}).status_code == 303
    assert post_card(alva, "I andra laget").status_code == 303
    assert team_of_card(db, "I andra laget") == second


def test_applied_team_suggestions_are_seen_at_once(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fiona")
    ada = join("participant", "Ada")
    join("participant", "Bea")
    with db.write() as session:
        session.add(
            Challenge(race_id=races.get_race(session, race["slug"]).id, company="Mejeriet", title="Mjölk")
        )
    assert signed_in(ada)
    asked = facilitator.post(
        f"/r/{race['slug']}/teams/suggest", {"min": "1", "max": "5", "action": "suggest"}
    )
    form = BeautifulSoup(asked.text, "html.parser").select_one("#suggest-form")
    data: dict[str, Any] = {"place": [field["value"] for field in form.select("input[name=place]")]}
    for field in form.select("input[name=min], input[name=max], input[name=per], input[name=key]"):
        data[field["name"]] = field.get("value", "")
    for chooser in form.select("select"):
        data[chooser["name"]] = chooser.select_one("option[selected]")["value"]
    applied = facilitator.post(f"/r/{race['slug']}/teams/suggest", {**data, "action": "apply"})
    assert applied.status_code == 303
    with db.read() as session:
        team = session.exec(select(Person.team_id).where(Person.name == "Ada")).one()
    assert team is not None
    assert post_card(ada, "Föreslaget lag").status_code == 303
    assert team_of_card(db, "Föreslaget lag") == team


def test_a_change_of_language_is_seen_at_once(join: Join, db: Database, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    assert alva.page().html["lang"] == "en"
    # Through the service: the route also sets the language cookie, which would hide a stale viewer.
    people.set_language(db, person_id(db, "Alva"), "sv")
    assert alva.page().html["lang"] == "sv"


def test_deleting_a_race_forgets_its_sessions_at_once(
    organiser: SignIn, app: Starlette, app_client: TestClient, db: Database
) -> None:
    anna = organiser()
    made = anna.post(
        "/home/races",
        data={
            "name": "Raderas",
            "key": "k-raderas",
            "lang": "sv",
            "teams": "2",
            "source": "default",
            "timezone": "Europe/Stockholm",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    slug = made.headers["location"].rsplit("#race-", 1)[1]
    with db.read() as session:
        code = races.codes(session, races.get_race(session, slug).id or 0)["participant"]
    alva = TestClient(app, headers={"origin": ORIGIN})
    alva.portal = app_client.portal
    assert alva.post("/join", data={"code": code, "name": "Alva"}, follow_redirects=False).status_code == 303
    cache: ViewerCache = app.state.viewers
    assert alva.get(f"/r/{slug}").status_code == 200 and len(cache) >= 1
    kept = len(cache)
    done = anna.post(f"/home/races/{slug}/delete", data={"name": "Raderas"}, follow_redirects=False)
    assert done.status_code == 303
    assert len(cache) == kept - 1


def test_a_read_that_began_before_a_drop_is_not_kept() -> None:
    cache = ViewerCache()
    viewer = people.Viewer(1, "Alva", "participant", 1, "r", 1, "sv")
    mark = cache.reading()
    cache.drop([1])  # a write committed while the read ran: what it found may be the old state
    cache.put("token", viewer, mark)
    assert cache.get("token") is None
    cache.put("token", viewer, cache.reading())
    assert cache.get("token") == viewer


def test_the_least_recently_used_session_goes_first() -> None:
    cache = ViewerCache(size=2)
    for number in (1, 2):
        cache.put(
            f"t{number}", people.Viewer(number, "N", "participant", 1, "r", None, "sv"), cache.reading()
        )
    assert cache.get("t1") is not None
    cache.put("t3", people.Viewer(3, "N", "participant", 1, "r", None, "sv"), cache.reading())
    assert cache.get("t2") is None and cache.get("t1") is not None and cache.get("t3") is not None


# What a Viewer says (app/services/people.py): a person's team, name, language and role, their race's slug
# and language, and whether the session holds.
VIEWER_FIELDS = {"person": {"team_id", "name", "lang", "role"}, "race": {"slug", "lang"}}


def _changes_a_viewer(function: ast.FunctionDef) -> bool:
    """Return whether a function writes what some Viewer says, as far as its code shows."""
    text = ast.unparse(function)
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name):
                    if part.attr in VIEWER_FIELDS.get(part.value.id, ()):
                        return True
                    if part.attr == "ended_ms" and "PersonSession" in text:
                        return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            named = [arg.id for arg in node.args if isinstance(arg, ast.Name)]
            if node.func.id in ("update", "delete") and ({"Person", "PersonSession"} & set(named)):
                return True
            if node.func.id == "remove_data":
                return True
    return False


def test_every_service_that_changes_who_someone_is_tells_the_caches() -> None:
    """A write that changes what a Viewer says calls viewers.changed in the same function."""
    silent = []
    for path in sorted((Path(__file__).resolve().parent.parent / "app" / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            changes = isinstance(node, ast.FunctionDef) and _changes_a_viewer(node)
            if changes and "viewers.changed(" not in ast.unparse(node):
                silent.append(f"{path.name}:{node.name}")
    assert silent == []
