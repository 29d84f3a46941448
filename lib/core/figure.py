"""The bundled figure: its 63 Δ values, its model and dataset order, and its styles."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.core import schema

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DELTAS_FILE = DATA_DIR / "figure_deltas.csv"
STYLES_FILE = DATA_DIR / "figure_styles.csv"

FIGURE_CATEGORIES: tuple[str, ...] = ("Open LLM", "Closed LLM", "Reasoning LLM")
"""The legend's groups, as the source gives them (the legend itself prints "Close LLMs")."""


@lru_cache(maxsize=1)
def _deltas() -> pd.DataFrame:
    return schema.conform(pd.read_csv(DELTAS_FILE))


@lru_cache(maxsize=1)
def _styles() -> pd.DataFrame:
    return pd.read_csv(STYLES_FILE, dtype=str)


def figure_table() -> pd.DataFrame:
    """The figure's 63 values in the contract's long form, in the figure's order (a fresh copy)."""
    return _deltas().copy()


def figure_styles() -> pd.DataFrame:
    """One row per figure model: model, category, color (hex), color_name, shape (a copy)."""
    return _styles().copy()


def figure_models() -> tuple[str, ...]:
    """The figure's models in legend order."""
    return tuple(_styles()["model"])


def figure_datasets() -> tuple[str, ...]:
    """The figure's datasets, left to right."""
    return tuple(dict.fromkeys(_deltas()[schema.DATASET]))


def dataset_order(table: pd.DataFrame) -> list[str]:
    """Datasets of `table`: the figure's in its order first, then new ones as first seen."""
    return schema.ordered_unique(table[schema.DATASET], figure_datasets())


def model_order(table: pd.DataFrame) -> list[str]:
    """Models of `table`: the figure's in legend order first, then new ones as first seen."""
    return schema.ordered_unique(table[schema.MODEL], figure_models())


def category_order(table: pd.DataFrame) -> list[str]:
    """Categories of `table`: the figure's three first, then others as first seen."""
    return schema.ordered_unique(table[schema.CATEGORY], FIGURE_CATEGORIES)


def with_figure_categories(upload: pd.DataFrame) -> pd.DataFrame:
    """The upload, its figure models given the figure's category where the file gave none, so
    that the same model keeps the same marker shape in both sources."""
    known = dict(zip(figure_styles()["model"], figure_styles()["category"]))
    out = upload.copy()
    unspecified = out[schema.CATEGORY] == schema.UNSPECIFIED_CATEGORY
    out.loc[unspecified, schema.CATEGORY] = (
        out.loc[unspecified, schema.MODEL].map(known).fillna(schema.UNSPECIFIED_CATEGORY))
    return out
