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
