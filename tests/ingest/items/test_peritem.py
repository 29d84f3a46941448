"""Per-item tables: detection, checks with row and column, aggregation by hand, runs, pieces."""

from __future__ import annotations

import io
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from lib.charts.dotplot import delta_dot_plot
from lib.core import schema
from lib.core.figure import figure_table
from lib.ingest.columns import ITEM, RUN, column_role
from lib.ingest.items import cells as cellstats, read as itemread, peritem
from lib.ingest.items.columns import (PerItemColumns, counts_columns, csv_header, item_role,
                                      per_item_columns)
from lib.ingest.problems import Effect, Kind
from lib.ingest.shapes import ITEM_SHAPES, detect, evidence_of
from lib.stats import intervals

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "data" / "examples" / "synthetic_per_item.csv"
FAST = peritem.Settings()
FILE = "items.csv"


def _item_shape(source: object) -> str | None:
    """The item shape the one shape registry finds (None for the mapped shapes)."""
    shape = detect(evidence_of(source)).mapping.shape
    return shape if shape in ITEM_SHAPES else None


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _cell(model: str, dataset: str, pairs: dict[tuple[int, int], int]) -> pd.DataFrame:
    """Rows for one cell from counts of (baseline, treatment) outcome pairs."""
    outcomes = [pair for pair, k in pairs.items() for _ in range(k)]
    return pd.DataFrame({"model": model, "dataset": dataset, "item": range(len(outcomes)),
                         "baseline": [b for b, _ in outcomes],
                         "treatment": [t for _, t in outcomes]})


# --- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize("names, expected", [
    (["Model", "Benchmark", "Item ID", "Base", "Treated"], ("Item ID", "Base", "Treated", None)),
    (["model_name", "task", "question", "control", "intervention", "Seed"],
     ("question", "control", "intervention", "Seed")),
    (["LLM", "dataset", "id", "baseline_correct", "is_correct_treatment", "run"],
     ("id", "baseline_correct", "is_correct_treatment", "run")),
    (["model", "dataset", "sample-id", "Before", "After"], ("sample-id", "Before", "After", None)),
])
def test_per_item_columns_match_aliases(names, expected):
    cols = per_item_columns(names)
    assert cols is not None
    assert (cols.item, cols.baseline, cols.treatment, cols.run) == expected


@pytest.mark.parametrize("name, role", [
    # known only to the ordinary shapes before
    ("Benchmarks", schema.DATASET), ("test_set", schema.DATASET), ("Evaluation", schema.DATASET),
    ("llm_name", schema.MODEL), ("direct", schema.BASELINE), ("Standard", schema.BASELINE),
    ("base prompt", schema.BASELINE), ("chain_of_thought", schema.TREATMENT),
    ("num_examples", schema.N_ITEMS), ("num samples", schema.N_ITEMS), ("Kind", schema.CATEGORY),
    ("class", schema.CATEGORY), ("baseline_pct", schema.BASELINE), ("CoT (%)", schema.TREATMENT),
    # known only to per-item files before
    ("item_id", ITEM), ("Question", ITEM), ("prompt id", ITEM), ("Seed", RUN), ("trial", RUN),
])
def test_a_header_means_the_same_to_both_paths(name, role):
    assert column_role(name) == role
    assert item_role(name) == role


def test_outcome_words_around_an_arm_are_a_per_item_rule():
    assert item_role("baseline_correct") == item_role("is_correct_base") == schema.BASELINE
    assert item_role("treatment_passed") == schema.TREATMENT
    assert column_role("baseline_correct") is None
    assert item_role("method") == schema.CONDITION and item_role("correct") is None
    # named like the condition, but an arm of outcomes in a per-item file
    assert item_role("intervention") == item_role("variant_correct") == schema.TREATMENT


def test_a_per_item_header_of_aliases_the_ordinary_path_knew_first():
    names = ["LLM name", "Benchmarks", "question_id", "direct", "chain_of_thought", "seed",
             "kind"]
    assert per_item_columns(names) == PerItemColumns("LLM name", "Benchmarks", "question_id",
                                                     "direct", "chain_of_thought", "seed", "kind")
    assert _item_shape(["model", "test set", "baseline_pct", "treatment_pct",
                                 "num_examples"]) == "counts"


def test_a_row_id_beside_scores_is_not_per_item():
    table = pd.DataFrame({"id": [1, 2], "model": "A", "dataset": ["X", "Y"],
                          "baseline": [62.5, 70.0], "treatment": [64.0, 71.5], "n": 200})
    assert _item_shape(table) == "counts"
    assert _item_shape(_csv(table)) == "counts"
    assert _item_shape(table.drop(columns="n")) is None
    assert _item_shape(list(table.columns)) == "per_item"  # names alone cannot tell
    out = peritem.per_item_from_csv(_csv(table), FILE).table
    assert out[peritem.INTERVAL_METHOD].str.startswith(peritem.UNPAIRED_LABEL).all()


