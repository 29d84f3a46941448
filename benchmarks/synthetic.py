"""Synthetic tables of a given size for the benchmarks (named synthetic wherever they appear)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core import schema


def long_table(n_models: int, n_datasets: int, seed: int = 0) -> pd.DataFrame:
    """A contract table of `n_models` × `n_datasets` synthetic Δ values."""
    rng = np.random.default_rng(seed)
    models = np.repeat([f"synthetic-model-{i:04d}" for i in range(n_models)], n_datasets)
    datasets = np.tile([f"synthetic-set-{j:02d}" for j in range(n_datasets)], n_models)
    categories = np.repeat([f"group-{i % 4}" for i in range(n_models)], n_datasets)
    return schema.conform(pd.DataFrame({
        schema.MODEL: models, schema.DATASET: datasets,
        schema.DELTA: np.round(rng.normal(0, 8, n_models * n_datasets), 1),
        schema.CATEGORY: categories,
    }))


def long_csv(n_rows: int, seed: int = 0) -> bytes:
    """A long-shape CSV of about `n_rows` rows (model, dataset, delta), as bytes."""
    n_datasets = 50
    n_models = max(1, n_rows // n_datasets)
    return long_table(n_models, n_datasets, seed).drop(columns=[schema.CATEGORY]).to_csv(
        index=False).encode()
