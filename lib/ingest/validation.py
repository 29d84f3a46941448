"""The validation report: from a raw table and a mapping to a clean contract table, or to the
reasons why not, each located by file, row and column.

Rows with a problem in a required cell are left out and listed; a bad optional value (an
interval bound, an item count) is left out and listed while its row is kept. Nothing is dropped
without a line in the report.

A table may hold several conditions (methods, rounds, prompts) per model × dataset: a pair is
repeated only within one condition, condition names that differ only in case or spaces are
one condition, and in the baseline/treatment shape a row with a baseline score and no treatment
score is the baseline of its model × dataset's other rows, not a Δ.

The work is column-wise: names and numbers are read with pyarrow.compute (`lib.core.textcells`,
`lib.ingest.numbers`), names once per distinct value; only cells those cannot decide, and cells with
a problem, are looked at one by one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.core import schema
from lib.core.textcells import (Codes, TextCells, first_seen, mapped_codes, name_codes,
                                string_column, text_cells)
from lib.ingest.columns import (canonical_spellings, dataset_keys, dataset_lookup, model_key,
                                model_keys, model_lookup, name_key, unit_hint)
from lib.ingest.numbers import (NotANumber, NumberText, decimal_mark, is_missing, missing,
                                number_text, parse_number, percent_only)
from lib.ingest.problems import (MAX_NAMES_SHOWN, Effect, Found, Kind, Problem, clip, list_first,
                                 names_phrase, rows_phrase)
from lib.ingest.read.raw import RawTable
from lib.ingest.shapes import (DATASET_COLUMNS, NUMERIC_ROLES, REQUIRED_ROLES, ROLE_LABELS, ROW,
                               Y_TITLES, DeltaKind, Mapping, Shape, origin, to_cells)

"""The y title when nothing says whether Δ is in points or percent."""

MAX_LISTED = 500
"""At most this many problems are listed; the report counts the rest."""
MAX_MAGNITUDE = 1e6
"""Largest magnitude of a Δ, score or interval bound: anything beyond is a mistake in the file
(a unit, an overflow), and would break the chart's axis."""
MAX_COUNT = 1e12
"""Largest number of items behind a value."""

PARALLEL_CELLS = 200_000
"""From this many cells, the model and the dataset names are read in two helper threads while
the numbers are read (pyarrow.compute releases the GIL)."""

MISSING_MESSAGES: dict[str, str] = {
    schema.MODEL: "missing required column: no column for the model (name one “model”)",
    schema.DATASET: "missing required column: no column for the dataset (name one “dataset”, "
                    "or use one column per dataset)",
    schema.DELTA: "missing required column: no column for the Δ (name one “delta”, or give "
                  "“baseline” and “treatment” scores)",
    schema.BASELINE: "missing required column: no column for the baseline score (name one "
                     "“baseline”)",
    schema.TREATMENT: "missing required column: no column for the treatment score (name one "
                      "“treatment”)",
    DATASET_COLUMNS: "missing required columns: no dataset column (one column of Δ per dataset)",
}


class DuplicatePolicy(StrEnum):
    """What to do when a model × dataset pair appears more than once."""

    STOP = "stop"
    MEAN = "mean"


@dataclass(frozen=True)
class Options:
    """The user's choices that change how a file is turned into a table."""

    delta_kind: DeltaKind = DeltaKind.POINTS
    duplicates: DuplicatePolicy = DuplicatePolicy.STOP


@dataclass(frozen=True)
class Report:
    """What happened to an upload: counts, problems, notes, and the clean table if usable."""

    file: str
    rows_read: int
    rows_kept: int
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    shape: Shape | None = None
    y_title: str = schema.Y_AS_GIVEN
    duplicate_pairs: int = 0
    unlisted: int = 0
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """True when the table can be explored or compared."""
        return self.table is not None

    @property
    def blocking(self) -> list[Problem]:
        """The problems that keep the file from being used."""
        return [p for p in self.problems if p.blocking]


def failed_report(problem: Problem) -> Report:
    """The report of a file that cannot be read at all."""
    return Report(problem.file, 0, 0, (problem,))


# --- cells ---------------------------------------------------------------------------------------

def _origins(cells: pd.DataFrame, role: str) -> Callable[[int], str]:
    """The file column of the cell at a position, for `role`'s cells."""
    column = cells[origin(role)]
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories, codes = list(column.cat.categories), column.cat.codes.to_numpy()
        return lambda i: categories[codes[i]]
    values = column.to_numpy(dtype=object)
    return lambda i: values[i]


def condition_keys(names: list[str]) -> list[str]:
    """Condition names folded for matching: case and runs of spaces do not count."""
    return [" ".join(str(n).split()).casefold() for n in names]


NAME_KEYS: dict[str, Callable[[list[str]], list[str]]] = {schema.MODEL: model_keys,
                                                         schema.DATASET: dataset_keys,
                                                         schema.CONDITION: condition_keys}
