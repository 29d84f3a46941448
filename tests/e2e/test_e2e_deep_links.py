"""A shared link as the very first request of a fresh server still opens inside the app."""

import pytest

from benchmarks.harness import server
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path,heading", [
    ("findings", "Findings"),
    ("overview?dataset=MATH", "Δ per model and dataset"),
    ("profiles?profile=GPT-4o", "GPT-4o"),
    ("your_data", None),
])
def test_a_deep_link_as_first_request_gets_the_apps_navigation(browser, path, heading):
    with server(ROOT / "streamlit_app.py") as (url, _proc, _start):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = context.new_page()
        try:
            pg.goto(f"{url}/{path}")
            pg.wait_for_selector('[data-testid="stSidebarNav"] a', timeout=30000)
            pg.wait_for_selector("h1", timeout=30000)
            if heading:
                pg.wait_for_function("h => [...document.querySelectorAll('h1')]"
                                     ".some(e => e.textContent.includes(h))", arg=heading,
                                     timeout=30000)
            links = pg.eval_on_selector_all('[data-testid="stSidebarNav"] a',
                                            "els => els.map(e => e.textContent)")
            assert any("Overview" in link for link in links), links
            assert any("Model profiles" in link for link in links), links
            assert not any("streamlit app" in link for link in links), links
            assert pg.locator('[data-testid="stException"]').count() == 0
        finally:
            context.close()