def test_item_shapes_from_bytes_frame_and_names():
    per_item = b"model,dataset,item_id,baseline,treatment\nA,X,1,0,1\n"
    assert _item_shape(per_item) == "per_item"
    assert _item_shape(b"\xef\xbb\xbfModel;Task;Question;Base;After\n") == "per_item"
    assert _item_shape(pd.DataFrame(columns=["model", "dataset", "baseline",
                                                      "treatment", "n"])) == "counts"
    assert _item_shape(["model", "dataset", "delta"]) is None
    assert per_item_columns(["model", "dataset", "baseline", "treatment"]) is None
    assert counts_columns(["model", "dataset", "item", "baseline", "treatment", "n"]) is None


def _mcnemar(b: int, c: int) -> float:
    """The asymptotic McNemar p-value, through scipy's chi-square."""
    return float(stats.chi2.sf((c - b) ** 2 / (b + c), 1))


# --- aggregation by hand ------------------------------------------------------------------------


def test_tiny_table_by_hand():
    # A × X: 4 both right, 1 baseline only, 3 treatment only, 2 both wrong (10 items)
    # B × X: 2 both right, 4 baseline only, 0 treatment only, 4 both wrong (10 items)
    table = pd.concat([_cell("A", "X", {(1, 1): 4, (1, 0): 1, (0, 1): 3, (0, 0): 2}),
                       _cell("B", "X", {(1, 1): 2, (1, 0): 4, (0, 1): 0, (0, 0): 4})])
    result = peritem.aggregate_per_item(table, FILE, settings=FAST)
    out = result.table
    assert result.problems == []
    assert list(out[schema.MODEL]) == ["A", "B"]
    assert list(out[schema.BASELINE]) == pytest.approx([50.0, 60.0])
    assert list(out[schema.TREATMENT]) == pytest.approx([70.0, 20.0])
    assert list(out[schema.DELTA]) == pytest.approx([20.0, -40.0])
    assert list(out[schema.N_ITEMS]) == [10, 10]
    p = [_mcnemar(1, 3), _mcnemar(4, 0)]  # 0.3173, 0.0455
    assert list(out[schema.P_VALUE]) == pytest.approx(p)
    assert list(out[schema.P_ADJUSTED]) == pytest.approx([p[0], 2 * p[1]])  # Holm
    assert not out[schema.SIGNIFICANT].any()
    assert list(out[peritem.CI_EXCLUDES_ZERO]) == [False, True]  # B: p < 0.05 before correction
    assert not out[cellstats.CI_TEST_DISAGREE].any() and not out[cellstats.TOO_SMALL].any()
    assert (out[schema.CI_LOW] <= out[schema.DELTA]).all()
    assert (out[schema.DELTA] <= out[schema.CI_HIGH]).all()
    assert set(out[peritem.INTERVAL_METHOD]) == {cellstats.BINARY_METHOD}
    assert out.attrs["correction"] == "holm" and out.attrs["level"] == 0.95


def test_output_uses_the_contract_column_names():
    out = peritem.aggregate_per_item(_cell("A", "X", {(1, 1): 3, (0, 1): 5, (0, 0): 2}), FILE).table
    for name in (schema.MODEL, schema.DATASET, schema.DELTA, schema.BASELINE, schema.TREATMENT,
                 schema.N_ITEMS, schema.CI_LOW, schema.CI_HIGH, schema.P_VALUE,
                 schema.P_ADJUSTED, schema.SIGNIFICANT, schema.CATEGORY):
        assert name in out.columns
    assert out[schema.SIGNIFICANT].dtype == bool


def test_bh_correction_and_alpha_are_settings():
    table = pd.concat([_cell("A", "X", {(0, 1): 12, (1, 1): 8}),
                       _cell("A", "Y", {(0, 1): 9, (1, 0): 1, (1, 1): 10})])
    p = np.array([_mcnemar(0, 12), _mcnemar(1, 9)])
    holm = peritem.aggregate_per_item(table, FILE, settings=FAST).table
    bh = peritem.aggregate_per_item(table, FILE,
                                    settings=peritem.Settings(correction="bh")).table
    assert list(holm[schema.P_ADJUSTED]) == pytest.approx([2 * p[0], max(2 * p[0], p[1])])
    assert list(bh[schema.P_ADJUSTED]) == pytest.approx([2 * p[0], p[1]])  # p·m/rank
    strict = peritem.aggregate_per_item(table, FILE,
                                        settings=peritem.Settings(alpha=0.001)).table
    assert list(strict[schema.SIGNIFICANT]) == list(strict[schema.P_ADJUSTED] < 0.001)


