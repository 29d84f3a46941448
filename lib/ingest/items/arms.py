"""Per-item results with several arms per item, the arms in rows: one row per model × dataset ×
item × arm (a method, a prompt, a round…) with the item's outcome under that arm.

One arm is the baseline: the user's choice, by default the arm named like a baseline (base,
baseline, standard, none, control, no method…; case, spaces and punctuation do not count), else
the first arm in the file, with a note saying so. Every other arm is compared with it per
model × dataset on the items both arms hold, exactly as a two-arm per-item file is
(`lib.ingest.items.peritem`: runs averaged per item first, Tango's interval and McNemar's test
for 0/1 outcomes, the t interval and the paired t-test for scores), and the correction across
cells runs over every model × dataset × treatment arm at once. The output is one contract row
per model × dataset × treatment arm, `condition` naming the arm, so that the pages show one arm
at a time. Arms are never merged with or averaged over each other; items present under one arm
only are counted and named, never paired with anything else. Arm names that differ only in case
or spaces are one arm (the condition rule of `lib.ingest.validation`).

The work comes in two steps, so that a new baseline or new settings cost no new reading:
`check_arms_csv` (bytes) or `check_arms` (a table read by another reader) read, check and reduce
a file to one outcome per item and arm (`CheckedArms`); `summarise_arms` pairs the arms and
computes the statistics under given settings, the baseline among them. `aggregate_arms` does
both at once, for a table such as an evaluation harness gives (columns model, dataset, item,
condition, outcome and optionally run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.core import schema
from lib.ingest.columns import COLUMN_ALIASES, dataset_names, model_names, name_key
from lib.ingest.items import cells as cellstats, checks as itemchecks
from lib.ingest.items.cells import PerItemResult, Settings
from lib.ingest.items.checks import MAX_ROW_PROBLEMS, ProblemLog
from lib.ingest.items.columns import ARM_ROLES, ArmColumns, arm_columns, csv_header, missing_roles
from lib.ingest.items.peritem import (MAX_CELLS, arrow_table, first_categories, group_keys,
                                      in_figure_spelling, increasing, names_at,
                                      too_many_cells)
from lib.ingest.items.read import csv_pieces
from lib.ingest.problems import Effect, Kind, Problem, clip, names_phrase
from lib.ingest.validation import condition_keys

BASELINE_NAMES = ("baseline", "base", "standard", "none", "control", "nomethod",
                  "nointervention", "notreatment", "noprompt", "noprompting", "nocot")
"""Keys (`name_key`: case, spaces and punctuation dropped) of arm names that say "baseline",
in order of preference; the alias table's other names of the baseline follow them."""
BASELINE_KEYS = tuple(dict.fromkeys(BASELINE_NAMES + COLUMN_ALIASES[schema.BASELINE]))
REPEATED_IN_ARM = ("this item appears more than once for its model, dataset and arm, and no run "
                   "column says why: its outcomes were averaged")
BASELINE_ARM = "baseline_arm"
"""Key of the aggregated table's attrs naming the baseline arm."""


@dataclass(frozen=True)
class CheckedArms:
    """A per-item table with its arms in rows, read, checked and reduced to one outcome per
    model × dataset × arm × item (runs averaged): all the statistics need, whatever the
    baseline and the settings. Without usable rows `group` is empty and a blocking problem
    says why."""

    group: np.ndarray
    """Per unit (an item under one arm): its group, a model × dataset × arm."""
    item: np.ndarray
    """Per unit: the item's code, in [0, `items`)."""
    value: np.ndarray
    """Per unit: the outcome, int8 0/1, or float64 in [0, 1] (scores, averaged runs)."""
    row: np.ndarray | int
    """Per unit: the first row of the file that holds it; an int when the units are the file's
    rows in order, from that row on (`row_of`)."""
    items: int
    averaged: bool
    """Whether outcomes were averaged over several rows per unit."""
    group_cell: np.ndarray
    """Per group: its cell, model code × len(datasets) + dataset code."""
    group_arm: np.ndarray
    """Per group: its arm's code, an index into `arms`."""
    arms: tuple[str, ...]
    """The arms' names, in the order the file first gives them."""
    models: pa.Array
    datasets: pa.Array
    categories: np.ndarray | None
    """The category of each model code: the first one given (None without a category column)."""
    columns: ArmColumns | None
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    rows: int
    """Data rows read."""
    file: str = ""

    @property
    def blocked(self) -> bool:
        """True when no table can come out."""
        return any(p.blocking for p in self.problems)

    def row_of(self, unit: int) -> int:
        """The first row of the file that holds `unit`."""
        return self.row + unit if isinstance(self.row, int) else int(self.row[unit])


