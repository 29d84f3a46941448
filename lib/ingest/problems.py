"""Problems found in an uploaded file: what is wrong, where (file, row, column), and its effect."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from lib.core.textcells import scrub_text


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
    BAD_OUTCOME = "not an outcome"
    REPEATED_ITEM = "repeated item"
    MISSING_ARM = "missing arm"
    UNPAIRED_ITEM = "item in one arm only"
    TOO_MANY_PAIRS = "too many model × dataset pairs"
    OUT_OF_RANGE = "value out of range"
    NO_ROWS_LEFT = "no usable rows"
    UNEXPECTED = "unexpected error"


class Effect(StrEnum):
    """What the app did about a problem."""

    FILE = "file not used"
    ROW = "row left out"
    VALUE = "value left out, row kept"
    MERGED = "averaged with its duplicates"
    STOPPED = "file not used until you choose"


MAX_QUOTED = 40
"""Characters of a value from the file quoted in a message (longer ones are cut, with …)."""
MAX_NAME = 80
"""Characters of a column or file name shown beside a problem."""
MAX_ROWS_SHOWN = 10
"""Row numbers (or ranges of consecutive rows) a message spells out; the others are counted."""
MAX_NAMES_SHOWN = 12
"""Names (of columns, models, ...) a message or note lists; the others are counted."""


def clip(value: object, limit: int = MAX_QUOTED) -> str:
    """`value` as one line of text of at most `limit` characters (cut with “…”), unsafe
    characters replaced (`scrub_text`): what a message may quote from a file."""
    text = str(value)
    text = text[: limit + 1] if len(text) > limit + 1 else text  # a huge cell: cut before copying
    text = scrub_text(text).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def file_label(name: str) -> str:
    """An uploaded file's name as the app keeps and shows it: one line, unsafe characters
    replaced, at most `MAX_NAME` characters (browsers send what the user's system allows)."""
    return clip(name, MAX_NAME) or "unnamed file"


def names_phrase(names: Sequence[object], limit: int = MAX_NAMES_SHOWN) -> str:
    """The first `limit` names, each clipped, joined by commas, and how many more there are."""
    shown = ", ".join(clip(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def row_runs(rows: Sequence[int] | np.ndarray) -> list[tuple[int, int]]:
    """Distinct row numbers as runs of consecutive rows: [(first, last), ...], ascending."""
    values = np.unique(np.asarray(rows, dtype=np.int64))
    if values.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    starts = values[np.concatenate([[0], breaks])]
    ends = values[np.concatenate([breaks - 1, [values.size - 1]])]
    return list(zip(starts.tolist(), ends.tolist()))


def rows_phrase(rows: Sequence[int] | np.ndarray, limit: int = MAX_ROWS_SHOWN) -> str:
    """Row numbers for a message, bounded whatever their number: "row 7", "rows 2, 4",
    "rows 2–100001", "rows 3, 5, 7, …, 21 and 4,990 more".

    Runs of three or more consecutive rows become a range; at most `limit` rows or ranges are
    spelled out. Rows are sorted and counted once each."""
    runs = row_runs(rows)
    return runs_phrase(runs, sum(b - a + 1 for a, b in runs), limit)


def runs_phrase(runs: Sequence[tuple[int, int]], total: int,
                limit: int = MAX_ROWS_SHOWN) -> str:
    """`rows_phrase` of rows given as ascending runs (`row_runs`), perhaps only the first of
    them: `total` is how many rows there are in all."""
    if not runs:
        return "no rows"
    if total == 1:
        return f"row {runs[0][0]}"
    pieces: list[str] = []
    shown = 0
    for first, last in runs:
        if len(pieces) >= limit:
            break
        if last - first >= 2:
            pieces.append(f"{first}–{last}")
            shown += last - first + 1
            continue
        for row in range(first, last + 1):
            if len(pieces) < limit:
                pieces.append(str(row))
                shown += 1
    more = total - shown
    return "rows " + ", ".join(pieces) + (f" and {more:,} more" if more > 0 else "")


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
        parts = [clip(self.file, MAX_NAME)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column “{clip(self.column, MAX_NAME)}”")
        return ", ".join(parts)

    def describe(self) -> str:
        """The problem in one line of plain text: where, then what."""
        return f"{self.where()}: {self.message}"


class ReadError(Exception):
    """The file cannot be read at all; carries the problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


@dataclass(frozen=True)
class Found:
    """Problems found column-wise: their rows, whether they block, and how to make each one.

    Only the problems a report lists are made into `Problem` objects, so a file with a million
    bad cells costs a million numbers, not a million objects.
    """

    rows: np.ndarray
    """The row of each problem (0 for the whole file): the order in which others are listed."""
    blocking: bool
    make: Callable[[int], Problem]
    """The problem at a position of `rows`."""

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def of(problems: Sequence[Problem]) -> list[Found]:
        """Problems already made, as batches (the blocking ones, then the others)."""
        batches = []
        for blocking in (True, False):
            kept = [p for p in problems if p.blocking is blocking]
            if kept:
                rows = np.array([p.row or 0 for p in kept], dtype=np.int64)
                batches.append(Found(rows, blocking, kept.__getitem__))
        return batches


def list_first(found: Sequence[Found], limit: int) -> tuple[tuple[Problem, ...], int]:
    """The first `limit` problems in listing order, and how many more there are.

    Listing order: the blocking problems as found, then the others by row (in the order found
    within a row)."""
    out: list[Problem] = []
    for batch in found:
        if batch.blocking and len(out) < limit:
            out += [batch.make(k) for k in range(min(len(batch), limit - len(out)))]
    others = [batch for batch in found if not batch.blocking and len(batch)]
    room = limit - len(out)
    if others and room > 0:
        rows = np.concatenate([batch.rows for batch in others])
        which = np.repeat(np.arange(len(others)), [len(batch) for batch in others])
        position = np.concatenate([np.arange(len(batch)) for batch in others])
        candidates = np.arange(len(rows))
        if len(rows) > 4 * room:
            cutoff = np.partition(rows, room - 1)[room - 1]
            candidates = np.flatnonzero(rows <= cutoff)
        order = candidates[np.argsort(rows[candidates], kind="stable")][:room]
        out += [others[which[i]].make(int(position[i])) for i in order]
    total = sum(len(batch) for batch in found)
    return tuple(out), max(0, total - limit)


PROBLEM_COLUMNS = ("File", "Row", "Column", "Problem", "Effect")


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table for display: file, row, column, problem, effect."""
    rows = [(clip(p.file, MAX_NAME), p.row, clip(p.column or "", MAX_NAME), p.message,
             str(p.effect)) for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["Row"] = frame["Row"].astype("Int64")
    return frame
