"""The shared pairs of an upload and the figure: both values and their difference, per pair."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.analysis.compare import DIFFERENCE, FIGURE_DELTA, UPLOAD_DELTA
from lib.core import schema
from lib.core.figure import model_order
from lib.core.styles import model_colors

PAIR = "pair"
"""Column of the chart's data: "model · dataset" (and the condition, where the upload has one)."""
ROW_PIXELS = 22
MAX_PAIRS = 60
"""Pairs drawn at most: those of largest |difference| (the table lists them all)."""


def _pair_labels(pairs: pd.DataFrame) -> pd.Series:
    parts = [pairs[schema.MODEL], pairs[schema.DATASET]]
    if schema.CONDITION in pairs.columns:
        parts.append(pairs[schema.CONDITION])
    label = parts[0].astype(str)
    for part in parts[1:]:
        label = label + " · " + part.astype(str)
    return label


def shared_pairs_chart(pairs: pd.DataFrame, width: int = 460) -> alt.LayerChart:
    """One row per shared pair: the figure's Δ (filled) and yours (hollow) joined by a line
    whose length is the difference, in the model's color; the pairs of largest |difference|
    first when there are more than `MAX_PAIRS`."""
    shown = pairs.assign(**{PAIR: _pair_labels(pairs)})
    if len(shown) > MAX_PAIRS:
        shown = shown.loc[shown[DIFFERENCE].abs().sort_values(ascending=False).index[:MAX_PAIRS]]
    order = list(dict.fromkeys(shown[PAIR]))
    models = model_order(shown)
    colors = model_colors(models)
    color = alt.Color(f"{schema.MODEL}:N", title="Model", legend=None,
                      scale=alt.Scale(domain=models, range=[colors[m] for m in models]))
    y = alt.Y(f"{PAIR}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
               alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
               alt.Tooltip(f"{FIGURE_DELTA}:Q", title="Figure Δ", format="+.1f"),
               alt.Tooltip(f"{UPLOAD_DELTA}:Q", title="Your Δ", format="+.1f"),
               alt.Tooltip(f"{DIFFERENCE}:Q", title="Yours − figure", format="+.1f")]
    base = alt.Chart().encode(y=y, color=color, tooltip=tooltip)
    zero = alt.Chart().mark_rule(color="#808080", strokeDash=[4, 3]).encode(x=alt.datum(0))
    line = base.mark_rule(strokeWidth=2).encode(
        x=alt.X(f"{FIGURE_DELTA}:Q", title="Δ: the figure's (filled) and yours (hollow)"),
        x2=f"{UPLOAD_DELTA}:Q")
    figure = base.mark_point(filled=True, size=70, opacity=1).encode(x=f"{FIGURE_DELTA}:Q")
    yours = base.mark_point(filled=False, size=70, strokeWidth=2, opacity=1).encode(
        x=f"{UPLOAD_DELTA}:Q")
    return alt.layer(zero, line, figure, yours, data=shown).properties(
        width=width, height=max(ROW_PIXELS * len(order), 60),
        autosize=alt.AutoSizeParams(type="pad"))  # rows keep their height; labels add to it
