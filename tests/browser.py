"""Debian's Chromium, headless, driven by Playwright for Python: started once per pytest worker
(the ``browser`` fixture; conftest.py names this module a plugin), a page opened in it with its
console listened to (``opened``), and the keyboard's Tab walked through a page (``tabbed``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed: run `make chromium` (Debian's package)")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright for Python is not installed: it comes with the test extra (make install)",
    )
    # Playwright's own download of Chromium is not needed: it drives the system's
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@contextmanager
def opened(browser: Browser, path: Path) -> Iterator[tuple[Page, list[str]]]:
    """The page at ``path`` loaded (its scripts run) in a window of 1000 by 1400 pixels, and a list
    that collects what it writes on the console and the errors it throws, as long as it is open."""
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"error: {error}"))
    try:
        page.goto(path.as_uri())
        yield page, console
    finally:
        page.close()


def at_rest(page: Page) -> None:
    """The page scrolled to its top, a click in its margin: no focus, nothing under the mouse, and the
    keyboard's next Tab goes to the first thing it reaches."""
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.click(1, 1)


def tabbed(page: Page, presses: int, snapshot: str, argument: object) -> list[Any]:
    """From the page at rest, the keyboard's Tab pressed ``presses`` times; after each, what the
    script ``snapshot`` (a function) returns of ``argument``, taken in the page as the key comes up
    (the focus moved, and what moving it lit up, as the key went down)."""
    at_rest(page)
    page.evaluate(
        """([snapshot, argument]) => {
          const take = new Function("return " + snapshot)();
          window.tabbed = [];
          window.addEventListener("keyup", (event) => event.key === "Tab" && window.tabbed.push(take(argument)));
        }""",
        [snapshot, argument],
    )
    for _ in range(presses):
        page.keyboard.press("Tab")
    seen: list[Any] = page.evaluate("() => window.tabbed")
    return seen
