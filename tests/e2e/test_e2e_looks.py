"""What a person sees at every width and in both themes: screenshots at 420, 1,024 and 1,600 px
in light and in dark, no sideways scroll, and chart text that reads on the page's background."""

import pytest

from tests.charts.test_contrast import contrast
from tests.conftest import ARTIFACTS, wait_for_chart

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'

TEXT_FILLS = f"""() => [...document.querySelectorAll('{CHART} svg text')]
    .filter(e => e.textContent.trim() && e.getBoundingClientRect().width > 0)
    .map(e => [e.textContent, getComputedStyle(e).fill, e.closest('g.mark-text') !== null
               && e.closest('svg').querySelectorAll('g.mark-rect path').length > 20])"""
BACKGROUND = "() => getComputedStyle(document.querySelector('.stApp')).backgroundColor"


def _rgb(css: str) -> str:
    """`rgb(r, g, b)` to `#rrggbb`."""
    parts = css[css.index("(") + 1:css.index(")")].split(",")[:3]
    return "#" + "".join(f"{int(float(p)):02x}" for p in parts)


def _open(browser, url: str, width: int, scheme: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    return context, context.new_page()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [420, 1024, 1600])
def test_overview_fits_the_window_in_both_themes(live_app, browser, width, scheme):
    context, pg = _open(browser, live_app, width, scheme)
    try:
        pg.goto(live_app)
        wait_for_chart(pg, 63)
        pg.wait_for_timeout(1500)  # the width probe's rerun redraws the chart
        wait_for_chart(pg, 63)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"looks_overview_{width}_{scheme}.png"),
                      full_page=True)
        scroll = pg.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
        assert scroll[0] <= scroll[1], f"the page scrolls sideways: {scroll}"
        right = pg.eval_on_selector(f"{CHART} svg", "s => s.getBoundingClientRect().right")
        assert right <= width, f"the chart ends at {right} px in a {width} px window"
        background = _rgb(pg.evaluate(BACKGROUND))
        assert (background == "#ffffff") == (scheme == "light"), background
        for text, fill, _ in pg.evaluate(TEXT_FILLS):
            assert contrast(_rgb(fill), background) >= 4.5, (text, fill, background)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [420, 1024, 1600])
@pytest.mark.parametrize("path,name", [("?profile=GPT-4o", "profiles"),
                                       ("findings", "findings")])
def test_profiles_and_findings_read_in_both_themes(live_app, browser, path, name, width, scheme):
    context, pg = _open(browser, live_app, width, scheme)
    try:
        pg.goto(f"{live_app}/{path}")
        pg.wait_for_selector(f"{CHART} svg", timeout=30000)
        if name == "profiles":  # a deep link at the root opens the profile
            pg.wait_for_function("() => [...document.querySelectorAll('h1')]"
                                 ".some(e => e.textContent.includes('GPT-4o'))", timeout=30000)
        pg.wait_for_timeout(2000)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"looks_{name}_{width}_{scheme}.png"), full_page=True)
        for i in range(pg.locator(CHART).count()):  # each chart, scrolled into view
            pg.locator(CHART).nth(i).screenshot(
                path=str(ARTIFACTS / f"looks_{name}_{width}_{scheme}_chart{i}.png"))
        scroll = pg.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
        assert scroll[0] <= scroll[1], f"the page scrolls sideways: {scroll}"
        rights = pg.eval_on_selector_all(f"{CHART} svg", "ss => ss.map(s => "
                                         "s.getBoundingClientRect().right)")
        assert max(rights) <= width, f"a chart ends at {max(rights)} px in a {width} px window"
        background = _rgb(pg.evaluate(BACKGROUND))
        texts = pg.evaluate(TEXT_FILLS)
        assert texts
        for text, fill, on_cell in texts:
            if not on_cell:  # heatmap cells carry their own ink, tested on the cell colour
                assert contrast(_rgb(fill), background) >= 4.5, (text, fill, background)
    finally:
        context.close()


def test_the_menu_switches_the_theme_and_the_chart_text_follows(live_app, browser):
    context, pg = _open(browser, live_app, 1400, "light")
    axis_title = (f"() => getComputedStyle(document.querySelector("
                  f"'{CHART} g.role-axis-title text')).fill")
    try:
        pg.goto(live_app)
        wait_for_chart(pg, 63)
        pg.wait_for_timeout(1500)
        assert _rgb(pg.evaluate(BACKGROUND)) == "#ffffff"
        light_fill = pg.evaluate(axis_title)
        assert contrast(_rgb(light_fill), "#ffffff") >= 4.5
        pg.locator('[data-testid="stMainMenu"]').click()
        pg.get_by_text("Dark").last.click()
        pg.wait_for_function(f"f => ({axis_title})() !== f", arg=light_fill, timeout=15000)
        background = _rgb(pg.evaluate(BACKGROUND))
        assert background != "#ffffff"
        assert contrast(_rgb(pg.evaluate(axis_title)), background) >= 4.5
        pg.screenshot(path=str(ARTIFACTS / "looks_overview_switched_dark.png"))
    finally:
        context.close()