def test_true_false_text_and_scores():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": [1, 2, 3, 4],
                          "baseline": ["true", "False", "yes", "no"],
                          "treatment": ["1", "0.5", "TRUE", "0"]})
    out = peritem.aggregate_per_item(table, FILE, settings=FAST).table
    assert out[schema.BASELINE][0] == pytest.approx(50.0)
    assert out[schema.TREATMENT][0] == pytest.approx(62.5)
    d = np.array([1, 0.5, 1, 0]) - np.array([1, 0, 1, 0])
    assert out[schema.P_VALUE][0] == pytest.approx(stats.ttest_1samp(d, 0).pvalue)
    assert out[peritem.INTERVAL_METHOD][0] == (f"{cellstats.SCORES_METHOD}; "
                                               f"{cellstats.TOO_SMALL_NOTE}")  # 4 items


def test_binary_and_score_cells_side_by_side():
    binary = _cell("A", "X", {(1, 1): 5, (1, 0): 2, (0, 1): 6, (0, 0): 7})
    scores = pd.DataFrame({"model": "A", "dataset": "Y", "item": range(6),
                           "baseline": [0.5, 0.25, 1, 0, 0.75, 0.5],
                           "treatment": [0.75, 0.5, 1, 0.25, 0.75, 1]})
    out = peritem.aggregate_per_item(pd.concat([binary, scores]), FILE, settings=FAST).table
    assert list(out[schema.DATASET]) == ["X", "Y"]
    assert out[schema.P_VALUE][0] == pytest.approx(_mcnemar(2, 6))
    assert out[schema.P_VALUE][1] == pytest.approx(
        stats.ttest_rel(scores["treatment"], scores["baseline"]).pvalue)
    assert out[schema.DELTA][1] == pytest.approx(100 * (scores["treatment"]
                                                        - scores["baseline"]).mean())
    assert "McNemar" in out[peritem.INTERVAL_METHOD][0]
    assert "t-test" in out[peritem.INTERVAL_METHOD][1]


# --- runs and repeated items --------------------------------------------------------------------


def test_runs_are_averaged_per_item_first():
    table = pd.DataFrame({
        "model": "A", "dataset": "X", "item": [1, 1, 2, 2, 3, 3], "seed": [1, 2] * 3,
        "baseline": [1, 0, 0, 0, 1, 1], "treatment": [1, 1, 1, 0, 1, 1]})
    result = peritem.aggregate_per_item(table, FILE, settings=FAST)
    out = result.table
    base, treat = np.array([0.5, 0.0, 1.0]), np.array([1.0, 0.5, 1.0])  # per item, by hand
    assert out[schema.N_ITEMS][0] == 3
    assert out[schema.BASELINE][0] == pytest.approx(100 * base.mean())
    assert out[schema.DELTA][0] == pytest.approx(100 * (treat - base).mean())
    assert out[schema.P_VALUE][0] == pytest.approx(stats.ttest_rel(treat, base).pvalue)
    assert any("averaged" in note for note in result.notes)
    assert result.problems == []


def test_runs_with_sparse_item_keys():
    # item ids unique to each cell: the (cell, item) key space is sparse, so grouping sorts
    rng = np.random.default_rng(4)
    cells = [(m, d) for m in "ABCDE" for d in "VWXYZ"]
    rows = [(m, d, f"{m}{d}-{i}", run, rng.integers(0, 2), rng.integers(0, 2))
            for m, d in cells for i in range(40) for run in (1, 2)]
    table = pd.DataFrame(rows, columns=["model", "dataset", "item", "run", "baseline",
                                        "treatment"])
    out = peritem.aggregate_per_item(table.sample(frac=1, random_state=1), FILE,
                                     settings=FAST).table
    means = table.groupby(["model", "dataset", "item"])[["baseline", "treatment"]].mean()
    delta = (100 * (means["treatment"] - means["baseline"])).groupby(level=[0, 1]).mean()
    got = out.set_index(["model", "dataset"])[schema.DELTA]
    assert got.sort_index().to_numpy() == pytest.approx(delta.sort_index().to_numpy())
    assert set(out[schema.N_ITEMS]) == {40}


def test_runs_that_agree_stay_on_the_binary_path():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": [1, 1, 2, 2, 3, 3],
                          "run": [1, 2] * 3, "baseline": [1, 1, 0, 0, 0, 0],
                          "treatment": [1, 1, 1, 1, 1, 1]})
    out = peritem.aggregate_per_item(table, FILE, settings=FAST).table
    assert out[schema.N_ITEMS][0] == 3
    assert out[schema.P_VALUE][0] == pytest.approx(_mcnemar(0, 2))
    assert out[cellstats.TOO_SMALL][0]  # 3 items, 2 changed outcomes
    assert "McNemar" in out[peritem.INTERVAL_METHOD][0]


