"""Joining: the code decides the role, the cookie carries only an id, forgery is refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import settings
from tests.conftest import ORIGIN, Join, soup

SCREENS = {
    "participant": "participant",
    "expert": "expert",
    "facilitator": "facilitator",
    "wall": "wall",
    "jury": "jury",
}


@pytest.mark.parametrize("role", sorted(SCREENS))
def test_each_code_opens_its_screen(join: Join, role: str) -> None:
    person = join(role, name=f"Namn {role}")
    page = person.page()
    assert SCREENS[role] in page.body["class"]


def test_join_redirects_to_the_race_with_an_httponly_lax_cookie(
    app_client: TestClient, race: dict[str, Any]
) -> None:
    response = app_client.post(
        "/join", data={"code": race["codes"]["participant"], "name": "Alva"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/r/{race['slug']}")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_the_session_cookie_carries_only_an_id(app_client: TestClient, race: dict[str, Any]) -> None:
    app_client.post("/join", data={"code": race["codes"]["facilitator"], "name": "Fia"})
    payload = app_client.cookies["kraftsamla"].split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert list(data) == ["sid"]
    assert "facilitator" not in json.dumps(data)


def test_codes_are_read_leniently(app_client: TestClient, race: dict[str, Any]) -> None:
    code = race["codes"]["participant"]
    messy = f" {code[:3].lower()}-{code[3:].lower()} "
    response = app_client.post("/join", data={"code": messy, "name": "Alva"}, follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("code", "message"),
    [("WRONG1", "does not open any race"), ("", "Enter the code"), ("   ", "Enter the code")],
)
def test_a_bad_code_shows_the_form_again(app_client: TestClient, code: str, message: str) -> None:
    response = app_client.post(
        "/join", data={"code": code, "name": "Alva"}, headers={"accept-language": "en"}
    )
    assert 400 <= response.status_code < 500
    page = soup(response.text)
    assert message in page.select_one("[role=alert]").get_text()
    assert page.select_one("form input[name=code]") is not None
    assert page.select_one("input[name=name]")["value"] == "Alva"


def test_a_bad_code_is_explained_in_swedish(app_client: TestClient) -> None:
    response = app_client.post(
        "/join", data={"code": "NOPE99", "name": "Alva"}, headers={"accept-language": "sv"}
    )
    assert response.status_code == 422
    assert "Koden" in soup(response.text).select_one("[role=alert]").get_text()


def test_a_participant_needs_a_name(app_client: TestClient, race: dict[str, Any]) -> None:
    response = app_client.post("/join", data={"code": race["codes"]["participant"], "name": " "})
    assert response.status_code == 422


def test_the_wall_may_join_without_a_name(app_client: TestClient, race: dict[str, Any]) -> None:
    response = app_client.post("/join", data={"code": race["codes"]["wall"]}, follow_redirects=False)
    assert response.status_code == 303


def test_a_foreign_origin_is_refused(app: Any, app_client: TestClient, race: dict[str, Any]) -> None:
    response = app_client.post(
        "/join",
        data={"code": race["codes"]["participant"], "name": "Eve"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_a_post_without_origin_or_fetch_metadata_is_refused(app: Any, race: dict[str, Any]) -> None:
    with TestClient(app) as bare:
        response = bare.post("/join", data={"code": race["codes"]["participant"], "name": "Eve"})
        assert response.status_code == 403
        same_site = bare.post(
            "/join",
            data={"code": race["codes"]["participant"], "name": "Eve"},
            headers={"sec-fetch-site": "same-origin"},
            follow_redirects=False,
        )
        assert same_site.status_code == 303


def test_a_screen_without_a_session_goes_to_the_join_form(
    app_client: TestClient, race: dict[str, Any]
) -> None:
    response = app_client.get(f"/r/{race['slug']}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/")


def test_health_answers_when_the_database_does(app_client: TestClient) -> None:
    response = app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_responses_carry_the_security_headers(app_client: TestClient) -> None:
    headers = app_client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_origin_header_constant_matches_the_test_client() -> None:
    assert ORIGIN == "http://testserver"


@pytest.mark.parametrize(
    ("back", "lands"),
    [
        ("/r/{slug}/review", "/r/{slug}/review"),
        ("/r/{slug}/competences", "/r/{slug}/competences"),
        ("/r/{slug}", "/r/{slug}"),
        (None, "/r/{slug}"),
        ("https://evil.example/r/{slug}/review", "/r/{slug}"),
        ("//evil.example/r/{slug}", "/r/{slug}"),
        ("/r/{slug}//evil.example", "/r/{slug}"),
        ("/r/other-race/review", "/r/{slug}"),
        ("/r/{slug}/cards", "/r/{slug}"),  # a form's POST address, not a page
        ("/r/{slug}/review?x=1", "/r/{slug}"),
    ],
)
def test_switching_language_returns_to_the_page_it_was_made_on(
    join: Join, race: dict[str, Any], back: str | None, lands: str
) -> None:
    slug = race["slug"]
    fia = join("facilitator", "Fia")
    form = {"lang": "en"} if back is None else {"lang": "en", "next": back.format(slug=slug)}
    answer = fia.post(f"/r/{slug}/lang", form)
    assert answer.status_code == 303
    assert answer.headers["location"] == lands.format(slug=slug)


def test_the_codes_that_steer_or_judge_a_race_are_too_long_to_guess(race: dict[str, Any]) -> None:
    codes = race["codes"]
    assert len(codes["facilitator"]) >= 10 and len(codes["jury"]) >= 10
    assert all(len(codes[role]) == 6 for role in ("participant", "expert", "wall"))  # typed by everyone


def test_redirects_are_paths_and_never_send_the_host_header_back(
    app: Starlette, app_client: TestClient, race: dict[str, Any]
) -> None:
    browser = TestClient(app, headers={"origin": "http://evil.example", "host": "evil.example"})
    browser.portal = app_client.portal
    joined = browser.post(
        "/join", data={"code": race["codes"]["participant"], "name": "Eve"}, follow_redirects=False
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/r/{race['slug']}"
    again = browser.get("/", follow_redirects=False)
    assert again.headers["location"] == f"/r/{race['slug']}"
    chosen = browser.post(
        f"/r/{race['slug']}/team", data={"team": race["teams"][0]["id"]}, follow_redirects=False
    )
    assert chosen.headers["location"] == f"/r/{race['slug']}"
    left = browser.post("/leave", follow_redirects=False)
    assert left.headers["location"] == "/"
    away = browser.get(f"/r/{race['slug']}", follow_redirects=False)
    assert away.headers["location"] == "/"


def test_the_public_origin_is_the_sites_own_for_posts(
    app: Starlette, app_client: TestClient, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "PUBLIC_ORIGIN", "https://race.example.se")
    browser = TestClient(app, headers={"origin": "https://race.example.se"})
    browser.portal = app_client.portal
    data = {"code": race["codes"]["participant"], "name": "Eva"}
    assert browser.post("/join", data=data, follow_redirects=False).status_code == 303


def test_a_name_of_invisible_characters_is_no_name(app_client: TestClient, race: dict[str, Any]) -> None:
    answer = app_client.post(
        "/join", data={"code": race["codes"]["participant"], "name": "\u200b \u200d\u2060"}
    )
    assert answer.status_code == 422