"""How the names of each kind are matched (worked out with the names, off the critical path)."""
CANONICAL: dict[str, tuple[Callable[[], dict[str, str]], Callable[[str], str]]] = {
    schema.MODEL: (model_lookup, model_key), schema.DATASET: (dataset_lookup, name_key)}
"""Per kind of name, the figure's spellings by key, and the key."""


def _at_cells(cells: pd.DataFrame, role: str, at: np.ndarray,
              make: Callable[[int, str, int], Problem]) -> list[Found]:
    """A batch of problems (none blocking) at cell positions `at`: `make(k, file column, file
    row)` words the k-th."""
    if not len(at):
        return []
    rows, column = cells[ROW].to_numpy()[at], _origins(cells, role)
    return [Found(rows, False, lambda k: make(k, column(int(at[k])), int(rows[k])))]


def _names(cells: pd.DataFrame, role: str, file: str) -> tuple[Codes, list[Found], np.ndarray]:
    """`role`'s cells as stripped text, an empty-cell problem per blank one, and where they are."""
    names = name_codes(cells[role])
    names = replace(names, keys=NAME_KEYS[role](names.values))
    if "" not in names.values:
        return names, [], np.zeros(len(cells), dtype=bool)
    bad = names.codes == names.values.index("")
    message = f"empty cell: no {ROLE_LABELS[role]} name"
    found = _at_cells(cells, role, np.flatnonzero(bad), lambda k, column, row: Problem(
        Kind.EMPTY_CELL, message, file, row, column, Effect.ROW))
    return names, found, bad


def _number_issue(value: object, label: str, required: bool,
                  decimal: str) -> tuple[float, Kind | None, str]:
    """The cell as a number (NaN when unusable), and the kind and message of its problem."""
    try:
        number = parse_number(value, decimal)
    except NotANumber:
        return math.nan, Kind.NOT_A_NUMBER, (f"not a number: “{clip(value)}” (the {label} "
                                             "must be a number)")
    if math.isnan(number):
        if not required:
            return math.nan, None, ""
        blank = value is None or isinstance(value, float) or not str(value).strip()
        message = f"empty cell: no {label}" if blank else \
            f"empty cell: “{clip(value)}” means no {label}"
        return math.nan, Kind.EMPTY_CELL, message
    if math.isinf(number):
        return math.nan, Kind.INFINITE, (f"infinite value: “{clip(value)}” (the {label} must "
                                         "be finite)")
    return number, None, ""


def _plain_others(text: TextCells) -> tuple[np.ndarray, np.ndarray]:
    """(positions, values) of the cells that are not text but finite numbers (not booleans)."""
    raw = text.other_values
    booleans = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
    fast = pd.to_numeric(pd.Series(np.where(booleans, None, raw), dtype=object),
                         errors="coerce").to_numpy(dtype="float64")
    done = np.isfinite(fast) & ~booleans
    return text.other_at[done], fast[done]


def _numbers(cells: pd.DataFrame, role: str, file: str, required: bool, decimal: str,
             effect: Effect, text: TextCells,
             reading: NumberText) -> tuple[np.ndarray, list[Found], np.ndarray]:
    """`role`'s cells as floats (NaN where unusable), a problem per unusable cell, and a mask of
    the rows it makes unusable (none for an optional role).

    Numbers are read column-wise (`lib.ingest.numbers`), and so are the ASCII texts that mean "no
    value"; the cells left over (bad or unusual values, and cells that are not text) are read
    one by one with `parse_number`.
    """
    values, read = reading.numbers(decimal)
    bad = np.zeros(len(values), dtype=bool)
    if read.all():
        return values, [], bad
    values, todo = values.copy(), ~read
    is_other = np.zeros(len(values), dtype=bool)
    is_other[text.other_at] = True
    if len(text.other_at):
        at, found = _plain_others(text)
        values[at] = found
        todo[at] = False
    if not todo.any():
        return values, [], bad
    text_at = np.flatnonzero(todo & ~is_other)
    strings = text.strings.take(pa.array(text_at))
    gone = missing(strings)
    absent_at = text_at[gone] if required else np.zeros(0, dtype=np.int64)
    absent = strings.filter(pa.array(gone)) if required else None
    text_at, strings = text_at[~gone], strings.filter(pa.array(~gone))
    other_at = np.flatnonzero(todo & is_other)
    others = dict(zip(text.other_at.tolist(), text.other_values.tolist()))
    positions = np.concatenate([text_at, other_at])
    cell_values = strings.to_pylist() + [others[i] for i in other_at.tolist()]
    label = ROLE_LABELS[role]
    seen: dict[str, tuple[float, Kind | None, str]] = {}
    at: list[int] = []
    issues: list[tuple[float, Kind | None, str]] = []
    for k in np.argsort(positions, kind="stable").tolist():
        i, value = int(positions[k]), cell_values[k]
        if isinstance(value, str):
            issue = seen.get(value)
            if issue is None:
                issue = seen[value] = _number_issue(value, label, required, decimal)
        else:
            issue = _number_issue(value, label, required, decimal)
        values[i] = issue[0]
        if issue[1] is not None:
            at.append(i)
            issues.append(issue)
    where = np.concatenate([absent_at, np.array(at, dtype=np.int64)])
    bad[where] = required
    order = np.argsort(where, kind="stable")

    def issue_of(k: int) -> tuple[float, Kind | None, str]:
        j = int(order[k])
        if j < len(absent_at):  # an empty cell, worded only when listed
            return _number_issue(absent[j].as_py(), label, required, decimal)
        return issues[j - len(absent_at)]

    found = _at_cells(cells, role, where[order], lambda k, column, row: Problem(
        *issue_of(k)[1:], file, row, column, effect))
    return values, found, bad


