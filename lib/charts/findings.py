"""Small Altair charts for the findings: the points a finding concerns, or its aggregate."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.analysis.findings import Finding, clean
from lib.core import schema
from lib.core.figure import category_order, dataset_order, model_order
from lib.core.styles import BASELINE_COLOR, category_shapes, model_colors, vega_shape
from lib.core.wording import signed

HEIGHT = 240
BAR_STEP = 44
"""Pixels per bar of a horizontal bar chart."""
AXIS_ROOM = 70
"""Pixels a chart's height needs for its axis and title (Streamlit fits the whole chart in it)."""
MUTED = "#c9c9c9"
SIDE_COLORS = {"above": "#2e9e44", "at": "#9a9a9a", "below": "#d62728"}
HIGHLIGHT_KEYS = ("leaders", "gains", "drops", "same_direction")
"""Findings drawn as all points with the concerned ones highlighted."""


def _baseline() -> alt.Chart:
    return alt.Chart().mark_rule(color=BASELINE_COLOR, strokeDash=[6, 4]).encode(y=alt.datum(0))


def highlight_rows(table: pd.DataFrame, finding: Finding) -> pd.DataFrame:
    """The rows of `highlight_chart`: every point of `table`, `concerned` where the finding
    singles it out. The rest of that chart depends on the table alone."""
    t = clean(table)
    picked = {(p.model, p.dataset) for p in finding.points}
    return t[[schema.MODEL, schema.CATEGORY, schema.DATASET, schema.DELTA]].assign(
        concerned=[(m, d) in picked for m, d in zip(t[schema.MODEL], t[schema.DATASET])])


def highlight_chart(table: pd.DataFrame, finding: Finding, y_title: str = "Δ") -> alt.LayerChart:
    """Every point of `table` by dataset, grey, with the finding's points in their model colors."""
    t = clean(table)
    data = highlight_rows(table, finding)
    models, categories = model_order(t), category_order(t)
    colors, shapes = model_colors(models), category_shapes(categories)
    color = alt.Color(f"{schema.MODEL}:N", title="Model",
                      scale=alt.Scale(domain=models, range=[colors[m] for m in models]),
                      legend=alt.Legend(orient="bottom", symbolType="circle", columns=2,
                                        labelLimit=140))  # below: the plot keeps the width
    points = alt.Chart().mark_point(filled=True).encode(
        x=alt.X(f"{schema.DATASET}:N", sort=dataset_order(t), title="Dataset",
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset(f"{schema.MODEL}:N", sort=models),
        y=alt.Y(f"{schema.DELTA}:Q", title=y_title),
        color=alt.condition("datum.concerned", color, alt.value(MUTED)),
        size=alt.condition("datum.concerned", alt.value(110), alt.value(40)),
        opacity=alt.condition("datum.concerned", alt.value(1.0), alt.value(0.6)),
        shape=alt.Shape(f"{schema.CATEGORY}:N", legend=None,
                        scale=alt.Scale(domain=categories,
                                        range=[vega_shape(shapes[c]) for c in categories])),
        tooltip=[alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
                 alt.Tooltip(f"{schema.CATEGORY}:N", title="Category"),
                 alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
                 alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.1f")],
    )
    return alt.layer(_baseline(), points, data=data).properties(height=HEIGHT)


def category_chart(finding: Finding, y_title: str = "Δ") -> alt.LayerChart:
    """Mean Δ per category as bars, each labelled under its bar with its mean and its share of
    points above the baseline (axis labels: they wrap to two lines, are never cut, and take the
    theme's text colour)."""
    data = _category_rows(finding.detail)
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("axis_label:N", sort=list(data["axis_label"]), title="Category",
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.value, '\\n')",
                              labelLimit=0, labelPadding=6)),
        y=alt.Y("mean_delta:Q", title=f"Mean {y_title}"),
        color=alt.condition("datum.mean_delta >= 0", alt.value(SIDE_COLORS["above"]),
                            alt.value(SIDE_COLORS["below"])),
        tooltip=[alt.Tooltip(f"{schema.CATEGORY}:N", title="Category"),
                 alt.Tooltip("mean_delta:Q", title=f"Mean {y_title}", format="+.2f"),
                 alt.Tooltip("share_above:Q", title="Share above", format=".0%"),
                 alt.Tooltip("points:Q", title="Points")],
    )
    return alt.layer(bars, _baseline(), data=data).properties(height=HEIGHT)


def _category_rows(detail: pd.DataFrame) -> pd.DataFrame:
    """The category finding's rows with each bar's axis label (its category, mean and share)."""
    return detail.assign(axis_label=[
        f"{c}\n{signed(m)}, {s:.0%} above"
        for c, m, s in zip(detail[schema.CATEGORY], detail["mean_delta"], detail["share_above"])])


def _pairs(detail: pd.DataFrame) -> pd.DataFrame:
    """The scale finding's rows with the pair named ("smaller → larger")."""
    return detail.assign(pair=detail["smaller"] + " → " + detail["larger"])


