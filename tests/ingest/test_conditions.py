"""Several conditions per model × dataset (methods, rounds, prompts): kept apart, never averaged."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analysis.filters import of_condition, table_conditions
from lib.core import schema
from lib.ingest.pipeline import ingest, read_upload, report_for
from lib.ingest.problems import Effect, Kind
from lib.ingest.shapes import Shape
from lib.ingest.templates import templates
from lib.ingest.validation import DuplicatePolicy, Options, merge_duplicates

# Three methods against one base prompt, two models, two datasets: 12 rows, all distinct.
METHODS = (b"Model,Benchmark,Method,Delta\n"
           b"GPT-3.5,GSM8K,CoT,2.1\nGPT-3.5,GSM8K,Self-Refine,-1.4\nGPT-3.5,GSM8K,CRITIC,3.0\n"
           b"GPT-3.5,MATH,CoT,1.0\nGPT-3.5,MATH,Self-Refine,0.5\nGPT-3.5,MATH,CRITIC,-2.0\n"
           b"GPT-4o,GSM8K,CoT,0.4\nGPT-4o,GSM8K,Self-Refine,-0.2\nGPT-4o,GSM8K,CRITIC,1.1\n"
           b"GPT-4o,MATH,CoT,3.3\nGPT-4o,MATH,Self-Refine,2.2\nGPT-4o,MATH,CRITIC,0.0\n")
# Two self-correction rounds, wide: one row per model and round.
ROUNDS = (b"model,round,GSM8K,CommonSenseQA,HotpotQA\n"
          b"GPT-3.5-Turbo,1,-0.8,-37.7,-1.0\nGPT-3.5-Turbo,2,-1.2,-34.0,-1.0\n"
          b"GPT-4,1,-4.0,-2.5,0.0\nGPT-4,2,-6.5,-2.0,-6.0\n")


def test_rows_that_differ_only_by_condition_are_not_duplicates():
    report = ingest(METHODS, "methods.csv")
    assert report.usable and report.problems == () and report.duplicate_pairs == 0
    table = report.table
    assert len(table) == 12 and set(table[schema.CONDITION]) == {"CoT", "Self-Refine", "CRITIC"}
    assert not table.duplicated([schema.MODEL, schema.DATASET, schema.CONDITION]).any()
    cot = table[(table[schema.CONDITION] == "Self-Refine") & (table[schema.MODEL] == "GPT-3.5")]
    assert cot.set_index(schema.DATASET)[schema.DELTA].to_dict() == {"GSM8K": -1.4, "MATH": 0.5}


def test_the_mean_of_repeats_never_crosses_conditions():
    data = METHODS + b"GPT-4o,MATH,CoT,4.3\n"  # a repeat within CoT only
    upload = read_upload(data, "methods.csv")
    stopped = report_for(upload)
    assert stopped.duplicate_pairs == 1 and stopped.table is None
    [problem] = [p for p in stopped.problems if p.kind is Kind.DUPLICATE]
    assert "in the condition “CoT”" in problem.message and "rows 11, 14" in problem.message
    merged = report_for(upload, options=Options(duplicates=DuplicatePolicy.MEAN)).table
    assert len(merged) == 12
    at = merged.set_index([schema.MODEL, schema.DATASET, schema.CONDITION])[schema.DELTA]
    assert at[("GPT-4o", "MATH", "CoT")] == pytest.approx(3.8)        # (3.3 + 4.3) / 2
    assert at[("GPT-4o", "MATH", "Self-Refine")] == pytest.approx(2.2)  # untouched
    by_hand = merge_duplicates(merged.assign(delta=1.0))
    assert len(by_hand) == 12, "merging by model and dataset alone would give 4 rows"


def test_wide_tables_take_rounds():
    report = ingest(ROUNDS, "rounds.csv")
    assert report.usable and report.shape is Shape.WIDE and report.problems == ()
    table = report.table
    assert len(table) == 12 and table_conditions(table) == ["1", "2"]
    round2 = of_condition(table, "2")
    assert len(round2) == 6
    assert round2.set_index([schema.MODEL, schema.DATASET])[schema.DELTA][
        ("GPT-4", "HotpotQA")] == -6.0


def test_condition_names_differing_in_case_or_spaces_are_one_condition():
    data = b"model,dataset,method,delta\nA,X,Self-Refine,1\nA,Y,self-refine ,2\nA,Z,SELF-REFINE,3\n"
    report = ingest(data, "f.csv")
    assert table_conditions(report.table) == ["Self-Refine"]
    assert any("one condition" in n and "“self-refine”" in n for n in report.notes)


def test_a_condition_left_without_rows_is_named_and_empty_conditions_are_reported():
    data = b"model,dataset,method,delta\nA,X,CoT,1\nA,X,RARR,oops\nA,Y,,2\n"
    report = ingest(data, "f.csv")
    assert table_conditions(report.table) == ["CoT"]
    assert any("RARR" in n and "no usable row" in n for n in report.notes)
    empty = [p for p in report.problems if p.row == 4]
    assert empty and empty[0].kind is Kind.EMPTY_CELL and empty[0].effect is Effect.ROW
    assert empty[0].column == "method"


def test_a_single_condition_behaves_as_before():
    plain = ingest(b"model,dataset,delta\nA,X,1\nA,Y,2\n", "f.csv").table
    single = ingest(b"model,dataset,method,delta\nA,X,CoT,1\nA,Y,CoT,2\n", "f.csv").table
    assert table_conditions(single) == ["CoT"]
    pd.testing.assert_frame_equal(single.drop(columns=schema.CONDITION), plain)


def test_a_baseline_only_row_is_the_baseline_of_its_pairs_other_rows():
    data = (b"model,dataset,method,baseline,treatment\n"
            b"GPT-4o,GSM8K,base,80,\n"        # the baseline of the next two rows
            b"GPT-4o,GSM8K,CoT,,84\n"
            b"GPT-4o,GSM8K,CRITIC,,79\n"
            b"GPT-4o,MATH,CoT,52,55\n"        # has its own baseline
            b"Llama,MATH,base,30,\n")         # nobody needs it
    report = ingest(data, "f.csv")
    assert report.shape is Shape.SCORES and report.usable
    table = report.table.set_index([schema.MODEL, schema.DATASET, schema.CONDITION])
    assert table[schema.DELTA].to_dict() == {("GPT-4o", "GSM8K", "CoT"): 4.0,
                                             ("GPT-4o", "GSM8K", "CRITIC"): -1.0,
                                             ("GPT-4o", "MATH", "CoT"): 3.0}
    assert "base" not in set(report.table[schema.CONDITION]), "a baseline is not a Δ"
    assert any("row 2" in n and "baseline of the other rows" in n for n in report.notes)
    [idle] = report.problems
    assert (idle.row, idle.column, idle.effect) == (6, "treatment", Effect.ROW)
    assert report.rows_kept == 4 and report.rows_read == 5


def test_the_conditions_template_reads_back_with_its_conditions():
    template = next(t for t in templates() if "methods" in t.file_name)
    report = ingest(template.table.to_csv(index=False).encode(), template.file_name)
    assert report.problems == () and table_conditions(report.table) == ["CoT", "Self-Refine"]


def test_a_compared_figure_keeps_its_rows_at_every_condition():
    from lib.analysis.compare import combined_table
    from lib.core.figure import figure_table

    upload = ingest(METHODS, "methods.csv").table
    combined = combined_table(figure_table(), upload)
    assert table_conditions(combined) == ["CoT", "Self-Refine", "CRITIC"]
    shown = of_condition(combined, "CRITIC")
    assert len(shown) == 63 + 4
    assert (shown[schema.CONDITION] == schema.NO_CONDITION).sum() == 63
