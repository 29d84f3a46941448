"""AppTest of Compare on "Your data": the names matched with the figure's, changed by the user,
a refused mapping, and the shared pairs of a vendor-named published table."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analysis.compare import (DIFFERENCE, FIGURE_DELTA, MODEL_IN_FILE, UPLOAD_DELTA,
                                  split_combined)
from lib.core import schema
from lib.core.figure import figure_table
from lib.ui.state import ACTIVE_KEY
from tests.conftest import ROOT
from tests.ui.test_page_your_data import PAGE, chart_rows, frame_with, upload

VENDOR = ROOT / "tests" / "published" / "huang2024_table3_vendor_names.csv"
R1, R2 = "Self-Correct (round 1)", "Self-Correct (round 2)"
TABLE3 = {  # (baseline, round 1, round 2) of GPT-3.5 in Huang et al. (2024), Table 3
    "GSM8K": (75.9, 75.1, 74.7), "CS-QA": (75.8, 38.1, 41.8), "HotpotQA": (26.0, 25.0, 25.0)}


def compared(at, name: str, data: bytes):
    upload(at, name, data)
    at.button(key="your_data_compare").click().run()
    assert not at.exception, at.exception
    return at


def match_boxes(at) -> dict[str, object]:
    """The match pickers by the name they belong to (the label names it)."""
    return {box.label.removeprefix("The figure's name for ").replace("\\", ""): box
            for box in at.selectbox if (box.key or "").startswith("your_data_match_")}


def yours(at) -> pd.DataFrame:
    return split_combined(at.session_state[ACTIVE_KEY].table)[1]


@pytest.fixture
def page(app_test):
    return app_test(page=PAGE)


def test_a_vendor_named_table_shares_its_pairs_with_the_hand_computed_differences(page):
    compared(page, VENDOR.name, VENDOR.read_bytes())
    boxes = match_boxes(page)
    assert boxes["GPT-3.5-Turbo"].value == "GPT-3.5"
    assert boxes["gpt-4-0613"].value == "", "GPT-4 is not GPT-4o"
    assert boxes["CommonSenseQA"].value == "CS-QA"
    figure = figure_table().set_index([schema.MODEL, schema.DATASET])[schema.DELTA]
    expected = {}
    for dataset, (base, r1, r2) in TABLE3.items():
        for condition, score in ((R1, r1), (R2, r2)):
            mine = score - base
            expected[(dataset, condition)] = (figure[("GPT-3.5", dataset)], mine,
                                              mine - figure[("GPT-3.5", dataset)])
    pairs = frame_with(page, DIFFERENCE)
    assert set(pairs[schema.MODEL]) == {"GPT-3.5"}
    got = {(r.dataset, r.condition): (getattr(r, FIGURE_DELTA), getattr(r, UPLOAD_DELTA),
                                      getattr(r, DIFFERENCE)) for r in pairs.itertuples()}
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key] == pytest.approx(values)
    assert len(page.get("vega_lite_chart")) == 2, "the combined chart and the shared pairs' chart"
    rows = chart_rows(page)
    assert {"GPT-3.5", "gpt-4-0613"} <= set(rows[schema.MODEL])
    assert "GPT-3.5-Turbo" not in set(rows[schema.MODEL])


def test_changing_a_match_changes_the_table_in_use_and_unmatched_names_stay(page):
    compared(page, "mine.csv", b"model,dataset,delta\nGPT-3.5-Turbo,GSM8K,3\nMine,GSM8K,1\n")
    assert set(yours(page)[schema.MODEL]) == {"GPT-3.5", "Mine"}
    match_boxes(page)["Mine"].set_value("GPT-4o").run()
    assert set(yours(page)[schema.MODEL]) == {"GPT-3.5", "GPT-4o"}
    assert frame_with(page, DIFFERENCE)[schema.MODEL].tolist() == ["GPT-3.5", "GPT-4o"]
    match_boxes(page)["GPT-3.5-Turbo"].set_value("").run()
    assert set(yours(page)[schema.MODEL]) == {"GPT-3.5-Turbo", "GPT-4o"}
    assert yours(page)[MODEL_IN_FILE].tolist() == ["GPT-3.5-Turbo", "Mine"]
    text = " ".join(str(m.value) for m in page.markdown)
    assert "Models only in your file" in text and "GPT" in text


def test_two_names_sent_to_one_figure_model_on_one_dataset_are_refused(page):
    compared(page, "mine.csv", b"model,dataset,delta\nGPT-3.5,GSM8K,3\nGPT-3.5-Turbo,GSM8K,1\n")
    boxes = match_boxes(page)
    assert boxes["GPT-3.5"].value == "GPT-3.5"
    assert boxes["GPT-3.5-Turbo"].value == "", "the sure match wins, the other is not applied"
    before = yours(page).copy()
    boxes["GPT-3.5-Turbo"].set_value("GPT-3.5").run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    assert "would both be" in errors and "GSM8K" in errors and "unchanged" in errors
    pd.testing.assert_frame_equal(yours(page), before)


def test_names_in_the_match_table_are_plain_text(page):
    name = "[click](https://example.com) <b>x</b>"
    compared(page, "mine.csv", f"model,dataset,delta\n\"{name}\",GSM8K,3\n".encode())
    assert name in [t.value for t in page.text]
    assert not any("https://example.com" in str(m.value) and "](" in str(m.value)
                   and "\\[" not in str(m.value) for m in page.markdown)


def test_beyond_the_editable_names_the_rest_are_listed_with_their_matches(page):
    from lib.ui.upload_view import EDITABLE_NAMES

    rows = "".join(f"Model {i},GSM8K,{i}\n" for i in range(EDITABLE_NAMES)) + "GPT-4o,MATH,1\n"
    compared(page, "many.csv", f"model,dataset,delta\n{rows}".encode())
    assert len(match_boxes(page)) == EDITABLE_NAMES
    rest = frame_with(page, "how")
    assert rest[["name", "match"]].values.tolist() == [["GPT-4o", "GPT-4o"], ["GSM8K", "GSM8K"],
                                                       ["MATH", "MATH"]]
    assert "GPT-4o" in set(yours(page)[schema.MODEL])
