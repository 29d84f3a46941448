"""Browser tests of the profile page (headless Chromium): a heatmap click opens a profile, the
address follows the model, and a link to a profile opens it."""

from __future__ import annotations

import re

import pytest


pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'
HEATMAP_CELL = (CHART + ' g.mark-text text[aria-label*="Model: {model};"]'
                '[aria-label*="Dataset: {dataset};"]')
EXCEPTION = '[data-testid="stException"]'


def title_is(pg, model: str, timeout_ms: int = 30000) -> None:
    """Wait until the page's title (h1) is `model`."""
    pg.wait_for_function("m => { const h = document.querySelector('h1');"
                         " return h !== null && h.innerText.trim() === m; }",
                         arg=model, timeout=timeout_ms)


def heatmap_cell(pg, model: str, dataset: str):
    """The heatmap cell of `model` on `dataset`, once the page shows a single heatmap (while a
    rerun replaces the chart, the old one can linger for a moment)."""
    cell = pg.locator(HEATMAP_CELL.format(model=model, dataset=dataset))
    pg.wait_for_function("s => document.querySelectorAll(s).length === 1",
                         arg=HEATMAP_CELL.format(model=model, dataset=dataset), timeout=30000)
    return cell


def open_profiles(pg, base: str) -> None:
    """Open the app at its root, then the profile page from the navigation, as a user would."""
    pg.goto(base + "/")
    pg.wait_for_selector(CHART, timeout=30000)
    pg.get_by_role("link", name=re.compile("Model profiles")).click()
    pg.wait_for_selector(HEATMAP_CELL.format(model="LLaMA3.1-8B", dataset="HumanEval"),
                         timeout=30000)


def test_a_heatmap_click_opens_that_profile(live_app: str, page) -> None:
    open_profiles(page, live_app)
    title_is(page, "LLaMA3.1-8B")
    heatmap_cell(page, "Qwen2.5-7B", "CS-QA").click()
    title_is(page, "Qwen2.5-7B")
    assert re.search(r"[?&]profile=Qwen2\.5-7B(&|$)", page.url), page.url
    # The profile followed the click: the key figures are Qwen2.5-7B's (-19 on CS-QA).
    page.get_by_text("Worst: CS-QA").wait_for()
    # A second click, on another panel of the heatmap, opens the next profile.
    heatmap_cell(page, "DeepSeek-V3", "GSM8K").click()
    title_is(page, "DeepSeek-V3")
    assert "profile=DeepSeek-V3" in page.url
    assert page.locator(EXCEPTION).count() == 0


def test_the_address_follows_the_sidebar_picker(live_app: str, page) -> None:
    open_profiles(page, live_app)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    picker.click()
    page.get_by_role("option", name="GPT-4o", exact=True).click()
    title_is(page, "GPT-4o")
    page.wait_for_function("() => window.location.search.includes('profile=GPT-4o')",
                           timeout=10000)


def test_a_profile_link_opens_the_profile(live_app: str, page) -> None:
    open_profiles(page, live_app)        # the server has run the entry point once
    page.goto(live_app + "/profiles?profile=QWQ-32B")
    title_is(page, "QWQ-32B")
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert any("Model profiles" in n for n in nav), nav
    assert page.locator(EXCEPTION).count() == 0
