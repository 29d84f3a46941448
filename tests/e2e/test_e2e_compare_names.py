"""Compare in real headless Chromium: a published table with vendor names (GPT-3.5-Turbo,
CommonSenseQA) matched with the figure's, its shared pairs listed and drawn, and every model
in its own color."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, wait_for_chart
from tests.e2e.test_e2e_upload import CHART, no_exception, open_your_data, upload, use

pytestmark = pytest.mark.e2e

VENDOR = ROOT / "tests" / "published" / "huang2024_table3_vendor_names.csv"
SCREENSHOT = "/tmp/e2e_compare_names.png"


def test_a_vendor_named_table_is_matched_and_its_pairs_shown(live_app, page):
    open_your_data(page, live_app)
    upload(page, VENDOR.name, VENDOR.read_bytes())
    use(page, "Compare with the figure")
    page.get_by_text("Your data beside the figure").wait_for(timeout=30000)
    wait_for_chart(page, 63 + 12)
    page.get_by_text("Names matched with the figure's").click()
    page.get_by_text("same family and version").first.wait_for(timeout=30000)
    page.get_by_text("6 model × dataset pair(s) are in both.").wait_for(timeout=30000)
    page.wait_for_function(  # the compared chart and the shared pairs' chart, both drawn
        "sel => [...document.querySelectorAll(sel)].filter(c => c.querySelector("
        "'g.role-axis-label text, g.role-legend-label text')).length === 2", arg=CHART,
        timeout=30000)
    charts = page.locator(CHART)
    assert charts.count() == 2
    charts.nth(1).locator("g.mark-symbol.role-mark path").nth(11).wait_for(timeout=30000)
    pair_labels = charts.nth(1).locator("g.role-axis-label text").all_text_contents()
    assert {"GPT-3.5 · GSM8K · Self-Correct (round 1)",
            "GPT-3.5 · CS-QA · Self-Correct (round 2)"} <= set(pair_labels)
    assert not any("gpt-4" in label for label in pair_labels), "GPT-4 is not GPT-4o"
    legend = charts.nth(0).locator("g.role-legend-label text").all_text_contents()
    assert "gpt-4-0613" in legend and "GPT-3.5-Turbo" not in legend
    fills = charts.nth(0).locator("g.role-legend-symbol path").evaluate_all(
        "els => els.map(e => e.getAttribute('fill'))")
    models = fills[1:11]  # after the baseline: the 9 figure models and gpt-4-0613
    assert len(set(models)) == 10, models
    page.get_by_text("Names matched with the figure's").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT)
    charts.nth(0).screenshot(path=SCREENSHOT.replace(".png", "_chart.png"))
    charts.nth(1).screenshot(path=SCREENSHOT.replace(".png", "_pairs.png"))
    no_exception(page)
