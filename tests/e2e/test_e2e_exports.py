"""Hostile names in real headless Chromium: every download of the Overview arrives well-formed
and runs nothing, no name becomes a link on any page, a failing export leaves the server up."""

from __future__ import annotations

import csv
import io
import re
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from benchmarks.harness import server
from lib.core.textcells import scrub_text
from tests.conftest import ARTIFACTS, ROOT
from tests.hostile_names import DATASETS, LINKS, MODELS, hostile_json

pytestmark = pytest.mark.e2e

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
DOWNLOADS = ["Data (CSV)", "Chart (PNG)", "Chart (SVG)", "Chart (HTML)"]
NAME_LINK = re.compile(r"evil|b\.co|d\.example|d\.org", re.I)
"""What an `a` element made from one of the hostile names would hold in its address or text."""
WORD_JOINER = "\u2060"


def record_dialogs(pg) -> list[str]:
    """Every alert, confirm or prompt the page opens from now on (dismissed)."""
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def links_from_names(pg) -> list[list[str]]:
    """(href, text) of every link in the page that carries a hostile name."""
    found = pg.eval_on_selector_all(
        "a[href]", "els => els.map(e => [e.getAttribute('href'), e.textContent])")
    return [pair for pair in found if NAME_LINK.search(" ".join(pair))]


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
        return response.status == 200 and response.read().strip() == b"ok"


def go_to(pg, title: str, text: str) -> None:
    """Follow the sidebar's link to the page called `title`; wait until `text` shows."""
    pg.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    pg.get_by_text(text).first.wait_for(timeout=30000)


def explore_hostile_upload(pg, url: str) -> None:
    """Upload the hostile JSON through the real uploader and make it the table in use."""
    pg.goto(url)
    pg.locator('[data-testid="stSidebarNav"]').wait_for(timeout=30000)
    go_to(pg, "Your data", "Results file")
    pg.wait_for_selector(UPLOAD_INPUT, state="attached", timeout=30000)
    pg.set_input_files(UPLOAD_INPUT, files=[{"name": "hostile.json", "mimeType":
                                             "application/json", "buffer": hostile_json()}])
    pg.get_by_role("button", name="Explore my data").click(timeout=30000)
    pg.get_by_text("Every page now shows").wait_for(timeout=30000)


def download(pg, label: str) -> tuple[str, bytes]:
    with pg.expect_download(timeout=60000) as info:
        pg.get_by_role("button", name=label).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def check_csv(body: bytes) -> None:
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert len(rows) == len(MODELS) * len(DATASETS)
    assert {r["model"] for r in rows} == {scrub_text(m) for m in MODELS}
    assert "\x00" not in body.decode("utf-8")


def check_png(body: bytes) -> None:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
    assert width > 300 and height > 200


def check_svg(body: bytes) -> None:
    root = ET.fromstring(body)  # well-formed XML, or this raises
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"A\ufffdB", "C\ufffdD", "G\ufffdH", "I\ufffdJ", "Plain"} <= texts
    assert "x\ufffd<!--" in texts and "</script>" in texts
    assert b"<script" not in body


def check_html(body: bytes, browser, where: Path) -> None:
    """Open the downloaded page offline in Chromium: the chart draws, with the names as text."""
    where.write_bytes(body)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    pg = context.new_page()
    dialogs = record_dialogs(pg)
    try:
        pg.goto(where.as_uri())
        try:
            pg.wait_for_function("() => document.querySelectorAll("
                                 "'#vis svg g.mark-symbol.role-mark path').length >= 36",
                                 timeout=30000)
        except PlaywrightTimeout:
            assert dialogs == [], "a name ran as script"
            raise
        labels = pg.eval_on_selector_all("#vis svg g.role-legend-label text",
                                         "els => els.map(e => e.textContent)")
        headers = pg.eval_on_selector_all("#vis svg g.role-title-text text",
                                          "els => els.map(e => e.textContent)")
        models = pg.evaluate("() => [...new Set(Object.values(spec.datasets)[0]"
                             ".map(r => r.model))]")
        pg.wait_for_timeout(500)
    finally:
        context.close()
    assert dialogs == []
    assert body.decode("utf-8").count("</script") == 2, "only the page's two scripts end"
    assert models == [scrub_text(m) for m in MODELS]
    assert "A\ufffdB" in labels and "https://evil.example/x" in labels
    assert any(label.startswith("</script><script>") for label in labels)
    assert {"x\ufffd<!--", "</script>"} <= set(headers)


