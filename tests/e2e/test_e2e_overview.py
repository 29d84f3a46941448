"""The overview page in real headless Chromium: the chart drawn, a legend click, downloads."""

import pytest

from tests.conftest import ARTIFACTS, wait_for_chart

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'
POINTS = f"{CHART} g.mark-symbol.role-mark path"
RULES = f"{CHART} g.mark-rule.role-mark line"


def fill_opacities(pg) -> list[float]:
    return pg.eval_on_selector_all(
        POINTS, "els => els.map(e => parseFloat(e.getAttribute('fill-opacity') ?? '1'))")


def test_chart_draws_63_points_and_a_baseline_in_7_facets(live_app, page):
    page.goto(live_app)
    wait_for_chart(page, 63)
    assert page.locator(POINTS).count() == 63
    assert page.locator(RULES).count() == 7
    headers = page.eval_on_selector_all(f"{CHART} g.role-title-text text",
                                        "els => els.map(e => e.textContent)")
    assert headers == ["Dataset", "HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]
    per_facet = page.eval_on_selector(
        f"{CHART} g.role-scope.cell",
        "cell => [...cell.children].map(f => [f.querySelectorAll('g.role-mark path').length,"
        " f.querySelectorAll('g.mark-rule.role-mark line').length])")
    assert per_facet == [[9, 1]] * 7, "each facet holds 9 points and one baseline"
    labels = page.eval_on_selector_all(f"{CHART} g.role-legend-label text",
                                       "els => els.map(e => e.textContent)")
    assert "Baseline (Δ=0)" in labels and "QWQ-32B" in labels and "Reasoning LLM" in labels
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(CHART).screenshot(path=str(ARTIFACTS / "overview_chart.png"))


def test_clicking_a_legend_entry_highlights_that_model(live_app, page):
    page.goto(live_app)
    wait_for_chart(page, 63)
    assert all(o == 1 for o in fill_opacities(page))
    page.locator(f"{CHART} g.role-legend-label text", has_text="GPT-3.5").first.click()
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('{POINTS}')]
              .filter(e => parseFloat(e.getAttribute('fill-opacity') ?? '1') < 0.5).length > 0""")
    opacities = fill_opacities(page)
    assert sum(o == 1 for o in opacities) == 7, "GPT-3.5 stays lit in each of the 7 facets"
    assert sum(o < 0.5 for o in opacities) == 56


def test_url_state_restores_the_view(live_app, page):
    page.goto(f"{live_app}/?model=GPT-4o&model=Claude3.5&dataset=MATH&dataset=GPQA&model=Nope")
    wait_for_chart(page, 4)
    page.wait_for_timeout(300)
    assert page.locator(POINTS).count() == 4
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("label,suffix,magic", [
    ("Data (CSV)", ".csv", b"model,dataset,delta,category"),
    ("Chart (PNG)", ".png", b"\x89PNG"),
    ("Chart (SVG)", ".svg", b"<svg"),
    ("Chart (HTML)", ".html", b"<!DOCTYPE html>"),
])
def test_downloads(live_app, page, label, suffix, magic):
    page.goto(live_app)
    wait_for_chart(page, 63)
    with page.expect_download(timeout=30000) as info:
        page.get_by_role("button", name=label).click()
    download = info.value
    assert download.suggested_filename.endswith(suffix)
    body = open(download.path(), "rb").read()
    assert body.lstrip()[: len(magic)] == magic


def test_dark_theme_draws_light_axis_labels(live_app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    pg = context.new_page()
    try:
        pg.goto(live_app)
        wait_for_chart(pg, 63)
        fill = pg.eval_on_selector(f"{CHART} g.role-axis-label text",
                                   "e => getComputedStyle(e).fill || e.getAttribute('fill')")
        channels = [int(c) for c in fill[fill.index("(") + 1: fill.index(")")].split(",")[:3]]
        assert sum(channels) / 3 > 128, f"axis labels should be light on dark: {fill}"
        ARTIFACTS.mkdir(exist_ok=True)
        pg.locator(CHART).screenshot(path=str(ARTIFACTS / "overview_chart_dark.png"))
    finally:
        context.close()
