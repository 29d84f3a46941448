"""lib/ingest/problems.py: the wording helpers that keep every message short whatever the input."""

from __future__ import annotations

import numpy as np
import pytest

from lib.ingest.problems import MAX_NAME, Kind, Problem, clip, problems_frame, rows_phrase


@pytest.mark.parametrize("rows,expected", [
    ([7], "row 7"),
    ([2, 4], "rows 2, 4"),
    ([4, 2, 4], "rows 2, 4"),
    ([2, 3], "rows 2, 3"),
    ([2, 3, 4], "rows 2–4"),
    ([2, 3, 4, 9, 11, 12, 13], "rows 2–4, 9, 11–13"),
    (list(range(2, 100_002)), "rows 2–100001"),
    (list(range(3, 30, 2)), "rows 3, 5, 7, 9, 11, 13, 15, 17, 19, 21 and 4 more"),
    ([], "no rows"),
])
def test_rows_phrase(rows: list[int], expected: str) -> None:
    assert rows_phrase(np.array(rows, dtype=np.int64)) == expected


def test_rows_phrase_length_does_not_grow_with_the_rows() -> None:
    few = rows_phrase(np.arange(2, 2_000, 2))
    many = rows_phrase(np.arange(2, 2_000_000, 2))
    assert len(many) - len(few) <= 4  # only the count's digits


def test_clip_cuts_long_text_to_one_short_line() -> None:
    assert clip("short") == "short"
    assert clip("a\nb\rc") == "a b c"
    cut = clip("x" * 10_000_000)
    assert len(cut) == 40 and cut.endswith("…")


def test_a_huge_column_name_is_cut_where_a_problem_is_shown() -> None:
    problem = Problem(Kind.EMPTY_CELL, "empty cell", "f.csv", 3, "c" * 100_000)
    assert len(problem.describe()) < MAX_NAME + 60
    assert len(problems_frame([problem]).loc[0, "Column"]) == MAX_NAME


def test_an_uploaded_file_name_is_one_safe_line_of_bounded_length() -> None:
    from lib.ingest.problems import MAX_NAME, file_label
    assert file_label("results.csv") == "results.csv"
    assert file_label("a\x00b\nc.csv") == "a\ufffdb c.csv"
    long = file_label("x" * 10_000 + ".csv")
    assert len(long) == MAX_NAME and long.endswith("…")
    assert file_label("") == "unnamed file"
