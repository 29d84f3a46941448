"""The validation as it was before the column-wise rewrite: every cell read one by one.

Kept as the reference the column-wise `lib.ingest.validation` must agree with exactly (same problems,
notes, counts and table); see tests/test_fast_ingest.py. Not used by the app.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import schema
from lib.ingest.columns import (NotANumber, detect_decimal, dataset_names, is_missing, model_names,
                         parse_number, unit_hint)
from lib.ingest.problems import MAX_NAMES_SHOWN, Effect, Kind, Problem, clip, rows_phrase
from lib.ingest.read.raw import RawTable
from lib.ingest.shapes import (NUMERIC_ROLES, REQUIRED_ROLES, ROLE_LABELS, ROW, Y_TITLES, DeltaKind,
                        Mapping, Shape, origin, to_cells)
from lib.ingest.validation import (MAX_COUNT, MAX_LISTED, MAX_MAGNITUDE, MISSING_MESSAGES,
                            DuplicatePolicy, Options, Report)


# --- cells ---------------------------------------------------------------------------------------

def _names(cells: pd.DataFrame, role: str, file: str) -> tuple[pd.Series, list[Problem], pd.Series]:
    """`role`'s cells as stripped text, an empty-cell problem per blank one, and where they are."""
    problems = []
    values = []
    for row, column, value in zip(cells[ROW], cells[origin(role)], cells[role]):
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) \
            else str(value).strip()
        if not text:
            problems.append(Problem(Kind.EMPTY_CELL, f"empty cell: no {ROLE_LABELS[role]} name",
                                    file, int(row), column, Effect.ROW))
        values.append(text)
    names = pd.Series(values, index=cells.index, dtype=object)
    return names, problems, names == ""


def _number_problem(value: object, row: int, column: str, label: str, file: str,
                    required: bool, decimal: str, effect: Effect) -> tuple[float, Problem | None]:
    """The cell as a number (NaN when unusable) and the problem with it, if any."""
    try:
        number = parse_number(value, decimal)
    except NotANumber:
        return math.nan, Problem(Kind.NOT_A_NUMBER, f"not a number: “{clip(value)}” "
                                 f"(the {label} must be a number)", file, row, column, effect)
    if math.isnan(number):
        if not required:
            return math.nan, None
        blank = value is None or isinstance(value, float) or not str(value).strip()
        message = f"empty cell: no {label}" if blank else \
            f"empty cell: “{clip(value)}” means no {label}"
        return math.nan, Problem(Kind.EMPTY_CELL, message, file, row, column, effect)
    if math.isinf(number):
        return math.nan, Problem(Kind.INFINITE, f"infinite value: “{clip(value)}” (the "
                                 f"{label} must be finite)", file, row, column, effect)
    if abs(number) > MAX_MAGNITUDE and label != ROLE_LABELS[schema.N_ITEMS]:
        return math.nan, Problem(Kind.OUT_OF_RANGE, f"value out of range: {number:g} (the {label} "
                                 f"must lie between −{MAX_MAGNITUDE:,.0f} and "
                                 f"{MAX_MAGNITUDE:,.0f})", file, row, column, effect)
    return number, None


def _numbers(cells: pd.DataFrame, role: str, file: str, required: bool, decimal: str,
             effect: Effect) -> tuple[pd.Series, list[Problem], pd.Series]:
    """`role`'s cells as floats (NaN where unusable), a problem per unusable cell, and a mask of
    the rows it makes unusable (none for an optional role).

    Cells that pandas reads as finite numbers take a fast path; only the rest (signs, percent
    signs, decimal commas, missing and bad values) are read one by one.
    """
    raw = cells[role].to_numpy(dtype=object)
    booleans = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
    fast = pd.to_numeric(pd.Series(np.where(booleans, None, raw), dtype=object),
                         errors="coerce").to_numpy(dtype="float64")
    done = np.isfinite(fast) & ~booleans
    if role != schema.N_ITEMS:
        done &= np.abs(np.where(done, fast, 0.0)) <= MAX_MAGNITUDE
    values = np.where(done, fast, np.nan)
    bad = np.zeros(len(raw), dtype=bool)
    problems: list[Problem] = []
    rows, origins = cells[ROW].to_numpy(), cells[origin(role)].to_numpy(dtype=object)
    for i in np.flatnonzero(~done):
        values[i], problem = _number_problem(raw[i], int(rows[i]), origins[i], ROLE_LABELS[role],
                                             file, required, decimal, effect)
        if problem:
            problems.append(problem)
            bad[i] = required
    return (pd.Series(values, index=cells.index), problems, pd.Series(bad, index=cells.index))


