"""Shared fixtures: the repo on sys.path, AppTest factory, and a live app with headless Chromium."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import CHROMIUM, CHROMIUM_ARGS, server  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test starts with empty Streamlit caches."""
    import streamlit as st

    st.cache_data.clear()
    yield


@pytest.fixture(autouse=True)
def page_errors() -> Iterator[list]:
    """Errors a page raised during the test. The app shows the user only a message with a
    reference (`lib.ui.errors`), so `at.exception` stays empty; a test fails on any such error
    unless it takes this fixture and clears the list after checking it."""
    import logging

    from lib.ui.errors import LOGGER

    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = records.append
    LOGGER.addHandler(handler)
    yield records
    LOGGER.removeHandler(handler)
    if records:
        pytest.fail("a page raised: " + "; ".join(
            f"{r.exc_info[0].__name__}: {r.exc_info[1]}" if r.exc_info else r.getMessage()
            for r in records), pytrace=False)


@pytest.fixture
def app_test():
    """Factory: an AppTest of the entry point, or of the entry point switched to one page."""
    from streamlit.testing.v1 import AppTest

    def make(page: str | None = None, query: dict[str, list[str] | str] | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    return make


@pytest.fixture(scope="session")
def live_app() -> Iterator[str]:
    """The app served on a free loopback port; yields its base URL."""
    with server(ROOT / "streamlit_app.py") as (url, _proc, _start):
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium through Playwright; skipped without it, except in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no Chromium at {CHROMIUM}: browser tests must run in CI")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page (1400 × 1000), closed after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


ARTIFACTS = ROOT / "tests" / "artifacts"


def wait_for_chart(pg, min_points: int = 1, timeout_ms: int = 30000) -> None:
    """Wait until the first Vega-Lite chart has drawn at least `min_points` symbols."""
    pg.wait_for_function(
        """n => document.querySelectorAll(
            '[data-testid="stVegaLiteChart"] g.mark-symbol.role-mark path').length >= n""",
        arg=min_points, timeout=timeout_ms)
