"""lib/ingest/validation.py (through lib/ingest/pipeline.py): from a file to a clean contract table or a report."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest

from lib.charts.exports import csv_bytes
from lib.core import schema
from lib.ingest.pipeline import read_upload, report_for
from lib.ingest.problems import Effect, Kind, problems_frame
from lib.ingest.shapes import MAPPED_SHAPES, DeltaKind, Mapping, Shape
from lib.ingest.templates import contract_table, templates
from lib.ingest.validation import MAX_LISTED, DuplicatePolicy, Options, Report, merge_duplicates


def report(text: str | bytes, name: str = "f.csv", mapping: Mapping | None = None,
           **options) -> Report:
    data = text.encode() if isinstance(text, str) else text
    return report_for(read_upload(data, name), mapping, Options(**options))


def rows(table: pd.DataFrame) -> list[tuple]:
    return list(table[[schema.MODEL, schema.DATASET, schema.DELTA]].itertuples(index=False,
                                                                                name=None))


# --- shapes end to end ---------------------------------------------------------------------------

def test_long_file_to_contract_table() -> None:
    got = report("Model,Benchmark,Δ (pp),Group\nGPT-4o,GSM8K,+3.5,Closed LLM\n"
                 "Mine,NewBench,−2,\n")
    assert got.usable and got.problems == ()
    assert got.shape is Shape.LONG
    assert rows(got.table) == [("GPT-4o", "GSM8K", 3.5), ("Mine", "NewBench", -2.0)]
    assert got.table[schema.CATEGORY].tolist() == ["Closed LLM", schema.UNSPECIFIED_CATEGORY]
    assert got.table[schema.DELTA].dtype == "float64"
    assert got.y_title == "Δ (points)"
    assert (got.rows_read, got.rows_kept) == (2, 2)


def test_optional_columns_are_carried_and_typed() -> None:
    got = report("model,dataset,delta,ci_low,ci_high,n\nA,GSM8K,2,1,3,100\n")
    table = got.table
    assert table.loc[0, schema.CI_LOW] == 1.0 and table.loc[0, schema.CI_HIGH] == 3.0
    assert table[schema.N_ITEMS].dtype == "Int64" and table.loc[0, schema.N_ITEMS] == 100


@pytest.mark.parametrize("kind,expected,title", [
    (DeltaKind.POINTS, [5.0, -10.0], "Δ (points)"),
    (DeltaKind.RELATIVE, [10.0, -20.0], "Δ (% relative)"),
])
def test_scores_to_delta_in_points_or_relative(kind: DeltaKind, expected: list[float],
                                               title: str) -> None:
    got = report("model,dataset,baseline,treatment\nA,GSM8K,50,55\nA,MATH,50,40\n",
                 delta_kind=kind)
    assert got.shape is Shape.SCORES
    assert got.table[schema.DELTA].tolist() == pytest.approx(expected)
    assert got.y_title == title
    assert got.table[schema.BASELINE].tolist() == [50.0, 50.0]


def test_fraction_scores_are_read_as_percentages() -> None:
    got = report("model,dataset,base_acc,cot_acc\nA,GSM8K,0.5,0.55\nA,MATH,0.82,0.8\n")
    assert got.table[schema.DELTA].tolist() == pytest.approx([5.0, -2.0])
    assert got.table[schema.TREATMENT].tolist() == pytest.approx([55.0, 80.0])
    assert any("between 0 and 1" in n for n in got.notes)


def test_scores_with_a_decimal_comma_and_semicolons() -> None:
    got = report("model;dataset;baseline;treatment\nA;GSM8K;50,5;52,25\n")
    assert got.table[schema.DELTA].tolist() == pytest.approx([1.75])
    assert any("decimal comma" in n for n in got.notes)


def test_wide_file_to_contract_table() -> None:
    got = report("Model,Category,GSM8K,Human-Eval,Average\nA,Open LLM,1.5,-2,0\nB,,3,,1\n")
    assert got.shape is Shape.WIDE
    assert rows(got.table) == [("A", "GSM8K", 1.5), ("A", "HumanEval", -2.0), ("B", "GSM8K", 3.0)]
    assert got.table[schema.CATEGORY].tolist() == ["Open LLM", "Open LLM",
                                                   schema.UNSPECIFIED_CATEGORY]
    (empty,) = got.problems
    assert (empty.kind, empty.row, empty.column, empty.effect) == (
        Kind.EMPTY_CELL, 3, "Human-Eval", Effect.VALUE)
    assert (got.rows_read, got.rows_kept) == (2, 2)
    assert any("Average" in n and "not used" in n for n in got.notes)


def test_y_title_from_percent_values() -> None:
    assert report("model,dataset,delta\nA,GSM8K,+5%\n").y_title == "Δ (%)"
    assert report("model,dataset,delta\nA,GSM8K,5\n").y_title == "Δ (as in your file)"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet", "xlsx"])
def test_the_same_table_from_every_format(fmt: str) -> None:
    table = pd.DataFrame({"model": ["A", "B"], "dataset": ["GSM8K", "CSQA"], "delta": [1.5, -2.0]})
    if fmt == "json":
        data = table.to_json(orient="records").encode()
    elif fmt == "jsonl":
        data = table.to_json(orient="records", lines=True).encode()
    elif fmt == "parquet":
        sink = io.BytesIO()
        table.to_parquet(sink, index=False)
        data = sink.getvalue()
    else:
        book = openpyxl.Workbook()
        for row in [list(table.columns), *table.values.tolist()]:
            book.active.append(row)
        sink = io.BytesIO()
        book.save(sink)
        data = sink.getvalue()
    got = report(data, f"results.{fmt}")
    assert got.problems == ()
    assert rows(got.table) == [("A", "GSM8K", 1.5), ("B", "CS-QA", -2.0)]


# --- names ---------------------------------------------------------------------------------------

def test_names_are_matched_to_the_figure_and_the_renames_noted() -> None:
    got = report("model,dataset,delta\ngpt 4o,CommonsenseQA,1\nGPT-4o,Human-Eval,2\n"
                 " Mine ,gsm-8k,3\n")
    assert rows(got.table) == [("GPT-4o", "CS-QA", 1.0), ("GPT-4o", "HumanEval", 2.0),
                               ("Mine", "GSM8K", 3.0)]
    assert got.renamed["Model"] == {"gpt 4o": "GPT-4o"}
    assert got.renamed["Dataset"] == {"CommonsenseQA": "CS-QA", "Human-Eval": "HumanEval",
                                      "gsm-8k": "GSM8K"}
    assert any("“CommonsenseQA” → “CS-QA”" in n for n in got.notes)


def test_html_in_names_is_kept_as_plain_text() -> None:
    name = "<img src=x onerror=alert(1)>"
    got = report(f"model,dataset,delta\n{name},GSM8K,1\n")
    assert got.table.loc[0, schema.MODEL] == name


# --- problems ------------------------------------------------------------------------------------

def test_rows_with_problems_are_listed_not_silently_dropped() -> None:
    got = report("model,dataset,delta\nA,GSM8K,1\nB,GSM8K,abc\n,MATH,2\nC,MATH,inf\nD,MATH,\n")
    assert (got.rows_read, got.rows_kept) == (5, 1)
    assert [(p.kind, p.row, p.column) for p in got.problems] == [
        (Kind.NOT_A_NUMBER, 3, "delta"), (Kind.EMPTY_CELL, 4, "model"),
        (Kind.INFINITE, 5, "delta"), (Kind.EMPTY_CELL, 6, "delta")]
    assert all(p.effect is Effect.ROW and p.file == "f.csv" for p in got.problems)
    assert got.rows_read - got.rows_kept == len({p.row for p in got.problems})


def test_a_bad_optional_value_keeps_its_row() -> None:
    got = report("model,dataset,delta,ci_low,ci_high,n\nA,GSM8K,1,x,2,-4\n")
    assert got.rows_kept == 1
    assert {(p.kind, p.column, p.effect) for p in got.problems} == {
        (Kind.NOT_A_NUMBER, "ci_low", Effect.VALUE), (Kind.BAD_COUNT, "n", Effect.VALUE)}
    assert pd.isna(got.table.loc[0, schema.CI_LOW]) and pd.isna(got.table.loc[0, schema.N_ITEMS])


def test_missing_columns_block_the_file() -> None:
    got = report("model,notes\nA,fine\n", mapping=Mapping(Shape.LONG, {schema.MODEL: "model"}))
    assert not got.usable
    assert [p.kind for p in got.problems] == [Kind.MISSING_COLUMN, Kind.MISSING_COLUMN]
    assert all(p.blocking for p in got.problems)


def test_duplicates_stop_by_default_and_average_on_request() -> None:
    text = ("model,dataset,delta,ci_low,ci_high\nA,GSM8K,1,0,2\nA,MATH,5,4,6\n"
            "a,gsm-8k,3,2,4\n")
    stopped = report(text)
    assert not stopped.usable and stopped.duplicate_pairs == 1
    assert [(p.row, p.effect) for p in stopped.problems] == [(2, Effect.STOPPED)]
    assert stopped.problems[0].message.endswith("appears 2 times (rows 2, 4)")
    merged = report(text, duplicates=DuplicatePolicy.MEAN)
    assert merged.usable
    assert rows(merged.table) == [("A", "GSM8K", 2.0), ("A", "MATH", 5.0)]
    assert pd.isna(merged.table.loc[0, schema.CI_LOW]), "no interval for an averaged pair"
    assert merged.table.loc[1, schema.CI_LOW] == 4.0
    assert all(p.effect is Effect.MERGED for p in merged.problems)


def test_merge_duplicates_keeps_first_category() -> None:
    table = pd.DataFrame({schema.MODEL: ["A", "A"], schema.DATASET: ["X", "X"],
                          schema.DELTA: [1.0, 2.0], schema.CATEGORY: ["Open LLM", "Other"]})
    assert merge_duplicates(table).to_dict("records") == [
        {schema.MODEL: "A", schema.DATASET: "X", schema.DELTA: 1.5, schema.CATEGORY: "Open LLM"}]


def test_a_long_list_of_problems_is_capped_and_counted() -> None:
    body = "".join(f"M{i},GSM8K,bad\n" for i in range(MAX_LISTED + 20))
    got = report("model,dataset,delta\n" + body + "ok,GSM8K,1\n")
    assert len(got.problems) == MAX_LISTED
    assert got.unlisted == 20
    assert got.usable and got.rows_kept == 1


def test_problems_frame_for_display() -> None:
    got = report("model,dataset,delta\nA,GSM8K,abc\nB,GSM8K,1\n")
    shown = problems_frame(list(got.problems))
    assert list(shown.columns) == ["File", "Row", "Column", "Problem", "Effect"]
    assert shown.iloc[0].tolist() == [
        "f.csv", 2, "delta", "not a number: “abc” (the Δ must be a number)", "row left out"]


def test_a_failed_read_gives_a_blocked_report() -> None:
    got = report(b"", "empty.csv")
    assert not got.usable
    assert got.problems[0].kind is Kind.EMPTY_FILE


def test_large_clean_file_is_validated_quickly() -> None:
    import time

    lines = "".join(f"M{i % 300},D{i // 300},{i % 17 - 8}.5\n" for i in range(60_000))
    start = time.perf_counter()
    got = report("model,dataset,delta\n" + lines)
    assert got.usable and len(got.table) == 60_000
    assert time.perf_counter() - start < 5


# --- templates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("template", templates(), ids=lambda t: t.shape.value)
def test_each_template_reads_back_cleanly_in_its_shape(template) -> None:
    upload = read_upload(csv_bytes(template.table), template.file_name)
    assert upload.detection.sure
    assert upload.detection.mapping.shape is template.shape
    got = report_for(upload)
    assert got.usable and got.problems == ()
    assert len(got.table) == 6
    assert set(got.table[schema.DATASET]) == {"GSM8K", "HumanEval", "MyBench"}


def test_templates_cover_every_shape_and_the_contract_every_column() -> None:
    assert {t.shape for t in templates()} == set(MAPPED_SHAPES)  # per-item ones: lib.ui.items_view
    listed = " ".join(contract_table()["Column"])
    assert all(column in listed for column in schema.CONTRACT_COLUMNS)


def test_template_json_round_trip() -> None:
    long = next(t for t in templates() if t.shape is Shape.LONG)
    data = json.dumps(long.table.to_dict("records")).encode()
    assert report(data, "t.json").table[schema.DELTA].tolist() == long.table["delta"].tolist()


# --- bounded reports: no message grows with the input --------------------------------------------

def _report_size(got: Report) -> int:
    return sum(len(p.describe()) for p in got.problems) + sum(len(n) for n in got.notes)


@pytest.mark.parametrize("policy", list(DuplicatePolicy))
def test_identical_rows_give_short_duplicate_messages(policy: DuplicatePolicy) -> None:
    small = report("model,dataset,delta\n" + "GPT-4o,GSM8K,4.5\n" * 1_000, duplicates=policy)
    big = report("model,dataset,delta\n" + "GPT-4o,GSM8K,4.5\n" * 100_000, duplicates=policy)
    assert big.duplicate_pairs == 1
    assert big.problems[0].message == ("the pair “GPT-4o” × “GSM8K” appears 100,000 times "
                                       "(rows 2–100001)")
    assert len(big.problems) == 1 and big.unlisted == 0, "one problem per pair, not per row"
    assert max(len(p.message) for p in big.problems) < 100
    assert _report_size(big) <= 1.1 * _report_size(small)  # a few more digits, no more
    assert big.usable is (policy is DuplicatePolicy.MEAN)


def test_scattered_duplicate_rows_are_listed_up_to_a_count() -> None:
    lines = [f"M{i},D,1\n" for i in range(5_000)]
    for i in range(0, 5_000, 2):
        lines[i] = "Twin,D,1\n"
    got = report("model,dataset,delta\n" + "".join(lines))
    message = got.problems[0].message
    assert message.startswith("the pair “Twin” × “D” appears 2,500 times (rows 2, 4, 6, 8, 10, "
                              "12, 14, 16, 18, 20 and 2,490 more)")
    assert len(got.problems) == 1


def test_many_repeated_pairs_are_listed_once_each_up_to_the_cap() -> None:
    body = "".join(f"M{i},D,1\nM{i},D,2\n" for i in range(MAX_LISTED + 7))
    got = report("model,dataset,delta\n" + body, duplicates=DuplicatePolicy.MEAN)
    assert got.duplicate_pairs == MAX_LISTED + 7
    assert len(got.problems) == MAX_LISTED and got.unlisted == 7
    assert [p.row for p in got.problems[:3]] == [2, 4, 6]
    assert got.problems[1].message == "the pair “M1” × “D” appears 2 times (rows 4, 5)"
    assert got.table[schema.DELTA].eq(1.5).all() and len(got.table) == MAX_LISTED + 7


def test_many_unused_and_renamed_columns_are_counted_not_listed() -> None:
    extra = [f"extra column {i} " + "x" * 200 for i in range(150)]
    header = "model,dataset,delta," + ",".join(extra)
    got = report(header + "\nA,GSM8K,1," + ",".join("0" * 150) + "\n")
    note = next(n for n in got.notes if n.startswith("Column(s) not used"))
    assert note.endswith("and 138 more.") and len(note) < 1_000


# --- values beyond a sane magnitude --------------------------------------------------------------

@pytest.mark.parametrize("cell,column,effect", [
    ("1e308", "delta", Effect.ROW), ("-1e308", "delta", Effect.ROW),
    ("2000000", "delta", Effect.ROW), ("1e7", "ci_low", Effect.VALUE),
    ("-1e300", "ci_high", Effect.VALUE),
])
def test_values_beyond_a_million_are_refused_by_name(cell: str, column: str,
                                                     effect: Effect) -> None:
    values = {"delta": "1", "ci_low": "0", "ci_high": "2", column: cell}
    got = report("model,dataset,delta,ci_low,ci_high\nOK,GSM8K,1,0,2\n"
                 f"A,GSM8K,{values['delta']},{values['ci_low']},{values['ci_high']}\n", "big.csv")
    (problem,) = got.problems
    assert (problem.kind, problem.file, problem.row, problem.column, problem.effect) == (
        Kind.OUT_OF_RANGE, "big.csv", 3, column, effect)
    assert "out of range" in problem.message
    assert got.usable
    finite = got.table[[schema.DELTA, schema.CI_LOW, schema.CI_HIGH]].abs().max().max()
    assert finite <= 1e6


def test_a_million_itself_is_accepted() -> None:
    got = report("model,dataset,delta\nA,GSM8K,1000000\nB,GSM8K,-1000000\n")
    assert got.problems == () and got.table[schema.DELTA].tolist() == [1e6, -1e6]


def test_scores_beyond_range_and_a_huge_relative_delta_leave_their_rows_out() -> None:
    got = report("model,dataset,baseline,treatment\nA,GSM8K,1e-9,50\nB,GSM8K,2e6,1\n"
                 "C,GSM8K,40,50\n", delta_kind=DeltaKind.RELATIVE)
    assert [(p.kind, p.row, p.column) for p in got.problems] == [
        (Kind.OUT_OF_RANGE, 2, "baseline"), (Kind.OUT_OF_RANGE, 3, "baseline")]
    assert rows(got.table) == [("C", "GSM8K", 25.0)]


def test_a_wide_cell_beyond_range_leaves_only_that_value_out() -> None:
    got = report("model,GSM8K,MATH\nA,1e308,2\n")
    (problem,) = got.problems
    assert (problem.kind, problem.row, problem.column, problem.effect) == (
        Kind.OUT_OF_RANGE, 2, "GSM8K", Effect.VALUE)
    assert rows(got.table) == [("A", "MATH", 2.0)]


def test_a_huge_item_count_is_left_out() -> None:
    got = report("model,dataset,delta,n\nA,GSM8K,1,1e300\n")
    (problem,) = got.problems
    assert (problem.kind, problem.column, problem.effect) == (Kind.BAD_COUNT, "n", Effect.VALUE)
    assert got.table[schema.N_ITEMS].isna().all()


def test_scores_written_with_percent_signs_are_percentages_in_every_shape():
    """0.5% is half a percent, in the baseline/treatment shape as in a per-arm counts file; bare
    scores between 0 and 1 are still fractions."""
    from lib.ingest.pipeline import ingest

    scores = ingest(b"model,dataset,baseline,treatment\nA,X,0.5%,0.6%\n", "f.csv").table
    counts = ingest(b"model,dataset,baseline,treatment,n\nA,X,0.5%,0.6%,100\n", "f.csv").table
    for table in (scores, counts):
        assert table[[schema.BASELINE, schema.TREATMENT]].values.tolist() == [[0.5, 0.6]]
    fractions = ingest(b"model,dataset,baseline,treatment\nA,X,0.5,0.6\n", "f.csv").table
    assert fractions[[schema.BASELINE, schema.TREATMENT]].values.tolist() == [[50.0, 60.0]]