def _counts(values: pd.Series, cells: pd.DataFrame, file: str) -> tuple[pd.Series, list[Problem]]:
    """Item counts that are not whole, non-negative numbers, left out and listed."""
    bad = values.notna() & ((values < 0) | (values % 1 != 0) | (values > MAX_COUNT))
    problems = [Problem(Kind.BAD_COUNT, f"the number of items must be a whole number ≥ 0, not "
                        f"{values[i]:g}", file, int(cells.at[i, ROW]),
                        cells.at[i, origin(schema.N_ITEMS)], Effect.VALUE)
                for i in cells.index[bad]]
    return values.where(~bad), problems


# --- scores to Δ ---------------------------------------------------------------------------------

def _scores_to_delta(values: dict[str, pd.Series], cells: pd.DataFrame, kind: DeltaKind,
                     file: str, usable: pd.Series) -> tuple[list[Problem], list[str], pd.Series]:
    """Adds Δ to `values` from baseline and treatment. Returns the problems (zero baselines of a
    relative Δ), notes on how Δ was computed, and the rows those problems make unusable."""
    base, treat = values[schema.BASELINE], values[schema.TREATMENT]
    notes: list[str] = []
    present = pd.concat([base[usable], treat[usable]]).dropna()
    if len(present) and present.between(0, 1).all() and (present % 1 != 0).any():
        base, treat = base * 100, treat * 100
        values[schema.BASELINE], values[schema.TREATMENT] = base, treat
        notes.append("All scores lie between 0 and 1, so they are read as fractions and shown "
                     "as percentages (0.82 is 82).")
    zero = pd.Series(False, index=cells.index)
    if kind is DeltaKind.RELATIVE:
        zero = usable & (base == 0)
        delta = (treat - base) / base.where(base != 0) * 100
        notes.append("Δ is relative: (treatment − baseline) / baseline × 100.")
    else:
        delta = treat - base
        notes.append("Δ is in absolute points: treatment − baseline.")
    far = usable & ~zero & (delta.abs() > MAX_MAGNITUDE)
    values[schema.DELTA] = delta.where(~far)
    problems = [Problem(Kind.ZERO_BASELINE, "the baseline score is 0, so a relative Δ is "
                        "undefined", file, int(cells.at[i, ROW]),
                        cells.at[i, origin(schema.BASELINE)], Effect.ROW)
                for i in cells.index[zero]]
    problems += [Problem(Kind.OUT_OF_RANGE, f"the Δ computed from the scores is {delta[i]:g}, "
                         f"beyond ±{MAX_MAGNITUDE:,.0f}", file, int(cells.at[i, ROW]),
                         cells.at[i, origin(schema.BASELINE)], Effect.ROW)
                 for i in cells.index[far]]
    return problems, notes, zero | far


# --- duplicates ----------------------------------------------------------------------------------

def _duplicates(table: pd.DataFrame, file: str, model_from: pd.Series,
                policy: DuplicatePolicy) -> tuple[list[Problem], int]:
    """A problem per repeated model × dataset pair, at its first row, and the number of pairs."""
    keys = [schema.MODEL, schema.DATASET]
    repeated = table[table.duplicated(keys, keep=False)]
    effect = Effect.MERGED if policy is DuplicatePolicy.MEAN else Effect.STOPPED
    problems: list[Problem] = []
    for (model, dataset), group in repeated.groupby(keys, sort=False):
        rows = rows_phrase(group[ROW].to_numpy())
        i, row = group.index[0], group[ROW].iloc[0]
        problems.append(Problem(
            Kind.DUPLICATE, f"the pair “{clip(model)}” × “{clip(dataset)}” "
            f"appears {len(group):,} times ({rows})", file, int(row), model_from[i], effect))
    return problems, repeated.groupby(keys, sort=False).ngroups


