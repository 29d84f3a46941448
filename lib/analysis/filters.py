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


def top_models(table: pd.DataFrame, n: int) -> list[str]:
    """The `n` models with the largest mean |Δ| across their datasets (ties: first seen first)."""
    strength = table.groupby(schema.MODEL, sort=False)[schema.DELTA].apply(lambda d: d.abs().mean())
    return list(strength.sort_values(ascending=False, kind="stable").index[:n])
