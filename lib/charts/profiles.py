"""Altair builders for the model profile: the marker, where the model stands, the comparison,
and the models × datasets heatmap.

Each chart comes in two pure parts: a `*_frames` function that computes the rows it draws, and
a chart builder that takes only the layout (orders, domain, titles) and reads the rows from
named data sources. The layout changes far less often than the rows (not at all when another
model is opened), so the page can keep the built specification and only swap the rows; that
keeps the click-look-click loop fast. `with_data` joins the two parts for export and tests.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from lib.charts.dotplot import y_domain, y_ticks
from lib.core import schema
from lib.core.styles import BASELINE_COLOR
from lib.core.wording import signed

HEATMAP_SELECTION = "profile_cell"
"""Name of the heatmap's click selection; its event names the model to open."""

HEATMAP_DATA = "heatmap_cells"
STANDING_DATA = "standing_model"
OTHERS_DATA = "standing_others"
COMPARE_DATA = "compare_rows"
COMPARE_POINTS = "compare_points"
DIFFERENCE_DATA = "difference_rows"

SPREAD_COLOR = "#9aa0a6"
MISSING_COLOR = "#ececec"
MEAN_MARKER: tuple[str, str] = ("#5f6368", "square")
"""(color, shape) standing for the mean of several models in the comparison."""
GAIN_COLOR = "#4393c3"
LOSS_COLOR = "#d6604d"
"""Blue for a gain, red for a loss: the ends of the heatmap's red-blue scheme."""


def with_data(spec: Mapping, frames: Mapping[str, pd.DataFrame]) -> dict:
    """A copy of `spec` with `frames` inlined as its named datasets (missing values as null)."""
    out = copy.deepcopy(dict(spec))
    out["datasets"] = {**out.get("datasets", {}), **{
        name: frame.astype(object).where(frame.notna(), None).to_dict("records")
        for name, frame in frames.items()}}
    return out


def _zero_rule() -> alt.Chart:
    """The dashed baseline at Δ = 0."""
    return alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(
        color=BASELINE_COLOR, strokeDash=[6, 4], strokeWidth=1.6).encode(y="zero:Q")


def _dataset_x(datasets: Sequence[str], fits: int = 8) -> alt.X:
    """The dataset axis in the given order; labels slant when more than `fits` datasets."""
    slant = len(datasets) > fits
    return alt.X(f"{schema.DATASET}:N", sort=list(datasets), title="Dataset",
                 scale=alt.Scale(domain=list(datasets)),
                 axis=alt.Axis(labelAngle=-30 if slant else 0, labelAlign="right" if slant
                               else "center", labelOverlap=False, labelFontWeight="bold",
                               labelLimit=120))


def marker_chart(color: str, shape: str, size: int = 34) -> alt.Chart:
    """The model's marker alone (same color and shape as in the Δ dot plot), `size` px square."""
    return (
        alt.Chart(alt.Data(values=[{"x": 0, "y": 0}]))
        .mark_point(filled=True, size=size * 20, color=color, shape=shape, opacity=1.0)
        .encode(x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-1, 1])),
                y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-1, 1])))
        .properties(width=size, height=size, padding=0, background="transparent")
        .configure_view(stroke=None)
    )


# Where the model stands ------------------------------------------------------------------------

