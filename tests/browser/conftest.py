"""Browser tests: the console and /docs in the distribution's Chromium, driven by Playwright, against
`python -m infra.local` (what `make run` starts) on free ports. Every request a page makes to anything but
the local stack is aborted and fails the test: the console works offline."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    ViewportSize,
    sync_playwright,
)

from tests.support.stack import RunningStack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
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
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
TABLET: ViewportSize = {"width": 820, "height": 1180}
# What leaves the machine: any web address but the local stack's (the browser's own chrome:// pages stay).
REMOTE = re.compile(r"^(https?|wss?)://(?!127\.0\.0\.1[:/])")


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    running = RunningStack(licensed_features="FT-3001.007")
    yield running
    assert running.stop() == 0, "the local stack did not stop cleanly on SIGTERM"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make chromium` installs Debian's package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Browsing:
    """Pages of a test, each in a context of its own (its own session: one user). Requests that leave the
    machine are aborted and remembered; uncaught errors and content-security-policy refusals too."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.blocked: list[str] = []
        self.problems: list[str] = []

    def new_page(self, *, viewport: ViewportSize = LAPTOP, locale: str = "en-GB") -> Page:
        context = self.browser.new_context(viewport=viewport, locale=locale, timezone_id="Europe/Berlin")
        context.set_default_timeout(20_000)
        context.route(REMOTE, self._abort)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("console", self._console)
        return page

    def _abort(self, route: Route, request: Request) -> None:
        self.blocked.append(request.url)
        route.abort("internetdisconnected")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser: Browser) -> Iterator[Browsing]:
    session = Browsing(browser)
    yield session
    session.close()
    assert not session.blocked, f"a page reached for the network: {session.blocked}"
    assert not session.problems, session.problems


@pytest.fixture
def page(browsing: Browsing) -> Page:
    return browsing.new_page()
