"""Per-item results: read, check and aggregate them to the data contract, with intervals.

A per-item table has one row per model × dataset × item: the item's baseline and treatment
outcome (0/1, true/false, or a score in [0, 1]) and, optionally, a run or seed column. It
aggregates to one contract row per model × dataset: accuracy per arm (%), Δ in points, n, a
confidence interval for Δ, a p-value, the p-value corrected across all cells, and `significant`.

- Runs: with a run/seed column the outcomes of each item are first averaged over its runs, so the
  item (not the run) is what gets resampled, and n counts items. An item repeated within a cell
  without a run column is averaged the same way, with a warning naming its rows.
- Cells whose outcomes are all 0/1 (after averaging): paired bootstrap of the four paired counts
  and the exact McNemar test. Other cells: paired bootstrap of the mean item difference and a
  paired t-test (see `lib.intervals`).
- Tables of per-arm scores with n and no items get the unpaired approximation (`lib.unpaired`).

`significant` means corrected p < alpha (alpha = 1 − level unless set); `ci_excludes_zero` says
whether the uncorrected interval leaves out 0. Near the threshold the two can disagree.

The upload page needs only this module: `detect_shape`, `per_item_from_csv` (bytes) and
`aggregate_per_item` / `aggregate_counts` (a frame read by another reader).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from lib import cellstats, intervals, itemchecks, schema
from lib.cellstats import CI_EXCLUDES_ZERO, INTERVAL_METHOD, PerItemResult, Settings
from lib.itemchecks import ItemProblem, ProblemLog, Rows
from lib.itemcolumns import (PER_ITEM_ROLES, PerItemColumns, counts_columns, csv_header,
                             detect_shape, missing_roles, per_item_columns)
from lib.itemread import csv_pieces, read_csv_bytes
from lib.unpaired import UNPAIRED_LABEL, UNPAIRED_METHOD, aggregate_counts

__all__ = ["CI_EXCLUDES_ZERO", "INTERVAL_METHOD", "UNPAIRED_LABEL", "UNPAIRED_METHOD",
           "ItemProblem", "PerItemColumns", "PerItemResult", "Settings", "aggregate_counts",
           "aggregate_per_item", "detect_shape", "per_item_from_csv"]

REPEATED_ITEM = ("this item appears more than once for its model and dataset, and no run column "
                 "says why: its outcomes were averaged")


@dataclass
class _Collected:
    """Compact per-row arrays gathered piece by piece: codes, outcomes, item ids, row numbers."""

    cols: PerItemColumns
    log: ProblemLog = field(default_factory=ProblemLog)
    models: dict[str, int] = field(default_factory=dict)
    datasets: dict[str, int] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    parts: dict[str, list] = field(default_factory=lambda: {k: [] for k in "mdbtir"})
    dropped: bool = False

    def add(self, table: pa.Table, rows: Rows) -> None:
        """Check one piece and keep its usable rows in compact form."""
        cols, log = self.cols, self.log
        mcode, bad_m = itemchecks.labels(table[cols.model], cols.model, log, self.models, rows)
        dcode, bad_d = itemchecks.labels(table[cols.dataset], cols.dataset, log, self.datasets,
                                         rows)
        base, bad_b = itemchecks.outcomes(table[cols.baseline], cols.baseline, log, rows)
        treat, bad_t = itemchecks.outcomes(table[cols.treatment], cols.treatment, log, rows)
        items = table[cols.item].combine_chunks()
        bad_i = items.is_null().to_numpy(zero_copy_only=False) if items.null_count else None
        log.rows(bad_i, cols.item, "empty cell: an item id is needed", rows)
        positions: Rows = rows
        bad = itemchecks.merge_masks(bad_m, bad_d, bad_b, bad_t, bad_i)
        if bad is not None:
            keep = ~bad
            self.dropped = True
            if isinstance(rows, int):
                positions = np.flatnonzero(keep) + rows
            else:
                positions = rows[keep]
            mcode, dcode, base, treat = (a[keep] for a in (mcode, dcode, base, treat))
            items = items.filter(pa.array(keep))
            table = table.filter(pa.array(keep))
        elif isinstance(rows, int):
            positions = (rows, table.num_rows)  # consecutive: expanded only if needed
        if cols.category is not None:
            self._first_categories(table[cols.category], mcode)
        for key, value in zip("mdbtir", (mcode, dcode, base, treat, items, positions)):
            self.parts[key].append(value)

    def _first_categories(self, col: pa.ChunkedArray, mcode: np.ndarray) -> None:
        """Remember, per model not seen with one yet, the first non-empty category given."""
        text = col.cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False)
        given = np.flatnonzero(text != "")
        models, first = np.unique(mcode[given], return_index=True)
        for model, pos in zip(models.tolist(), given[first].tolist()):
            self.categories.setdefault(model, str(text[pos]).strip())

    def arrays(self) -> dict[str, np.ndarray]:
        """The pieces joined: m, d (codes), b, t (outcomes), r (row numbers, if rows were left
        out); the item column stays in `parts["i"]`."""
        out = {k: np.concatenate(self.parts[k]) for k in "mdbt"}
        out["r"] = None
        if self.dropped:
            out["r"] = np.concatenate([np.arange(p[0], p[0] + p[1]) if isinstance(p, tuple) else p
                                       for p in self.parts["r"]])
        return out


def per_item_from_csv(data: bytes, settings: Settings = Settings()) -> PerItemResult:
    """Read delimited bytes and aggregate them: per-item results, or per-arm scores with n.

    The fast path for large files: pyarrow reads the needed columns piece by piece and each piece
    is reduced to compact arrays at once; everything is vectorised. Text that pyarrow cannot
    parse gives one blocking problem.
    """
    names, _ = csv_header(data)
    shape = detect_shape(data)
    try:
        if shape == "per_item":
            collected = _Collected(per_item_columns(names))
            for table, first_row in csv_pieces(data, collected.cols.names()):
                collected.add(table, first_row)
                del table
            return _aggregate(collected, settings)
        if shape == "counts":
            cols = counts_columns(names, allow_item=True)
            return aggregate_counts(read_csv_bytes(data), cols, settings)
    except pa.ArrowInvalid as exc:
        return PerItemResult(None, [ItemProblem(f"the file could not be read as delimited text "
                                                f"({exc})", blocking=True)])
    return PerItemResult(None, missing_roles(names, PER_ITEM_ROLES))


def aggregate_per_item(source: pa.Table | pd.DataFrame, columns: PerItemColumns | None = None,
                       settings: Settings = Settings(),
                       row_numbers: Sequence[int] | np.ndarray | None = None) -> PerItemResult:
    """Check a per-item table and aggregate it to contract rows with intervals and p-values.

    Rows with an unusable value are left out and named in the problems; a missing role or no
    usable row stops it (table None). `row_numbers` gives each row's number as the user's file
    shows it (default: position + 2, below a header in row 1). Output rows follow the first
    appearance of models, then datasets; random draws go to cells in sorted-name order, so the
    row order of the file does not change the intervals.
    """
    table = source if isinstance(source, pa.Table) else _arrow(source)
    cols = columns or per_item_columns(table.column_names)
    if cols is None:
        return PerItemResult(None, missing_roles(table.column_names, PER_ITEM_ROLES))
    collected = _Collected(cols)
    collected.add(table, 2 if row_numbers is None else np.asarray(row_numbers))
    return _aggregate(collected, settings)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table; a column of mixed types (7 and "q7") becomes text."""
    arrays = {}
    for name in frame.columns:
        try:
            arrays[str(name)] = pa.array(frame[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[str(name)] = pa.array(frame[name].astype("string"), from_pandas=True)
    return pa.table(arrays)


def _aggregate(collected: _Collected, settings: Settings) -> PerItemResult:
    """Contract rows from the collected arrays: average repeated items, then cell statistics."""
    cols, log = collected.cols, collected.log
    if not any(len(part) for part in collected.parts["m"]):
        log.add(ItemProblem("no usable rows", blocking=True))
        return PerItemResult(None, log.problems())
    arrays = collected.arrays()
    models, datasets = list(collected.models), list(collected.datasets)
    width = len(datasets)
    raw = arrays.pop("m").astype(np.int64)
    raw *= width
    raw += arrays.pop("d")  # cell key: model code, then dataset code
    icode, isize = itemchecks.item_codes(collected.parts["i"])
    collected.parts.clear()
    base, treat, averaged, notes = arrays["b"], arrays["t"], False, []
    if cols.run is not None or not _increasing(raw, icode):  # else no item twice in a cell
        key = raw * isize
        key += icode
        del icode
        unit, unit_key, counts = _groups(key, len(models) * width * isize)
        if counts.size < key.size:
            if cols.run is None:
                rows = arrays["r"] if arrays["r"] is not None else 2
                log.rows(counts[unit] > 1, cols.item, REPEATED_ITEM, rows)
            averaged, raw = True, unit_key // isize
            base = np.bincount(unit, weights=base) / counts
            treat = np.bincount(unit, weights=treat) / counts
            notes.append(f"Outcomes averaged per item: {key.size:,} rows, {counts.size:,} items "
                         f"({counts.min()}–{counts.max()} rows per item).")
    stats, present = _statistics(raw, base, treat, _name_rank(models, datasets), settings,
                                 averaged)
    out = cellstats.frame(stats)
    out.insert(0, schema.MODEL, [models[k // width] for k in present])
    out.insert(1, schema.DATASET, [datasets[k % width] for k in present])
    if cols.category is not None:
        first = collected.categories
        out[schema.CATEGORY] = [first.get(k // width, schema.UNSPECIFIED_CATEGORY)
                                for k in present]
    order = np.argsort(present, kind="stable")
    return PerItemResult(cellstats.finish(out.iloc[order], settings), log.problems(), notes)


def _increasing(major: np.ndarray, minor: np.ndarray) -> bool:
    """Whether the (major, minor) pairs strictly increase row by row (then none repeats)."""
    later, same = major[1:] > major[:-1], major[1:] == major[:-1]
    same &= minor[1:] > minor[:-1]
    later |= same
    return bool(later.all())


def _groups(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group per row, key per group in ascending order, rows per group) for keys in [0, size)."""
    if size <= 4 * len(key) + 1024:
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        rank = np.cumsum(counts > 0) - 1
        return rank[key], present, counts[present]
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return inverse, uniq, counts


def _name_rank(models: list[str], datasets: list[str]) -> np.ndarray:
    """For each cell key (model code × datasets + dataset code), its rank in sorted-name order."""
    m_rank = np.argsort(np.argsort(np.array(models, dtype=object), kind="stable"))
    d_rank = np.argsort(np.argsort(np.array(datasets, dtype=object), kind="stable"))
    return (m_rank[:, None] * len(datasets) + d_rank[None, :]).ravel()


def _statistics(raw: np.ndarray, base: np.ndarray, treat: np.ndarray, name_rank: np.ndarray,
                settings: Settings, averaged: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(per-cell statistics, cell key per statistics row), cells in sorted-name order.

    `raw` is the cell key of each row (of each item when `averaged`); it is overwritten. The
    fast path (0/1 outcomes, one row per item) builds no per-row cell index: one bincount over
    (cell, baseline, treatment) gives every cell's four paired counts.
    """
    rng = intervals.as_generator(settings.seed)
    size = name_rank.size
    if not averaged and base.dtype == np.int8 and treat.dtype == np.int8:
        raw *= 4  # in place: the caller is done with it
        raw += 2 * base + treat
        four = np.bincount(raw, minlength=4 * size).reshape(size, 4)
        present = np.flatnonzero(four.any(axis=1))
        present = present[np.argsort(name_rank[present])]
        return cellstats.from_counts(four[present], settings.resamples, settings.level,
                                     rng), present
    present = np.flatnonzero(np.bincount(raw, minlength=size))
    present = present[np.argsort(name_rank[present])]
    rank = np.full(size, -1, dtype=np.int64)
    rank[present] = np.arange(present.size)
    return cellstats.from_items(rank[raw], base.astype(np.float64), treat.astype(np.float64),
                                present.size, settings.resamples, settings.level, rng), present


