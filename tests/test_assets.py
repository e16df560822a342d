"""Static files under names that change with their content, cached for a year; plain names revalidate."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from app import settings
from app.assets import FOREVER, HASHED, REVALIDATE, hashed_name, manifest


def static_links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = [tag.get("href") or tag.get("src") for tag in soup.find_all(["link", "script"])]
    return [str(link) for link in found if link and str(link).startswith("/static/")]


def test_pages_name_static_files_by_their_content(app_client: TestClient) -> None:
    links = static_links(app_client.get("/").text)
    hashes = manifest(settings.STATIC_DIR)
    assert links and all(HASHED.match(link.removeprefix("/static/")) for link in links)
    for link in links:
        found = HASHED.match(link.removeprefix("/static/"))
        assert found is not None and hashes[found["stem"] + found["suffix"]] == found["hash"]
        response = app_client.get(link)
        assert response.status_code == 200 and response.headers["cache-control"] == FOREVER


def test_plain_and_outdated_names_are_served_to_be_revalidated(app_client: TestClient) -> None:
    for path in ("/static/kraftsamla.css", "/static/kraftsamla.000000000000.css"):
        response = app_client.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == REVALIDATE
        assert response.content == (settings.STATIC_DIR / "kraftsamla.css").read_bytes()
    assert app_client.get("/static/nothing.000000000000.js").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("one")
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"font")
    before = manifest(tmp_path)
    (tmp_path / "app.js").write_text("two")
    after = manifest(tmp_path)
    assert set(before) == {"app.js", "fonts/a.woff2"}
    assert before["app.js"] != after["app.js"] and before["fonts/a.woff2"] == after["fonts/a.woff2"]
    assert hashed_name("fonts/a.woff2", "0123456789ab") == "fonts/a.0123456789ab.woff2"
    assert hashed_name("htmx-4.0.1.min.js", "0123456789ab") == "htmx-4.0.1.min.0123456789ab.js"