def _in_range(values: np.ndarray, cells: pd.DataFrame, role: str, file: str, required: bool,
              effect: Effect) -> tuple[np.ndarray, list[Found], np.ndarray]:
    """`values` with those beyond ±MAX_MAGNITUDE left out (NaN), a problem per such cell, and a
    mask of the rows it makes unusable (none for an optional role)."""
    with np.errstate(invalid="ignore"):
        far = np.abs(values) > MAX_MAGNITUDE
    if not far.any():
        return values, [], far
    at = np.flatnonzero(far)
    label = ROLE_LABELS[role]
    found = _at_cells(cells, role, at, lambda k, column, row: Problem(
        Kind.OUT_OF_RANGE, f"value out of range: {values[at[k]]:g} (the {label} must lie "
        f"between −{MAX_MAGNITUDE:,.0f} and {MAX_MAGNITUDE:,.0f})", file, row, column, effect))
    return np.where(far, np.nan, values), found, far & required


def _counts(values: np.ndarray, cells: pd.DataFrame,
            file: str) -> tuple[np.ndarray, list[Found]]:
    """Item counts that are not whole, non-negative numbers up to MAX_COUNT, left out and
    listed."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ((values < 0) | (values % 1 != 0) | (values > MAX_COUNT))
    if not bad.any():
        return values, []
    at = np.flatnonzero(bad)
    found = _at_cells(cells, schema.N_ITEMS, at, lambda k, column, row: Problem(
        Kind.BAD_COUNT, f"the number of items must be a whole number ≥ 0, not "
        f"{values[at[k]]:g}", file, row, column, Effect.VALUE))
    return np.where(bad, np.nan, values), found


# --- scores to Δ ---------------------------------------------------------------------------------

def _absent(column: pd.Series) -> np.ndarray:
    """True where a cell means "no value" (empty, "n/a", None, NaN)."""
    text = text_cells(column)
    absent = missing(text.strings)
    if len(text.other_at):
        absent[text.other_at] = [is_missing(v) for v in text.other_values]
    return absent


def _pair_codes(cells: pd.DataFrame) -> np.ndarray:
    """A number per row shared by the rows whose model and dataset names match (as the
    contract matches them: case, punctuation, aliases)."""
    codes = []
    for role, key in ((schema.MODEL, model_key), (schema.DATASET, name_key)):
        local, values = pd.factorize(cells[role].astype(object), use_na_sentinel=True)
        keys = pd.factorize(np.array([key(str(v).strip()) for v in values] + [""],
                                     dtype=object))[0]
        codes.append(keys[local])  # -1 (missing) takes the last key, ""
    return codes[0].astype(np.int64) * (int(codes[1].max()) + 1) + codes[1]


@dataclass(frozen=True)
class _BaselineRows:
    """Rows of the baseline/treatment shape that give only a baseline score."""

    cells: pd.DataFrame
    """The other rows, a missing baseline taken from their model × dataset's baseline row."""
    filled_at: np.ndarray
    """The positions among `cells` of the rows that took a baseline."""
    filled_from: np.ndarray
    """For each, the file row of the baseline row it took."""
    column: str
    """The file column of the treatment score (where a baseline row's problem is shown)."""
    problems: list[Found]
    """One per such row that no other row needed."""

    def used(self, usable: np.ndarray, file: str) -> tuple[np.ndarray, list[Problem]]:
        """The file rows of the baseline rows that a usable row took, and a problem for each
        other one that some row took (all the rows that took it are left out)."""
        taken = np.unique(self.filled_from)
        good = np.unique(self.filled_from[usable[self.filled_at]])
        idle = np.setdiff1d(taken, good)
        message = ("only a baseline score, and every row of this model and dataset that takes "
                   "it as its baseline has a problem listed here: it gives no Δ")
        return good, [Problem(Kind.EMPTY_CELL, message, file, int(r), self.column, Effect.ROW)
                      for r in idle[:MAX_LISTED]]


