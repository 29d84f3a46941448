"""The shapes a results table comes in, how to tell them apart, and how each maps onto the
contract's long form.

Every shape is a `Shape` member with a detector in `DETECTORS`, the one registry: `detect` tries
them in order on what is known of a file (`Evidence`: its column names, their alias matches and
its first rows) and returns the first match. Two kinds of shapes follow:

- mapped shapes (`MAPPED_SHAPES`: long, baseline/treatment scores, wide) have the roles they need
  (`REQUIRED_ROLES`) and a converter (`CONVERTERS`, via `to_cells`); the user can correct their
  mapping, and `lib.ingest.validation` checks the cells;
- item shapes (`ITEM_SHAPES`: per-item outcomes, per-arm scores with n) are aggregated to
  contract rows with intervals by `lib.ingest.items`.

A new shape plugs in with a member, a detector in `DETECTORS` and either a converter or an
aggregation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from lib.core import schema
from lib.ingest.columns import (ITEM, RUN, figure_dataset, is_aggregate_column, match_columns,
                                treatment_when_numeric)
from lib.ingest.items.checks import FALSE_WORDS, TRUE_WORDS
from lib.ingest.items.columns import (ARM_ROLES, COUNTS_ROLES, OUTCOME, PER_ITEM_ROLES,
                                      arm_columns, arm_role_columns, counts_columns, csv_head,
                                      csv_header, per_item_columns, role_columns)
from lib.ingest.numbers import decimal_mark, missing, number_text, numeric_share
from lib.ingest.problems import clip, names_phrase


class Shape(StrEnum):
    """The accepted shapes of a results table."""

    LONG = "long"
    SCORES = "scores"
    WIDE = "wide"
    PER_ITEM = "per_item"
    COUNTS = "counts"
    PER_ITEM_ARMS = "per_item_arms"


MAPPED_SHAPES: tuple[Shape, ...] = (Shape.LONG, Shape.SCORES, Shape.WIDE)
"""Shapes turned into cells by a column mapping the user can correct, then validated."""
ITEM_SHAPES: tuple[Shape, ...] = (Shape.PER_ITEM, Shape.COUNTS, Shape.PER_ITEM_ARMS)
"""Shapes aggregated to contract rows with intervals (`lib.ingest.items`)."""

SHAPE_TITLES: dict[Shape, str] = {
    Shape.LONG: "Long: one row per model and dataset, with Δ",
    Shape.SCORES: "Long with baseline and treatment scores (Δ computed)",
    Shape.WIDE: "Wide: a model column and one column per dataset",
    Shape.PER_ITEM: "Per item: one row per model, dataset and item, with both outcomes",
    Shape.COUNTS: "Per-arm scores with the number of items (no item column)",
    Shape.PER_ITEM_ARMS: "Per item, arms in rows: one row per model, dataset, item and arm, "
                         "with its outcome",
}


class DeltaKind(StrEnum):
    """How Δ is computed from baseline and treatment scores."""

    POINTS = "points"
    RELATIVE = "relative"


DELTA_KIND_TITLES: dict[DeltaKind, str] = {
    DeltaKind.POINTS: "Absolute points: treatment − baseline",
    DeltaKind.RELATIVE: "Relative %: (treatment − baseline) / baseline × 100",
}
Y_TITLES: dict[DeltaKind, str] = {DeltaKind.POINTS: schema.Y_POINTS,
                                   DeltaKind.RELATIVE: schema.Y_RELATIVE}

ROLE_LABELS: dict[str, str] = {
    schema.MODEL: "model", schema.DATASET: "dataset", schema.DELTA: "Δ",
    schema.BASELINE: "baseline score", schema.TREATMENT: "treatment score",
    schema.CATEGORY: "category", schema.CI_LOW: "interval low", schema.CI_HIGH: "interval high",
    schema.N_ITEMS: "number of items", ITEM: "item", RUN: "run", schema.CONDITION: "condition",
    OUTCOME: "outcome",
}

REQUIRED_ROLES: dict[Shape, tuple[str, ...]] = {
    Shape.LONG: (schema.MODEL, schema.DATASET, schema.DELTA),
    Shape.SCORES: (schema.MODEL, schema.DATASET, schema.BASELINE, schema.TREATMENT),
    Shape.WIDE: (schema.MODEL,),
    Shape.PER_ITEM: PER_ITEM_ROLES,
    Shape.COUNTS: COUNTS_ROLES,
    Shape.PER_ITEM_ARMS: ARM_ROLES,
}
OPTIONAL_ROLES: dict[Shape, tuple[str, ...]] = {
    Shape.LONG: (schema.CATEGORY, schema.CONDITION, schema.BASELINE, schema.TREATMENT,
                 schema.CI_LOW, schema.CI_HIGH, schema.N_ITEMS),
    Shape.SCORES: (schema.CATEGORY, schema.CONDITION, schema.N_ITEMS),
    Shape.WIDE: (schema.CATEGORY, schema.CONDITION),
    Shape.PER_ITEM: (RUN, schema.CATEGORY),
    Shape.COUNTS: (schema.CATEGORY,),
    Shape.PER_ITEM_ARMS: (RUN, schema.CATEGORY),
}
NUMERIC_ROLES: tuple[str, ...] = (schema.DELTA, schema.BASELINE, schema.TREATMENT, schema.CI_LOW,
                                  schema.CI_HIGH, schema.N_ITEMS)

DATASET_COLUMNS = "dataset_columns"
"""What a wide mapping lacks when it names no dataset column."""

ROW = "row"
"""Column of a cells frame: the row number in the file each cell comes from."""


def origin(role: str) -> str:
    """Column of a cells frame naming the file column that `role`'s cell comes from."""
    return f"{role}__from"