def test_repeated_item_without_run_column_is_averaged_with_a_warning():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": [1, 2, 2, 3],
                          "baseline": [1, 0, 1, 0], "treatment": [1, 1, 1, 0]})
    result = peritem.aggregate_per_item(table, FILE, settings=FAST)
    assert result.table[schema.N_ITEMS][0] == 3
    rows = sorted(p.row for p in result.problems)
    assert rows == [3, 4] and all(p.column == "item" and not p.blocking for p in result.problems)
    assert {(p.file, p.kind, p.effect) for p in result.problems} == {
        (FILE, Kind.REPEATED_ITEM, Effect.MERGED)}


# --- bad input ----------------------------------------------------------------------------------


def test_bad_values_are_named_by_row_and_column_and_left_out():
    data = (b"model,dataset,item,baseline,treatment\n"
            b"A,X,1,1,0\n"      # row 2: fine
            b"A,X,2,2,0\n"      # row 3: baseline 2
            b"A,X,3,0,1.5\n"    # row 4: treatment above 1
            b"A,X,4,1,-0.2\n"   # row 5: treatment below 0
            b"A,X,5,maybe,1\n"  # row 6: baseline text
            b"A,X,6,1,\n"       # row 7: treatment empty
            b",X,7,1,1\n"       # row 8: model empty
            b"A,X,8,0,1\n")     # row 9: fine
    result = peritem.per_item_from_csv(data, FILE, FAST)
    where = {(p.row, p.column) for p in result.problems}
    assert where == {(3, "baseline"), (4, "treatment"), (5, "treatment"), (6, "baseline"),
                     (7, "treatment"), (8, "model")}
    described = " | ".join(p.describe() for p in result.problems)
    assert "items.csv, row 3, column “baseline”" in described and "'maybe'" in described
    kinds = {(p.row, p.column): p.kind for p in result.problems}
    assert kinds == {(3, "baseline"): Kind.BAD_OUTCOME, (4, "treatment"): Kind.OUT_OF_RANGE,
                     (5, "treatment"): Kind.OUT_OF_RANGE, (6, "baseline"): Kind.BAD_OUTCOME,
                     (7, "treatment"): Kind.EMPTY_CELL, (8, "model"): Kind.EMPTY_CELL}
    assert {(p.file, p.effect) for p in result.problems} == {(FILE, Effect.ROW)}
    assert result.table[schema.N_ITEMS][0] == 2  # rows 2 and 9


def test_integer_outcomes_out_of_range():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": [1, 2, 3],
                          "baseline": [0, 3, 1], "treatment": [1, 1, -1]})
    result = peritem.aggregate_per_item(table, FILE, settings=FAST, row_numbers=[10, 11, 12])
    assert {(p.row, p.column) for p in result.problems} == {(11, "baseline"), (12, "treatment")}
    assert "found 3" in result.problems[0].message


def test_many_bad_rows_are_counted_not_listed():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": range(100),
                          "baseline": [2] * 99 + [1], "treatment": 1})
    problems = peritem.aggregate_per_item(table, FILE, settings=FAST).problems
    named = [p for p in problems if p.row is not None]
    assert len(named) == 20 and named[0].row == 2
    (more,) = [p for p in problems if p.row is None]
    assert more.message.startswith("79 more rows")
    assert (more.file, more.kind, more.column, more.effect) == (FILE, Kind.BAD_OUTCOME,
                                                                "baseline", Effect.ROW)


def test_missing_columns_and_no_usable_rows_block():
    result = peritem.aggregate_per_item(pd.DataFrame(columns=["model", "item", "baseline"]), FILE)
    assert result.table is None
    assert all(p.blocking for p in result.problems)
    assert {(p.file, p.kind, p.effect) for p in result.problems} == {
        (FILE, Kind.MISSING_COLUMN, Effect.FILE)}
    text = " ".join(p.message for p in result.problems)
    assert "dataset" in text and "treatment" in text
    none_left = peritem.aggregate_per_item(pd.DataFrame(
        {"model": ["A"], "dataset": ["X"], "item": [1], "baseline": [5], "treatment": [1]}), FILE)
    assert none_left.table is None
    assert [p.kind for p in none_left.problems if p.blocking] == [Kind.NO_ROWS_LEFT]


@pytest.mark.parametrize("data", [b"model,dataset,item,baseline,treatment\n",
                                  b"model,dataset,item,baseline,treatment"])
def test_header_only_blocks(data):
    result = peritem.per_item_from_csv(data, FILE)
    assert result.table is None and result.problems[-1].blocking


