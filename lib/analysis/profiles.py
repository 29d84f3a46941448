"""One model's story in numbers: key figures, standing among the others, and a comparison.

Everything works on the models × datasets matrix of Δ (`delta_matrix`), where a pair that was
not measured is NaN, never 0. The functions are pure and cheap enough to run on every rerun.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from lib.analysis import findings
from lib.core import schema
from lib.core.families import sibling
from lib.core.figure import dataset_order, model_order

DEFAULT_TOLERANCE = findings.UNCHANGED_TOLERANCE
"""|Δ| at or below this counts as unchanged: the app's one default (see
`findings.UNCHANGED_TOLERANCE`)."""

IMPROVED, HURT, UNCHANGED, MISSING = "improved", "hurt", "unchanged", "missing"


@dataclass(frozen=True)
class DatasetValue:
    """One dataset's Δ for a model, and whether its interval excludes 0 (None if unknown)."""

    dataset: str
    delta: float
    significant: bool | None = None


@dataclass(frozen=True)
class KeyFigures:
    """The headline numbers of one model's profile."""

    model: str
    tolerance: float
    mean: float
    median: float
    best: DatasetValue | None
    worst: DatasetValue | None
    improved: tuple[str, ...]
    hurt: tuple[str, ...]
    unchanged: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def measured(self) -> int:
        """Number of datasets with a value for the model."""
        return len(self.improved) + len(self.hurt) + len(self.unchanged)

    @property
    def total(self) -> int:
        """Number of datasets in the table."""
        return self.measured + len(self.missing)


@dataclass(frozen=True)
class Reference:
    """What a model is compared with: another model, or the mean of a group of other models."""

    kind: Literal["model", "category", "others"]
    name: str
    size: int = 1
    """Number of models behind a mean (1 for a single model)."""

    @property
    def label(self) -> str:
        """How the reference reads in a picker, a legend or a sentence."""
        if self.kind == "model":
            return self.name
        if self.kind == "category":
            return f"Mean of the other {self.name} models ({self.size})"
        return f"Mean of all other models ({self.size})"


def table_sources(table: pd.DataFrame) -> list[str]:
    """The sources of a table that joins several (the figure and an upload, in that order);
    empty for a plain table. A profile reads one source at a time, so that the same model's
    values from two sources are never blended."""
    if schema.SOURCE not in table.columns:
        return []
    found = schema.ordered_unique(table[schema.SOURCE].astype(str))
    return found if len(found) > 1 else []