@dataclass(frozen=True)
class Mapping:
    """Which file column plays which contract role, for a given shape.

    `roles` maps contract column names to file column names; `dataset_columns` lists the
    per-dataset columns of a wide table.
    """

    shape: Shape
    roles: dict[str, str] = field(default_factory=dict)
    dataset_columns: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """The roles this mapping still lacks for its shape (`DATASET_COLUMNS` for a wide table
        without dataset columns)."""
        lacking = [r for r in REQUIRED_ROLES[self.shape] if r not in self.roles]
        if self.shape is Shape.WIDE and not self.dataset_columns:
            lacking.append(DATASET_COLUMNS)
        return lacking

    def used_columns(self) -> list[str]:
        """File columns this mapping reads."""
        return list(dict.fromkeys([*self.roles.values(), *self.dataset_columns]))


@dataclass(frozen=True)
class Detection:
    """The mapping a file most likely follows; `sure` is False when a person should check it."""

    mapping: Mapping
    sure: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the detectors know about a file: its columns, their alias matches and its first
    rows (None when only the names are known)."""

    columns: tuple[str, ...]
    matches: dict[str, list[str]]
    head: pd.DataFrame | None = None

    @cached_property
    def numeric(self) -> dict[str, bool]:
        """Per column, whether half of its first values read as numbers (worked out when a
        detector first asks)."""
        numeric = dict.fromkeys(self.columns, False)
        if self.head is not None:
            for at, column in reversed(list(enumerate(self.columns))):  # the first name wins
                numeric[column] = numeric_share(self.head.iloc[:, at]) >= 0.5
        return numeric

    def free(self, taken: dict[str, str], numeric: bool) -> list[str]:
        """Columns not yet given a role whose values are (or are not) numeric."""
        used = set(taken.values())
        return [c for c in self.columns if c not in used and self.numeric[c] == numeric]


def gather_evidence(frame: pd.DataFrame, sample: int = 500) -> Evidence:
    """The columns of `frame`, their alias matches, and its first `sample` rows."""
    columns = tuple(str(c) for c in frame.columns)
    return Evidence(columns, match_columns(list(columns)), frame.head(sample))


def evidence_of(source: bytes | pd.DataFrame | pa.Table | Sequence[str]) -> Evidence:
    """`Evidence` of a frame, an Arrow table, delimited bytes (their header and first 16 kB,
    read without reading the rest) or bare column names (no values)."""
    if isinstance(source, pd.DataFrame):
        return gather_evidence(source)
    if isinstance(source, pa.Table):
        return gather_evidence(source.slice(0, 500).to_pandas())
    if isinstance(source, bytes):
        head = csv_head(source)
        if head is not None:
            return gather_evidence(head)
        source = csv_header(source)[0]
    names = tuple(str(c) for c in source)
    return Evidence(names, match_columns(list(names)))


def _role_matches(evidence: Evidence) -> dict[str, list[str]]:
    """The alias matches, with a numeric column named like both the condition and the treatment
    ("intervention", "variant") read as the treatment's score: a condition is a name."""
    found = evidence.matches
    both = [c for c in found.get(schema.CONDITION, []) if treatment_when_numeric(c)]
    numeric = [c for c in both if evidence.numeric[c]]
    if not numeric:
        return found
    found = {role: list(columns) for role, columns in found.items()}
    found[schema.CONDITION] = [c for c in found[schema.CONDITION] if c not in numeric]
    found[schema.TREATMENT] = [*found.get(schema.TREATMENT, []), *numeric]
    return {role: columns for role, columns in found.items() if columns}