def merge_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """One row per model × dataset: numbers averaged, the first category kept; intervals and
    item counts of merged pairs are left out (the mean of intervals is not an interval)."""
    keys = [schema.MODEL, schema.DATASET]
    sizes = table.groupby(keys, sort=False)[schema.DELTA].transform("size")
    numeric = [c for c in (schema.DELTA, schema.BASELINE, schema.TREATMENT, schema.CI_LOW,
                           schema.CI_HIGH, schema.N_ITEMS) if c in table.columns]
    rules = {c: "mean" for c in numeric}
    rules.update({c: "first" for c in table.columns if c not in numeric and c not in keys})
    merged = table.assign(_size=sizes).groupby(keys, sort=False, as_index=False).agg(
        {**rules, "_size": "max"})
    for column in (schema.CI_LOW, schema.CI_HIGH, schema.N_ITEMS):
        if column in merged.columns:
            merged.loc[merged["_size"] > 1, column] = np.nan
    return merged.drop(columns="_size")


# --- the report ----------------------------------------------------------------------------------

def _rename_note(what: str, renamed: dict[str, str]) -> str | None:
    changes = {a: b for a, b in renamed.items() if a != b}
    if not changes:
        return None
    limit = MAX_NAMES_SHOWN
    shown = "; ".join(f"“{clip(a)}” → “{clip(b)}”" for a, b in list(changes.items())[:limit])
    more = f" and {len(changes) - limit:,} more" if len(changes) > limit else ""
    return f"{what} names matched (case, punctuation and common aliases): {shown}{more}."


def _y_title(mapping: Mapping, cells: pd.DataFrame, kind: DeltaKind) -> str:
    if mapping.shape is Shape.SCORES:
        return Y_TITLES[kind]
    hint = unit_hint(mapping.roles[schema.DELTA]) if mapping.shape is Shape.LONG else None
    texts = [v for v in cells[schema.DELTA] if isinstance(v, str) and v.strip()]
    if hint is None and texts and all(v.strip().endswith("%") for v in texts):
        hint = "%"
    return {"%": "Δ (%)", "points": "Δ (points)"}.get(hint or "", schema.Y_AS_GIVEN)


def _listed(problems: list[Problem]) -> tuple[tuple[Problem, ...], int]:
    blocking = [p for p in problems if p.blocking]
    others = [p for p in problems if not p.blocking]
    ordered = blocking + sorted(others, key=lambda p: (p.row or 0))
    return tuple(ordered[:MAX_LISTED]), max(0, len(ordered) - MAX_LISTED)


@dataclass
class _Parsed:
    """The cells of a file read as names and numbers, with what went wrong on the way."""

    values: dict[str, pd.Series]
    usable: pd.Series
    problems: list[Problem]
    notes: list[str]


def _parse(cells: pd.DataFrame, mapping: Mapping, options: Options, file: str) -> _Parsed:
    """Names stripped, numbers parsed, Δ computed from scores; each bad cell a problem."""
    parsed = _Parsed({}, pd.Series(True, index=cells.index), [], [])
    numeric_roles = [r for r in NUMERIC_ROLES if r in cells.columns]
    decimal = detect_decimal(v for r in numeric_roles for v in cells[r])
    if decimal == ",":
        parsed.notes.append("Numbers use a decimal comma (“3,5” is read as 3.5).")
    for role in (schema.MODEL, schema.DATASET):
        parsed.values[role], found, bad = _names(cells, role, file)
        parsed.problems += found
        parsed.usable &= ~bad
    required = set(REQUIRED_ROLES[mapping.shape])
    if mapping.shape is not Shape.SCORES:
        required.add(schema.DELTA)
    for role in numeric_roles:
        whole_row = role in required and mapping.shape is not Shape.WIDE
        effect = Effect.ROW if whole_row else Effect.VALUE
        parsed.values[role], found, bad = _numbers(cells, role, file, role in required, decimal,
                                                   effect)
        parsed.problems += found
        parsed.usable &= ~bad
    if schema.N_ITEMS in parsed.values:
        parsed.values[schema.N_ITEMS], found = _counts(parsed.values[schema.N_ITEMS], cells, file)
        parsed.problems += found
    if mapping.shape is Shape.SCORES:
        found, notes, bad = _scores_to_delta(parsed.values, cells, options.delta_kind, file,
                                             parsed.usable)
        parsed.problems += found
        parsed.notes += notes
        parsed.usable &= ~bad
    return parsed