def _baseline_rows(cells: pd.DataFrame, file: str) -> _BaselineRows | None:
    """A row with a baseline score and no treatment score is its model × dataset's baseline:
    the rows of that pair without a baseline take it (the first, should there be several).
    None when no row gives only a baseline."""
    treat_absent, base_absent = _absent(cells[schema.TREATMENT]), _absent(cells[schema.BASELINE])
    only = treat_absent & ~base_absent
    if not only.any():
        return None
    pairs = _pair_codes(cells)
    need = base_absent & ~treat_absent
    source = pd.Series(np.flatnonzero(only)).groupby(pairs[only], sort=False).first()
    fill = np.flatnonzero(need & np.isin(pairs, source.index.to_numpy()))
    kept = cells.loc[~only].reset_index(drop=True)
    origin_of = source.loc[pairs[fill]].to_numpy()
    if len(fill):
        base = cells[schema.BASELINE].to_numpy(dtype=object).copy()
        base[fill] = base[origin_of]
        kept[schema.BASELINE] = base[~only]
    wanted = set(pairs[fill].tolist())
    sources = set(source.to_numpy().tolist())
    used = np.array([p in wanted and i in sources
                     for i, p in zip(np.flatnonzero(only).tolist(), pairs[only].tolist())],
                    dtype=bool)
    at = np.flatnonzero(only)[~used]
    message = ("only a baseline score, and no other row of this model and dataset takes it as "
               "its baseline (none lacks one, or an earlier row gives it): it gives no Δ")
    problems = _at_cells(cells, schema.TREATMENT, at, lambda k, column, row: Problem(
        Kind.EMPTY_CELL, message, file, row, column, Effect.ROW))
    position = np.cumsum(~only) - 1  # of each remaining row among `kept`
    rows = cells[ROW].to_numpy()
    return _BaselineRows(kept, position[fill], rows[origin_of],
                         _origins(cells, schema.TREATMENT)(0), problems)


def _baseline_note(rows: np.ndarray) -> str | None:
    if not len(rows):
        return None
    return (f"{len(rows):,} row(s) give only a baseline score ({rows_phrase(np.sort(rows))}): "
            "each is the baseline of the other rows of its model and dataset, not a Δ.")


def _empty_conditions(parsed: _Parsed, contract: _Contract) -> str | None:
    """A note naming the conditions of the file that no usable row is left for."""
    names = parsed.names.get(schema.CONDITION)
    if names is None or contract.conditions is None:
        return None
    kept = set(condition_keys(contract.conditions.values))
    present = [n for n in names.values if n != ""]
    lost = list(dict.fromkeys(n for n, k in zip(present, condition_keys(present))
                              if k not in kept))
    if not lost:
        return None
    return (f"Condition(s) {names_phrase(lost)} have no usable row: each of their rows has a "
            "problem listed here.")