def _pick_matches(evidence: Evidence, roles: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The first matching column per role, and a reason for each role matched more than once."""
    chosen: dict[str, str] = {}
    reasons: list[str] = []
    matches = _role_matches(evidence)
    for role in roles:
        columns = [c for c in matches.get(role, []) if c not in chosen.values()]
        if columns:
            chosen[role] = columns[0]
        if len(columns) > 1:
            reasons.append(f"Several columns could be the {ROLE_LABELS[role]}: "
                           f"{names_phrase(columns)}. The first is used; check it below.")
    return chosen, reasons


def _guess(roles: dict[str, str], role: str, candidates: list[str], reasons: list[str]) -> None:
    """Give `role` the first candidate column (if any), with a reason saying it is a guess."""
    if candidates:
        roles[role] = candidates[0]
        reasons.append(f"No column is named like the {ROLE_LABELS[role]}; "
                       f"“{clip(candidates[0])}” is a guess. Check it below.")
    else:
        reasons.append(f"No column can be the {ROLE_LABELS[role]}. Pick one below.")


def _detect_long(evidence: Evidence) -> Detection | None:
    """Long or scores shape: there is a dataset column, or a Δ or score column."""
    found = _role_matches(evidence)
    measures = {schema.DELTA, schema.BASELINE, schema.TREATMENT}
    if schema.DATASET not in found and not measures & set(found):
        return None
    roles, reasons = _pick_matches(evidence, tuple(schema.CONTRACT_COLUMNS))
    scores = schema.DELTA not in roles and schema.BASELINE in roles and schema.TREATMENT in roles
    shape = Shape.SCORES if scores else Shape.LONG
    if schema.MODEL not in roles:
        _guess(roles, schema.MODEL, evidence.free(roles, numeric=False), reasons)
    if schema.DATASET not in roles:
        _guess(roles, schema.DATASET, evidence.free(roles, numeric=False), reasons)
    if shape is Shape.LONG and schema.DELTA not in roles:
        _guess(roles, schema.DELTA, evidence.free(roles, numeric=True), reasons)
    allowed = set(REQUIRED_ROLES[shape]) | set(OPTIONAL_ROLES[shape])
    roles = {r: c for r, c in roles.items() if r in allowed}
    return Detection(Mapping(shape, roles), sure=not reasons, reasons=tuple(reasons))


def _detect_wide(evidence: Evidence) -> Detection | None:
    """Wide shape: a model column and numeric columns, one per dataset."""
    roles, reasons = _pick_matches(evidence, (schema.MODEL, schema.CATEGORY, schema.CONDITION))
    if schema.MODEL not in roles:
        _guess(roles, schema.MODEL, evidence.free(roles, numeric=False), reasons)
    free = [c for c in evidence.columns if c not in roles.values() and not is_aggregate_column(c)]
    values = [c for c in free if evidence.numeric[c] or figure_dataset(c)]
    left_out = [c for c in free if c not in values]
    if not values:
        return None
    if left_out and schema.MODEL not in evidence.matches and not any(map(figure_dataset, values)):
        return None  # two text columns and numbers, nothing named: long is the likelier guess
    if left_out:
        reasons.append(f"Column(s) {names_phrase(left_out)} hold text that is neither a model "
                       "nor a category; they are left out. Check the mapping below.")
    return Detection(Mapping(Shape.WIDE, roles, tuple(values)), sure=not reasons,
                     reasons=tuple(reasons))


def _fallback(evidence: Evidence) -> Detection:
    """No shape fits: a long mapping of whatever can be guessed, for the user to complete."""
    roles: dict[str, str] = {}
    reasons = ["The columns do not say which shape the table has. Map them below."]
    for role, numeric in ((schema.MODEL, False), (schema.DATASET, False), (schema.DELTA, True)):
        free = evidence.free(roles, numeric)
        if free:
            roles[role] = free[0]
    return Detection(Mapping(Shape.LONG, roles), sure=False, reasons=tuple(reasons))


def _mostly_above_one(values: pd.Series) -> bool:
    """Whether most non-empty values read as numbers above 1 (scores such as 62.5, not
    outcomes), by the app's number rules (`lib.ingest.numbers`), column-wise."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_string(values.dtype.pyarrow_dtype):
        strings = pa.array(values.array).drop_null()  # a CSV's first rows, read as text
    else:
        strings = pa.array(values.dropna().astype(str).to_numpy(dtype=object), pa.string())
    reading = number_text(strings)
    numbers, read = reading.numbers(decimal_mark([reading]))
    present = len(strings) - int(missing(strings).sum())
    return present > 0 and int((read & (numbers > 1)).sum()) / present > 0.5


def _detect_per_item(evidence: Evidence) -> Detection | None:
    """Per-item outcomes: model, dataset, item and both arms are named, and the arms (where
    values are known) hold outcomes, not scores above 1 (an item-like column is then a row id)."""
    cols = per_item_columns(evidence.columns)
    if cols is None:
        return None
    if evidence.head is not None and any(_mostly_above_one(evidence.head[c])
                                         for c in (cols.baseline, cols.treatment)):
        return None
    roles = {r: c for r, c in role_columns(evidence.columns).items()
             if r in PER_ITEM_ROLES or r in OPTIONAL_ROLES[Shape.PER_ITEM]}
    return Detection(Mapping(Shape.PER_ITEM, roles), sure=True)


def _detect_counts(evidence: Evidence) -> Detection | None:
    """Per-arm scores with n: model, dataset, both arms and n are named, and no item column
    (unless the per-item detector found its arms to hold scores: it is then a row id)."""
    if counts_columns(evidence.columns,
                      allow_item=per_item_columns(evidence.columns) is not None) is None:
        return None
    roles = {r: c for r, c in role_columns(evidence.columns).items()
             if r in COUNTS_ROLES or r in OPTIONAL_ROLES[Shape.COUNTS]}
    return Detection(Mapping(Shape.COUNTS, roles), sure=True)


def _mostly_outcomes(values: pd.Series) -> bool:
    """Whether most non-empty values are outcomes: 0/1, true/false words, or numbers in
    [0, 1] (by the app's number rules)."""
    strings = pa.array(values.dropna().astype(str).to_numpy(dtype=object), pa.string())
    reading = number_text(strings)
    numbers, read = reading.numbers(decimal_mark([reading]))
    words = pc.is_in(pc.ascii_lower(pc.utf8_trim_whitespace(strings)),
                     value_set=pa.array(TRUE_WORDS + FALSE_WORDS)).to_numpy(zero_copy_only=False)
    present = len(strings) - int(missing(strings).sum())
    fits = (read & (numbers >= 0) & (numbers <= 1)) | words
    return present > 0 and int(fits.sum()) / present > 0.5


def _detect_per_item_arms(evidence: Evidence) -> Detection | None:
    """Per-item outcomes with the arms in rows: model, dataset, item, an arm (condition) column
    and an outcome column are named, no baseline and treatment columns are (then the arms are
    in columns), and the outcomes (where values are known) are 0/1, true/false or scores in
    [0, 1]."""
    cols = arm_columns(evidence.columns)
    if cols is None:
        return None
    if evidence.head is not None:
        outcome = evidence.head.iloc[:, evidence.columns.index(cols.outcome)]
        if outcome.notna().any() and not _mostly_outcomes(outcome):
            return None
    roles = {r: c for r, c in arm_role_columns(evidence.columns).items()
             if r in ARM_ROLES or r in OPTIONAL_ROLES[Shape.PER_ITEM_ARMS]}
    return Detection(Mapping(Shape.PER_ITEM_ARMS, roles), sure=True)


DETECTORS: list[Callable[[Evidence], Detection | None]] = [
    _detect_per_item, _detect_counts, _detect_per_item_arms, _detect_long, _detect_wide]
"""The one registry of shapes, tried in order; the first that recognises the file wins. The
item shapes come first: their columns also fit the long shape's aliases. Arms in rows come
after the two-arm shapes: a file with a baseline and a treatment column is one of those."""


def detect(source: pd.DataFrame | Evidence,
           among: Collection[Shape] = tuple(Shape)) -> Detection:
    """The shape (one of `among`: by default any) and column mapping a frame, or what is known
    of a file, most likely follows; a long mapping to complete when no detector knows it."""
    evidence = source if isinstance(source, Evidence) else gather_evidence(source)
    for detector in DETECTORS:
        found = detector(evidence)
        if found is not None and found.mapping.shape in among:
            return found
    return _fallback(evidence)


# --- converters: a file's frame to one row per model × dataset cell group ------------------------

def _constant(value: str, n: int) -> pd.Categorical:
    """`value` repeated `n` times, stored once."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _long_cells(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The mapped columns renamed to their roles, with each cell's origin and row."""
    cells = pd.DataFrame({ROW: frame.index.to_numpy()})
    for role, column in mapping.roles.items():
        cells[role] = frame[column].array
        cells[origin(role)] = _constant(column, len(frame))
    return cells


def _stacked(frame: pd.DataFrame, columns: tuple[str, ...]) -> object:
    """The cells of `columns`, row by row (row 1's columns, then row 2's, ...)."""
    arrays = [frame[c].array for c in columns]
    n, k = len(frame), len(columns)
    if all(isinstance(a, ArrowStringArray) for a in arrays):
        order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).ravel()
        chunks = [pa.array(a) for a in arrays]
        stacked = pa.chunked_array([c for a in chunks for c in getattr(a, "chunks", [a])],
                                   type=chunks[0].type).take(pa.array(order))
        return pd.array(stacked, dtype=arrays[0].dtype)
    return np.column_stack([np.asarray(a, dtype=object) for a in arrays]).ravel()


