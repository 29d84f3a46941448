"""Published tables as a user would copy them, from Huang et al. (2024), "Large Language Models
Cannot Self-Correct Reasoning Yet" (ICLR 2024, arXiv 2310.01798): Table 3, accuracy (%) of GPT-3.5
and GPT-4 with standard prompting and after one and two rounds of intrinsic self-correction on
GSM8K, CommonSenseQA and HotpotQA (two rounds); and Table 7, GPT-3.5 on GSM8K with multi-agent
debate and self-consistency at equal numbers of responses (five methods on one model × dataset).

Copied in the baseline/treatment shape with a method column: the standard-prompting rows hold
only a baseline score, each round only its treatment score. The rounds must stay two conditions
on every page, never averaged, with the Δ and the comparisons below worked out by hand from
the paper's numbers.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from lib.analysis.conditions import agreement, compare_conditions, group_bests
from lib.core import schema
from lib.core.text import escape_markdown
from lib.ingest.pipeline import ingest
from lib.ui.state import ACTIVE_KEY, CONDITION_KEY, CONDITIONS_KEY, ActiveTable
from tests.conftest import ROOT

FILE = ROOT / "tests" / "published" / "huang2024_table3.csv"
R1, R2 = "Self-Correct (round 1)", "Self-Correct (round 2)"
DELTAS = {  # treatment − standard prompting, in points, from Table 3
    ("GPT-3.5", "GSM8K", R1): 75.1 - 75.9, ("GPT-3.5", "CS-QA", R1): 38.1 - 75.8,
    ("GPT-3.5", "HotpotQA", R1): 25.0 - 26.0, ("GPT-3.5", "GSM8K", R2): 74.7 - 75.9,
    ("GPT-3.5", "CS-QA", R2): 41.8 - 75.8, ("GPT-3.5", "HotpotQA", R2): 25.0 - 26.0,
    ("GPT-4", "GSM8K", R1): 91.5 - 95.5, ("GPT-4", "CS-QA", R1): 79.5 - 82.0,
    ("GPT-4", "HotpotQA", R1): 49.0 - 49.0, ("GPT-4", "GSM8K", R2): 89.0 - 95.5,
    ("GPT-4", "CS-QA", R2): 80.0 - 82.0, ("GPT-4", "HotpotQA", R2): 43.0 - 49.0,
}


@pytest.fixture(scope="module")
def report():
    return ingest(FILE.read_bytes(), FILE.name)


def deltas(table: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    assert not table.duplicated([schema.MODEL, schema.DATASET, schema.CONDITION]).any()
    return {(r.model, r.dataset, r.condition): r.delta for r in table.itertuples()}


def test_the_rounds_are_two_conditions_against_the_standard_prompting_baseline(report):
    assert report.usable and not report.problems and report.y_title == schema.Y_POINTS
    assert deltas(report.table) == pytest.approx(DELTAS)
    assert list(dict.fromkeys(report.table[schema.CONDITION])) == [R1, R2]
    assert "GPT-4o" not in set(report.table[schema.MODEL]), "GPT-4 is not matched to GPT-4o"
    assert any("only a baseline score" in n for n in report.notes)


def test_comparisons_across_the_rounds_match_the_hand_computed_means(report):
    by_dataset = {g.group: g for g in group_bests(
        compare_conditions(report.table, schema.DATASET), schema.DATASET)}
    # GSM8K: round 1 (−0.8 − 4.0) / 2 = −2.4 against round 2 (−1.2 − 6.5) / 2 = −3.85
    assert by_dataset["GSM8K"].best == (R1,) and by_dataset["GSM8K"].mean == pytest.approx(-2.4)
    # CS-QA: round 2 (−34.0 − 2.0) / 2 = −18.0 against round 1 (−37.7 − 2.5) / 2 = −20.1
    assert by_dataset["CS-QA"].best == (R2,) and by_dataset["CS-QA"].mean == pytest.approx(-18.0)
    assert by_dataset["HotpotQA"].best == (R1,)
    assert all(g.common == 2 for g in by_dataset.values())
    by_model = {g.group: g for g in group_bests(
        compare_conditions(report.table, schema.MODEL), schema.MODEL)}
    assert by_model["GPT-3.5"].best == (R2,) and by_model["GPT-3.5"].mean == pytest.approx(
        (-1.2 - 34.0 - 1.0) / 3)
    assert by_model["GPT-4"].best == (R1,) and by_model["GPT-4"].mean == pytest.approx(
        (-4.0 - 2.5 + 0.0) / 3)
    signs = agreement(report.table, tolerance=0.0)
    # every pair is below the baseline in both rounds but GPT-4 on HotpotQA (0.0, then −6.0)
    assert (signs.pairs, signs.agree["below"], signs.partly, signs.opposite) == (6, 5, 1, 0)


def explored(app_test, page: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    report = ingest(FILE.read_bytes(), FILE.name)
    at.session_state[ACTIVE_KEY] = ActiveTable(report.table, label="huang2024_table3.csv",
                                               is_figure=False, y_title=report.y_title)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_overview_draws_both_rounds_side_by_side_never_a_mean(app_test):
    at = explored(app_test, "pages/overview.py", {CONDITIONS_KEY: [R1, R2]})
    element = at.get("vega_lite_chart")[0]
    rows = pa.ipc.open_stream(element.proto.datasets[0].data.data).read_all().to_pandas()
    assert deltas(rows) == pytest.approx(DELTAS)


@pytest.mark.parametrize("page", ["pages/profiles.py", "pages/findings.py"])
def test_each_page_reads_the_round_in_the_address(app_test, page):
    at = explored(app_test, page, {CONDITION_KEY: R2, "profile": "GPT-4"})
    assert at.selectbox(key=CONDITION_KEY).value == R2
    if page == "pages/findings.py":  # across the rounds, whatever round the picker shows
        assert "Across conditions" in [h.value for h in at.header]
        text = " ".join(str(m.value) for m in at.markdown)
        for dataset, best, mean in (("CS-QA", R2, "-18"), ("GSM8K", R1, "-2.4")):
            assert f"{escape_markdown(dataset)}: “{escape_markdown(best)}”, {mean} over 2 models" in text


# Huang et al. (2024), Table 7: GPT-3.5 (gpt-3.5-turbo-0301) on GSM8K, multi-agent debate and
# self-consistency at equal numbers of responses, against standard prompting: five methods on
# one model × dataset.
METHODS_FILE = ROOT / "tests" / "published" / "huang2024_table7.csv"
METHOD_DELTAS = {"Self-Consistency (3 responses)": 82.5 - 76.7,
                 "Multi-Agent Debate (round 1)": 83.2 - 76.7,
                 "Self-Consistency (6 responses)": 85.3 - 76.7,
                 "Multi-Agent Debate (round 2)": 83.0 - 76.7,
                 "Self-Consistency (9 responses)": 88.2 - 76.7}


def test_five_methods_on_one_model_and_dataset_stay_five_values():
    report = ingest(METHODS_FILE.read_bytes(), METHODS_FILE.name)
    assert report.usable and not report.problems
    assert {r.condition: r.delta for r in report.table.itertuples()} == pytest.approx(
        METHOD_DELTAS)
    assert list(report.table[schema.CONDITION]) == list(METHOD_DELTAS)  # the table's order
    [best] = group_bests(compare_conditions(report.table, schema.DATASET), schema.DATASET)
    assert best.best == ("Self-Consistency (9 responses)",)
    assert best.mean == pytest.approx(88.2 - 76.7) and best.common == 1
    signs = agreement(report.table)
    assert (signs.pairs, signs.agree["above"]) == (1, 1)


def test_the_overview_draws_the_five_methods_picked_in_the_address(app_test):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.query_params[CONDITIONS_KEY] = list(METHOD_DELTAS)
    report = ingest(METHODS_FILE.read_bytes(), METHODS_FILE.name)
    at.session_state[ACTIVE_KEY] = ActiveTable(report.table, label=METHODS_FILE.name,
                                               is_figure=False, y_title=report.y_title)
    at.run()
    assert not at.exception
    element = at.get("vega_lite_chart")[0]
    rows = pa.ipc.open_stream(element.proto.datasets[0].data.data).read_all().to_pandas()
    assert dict(zip(rows[schema.CONDITION], rows[schema.DELTA])) == pytest.approx(METHOD_DELTAS)