def test_windows_line_ends_and_trailing_blank_lines():
    data = b"model,dataset,item,baseline,treatment\r\nA,X,1,1,0\r\nA,X,2,0,0\r\n\r\n\r\n"
    out = peritem.per_item_from_csv(data, FILE, FAST).table
    assert out[schema.N_ITEMS][0] == 2 and out[schema.DELTA][0] == pytest.approx(-50.0)


def test_unparseable_text_blocks():
    result = peritem.per_item_from_csv(b"model,dataset,item,baseline,treatment\nA,X,1,0\n", FILE)
    assert result.table is None and result.problems[0].blocking
    assert (result.problems[0].kind, result.problems[0].file) == (Kind.UNREADABLE, FILE)


# --- reading in pieces, order and seeds ---------------------------------------------------------


def test_pieces_give_the_same_result_as_one_table(monkeypatch):
    data = EXAMPLE.read_bytes()
    whole = peritem.aggregate_per_item(pd.read_csv(io.BytesIO(data)), FILE, settings=FAST).table
    monkeypatch.setattr(itemread, "PIECE_BYTES", 5000)
    pieces = peritem.per_item_from_csv(data, FILE, FAST).table
    pd.testing.assert_frame_equal(whole, pieces)


def test_row_numbers_count_across_pieces(monkeypatch):
    rows = [f"A,X,{i},1,0" for i in range(300)] + ["A,X,300,7,0"]  # the bad one is row 302
    data = ("model,dataset,item,baseline,treatment\n" + "\n".join(rows) + "\n").encode()
    monkeypatch.setattr(itemread, "PIECE_BYTES", 500)
    assert [(p.row, p.column) for p in peritem.per_item_from_csv(data, FILE, FAST).problems] == [
        (302, "baseline")]


def test_item_ids_of_mixed_types_across_pieces(monkeypatch):
    lines = [f"A,X,{i},1,0" for i in range(200)] + ["A,X,q1,0,1", "A,X,7,1,1"]  # item 7 twice
    data = ("model,dataset,item,baseline,treatment\n" + "\n".join(lines) + "\n").encode()
    monkeypatch.setattr(itemread, "PIECE_BYTES", 400)
    result = peritem.per_item_from_csv(data, FILE, FAST)
    assert result.table[schema.N_ITEMS][0] == 201
    assert {p.row for p in result.problems if p.row} == {9, 203}


def test_outcome_types_that_differ_between_pieces(monkeypatch):
    lines = [f"A,X,{i},{i % 2},1" for i in range(300)] + ["A,X,300,0.5,1", "B,X,1,1,0"]
    data = ("model,dataset,item,baseline,treatment\n" + "\n".join(lines) + "\n").encode()
    monkeypatch.setattr(itemread, "PIECE_BYTES", 600)
    out = peritem.per_item_from_csv(data, FILE, FAST).table
    assert list(out[schema.N_ITEMS]) == [301, 1]
    assert out[schema.BASELINE][0] == pytest.approx(100 * (150 + 0.5) / 301)
    assert "t-test" in out[peritem.INTERVAL_METHOD][0] and "McNemar" in out[
        peritem.INTERVAL_METHOD][1]


def test_frame_with_mixed_item_types():
    table = pd.DataFrame({"model": "A", "dataset": "X", "item": pd.Series([1, "q2", 3, 1],
                                                                          dtype=object),
                          "baseline": [1, 0, 1, 1], "treatment": [1, 1, 0, 0]})
    result = peritem.aggregate_per_item(table, FILE, settings=FAST)
    assert result.table[schema.N_ITEMS][0] == 3  # item 1 twice: averaged, with a warning
    assert {p.row for p in result.problems} == {2, 5}


def test_row_order_does_not_matter():
    table = pd.read_csv(EXAMPLE)
    first = peritem.aggregate_per_item(table, FILE, settings=FAST).table
    shuffled = peritem.aggregate_per_item(table.sample(frac=1, random_state=3), FILE,
                                          settings=FAST).table
    key = [schema.MODEL, schema.DATASET]
    pd.testing.assert_frame_equal(first.sort_values(key).reset_index(drop=True),
                                  shuffled.sort_values(key).reset_index(drop=True))
    again = peritem.aggregate_per_item(table, FILE, settings=FAST).table
    pd.testing.assert_frame_equal(first, again)


def test_semicolon_bom_category_and_trimmed_names():
    data = ("\ufeffModel;Benchmark;Question;Base;After;Group\n"
            "A ;X;1;1;1;Open LLM\nA;X;2;0;1;Open LLM\nB;X;1;1;0;\n").encode()
    out = peritem.per_item_from_csv(data, FILE, FAST).table
    assert list(out[schema.MODEL]) == ["A", "B"]
    assert list(out[schema.N_ITEMS]) == [2, 1]
    assert list(out[schema.CATEGORY]) == ["Open LLM", schema.UNSPECIFIED_CATEGORY]


# --- the unpaired approximation -----------------------------------------------------------------


