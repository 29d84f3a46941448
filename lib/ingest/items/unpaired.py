"""Intervals for long tables that give per-arm scores and n, but no items: an approximation.

Without per-item outcomes the pairing of the two arms is unknown, so each cell is treated as
two independent proportions on n items: Newcombe's hybrid score interval for the difference and
the pooled two-proportion z-test for p (`lib.stats.intervals.unpaired_difference`). Every row
says so in `interval_method` (which starts with "unpaired approximation"), and the table's attrs
carry `unpaired=True`. Numbers are read by the rules every numeric column follows
(`lib.ingest.numbers`: "62,5" with a decimal comma, "n/a" for no value, "62%"). Scores are
percentages when a score column is written with "%" or their median is above 1, else fractions
(a stray 1.2 among fractions is then reported, not taken for a percentage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.core import schema
from lib.core.textcells import text_cells
from lib.ingest.items import cells as cellstats, checks as itemchecks
from lib.ingest.items.cells import PerItemResult, Settings
from lib.ingest.items.checks import ProblemLog
from lib.ingest.items.columns import COUNTS_ROLES, CountsColumns, counts_columns, missing_roles
from lib.ingest.numbers import (NotANumber, column_numbers, decimal_mark, number_text,
                                parse_number, percent_only)
from lib.ingest.problems import Kind
from lib.stats import intervals

UNPAIRED_LABEL = "unpaired approximation"
UNPAIRED_METHOD = f"{UNPAIRED_LABEL}: Newcombe hybrid score interval; two-proportion z-test"


def _numbers(frame: pd.DataFrame,
             columns: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Per column of `columns`, (values, absent, percent) read by the one set of number rules
    (`lib.ingest.numbers`) with one decimal mark for them all, as the long shape reads its
    numbers: values NaN where a cell holds no number, absent True where it means no value (NaN
    without absent: not a number), percent True when its text cells all end with "%"."""
    series = [frame[c] for c in columns]
    cells = [None if _numeric(s) else text_cells(s) for s in series]
    readings = [None if c is None else number_text(c.strings) for c in cells]
    decimal = decimal_mark(r for r in readings if r is not None)
    out = []
    for column, cell, reading in zip(series, cells, readings):
        if cell is None or reading is None:
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            out.append((values, np.isnan(values), False))
            continue
        values, absent = column_numbers(reading, decimal)
        values, absent = values.copy(), absent.copy()
        for at, value in zip(cell.other_at.tolist(), cell.other_values.tolist()):
            try:
                values[at] = parse_number(value, decimal)
            except NotANumber:
                values[at], absent[at] = np.nan, False
            else:
                absent[at] = np.isnan(values[at])
        out.append((values, absent, percent_only(cell.strings)))
    return out