def test_hostile_names_download_well_formed_files_and_run_nothing(live_app, page, browser,
                                                                  tmp_path):
    dialogs = record_dialogs(page)
    explore_hostile_upload(page, live_app)
    assert links_from_names(page) == []
    go_to(page, "Overview", "Values shown")
    page.get_by_role("button", name="Chart (HTML)").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview_hostile_names.png"), full_page=True)
    files = {label: download(page, label) for label in DOWNLOADS}
    assert [name for name, _ in files.values()] == [
        "delta-dot-plot.csv", "delta-dot-plot.png", "delta-dot-plot.svg", "delta-dot-plot.html"]
    check_csv(files["Data (CSV)"][1])
    check_png(files["Chart (PNG)"][1])
    check_svg(files["Chart (SVG)"][1])
    check_html(files["Chart (HTML)"][1], browser, tmp_path / "chart.html")
    assert page.locator('[data-testid="stDownloadButtonError"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert links_from_names(page) == []
    go_to(page, "Model profiles", "Where it stands")
    page.locator('[data-testid="stSelectbox"]', has_text="Model").first.click()
    page.keyboard.type("https://evil")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('h1')?.textContent"
                           ".includes('evil.example')", timeout=30000)
    page.wait_for_timeout(1500)
    assert links_from_names(page) == []
    go_to(page, "Findings", "Findings report")
    page.wait_for_timeout(1500)
    assert links_from_names(page) == []
    assert page.locator('[data-testid="stException"]').count() == 0
    assert dialogs == []
    assert healthy(live_app)


@pytest.fixture(scope="module")
def probe_app():
    """The page of tests/apps/names_probe.py served on its own port."""
    with server(ROOT / "tests" / "apps" / "names_probe.py") as (url, _proc, _start):
        yield url


def test_no_name_becomes_a_link_in_any_markdown_element(probe_app, page):
    page.goto(probe_app)
    report = page.locator(".st-key-report")
    report.wait_for(timeout=30000)
    page.get_by_role("button", name="Chart (HTML)").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    anchors = page.eval_on_selector_all(
        '[data-testid="stMain"] a', "els => els.map(e => [e.getAttribute('href') ?? '', "
        "e.closest('[data-testid=\"stHeaderActionElements\"]') !== null])")
    assert anchors, "the report's headings keep their anchors: the page did render"
    assert all(href.startswith("#") and in_heading for href, in_heading in anchors), anchors
    assert links_from_names(page) == []
    assert page.locator('[data-testid="stMain"] [role="img"]').count() == 0, "no icon either"
    for name in LINKS:
        block = page.locator(f".st-key-name_{LINKS.index(name)}")
        shown = block.inner_text().replace(WORD_JOINER, "")
        assert f"Model: {name}" in shown and f"Best: {name}" in shown
        assert f"{name} cannot be used." in shown
    words = report.inner_text().replace(WORD_JOINER, "")
    assert "Table: Your data: a@b.co." in words and "https://evil.example/x" in words
    assert report.locator("table").count() >= 1, "the report's tables still render"


def test_a_failing_export_shows_a_message_and_the_server_stays_up(probe_app, page):
    page.goto(probe_app)
    button = page.locator(".st-key-failing_export").get_by_role("button", name="Chart (PNG)")
    button.wait_for(timeout=30000)
    button.click()
    error = page.locator('[data-testid="stDownloadButtonError"]')
    error.wait_for(timeout=30000)
    assert "Failed to generate file" in error.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert healthy(probe_app)
    with page.expect_download(timeout=30000) as info:
        page.locator(".st-key-failing_export").get_by_role("button", name="Data (CSV)").click()
    assert Path(info.value.path()).read_bytes().startswith(b"model,")