def _blocked(problems: Sequence[Problem], rows: int = 0, file: str = "",
             arms: tuple[str, ...] = ()) -> CheckedArms:
    empty, names = np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    return CheckedArms(empty, empty, empty, empty, 1, False, empty, empty, arms, names, names,
                       None, None, tuple(problems), (), rows, file)


def baseline_arm(arms: Sequence[str], chosen: str | None = None) -> tuple[str, str]:
    """(the baseline arm, a note saying how it was found): `chosen` when it is one of `arms`,
    else the arm whose name says baseline (`BASELINE_KEYS`, the first of them that matches),
    else the first arm. `arms` must not be empty."""
    if chosen is not None and chosen in arms:
        return chosen, f"Baseline arm: “{clip(chosen)}”, as chosen."
    keys = [name_key(a) for a in arms]
    named = [arms[keys.index(k)] for k in BASELINE_KEYS if k in keys]
    lost = (f"The arm “{clip(chosen)}” is not in the file. " if chosen is not None else "")
    if named:
        others = (f" (also named like a baseline: {names_phrase(named[1:])})"
                  if len(named) > 1 else "")
        return named[0], (f"{lost}Baseline arm: “{clip(named[0])}”, found by its name{others}; "
                          "another arm can be chosen.")
    return arms[0], (f"{lost}No arm is named like a baseline (base, baseline, standard, none, "
                     f"control, no method): the first arm in the file, “{clip(arms[0])}”, is the "
                     "baseline; another arm can be chosen.")


# --- reading and checking ------------------------------------------------------------------------

def _pieces(cols: ArmColumns, file: str) -> itemchecks.Pieces:
    """The pieces of an arms table of `file`, checked as they come (`itemchecks.Pieces`)."""
    return itemchecks.Pieces((cols.model, cols.dataset, cols.arm), (cols.outcome,), cols.item,
                             cols.category, ProblemLog(file))


def _piece_too_many(codes: list[np.ndarray], sizes: list[int]) -> str | None:
    return _too_many(codes[0], codes[1], codes[2], sizes[1], sizes[2], True)


def _too_many(mcode: np.ndarray, dcode: np.ndarray, acode: np.ndarray, width: int, k: int,
              lower_bound: bool = False) -> str | None:
    """`too_many_cells` of model × dataset × arm combinations."""
    return too_many_cells([mcode, dcode, acode], [width, k], "model × dataset × arm combinations",
                          "each arm but the baseline is one point on the chart", lower_bound,
                          MAX_CELLS)


def _merged_arms(names: pa.Array, codes: np.ndarray) -> tuple[list[str], np.ndarray, str | None]:
    """(arm names, codes into them, a note) with names that differ only in case or spaces
    merged into their first spelling (`lib.ingest.validation.condition_keys`)."""
    spellings = names.to_pylist()
    first: dict[str, str] = {}
    canonical = [first.setdefault(k, s) for k, s in zip(condition_keys(spellings), spellings)]
    distinct = list(dict.fromkeys(canonical))
    if len(distinct) == len(spellings):
        return spellings, codes, None
    index = {name: i for i, name in enumerate(distinct)}
    remap = np.array([index[c] for c in canonical], dtype=np.int64)
    renamed = [f"“{clip(a)}” → “{clip(b)}”" for a, b in zip(spellings, canonical) if a != b]
    more = len(renamed) - MAX_ROW_PROBLEMS
    note = (f"Arm names matched (case and spaces: one arm): {'; '.join(renamed[:MAX_ROW_PROBLEMS])}"
            f"{f' and {more:,} more' if more > 0 else ''}.")
    return distinct, remap[codes], note


