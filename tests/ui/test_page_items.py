"""AppTest of per-item uploads on the "Your data" page: intervals, settings, explore, example."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.analysis.evidence import TOO_SMALL_LABEL
from lib.ingest.items.cells import BINARY_METHOD, CI_TEST_DISAGREE, SCORES_METHOD, TOO_SMALL
from lib.ingest.problems import PROBLEM_COLUMNS
from lib.ui.items_view import EXAMPLE_FILE
from lib.ui.state import ACTIVE_KEY

PAGE = "pages/your_data.py"
EXAMPLE = EXAMPLE_FILE.read_bytes()


def chart_rows(at, index: int = -1) -> pd.DataFrame:
    el = at.get("vega_lite_chart")[index]
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def chart_spec(at, index: int = -1) -> dict:
    return json.loads(at.get("vega_lite_chart")[index].proto.spec)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def page(app_test):
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload("synthetic_per_item.csv", EXAMPLE,
                                                  "text/csv").run()
    assert not at.exception, at.exception
    return at


def test_a_per_item_file_gets_its_own_report(page):
    shown = metrics(page)
    assert shown["Rows read"] == "12,600"
    assert shown["Values (model × dataset)"] == "63"
    assert shown["Problems"] == "0"
    assert int(shown["Significant after Holm correction"]) > 0
    assert any("Holm" in c.value for c in page.caption)


def problems_shown(at) -> pd.DataFrame:
    """The value of the one dataframe listing problems."""
    (shown,) = [d.value for d in at.dataframe if "Problem" in d.value.columns]
    return shown


def test_the_per_item_report_lists_problems_like_the_ordinary_one(app_test):
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload(
        "ordinary.csv", b"model,dataset,delta\nA,GSM8K,abc\nB,MATH,1\n", "text/csv").run()
    ordinary = problems_shown(at)
    at.file_uploader(key="your_data_file").upload(
        "items.csv", b"model,dataset,item,baseline,treatment\nA,X,1,1,0\nA,X,2,maybe,1\n"
        b"A,X,3,0,1\nA,X,3,0,0\n", "text/csv").run()
    assert not at.exception, at.exception
    items = problems_shown(at)
    assert tuple(ordinary.columns) == tuple(items.columns) == PROBLEM_COLUMNS
    assert items[["File", "Row", "Column", "Effect"]].values.tolist() == [
        ["items.csv", 3, "baseline", "row left out"],
        ["items.csv", 4, "item", "averaged with its duplicates"],
        ["items.csv", 5, "item", "averaged with its duplicates"]]
    assert str(items["Row"].dtype) == str(ordinary["Row"].dtype)


def test_explore_draws_intervals_and_significance_on_every_page(page):
    page.button(key="items_explore").click().run()
    assert not page.exception
    current = page.session_state[ACTIVE_KEY]
    assert not current.is_figure and "per-item" in current.label
    rows = chart_rows(page)
    assert len(rows) == 63 and {schema.CI_LOW, schema.CI_HIGH, schema.SIGNIFICANT} <= set(rows)
    layers = [lay["mark"]["type"] for lay in chart_spec(page)["spec"]["layer"]]
    assert layers == ["rule", "rule", "point"]
    page.switch_page("pages/overview.py").run()
    assert not page.exception
    assert len(chart_rows(page)) == 63
    page.switch_page("pages/profiles.py").run()
    page.switch_page("pages/findings.py").run()
    assert not page.exception


def test_the_correction_is_the_users_choice(page):
    holm = int(metrics(page)["Significant after Holm correction"])
    page.radio(key="items_correction").set_value("none").run()
    assert not page.exception
    assert int(metrics(page)["Significant without correction"]) >= holm
    assert any("no correction" in c.value for c in page.caption)
    page.radio(key="items_correction").set_value("bh").run()
    assert any("Benjamini" in c.value for c in page.caption)


def test_compare_marks_the_per_item_points_as_yours(page):
    page.button(key="items_compare").click().run()
    assert not page.exception
    rows = chart_rows(page, 0)  # the compared chart (the shared pairs' chart comes last)
    assert set(rows[schema.SOURCE]) == {"Figure", "Yours"}
    assert len(rows) == 126


def test_the_synthetic_example_loads_without_a_file(app_test):
    at = app_test(page=PAGE)
    at.button(key="items_example").click().run()
    assert not at.exception
    current = at.session_state[ACTIVE_KEY]
    assert "synthetic" in current.label
    assert schema.CI_LOW in current.table.columns and len(current.table) == 63


def test_a_rerun_does_not_aggregate_again_and_new_settings_do_not_read_again(app_test,
                                                                            monkeypatch):
    import lib.ui.uploads as items_upload

    reads, aggregations = [], []
    real_read, real_aggregate = items_upload.read_items, items_upload.aggregate
    monkeypatch.setattr(items_upload, "read_items",
                        lambda *args: reads.append(args[1]) or real_read(*args))
    monkeypatch.setattr(items_upload, "aggregate",
                        lambda *args: aggregations.append(args[1]) or real_aggregate(*args))
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload("synthetic_per_item.csv", EXAMPLE,
                                                  "text/csv").run()
    at.run()
    at.run()
    assert reads == ["synthetic_per_item.csv"] and len(aggregations) == 1
    at.radio(key="items_correction").set_value("bh").run()
    assert len(aggregations) == 2  # new settings, new aggregation
    at.radio(key="items_correction").set_value("holm").run()
    assert len(aggregations) == 2  # back to settings already computed
    assert reads == ["synthetic_per_item.csv"]  # never read again


def test_a_large_file_of_scores_finishes_fast_with_the_t_interval_and_says_so(app_test):
    import time

    import numpy as np

    rng = np.random.default_rng(0)
    n = 150_000  # distinct scores in one cell: the t interval, whatever the size, in one pass
    frame = pd.DataFrame({"model": "A", "dataset": "GSM8K", "item": np.arange(n),
                          "baseline": rng.random(n).round(4), "treatment": rng.random(n).round(4)})
    at = app_test(page=PAGE)
    start = time.perf_counter()
    at.file_uploader(key="your_data_file").upload("scores.csv", frame.to_csv(index=False).encode(),
                                                  "text/csv").run()
    assert time.perf_counter() - start < 15
    assert not at.exception
    start = time.perf_counter()
    at.select_slider(key="items_level").set_value(0.99).run()  # new settings: no new reading
    assert time.perf_counter() - start < 5
    assert not at.exception
    assert metrics(at)["Values (model × dataset)"] == "1"
    said = " ".join(c.value for c in at.caption)
    assert f"{SCORES_METHOD} (1 cell)." in said and BINARY_METHOD not in said


def _small_and_large_cells() -> bytes:
    """GSM8K: model A on 5 items, every outcome changed (its interval leaves out 0, yet 5 items
    cannot tell); model B on 40 items."""
    rows = ["model,dataset,item,baseline,treatment"]
    rows += [f"A,GSM8K,{i},0,1" for i in range(5)]
    rows += [f"B,GSM8K,{i},{i % 2},{(i // 2) % 2}" for i in range(40)]
    return ("\n".join(rows) + "\n").encode()


def test_a_cell_of_five_items_says_it_has_too_few_to_tell(app_test):
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload("small.csv", _small_and_large_cells(),
                                                  "text/csv").run()
    assert not at.exception, at.exception
    (preview,) = [d for d in at.dataframe if schema.DELTA in d.value.columns]
    shown = preview.value.set_index(schema.MODEL)
    assert shown.loc["A", TOO_SMALL] and not shown.loc["B", TOO_SMALL]
    assert shown.loc["A", schema.CI_LOW] > 0, "its interval alone would read as evidence"
    config = json.loads(preview.proto.columns)
    assert config[TOO_SMALL]["label"] == TOO_SMALL_LABEL
    assert config[CI_TEST_DISAGREE] == {"hidden": True}, "no per-item cell's can disagree"
    said = " ".join(c.value for c in at.caption)
    assert f"{TOO_SMALL_LABEL}: 1 cell" in said and f"{BINARY_METHOD} (2 cells)" in said
    at.button(key="items_explore").click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    rows = chart_rows(at).set_index(schema.MODEL)
    assert bool(rows.loc["A", TOO_SMALL]) and not bool(rows.loc["B", TOO_SMALL])
    tips = {t["field"]: t["title"] for t in
            chart_spec(at)["spec"]["layer"][-1]["encoding"]["tooltip"]}
    assert tips[TOO_SMALL] == TOO_SMALL_LABEL and CI_TEST_DISAGREE not in tips