def test_counts_table_gets_the_labelled_unpaired_approximation():
    table = pd.DataFrame({"model": ["A", "B"], "dataset": "X", "baseline": [62.0, 40.0],
                          "treatment": [70.0, 41.0], "n": [250, 80]})
    result = peritem.per_item_from_csv(_csv(table), FILE)
    out = result.table
    low, high, p = intervals.unpaired_difference([0.62, 0.40], [0.70, 0.41], [250, 80])
    assert list(out[schema.CI_LOW]) == pytest.approx(list(100 * low))
    assert list(out[schema.CI_HIGH]) == pytest.approx(list(100 * high))
    assert list(out[schema.P_VALUE]) == pytest.approx(list(p))
    assert list(out[schema.DELTA]) == pytest.approx([8.0, 1.0])
    assert out[peritem.INTERVAL_METHOD].str.startswith(peritem.UNPAIRED_LABEL).all()
    assert out.attrs["unpaired"] is True
    assert "percentages" in result.notes[0]


def test_counts_table_problems():
    table = pd.DataFrame({"model": ["A", "A", "B", "C"], "dataset": "X",
                          "baseline": [0.6, 0.5, 0.7, 0.2], "treatment": [0.7, 0.6, 1.2, 0.3],
                          "n": [100, 100, 50, 10.5]})
    result = peritem.aggregate_counts(table, FILE)
    assert {(p.row, p.column, p.kind) for p in result.problems} == {
        (3, None, Kind.DUPLICATE), (4, "treatment", Kind.OUT_OF_RANGE), (5, "n", Kind.BAD_COUNT)}
    assert {(p.file, p.effect) for p in result.problems} == {(FILE, Effect.ROW)}
    assert list(result.table[schema.MODEL]) == ["A"]


def test_counts_scores_that_are_empty_or_not_numbers_are_told_apart():
    table = pd.DataFrame({"model": ["A", "B", "C"], "dataset": "X",
                          "baseline": [0.6, None, "x"], "treatment": 0.7, "n": 100})
    result = peritem.aggregate_counts(table, FILE)
    assert {(p.row, p.column, p.kind) for p in result.problems} == {
        (3, "baseline", Kind.EMPTY_CELL), (4, "baseline", Kind.NOT_A_NUMBER)}
    assert list(result.table[schema.MODEL]) == ["A"]
    assert "fractions" in result.notes[0]


# --- the synthetic example and the chart --------------------------------------------------------


def test_synthetic_example_file():
    assert "synthetic" in EXAMPLE.name and EXAMPLE.stat().st_size < 400_000
    result = peritem.per_item_from_csv(EXAMPLE.read_bytes(), FILE)
    out = result.table
    assert result.problems == [] and len(out) == 63
    assert set(out[schema.N_ITEMS]) == {200}
    assert (out[schema.SIGNIFICANT] == (out[schema.P_ADJUSTED] < 0.05)).all()
    truth = figure_table().merge(out, on=[schema.MODEL, schema.DATASET], suffixes=("_true", ""))
    assert len(truth) == 63  # same models and datasets as the figure


def test_synthetic_generator_follows_the_figure(tmp_path):
    from scripts.make_synthetic_items import main, synthetic_items

    table = synthetic_items(items=6000, runs=1, seed=2).to_pandas()
    cells = table.groupby(["model", "dataset"], observed=True)[["baseline", "treatment"]].mean()
    realised = (100 * (cells["treatment"] - cells["baseline"])).rename("realised").reset_index()
    merged = figure_table().merge(realised, on=["model", "dataset"])
    # each realised Δ is an average of 6,000 paired differences: SD below 1.3 points
    assert (merged["realised"] - merged["delta"]).abs().max() < 5.0
    assert (merged["realised"] - merged["delta"]).abs().mean() < 1.3
    with pytest.raises(SystemExit):
        main(["--items", "5", "-o", str(tmp_path / "items.csv")])  # name must say synthetic
    assert main(["--items", "5", "--runs", "2", "-o", str(tmp_path / "synthetic.csv")]) == 0
    assert "run" in (tmp_path / "synthetic.csv").read_text().splitlines()[0]


def test_chart_draws_intervals_and_significance():
    out = peritem.per_item_from_csv(EXAMPLE.read_bytes(), FILE, FAST).table
    spec = delta_dot_plot(out).to_dict()
    layers = spec["spec"]["layer"]
    assert any(layer.get("encoding", {}).get("y2", {}).get("field") == schema.CI_HIGH
               for layer in layers)
    assert any("significant" in str(layer.get("encoding", {})) for layer in layers)
    assert isinstance(spec, dict) and alt.__version__


# --- hostile input on the per-item path ---------------------------------------------------------

