"""Evaluation harness output through the real uploader: a zip of an lm-evaluation-harness output
folder dropped in Chromium, the runs and the report shown, Explore, the chart drawn."""

from __future__ import annotations

import pytest

from scripts.make_harness_logs import write_lm_eval, zip_folder
from tests.conftest import ARTIFACTS
from tests.e2e.test_e2e_upload import (CHART, POINTS, go_to, no_exception, open_your_data, use,
                                       wait_for_points)

pytestmark = pytest.mark.e2e

HARNESS_INPUT = '.st-key-harness_files [data-testid="stFileUploaderDropzoneInput"]'


def test_a_dropped_output_folder_zip_is_paired_and_explored(live_app, page, tmp_path):
    root = tmp_path / "out"
    write_lm_eval(root, models=2, tasks=2, runs=3, docs=60, seed=2)
    open_your_data(page, live_app)
    page.set_input_files(HARNESS_INPUT, files=[{"name": "out.zip", "mimeType": "application/zip",
                                                "buffer": zip_folder(root)}])
    page.get_by_text("Runs found").wait_for(timeout=30000)
    page.get_by_text("Values (model × dataset × run)").wait_for(timeout=30000)
    assert page.get_by_text("Per-item results found and aggregated; no problems.").count() == 1
    assert page.get_by_text("Baseline run").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.screenshot(path=str(ARTIFACTS / "harness_report.png"), full_page=True)
    use(page, "Explore my data")
    page.wait_for_function("s => document.querySelectorAll(s).length > 0", arg=POINTS,
                           timeout=30000)
    no_exception(page)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "harness_explored.png"), full_page=True)
    go_to(page, "Overview")
    wait_for_points(page, 2 * 2)  # one run (condition) at a time: 2 models × 2 tasks
    headers = page.eval_on_selector_all(f"{CHART} g.role-title-text text",
                                        "els => els.map(e => e.textContent)")
    assert "synth_mc_0" in headers and "synth_gen_1" in headers
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "harness_overview.png"))
    no_exception(page)
