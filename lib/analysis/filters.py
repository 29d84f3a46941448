"""Filtering a contract table by models, categories and datasets."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from lib.core import schema


def apply_filters(table: pd.DataFrame, models: Collection[str], categories: Collection[str],
                  datasets: Collection[str]) -> pd.DataFrame:
    """The rows whose model, category and dataset are all among the chosen ones."""
    keep = (
        table[schema.MODEL].isin(list(models))
        & table[schema.CATEGORY].isin(list(categories))
        & table[schema.DATASET].isin(list(datasets))
    )
    return table.loc[keep].reset_index(drop=True)


DEFAULT_MODEL_LIMIT = 20
"""With more models than this, a default view shows the ones with the largest mean |Δ|."""


def top_models(table: pd.DataFrame, n: int) -> list[str]:
    """The `n` models with the largest mean |Δ| across their datasets (ties: first seen first)."""
    strength = table[schema.DELTA].abs().groupby(table[schema.MODEL], sort=False).mean()
    return list(strength.sort_values(ascending=False, kind="stable").index[:n])


MAX_MODEL_OPTIONS = 5_000
"""Models a picker lists at most: a browser fails to draw a list of 200,000 options (its
script runs out of stack), and sending them on every rerun costs seconds."""


def model_options(models: list[str], table: pd.DataFrame,
                  limit: int = MAX_MODEL_OPTIONS) -> list[str]:
    """`models` (in their order) as a picker lists them: all of them, or, when there are more
    than `limit`, the `limit` with the largest mean |Δ|."""
    if len(models) <= limit:
        return models
    listed = frozenset(top_models(table, limit))
    return [m for m in models if m in listed]


def default_models(table: pd.DataFrame, limit: int = DEFAULT_MODEL_LIMIT) -> list[str] | None:
    """The models a view shows before the user picks: None for all of them, or, when there are
    more than `limit`, the `limit` with the largest mean |Δ| (in table order)."""
    if table[schema.MODEL].nunique() <= limit:
        return None
    strongest = set(top_models(table, limit))
    return [m for m in pd.unique(table[schema.MODEL]) if m in strongest]


def default_view(table: pd.DataFrame, limit: int = DEFAULT_MODEL_LIMIT) -> pd.DataFrame:
    """`table` as a view shows it before the user picks (`default_models`)."""
    chosen = default_models(table, limit)
    if chosen is None:
        return table
    return table.loc[table[schema.MODEL].isin(chosen)].reset_index(drop=True)


MAX_ANALYSED_MODELS = 2_000
"""Models the Model profiles and Findings pages analyse at most: every finding compares each
model with every other, and at this size a page still answers in well under 30 s on 2 cores
(Findings: about 16 s at 2,000 models × 20 datasets; 8 ms more per model)."""


def too_many_models(table: pd.DataFrame, page: str,
                    limit: int = MAX_ANALYSED_MODELS) -> str | None:
    """Why `page` does not analyse `table` (more than `limit` models), or None when it can."""
    models = table[schema.MODEL].nunique()
    if models <= limit:
        return None
    return (f"The table in use has {models:,} models; the {page} page analyses tables of up to "
            f"{limit:,} models, so that it answers in seconds. The Overview draws any of them. "
            "To analyse a part of them here, upload a file that holds only those models.")


def table_conditions(table: pd.DataFrame) -> list[str]:
    """The conditions of `table` in order of first appearance (none without a condition column;
    rows without a condition, such as the figure's beside a compared upload, are not one)."""
    if schema.CONDITION not in table.columns:
        return []
    return [c for c in schema.ordered_unique(table[schema.CONDITION])
            if c != schema.NO_CONDITION]


def of_condition(table: pd.DataFrame, condition: str) -> pd.DataFrame:
    """The rows of `condition`, and the rows without a condition (the figure's, when an upload
    is compared with it): one measurement per model × dataset, never a mix of conditions."""
    return of_conditions(table, [condition])


def of_conditions(table: pd.DataFrame, conditions: Collection[str]) -> pd.DataFrame:
    """The rows of the chosen `conditions` and the rows without a condition: each row stays one
    measurement (model × dataset × condition), side by side with the others, never averaged."""
    keep = table[schema.CONDITION].isin([*conditions, schema.NO_CONDITION]).to_numpy()
    return table.loc[keep].reset_index(drop=True)
