"""Organiser accounts: made by the CLI or another organiser, sign-in and its limits, sign-out, password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import settings
from app.db import Database
from app.limits import SignInLimits
from app.models import Organiser, OrganiserSession, RaceOrganiser
from app.services import organisers
from tests.conftest import ORIGIN, PASSWORD, Kraftsamla, SignIn, soup


def browser(app: Starlette, app_client: TestClient) -> TestClient:
    client = TestClient(app, headers={"origin": ORIGIN})
    client.portal = app_client.portal
    return client


def sign_in(client: TestClient, email: str, password: str) -> object:
    return client.post(
        "/organisers/sign-in", data={"email": email, "password": password}, follow_redirects=False
    )


def sessions(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(OrganiserSession)).one())


def test_the_command_line_makes_an_organiser_who_signs_in_and_owns_a_race(
    kraftsamla: Kraftsamla,
    tmp_path: Path,
    app: Starlette,
    app_client: TestClient,
    db: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    assert kraftsamla("create-organiser", "--email", "Eva@Example.se", "--password-file", str(secret)) == 0
    assert kraftsamla("create-race", "--name", "Evas race", "--organiser", "eva@example.se", "--json") == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(printed)
    assert set(summary) == {"slug", "codes", "teams", "phases"}
    client = browser(app, app_client)
    answer = sign_in(client, "eva@example.se", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/home")
    names = [a.text for a in soup(client.get("/home").text).select(".glance-name")]
    assert names == ["Evas race"]
    # An unknown organiser makes no race, and the same e-mail cannot be made twice.
    assert kraftsamla("create-race", "--name", "Ingen", "--organiser", "nobody@example.se", "--json") == 1
    assert kraftsamla("create-organiser", "--email", "eva@example.se", "--password-file", str(secret)) == 1


def test_the_command_line_asks_for_the_password_twice_on_a_terminal_only(
    kraftsamla: Kraftsamla,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    typed = iter([PASSWORD, PASSWORD + "x", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert kraftsamla("create-organiser", "--email", "olle@example.se") == 1
    assert "differ" in capsys.readouterr().err
    assert kraftsamla("create-organiser", "--email", "olle@example.se") == 0
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert kraftsamla("create-organiser", "--email", "stina@example.se") == 2
    assert "--password-file" in capsys.readouterr().err
    with db.read() as session:
        assert session.exec(select(Organiser.email)).all() == ["olle@example.se"]


def test_a_short_password_or_a_bad_address_makes_no_account(db: Database, app: Starlette) -> None:
    for email, password in (("eva@example.se", "kort"), ("inte en adress", PASSWORD), ("", PASSWORD)):
        with pytest.raises(organisers.ServiceError):
            organisers.create(db, app.state.passwords, email, password)
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Organiser)).one() == 0


def test_a_wrong_password_is_401_and_changes_nothing(
    organiser: SignIn, app: Starlette, app_client: TestClient, db: Database
) -> None:
    organiser("anna@example.se")
    before = sessions(db)
    client = browser(app, app_client)
    for email in ("anna@example.se", "nobody@example.se"):
        answer = sign_in(client, email, "fel lösenord!")
        assert answer.status_code == 401
        assert soup(answer.text).select_one("#sign-in-error") is not None
    assert sessions(db) == before
    assert "kraftsamla" not in client.cookies


def test_repeated_wrong_passwords_for_one_account_get_429_even_with_the_right_one(
    organiser: SignIn, app: Starlette, app_client: TestClient
) -> None:
    organiser("anna@example.se")
    guesser = browser(app, app_client)
    for number in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        assert sign_in(guesser, "anna@example.se", f"gissning {number}").status_code == 401
    refused = sign_in(browser(app, app_client), "ANNA@example.se", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("text/html")
    assert soup(refused.text).select_one("#sign-in-error") is not None


def test_wrong_passwords_from_one_address_are_limited_across_accounts(
    organiser: SignIn, app: Starlette, app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIGN_IN_FAILURES_PER_ADDRESS", 3)
    organiser("anna@example.se")
    client = browser(app, app_client)
    for number in range(3):
        assert sign_in(client, f"person{number}@example.se", "gissning!!").status_code == 401
    assert sign_in(client, "anna@example.se", PASSWORD).status_code == 429


def test_the_limits_forget_failures_once_the_window_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SIGN_IN_WINDOW_S", 100.0)
    limits = SignInLimits()
    for moment in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        limits.failed("anna@example.se", "10.0.0.1", now=float(moment))
    assert limits.wait("anna@example.se", "10.0.0.2", now=10.0) == pytest.approx(90.0)
    assert limits.wait("bo@example.se", "10.0.0.2", now=10.0) == 0
    assert limits.wait("anna@example.se", "10.0.0.2", now=100.5) == 0


def test_the_home_needs_a_signed_in_organiser(app: Starlette, app_client: TestClient) -> None:
    client = browser(app, app_client)
    answer = client.get("/home", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/organisers/sign-in")


def test_signing_out_ends_the_session(organiser: SignIn, db: Database) -> None:
    client = organiser()
    assert client.get("/home").status_code == 200
    assert client.post("/organisers/sign-out", follow_redirects=False).status_code == 303
    with db.read() as session:
        assert (
            session.exec(select(OrganiserSession).where(col(OrganiserSession.ended_ms).is_(None))).all() == []
        )
    assert client.get("/home", follow_redirects=False).status_code == 303


def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    organiser: SignIn, db: Database
) -> None:
    laptop, phone = organiser(), organiser()
    wrong = laptop.post(
        "/organisers/password",
        data={"current": "fel", "new": "ett nytt lösenord", "again": "ett nytt lösenord"},
    )
    assert wrong.status_code == 401
    done = laptop.post(
        "/organisers/password",
        data={"current": PASSWORD, "new": "ett nytt lösenord", "again": "ett nytt lösenord"},
    )
    assert done.status_code == 200 and soup(done.text).select_one("#password-done") is not None
    assert laptop.get("/home").status_code == 200
    assert phone.get("/home", follow_redirects=False).status_code == 303
    client = TestClient(laptop.app, headers={"origin": ORIGIN})
    client.portal = laptop.portal
    assert sign_in(client, "anna@example.se", PASSWORD).status_code == 401
    assert sign_in(client, "anna@example.se", "ett nytt lösenord").status_code == 303


def test_an_organiser_makes_another_organiser_in_the_browser(
    organiser: SignIn, app: Starlette, app_client: TestClient
) -> None:
    client = organiser()
    made = client.post(
        "/organisers/new", data={"email": "bo@example.se", "name": "Bo", "password": "bos lösenord 1"}
    )
    assert made.status_code == 200 and soup(made.text).select_one("#organiser-made") is not None
    again = client.post(
        "/organisers/new", data={"email": "BO@example.se", "name": "Bo", "password": "bos lösenord 1"}
    )
    assert again.status_code == 409
    assert sign_in(browser(app, app_client), "bo@example.se", "bos lösenord 1").status_code == 303


def test_a_cross_site_sign_in_is_refused(organiser: SignIn, app: Starlette) -> None:
    organiser()
    foreign = TestClient(app, headers={"origin": "https://evil.example"})
    assert sign_in(foreign, "anna@example.se", PASSWORD).status_code == 403


def test_a_race_made_by_the_command_line_has_one_facilitator_for_its_organiser(
    kraftsamla: Kraftsamla, organiser: SignIn, db: Database
) -> None:
    organiser()
    assert kraftsamla("create-race", "--name", "Annas race", "--organiser", "anna@example.se") == 0
    with db.read() as session:
        links = session.exec(select(RaceOrganiser)).all()
    assert len(links) == 1 and links[0].person_id is not None
