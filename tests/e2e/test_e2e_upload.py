"""The "Your data" page in real headless Chromium: the real uploader, the chart changing, names
from a file shown as text with no script run, and one session's upload never seen by another."""

from __future__ import annotations

import pytest

from lib.ui.errors import HEADLINE
from tests.conftest import ARTIFACTS, wait_for_chart

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stVegaLiteChart"]'
POINTS = f"{CHART} g.mark-symbol.role-mark path"
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
MINE = ("model,dataset,delta\nGPT-4o,GSM8K,10\nGPT-4o,NewBench,2\nMine,CommonsenseQA,-1.5\n"
        "Mine,MATH,3\n").encode()


def csv_payload(name: str, data: bytes) -> dict:
    """A file for the uploader, straight from memory (nothing written to disk)."""
    return {"name": name, "mimeType": "text/csv", "buffer": data}


def wait_for_points(pg, n: int, timeout_ms: int = 30000) -> None:
    """Wait until the first chart draws exactly `n` points."""
    pg.wait_for_function(
        "([chart, n]) => { const c = document.querySelector(chart); return c !== null && "
        "c.querySelectorAll('g.mark-symbol.role-mark path').length === n; }", arg=[CHART, n],
        timeout=timeout_ms)


def go_to(pg, title: str) -> None:
    """Follow the sidebar's link to the page called `title`."""
    pg.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    pg.wait_for_function("t => document.querySelector('h1') && "
                         "document.querySelector('h1').textContent.includes(t)",
                         arg="Your data" if title == "Your data" else "Δ per model",
                         timeout=30000)


def open_your_data(pg, url: str) -> None:
    """The app's start page (the figure), then the "Your data" page through the sidebar."""
    pg.goto(url)
    wait_for_chart(pg, 63)
    go_to(pg, "Your data")
    pg.wait_for_selector(UPLOAD_INPUT, state="attached", timeout=30000)


def upload(pg, name: str, data: bytes) -> None:
    pg.set_input_files(UPLOAD_INPUT, files=[csv_payload(name, data)])
    done = pg.get_by_role("button", name="Explore my data").or_(pg.get_by_text("cannot be used"))
    done.first.wait_for(timeout=30000)


def use(pg, button: str) -> None:
    pg.get_by_role("button", name=button).click()
    pg.get_by_text("Every page now shows").wait_for(timeout=30000)


def no_exception(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.get_by_text(HEADLINE).count() == 0, "a page raised (see the server's log)"


def test_an_upload_through_the_real_uploader_changes_the_chart(live_app, page):
    open_your_data(page, live_app)
    upload(page, "mine.csv", MINE)
    page.get_by_text("Rows kept").wait_for(timeout=30000)
    use(page, "Explore my data")
    wait_for_points(page, 4)
    go_to(page, "Overview")
    wait_for_points(page, 4)
    labels = page.eval_on_selector_all(f"{CHART} g.role-legend-label text",
                                       "els => els.map(e => e.textContent)")
    assert "Mine" in labels and "LLaMA3.1-8B" not in labels
    headers = page.eval_on_selector_all(f"{CHART} g.role-title-text text",
                                        "els => els.map(e => e.textContent)")
    assert headers == ["Dataset", "CS-QA", "GSM8K", "MATH", "NewBench"]
    no_exception(page)


def test_compare_marks_your_points_beside_the_figure(live_app, page):
    open_your_data(page, live_app)
    upload(page, "mine.csv", MINE)
    use(page, "Compare with the figure")
    wait_for_points(page, 63 + 4)
    labels = page.eval_on_selector_all(f"{CHART} g.role-legend-label text",
                                       "els => els.map(e => e.textContent)")
    assert "Figure (filled)" in labels and "Yours (hollow)" in labels
    hollow = page.locator(CHART).first.locator("g.mark-symbol.role-mark path").evaluate_all(
        "els => els.filter(e => e.getAttribute('fill-opacity') === '0').length")
    assert hollow == 4, "your four points are drawn hollow"
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.screenshot(path=str(ARTIFACTS / "your_data_compare.png"), full_page=True)
    no_exception(page)


def test_a_failed_upload_keeps_the_table_in_use(live_app, page):
    open_your_data(page, live_app)
    upload(page, "mine.csv", MINE)
    use(page, "Explore my data")
    upload(page, "empty.csv", b"")
    page.get_by_text("The file is empty (0 bytes).").wait_for(timeout=30000)
    assert page.get_by_text("Every page now shows: Your data: mine.csv").count() == 1
    go_to(page, "Overview")
    wait_for_points(page, 4)


def test_html_in_names_shows_literally_and_runs_nothing(live_app, page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_your_data(page, live_app)
    upload(page, "xss.csv", f"model,dataset,delta\n{XSS},{SCRIPT},1\nSafe,GSM8K,2\n".encode())
    use(page, "Explore my data")
    wait_for_points(page, 2)
    models_line = page.locator('[data-testid="stMarkdownContainer"]', has_text="Models (2)")
    assert XSS in models_line.inner_text()
    assert SCRIPT in page.locator('[data-testid="stMarkdownContainer"]',
                                  has_text="Datasets (2)").inner_text()
    labels = page.eval_on_selector_all(f"{CHART} g.role-legend-label text",
                                       "els => els.map(e => e.textContent)")
    assert any(label.startswith("<img src=x onerror=alert") for label in labels), labels
    go_to(page, "Overview")
    wait_for_points(page, 2)
    page.wait_for_timeout(1000)
    assert page.locator('img[src="x"]').count() == 0
    assert not [s for s in page.evaluate("() => [...document.scripts].map(s => s.textContent)")
                if "alert(2)" in s]
    assert dialogs == [], f"a script ran: {dialogs}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "your_data_xss_overview.png"))


def test_an_upload_in_one_session_never_appears_in_another(live_app, browser):
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        mine, theirs = first.new_page(), second.new_page()
        open_your_data(mine, live_app)
        upload(mine, "private.csv", MINE)
        use(mine, "Explore my data")
        wait_for_points(mine, 4)

        theirs.goto(live_app)
        wait_for_chart(theirs, 63)
        wait_for_points(theirs, 63)
        assert theirs.get_by_text("private.csv").count() == 0
        assert theirs.get_by_text("Bundled figure").count() >= 1
        go_to(theirs, "Your data")
        theirs.wait_for_selector(UPLOAD_INPUT, state="attached")
        assert theirs.get_by_text("Every page shows the bundled figure").count() == 1
        assert theirs.get_by_text("private.csv").count() == 0

        go_to(mine, "Overview")
        wait_for_points(mine, 4)
        assert mine.get_by_text("private.csv").count() >= 1
    finally:
        first.close()
        second.close()