CONTRACT_ORDER = (schema.MODEL, schema.DATASET, schema.DELTA, schema.CATEGORY, schema.BASELINE,
                  schema.TREATMENT, schema.CI_LOW, schema.CI_HIGH, schema.N_ITEMS)


def _usable_rows(cells: pd.DataFrame, parsed: _Parsed) -> pd.DataFrame:
    """The usable cells as contract columns (plus the file row), names in canonical spelling."""
    table = pd.DataFrame({ROW: cells[ROW]})
    for role in CONTRACT_ORDER:
        if role in parsed.values:
            table[role] = parsed.values[role]
        elif role in cells.columns:
            table[role] = cells[role].map(lambda v: None if is_missing(v) else str(v).strip())
    return table[parsed.usable]


def _canonical_names(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """`table` with model and dataset names matched to the figure's (and to each other's), and
    the renames made, per kind of name."""
    renamed = {"Model": model_names(table[schema.MODEL]),
               "Dataset": dataset_names(table[schema.DATASET])}
    table = table.assign(**{schema.MODEL: table[schema.MODEL].map(renamed["Model"]),
                            schema.DATASET: table[schema.DATASET].map(renamed["Dataset"])})
    return table, {k: {a: b for a, b in v.items() if a != b} for k, v in renamed.items()}


def validate(raw: RawTable, mapping: Mapping, options: Options = Options()) -> Report:
    """The report for `raw` read through `mapping`, with a clean contract table when usable."""
    file = raw.file
    missing = mapping.missing()
    if missing:
        problems = tuple(Problem(Kind.MISSING_COLUMN, MISSING_MESSAGES[role], file)
                         for role in missing)
        return Report(file, raw.rows_read, 0, problems + raw.problems, raw.notes,
                      shape=mapping.shape)
    cells = to_cells(raw.frame, mapping)
    notes = list(raw.notes)
    unused = [c for c in raw.frame.columns if c not in mapping.used_columns()]
    if unused:
        limit = MAX_NAMES_SHOWN
        more = f" and {len(unused) - limit:,} more" if len(unused) > limit else ""
        notes.append(f"Column(s) not used: {', '.join(clip(c) for c in unused[:limit])}{more}.")
    parsed = _parse(cells, mapping, options, file)
    problems = list(raw.problems) + parsed.problems
    notes += parsed.notes
    if not parsed.usable.any():
        problems.append(Problem(Kind.NO_ROWS_LEFT, "no row can be used: every row has a problem "
                                "listed here", file))
        listed, unlisted = _listed(problems)
        return Report(file, raw.rows_read, 0, listed, tuple(notes), shape=mapping.shape,
                      unlisted=unlisted)

    table, renamed = _canonical_names(_usable_rows(cells, parsed))
    kept = table[ROW].nunique()
    notes += [n for n in (_rename_note(k, v) for k, v in renamed.items()) if n]
    found, n_pairs = _duplicates(table, file, cells[origin(schema.MODEL)], options.duplicates)
    listed, unlisted = _listed(problems + found)
    stop = bool(n_pairs) and options.duplicates is DuplicatePolicy.STOP
    if n_pairs and not stop:
        table = merge_duplicates(table)
        notes.append(f"{n_pairs} repeated model × dataset pair(s) are averaged into one value "
                     "each; their intervals and item counts are left out.")
    return Report(file, raw.rows_read, kept, listed, tuple(notes),
                  table=None if stop else schema.conform(table.drop(columns=ROW)),
                  shape=mapping.shape, y_title=_y_title(mapping, cells, options.delta_kind),
                  duplicate_pairs=n_pairs, unlisted=unlisted, renamed=renamed)