def _wide_cells(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """One row per model row × dataset column; the column header is the dataset name."""
    ids = {r: c for r, c in mapping.roles.items()
           if r in (schema.MODEL, schema.CATEGORY, schema.CONDITION)}
    columns = mapping.dataset_columns
    n, k = len(frame), len(columns)
    each_row = np.repeat(np.arange(n), k)
    cells = pd.DataFrame({ROW: frame.index.to_numpy()[each_row]})
    for role, source in ids.items():
        cells[role] = frame[source].array.take(each_row)
        cells[origin(role)] = _constant(source, n * k)
    dataset = pd.Categorical.from_codes(np.tile(np.arange(k), n), categories=list(columns))
    cells[schema.DATASET] = dataset
    cells[origin(schema.DATASET)] = dataset
    cells[schema.DELTA] = _stacked(frame, columns)
    cells[origin(schema.DELTA)] = dataset
    return cells


CONVERTERS: dict[Shape, Callable[[pd.DataFrame, Mapping], pd.DataFrame]] = {  # mapped shapes
    Shape.LONG: _long_cells,
    Shape.SCORES: _long_cells,
    Shape.WIDE: _wide_cells,
}


def to_cells(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The file's cells in long form: a `row` column, one column per mapped role (cells as read)
    and, per role, the file column it came from (`origin(role)`). Raises KeyError if the
    mapping names a column the frame lacks."""
    absent = [c for c in mapping.used_columns() if c not in frame.columns]
    if absent:
        raise KeyError(f"no column(s) {', '.join(absent)}")
    return CONVERTERS[mapping.shape](frame, mapping)
