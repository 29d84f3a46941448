"""A per-item results file through the real uploader: intervals drawn, significance shown."""

from __future__ import annotations

import pytest

from lib.ui.items_view import EXAMPLE_FILE
from tests.conftest import ARTIFACTS
from tests.e2e.test_e2e_upload import CHART, POINTS, no_exception, open_your_data, upload, use

pytestmark = pytest.mark.e2e

RULES = f"{CHART} g.mark-rule.role-mark line"


def test_per_item_upload_draws_an_interval_behind_every_point(live_app, page):
    open_your_data(page, live_app)
    upload(page, EXAMPLE_FILE.name, EXAMPLE_FILE.read_bytes())
    page.get_by_text("Significant after Holm correction").first.wait_for(timeout=30000)
    use(page, "Explore my data")
    page.wait_for_function(
        "([p, r]) => document.querySelectorAll(p).length === 63 && "
        "document.querySelectorAll(r).length === 63 + 7", arg=[POINTS, RULES], timeout=30000)
    no_exception(page)
    # hollow (not significant) and filled points both occur
    fills = page.eval_on_selector_all(
        POINTS, "els => els.map(e => parseFloat(e.getAttribute('fill-opacity') ?? '1'))")
    assert any(f == 1 for f in fills) and any(f == 0 for f in fills)
    labels = page.eval_on_selector_all(f"{CHART} g.role-legend-label text",
                                       "els => els.map(e => e.textContent)")
    assert "yes: filled" in labels and "no: hollow" in labels
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(CHART).first.screenshot(path=str(ARTIFACTS / "per_item_chart.png"))
