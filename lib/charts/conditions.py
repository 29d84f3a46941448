"""Altair charts across conditions: one model's Δ per dataset under each condition, the
dataset × condition heatmap of mean Δ over the common models, how often pairs of conditions lie
on the same side of the baseline, and how many models each condition is best for."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from lib.analysis.conditions import AGREEMENT, BY_DATASET, BY_MODEL, condition_labels
from lib.analysis.findings import Finding
from lib.core import schema
from lib.core.styles import BASELINE_COLOR, EXTRA_SHAPES, PALETTE
from lib.core.wording import signed

CONDITION_SHAPES: tuple[str, ...] = ("circle", "square", "diamond", *EXTRA_SHAPES[1:])
"""A shape per condition, in the table's order (cycled)."""
GAIN_COLOR, LOSS_COLOR, MISSING_COLOR = "#4393c3", "#d6604d", "#ececec"
SIDE_COLORS = {"same": "#2e9e44", "one_unchanged": "#9a9a9a", "opposite": "#d62728"}
SIDE_NAMES = {"same": "Same side", "one_unchanged": "One unchanged", "opposite": "Opposite sides"}
BAR_STEP = 34
"""Pixels per bar of a horizontal bar chart."""
AXIS_ROOM = 80
"""Pixels a chart's height needs for its axis, title and legend."""


def _zero() -> alt.Chart:
    """The dashed baseline at Δ = 0."""
    return alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(
        color=BASELINE_COLOR, strokeDash=[6, 4], strokeWidth=1.6).encode(y="zero:Q")


def condition_styles(conditions: Sequence[str]) -> tuple[list[str], list[str]]:
    """(colors, shapes) for `conditions`, in their order (both cycled)."""
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(conditions))]
    shapes = [CONDITION_SHAPES[i % len(CONDITION_SHAPES)] for i in range(len(conditions))]
    return colors, shapes


