"""A table of several methods through the real uploader: one condition at a time on every page,
picked in the sidebar, kept in the address and carried to the next page."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_e2e_upload import (POINTS, go_to, no_exception, open_your_data, upload,
                                       use, wait_for_points)
from tests.ingest.test_conditions import METHODS

pytestmark = pytest.mark.e2e

PLACES = "els => els.map(e => e.getAttribute('transform'))"


def pick_condition(pg, condition: str) -> None:
    box = pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]',
                     has_text="Condition")
    box.click()
    pg.get_by_role("option", name=condition, exact=True).click()
    pg.wait_for_function("c => decodeURIComponent(location.search).includes('condition=' + c)",
                         arg=condition, timeout=30000)


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
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "conditions_overview.png"), full_page=True)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Findings").first.click()
    page.get_by_text("The largest gain is +3").first.wait_for(timeout=30000)  # CRITIC's
    assert page.get_by_text("condition: CRITIC").count() >= 1  # carried to the next page
    assert page.get_by_text("+3.3").count() == 0, "CoT's largest gain must not show"
    no_exception(page)
