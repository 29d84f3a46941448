"""A table of several methods through the real uploader: one condition at a time on every page
but the Overview, which shows one or several side by side; picked in the sidebar, kept in the
address and carried to the next page."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_e2e_upload import (POINTS, go_to, no_exception, open_your_data, upload,
                                       use, wait_for_points)
from tests.ingest.test_conditions import METHODS

pytestmark = pytest.mark.e2e

PLACES = "els => els.map(e => e.getAttribute('transform'))"
SHAPES = "els => els.map(e => e.getAttribute('d'))"
CENTRES = ("els => els.map(e => { const r = e.getBoundingClientRect(); "
           "return Math.round(r.x + r.width / 2); })")
SCREENSHOT = Path(tempfile.gettempdir()) / "conditions_side_by_side.png"


def in_address(pg, param: str, value: str) -> None:
    """Wait until the page address holds `param=value`."""
    pg.wait_for_function("p => decodeURIComponent(location.search).includes(p)",
                         arg=f"{param}={value}", timeout=30000)


def conditions_box(pg):
    """The Overview's picker of conditions in the sidebar."""
    return pg.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]',
                      has_text="Conditions")


def add_condition(pg, condition: str) -> None:
    conditions_box(pg).locator('[aria-label="Open"]').click()
    pg.get_by_role("option", name=condition, exact=True).click()
    pg.keyboard.press("Escape")
    in_address(pg, "conditions", condition)


def pick_condition(pg, condition: str) -> None:
    """The Overview showing `condition` alone: added, then the first condition removed."""
    add_condition(pg, condition)
    conditions_box(pg).locator('[aria-label="Remove CoT"]').click()
    pg.wait_for_function("() => !decodeURIComponent(location.search).includes('=CoT')",
                         timeout=30000)


def settled(pg) -> None:
    pg.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30000)


def test_conditions_are_shown_one_at_a_time_and_follow_the_address(live_app, page):
    open_your_data(page, live_app)
    upload(page, "methods.csv", METHODS)
    use(page, "Explore my data")
    go_to(page, "Overview")
    wait_for_points(page, 4)  # 2 models × 2 datasets of one method, not 12 points
    before = page.eval_on_selector_all(POINTS, PLACES)
    pick_condition(page, "CRITIC")
    page.get_by_text("condition: CRITIC").first.wait_for(timeout=30000)  # the caption
    page.wait_for_function(  # the points move to CRITIC's values
        "([sel, old]) => { const now = [...document.querySelectorAll(sel)]"
        ".map(e => e.getAttribute('transform')).sort(); return now.length === 4 && "
        "JSON.stringify(now) !== JSON.stringify(old); }", arg=[POINTS, sorted(before)],
        timeout=30000)
    settled(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "conditions_overview.png"), full_page=True)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Findings").first.click()
    page.get_by_text("The largest gain is +3").first.wait_for(timeout=30000)  # CRITIC's
    assert page.get_by_text("condition: CRITIC").count() >= 1  # carried to the next page
    assert page.get_by_text("+3.3").count() == 0, "CoT's largest gain must not show"
    no_exception(page)


def test_two_conditions_are_drawn_side_by_side(live_app, page):
    open_your_data(page, live_app)
    upload(page, "methods.csv", METHODS)
    use(page, "Explore my data")
    go_to(page, "Overview")
    wait_for_points(page, 4)
    assert conditions_box(page).locator('[aria-label="Remove CoT"]').count() == 1
    add_condition(page, "CRITIC")
    wait_for_points(page, 8)  # 2 models × 2 datasets × 2 conditions, none averaged
    page.get_by_text("conditions: CoT and CRITIC").first.wait_for(timeout=30000)
    settled(page)
    centres = page.eval_on_selector_all(POINTS, CENTRES)
    assert len(set(centres)) == 8, centres  # side by side: no point drawn on another
    assert len(set(page.eval_on_selector_all(POINTS, SHAPES))) == 2  # a shape per condition
    legend = page.locator('[data-testid="stVegaLiteChart"] g.role-legend')
    for name in ("Condition", "CoT", "CRITIC", "Model", "GPT-3.5"):
        assert legend.get_by_text(name, exact=True).count() >= 1, name
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Findings").first.click()
    page.get_by_text("condition: CoT").first.wait_for(timeout=30000)  # the first picked
    page.get_by_text("The largest gain is +3.3").first.wait_for(timeout=30000)
    go_to(page, "Overview")  # and back: both conditions still drawn
    wait_for_points(page, 8)
    assert "conditions=CoT" in page.url and "conditions=CRITIC" in page.url
    no_exception(page)


PUBLISHED = Path(__file__).resolve().parents[1] / "published" / "huang2024_table3.csv"


def test_a_published_table_of_two_rounds_across_pages(live_app, page):
    """Huang et al. 2024, Table 3 through the real uploader: Findings draws its comparison
    across the rounds and Model profiles the model's Δ per round (screenshots of both)."""
    open_your_data(page, live_app)
    upload(page, PUBLISHED.name, PUBLISHED.read_bytes())
    use(page, "Explore my data")
    page.locator('[data-testid="stSidebarNav"] a', has_text="Findings").first.click()
    section = page.get_by_role("heading", name="Across conditions")
    section.wait_for(timeout=30000)
    section.scroll_into_view_if_needed()
    page.get_by_text("Which condition helps most on each dataset").first.wait_for(timeout=30000)
    settled(page)
    charts = page.locator('[data-testid="stVegaLiteChart"] svg')
    page.wait_for_function("n => document.querySelectorAll("
                           "'[data-testid=\"stVegaLiteChart\"] svg .role-mark').length > n",
                           arg=10, timeout=30000)
    assert charts.count() >= 3
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / "published_findings_heading.png"))
    page.screenshot(path=str(ARTIFACTS / "published_findings.png"), full_page=True)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Model profiles").first.click()
    per_condition = page.get_by_role("heading", name="Per condition")
    per_condition.wait_for(timeout=30000)
    per_condition.scroll_into_view_if_needed()
    settled(page)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "published_profile.png"), full_page=True)