def model_condition_chart(rows: pd.DataFrame, conditions: Sequence[str], *,
                          y_title: str = schema.Y_TITLE, ci: str = "CI",
                          height: int = 280) -> alt.LayerChart:
    """A model's Δ per dataset (x, in the rows' order) under each condition (side by side, one
    color and shape per condition), the baseline dashed at 0, and each value's interval (named
    `ci` in the tooltip) where the rows have one. `rows` come from
    `lib.analysis.conditions.model_conditions`."""
    conditions = list(conditions)
    colors, shapes = condition_styles(conditions)
    datasets = list(dict.fromkeys(rows[schema.DATASET]))
    x = alt.X(f"{schema.DATASET}:N", sort=datasets, title="Dataset",
              axis=alt.Axis(labelAngle=0 if len(datasets) <= 6 else -30, labelLimit=140))
    offset = alt.XOffset(f"{schema.CONDITION}:N", sort=conditions,
                         scale=alt.Scale(domain=conditions))
    color = alt.Color(f"{schema.CONDITION}:N", title="Condition", sort=conditions,
                      scale=alt.Scale(domain=conditions, range=colors),
                      legend=alt.Legend(orient="top", labelLimit=200))
    has_ci = {schema.CI_LOW, schema.CI_HIGH} <= set(rows.columns)
    tips = [alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
            alt.Tooltip(f"{schema.CONDITION}:N", title="Condition"),
            alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.2f")]
    layers: list[alt.Chart] = [_zero()]
    if has_ci:
        tips += [alt.Tooltip(f"{schema.CI_LOW}:Q", title=f"{ci} low", format="+.2f"),
                 alt.Tooltip(f"{schema.CI_HIGH}:Q", title=f"{ci} high", format="+.2f")]
        layers.append(alt.Chart().mark_rule(strokeWidth=2).encode(
            x=x, xOffset=offset, y=alt.Y(f"{schema.CI_LOW}:Q", title=y_title),
            y2=f"{schema.CI_HIGH}:Q", color=color))
    layers.append(alt.Chart().mark_point(filled=True, size=110, opacity=1.0).encode(
        x=x, xOffset=offset, y=alt.Y(f"{schema.DELTA}:Q", title=y_title), color=color,
        shape=alt.Shape(f"{schema.CONDITION}:N", sort=conditions, legend=None,
                        scale=alt.Scale(domain=conditions, range=shapes)),
        tooltip=tips))
    return alt.layer(*layers, data=model_condition_rows(rows)).properties(height=height)


def model_condition_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows `model_condition_chart` draws."""
    return rows[[c for c in (schema.DATASET, schema.CONDITION, schema.DELTA, schema.CI_LOW,
                             schema.CI_HIGH) if c in rows.columns]]


def model_condition_layout(rows: pd.DataFrame, conditions: Sequence[str]) -> tuple:
    """What of `model_condition_chart`'s chart (for one axis title, interval name and height)
    is not its rows: two models with equal layouts have charts that differ in their rows
    alone (`model_condition_rows`)."""
    return (tuple(dict.fromkeys(rows[schema.DATASET])), tuple(conditions),
            tuple(model_condition_rows(rows).columns))


def dataset_heatmap(detail: pd.DataFrame, conditions: Sequence[str], *,
                    y_title: str = schema.Y_TITLE) -> alt.LayerChart:
    """Datasets (rows) × conditions (columns) of a `compare_conditions(table, "dataset")` detail:
    each cell the condition's mean Δ over the dataset's common models, red below 0 and blue
    above; the highest mean per dataset outlined; grey where a dataset has no common model.
    Datasets measured under one condition only are left out; conditions in the given order."""
    data = detail.loc[detail["conditions"] >= 2].copy()
    data["label"] = [signed(v, 2) if pd.notna(v) else "–" for v in data["mean_common"]]
    labels = condition_labels(detail)
    limit = max(1.0, float(data["mean_common"].abs().max())) if data["mean_common"].notna().any() \
        else 1.0
    data["ink"] = ["light" if pd.notna(v) and abs(v) > 0.6 * limit else "dark"
                   for v in data["mean_common"]]
    datasets = list(dict.fromkeys(data[schema.DATASET]))
    shown = set(data[schema.CONDITION])
    conditions = [c for c in conditions if c in shown]
    step = max(70, min(120, 480 // max(1, len(conditions))))
    level = all(len(c) * 6.5 < step for c in conditions)  # names that fit their column
    x = alt.X(f"{schema.CONDITION}:N", sort=conditions, title="Condition",
              axis=alt.Axis(orient="top", labelAngle=0 if level else -30,
                            labelAlign="center" if level else "left", labelLimit=180))
    y = alt.Y(f"{schema.DATASET}:N", sort=datasets, title=None, axis=alt.Axis(labelLimit=160))
    tips = [alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
            alt.Tooltip(f"{schema.CONDITION}:N", title="Condition"),
            alt.Tooltip("label:N", title=f"{labels['mean_common']} ({y_title})"),
            alt.Tooltip("common:Q", title=labels["common"]),
            alt.Tooltip("measured:Q", title=labels["measured"]),
            alt.Tooltip("best_for:Q", title=labels["best_for"])]
    base = alt.Chart().mark_rect(fill=MISSING_COLOR, stroke="white").encode(
        x=x, y=y, tooltip=tips)
    cells = alt.Chart().transform_filter("isValid(datum.mean_common)").mark_rect(
        stroke="white").encode(
        x=x, y=y, tooltip=tips,
        fill=alt.Fill("mean_common:Q", title=f"Mean {y_title}",
                      scale=alt.Scale(scheme="redblue", domain=[-limit, limit], domainMid=0),
                      legend=alt.Legend(orient="bottom", gradientLength=160)))
    outline = alt.Chart().transform_filter("datum.highest").mark_rect(
        fill=None, stroke="#111111", strokeWidth=2.5).encode(x=x, y=y)
    text = alt.Chart().mark_text(fontSize=11).encode(
        x=x, y=y, text="label:N", tooltip=tips,
        color=alt.Color("ink:N", scale=alt.Scale(domain=["dark", "light"],
                                                 range=["#202124", "#ffffff"]), legend=None))
    return alt.layer(base, cells, outline, text, data=data).properties(
        width=alt.Step(step), height=alt.Step(26))


def agreement_chart(detail: pd.DataFrame) -> alt.Chart:
    """Per pair of conditions (a `pair_agreement` detail), the model × dataset pairs on the same
    side of the baseline, with one unchanged, and on opposite sides, as stacked bars."""
    order = list(SIDE_COLORS)
    data = detail.assign(pair=[f"{a} and {b}" for a, b in zip(detail["first"], detail["second"])],
                         rank=range(len(detail)))
    long = data.melt(id_vars=["pair", "rank", "pairs"], value_vars=order, var_name="side",
                     value_name="count")
    long["side_name"] = long["side"].map(SIDE_NAMES)
    long["side_rank"] = long["side"].map({s: i for i, s in enumerate(order)})
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("pair:N", sort=list(data["pair"]), title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("count:Q", title="Model × dataset pairs", stack="zero",
                axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("side_name:N", title=None, sort=[SIDE_NAMES[s] for s in order],
                        scale=alt.Scale(domain=[SIDE_NAMES[s] for s in order],
                                        range=[SIDE_COLORS[s] for s in order]),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("side_rank:Q"),
        tooltip=[alt.Tooltip("pair:N", title="Conditions"),
                 alt.Tooltip("side_name:N", title="Where"),
                 alt.Tooltip("count:Q", title="Pairs"),
                 alt.Tooltip("pairs:Q", title="Measured under both")],
    ).properties(height=BAR_STEP * len(data) + AXIS_ROOM)


MAX_PAIR_BARS = 15
"""Pairs of conditions drawn as bars at most (6 conditions); more are drawn as a matrix."""


def agreement_matrix(detail: pd.DataFrame, conditions: Sequence[str]) -> alt.LayerChart:
    """Condition × condition (a `pair_agreement` detail, both halves): the share of model ×
    dataset pairs on the same side of the baseline, white where two conditions share none."""
    both = pd.concat([detail, detail.rename(columns={"first": "second", "second": "first"})],
                     ignore_index=True)
    both["label"] = [f"{v:.0%}" for v in both["share_same"]]
    order = list(conditions)
    x = alt.X("first:N", sort=order, title=None, axis=alt.Axis(orient="top", labelAngle=-40,
                                                                labelAlign="left", labelLimit=140))
    y = alt.Y("second:N", sort=order, title=None, axis=alt.Axis(labelLimit=160))
    tips = [alt.Tooltip("first:N", title="Condition"),
            alt.Tooltip("second:N", title="Other condition"),
            alt.Tooltip("same:Q", title=SIDE_NAMES["same"]),
            alt.Tooltip("opposite:Q", title=SIDE_NAMES["opposite"]),
            alt.Tooltip("one_unchanged:Q", title=SIDE_NAMES["one_unchanged"]),
            alt.Tooltip("pairs:Q", title="Measured under both")]
    cells = alt.Chart().mark_rect(stroke="white").encode(
        x=x, y=y, tooltip=tips,
        fill=alt.Fill("share_same:Q", title="Share on the same side",
                      scale=alt.Scale(scheme="greens", domain=[0, 1]),
                      legend=alt.Legend(orient="bottom", format=".0%", gradientLength=160)))
    text = alt.Chart().mark_text(fontSize=10).encode(x=x, y=y, text="label:N", tooltip=tips)
    return alt.layer(cells, text, data=both).properties(width=alt.Step(34), height=alt.Step(22))


def best_counts_chart(counts: pd.DataFrame) -> alt.Chart:
    """Per condition (a `best_counts` frame), the models for which it alone has the highest
    mean Δ, and those for which it shares it, as stacked bars."""
    names = {"alone": "Highest alone", "shared": "Highest, tied"}
    long = counts.melt(id_vars=[schema.CONDITION], value_vars=list(names), var_name="how",
                       value_name="models")
    long["how_name"] = long["how"].map(names)
    long["how_rank"] = long["how"].map({"alone": 0, "shared": 1})
    conditions = list(counts[schema.CONDITION])
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y(f"{schema.CONDITION}:N", sort=conditions, title=None,
                axis=alt.Axis(labelLimit=200)),
        x=alt.X("models:Q", title="Models", stack="zero", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("how_name:N", title=None, sort=list(names.values()),
                        scale=alt.Scale(domain=list(names.values()),
                                        range=[GAIN_COLOR, "#9ecae1"]),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("how_rank:Q"),
        tooltip=[alt.Tooltip(f"{schema.CONDITION}:N", title="Condition"),
                 alt.Tooltip("how_name:N", title="How"),
                 alt.Tooltip("models:Q", title="Models")],
    ).properties(height=BAR_STEP * len(counts) + AXIS_ROOM)


def chart_width(finding: Finding) -> str:
    """How the page sizes a finding's chart: "content" for the heatmaps (their cells have a
    size), "stretch" for the bars."""
    matrix = finding.key == AGREEMENT and len(finding.detail) > MAX_PAIR_BARS
    return "content" if finding.key == BY_DATASET or matrix else "stretch"


def condition_chart(finding: Finding, y_title: str = schema.Y_TITLE) -> alt.TopLevelMixin | None:
    """The chart that goes with a finding across conditions, or None when it has nothing to
    draw."""
    if finding.key == BY_DATASET and (finding.detail["conditions"] >= 2).any():
        return dataset_heatmap(finding.detail, finding.numbers["conditions"], y_title=y_title)
    if finding.key == AGREEMENT and not finding.detail.empty:
        if len(finding.detail) > MAX_PAIR_BARS:
            return agreement_matrix(finding.detail, finding.numbers["conditions"])
        return agreement_chart(finding.detail)
    counts = finding.numbers.get("counts")
    if finding.key == BY_MODEL and counts is not None and counts[["alone", "shared"]].any(
            axis=None):
        return best_counts_chart(counts)
    return None
