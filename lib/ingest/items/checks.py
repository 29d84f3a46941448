"""Checks and encodings of per-item columns, vectorised.

Each function turns an Arrow column into numpy arrays plus a mask of unusable rows (None when
every row is fine) and records problems (`lib.ingest.problems.Problem`), naming file, row and
column, in a `ProblemLog`. Row numbers
are those a spreadsheet shows: the header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core.textcells import (REPLACEMENT_CHARACTER, as_array, scrub_strings, stripped,
                                to_numpy_bool)
from lib.ingest.numbers import column_numbers, decimal_mark, number_text
from lib.ingest.problems import (MAX_ROWS_SHOWN, Effect, Kind, Problem, clip, row_runs,
                                 runs_phrase)

MAX_ROW_PROBLEMS = 20
"""Rows named per column and kind of problem; the others are counted in one more problem."""
TRUE_WORDS = ("true", "t", "yes", "y", "correct", "right", "pass", "passed")
FALSE_WORDS = ("false", "f", "no", "n", "incorrect", "wrong", "fail", "failed")
OUTCOME_WORDS = pa.array(TRUE_WORDS + FALSE_WORDS)
WORD_PROBE = 64
"""Cells looked at to choose whether an outcome column is read as words or as numbers first."""
NOT_AN_OUTCOME = "not an outcome: use 0/1, true/false or a score in [0, 1]"
EMPTY_OUTCOME = "empty cell: an outcome is needed"
EMPTY_NAME = "empty cell: a name is needed"

Rows = int | np.ndarray
"""Where rows are: the row number of position 0 (then consecutive), or one number per position."""
Sort = tuple[Kind, Effect, str | None, str]
"""A sort of problem in a log: kind, effect, column (None: no one column) and message."""


@dataclass
class ProblemLog:
    """Problems of one file gathered over one or more pieces of its table: at most
    MAX_ROW_PROBLEMS named rows per sort of problem (`Sort`), and a count of the others."""

    file: str
    """The file's name, as every problem names it."""
    named: dict[Sort, list[Problem]] = field(default_factory=dict)
    """Per sort of problem, the problems naming a row."""
    more: dict[Sort, int] = field(default_factory=dict)
    """Per sort of problem, how many more rows have it."""
    whole: list[Problem] = field(default_factory=list)
    """Problems that stop the whole file."""
    scrubbed_runs: list[tuple[int, int]] = field(default_factory=list)
    """The first runs of consecutive rows (at most MAX_ROWS_SHOWN) with a name whose unsafe
    characters were replaced."""
    scrubbed_count: tuple[int, int] = (0, 0)
    """How many such rows and cells in all."""

    def stop(self, kind: Kind, message: str) -> None:
        """Record a problem that stops the whole file."""
        self.whole.append(Problem(kind, message, self.file, effect=Effect.FILE))

    def rows(self, bad: np.ndarray | None, kind: Kind, column: str | None, message: str,
             rows: Rows = 2, values: pa.ChunkedArray | np.ndarray | None = None,
             effect: Effect = Effect.ROW) -> None:
        """Record the rows where `bad` holds; with `values`, quote the value found in each."""
        if bad is None:
            return
        where = np.flatnonzero(bad)
        if not where.size:
            return
        key: Sort = (kind, effect, column, message)
        named = self.named.setdefault(key, [])
        room = max(0, MAX_ROW_PROBLEMS - len(named))
        for pos in where[:room]:
            row = rows + int(pos) if isinstance(rows, int) else int(rows[pos])
            value = None if values is None else values[int(pos)]
            value = value.as_py() if isinstance(value, pa.Scalar) else value
            found = "" if values is None else f" (found {_quoted(value)})"
            named.append(Problem(kind, message + found, self.file, row, column, effect))
        if where.size > room:
            self.more[key] = self.more.get(key, 0) + where.size - room

    def scrubbed(self, masks: list[np.ndarray], rows: Rows = 2) -> None:
        """Record the cells (True in `masks`, one per column) whose unsafe characters were
        replaced."""
        if not masks:
            return
        found = np.logical_or.reduce(masks)
        where = np.flatnonzero(found)
        if not where.size:
            return
        n_rows, n_cells = self.scrubbed_count
        self.scrubbed_count = (n_rows + where.size, n_cells + int(sum(m.sum() for m in masks)))
        runs = self.scrubbed_runs
        for first, last in row_runs(where + rows if isinstance(rows, int) else rows[where]):
            if runs and runs[-1][1] + 1 == first:
                runs[-1] = (runs[-1][0], last)
            elif len(runs) < MAX_ROWS_SHOWN + 1:
                runs.append((first, last))
            else:
                break

    def notes(self) -> list[str]:
        """A note naming the rows whose names had unsafe characters replaced, if any."""
        n_rows, n_cells = self.scrubbed_count
        if not n_rows:
            return []
        phrase = runs_phrase(self.scrubbed_runs, n_rows)
        cells = "1 cell" if n_cells == 1 else f"{n_cells:,} cells"
        return [f"{phrase[0].upper()}{phrase[1:]} ({cells}): control characters replaced by "
                f"{REPLACEMENT_CHARACTER}."]

    def problems(self) -> list[Problem]:
        """Every problem: named rows first, each kind followed by the count of its other rows."""
        out: list[Problem] = []
        for (kind, effect, column, message), named in self.named.items():
            out += named
            more = self.more.get((kind, effect, column, message))
            if more:
                out.append(Problem(kind, f"{more:,} more rows with this problem: {message}",
                                   self.file, None, column, effect))
        return out + self.whole