def rows_of(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows of one source, without the source column."""
    rows = table.loc[table[schema.SOURCE].astype(str) == source]
    return rows.drop(columns=schema.SOURCE).reset_index(drop=True)


def delta_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Δ as models (rows, legend order) × datasets (columns, figure order); NaN where missing.

    Duplicate pairs (which the contract does not expect) are averaged.
    """
    models, datasets = model_order(table), dataset_order(table)
    matrix = table.pivot_table(index=schema.MODEL, columns=schema.DATASET, values=schema.DELTA,
                               aggfunc="mean", dropna=False, sort=False)
    matrix = matrix.reindex(index=models, columns=datasets).astype("float64")
    matrix.index.name, matrix.columns.name = schema.MODEL, schema.DATASET
    return matrix


def model_categories(table: pd.DataFrame) -> dict[str, str]:
    """Each model's category (its first, should a table give several)."""
    first = table.drop_duplicates(schema.MODEL)
    return dict(zip(first[schema.MODEL], first[schema.CATEGORY]))


def significance(table: pd.DataFrame, model: str) -> dict[str, bool]:
    """Per dataset, whether the model's Δ is significant after the correction across cells (the
    table's `significant` column, read by `findings.significance`); empty without that column."""
    if schema.SIGNIFICANT not in table.columns:
        return {}
    flags = findings.significance(table)
    rows = (table[schema.MODEL] == model).to_numpy()
    return {d: bool(f) for d, f in zip(table.loc[rows, schema.DATASET], flags[rows])
            if f is not None}


def classify(delta: float, tolerance: float) -> str:
    """IMPROVED above +tolerance, HURT below -tolerance, UNCHANGED within, MISSING for NaN."""
    if delta is None or not math.isfinite(delta):
        return MISSING
    if delta > tolerance:
        return IMPROVED
    if delta < -tolerance:
        return HURT
    return UNCHANGED


def key_figures(matrix: pd.DataFrame, model: str, tolerance: float = DEFAULT_TOLERANCE,
                significant: Mapping[str, bool] | None = None) -> KeyFigures:
    """Mean, median, best, worst and the improved/hurt/unchanged split of `model`'s row.

    Best and worst are the first in dataset order on a tie; missing datasets are left out
    of every figure and listed on their own.
    """
    row = matrix.loc[model]
    values = row.dropna()
    groups: dict[str, list[str]] = {IMPROVED: [], HURT: [], UNCHANGED: [], MISSING: []}
    for dataset, delta in row.items():
        groups[classify(float(delta), tolerance)].append(str(dataset))
    flags = significant or {}

    def pick(dataset: object) -> DatasetValue:
        name = str(dataset)
        return DatasetValue(name, float(values[dataset]), flags.get(name))

    return KeyFigures(
        model=model,
        tolerance=tolerance,
        mean=float(values.mean()) if len(values) else math.nan,
        median=float(values.median()) if len(values) else math.nan,
        best=pick(values.idxmax()) if len(values) else None,
        worst=pick(values.idxmin()) if len(values) else None,
        improved=tuple(groups[IMPROVED]),
        hurt=tuple(groups[HURT]),
        unchanged=tuple(groups[UNCHANGED]),
        missing=tuple(groups[MISSING]),
    )


def standing(matrix: pd.DataFrame, model: str) -> pd.DataFrame:
    """Per dataset: the model's Δ, its rank among the models measured there (1 = highest Δ,
    ties share the better rank; `tied` counts the others with the same Δ), and the spread of
    the other models (n, min, median, mean, max).
    """
    ranks = matrix.rank(axis=0, ascending=False, method="min")
    others = matrix.drop(index=model)
    out = pd.DataFrame({
        schema.DATASET: matrix.columns.astype(str),
        schema.DELTA: matrix.loc[model].to_numpy(),
        "rank": ranks.loc[model].astype("Int64").to_numpy(),
        "ranked": matrix.notna().sum(axis=0).astype("int64").to_numpy(),
        "others_n": others.notna().sum(axis=0).astype("int64").to_numpy(),
        "others_min": others.min(axis=0).to_numpy(),
        "others_median": others.median(axis=0).to_numpy(),
        "others_mean": others.mean(axis=0).to_numpy(),
        "others_max": others.max(axis=0).to_numpy(),
    })
    out["tied"] = (others == matrix.loc[model]).sum(axis=0).astype("int64").to_numpy()
    out["vs_median"] = out[schema.DELTA] - out["others_median"]
    return out


def reference_options(model: str, categories: Mapping[str, str],
                      models: Sequence[str]) -> list[Reference]:
    """What `model` can be compared with: the mean of its category's other models (when there
    are any), the mean of all other models, then every other model by name."""
    others = [m for m in models if m != model]
    if not others:
        return []
    category = categories.get(model)
    peers = [m for m in others if categories.get(m) == category]
    options: list[Reference] = []
    if peers:
        options.append(Reference("category", str(category), len(peers)))
    options.append(Reference("others", "", len(others)))
    options.extend(Reference("model", m) for m in others)
    return options


def default_reference(model: str, options: Sequence[Reference]) -> Reference | None:
    """The family's nearest other size when the names show one, else the category mean,
    else the first option (the mean of all other models); None without options."""
    if not options:
        return None
    named = [o.name for o in options if o.kind == "model"]
    pair = sibling(model, [model, *named])
    if pair is not None:
        return next(o for o in options if o.kind == "model" and o.name == pair)
    return options[0]


def reference_values(matrix: pd.DataFrame, model: str, reference: Reference,
                     categories: Mapping[str, str]) -> pd.Series:
    """The reference's Δ per dataset (a mean skips missing values; NaN where none is left)."""
    if reference.kind == "model":
        return matrix.loc[reference.name].rename(reference.label)
    members = [m for m in matrix.index if m != model
               and (reference.kind == "others" or categories.get(m) == reference.name)]
    return matrix.loc[members].mean(axis=0).rename(reference.label)


def comparison(matrix: pd.DataFrame, model: str, reference: pd.Series) -> pd.DataFrame:
    """Per dataset: the model's Δ, the reference's, and the difference (model minus reference)."""
    out = pd.DataFrame({
        schema.DATASET: matrix.columns.astype(str),
        "model": matrix.loc[model].to_numpy(),
        "reference": reference.reindex(matrix.columns).to_numpy(dtype="float64"),
    })
    out["difference"] = out["model"] - out["reference"]
    return out


def model_summary(matrix: pd.DataFrame, categories: Mapping[str, str],
                  tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """One row per model: category, datasets measured, mean and median Δ, and the counts of
    datasets improved, hurt and unchanged at `tolerance`."""
    measured = matrix.notna()
    return pd.DataFrame({
        schema.MODEL: matrix.index.astype(str),
        schema.CATEGORY: [categories.get(m, schema.UNSPECIFIED_CATEGORY) for m in matrix.index],
        "measured": measured.sum(axis=1).to_numpy(),
        "mean": matrix.mean(axis=1).to_numpy(),
        "median": matrix.median(axis=1).to_numpy(),
        IMPROVED: (matrix > tolerance).sum(axis=1).to_numpy(),
        HURT: (matrix < -tolerance).sum(axis=1).to_numpy(),
        UNCHANGED: (measured & (matrix.abs() <= tolerance)).sum(axis=1).to_numpy(),
    })


def clicked_model(event: object, param: str, models: Sequence[str]) -> str | None:
    """The one model named by a chart selection event, or None.

    A faceted chart reports the same pick once per panel, so the picks are deduplicated;
    anything that is not exactly one known model (an empty or cleared selection) gives None.
    """
    try:
        picks = event["selection"][param]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if isinstance(picks, Mapping):
        picks = [picks]
    names = {str(p[schema.MODEL]) for p in picks or []
             if isinstance(p, Mapping) and schema.MODEL in p}
    known = names & set(models)
    return known.pop() if len(known) == 1 else None