def _scores_to_delta(values: dict[str, np.ndarray], cells: pd.DataFrame, kind: DeltaKind,
                     file: str, usable: np.ndarray,
                     percent: bool = False) -> tuple[list[Found], list[str], np.ndarray]:
    """Adds Δ to `values` from baseline and treatment. Returns the problems (zero baselines of a
    relative Δ), notes on how Δ was computed, and the rows those problems make unusable.

    Scores all between 0 and 1 are fractions (0.82 is 82 %), unless `percent`: a score column
    written with "%" says its unit (0.5% is half a percent), as a per-arm counts file reads it."""
    base, treat = values[schema.BASELINE], values[schema.TREATMENT]
    notes: list[str] = []
    present = np.concatenate([base[usable], treat[usable]])
    present = present[~np.isnan(present)]
    if (not percent and len(present) and ((present >= 0) & (present <= 1)).all()
            and (present % 1 != 0).any()):
        base, treat = base * 100, treat * 100
        values[schema.BASELINE], values[schema.TREATMENT] = base, treat
        notes.append("All scores lie between 0 and 1, so they are read as fractions and shown "
                     "as percentages (0.82 is 82).")
    zero = np.zeros(len(base), dtype=bool)
    if kind is DeltaKind.RELATIVE:
        zero = usable & (base == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = (treat - base) / np.where(base != 0, base, np.nan) * 100
        notes.append("Δ is relative: (treatment − baseline) / baseline × 100.")
    else:
        delta = treat - base
        notes.append("Δ is in absolute points: treatment − baseline.")
    with np.errstate(invalid="ignore"):
        far = usable & ~zero & (np.abs(delta) > MAX_MAGNITUDE)
    values[schema.DELTA] = np.where(far, np.nan, delta) if far.any() else delta
    found = _at_cells(cells, schema.BASELINE, np.flatnonzero(zero), lambda k, column, row: Problem(
        Kind.ZERO_BASELINE, "the baseline score is 0, so a relative Δ is undefined", file, row,
        column, Effect.ROW))
    at = np.flatnonzero(far)
    found += _at_cells(cells, schema.BASELINE, at, lambda k, column, row: Problem(
        Kind.OUT_OF_RANGE, f"the Δ computed from the scores is {delta[at[k]]:g}, beyond "
        f"±{MAX_MAGNITUDE:,.0f}", file, row, column, Effect.ROW))
    return found, notes, zero | far


# --- the contract table --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Contract:
    """The usable cells as contract columns, names in canonical spelling."""

    columns: dict[str, pa.Array]
    """Names and numbers, in contract order (the category is in `category`)."""
    category: Codes | None
    """The category labels as read (None where missing), when the file has them."""
    rows: np.ndarray
    """The file row of each."""
    at: np.ndarray | None
    """The position of each among the cells (None: each is the cell at its own position)."""
    models: Codes
    datasets: Codes
    conditions: Codes | None
    """The condition of each (None without a condition column)."""
    pairs: Pairs
    renamed: dict[str, dict[str, str]]

    def frame(self) -> pd.DataFrame:
        """The contract columns and the file row (ROW), category as read."""
        columns = {ROW: pa.array(self.rows), **self.columns}
        if self.category is not None:
            columns[schema.CATEGORY] = string_column(self.category.values, self.category.codes)
        order = [ROW, *(c for c in CONTRACT_ORDER if c in columns)]
        return pa.table({c: columns[c] for c in order}).to_pandas()

    def conformed(self) -> pd.DataFrame:
        """`schema.conform` of the contract columns, built column-wise."""
        columns = dict(self.columns)
        if self.category is None:
            labels, codes = [schema.UNSPECIFIED_CATEGORY], np.zeros(len(self.rows), np.int32)
        else:
            labels, codes = _conformed_labels(self.category.values), self.category.codes
        columns[schema.CATEGORY] = string_column(labels, codes)
        table = pa.table({c: columns[c] for c in schema.CONTRACT_COLUMNS if c in columns})
        frame = table.to_pandas()
        if schema.N_ITEMS in frame.columns:
            frame[schema.N_ITEMS] = pd.to_numeric(frame[schema.N_ITEMS]).astype("Int64")
        return frame


def _conformed_labels(labels: list[str | None]) -> list[str]:
    """Category labels as `schema.conform` makes them (missing or blank: Unspecified), with the
    same operations, once per distinct label."""
    out = pd.Series(labels, dtype=object).astype("string").fillna(
        schema.UNSPECIFIED_CATEGORY).astype(str)
    out[out.str.strip() == ""] = schema.UNSPECIFIED_CATEGORY
    return out.tolist()


CONTRACT_ORDER = (schema.MODEL, schema.DATASET, schema.DELTA, schema.CATEGORY, schema.CONDITION,
                  schema.BASELINE, schema.TREATMENT, schema.CI_LOW, schema.CI_HIGH,
                  schema.N_ITEMS)


def _label(value: object) -> str | None:
    return None if is_missing(value) else str(value).strip()


def _canonical(names: Codes, at: np.ndarray | None, role: str) -> tuple[Codes, dict[str, str]]:
    """The names of the cells at `at` (None: all) in canonical spelling, and the renames made.

    The result's `source` is the cells' own text when no name changed."""
    codes = names.at(at)
    if at is None and names.ordered:
        spellings, keys = names.values, names.keys
        order = np.arange(len(spellings))
    else:
        order = first_seen(codes)
        spellings = [names.values[c] for c in order]
        keys = None if names.keys is None else [names.keys[c] for c in order]
    lookup, key = CANONICAL[role]
    canonical = canonical_spellings(spellings, lookup(), key, keys)
    if canonical is None and at is None and names.ordered:
        return Codes(codes, names.values, names.source, True), {}
    canonical = spellings if canonical is None else canonical
    changed = {a: b for a, b in zip(spellings, canonical) if a != b}
    distinct = list(dict.fromkeys(canonical))
    index = {name: i for i, name in enumerate(distinct)}
    remap = np.zeros(len(names.values), dtype=np.int64)
    remap[order] = [index[c] for c in canonical]
    source = None
    if names.source is not None and not changed:
        source = names.source if at is None else names.source.take(pa.array(at))
    return Codes(remap[codes], distinct, source, True), changed


def _merged_conditions(names: Codes, at: np.ndarray | None) -> tuple[Codes, dict[str, str]]:
    """The conditions of the cells at `at` (None: all), names that differ only in case or spaces
    merged into their first spelling, and the renames made."""
    codes = names.at(at)
    order = first_seen(codes)
    spellings = [names.values[c] for c in order]
    first: dict[str, str] = {}
    canonical = [first.setdefault(k, s) for k, s in zip(condition_keys(spellings), spellings)]
    distinct = list(dict.fromkeys(canonical))
    index = {name: i for i, name in enumerate(distinct)}
    remap = np.zeros(len(names.values), dtype=np.int64)
    remap[order] = [index[c] for c in canonical]
    return (Codes(remap[codes], distinct, None, True),
            {a: b for a, b in zip(spellings, canonical) if a != b})


@dataclass(frozen=True)
class Pairs:
    """Which rows share a model × dataset pair (and condition, when the table has several)."""

    repeated: np.ndarray
    """True for the rows of a pair that appears more than once."""
    count: int
    """How many pairs appear more than once."""
    numbers: np.ndarray | None
    """Per row, a number shared by the rows of its pair, numbered by first appearance (only
    when some pair repeats)."""


def find_pairs(models: Codes, datasets: Codes, conditions: Codes | None = None) -> Pairs:
    """The model × dataset pairs of rows whose names have codes `models` and `datasets`; with
    `conditions`, model × dataset × condition: rows of different conditions are not repeats."""
    if conditions is not None and len(conditions.values) > 1:
        k = len(conditions.values)
        datasets = Codes(datasets.codes.astype(np.int64) * k + conditions.codes,
                         [None] * (len(datasets.values) * k))
    n_datasets = max(len(datasets.values), 1)
    size = len(models.values) * n_datasets
    keys = models.codes.astype(np.int32 if size < 2**31 else np.int64)
    keys *= n_datasets
    keys += datasets.codes
    if size <= 4 * len(keys) + (1 << 20):
        counts = np.bincount(keys, minlength=size)
        count = int((counts > 1).sum())
        if not count:
            return Pairs(np.zeros(len(keys), dtype=bool), 0, None)
        numbers = pd.factorize(keys)[0]
    else:
        numbers = pd.factorize(keys)[0]
    sizes = np.bincount(numbers)
    repeated, count = sizes[numbers] > 1, int((sizes > 1).sum())
    return Pairs(repeated, count, numbers if count else None)


def _text_column(codes: Codes) -> pa.Array:
    return codes.source if codes.source is not None else string_column(codes.values, codes.codes)


def _contract(cells: pd.DataFrame, parsed: _Parsed) -> _Contract:
    """The usable cells as contract columns, names in canonical spelling."""
    at = None if parsed.usable.all() else np.flatnonzero(parsed.usable)
    rows = cells[ROW].to_numpy()
    model, model_renames = _canonical(parsed.names[schema.MODEL], at, schema.MODEL)
    dataset, dataset_renames = _canonical(parsed.names[schema.DATASET], at, schema.DATASET)
    columns: dict[str, pa.Array] = {schema.MODEL: _text_column(model),
                                    schema.DATASET: _text_column(dataset)}
    renamed = {"Model": model_renames, "Dataset": dataset_renames}
    condition = None
    if schema.CONDITION in parsed.names:
        condition, renamed["Condition"] = _merged_conditions(parsed.names[schema.CONDITION], at)
        columns[schema.CONDITION] = _text_column(condition)
    category = None
    for role in CONTRACT_ORDER[2:]:
        if role in parsed.values:
            values = parsed.values[role]
            columns[role] = pa.array(values if at is None else values[at])
        elif role == schema.CATEGORY and role in cells.columns:
            labels = mapped_codes(cells[role], _label)
            category = Codes(labels.at(at), labels.values)
    return _Contract(columns, category, rows if at is None else rows[at], at, model, dataset,
                     condition, find_pairs(model, dataset, condition), renamed)


def _distinct_rows(rows: np.ndarray) -> int:
    """How many different file rows (rows come in file order)."""
    if len(rows) < 2 or (rows[1:] > rows[:-1]).all():
        return len(rows)
    if (rows[1:] >= rows[:-1]).all():
        return int(np.count_nonzero(rows[1:] != rows[:-1])) + 1
    return len(np.unique(rows))


# --- duplicates ----------------------------------------------------------------------------------

def _duplicates(contract: _Contract, cells: pd.DataFrame, file: str,
                policy: DuplicatePolicy) -> tuple[list[Found], int]:
    """A problem per repeated model × dataset pair (at its first row, naming all its rows), and
    the number of such pairs."""
    if not contract.pairs.count:
        return [], 0
    pairs, n_pairs = contract.pairs.numbers, contract.pairs.count
    repeated = np.flatnonzero(contract.pairs.repeated)
    order = repeated[np.argsort(pairs[repeated], kind="stable")]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(pairs[order])) + 1, [len(order)]])
    effect = Effect.MERGED if policy is DuplicatePolicy.MEAN else Effect.STOPPED
    column, rows = _origins(cells, schema.MODEL), contract.rows
    models, datasets, conditions = contract.models, contract.datasets, contract.conditions

    def make(group: int) -> Problem:
        members = order[starts[group]:starts[group + 1]]
        first = members[0]
        model = models.values[models.codes[first]]
        dataset = datasets.values[datasets.codes[first]]
        within = ("" if conditions is None else
                  f" in the condition “{clip(conditions.values[conditions.codes[first]])}”")
        message = (f"the pair “{clip(model)}” × “{clip(dataset)}” appears {len(members):,} "
                   f"times{within} ({rows_phrase(rows[members])})")
        cell = first if contract.at is None else contract.at[first]
        return Problem(Kind.DUPLICATE, message, file, int(rows[first]), column(int(cell)), effect)

    return [Found(rows[order[starts[:-1]]], effect is Effect.STOPPED, make)], n_pairs