def _quoted(value: object) -> str:
    """A value from the file as quoted in a message: its repr, cut to a sane length."""
    return repr(clip(value)) if isinstance(value, str) else clip(repr(value))


def merge_masks(*masks: np.ndarray | None) -> np.ndarray | None:
    """The union of the masks that are not None (None if all are)."""
    present = [m for m in masks if m is not None]
    return np.logical_or.reduce(present) if present else None


def _any(mask: np.ndarray) -> np.ndarray | None:
    return mask if mask.any() else None


def outcomes(col: pa.ChunkedArray, name: str, log: ProblemLog, rows: Rows = 2,
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """(values, unusable rows) of an outcome column.

    Integers and booleans give int8 0/1 (any other integer is a problem); floats and text give
    float64 in [0, 1]. Text may also say true/false, yes/no, correct/incorrect, pass/fail;
    other text is read as a number the way every numeric column is (`lib.ingest.numbers`: " 1 ",
    "1,0" with a decimal comma, "−1"), and a text meaning no value ("n/a", "-") is an empty cell.
    """
    empty = col.is_null().to_numpy(zero_copy_only=False) if col.null_count else None
    log.rows(empty, Kind.EMPTY_CELL, name, EMPTY_OUTCOME, rows)
    kind = col.type
    if pa.types.is_boolean(kind):
        filled = col if empty is None else col.fill_null(False)
        return filled.to_numpy(zero_copy_only=False).astype(np.int8), empty
    if pa.types.is_integer(kind):
        values = (col if empty is None else col.fill_null(0)).to_numpy()
        wrong = _any(values.view(np.dtype(f"u{values.dtype.itemsize}")) > 1)  # negatives wrap
        log.rows(wrong, Kind.BAD_OUTCOME, name, NOT_AN_OUTCOME, rows, col)
        return values.astype(np.int8, copy=False), merge_masks(empty, wrong)
    if pa.types.is_floating(kind):
        values = (col if empty is None else col.fill_null(0)).to_numpy()
        values = values.astype(np.float64, copy=False)
        wrong = _any(~((values >= 0.0) & (values <= 1.0)))
        log.rows(wrong, Kind.OUT_OF_RANGE, name, "a score must lie in [0, 1]", rows, col)
        return values, merge_masks(empty, wrong)
    values, absent, wrong = _text_outcomes(as_array(as_text(col)))
    blank, wrong = _any(absent), _any(wrong)
    log.rows(blank, Kind.EMPTY_CELL, name, EMPTY_OUTCOME, rows)
    log.rows(wrong, Kind.BAD_OUTCOME, name, NOT_AN_OUTCOME, rows, col)
    bad = merge_masks(empty, blank, wrong)
    return (values if bad is None else np.where(bad, 0.0, values)), bad


def _text_outcomes(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, absent, wrong) of text outcomes: the words of TRUE_WORDS and FALSE_WORDS (any
    case) are 1 and 0, other cells are read by the one set of number rules (`lib.ingest.numbers`,
    with the column's own decimal mark); `absent` marks the texts that mean no value, `wrong`
    those that are not a number in [0, 1]. Nulls are neither (they are reported before).

    No text is both a word and a number or a missing value, so the order of the two readings
    does not change the result, only its speed: the one the first cells call for goes first,
    and the other reads only the cells left."""
    text = stripped(text)
    steps = (_number_cells, _word_cells)
    if not number_text(text.slice(0, WORD_PROBE)).read.any():
        steps = steps[::-1]
    values, absent, done = steps[0](text)
    null = to_numpy_bool(pc.is_null(text)) if text.null_count else None
    todo = ~done if null is None else ~done & ~null
    if todo.any():
        at = np.flatnonzero(todo)
        found, gone, _ = steps[1](text.take(pa.array(at)))
        values, absent = values.copy(), absent.copy()  # the first may be views of Arrow memory
        values[at], absent[at] = found, gone
    if null is not None:
        absent = absent & ~null
    with np.errstate(invalid="ignore"):
        wrong = ~absent & ~((values >= 0.0) & (values <= 1.0))
    return values, absent, wrong if null is None else wrong & ~null


def _word_cells(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, absent, read) of the outcome words among `text`: 1 or 0 where read, else NaN;
    `absent` all False."""
    index = pc.index_in(pc.ascii_lower(text), value_set=OUTCOME_WORDS.cast(text.type))
    found = index.fill_null(-1).to_numpy(zero_copy_only=False)
    done = found >= 0
    values = np.where(done, (found < len(TRUE_WORDS)).astype(np.float64), np.nan)
    return values, np.zeros(len(text), dtype=bool), done


def _number_cells(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, absent, read) of the numbers and the texts meaning no value among `text`
    (`lib.ingest.numbers.column_numbers`)."""
    reading = number_text(text)
    decimal = decimal_mark([reading]) if len(reading.rest_at) else "."
    values, absent = column_numbers(reading, decimal)
    return values, absent, ~np.isnan(values) | absent


def as_text(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """`col` as Arrow strings (nulls stay null): a cast, or for types Arrow cannot cast (lists,
    structs), each value's Python text."""
    if pa.types.is_string(col.type):
        return col
    try:
        return col.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())


def scrub_column(col: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """A column as text with the characters that never belong in a name replaced by U+FFFD
    (`lib.core.textcells.scrub_strings`), and the mask of the cells that held one."""
    text = as_text(col)
    if isinstance(text, pa.Array):
        text = pa.chunked_array([text], pa.string())
    return scrub_strings(text)


def _encode(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(int32 codes, -1 for null; dictionary) of a string column, in order of first appearance.

    Files usually list rows grouped by model and dataset: then the column is a few long runs,
    and encoding the runs is about twice as fast as hashing every row.
    """
    chunks = [c for c in col.chunks if len(c)]
    first = pc.run_end_encode(chunks[0]) if chunks else None
    if first is None or len(first.values) * 16 > len(chunks[0]):
        merged = pc.dictionary_encode(col).combine_chunks()
        return merged.indices.fill_null(-1).to_numpy(zero_copy_only=False), merged.dictionary
    runs = [first] + [pc.run_end_encode(c) for c in chunks[1:]]
    encoded = pc.dictionary_encode(pa.concat_arrays([r.values for r in runs]))
    lengths = np.concatenate([np.diff(r.run_ends.to_numpy(), prepend=0) for r in runs])
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return np.repeat(codes.astype(np.int32), lengths), encoded.dictionary


def labels(col: pa.ChunkedArray, name: str, log: ProblemLog, rows: Rows = 2,
           ) -> tuple[np.ndarray, pa.Array, np.ndarray | None, np.ndarray | None]:
    """(int32 codes, dictionary, unusable rows, rows whose label had unsafe characters) of a
    label column, codes pointing into the dictionary (-1: none).

    Characters that never belong in a name become U+FFFD (`lib.core.textcells.scrub_strings`, the
    readers' rule), then labels are trimmed like `str.strip`, so "GPT-4o" and "GPT-4o " are the
    same label (pieces are joined with `unify_labels`). Empty cells are problems (code -1).
    """
    col = as_text(col)
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col], pa.string())
    codes, dictionary = _encode(col)
    dictionary, unsafe = scrub_strings(dictionary)
    scrubbed = np.append(unsafe, False)[codes] if unsafe.any() else None  # -1 (null): False
    dictionary = stripped(dictionary)
    blank = to_numpy_bool(pc.equal(dictionary, ""))
    bad = None
    if blank.any() or col.null_count:
        codes = np.where(np.append(blank, True)[codes], -1, codes).astype(np.int32)
        dictionary = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), dictionary)
        bad = _any(codes < 0)
    log.rows(bad, Kind.EMPTY_CELL, name, EMPTY_NAME, rows)
    return codes, as_array(dictionary), bad, scrubbed


def unify_labels(codes: list[np.ndarray], dictionaries: list[pa.Array],
                 ) -> tuple[np.ndarray, pa.Array]:
    """Codes given piece by piece (each into its own dictionary, none -1) as codes into one
    dictionary of distinct labels, in order of first appearance."""
    joined = pc.dictionary_encode(pa.chunked_array(dictionaries, pa.string())).combine_chunks()
    ids = joined.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    starts = np.cumsum([0] + [len(d) for d in dictionaries[:-1]])
    out = [ids[start + local] for local, start in zip(codes, starts.tolist())]
    return (np.concatenate(out) if out else np.zeros(0, dtype=np.int32)), joined.dictionary


def item_codes(parts: list[pa.Array]) -> tuple[np.ndarray, int]:
    """(codes in [0, size), size) of item ids given in pieces: integers shifted to start at 0
    when their range is compact, anything else dictionary-encoded (as text, so 7 and "7" agree;
    text that spells integers exactly, as a general reader gives them, is read as integers)."""
    if parts and not all(pa.types.is_integer(p.type) for p in parts):
        text = pa.chunked_array([as_text(p) for p in parts], type=pa.string())
        numbers = _exact_integers(text)
        if numbers is None:
            encoded = pc.dictionary_encode(text).combine_chunks()
            return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                    max(1, len(encoded.dictionary)))
        parts = [numbers]
    values = np.concatenate([p.to_numpy() for p in parts]).astype(np.int64, copy=False)
    lo, hi = (int(values.min()), int(values.max())) if values.size else (0, 0)
    if hi - lo < 4 * len(values) + 1024:
        values -= lo
        return values, hi - lo + 1
    inverse, uniq = pd.factorize(values)
    return inverse.astype(np.int64), max(1, uniq.size)


def _exact_integers(text: pa.ChunkedArray) -> pa.Array | None:
    """`text` as int64 when every value is an integer written the way Python writes it (no
    sign but a minus, no leading zero, no space), else None."""
    try:
        numbers = pc.cast(text, pa.int64()).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if numbers.null_count or not pc.all(pc.equal(pc.cast(numbers, pa.string()), text)).as_py():
        return None
    return numbers


# --- a per-item table checked piece by piece ----------------------------------------------------

TooMany = Callable[[list[np.ndarray], list[int]], "str | None"]
"""Why a piece holds too many cells, from its label codes and the sizes of their dictionaries
(None when it does not)."""


@dataclass
class Pieces:
    """The rows of a per-item table checked piece by piece and kept compact: per label column
    (model, dataset, arm) the codes of each piece into its own dictionary, per outcome column
    the values, the item ids, the category column and where the kept rows are. A row with a
    problem is logged (file, row, column) and left out."""

    label_columns: tuple[str, ...]
    outcome_columns: tuple[str, ...]
    item_column: str
    category_column: str | None
    log: ProblemLog
    codes: list[list[np.ndarray]] = field(default_factory=list)
    names: list[list[pa.Array]] = field(default_factory=list)
    values: list[list[np.ndarray]] = field(default_factory=list)
    items: list[pa.Array] = field(default_factory=list)
    categories: list[pa.ChunkedArray] = field(default_factory=list)
    places: list[np.ndarray | tuple[int, int]] = field(default_factory=list)
    """Per piece, the row numbers kept: (first, count) for consecutive rows."""
    rows: int = 0
    """Rows read, kept or not."""
    too_many: str | None = None

    def __post_init__(self) -> None:
        self.codes = [[] for _ in self.label_columns]
        self.names = [[] for _ in self.label_columns]
        self.values = [[] for _ in self.outcome_columns]

    def add(self, table: pa.Table, rows: Rows, too_many: TooMany) -> None:
        """Check one piece (its first row's number, or each row's) and keep its usable rows;
        `too_many` may stop the reading (`self.too_many`)."""
        log = self.log
        self.rows += table.num_rows
        found = [labels(table[name], name, log, rows) for name in self.label_columns]
        codes = [f[0] for f in found]
        self.too_many = too_many(codes, [len(f[1]) for f in found])
        if self.too_many:
            return
        unsafe = [f[3] for f in found if f[3] is not None]
        category = None
        if self.category_column is not None:
            category, unsafe_c = scrub_column(table[self.category_column])
            unsafe += [unsafe_c] if unsafe_c.any() else []
        log.scrubbed(unsafe, rows)
        checked = [outcomes(table[name], name, log, rows) for name in self.outcome_columns]
        values = [c[0] for c in checked]
        items = table[self.item_column].combine_chunks()
        bad_i = items.is_null().to_numpy(zero_copy_only=False) if items.null_count else None
        log.rows(bad_i, Kind.EMPTY_CELL, self.item_column, "empty cell: an item id is needed",
                 rows)
        bad = merge_masks(*(f[2] for f in found), *(c[1] for c in checked), bad_i)
        place: np.ndarray | tuple[int, int] = (
            (rows, table.num_rows) if isinstance(rows, int) else np.asarray(rows, np.int64))
        if bad is not None:
            keep = ~bad
            if isinstance(place, tuple):
                place = np.arange(rows, rows + table.num_rows)
            place = place[keep]
            codes, values = [c[keep] for c in codes], [v[keep] for v in values]
            items = items.filter(pa.array(keep))
            category = None if category is None else category.filter(pa.array(keep))
        for kept, name_list, code, (_, dictionary, _, _) in zip(self.codes, self.names, codes,
                                                                 found):
            kept.append(code)
            name_list.append(dictionary)
        for kept, value in zip(self.values, values):
            kept.append(value)
        self.items.append(items)
        if category is not None:
            self.categories.append(category)
        self.places.append(place)

    def add_all(self, pieces: Iterable[tuple[pa.Table, Rows]], too_many: TooMany) -> None:
        """`add` each (piece, first row) in turn, stopping at a piece with too many cells."""
        for table, rows in pieces:
            self.add(table, rows, too_many)
            del table
            if self.too_many:
                return

    @property
    def empty(self) -> bool:
        """Whether no usable row was kept."""
        return not any(len(c) for c in self.codes[0])

    def labels_of(self, index: int) -> tuple[np.ndarray, pa.Array]:
        """The codes of label column `index` across pieces, and their one dictionary."""
        return unify_labels(self.codes[index], self.names[index])

    def values_of(self, index: int) -> np.ndarray:
        """The values of outcome column `index` across pieces."""
        return np.concatenate(self.values[index])

    def row_numbers(self) -> np.ndarray | int:
        """The row number of each row kept: an int (the first, then consecutive) when the pieces
        follow each other with no row left out."""
        places = self.places
        if all(isinstance(p, tuple) for p in places) and all(
                a[0] + a[1] == b[0] for a, b in zip(places, places[1:])):
            return places[0][0]
        return np.concatenate([np.arange(p[0], p[0] + p[1]) if isinstance(p, tuple) else p
                               for p in places])

    def clear(self) -> None:
        """Let go of the pieces (once reduced)."""
        for part in (*self.codes, *self.names, *self.values, self.items, self.categories,
                     self.places):
            part.clear()
