"""AppTest of per-item files with several arms per item on the "Your data" page: the baseline arm
picker, a new baseline without a new read, and the treatment arms as the pages' conditions."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.ingest.templates import item_templates
from lib.ui.state import ACTIVE_KEY, CONDITION_KEY, CONDITIONS_KEY

PAGE = "pages/your_data.py"
ARMS = ("CoT", "base", "Self-Refine")


def arms_file() -> bytes:
    """3 arms × 2 models × 2 datasets × 20 items; "base" is right on even items, CoT on 3 of
    every 4, Self-Refine on every item but the multiples of 5."""
    rows = []
    for model in ("GPT-4o", "My-Model"):
        for dataset in ("GSM8K", "MyBench"):
            for item in range(20):
                outcome = {"CoT": item % 4 != 3, "base": item % 2 == 0,
                           "Self-Refine": item % 5 != 0}
                rows += [(model, dataset, f"q{item}", arm, int(outcome[arm])) for arm in ARMS]
    frame = pd.DataFrame(rows, columns=["model", "dataset", "item", "method", "correct"])
    return frame.to_csv(index=False).encode()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def picker(at):
    (found,) = [s for s in at.selectbox if s.label == "Baseline arm"]
    return found


@pytest.fixture
def page(app_test):
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload("arms.csv", arms_file(), "text/csv").run()
    assert not at.exception, at.exception
    return at


def test_the_baseline_arm_is_found_by_name_and_listed_with_the_other_arms(page):
    baseline = picker(page)
    assert baseline.options == list(ARMS) and baseline.value == "base"
    shown = metrics(page)
    assert shown["Rows read"] == "240" and shown["Problems"] == "0"
    assert shown["Values (model × dataset × arm)"] == "8"  # 4 cells × 2 treatment arms
    preview = [d.value for d in page.dataframe if schema.CONDITION in d.value.columns][0]
    assert set(preview[schema.CONDITION]) == {"CoT", "Self-Refine"}
    cot = preview[preview[schema.CONDITION] == "CoT"]
    assert list(cot[schema.DELTA]) == pytest.approx([25.0] * 4)  # 75% − 50%


def test_a_new_baseline_arm_is_computed_without_reading_the_file_again(app_test, monkeypatch):
    import lib.ui.uploads as uploads

    reads, aggregations = [], []
    real_read, real_aggregate = uploads.read_items, uploads.aggregate
    monkeypatch.setattr(uploads, "read_items",
                        lambda *args: reads.append(args[1]) or real_read(*args))
    monkeypatch.setattr(uploads, "aggregate",
                        lambda *args: aggregations.append(args[1]) or real_aggregate(*args))
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload("arms.csv", arms_file(), "text/csv").run()
    picker(at).set_value("CoT").run()
    assert not at.exception, at.exception
    assert reads == ["arms.csv"]
    assert [s.baseline for s in aggregations] == [None, "CoT"]
    assert picker(at).value == "CoT"
    preview = [d.value for d in at.dataframe if schema.CONDITION in d.value.columns][0]
    assert set(preview[schema.CONDITION]) == {"base", "Self-Refine"}
    base = preview[preview[schema.CONDITION] == "base"]
    assert list(base[schema.DELTA]) == pytest.approx([-25.0] * 4)  # 50% − 75%


def test_explore_shows_the_treatment_arms_as_conditions_on_every_page(page):
    picker(page).set_value("Self-Refine").run()
    page.button(key="items_explore").click().run()
    assert not page.exception, page.exception
    current = page.session_state[ACTIVE_KEY]
    assert "Self-Refine" in current.label and set(current.table[schema.CONDITION]) == {"CoT",
                                                                                        "base"}
    for target in ("pages/overview.py", "pages/profiles.py", "pages/findings.py"):
        page.switch_page(target).run()
        assert not page.exception, (target, page.exception)
        conditions = (page.multiselect(key=CONDITIONS_KEY) if target == "pages/overview.py"
                      else page.selectbox(key=CONDITION_KEY))
        assert conditions.options == ["CoT", "base"]
    page.switch_page("pages/overview.py").run()
    page.multiselect(key=CONDITIONS_KEY).set_value(["base"]).run()
    chart = page.get("vega_lite_chart")[0]
    rows = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()
    assert len(rows) == 4 and list(rows[schema.DELTA]) == pytest.approx([50.0 - 80.0] * 4)


def test_compare_sets_the_arms_beside_the_figure(page):
    page.button(key="items_compare").click().run()
    assert not page.exception, page.exception
    current = page.session_state[ACTIVE_KEY]
    mine = current.table[current.table[schema.SOURCE] == "Yours"]
    assert set(mine[schema.CONDITION]) == {"CoT", "Self-Refine"} and len(mine) == 8


def test_a_file_with_one_arm_says_what_is_needed(app_test):
    at = app_test(page=PAGE)
    data = b"model,dataset,item,method,correct\nA,X,1,CoT,1\nA,X,2,cot ,0\n"
    at.file_uploader(key="your_data_file").upload("one.csv", data, "text/csv").run()
    assert not at.exception, at.exception
    assert not [s for s in at.selectbox if s.label == "Baseline arm"]
    (error,) = at.error
    assert "one arm" in error.value and "baseline arm and at least one other arm" in error.value
    assert at.button(key="items_explore").disabled


def test_the_arms_template_is_offered_for_download(app_test):
    at = app_test(page=PAGE)
    (sample,) = item_templates()
    labels = [d.proto.label for d in at.get("download_button")]
    assert f"Download {sample.file_name}" in labels