def scale_chart(finding: Finding, y_title: str = "Δ") -> alt.FacetChart:
    """Per family pair and dataset: the smaller and the larger model's Δ, joined by a line."""
    data = _pairs(finding.detail)
    order = list(dict.fromkeys(data["dataset"]))
    y = alt.Y("dataset:N", sort=order, title=None)
    rule = alt.Chart().mark_rule(color="#888888").encode(
        y=y, x=alt.X("delta_smaller:Q", title=y_title), x2="delta_larger:Q")
    dots = alt.Chart().transform_fold(["delta_smaller", "delta_larger"], as_=["size", "value"]) \
        .transform_calculate(size="datum.size === 'delta_larger' ? 'larger' : 'smaller'") \
        .mark_point(filled=True, size=90).encode(
            y=y, x=alt.X("value:Q", title=y_title),
            color=alt.Color("size:N", title="Model size",
                            scale=alt.Scale(domain=["smaller", "larger"],
                                            range=["#9ecae1", "#08519c"]),
                            legend=alt.Legend(orient="top")),  # above: the chart fits a phone
            tooltip=[alt.Tooltip("pair:N", title="Pair"), alt.Tooltip("dataset:N", title="Dataset"),
                     alt.Tooltip("size:N", title="Size"),
                     alt.Tooltip("value:Q", title=y_title, format="+.1f")])
    zero = alt.Chart().mark_rule(color=BASELINE_COLOR, strokeDash=[6, 4]).encode(x=alt.datum(0))
    return alt.layer(zero, rule, dots, data=data).properties(height=26 * len(order), width=250) \
        .facet(facet=alt.Facet("pair:N", title=None), columns=1)  # one under the other: fits a phone


def share_chart(finding: Finding) -> alt.Chart:
    """Points above, at and below the baseline as stacked bars, per scope."""
    data = finding.detail
    order = ["above", "at", "below"]
    return alt.Chart(data).transform_fold(order, as_=["side", "count"]).transform_calculate(
        rank=f"indexof({order}, datum.side)").mark_bar().encode(
        y=alt.Y("scope:N", sort=list(data["scope"]), title=None, scale=alt.Scale(paddingInner=0.3)),
        x=alt.X("count:Q", title="Points", stack="zero"),
        color=alt.Color("side:N", title="Side of the baseline",
                        scale=alt.Scale(domain=order, range=[SIDE_COLORS[s] for s in order])),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("scope:N", title="Scope"), alt.Tooltip("side:N", title="Side"),
                 alt.Tooltip("count:Q", title="Points")],
    ).properties(height=BAR_STEP * len(data) + AXIS_ROOM)


def volatility_chart(finding: Finding) -> alt.LayerChart:
    """SD of Δ across datasets per model, from the most to the least volatile."""
    data = finding.detail
    models = list(data[schema.MODEL])
    colors = model_colors(models)
    bars = alt.Chart().mark_bar().encode(
        y=alt.Y(f"{schema.MODEL}:N", sort=models, title=None),
        x=alt.X("sd:Q", title="SD of Δ across datasets"),
        color=alt.Color(f"{schema.MODEL}:N", legend=None,
                        scale=alt.Scale(domain=models, range=[colors[m] for m in models])),
        tooltip=[alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
                 alt.Tooltip("sd:Q", title="SD", format=".2f"),
                 alt.Tooltip("min:Q", title="Min", format="+.1f"),
                 alt.Tooltip("max:Q", title="Max", format="+.1f")],
    )
    return alt.layer(bars, data=data).properties(height=22 * len(models) + AXIS_ROOM)


def finding_chart(finding: Finding, table: pd.DataFrame,
                  y_title: str = "Δ") -> alt.TopLevelMixin | None:
    """The chart that goes with `finding`, or None when it has nothing to draw."""
    if finding.key in HIGHLIGHT_KEYS:
        return highlight_chart(table, finding, y_title)
    if finding.detail.empty:
        return None
    if finding.key == "categories":
        return category_chart(finding, y_title)
    if finding.key == "scale":
        return scale_chart(finding, y_title)
    if finding.key == "baseline":
        return share_chart(finding)
    if finding.key == "volatility":
        return volatility_chart(finding)
    return None


def chart_layout(finding: Finding) -> tuple | None:
    """What of `finding_chart`'s chart is not its rows, for the charts whose rows change with
    the thresholds: two findings of one table whose layouts are equal have charts (with one
    axis title) that differ in their rows alone (`chart_rows`). None: no such chart."""
    if finding.key in HIGHLIGHT_KEYS:
        return ("highlight",)  # every point of the table, whatever the finding
    if finding.detail.empty:
        return None
    if finding.key == "categories":  # the axis labels, which sort the bars, hold the numbers
        return ("categories", tuple(_category_rows(finding.detail)["axis_label"]))
    if finding.key == "scale":
        return ("scale", tuple(dict.fromkeys(finding.detail["dataset"])))
    if finding.key == "baseline":
        return ("baseline", tuple(finding.detail["scope"]))
    return None


def chart_rows(finding: Finding, table: pd.DataFrame) -> pd.DataFrame:
    """The rows `finding_chart` draws for a finding that has a `chart_layout`."""
    if finding.key in HIGHLIGHT_KEYS:
        return highlight_rows(table, finding)
    if finding.key == "scale":
        return _pairs(finding.detail)
    if finding.key == "categories":
        return _category_rows(finding.detail)
    return finding.detail