def standing_frames(stand: pd.DataFrame, matrix: pd.DataFrame, model: str,
                    marker: tuple[str, str],
                    intervals: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The rows of `standing_chart`: the model per dataset (with its marker, rank label and
    interval when given) and the other models' values in long form (missing pairs dropped)."""
    mine = stand.assign(
        model=model, color=marker[0], shape=marker[1],
        rank_label=[f"rank {int(r)} of {int(n)}" if pd.notna(r) else "not measured"
                    for r, n in zip(stand["rank"], stand["ranked"])])
    if intervals is not None:
        mine = mine.merge(intervals[[schema.DATASET, schema.CI_LOW, schema.CI_HIGH]],
                          on=schema.DATASET, how="left")
    others = matrix.drop(index=model).reset_index().melt(
        id_vars=schema.MODEL, var_name=schema.DATASET, value_name=schema.DELTA)
    others = others.dropna(subset=[schema.DELTA]).reset_index(drop=True)
    return {STANDING_DATA: mine, OTHERS_DATA: others}


def standing_domain(frames: Mapping[str, pd.DataFrame]) -> tuple[float, float]:
    """The y domain that holds every value (and interval) of `standing_frames`."""
    mine, others = frames[STANDING_DATA], frames[OTHERS_DATA]
    cols = [c for c in (schema.DELTA, schema.CI_LOW, schema.CI_HIGH) if c in mine.columns]
    return y_domain(pd.concat([others[schema.DELTA], *(mine[c] for c in cols)],
                              ignore_index=True))


def standing_chart(datasets: Sequence[str], domain: tuple[float, float], *,
                   y_title: str = schema.Y_TITLE, intervals: bool = False, ci: str = "CI",
                   height: int = 320) -> alt.LayerChart:
    """The model's Δ per dataset over the spread of the other models.

    Grey bar: range of the others; grey ticks: each other model; dark tick: their median;
    dashed line: the baseline; the marker: this model (color and shape from its rows), with its
    interval when `intervals` (named `ci` in its tooltip, e.g. "95% CI"); the text on top: its
    rank among the models measured there.
    """
    x = _dataset_x(datasets, fits=5)
    y_scale = alt.Scale(domain=list(domain), nice=False, zero=False)
    y = alt.Y(f"{schema.DELTA}:Q", title=y_title, scale=y_scale,
              axis=alt.Axis(values=y_ticks(domain), grid=True, gridOpacity=0.35))
    mine, others = alt.Data(name=STANDING_DATA), alt.Data(name=OTHERS_DATA)
    spread = alt.Chart(mine).mark_bar(size=18, color=SPREAD_COLOR, opacity=0.28).encode(
        x=x, y=alt.Y("others_min:Q", scale=y_scale, title=y_title), y2="others_max:Q",
        tooltip=[alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
                 alt.Tooltip("others_n:Q", title="Other models"),
                 alt.Tooltip("others_min:Q", title="Lowest of the others", format="+.1f"),
                 alt.Tooltip("others_median:Q", title="Median of the others", format="+.1f"),
                 alt.Tooltip("others_max:Q", title="Highest of the others", format="+.1f")])
    ticks = alt.Chart(others).mark_tick(color=SPREAD_COLOR, thickness=1.5, size=16).encode(
        x=x, y=y,
        tooltip=[alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
                 alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
                 alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.1f")])
    median = alt.Chart(mine).mark_tick(thickness=2.5, size=26).encode(
        x=x, y=alt.Y("others_median:Q", scale=y_scale, title=y_title))
    layers: list[alt.Chart] = [spread, ticks, median, _zero_rule()]
    tips = [alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
            alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
            alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.1f"),
            alt.Tooltip("rank_label:N", title="Standing"),
            alt.Tooltip("others_median:Q", title="Median of the others", format="+.1f")]
    if intervals:
        layers.append(alt.Chart(mine).mark_rule(strokeWidth=2.5).encode(
            x=x, y=alt.Y(f"{schema.CI_LOW}:Q", scale=y_scale, title=y_title),
            y2=f"{schema.CI_HIGH}:Q", color=alt.Color("color:N", scale=None)))
        tips += [alt.Tooltip(f"{schema.CI_LOW}:Q", title=f"{ci} low", format="+.1f"),
                 alt.Tooltip(f"{schema.CI_HIGH}:Q", title=f"{ci} high", format="+.1f")]
    layers.append(alt.Chart(mine).mark_point(
        filled=True, size=170, opacity=1.0, stroke="white", strokeWidth=0.8).encode(
        x=x, y=y, color=alt.Color("color:N", scale=None), shape=alt.Shape("shape:N", scale=None),
        tooltip=tips))
    layers.append(alt.Chart(mine)  # "rank 1" over "of 9": narrow columns keep it apart
                  .transform_calculate(rank_lines="replace(datum.rank_label, ' of ', '\\nof ')")
                  .mark_text(fontSize=11, baseline="top", dy=4, lineBreak="\n")
                  .encode(x=x, y=alt.datum(domain[1]), text="rank_lines:N"))
    return alt.layer(*layers).properties(height=height)


# Compare with ----------------------------------------------------------------------------------

def comparison_frames(compared: pd.DataFrame, model: str,
                      reference: str) -> dict[str, pd.DataFrame]:
    """The rows of `comparison_chart`: one per dataset (for the joining line), and one per
    dataset and side (for the points; `who` is the model's or the reference's name)."""
    points = compared.melt(id_vars=[schema.DATASET], value_vars=["model", "reference"],
                           var_name="who", value_name=schema.DELTA)
    points["who"] = points["who"].map({"model": model, "reference": reference})
    return {COMPARE_DATA: compared, COMPARE_POINTS: points}


def comparison_chart(datasets: Sequence[str], domain: tuple[float, float], model: str,
                     reference: str, markers: tuple[tuple[str, str], tuple[str, str]], *,
                     y_title: str = schema.Y_TITLE, height: int = 300) -> alt.LayerChart:
    """Both Δ per dataset side by side: a line joins the model's point to the reference's.

    `markers` gives (color, Vega shape) for the model and for the reference.
    """
    x = _dataset_x(datasets, fits=4)
    y_scale = alt.Scale(domain=list(domain), nice=False, zero=False)
    y = alt.Y(f"{schema.DELTA}:Q", title=y_title, scale=y_scale,
              axis=alt.Axis(values=y_ticks(domain), grid=True, gridOpacity=0.35))
    joins = alt.Chart(alt.Data(name=COMPARE_DATA)).mark_rule(
        color=SPREAD_COLOR, strokeWidth=2).encode(
        x=x, y=alt.Y("model:Q", scale=y_scale, title=y_title), y2="reference:Q")
    who = [model, reference]
    legend = alt.Legend(orient="top", direction="vertical", title=None, labelLimit=0)
    points = alt.Chart(alt.Data(name=COMPARE_POINTS)).mark_point(
        filled=True, size=120, opacity=1.0).encode(
        x=x, y=y,
        color=alt.Color("who:N", title=None, sort=who, legend=legend,
                        scale=alt.Scale(domain=who, range=[markers[0][0], markers[1][0]])),
        shape=alt.Shape("who:N", title=None, sort=who, legend=legend,
                        scale=alt.Scale(domain=who, range=[markers[0][1], markers[1][1]])),
        tooltip=[alt.Tooltip("who:N", title="Model"),
                 alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
                 alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.1f")])
    return alt.layer(joins, _zero_rule(), points).properties(height=height)


def difference_frame(compared: pd.DataFrame) -> pd.DataFrame:
    """The rows of `difference_chart`: the difference, its sign and its printed label."""
    diff = compared["difference"]
    return compared.assign(
        sign=["gain" if d > 0 else "loss" for d in diff.fillna(0)],
        label=[signed(d) if pd.notna(d) else "n/a" for d in diff])


def difference_chart(datasets: Sequence[str], *, title: str = "Difference",
                     height: int = 300) -> alt.LayerChart:
    """Bars of the per-dataset difference (model minus reference), blue above 0, red below,
    with the value printed; a dataset missing on either side has no bar."""
    x = _dataset_x(datasets, fits=4)
    y = alt.Y("difference:Q", title=title, scale=alt.Scale(zero=True, padding=22))
    data = alt.Data(name=DIFFERENCE_DATA)
    bars = alt.Chart(data).mark_bar(size=22).encode(
        x=x, y=y,
        color=alt.Color("sign:N", scale=alt.Scale(domain=["gain", "loss"],
                                                  range=[GAIN_COLOR, LOSS_COLOR]), legend=None),
        tooltip=[alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
                 alt.Tooltip("difference:Q", title=title, format="+.1f")])
    labels = [alt.Chart(data).transform_filter(test).mark_text(fontSize=11, dy=dy).encode(
        x=x, y=y, text="label:N")
        for test, dy in (("datum.difference >= 0", -8), ("datum.difference < 0", 8))]
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule().encode(y="zero:Q")
    return alt.layer(bars, zero, *labels).properties(height=height)


# All models at once ----------------------------------------------------------------------------

def color_limit(matrix: pd.DataFrame, step: float = 5.0) -> float:
    """Half-width of the heatmap's symmetric color domain: max |Δ| up to a multiple of `step`."""
    biggest = float(matrix.abs().max().max()) if matrix.notna().any().any() else 0.0
    return max(step, math.ceil(biggest / step) * step)


def heatmap_frame(matrix: pd.DataFrame, categories: Mapping[str, str],
                  current: str | None = None) -> pd.DataFrame:
    """Every model × dataset cell in long form: Δ (NaN where missing), the printed label,
    the ink that reads on the cell's color, and whether the row is the open profile."""
    long = matrix.reset_index().melt(id_vars=schema.MODEL, var_name=schema.DATASET,
                                     value_name=schema.DELTA)
    limit = color_limit(matrix)
    delta = long[schema.DELTA]
    long[schema.CATEGORY] = long[schema.MODEL].map(dict(categories)).fillna(
        schema.UNSPECIFIED_CATEGORY)
    long["label"] = [signed(d) if pd.notna(d) else "–" for d in delta]
    long["ink"] = ["light" if pd.notna(d) and abs(d) > 0.6 * limit else "dark" for d in delta]
    long["current"] = long[schema.MODEL] == current
    return long


def heatmap(datasets: Sequence[str], models: Sequence[str], category_order: Sequence[str],
            limit: float, *, y_title: str = schema.Y_TITLE, max_width: int = 420) -> alt.FacetChart:
    """Models × datasets, colored red (loss) to blue (gain) around a white 0, values printed.

    Datasets run in the given (figure) order; models are grouped in one panel per category. A
    missing pair is a grey cell marked "–". The open profile's row (`current` in the rows) is
    outlined. A click on a cell selects its model (selection `HEATMAP_SELECTION`).
    """
    cell = int(max(22, min(40, max_width / max(1, len(datasets)))))
    pick = alt.selection_point(name=HEATMAP_SELECTION, fields=[schema.MODEL], on="click")
    x = alt.X(f"{schema.DATASET}:N", sort=list(datasets), title=None,
              axis=alt.Axis(orient="top", labelAngle=-40, labelAlign="left", domain=False,
                            ticks=False, labelOverlap=False))
    y = alt.Y(f"{schema.MODEL}:N", sort=list(models), title=None,
              axis=alt.Axis(domain=False, ticks=False, labelLimit=160))
    tips = [alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
            alt.Tooltip(f"{schema.CATEGORY}:N", title="Category"),
            alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
            alt.Tooltip("label:N", title=y_title)]
    cells = alt.Chart().mark_rect(cursor="pointer", stroke="white", strokeWidth=1).encode(
        x=x, y=y, fill=alt.value(MISSING_COLOR), tooltip=tips).add_params(pick)
    colored = alt.Chart().transform_filter(f"isValid(datum.{schema.DELTA})").mark_rect(
        cursor="pointer", stroke="white", strokeWidth=1).encode(
        x=x, y=y, tooltip=tips,
        fill=alt.Fill(f"{schema.DELTA}:Q", title=y_title,
                      scale=alt.Scale(scheme="redblue", domain=[-limit, limit], domainMid=0),
                      legend=alt.Legend(orient="bottom", gradientLength=180)))
    outline = alt.Chart().transform_filter("datum.current").mark_rect(
        fill=None, stroke="#111111", strokeWidth=2).encode(x=x, y=y)
    text = alt.Chart().mark_text(fontSize=11 if cell >= 30 else 9, cursor="pointer").encode(
        x=x, y=y, text="label:N", tooltip=tips,
        color=alt.Color("ink:N", scale=alt.Scale(domain=["dark", "light"],
                                                 range=["#202124", "#ffffff"]), legend=None))
    layered = alt.layer(cells, colored, outline, text).properties(
        width=alt.Step(cell), height=alt.Step(20))
    header = alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelPadding=-8,
                        labelFontWeight="bold", labelFontSize=12)
    return (
        layered.facet(row=alt.Row(f"{schema.CATEGORY}:N", sort=list(category_order), title=None,
                                  header=header),
                      spacing=10, data=alt.Data(name=HEATMAP_DATA))
        .resolve_scale(y="independent")
        .configure_view(stroke=None)
    )