MEAN_COLUMNS = (schema.DELTA, schema.BASELINE, schema.TREATMENT, schema.CI_LOW, schema.CI_HIGH,
                schema.N_ITEMS)
NOT_AVERAGED = (schema.CI_LOW, schema.CI_HIGH, schema.N_ITEMS)


def _merge(table: pd.DataFrame, pairs: np.ndarray) -> pd.DataFrame:
    """`merge_duplicates` of `table`, whose rows have pair numbers `pairs`."""
    keys = [c for c in (schema.MODEL, schema.DATASET, schema.CONDITION) if c in table.columns]
    numeric = [c for c in MEAN_COLUMNS if c in table.columns]
    others = [c for c in table.columns if c not in numeric and c not in keys]
    if not len(table):
        return table[[*keys, *numeric, *others]].reset_index(drop=True)
    seen_before = np.concatenate([[-1], np.maximum.accumulate(pairs)[:-1]])
    first = pairs > seen_before
    repeated = np.bincount(pairs)[pairs] > 1
    merged = table[first].reset_index(drop=True)
    if repeated.any():
        rules = {c: "mean" for c in numeric}
        rules.update({c: "first" for c in others})
        groups = table[repeated].groupby(pairs[repeated], sort=False).agg(rules)
        target = np.flatnonzero(repeated[first])
        for column in [*numeric, *others]:
            values = groups[column].to_numpy()
            if column in NOT_AVERAGED:
                values = np.full(len(target), np.nan)
            merged[column] = _assign(merged[column], target, values)
    return merged[[*keys, *numeric, *others]]