ITEMS = "model,dataset,item,baseline,treatment\nA,X,1,1,0\nA,X,2,0,1\nA,X,3,1,1\nB,X,1,0,0\n"


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_cr_line_ends_are_read_like_line_feeds(ending, monkeypatch):
    expected = peritem.per_item_from_csv(ITEMS.encode(), FILE, FAST).table
    data = ITEMS.replace("\n", ending).encode()
    pd.testing.assert_frame_equal(peritem.per_item_from_csv(data, FILE, FAST).table, expected)
    monkeypatch.setattr(itemread, "PIECE_BYTES", 12)  # pieces cut at CR too
    pd.testing.assert_frame_equal(peritem.per_item_from_csv(data, FILE, FAST).table, expected)


@pytest.mark.parametrize("data", [
    b"model,dataset,item,base\rline,treatment\nA,X,1,1,0\n",  # a lone CR in the first line
    b'model,"dataset\r,item,baseline,treatment\nA,X,1,1,0\n',  # and an open quote
    b"\r\r\r", b"\r", b"", b'"', b"sep=;\r\n",
])
def test_header_sniffing_never_raises(data):
    names, delimiter = csv_header(data)
    assert isinstance(names, list) and delimiter in ",;\t|"
    assert _item_shape(data) in (None, "per_item", "counts")
    result = peritem.per_item_from_csv(data, FILE, FAST)
    assert result.table is not None or result.problems


def test_a_sep_line_is_skipped_when_reading_the_header():
    assert csv_header(b"sep=;\nmodel;dataset;item;baseline;treatment\nA;X;1;1;0\n") == (
        ["model", "dataset", "item", "baseline", "treatment"], ";")


def test_bytes_that_are_not_utf8_are_left_to_the_general_reader():
    data = ITEMS.replace("A,", "Caf\xe9,").encode("cp1252")
    with pytest.raises(pa.ArrowInvalid):
        peritem.check_csv(data, FILE)  # the upload page then reads it with lib.ingest.read.table


def test_text_outcomes_beside_missing_ones_in_a_frame():
    frame = pd.DataFrame({"model": ["A", "A", "A"], "dataset": "X", "item": [1, 2, 3],
                          "baseline": pd.Series(["yes", None, "no"], dtype=object),
                          "treatment": pd.Series([1, 0, None], dtype=object)})
    result = peritem.aggregate_per_item(frame, FILE, settings=FAST, row_numbers=[5, 6, 7])
    assert {(p.row, p.column) for p in result.problems} == {(6, "baseline"), (7, "treatment")}
    assert result.table[schema.N_ITEMS][0] == 1


def test_values_of_any_type_are_read_or_named():
    frame = pd.DataFrame({"model": pd.Series([["A"], "A", 7], dtype=object), "dataset": "X",
                          "item": [1, 2, 3],
                          "baseline": pd.Series([{"x": 1}, 1, 0], dtype=object),
                          "treatment": [1, 1, 0]})
    result = peritem.aggregate_per_item(frame, FILE, settings=FAST)
    assert [(p.row, p.column) for p in result.problems] == [(2, "baseline")]
    assert sorted(result.table[schema.MODEL]) == ["7", "A"]


def test_unsafe_characters_in_names_are_replaced_and_noted():
    lines = [f"A\x1fB,X\x7f,{i},1,0,Open\x85LLM" for i in range(5_000)] + ["C,X,1,0,1,"]
    data = ("model,dataset,item,baseline,treatment,category\n" + "\n".join(lines)).encode()
    result = peritem.per_item_from_csv(data, FILE, FAST)
    out = result.table
    assert list(out[schema.MODEL]) == ["A\ufffdB", "C"]
    assert set(out[schema.DATASET]) == {"X\ufffd"}
    assert out[schema.CATEGORY][0] == "Open\ufffdLLM"
    (note,) = [n for n in result.notes if "control characters" in n]
    assert note == "Rows 2–5001 (15,000 cells): control characters replaced by \ufffd."


def test_the_note_on_replaced_characters_names_few_rows_whatever_their_number():
    names = ["A\x01", "A"]
    lines = [f"{names[i % 2]},X,{i},1,0" for i in range(20_000)]
    data = ("model,dataset,item,baseline,treatment\n" + "\n".join(lines)).encode()
    (note,) = [n for n in peritem.per_item_from_csv(data, FILE, FAST).notes if "control" in n]
    assert note == ("Rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 9,990 more (10,000 cells): "
                    "control characters replaced by \ufffd.")


def test_problem_messages_stay_short_whatever_the_cell():
    data = ("model,dataset,item,baseline,treatment\nA,X,1,1,0\n"
            f"A,X,2,{'x' * 1_000_000},0\n").encode()
    (problem,) = peritem.per_item_from_csv(data, FILE, FAST).problems
    assert problem.row == 3 and len(problem.describe()) < 200


