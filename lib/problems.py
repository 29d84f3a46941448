"""Problems found in an uploaded file: what is wrong, where (file, row, column), and its effect."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Kind(StrEnum):
    """What kind of problem; the page and the tests key on these."""

    EMPTY_FILE = "empty file"
    HEADER_ONLY = "header only"
    UNREADABLE = "unreadable bytes"
    ENCODING = "unknown encoding"
    UNSUPPORTED = "unsupported format"
    TOO_LARGE = "file too large"
    TOO_MANY_ROWS = "too many rows"
    TOO_MANY_COLUMNS = "too many columns"
    MISSING_COLUMN = "missing column"
    EMPTY_CELL = "empty cell"
    NOT_A_NUMBER = "not a number"
    INFINITE = "infinite value"
    ZERO_BASELINE = "zero baseline"
    BAD_COUNT = "bad count"
    RAGGED_ROW = "wrong number of fields"
    DUPLICATE = "duplicate pair"
    NO_ROWS_LEFT = "no usable rows"


class Effect(StrEnum):
    """What the app did about a problem."""

    FILE = "file not used"
    ROW = "row left out"
    VALUE = "value left out, row kept"
    MERGED = "averaged with its duplicates"
    STOPPED = "file not used until you choose"


@dataclass(frozen=True)
class Problem:
    """One problem, located as precisely as the file allows.

    `row` is the row number a spreadsheet would show (the header is row 1 in a delimited or
    Excel file; the record number in JSON, JSON Lines and Parquet); None for the whole file.
    """

    kind: Kind
    message: str
    file: str
    row: int | None = None
    column: str | None = None
    effect: Effect = Effect.FILE

    @property
    def blocking(self) -> bool:
        """True when the file cannot be used because of this problem."""
        return self.effect in (Effect.FILE, Effect.STOPPED)

    def where(self) -> str:
        """`file, row 4, column “delta”` (as much of it as is known)."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column “{self.column}”")
        return ", ".join(parts)

    def describe(self) -> str:
        """The problem in one line of plain text: where, then what."""
        return f"{self.where()}: {self.message}"


class ReadError(Exception):
    """The file cannot be read at all; carries the problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


PROBLEM_COLUMNS = ("File", "Row", "Column", "Problem", "Effect")


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table for display: file, row, column, problem, effect."""
    rows = [(p.file, p.row, p.column or "", p.message, str(p.effect)) for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["Row"] = frame["Row"].astype("Int64")
    return frame
