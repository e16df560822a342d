"""Browser fixtures: a real `kraftsamla serve` in a subprocess, and Debian's Chromium driven by Playwright.

Every test gets a fresh data folder and SQLite database, a race made by `kraftsamla create-race --json`, and
a server on a free loopback port that it may stop and start again on the same database (and the same port,
so open pages reconnect by themselves). Each person in a test is a browser context: their own cookies.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from bench.server import LocalServer as Server

CHROMIUM = os.environ.get("KRAFTSAMLA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECT_TIMEOUT_MS = 10_000

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Return a fresh, not yet started server on a fresh data folder; it is stopped afterwards."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with Server(data_dir) as srv:
        yield srv
    errors = srv.errors()
    assert not errors, "the server logged errors (see its logs in the data folder):\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Launch Debian's Chromium once for the whole session."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need it "
            "(apt-get install -y chromium, or set KRAFTSAMLA_CHROMIUM to its path).",
            pytrace=False,
        )
    chromium = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Return a factory of pages, each in a browser context of its own (one person each).

    Uncaught JavaScript errors on any page fail the test when it ends.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(viewport: tuple[int, int] = (1366, 800), **options: Any) -> Page:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Return where screenshots go: KRAFTSAMLA_SCREENSHOTS if set, else the test's temp folder."""
    chosen = os.environ.get("KRAFTSAMLA_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
