"""Per-item outcomes and the per-arm scores of counts files read by the one set of number rules
(lib/ingest/numbers.py), so that a text means the same number there as in a long file."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.ingest.items import checks, peritem
from lib.ingest.items.checks import ProblemLog
from lib.ingest.pipeline import read_upload, report_for
from lib.ingest.problems import Effect, Kind

FILE = "items.csv"


def long_reading(texts: list[str]) -> list[tuple[Kind | None, float]]:
    """How a long file reads each text as its Δ: (None, number), or (kind of problem, NaN)."""
    lines = "".join(f'm{i},X,"{t}"\n' for i, t in enumerate(texts))
    report = report_for(read_upload(f"model,dataset,delta\n{lines}".encode(), "long.csv"))
    assert report.shape is not None and report.shape.value == "long"
    kinds = {p.row: p.kind for p in report.problems if p.row is not None}
    read = dict(zip(report.table[schema.MODEL], report.table[schema.DELTA])) \
        if report.table is not None else {}
    return [(kinds[i + 2], math.nan) if i + 2 in kinds else (None, read[f"m{i}"])
            for i in range(len(texts))]


def outcome_reading(texts: list[str]) -> tuple[np.ndarray, dict[int, Kind]]:
    """The outcome column reader on `texts`: values, and the kind of problem per row."""
    log = ProblemLog(FILE)
    values, _ = checks.outcomes(pa.chunked_array([pa.array(texts, pa.string())]), "baseline",
                                log)
    problems = log.problems()
    assert {(p.file, p.column, p.effect) for p in problems} <= {(FILE, "baseline", Effect.ROW)}
    return values, {p.row: p.kind for p in problems}


DOT_TEXTS = [" 1 ", "1.0", "0.25", "−1", "–0", "n/a", "NA", "-", "—", "x", "50%", "+0.5",
             "1e-1", "∞", "1.5", "0", " 0 ", "２", "", "  "]
COMMA_TEXTS = ["1,0", "0,5", " 0,25 ", "1", "-", "n/a", "−0,5", "0,75%"]


@pytest.mark.parametrize("texts", [DOT_TEXTS, COMMA_TEXTS], ids=["point", "comma"])
def test_text_outcomes_read_as_a_long_file_reads_them(texts):
    values, kinds = outcome_reading(texts)
    for i, (kind, number) in enumerate(long_reading(texts)):
        row, text = i + 2, texts[i]
        if kind is Kind.EMPTY_CELL:
            assert kinds.get(row) is Kind.EMPTY_CELL, text
        elif kind is not None or not 0 <= number <= 1:
            assert kinds.get(row) is Kind.BAD_OUTCOME, text
        else:
            assert row not in kinds and values[i] == number, text


def test_the_promised_spellings_of_an_outcome():
    values, kinds = outcome_reading([" 1 ", "1.0", "−1", "n/a", "NA", "-", "", "yes", " FALSE "])
    assert values[[0, 1, 7, 8]].tolist() == [1.0, 1.0, 1.0, 0.0]
    assert kinds == {4: Kind.BAD_OUTCOME, 5: Kind.EMPTY_CELL, 6: Kind.EMPTY_CELL,
                     7: Kind.EMPTY_CELL, 8: Kind.EMPTY_CELL}
    values, kinds = outcome_reading(["1,0", "0,5", "0"])
    assert kinds == {} and values.tolist() == [1.0, 0.5, 0.0]


def test_an_unicode_minus_is_named_with_file_row_and_column():
    data = "model;dataset;item;baseline;treatment\nA;X;1;1;0\nA;X;2;−1;1\nA;X;3;0,5;n/a\n"
    result = peritem.per_item_from_csv(data.encode(), FILE)
    problems = {(p.file, p.row, p.column, p.kind) for p in result.problems}
    assert problems == {(FILE, 3, "baseline", Kind.BAD_OUTCOME),
                        (FILE, 4, "treatment", Kind.EMPTY_CELL)}
    (bad,) = [p for p in result.problems if p.kind is Kind.BAD_OUTCOME]
    assert "'−1'" in bad.message
    assert result.table[schema.N_ITEMS][0] == 1


@pytest.mark.parametrize("seed", range(2))
def test_words_numbers_and_missing_values_in_any_order(seed):
    """The reading does not depend on which kind of cell comes first (the reader picks its
    order from the first cells), nor on the cells around one."""
    rng = random.Random(seed)
    pool = ["yes", "No", "1", "0", "0.5", " 1 ", "n/a", "-", "x", "2", "TRUE", None, "−1", "1e0"]
    for _ in range(40):
        texts = [rng.choice(pool) for _ in range(rng.randint(1, checks.MAX_ROW_PROBLEMS))]
        values, kinds = outcome_reading(texts)
        for row, text in enumerate(texts, start=2):
            alone, alone_kinds = outcome_reading([text])
            assert kinds.get(row) is alone_kinds.get(2), text
            if row not in kinds:
                assert values[row - 2] == alone[0], text


def test_one_word_among_many_numbers_and_one_number_among_many_words():
    numbers = ["1", "0"] * 500 + ["yes", "n/a"]
    values, kinds = outcome_reading(numbers)
    assert values[-2] == 1.0 and kinds == {len(numbers) + 1: Kind.EMPTY_CELL}
    words = ["no", "yes"] * 500 + ["0.25", "7"]
    values, kinds = outcome_reading(words)
    assert values[-2] == 0.25 and kinds == {len(words) + 1: Kind.BAD_OUTCOME}


# --- per-arm scores of counts files ----------------------------------------------------------

def counts(baseline: list, treatment: list | None = None, n: list | None = None) -> pd.DataFrame:
    size = len(baseline)
    return pd.DataFrame({"model": [f"m{i}" for i in range(size)], "dataset": "X",
                         "baseline": pd.Series(baseline, dtype=object),
                         "treatment": pd.Series(treatment or ["70"] * size, dtype=object),
                         "n": pd.Series(n or [100] * size, dtype=object)})


def test_counts_scores_read_as_a_long_file_reads_them():
    texts = [" 60 ", "62.5", "n/a", "-", "—", "−1", "x", "55%", "1e2", "", "101", "∞"]
    result = peritem.aggregate_counts(counts(texts), FILE)
    kinds = {p.row: p.kind for p in result.problems if p.column == "baseline"}
    kept = dict(zip(result.table[schema.MODEL], result.table[schema.BASELINE]))
    expected = {Kind.EMPTY_CELL: Kind.EMPTY_CELL, Kind.NOT_A_NUMBER: Kind.NOT_A_NUMBER,
                Kind.INFINITE: Kind.OUT_OF_RANGE}
    for i, (kind, number) in enumerate(long_reading(texts)):
        row, text = i + 2, texts[i]
        if kind is not None:
            assert kinds.get(row) is expected[kind], text
        elif not 0 <= number <= 100:
            assert kinds.get(row) is Kind.OUT_OF_RANGE, text
        else:
            assert row not in kinds and kept[f"m{i}"] == pytest.approx(number), text
    assert "percentages" in result.notes[0]


def test_a_decimal_comma_in_a_counts_file():
    result = peritem.aggregate_counts(counts(["62,5", "0,5"], ["70,25", "1"], ["1 000", "10"]),
                                      FILE)
    assert result.problems == []
    assert result.table[schema.BASELINE].tolist() == pytest.approx([62.5, 0.5])
    assert result.table[schema.TREATMENT].tolist() == pytest.approx([70.25, 1.0])
    assert result.table[schema.N_ITEMS].tolist() == [1000, 10]


@pytest.mark.parametrize("baseline,treatment,expected", [
    (["50%", "60%"], ["55%", "58%"], [50.0, 60.0]),
    (["0.5%", "0.6%"], ["0.7%", "0.8%"], [0.5, 0.6]),  # a % says percent, whatever the median
    (["0.5", "0.6"], ["0.7", "0.8"], [50.0, 60.0]),     # fractions
])
def test_percent_scores_of_a_counts_file_are_percentages(baseline, treatment, expected):
    result = peritem.aggregate_counts(counts(baseline, treatment), FILE)
    assert result.problems == []
    assert result.table[schema.BASELINE].tolist() == pytest.approx(expected)
    unit = "percentages" if "%" in baseline[0] else "fractions"
    assert unit in result.notes[0]


def test_counts_problems_name_file_row_and_column():
    result = peritem.aggregate_counts(counts(["60", "NA", "sixty"], n=[100, 100, "n/a"]), FILE,
                                      row_numbers=[7, 8, 9])
    assert {(p.file, p.row, p.column, p.kind) for p in result.problems} == {
        (FILE, 8, "baseline", Kind.EMPTY_CELL), (FILE, 9, "baseline", Kind.NOT_A_NUMBER),
        (FILE, 9, "n", Kind.BAD_COUNT)}
    assert list(result.table[schema.MODEL]) == ["m0"]