def _assign(column: pd.Series, at: np.ndarray, values: np.ndarray) -> pd.Series:
    """`column` with `values` at positions `at`."""
    out = column.copy()
    out.iloc[at] = values
    return out


def merge_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """One row per model × dataset (× condition, never averaged across): numbers averaged, the
    first category kept; intervals and item counts of merged pairs are left out (the mean of
    intervals is not an interval)."""
    keys = [c for c in (schema.MODEL, schema.DATASET, schema.CONDITION) if c in table.columns]
    groups = table.groupby(keys, sort=False).ngroup()
    known = groups.notna().to_numpy()
    return _merge(table[known].reset_index(drop=True), groups[known].to_numpy(dtype=np.int64))


# --- the report ----------------------------------------------------------------------------------

def _rename_note(what: str, renamed: dict[str, str]) -> str | None:
    changes = {a: b for a, b in renamed.items() if a != b}
    if not changes:
        return None
    limit = MAX_NAMES_SHOWN
    shown = "; ".join(f"“{clip(a)}” → “{clip(b)}”" for a, b in list(changes.items())[:limit])
    more = f" and {len(changes) - limit:,} more" if len(changes) > limit else ""
    how = ("case and spaces: one condition" if what == "Condition"
           else "case, punctuation and common aliases")
    return f"{what} names matched ({how}): {shown}{more}."


def _y_title(mapping: Mapping, parsed: _Parsed, kind: DeltaKind) -> str:
    if mapping.shape is Shape.SCORES:
        return Y_TITLES[kind]
    hint = unit_hint(mapping.roles[schema.DELTA]) if mapping.shape is Shape.LONG else None
    if hint is None and percent_only(parsed.texts[schema.DELTA].strings):
        hint = "%"
    return {"%": schema.Y_PERCENT, "points": schema.Y_POINTS}.get(hint or "", schema.Y_AS_GIVEN)


def _listed(found: list[Found]) -> tuple[tuple[Problem, ...], int]:
    """The problems listed (blocking ones first, then by row) and how many are not."""
    return list_first(found, MAX_LISTED)


class _Helpers:
    """Runs calls in two helper threads when `parallel`, else at once in this one."""

    def __init__(self, parallel: bool) -> None:
        self.pool = ThreadPoolExecutor(max_workers=2) if parallel else None

    def __enter__(self) -> _Helpers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def run(self, call: Callable, *args: object) -> Callable[[], object]:
        """Start `call(*args)`; the returned function gives its result."""
        if self.pool is None:
            result = call(*args)
            return lambda: result
        return self.pool.submit(call, *args).result


@dataclass
class _Parsed:
    """The cells of a file read as names and numbers, with what went wrong on the way."""

    names: dict[str, Codes]
    values: dict[str, np.ndarray]
    texts: dict[str, TextCells]
    usable: np.ndarray
    problems: list[Found]
    notes: list[str]


