"""The printable join sheet: a page per role code with its QR code, in the race's language."""

from __future__ import annotations

from typing import Any

import pytest

from app import settings
from app.db import Database
from app.services import races
from app.settings import STATIC_DIR
from tests.conftest import Join, soup


def test_the_sheet_has_a_page_per_code_with_its_qr(join: Join, race: dict[str, Any]) -> None:
    response = join("facilitator", "Fia").client.get(f"/r/{race['slug']}/sheet")
    assert response.status_code == 200
    page = soup(response.text)
    sheets = page.select("section.sheet")
    assert [sheet["data-role"] for sheet in sheets] == [
        "participant",
        "expert",
        "jury",
        "wall",
        "facilitator",
    ]
    for sheet in sheets:
        code = race["codes"][sheet["data-role"]]
        assert sheet.select_one(".sheet-code").get_text(strip=True) == code
        assert sheet.select_one(".sheet-qr svg") is not None
        assert sheet.select_one(".sheet-qr")["aria-label"]
        assert len(sheet.select(".sheet-steps li")) == 3


def test_the_sheet_is_in_the_races_language(join: Join, db: Database) -> None:
    swedish = races.create_race(db, "Kraftsamla Gävle", lang="sv", teams=1)
    facilitator = join("facilitator", "Fia")  # joins the English test race
    assert facilitator is not None
    client = facilitator.client
    client.post(
        "/join", data={"code": swedish["codes"]["facilitator"], "name": "Fia"}, follow_redirects=False
    )
    client.post(f"/r/{swedish['slug']}/lang", data={"lang": "en", "next": "/"}, follow_redirects=False)
    page = soup(client.get(f"/r/{swedish['slug']}/sheet").text)
    assert page.select_one("#sheet-participant h1").get_text() == "Deltagare"
    assert "Skanna QR-koden" in page.select_one("#sheet-participant .sheet-steps").get_text()
    assert page.select_one("html")["lang"] == "sv"


def test_only_facilitators_get_the_sheet(join: Join, race: dict[str, Any]) -> None:
    for role in ("participant", "expert", "wall", "jury"):
        response = join(role, "Olle").client.get(f"/r/{race['slug']}/sheet")
        assert response.status_code == 403
        assert race["codes"]["facilitator"] not in response.text


def test_the_control_screen_links_to_the_sheet(join: Join, race: dict[str, Any]) -> None:
    link = join("facilitator", "Fia").page().select_one("#join-sheet-link")
    assert link is not None and link["href"] == f"/r/{race['slug']}/sheet"


def test_the_sheet_prints_one_code_per_page() -> None:
    css = (STATIC_DIR / "kraftsamla.css").read_text()
    printed = css[css.index("@media print {\n  @page") :]
    assert ".sheet {" in printed and "break-after: page" in printed
    assert ".sheet-tools" in printed


def test_links_read_away_from_the_site_use_the_public_origin_not_the_host_header(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    facilitator = join("facilitator", "Fia")
    asked_as = {"host": "evil.example"}
    page = soup(facilitator.client.get(f"/r/{race['slug']}/sheet", headers=asked_as).text)
    assert "evil.example" in page.select_one(".sheet-steps li").get_text()  # no public origin: the one asked
    monkeypatch.setattr(settings, "PUBLIC_ORIGIN", "https://race.example.se")
    page = soup(facilitator.client.get(f"/r/{race['slug']}/sheet", headers=asked_as).text)
    assert "https://race.example.se/" in page.select_one(".sheet-steps li").get_text()
    assert "evil.example" not in str(page)
    qr = facilitator.client.get(f"/r/{race['slug']}/qr.svg", headers=asked_as)
    assert qr.status_code == 200
