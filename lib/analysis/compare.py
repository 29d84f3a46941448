"""An upload beside the bundled figure: the combined table and the pairs both have."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.core import schema
from lib.core.figure import with_figure_categories

FIGURE_SOURCE = "Figure"
UPLOAD_SOURCE = "Yours"

FIGURE_DELTA = "figure_delta"
UPLOAD_DELTA = "your_delta"
DIFFERENCE = "difference"


def combined_table(figure: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """The figure's rows then the upload's, each marked in a `source` column (the figure first,
    so the chart draws it filled and the upload hollow). The upload's attrs (its interval level
    and correction: only its rows have intervals) stay with the result."""
    parts = [figure.assign(**{schema.SOURCE: FIGURE_SOURCE}),
             with_figure_categories(upload).assign(**{schema.SOURCE: UPLOAD_SOURCE})]
    out = schema.conform(pd.concat(parts, ignore_index=True))
    out.attrs = dict(upload.attrs)
    return out


def split_combined(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(figure rows, upload rows) of a combined table, or None if `table` is not one."""
    if schema.SOURCE not in table.columns:
        return None
    sources = set(table[schema.SOURCE])
    if not {FIGURE_SOURCE, UPLOAD_SOURCE} <= sources:
        return None
    part = {s: table[table[schema.SOURCE] == s].drop(columns=schema.SOURCE).reset_index(drop=True)
            for s in (FIGURE_SOURCE, UPLOAD_SOURCE)}
    return part[FIGURE_SOURCE], part[UPLOAD_SOURCE]


def shared_pairs(figure: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """The model × dataset pairs both tables have: the figure's Δ, yours, and yours − figure's,
    in the figure's order."""
    keys = [schema.MODEL, schema.DATASET]
    left = figure[keys + [schema.DELTA]].rename(columns={schema.DELTA: FIGURE_DELTA})
    right = upload[keys + [schema.DELTA]].rename(columns={schema.DELTA: UPLOAD_DELTA})
    pairs = left.merge(right, on=keys, how="inner", sort=False)
    pairs[DIFFERENCE] = pairs[UPLOAD_DELTA] - pairs[FIGURE_DELTA]
    return pairs.reset_index(drop=True)


@dataclass(frozen=True)
class Overlap:
    """How much of an upload the figure has too."""

    shared_pairs: int
    shared_datasets: tuple[str, ...]
    new_datasets: tuple[str, ...]
    shared_models: tuple[str, ...]
    new_models: tuple[str, ...]


def overlap(figure: pd.DataFrame, upload: pd.DataFrame) -> Overlap:
    """Shared and new datasets and models of `upload` against `figure`."""
    fig_datasets, fig_models = set(figure[schema.DATASET]), set(figure[schema.MODEL])
    datasets = schema.ordered_unique(upload[schema.DATASET])
    models = schema.ordered_unique(upload[schema.MODEL])
    return Overlap(
        shared_pairs=len(shared_pairs(figure, upload)),
        shared_datasets=tuple(d for d in datasets if d in fig_datasets),
        new_datasets=tuple(d for d in datasets if d not in fig_datasets),
        shared_models=tuple(m for m in models if m in fig_models),
        new_models=tuple(m for m in models if m not in fig_models),
    )


def compare_y_title(upload_title: str) -> str:
    """The y title of a combined chart: one title when both units agree, else both named."""
    if upload_title == schema.Y_TITLE:
        return schema.Y_TITLE
    return f"Δ (figure: %; yours: {upload_title.removeprefix('Δ').strip(' ()') or 'as given'})"