def test_two_spellings_of_a_figure_name_are_one_cell():
    data = ("model,dataset,item,baseline,treatment\ngpt 4o,CSQA,1,1,0\nGPT-4o,CS-QA,2,0,1\n"
            "GPT-4o,cs qa,3,1,1\n").encode()
    out = peritem.per_item_from_csv(data, FILE, FAST).table
    assert out[[schema.MODEL, schema.DATASET, schema.N_ITEMS]].values.tolist() == [
        ["GPT-4o", "CS-QA", 3]]


def test_too_many_model_dataset_pairs_are_refused_by_name(monkeypatch):
    monkeypatch.setattr(peritem, "MAX_CELLS", 50)
    lines = [f"M{i},X,1,1,0" for i in range(60)]
    data = ("model,dataset,item,baseline,treatment\n" + "\n".join(lines)).encode()
    result = peritem.per_item_from_csv(data, FILE, FAST)
    assert result.table is None
    assert "60 model × dataset pairs" in result.problems[-1].message
    assert result.problems[-1].blocking
    assert (result.problems[-1].kind, result.problems[-1].file) == (Kind.TOO_MANY_PAIRS, FILE)
    monkeypatch.setattr(peritem, "MAX_CELLS", 60)
    assert len(peritem.per_item_from_csv(data, FILE, FAST).table) == 60


def test_many_models_and_datasets_need_no_array_per_pair():
    n = 3_000  # 9 million possible pairs, 3,000 present
    frame = pd.DataFrame({"model": [f"M{i}" for i in range(n)],
                          "dataset": [f"D{i}" for i in range(n)], "item": 1,
                          "baseline": 1, "treatment": np.arange(n) % 2})
    out = peritem.aggregate_per_item(frame, FILE, settings=FAST).table
    assert len(out) == n and out[schema.MODEL].iloc[0] == "M0"


def test_checked_items_serve_any_settings_without_reading_again():
    checked = peritem.check_csv(EXAMPLE.read_bytes(), FILE)
    once = peritem.summarise(checked, FAST).table
    pd.testing.assert_frame_equal(once, peritem.per_item_from_csv(EXAMPLE.read_bytes(), FILE,
                                                                  FAST).table)
    other = peritem.summarise(checked, peritem.Settings(level=0.8)).table
    assert (other[schema.CI_HIGH] - other[schema.CI_LOW] <
            once[schema.CI_HIGH] - once[schema.CI_LOW]).all()
    pd.testing.assert_frame_equal(peritem.summarise(checked, FAST).table, once)


def test_cells_too_small_to_show_a_difference_say_so():
    few_changed = _cell("A", "X", {(1, 1): 400, (0, 1): 3, (0, 0): 97})  # 500 items, 3 changed
    few_items = _cell("A", "Y", {(0, 1): 6, (0, 0): 3})  # 9 items
    enough = _cell("A", "Z", {(1, 1): 5, (0, 1): 4, (0, 0): 1})  # 10 items, 4 changed
    same = pd.DataFrame({"model": "A", "dataset": "W", "item": range(20),
                         "baseline": 0.25, "treatment": 0.75})  # every difference equal
    out = peritem.aggregate_per_item(pd.concat([few_changed, few_items, enough, same]), FILE,
                                     settings=FAST).table.set_index(schema.DATASET)
    assert out[cellstats.TOO_SMALL].to_dict() == {"W": True, "X": True, "Y": True, "Z": False}
    assert out.loc["X", peritem.INTERVAL_METHOD].endswith(cellstats.TOO_SMALL_NOTE)
    assert out.loc["Z", peritem.INTERVAL_METHOD] == cellstats.BINARY_METHOD
    assert np.isnan(out.loc["W", schema.CI_LOW]) and np.isnan(out.loc["W", schema.P_VALUE])
    width = out[schema.CI_HIGH] - out[schema.CI_LOW]
    assert (width.drop("W") > 0.5).all()  # points: never a width-0 interval
    assert not out[cellstats.CI_TEST_DISAGREE].any()


def test_repeated_items_are_named_by_the_row_numbers_the_reader_gave() -> None:
    """A table read by another reader (Excel, JSON) carries its own row numbers: a repeated
    item is named by them, also when no row was left out."""
    from lib.ingest.items.peritem import check_items
    from lib.ingest.problems import Kind

    frame = pd.DataFrame({"model": ["A"] * 3, "dataset": ["GSM8K"] * 3, "item": ["q1", "q1", "q2"],
                          "baseline": [0, 1, 1], "treatment": [1, 1, 0]})
    checked = check_items(frame, "items.xlsx", row_numbers=[10, 14, 15])
    assert [p.row for p in checked.problems if p.kind is Kind.REPEATED_ITEM] == [10, 14]
