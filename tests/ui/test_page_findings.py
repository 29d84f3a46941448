"""pages/findings.py in AppTest (bundled figure, thresholds, URL, uploads) and in a browser."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from lib.analysis.findings import Thresholds, all_findings
from lib.analysis.profiles import DEFAULT_TOLERANCE
from lib.analysis.interpretation import TITLE
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from lib.ui.state import ACTIVE_KEY, ActiveTable
from tests.conftest import ARTIFACTS, wait_for_chart

PAGE = "pages/findings.py"


def texts(at) -> list[str]:
    return [m.value for m in at.markdown]


def chart_rows(el) -> pd.DataFrame:
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def with_table(app_test, table: pd.DataFrame, label: str = "Your data: results.csv"):
    at = app_test()
    at.session_state[ACTIVE_KEY] = ActiveTable(table=table, label=label, is_figure=False)
    at.switch_page(PAGE).run()
    return at


@pytest.fixture(scope="module")
def upload() -> pd.DataFrame:
    rows = [{"model": m, "dataset": d, "delta": v, "category": c}
            for m, c, values in (("Mine *v2*", "Ours", (12.0, -3.0, 4.0)),
                                 ("[Base](x)", "Theirs", (2.0, -6.0, 1.0)),
                                 ("Alt-7B", "Ours", (1.0, -8.0, 0.0)),
                                 ("Alt-70B", "Ours", (3.0, -2.0, 5.0)))
            for d, v in zip(("Set_A", "Set B", "Set#C"), values)]
    t = schema.conform(pd.DataFrame(rows))
    return t.assign(ci_low=t.delta - 2.5, ci_high=t.delta + 2.5, significant=t.delta.abs() > 4)


def test_the_figure_shows_every_finding_claim_and_the_interpretation(app_test):
    at = app_test(page=PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Findings"
    findings = all_findings(figure_table())
    assert [s.value for s in at.subheader] == [f"{i}. {f.title}" for i, f in enumerate(findings, 1)]
    shown = texts(at)
    for f in findings:
        assert f.markdown in shown
    assert len(at.get("vega_lite_chart")) == len(findings)
    headers = [h.value for h in at.header]
    assert "The source's claims, checked" in headers and TITLE in headers
    assert sum(t.startswith(":green-badge[holds]") for t in shown) == 16
    assert sum(t.startswith(":orange-badge[holds in part]") for t in shown) == 5
    assert sum(t.startswith(":red-badge[does not hold]") for t in shown) == 1
    assert any("31 of 63 points (49%) are above the baseline" in t for t in shown)
    assert any(t.startswith("**Likely source.**") and "arXiv 2510.16062" in t for t in shown)
    assert [b.label for b in at.get("download_button")] == ["Findings report (Markdown)"]


def test_the_drop_chart_highlights_the_one_lowest_point(app_test):
    at = app_test(page=PAGE)
    charts = at.get("vega_lite_chart")
    drops = chart_rows(charts[2])
    assert len(drops) == 63
    picked = drops[drops.concerned]
    assert list(zip(picked.model, picked.dataset, picked.delta)) == [
        ("Qwen2.5-72B", "HumanEval", -24)]
    spec = json.loads(charts[2].proto.spec)
    assert "layer" in spec


def test_thresholds_are_widgets_with_their_defaults(app_test):
    at = app_test(page=PAGE)
    defaults = Thresholds()
    assert at.number_input(key="findings_tolerance").value == defaults.tolerance
    assert at.slider(key="findings_nearly_all").value == defaults.nearly_all
    assert defaults.tolerance == DEFAULT_TOLERANCE, "one default with the profiles"
    assert any(t.startswith("28 of 63 points (44%) lie above the baseline, 6 within 1 of it")
               for t in texts(at))
    at.number_input(key="findings_tolerance").set_value(0.0).run()
    at.slider(key="findings_nearly_all").set_value(0.75).run()
    assert any(t.startswith("On 3 of 7 datasets at least 75% of the models") for t in texts(at))
    assert not at.exception


def test_thresholds_come_from_the_address(app_test):
    at = app_test(page=PAGE, query={"findings_nearly_all": "0.75", "findings_tolerance": "0"})
    assert at.slider(key="findings_nearly_all").value == 0.75
    assert at.number_input(key="findings_tolerance").value == 0
    assert any(t.startswith("On 3 of 7 datasets") for t in texts(at))


def test_an_upload_regenerates_the_findings(app_test, upload):
    at = with_table(app_test, upload)
    assert not at.exception, at.exception
    shown = texts(at)
    for f in all_findings(upload):
        assert f.markdown in shown
    gain = next(t for t in shown if t.startswith("The largest gain"))
    assert gain == (f"The largest gain is +12: {escape_markdown('Mine *v2*')} on Set\\_A (its "
                    "interval excludes 0; significant after correction).")
    assert any("Alt-7B vs Alt-70B: 3 of 3" in t for t in shown)
    assert "The source's claims, checked" not in [h.value for h in at.header]
    notice = [i.value for i in at.info]
    assert len(notice) == 1 and "describe the bundled figure only" in notice[0]
    assert any("Your data: results.csv" in c.value for c in at.caption)


def test_compare_mode_describes_the_upload_alone(app_test, upload):
    from lib.analysis.compare import combined_table

    at = with_table(app_test, combined_table(figure_table(), upload), label="Compare")
    assert not at.exception, at.exception
    shown = texts(at)
    for f in all_findings(upload):
        assert f.markdown in shown
    assert any(c.value.startswith("Compare mode: the findings describe your data alone")
               for c in at.caption)
    assert "describe the bundled figure only" in at.info[0].value


def test_statements_change_with_the_data(app_test):
    fig = figure_table()
    at = with_table(app_test, fig.assign(delta=fig.delta * 2), label="Doubled")
    shown = texts(at)
    assert ("The largest gain, +36, is shared by 2 points: GPT-3.5 and DeepSeek-V3 on "
            "GSM8K.") in shown
    assert "The largest drop is -48: Qwen2.5-72B on HumanEval." in shown
    assert not any("+18" in t and t.startswith("The largest gain") for t in shown)


def test_an_empty_table_says_so(app_test):
    at = with_table(app_test, figure_table().iloc[0:0])
    assert not at.exception
    assert [i.value for i in at.info] == [
        "The active table has no values to compute findings from."]


@pytest.mark.e2e
def test_the_page_draws_its_charts_in_a_browser(live_app, page):
    page.set_viewport_size({"width": 1400, "height": 6000})
    page.goto(f"{live_app}/findings")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length >= 8",
        timeout=30000)
    wait_for_chart(page, 63)
    button = page.get_by_role("button", name="Findings report (Markdown)")
    button.wait_for(timeout=30000)
    assert page.get_by_text("Of the 22 claims checked", exact=False).count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "findings_page.png"), full_page=True)
