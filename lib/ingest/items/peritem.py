"""Per-item results: read, check and aggregate them to the data contract, with intervals.

A per-item table has one row per model × dataset × item: the item's baseline and treatment
outcome (0/1, true/false, or a score in [0, 1]) and, optionally, a run or seed column. It
aggregates to one contract row per model × dataset: accuracy per arm (%), Δ in points, n, a
confidence interval for Δ, a p-value, the p-value corrected across all cells, and `significant`.

- Runs: with a run/seed column the outcomes of each item are first averaged over its runs, so the
  item (not the run) is the unit of the interval and the test, and n counts items. An item
  repeated within a cell without a run column is averaged the same way, with a warning naming
  its rows.
- Cells whose outcomes are all 0/1 (after averaging): Tango's score interval from the four paired
  counts and the asymptotic McNemar test. Other cells: the t interval of the mean item
  difference and the paired t-test (see `lib.ingest.items.cells`).
- Tables of per-arm scores with n and no items get the unpaired approximation
  (`lib.ingest.items.unpaired`).

`significant` means corrected p < alpha (alpha = 1 − level unless set); `ci_excludes_zero` says
whether the uncorrected interval leaves out 0. Near the threshold the two can disagree.
`too_small` marks cells with too few items or changed outcomes to show a difference, and
`ci_test_disagree` cells whose interval and uncorrected test disagree (never per-item cells).

The work comes in two steps, so that new settings cost no new reading: `check_csv` (bytes) or
`check_items` (a table read by another reader) read, check and reduce a file to one
(baseline, treatment) pair per item (`CheckedItems`); `summarise` computes the statistics under
given settings. `per_item_from_csv` and `aggregate_per_item` do both at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import schema
from lib.ingest.columns import dataset_names, model_names
from lib.ingest.items import cells as cellstats, checks as itemchecks
from lib.ingest.items.cells import CI_EXCLUDES_ZERO, INTERVAL_METHOD, PerItemResult, Settings
from lib.ingest.items.checks import ProblemLog
from lib.ingest.items.columns import (PER_ITEM_ROLES, PerItemColumns, counts_columns, csv_header,
                                      missing_roles, per_item_columns)
from lib.ingest.items.read import csv_pieces, read_csv_bytes
from lib.ingest.items.unpaired import UNPAIRED_LABEL, UNPAIRED_METHOD, aggregate_counts
from lib.ingest.problems import Effect, Kind, Problem, clip
from lib.ingest.shapes import Shape, detect, evidence_of

__all__ = ["CI_EXCLUDES_ZERO", "INTERVAL_METHOD", "UNPAIRED_LABEL", "UNPAIRED_METHOD",
           "CheckedItems", "PerItemColumns", "PerItemResult", "Settings",
           "aggregate_counts", "aggregate_per_item", "check_csv", "check_items",
           "per_item_from_csv", "summarise"]

MAX_CELLS = 100_000
"""Most model × dataset pairs a per-item file may hold: each is a point on the chart."""
REPEATED_ITEM = ("this item appears more than once for its model and dataset, and no run column "
                 "says why: its outcomes were averaged")


@dataclass(frozen=True)
class CheckedItems:
    """A per-item table read, checked and reduced to one (baseline, treatment) pair per item:
    all the statistics need, whatever the settings. Without usable rows `cell` is empty and a
    blocking problem says why."""

    cell: np.ndarray
    """The cell of each item: model code × len(datasets) + dataset code."""
    base: np.ndarray
    """Baseline outcome per item: int8 0/1, or float64 in [0, 1] (scores, averaged runs)."""
    treat: np.ndarray
    averaged: bool
    """Whether outcomes were averaged over several rows per item."""
    models: pa.Array
    """Model names (strings), by code."""
    datasets: pa.Array
    categories: np.ndarray | None
    """The category of each model code: the first one given (None without a category
    column)."""
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    rows: int
    """Data rows read."""

    @property
    def blocked(self) -> bool:
        """True when no table can come out."""
        return any(p.blocking for p in self.problems)


def _blocked(problems: Sequence[Problem], rows: int = 0) -> CheckedItems:
    empty, names = np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    return CheckedItems(empty, empty, empty, False, names, names, None, tuple(problems), (), rows)


def _pieces(cols: PerItemColumns, file: str) -> itemchecks.Pieces:
    """The pieces of a per-item table of `file`, checked as they come (`itemchecks.Pieces`)."""
    return itemchecks.Pieces((cols.model, cols.dataset), (cols.baseline, cols.treatment),
                             cols.item, cols.category, ProblemLog(file))


def _piece_too_many(codes: list[np.ndarray], sizes: list[int]) -> str | None:
    return _too_many_cells(codes[0], codes[1], sizes[1], lower_bound=True)


def first_categories(parts: list, mcode: np.ndarray, n_models: int) -> np.ndarray:
    """Per model code (of `n_models`), the first non-empty category of the pieces of a
    category column (`parts`, with each row's model code in `mcode`), trimmed; Unspecified
    where none is given."""
    text = pa.chunked_array(parts, pa.string()).fill_null("").to_numpy(zero_copy_only=False)
    given = np.flatnonzero(text != "")
    labels = np.full(n_models, schema.UNSPECIFIED_CATEGORY, dtype=object)
    models, first = np.unique(mcode[given], return_index=True)
    labels[models] = [str(t).strip() for t in text[given[first]]]
    return labels


def check_csv(data: bytes, file: str) -> CheckedItems:
    """Read delimited per-item bytes of `file` and check them: the fast path for large files.

    pyarrow reads the needed columns piece by piece and each piece is reduced to compact arrays
    at once; everything is vectorised. Raises `pyarrow.ArrowInvalid` on text pyarrow cannot
    parse (not UTF-8, rows of the wrong length, ...): the caller then reads the file with the
    general reader and calls `check_items`.
    """
    names, _ = csv_header(data)
    cols = per_item_columns(names)
    if cols is None:
        return _blocked(missing_roles(names, PER_ITEM_ROLES, file))
    pieces = _pieces(cols, file)
    pieces.add_all(csv_pieces(data, cols.names()), _piece_too_many)
    return _reduce(pieces, cols)


def check_items(source: pa.Table | pd.DataFrame, file: str,
                columns: PerItemColumns | None = None,
                row_numbers: Sequence[int] | np.ndarray | None = None) -> CheckedItems:
    """Check a per-item table of `file` read by another reader; `row_numbers` gives each row's
    number as the user's file shows it (default: position + 2, below a header in row 1)."""
    table = source if isinstance(source, pa.Table) else arrow_table(source)
    cols = columns or per_item_columns(table.column_names)
    if cols is None:
        return _blocked(missing_roles(table.column_names, PER_ITEM_ROLES, file), table.num_rows)
    pieces = _pieces(cols, file)
    pieces.add(table, 2 if row_numbers is None else np.asarray(row_numbers), _piece_too_many)
    return _reduce(pieces, cols)


def per_item_from_csv(data: bytes, file: str, settings: Settings = Settings()) -> PerItemResult:
    """Read delimited bytes of `file` and aggregate them: per-item results, or per-arm scores
    with n.

    Text that pyarrow cannot parse gives one blocking problem (the upload page reads such files
    with the general reader instead).
    """
    names, _ = csv_header(data)
    shape = detect(evidence_of(data)).mapping.shape
    try:
        if shape is Shape.PER_ITEM:
            return summarise(check_csv(data, file), settings)
        if shape is Shape.COUNTS:
            cols = counts_columns(names, allow_item=True)
            return aggregate_counts(read_csv_bytes(data), file, cols, settings)
    except pa.ArrowInvalid as exc:
        return PerItemResult(None, [Problem(Kind.UNREADABLE, f"the file could not be read as "
                                            f"delimited text ({clip(exc, 200)})", file)])
    return PerItemResult(None, missing_roles(names, PER_ITEM_ROLES, file))


def aggregate_per_item(source: pa.Table | pd.DataFrame, file: str,
                       columns: PerItemColumns | None = None, settings: Settings = Settings(),
                       row_numbers: Sequence[int] | np.ndarray | None = None) -> PerItemResult:
    """Check a per-item table of `file` and aggregate it to contract rows with intervals and
    p-values.

    Rows with an unusable value are left out and named in the problems; a missing role or no
    usable row stops it (table None). `row_numbers` gives each row's number as the user's file
    shows it (default: position + 2, below a header in row 1). Output rows follow the first
    appearance of models, then datasets.
    """
    return summarise(check_items(source, file, columns, row_numbers), settings)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table; a column of mixed types (7 and "q7") becomes text."""
    arrays = {}
    for name in frame.columns:
        try:
            arrays[str(name)] = pa.array(frame[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            text = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                    else str(v) for v in frame[name].tolist()]
            arrays[str(name)] = pa.array(text, pa.string())
    return pa.table(arrays)


def too_many_cells(codes: Sequence[np.ndarray], sizes: Sequence[int], what: str, each: str,
                   lower_bound: bool, limit: int) -> str | None:
    """Why the file is refused when its rows hold more than `limit` distinct combinations of
    `codes` (model, dataset and maybe arm codes, -1: none; `sizes` the number of each but the
    first), named `what` in the message, each of which is `each`; `lower_bound` when the rows
    are only some of the file's."""
    first = codes[0]
    space = (int(first.max()) + 1) * int(np.prod(sizes)) if first.size else 0
    if space <= limit:
        return None
    named = np.logical_and.reduce([c >= 0 for c in codes])
    keys = first[named].astype(np.int64)
    for code, size in zip(codes[1:], sizes):
        keys = keys * size + code[named]
    found = pc.count_distinct(pa.array(keys)).as_py()
    if found <= limit:
        return None
    return (f"the file holds {'at least ' if lower_bound else ''}{found:,} {what}; per-item "
            f"results are aggregated for at most {limit:,} ({each})")


def _too_many_cells(mcode: np.ndarray, dcode: np.ndarray, width: int,
                    lower_bound: bool = False) -> str | None:
    """`too_many_cells` of model × dataset pairs."""
    return too_many_cells([mcode, dcode], [width], "model × dataset pairs",
                          "one point each on the chart", lower_bound, MAX_CELLS)


Matcher = Callable[[list[str]], dict[str, str]]
"""`lib.ingest.columns.model_names` or `dataset_names`: distinct names to their canonical
spelling."""


def in_figure_spelling(names: pa.Array, codes: np.ndarray,
                        match: Matcher) -> tuple[pa.Array, np.ndarray]:
    """Distinct names in the figure's spelling and the codes into them (`lib.ingest.columns`:
    CSQA is CS-QA): two spellings of one name become one, so their items share a cell."""
    distinct = names.to_pylist()
    mapping = match(distinct)
    spelled = [mapping[n] for n in distinct]
    if spelled == distinct:
        return names, codes
    renumber, uniques = pd.factorize(pd.Series(spelled, dtype=object))
    return pa.array(list(uniques), pa.string()), renumber[codes]


def _reduce(pieces: itemchecks.Pieces, cols: PerItemColumns) -> CheckedItems:
    """The checked pieces reduced to one (baseline, treatment) pair per item: names in the
    figure's spelling, repeated items (and runs) averaged."""
    log = pieces.log
    if pieces.too_many:
        log.stop(Kind.TOO_MANY_PAIRS, pieces.too_many)
        return _blocked(log.problems(), pieces.rows)
    if pieces.empty:
        log.stop(Kind.NO_ROWS_LEFT, "no usable rows")
        return _blocked(log.problems(), pieces.rows)
    mcode, models = pieces.labels_of(0)
    dcode, datasets = pieces.labels_of(1)
    too_many = _too_many_cells(mcode, dcode, len(datasets))
    if too_many:
        log.stop(Kind.TOO_MANY_PAIRS, too_many)
        return _blocked(log.problems(), pieces.rows)
    models, mcode = in_figure_spelling(models, mcode, model_names)
    datasets, dcode = in_figure_spelling(datasets, dcode, dataset_names)
    width = len(datasets)
    categories = (None if cols.category is None
                  else first_categories(pieces.categories, mcode, len(models)))
    raw = mcode.astype(np.int64)
    del mcode
    raw *= width
    raw += dcode  # cell key: model code, then dataset code
    del dcode
    icode, isize = itemchecks.item_codes(pieces.items)
    base, treat, row = pieces.values_of(0), pieces.values_of(1), pieces.row_numbers()
    rows_read = pieces.rows
    pieces.clear()
    averaged, notes = False, log.notes()
    if cols.run is not None or not increasing(raw, icode):  # else no item twice in a cell
        key = raw * isize
        key += icode
        del icode
        unit, unit_key, counts = group_keys(key, len(models) * width * isize)
        if counts.size < key.size:
            if cols.run is None:
                log.rows(counts[unit] > 1, Kind.REPEATED_ITEM, cols.item, REPEATED_ITEM, row,
                         effect=Effect.MERGED)
            averaged, raw = True, unit_key // isize
            base = np.bincount(unit, weights=base) / counts
            treat = np.bincount(unit, weights=treat) / counts
            notes.append(f"Outcomes averaged per item: {key.size:,} rows, {counts.size:,} items "
                         f"({counts.min()}–{counts.max()} rows per item).")
    return CheckedItems(raw, base, treat, averaged, models, datasets, categories,
                        tuple(log.problems()), tuple(notes), rows_read)


def summarise(checked: CheckedItems, settings: Settings = Settings()) -> PerItemResult:
    """Contract rows from checked items under `settings`: accuracies, Δ, n, interval, p-value,
    correction. Output rows follow the first appearance of models, then datasets."""
    if checked.blocked or not checked.cell.size:
        return PerItemResult(None, list(checked.problems), list(checked.notes))
    models, datasets = checked.models, checked.datasets
    width = len(datasets)
    stats, present = _statistics(checked, settings)
    out = cellstats.frame(stats)
    model = present // width
    out.insert(0, schema.MODEL, names_at(models, model))
    out.insert(1, schema.DATASET, names_at(datasets, present % width))
    if checked.categories is not None:
        out[schema.CATEGORY] = checked.categories[model]
    order = np.argsort(present, kind="stable")
    return PerItemResult(cellstats.finish(out.iloc[order], settings), list(checked.problems),
                         list(checked.notes))


def increasing(major: np.ndarray, minor: np.ndarray) -> bool:
    """Whether the (major, minor) pairs strictly increase row by row (then none repeats)."""
    later, same = major[1:] > major[:-1], major[1:] == major[:-1]
    same &= minor[1:] > minor[:-1]
    later |= same
    return bool(later.all())


def group_keys(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group per row, key per group, rows per group) for keys in [0, size); groups ascend by
    key when `size` is small, else follow first appearance (nothing downstream depends on it)."""
    if size <= 4 * len(key) + 1024:
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        rank = np.cumsum(counts > 0) - 1
        return rank[key], present, counts[present]
    inverse, uniq = pd.factorize(key)
    return inverse, uniq, np.bincount(inverse, minlength=uniq.size)


def names_at(names: pa.Array, codes: np.ndarray) -> np.ndarray:
    """The names of `codes`, as a numpy array of Python strings."""
    return names.take(pa.array(codes)).to_numpy(zero_copy_only=False).astype(object)


def _name_rank(names: pa.Array) -> np.ndarray:
    """The rank of each (distinct) name in sorted order (Arrow sorts UTF-8 bytes, which is the
    order of code points, as Python's)."""
    order = pc.sort_indices(names).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _cells(cell: np.ndarray, models: pa.Array,
           datasets: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the cell keys present, in sorted-name order; each item's index into them)."""
    width = len(datasets)
    size = len(models) * width
    if size <= 4 * len(cell) + 1024:
        keys = np.flatnonzero(np.bincount(cell, minlength=size))
        at = np.full(size, -1, dtype=np.int64)
        at[keys] = np.arange(keys.size)
        index = at[cell]
    else:  # many models and datasets, few of their pairs: no array per pair
        index, keys = pd.factorize(cell)
    order = np.lexsort((_name_rank(datasets)[keys % width], _name_rank(models)[keys // width]))
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.arange(keys.size)
    return keys[order], rank[index]


def _statistics(checked: CheckedItems,
                settings: Settings) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(per-cell statistics, cell key per statistics row), cells in sorted-name order.

    The fast path (0/1 outcomes, one row per item) builds the four paired counts of every cell
    with one bincount over (cell, baseline, treatment).
    """
    present, index = _cells(checked.cell, checked.models, checked.datasets)
    base, treat = checked.base, checked.treat
    if not checked.averaged and base.dtype == np.int8 and treat.dtype == np.int8:
        index *= 4  # a fresh array: the checked items stay as they are
        index += 2 * base + treat
        four = np.bincount(index, minlength=4 * present.size).reshape(present.size, 4)
        return cellstats.from_counts(four, settings.level), present
    return cellstats.from_items(index, base.astype(np.float64), treat.astype(np.float64),
                                present.size, settings.level), present
