"""The data contract: one row per model × dataset (× condition, when a table has several),
with Δ against the baseline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

MODEL = "model"
DATASET = "dataset"
DELTA = "delta"
CATEGORY = "category"
BASELINE = "baseline"
TREATMENT = "treatment"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"
N_ITEMS = "n"
P_VALUE = "p_value"
P_ADJUSTED = "p_adjusted"
SIGNIFICANT = "significant"
"""True where the p-value, corrected across all cells, is below alpha."""
INTERVAL_METHOD = "interval_method"
"""How a row's interval was made (e.g. the unpaired approximation); per-item uploads only."""
CONDITION = "condition"
"""The intervention a row measures (a method, a round, a prompt), when a table has several:
rows that differ only by condition are different measurements, never duplicates."""
NO_CONDITION = ""
"""The condition of a row from a table without conditions (the figure's, beside an upload)."""
SOURCE = "source"
"""Which table a row comes from when an upload is compared with the figure."""

REQUIRED_COLUMNS: tuple[str, ...] = (MODEL, DATASET, DELTA)
OPTIONAL_COLUMNS: tuple[str, ...] = (CATEGORY, CONDITION, BASELINE, TREATMENT, CI_LOW, CI_HIGH,
                                     N_ITEMS)
CONTRACT_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

Y_PERCENT = "Δ (%)"
"""Axis title of Δ in percent: the figure's unit."""
Y_POINTS = "Δ (points)"
"""Axis title of Δ in percentage points (treatment − baseline accuracy, as per-item files give)."""
Y_RELATIVE = "Δ (% relative)"
"""Axis title of Δ relative to the baseline score."""
Y_AS_GIVEN = "Δ (as in your file)"
"""Axis title when a file does not say its unit."""
Y_TITLE = Y_PERCENT
"""The default axis title: the bundled figure's."""

UNSPECIFIED_CATEGORY = "Unspecified"
"""Category given to rows whose table has no category column (or an empty cell)."""


def ordered_unique(values: Iterable[str], preferred: Sequence[str] = ()) -> list[str]:
    """Distinct values: those in `preferred` first, in its order, then the rest as first seen."""
    if isinstance(values, pd.Series):  # found in C: a column of millions of rows takes ms, not s
        present = pd.unique(values).tolist()
    else:
        present = list(dict.fromkeys(values))
    seen = set(present)
    head = [v for v in preferred if v in seen]
    head_set = set(head)
    return head + [v for v in present if v not in head_set]


def conform(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` with the contract's dtypes and a category on every row.

    Expects the required columns to be present; extra columns are kept after the contract's.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise KeyError(f"missing required column(s): {', '.join(missing)}")
    out = table.copy()
    out[MODEL] = out[MODEL].astype(str)
    out[DATASET] = out[DATASET].astype(str)
    out[DELTA] = pd.to_numeric(out[DELTA]).astype("float64")
    if CATEGORY not in out.columns:
        out[CATEGORY] = UNSPECIFIED_CATEGORY
    out[CATEGORY] = out[CATEGORY].astype("string").fillna(UNSPECIFIED_CATEGORY).astype(str)
    out.loc[out[CATEGORY].str.strip() == "", CATEGORY] = UNSPECIFIED_CATEGORY
    if CONDITION in out.columns:
        out[CONDITION] = out[CONDITION].astype("string").fillna(NO_CONDITION).astype(str)
    for col in (BASELINE, TREATMENT, CI_LOW, CI_HIGH):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col]).astype("float64")
    if N_ITEMS in out.columns:
        out[N_ITEMS] = pd.to_numeric(out[N_ITEMS]).astype("Int64")
    first = [c for c in CONTRACT_COLUMNS if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)