def _numeric(column: pd.Series) -> bool:
    """True for a column of numbers (not booleans), which needs no reading."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def aggregate_counts(source: pa.Table | pd.DataFrame, file: str,
                     columns: CountsColumns | None = None, settings: Settings = Settings(),
                     row_numbers: Sequence[int] | np.ndarray | None = None) -> PerItemResult:
    """Contract rows with unpaired intervals and p-values from per-arm scores and n (of `file`).

    Rows with a missing name, a score that is not a number or out of range, or n not a whole
    number ≥ 1 are left out and named; a model × dataset seen again keeps its first row.
    """
    frame = source.to_pandas() if isinstance(source, pa.Table) else source
    header = [str(c) for c in frame.columns]
    cols = columns or counts_columns(header)
    if cols is None:
        return PerItemResult(None, missing_roles(header, COUNTS_ROLES, file))
    rows = 2 if row_numbers is None else np.asarray(row_numbers)
    log = ProblemLog(file)
    bad = np.zeros(len(frame), dtype=bool)
    names, unsafe = {}, []
    texts = [cols.model, cols.dataset] + ([cols.category] if cols.category is not None else [])
    for column in texts:
        names[column], found = _scrubbed(frame[column])
        unsafe.append(found)
    log.scrubbed(unsafe, rows)
    for column in (cols.model, cols.dataset):
        names[column] = names[column].str.strip().fillna("")
        empty = names[column].eq("").to_numpy(dtype=bool)
        log.rows(empty, Kind.EMPTY_CELL, column, itemchecks.EMPTY_NAME, rows)
        bad |= empty
    read = _numbers(frame, (cols.baseline, cols.treatment, cols.n))
    (base, no_base, base_pct), (treat, no_treat, treat_pct), (n, _, _) = read
    percent = base_pct or treat_pct
    scores = np.r_[base, treat]
    top = 100.0 if percent or (np.isfinite(scores).any() and np.nanmedian(scores) > 1.0) else 1.0
    for column, values, empty in ((cols.baseline, base, no_base),
                                  (cols.treatment, treat, no_treat)):
        given = frame[column].to_numpy(dtype=object)
        unread = np.isnan(values)
        wrong = ~unread & ~((values >= 0) & (values <= top))
        log.rows(empty, Kind.EMPTY_CELL, column, "empty cell: a score is needed", rows)
        log.rows(unread & ~empty, Kind.NOT_A_NUMBER, column,
                 f"not a number: a score in [0, {top:g}] is needed", rows, given)
        log.rows(wrong, Kind.OUT_OF_RANGE, column, f"a score must lie in [0, {top:g}]", rows,
                 given)
        bad |= unread | wrong
    wrong_n = ~((n >= 1) & (np.floor(n) == n))
    log.rows(wrong_n, Kind.BAD_COUNT, cols.n, "n must be a whole number of items, at least 1",
             rows, frame[cols.n].to_numpy(dtype=object))
    bad |= wrong_n
    pairs = pd.DataFrame({"m": names[cols.model], "d": names[cols.dataset]})
    repeat = pairs.duplicated().to_numpy() & ~bad
    log.rows(repeat, Kind.DUPLICATE, None,
             "model and dataset repeat an earlier row, which is used instead", rows)
    keep = ~(bad | repeat)
    if not keep.any():
        log.stop(Kind.NO_ROWS_LEFT, "no usable rows left")
        return PerItemResult(None, log.problems())
    b, t, n = base[keep] / top, treat[keep] / top, n[keep]
    low, high, p = intervals.unpaired_difference(b, t, n, level=settings.level)
    out = pd.DataFrame({
        schema.MODEL: names[cols.model][keep].to_numpy(dtype=object),
        schema.DATASET: names[cols.dataset][keep].to_numpy(dtype=object),
        schema.DELTA: 100.0 * (t - b), schema.BASELINE: 100.0 * b, schema.TREATMENT: 100.0 * t,
        schema.N_ITEMS: n.astype(np.int64), schema.CI_LOW: 100.0 * low,
        schema.CI_HIGH: 100.0 * high, schema.P_VALUE: p,
        cellstats.INTERVAL_METHOD: UNPAIRED_METHOD,
    })
    if cols.category is not None:
        out[schema.CATEGORY] = names[cols.category][keep].to_numpy(dtype=object)
    table = cellstats.finish(out, settings)
    table.attrs["unpaired"] = True
    unit = "percentages" if top == 100.0 else "fractions"
    return PerItemResult(table, log.problems(),
                         [f"Scores read as {unit}; {UNPAIRED_METHOD}.", *log.notes()])


def _scrubbed(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A column as text with the characters that never belong in a name replaced (the readers'
    rule, `lib.core.textcells.scrub_strings`), and the mask of the cells that held one."""
    text, found = itemchecks.scrub_column(pa.chunked_array([_text(column)], pa.string()))
    return pd.Series(text.to_pandas(), dtype="string"), found


def _text(column: pd.Series) -> pa.Array:
    try:
        return pa.array(column.astype("string"), from_pandas=True).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return pa.array([None if v is None else str(v) for v in column.tolist()], pa.string())