def _reduce(pieces: itemchecks.Pieces, cols: ArmColumns) -> CheckedArms:
    """The checked pieces reduced to one outcome per model × dataset × arm × item: arm names
    merged by case and spaces, model and dataset names in the figure's spelling, repeated items
    (and runs) averaged."""
    log = pieces.log
    file, rows_read = log.file, pieces.rows
    if pieces.too_many:
        log.stop(Kind.TOO_MANY_PAIRS, pieces.too_many)
        return _blocked(log.problems(), rows_read, file)
    if pieces.empty:
        log.stop(Kind.NO_ROWS_LEFT, "no usable rows")
        return _blocked(log.problems(), rows_read, file)
    value = pieces.values_of(0)
    row = pieces.row_numbers()
    mcode, models = pieces.labels_of(0)
    dcode, datasets = pieces.labels_of(1)
    acode, arm_names = pieces.labels_of(2)
    too_many = len(arm_names) > MAX_CELLS and _too_many(mcode, dcode, acode, len(datasets),
                                                        len(arm_names))
    if too_many:  # before the names are matched one by one
        log.stop(Kind.TOO_MANY_PAIRS, too_many)
        return _blocked(log.problems(), rows_read, file)
    arms, acode, merged = _merged_arms(arm_names, acode)
    notes = log.notes() + ([merged] if merged else [])
    if len(arms) < 2:
        log.whole.append(Problem(
            Kind.MISSING_ARM, f"every usable row has the one arm “{clip(arms[0])}”: a file with "
            "its arms in rows needs a baseline arm and at least one other arm, each with the "
            "outcomes of the same items", file, None, cols.arm, Effect.FILE))
        return _blocked(log.problems(), rows_read, file, tuple(arms))
    k = len(arms)
    too_many = _too_many(mcode, dcode, acode, len(datasets), k)
    if too_many:
        log.stop(Kind.TOO_MANY_PAIRS, too_many)
        return _blocked(log.problems(), rows_read, file, tuple(arms))
    models, mcode = in_figure_spelling(models, mcode, model_names)
    datasets, dcode = in_figure_spelling(datasets, dcode, dataset_names)
    width = len(datasets)
    categories = (None if cols.category is None
                  else first_categories(pieces.categories, mcode, len(models)))
    key = mcode.astype(np.int64)
    key *= width
    key += dcode
    key *= k
    key += acode  # model, then dataset, then arm
    del mcode, dcode
    group, group_key, _ = group_keys(key, len(models) * width * k)
    group = group.astype(np.int32)  # fewer than MAX_CELLS groups
    key //= k  # the cell
    icode, isize = itemchecks.item_codes(pieces.items)
    pieces.clear()
    averaged = False
    if cols.run is not None or not _once_each(group, key, icode, acode):
        del key, acode
        unit_key = group.astype(np.int64) * isize
        unit_key += icode
        unit, keys, counts = group_keys(unit_key, len(group_key) * isize)
        if counts.size < unit_key.size:
            if cols.run is None:
                log.rows(counts[unit] > 1, Kind.REPEATED_ITEM, cols.item, REPEATED_IN_ARM, row,
                         effect=Effect.MERGED)
            averaged = True
            first = np.argsort(unit, kind="stable")[np.cumsum(counts) - counts]
            row = first + row if isinstance(row, int) else row[first]  # each unit's first row
            value = np.bincount(unit, weights=value, minlength=counts.size) / counts
            group, icode = (keys // isize).astype(np.int32), keys % isize
            notes.append(f"Outcomes averaged per item and arm: {unit_key.size:,} rows, "
                         f"{counts.size:,} items under their arms ({counts.min()}–{counts.max()} "
                         "rows each).")
    return CheckedArms(group, icode, value, row, isize, averaged, group_key // k, group_key % k,
                       tuple(arms), models, datasets, categories, cols, tuple(log.problems()),
                       tuple(notes), rows_read, file)


def _once_each(group: np.ndarray, cell: np.ndarray, item: np.ndarray, arm: np.ndarray) -> bool:
    """Whether no item appears twice within a group, seen from the two orders files come in
    (cheaply, without grouping): rows by group then item (an arm's items together), or by cell,
    item, then arm (an item's arms together)."""
    if increasing(group, item):
        return True
    major = cell * (int(item.max()) + 1 if item.size else 1)
    major += item
    return increasing(major, arm)


def check_arms_csv(data: bytes, file: str) -> CheckedArms:
    """Read delimited bytes of `file` with its arms in rows and check them, piece by piece
    (pyarrow's fast path, as `lib.ingest.items.peritem.check_csv`). Raises
    `pyarrow.ArrowInvalid` on text pyarrow cannot parse: the caller then reads the file with
    the general reader and calls `check_arms`."""
    names, _ = csv_header(data)
    cols = arm_columns(names)
    if cols is None:
        return _blocked(missing_roles(names, ARM_ROLES, file), file=file)
    pieces = _pieces(cols, file)
    pieces.add_all(csv_pieces(data, cols.names()), _piece_too_many)
    return _reduce(pieces, cols)


def check_arms(source: pa.Table | pd.DataFrame, file: str, columns: ArmColumns | None = None,
               row_numbers: Sequence[int] | np.ndarray | None = None) -> CheckedArms:
    """Check a table of `file` with its arms in rows, read by another reader; `row_numbers`
    gives each row's number as the user's file shows it (default: position + 2, below a header
    in row 1)."""
    table = source if isinstance(source, pa.Table) else arrow_table(source)
    cols = columns or arm_columns(table.column_names)
    if cols is None:
        return _blocked(missing_roles(table.column_names, ARM_ROLES, file), table.num_rows, file)
    pieces = _pieces(cols, file)
    pieces.add(table, 2 if row_numbers is None else np.asarray(row_numbers), _piece_too_many)
    return _reduce(pieces, cols)


# --- pairing and statistics ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Pairs:
    """Each treatment unit that has a baseline outcome of the same item, with both outcomes."""

    group: np.ndarray
    base: np.ndarray
    treat: np.ndarray


def _cell_name(checked: CheckedArms, cell: int) -> str:
    width = len(checked.datasets)
    return (f"{clip(checked.models[cell // width].as_py())} × "
            f"{clip(checked.datasets[cell % width].as_py())}")


def _capped(found: list[Problem], total: int, kind: Kind, what: str, file: str,
            column: str | None) -> list[Problem]:
    """`found` (at most MAX_ROW_PROBLEMS), and one more problem counting the others."""
    if total > len(found):
        found.append(Problem(kind, f"{total - len(found):,} more {what}", file, None, column,
                             Effect.ROW))
    return found


def _pair(checked: CheckedArms, base: int) -> tuple[_Pairs, list[Problem]]:
    """The pairs of every treatment arm with the baseline arm `base`, and the problems: cells
    without the baseline arm, items under one of the two arms only."""
    cols, file = checked.columns, checked.file
    arm_column = cols.arm if cols else None
    item_column = cols.item if cols else None
    base_name = clip(checked.arms[base])
    is_base = checked.group_arm == base
    cells, cell_of_group = np.unique(checked.group_cell, return_inverse=True)
    cell_of_group = cell_of_group.astype(np.int32)  # fewer than MAX_CELLS cells
    n_cells, n_groups = cells.size, is_base.size
    has_base = np.zeros(n_cells, dtype=bool)
    has_base[cell_of_group[is_base]] = True
    problems: list[Problem] = []

    unit_cell = cell_of_group[checked.group]
    unit_base = is_base[checked.group]
    orphan = ~has_base
    if orphan.any():  # cells that have other arms but not the baseline
        where = np.flatnonzero(orphan[unit_cell])
        first_cells, first = np.unique(unit_cell[where], return_index=True)
        for c, at in zip(first_cells[:MAX_ROW_PROBLEMS], where[first][:MAX_ROW_PROBLEMS]):
            others = [checked.arms[a] for a in checked.group_arm[cell_of_group == c]]
            problems.append(Problem(
                Kind.MISSING_ARM, f"{_cell_name(checked, int(cells[c]))} has no outcome under "
                f"the baseline arm “{base_name}”: its other arms ({names_phrase(others)}) cannot "
                "be compared and are left out", file, checked.row_of(at), arm_column,
                Effect.ROW))
        _capped(problems, int(orphan.sum()), Kind.MISSING_ARM,
                f"model × dataset pairs without the baseline arm “{base_name}”, left out", file,
                arm_column)

    key = np.multiply(unit_cell, checked.items, dtype=np.int64)  # cell, then item
    key += checked.item
    at_base = np.flatnonzero(unit_base)
    base_keys = key[at_base]
    order = np.argsort(base_keys, kind="stable")
    base_keys, base_units = base_keys[order], at_base[order]
    del order
    in_cell = np.bincount(unit_cell[at_base], minlength=n_cells)
    treat_units = np.flatnonzero(~unit_base & has_base[unit_cell])
    del unit_base
    treat_keys = key[treat_units]
    del key
    pos = np.searchsorted(base_keys, treat_keys)
    found = pos < base_keys.size
    found[found] = base_keys[pos[found]] == treat_keys[found]
    del treat_keys
    paired, partner = treat_units[found], base_units[pos[found]]
    del pos
    pairs = _Pairs(checked.group[paired], checked.value[partner], checked.value[paired])
    del paired, partner

    # items under a treatment arm only, per group, with the first of them as the example
    lonely = treat_units[~found]
    extra = np.bincount(checked.group[lonely], minlength=n_groups)
    groups, first = np.unique(checked.group[lonely], return_index=True)
    named: list[Problem] = []
    for g, at in zip(groups[:MAX_ROW_PROBLEMS], lonely[first][:MAX_ROW_PROBLEMS]):
        named.append(Problem(
            Kind.UNPAIRED_ITEM, f"{_cell_name(checked, int(checked.group_cell[g]))}: "
            f"{extra[g]:,} item(s) under the arm “{clip(checked.arms[checked.group_arm[g]])}” "
            f"have no outcome under the baseline arm “{base_name}” (this row's item is one) and "
            "are left out of its Δ", file, checked.row_of(at), item_column, Effect.ROW))
    problems += _capped(named, groups.size, Kind.UNPAIRED_ITEM, "model × dataset × arm "
                        "combinations with items the baseline arm lacks, left out", file,
                        item_column)

    # items under the baseline only, per treatment group
    matched = np.bincount(pairs.group, minlength=n_groups)
    missing = np.where(~is_base & has_base[cell_of_group], in_cell[cell_of_group] - matched, 0)
    named = []
    for g in np.flatnonzero(missing)[:MAX_ROW_PROBLEMS]:
        c = cell_of_group[g]
        lo, hi = np.searchsorted(base_keys, [c * checked.items, (c + 1) * checked.items])
        held = checked.item[checked.group == g]
        absent = ~np.isin(base_keys[lo:hi] - c * checked.items, held)
        example = base_units[lo:hi][np.argmax(absent)]
        named.append(Problem(
            Kind.UNPAIRED_ITEM, f"{_cell_name(checked, int(checked.group_cell[g]))}: "
            f"{missing[g]:,} item(s) under the baseline arm “{base_name}” have no outcome under "
            f"the arm “{clip(checked.arms[checked.group_arm[g]])}” (this row's item is one) and "
            "are left out of that arm's Δ", file, checked.row_of(example), item_column,
            Effect.ROW))
    problems += _capped(named, int(np.count_nonzero(missing)), Kind.UNPAIRED_ITEM,
                        f"model × dataset × arm combinations lacking items of the baseline arm "
                        f"“{base_name}”, left out", file, item_column)
    return pairs, problems


def summarise_arms(checked: CheckedArms, settings: Settings = Settings()) -> PerItemResult:
    """Contract rows from checked arms under `settings`, its baseline arm included: per
    model × dataset × treatment arm (`condition`), accuracies, Δ against the baseline arm, n,
    interval, p-value, and the correction across all of them. Rows follow the first appearance
    of models, then datasets, then arms."""
    if checked.blocked or not checked.group.size:
        return PerItemResult(None, list(checked.problems), list(checked.notes))
    base_name, how = baseline_arm(checked.arms, settings.baseline)
    base = checked.arms.index(base_name)
    pairs, problems = _pair(checked, base)
    problems = list(checked.problems) + problems
    notes = list(checked.notes) + [
        f"{len(checked.arms)} arms: {names_phrase(checked.arms)}. {how} Each other arm is "
        "compared with it per model × dataset on the items both hold."]
    if not pairs.group.size:
        problems.append(Problem(Kind.NO_ROWS_LEFT, f"no item has an outcome under both the "
                                f"baseline arm “{clip(base_name)}” and another arm",
                                checked.file))
        return PerItemResult(None, problems, notes)
    present = np.unique(pairs.group)
    order = np.lexsort((checked.group_arm[present], checked.group_cell[present]))
    present = present[order]
    rank = np.full(checked.group_arm.size, -1, dtype=np.int64)
    rank[present] = np.arange(present.size)
    index = rank[pairs.group]
    base_v, treat_v = pairs.base, pairs.treat
    if not checked.averaged and base_v.dtype == np.int8:
        index *= 4
        index += 2 * base_v + treat_v
        four = np.bincount(index, minlength=4 * present.size).reshape(present.size, 4)
        stats = cellstats.from_counts(four, settings.level)
    else:
        stats = cellstats.from_items(index, base_v.astype(np.float64),
                                     treat_v.astype(np.float64), present.size, settings.level)
    out = cellstats.frame(stats)
    width = len(checked.datasets)
    cell = checked.group_cell[present]
    model = cell // width
    out.insert(0, schema.MODEL, names_at(checked.models, model))
    out.insert(1, schema.DATASET, names_at(checked.datasets, cell % width))
    arm_names = np.array(checked.arms, dtype=object)
    out.insert(2, schema.CONDITION, arm_names[checked.group_arm[present]])
    if checked.categories is not None:
        out[schema.CATEGORY] = checked.categories[model]
    table = cellstats.finish(out, settings)
    table.attrs[BASELINE_ARM] = base_name
    return PerItemResult(table, problems, notes)


def aggregate_arms(source: pa.Table | pd.DataFrame, file: str, baseline: str | None = None,
                   settings: Settings = Settings(),
                   row_numbers: Sequence[int] | np.ndarray | None = None) -> PerItemResult:
    """Check a per-item table of `file` with its arms in rows (such as an evaluation harness
    gives: model, dataset, item, condition, outcome and optionally run) and aggregate it with
    `baseline` as the baseline arm (None: found by name, else the first): the checks and the
    statistics of an uploaded file of that shape."""
    chosen = settings if baseline is None else replace(settings, baseline=baseline)
    return summarise_arms(check_arms(source, file, row_numbers=row_numbers), chosen)