def _parse(cells: pd.DataFrame, mapping: Mapping, options: Options, file: str) -> _Parsed:
    """Names stripped, numbers parsed, Δ computed from scores; each bad cell a problem."""
    parsed = _Parsed({}, {}, {}, np.ones(len(cells), dtype=bool), [], [])
    numeric_roles = [r for r in NUMERIC_ROLES if r in cells.columns]
    parsed.texts = {r: text_cells(cells[r]) for r in numeric_roles}
    name_roles = [r for r in (schema.MODEL, schema.DATASET, schema.CONDITION) if r in cells.columns]
    with _Helpers(len(cells) >= PARALLEL_CELLS) as helpers:
        names = [helpers.run(_names, cells, role, file) for role in name_roles]
        readings = {r: number_text(parsed.texts[r].strings) for r in numeric_roles}
        decimal = decimal_mark(readings.values())
        if decimal == ",":
            parsed.notes.append("Numbers use a decimal comma (“3,5” is read as 3.5).")
        for role, result in zip(name_roles, names):
            parsed.names[role], found, bad = result()
            parsed.problems += found
            parsed.usable &= ~bad
    required = set(REQUIRED_ROLES[mapping.shape])
    if mapping.shape is not Shape.SCORES:
        required.add(schema.DELTA)
    for role in numeric_roles:
        whole_row = role in required and mapping.shape is not Shape.WIDE
        effect = Effect.ROW if whole_row else Effect.VALUE
        values, found, bad = _numbers(cells, role, file, role in required, decimal, effect,
                                      parsed.texts[role], readings[role])
        parsed.problems += found
        parsed.usable &= ~bad
        if role != schema.N_ITEMS:  # counts have their own rule (`_counts`)
            values, found, bad = _in_range(values, cells, role, file, role in required, effect)
            parsed.problems += found
            parsed.usable &= ~bad
        parsed.values[role] = values
    if schema.N_ITEMS in parsed.values:
        parsed.values[schema.N_ITEMS], found = _counts(parsed.values[schema.N_ITEMS], cells, file)
        parsed.problems += found
    if mapping.shape is Shape.SCORES:
        percent = any(percent_only(parsed.texts[r].strings)
                      for r in (schema.BASELINE, schema.TREATMENT))
        found, notes, bad = _scores_to_delta(parsed.values, cells, options.delta_kind, file,
                                             parsed.usable, percent)
        parsed.problems += found
        parsed.notes += notes
        parsed.usable &= ~bad
    return parsed


def validate(raw: RawTable, mapping: Mapping, options: Options = Options()) -> Report:
    """The report for `raw` read through `mapping`, with a clean contract table when usable."""
    file = raw.file
    missing_roles = mapping.missing()
    if missing_roles:
        problems = tuple(Problem(Kind.MISSING_COLUMN, MISSING_MESSAGES[role], file)
                         for role in missing_roles)
        return Report(file, raw.rows_read, 0, problems + raw.problems, raw.notes,
                      shape=mapping.shape)
    cells = to_cells(raw.frame, mapping)
    baseline_rows = _baseline_rows(cells, file) if mapping.shape is Shape.SCORES else None
    if baseline_rows is not None:
        cells = baseline_rows.cells
    notes = list(raw.notes)
    unused = [c for c in raw.frame.columns if c not in mapping.used_columns()]
    if unused:
        notes.append(f"Column(s) not used: {names_phrase(unused)}.")
    parsed = _parse(cells, mapping, options, file)
    problems = Found.of(raw.problems) + parsed.problems
    used_baselines = np.zeros(0, dtype=np.int64)
    if baseline_rows is not None:
        used_baselines, idle = baseline_rows.used(parsed.usable, file)
        problems += baseline_rows.problems + Found.of(idle)
        notes += [n for n in (_baseline_note(used_baselines),) if n]
    notes += parsed.notes
    if not parsed.usable.any():
        problems += Found.of([Problem(Kind.NO_ROWS_LEFT, "no row can be used: every row has a "
                                      "problem listed here", file)])
        listed, unlisted = _listed(problems)
        return Report(file, raw.rows_read, 0, listed, tuple(notes), shape=mapping.shape,
                      unlisted=unlisted)

    contract = _contract(cells, parsed)
    kept = _distinct_rows(contract.rows) + len(used_baselines)
    notes += [n for n in (_rename_note(k, v) for k, v in contract.renamed.items()) if n]
    notes += [n for n in (_empty_conditions(parsed, contract),) if n]
    found, n_pairs = _duplicates(contract, cells, file, options.duplicates)
    listed, unlisted = _listed(problems + found)
    stop = bool(n_pairs) and options.duplicates is DuplicatePolicy.STOP
    table = None
    if n_pairs and not stop:
        merged = _merge(contract.frame(), contract.pairs.numbers)
        table = schema.conform(merged.drop(columns=ROW))
        pair = "model × dataset" + (" × condition" if contract.conditions is not None else "")
        notes.append(f"{n_pairs} repeated {pair} pair(s) are averaged into one value "
                     "each; their intervals and item counts are left out.")
    elif not stop:
        table = contract.conformed()
    return Report(file, raw.rows_read, kept, listed, tuple(notes),
                  table=table,
                  shape=mapping.shape, y_title=_y_title(mapping, parsed, options.delta_kind),
                  duplicate_pairs=n_pairs, unlisted=unlisted, renamed=contract.renamed)
