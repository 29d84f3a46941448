"""Altair builders: pure functions from a contract table to a chart."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from lib.analysis.evidence import DISAGREE_LABEL, TOO_SMALL_LABEL, caveat_columns, evidence_words
from lib.analysis.filters import table_conditions
from lib.core import schema
from lib.core.figure import category_order, dataset_order, model_order
from lib.ingest.items.cells import CI_TEST_DISAGREE, TOO_SMALL
from lib.core.styles import (BASELINE_COLOR, BASELINE_LABEL, category_shapes, model_colors,
                             vega_shape)

DEFAULT_DOMAIN: tuple[float, float] = (-30.0, 30.0)
SELECTION = "model_pick"
"""Name of the legend-bound selection: clicking a model highlights it in every facet."""

PLOT_WIDTH = 700
"""Pixels shared by the facets of one row (the legend comes on top of this)."""
MAX_FACET_COLUMNS = 8
COLUMN_SPACING = 6
"""Pixels between two facets of a row."""
DIMMED_OPACITY = 0.15
FACET_WIDTH = (60, 220)
"""Narrowest and widest facet in pixels (several conditions side by side may widen it)."""

CONDITION_SHAPES: tuple[str, ...] = (
    "circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right",
    "triangle-left", "wedge",
)
"""Marker shapes of the conditions, in the table's order (cycled beyond nine)."""
NO_CONDITION_LABEL = "no condition"
"""The legend's name for rows without a condition (the figure's, beside a compared upload)."""
SLOT = "slot"
"""Column of the chart's data placing a point within its model's band when an upload with
several conditions is compared with the figure: one slot per source × condition."""
SLOT_PIXELS = 12
"""Width a point wants beside its neighbours when several conditions stand side by side."""


def y_domain(values: Sequence[float] | pd.Series, base: tuple[float, float] = DEFAULT_DOMAIN,
             step: float = 10.0) -> tuple[float, float]:
    """The y domain: `base`, grown outwards to the next multiple of `step` that holds all values."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    lo, hi = base
    if finite:
        lo = min(lo, math.floor(min(finite) / step) * step)
        hi = max(hi, math.ceil(max(finite) / step) * step)
    return lo, hi


def y_ticks(domain: tuple[float, float], step: float = 10.0, max_ticks: int = 13) -> list[float]:
    """Tick values every `step` (a multiple of it when that would crowd the axis)."""
    lo, hi = domain
    while (hi - lo) / step + 1 > max_ticks:
        step *= 2 if str(int(step))[0] in "15" else 2.5
    first = math.ceil(lo / step) * step
    count = int(math.floor((hi - first) / step)) + 1
    return [first + i * step for i in range(count)]


def facet_layout(n_datasets: int, plot_width: int = PLOT_WIDTH,
                 min_width: int = FACET_WIDTH[0]) -> tuple[int, int]:
    """(facet columns, width of one facet in pixels) for `n_datasets` facets, each at least
    `min_width` wide (at most `plot_width`): wider facets come in fewer columns, and the rows
    are balanced (9 facets that fit 8 a row come as 5 + 4, not 8 + 1)."""
    narrowest, widest = FACET_WIDTH
    min_width = max(narrowest, min(min_width, plot_width))
    fits = max(1, min(n_datasets, MAX_FACET_COLUMNS,
                      (plot_width + COLUMN_SPACING) // (min_width + COLUMN_SPACING)))
    rows = math.ceil(max(1, n_datasets) / fits)
    columns = math.ceil(max(1, n_datasets) / rows)
    share = (plot_width - (columns - 1) * COLUMN_SPACING) / columns
    return columns, int(max(min_width, min(max(widest, min_width), share)))


NARROW = 640
"""Container width (px) below which the legend goes under the chart."""
AXIS_ROOM = 70
"""Pixels of a chart row taken by the y axis, its title and the padding."""
LEGEND_ROOM = 190
"""Pixels the legends take beside the chart on a wide container."""


def plot_layout(container_width: int | None) -> tuple[int, str]:
    """(pixels the facets of one row may share, legend position) for a container this wide:
    beside the chart when there is room, below it on narrow screens; the default width when
    the container's width is not known."""
    if container_width is None:
        return PLOT_WIDTH, "right"
    if container_width < NARROW:
        return max(FACET_WIDTH[0], container_width - AXIS_ROOM), "bottom"
    return max(FACET_WIDTH[0], container_width - AXIS_ROOM - LEGEND_ROOM), "right"


def _tooltip(table: pd.DataFrame, y_title: str, condition: bool = False) -> list[alt.Tooltip]:
    """Model, category, dataset (and `condition`: the condition) and signed Δ, plus whatever
    evidence the table carries (the interval named with its level, the p-value with its
    correction, whether the cell has too few items to tell, and whether its interval and test
    disagree where any cell's do)."""
    words = evidence_words(table)
    tips = [
        alt.Tooltip(f"{schema.MODEL}:N", title="Model"),
        alt.Tooltip(f"{schema.CATEGORY}:N", title="Category"),
        alt.Tooltip(f"{schema.DATASET}:N", title="Dataset"),
        *([alt.Tooltip(f"{schema.CONDITION}:N", title="Condition")] if condition else []),
        alt.Tooltip(f"{schema.DELTA}:Q", title=y_title, format="+.1f"),
    ]
    optional = [
        (schema.SOURCE, "N", "Source", None),
        (schema.CI_LOW, "Q", f"{words.ci} low", "+.1f"),
        (schema.CI_HIGH, "Q", f"{words.ci} high", "+.1f"),
        (schema.P_VALUE, "Q", "p", ".3g"),
        (schema.P_ADJUSTED, "Q", f"p {words.corrected}", ".3g"),
        (schema.N_ITEMS, "Q", "n items", ",d"),
        (schema.BASELINE, "Q", "Baseline score", ".1f"),
        (schema.TREATMENT, "Q", "Treatment score", ".1f"),
        (schema.INTERVAL_METHOD, "N", "Interval", None),
        (TOO_SMALL, "N", TOO_SMALL_LABEL, None),
        (CI_TEST_DISAGREE, "N", DISAGREE_LABEL, None),
    ]
    shown = set(table.columns).difference({TOO_SMALL, CI_TEST_DISAGREE}) | set(
        caveat_columns(table))
    for col, kind, title, fmt in optional:
        if col in shown:
            extra = {"format": fmt} if fmt else {}
            tips.append(alt.Tooltip(f"{col}:{kind}", title=title, **extra))
    return tips


def _hollow_field(table: pd.DataFrame) -> tuple[str, str, list, list[str]] | None:
    """(column, legend title, domain, labels) of the field that makes some points hollow.

    By source when an upload is compared with the figure (the first source filled, the others
    hollow); else by significance when the table has it (hollow where the p-value, corrected
    across cells, is not below alpha: not the same as the interval holding 0).
    """
    if schema.SOURCE in table.columns:
        sources = list(dict.fromkeys(table[schema.SOURCE]))
        labels = [f"{s} (filled)" if i == 0 else f"{s} (hollow)" for i, s in enumerate(sources)]
        return schema.SOURCE, "Source", sources, labels
    if schema.SIGNIFICANT in table.columns:
        return (schema.SIGNIFICANT, f"Significant {evidence_words(table).corrected}", [True, False],
                ["yes: filled", "no: hollow"])
    return None


FILLED_FIRST = alt.ExprRef("datum.index === 0 ? '#888888' : 'transparent'")
"""A legend's symbol fill drawn as the points are: the first entry filled, the others hollow."""


def _legend_fit(legend_at: str) -> dict[str, object]:
    """The model legend's settings for its position: below the chart, in two columns."""
    return {} if legend_at == "right" else {"direction": "vertical", "columns": 2,
                                            "labelLimit": 140}


KEY_TITLE_LIMIT = 320
"""Pixels a small legend's title may take ("Significant after Benjamini–Hochberg correction"
is about 290 at Vega's legend font); Vega's default, 180, cut it."""


def _key_at(legend_at: str) -> dict[str, object]:
    """Position of the small legends (shape, hollow, baseline): beside the model legend on a
    wide chart; above the chart on a narrow one, where Vega would set legends that share the
    bottom side by side, wider than a phone."""
    return {"orient": "right", "titleLimit": KEY_TITLE_LIMIT} if legend_at == "right" else {
        "orient": "top", "direction": "vertical", "labelLimit": 140,
        "titleLimit": KEY_TITLE_LIMIT}


def _marker_channels(table: pd.DataFrame, pick: alt.Parameter,
                     legend_at: str = "right") -> dict[str, object]:
    """Fill, stroke and (with a hollow field) a legend-bearing stroke width for the points.

    The legend rides on the stroke width (a thin ring for filled points, a thick one for hollow
    points), its symbols filled or hollow as the points are (`FILLED_FIRST`), and the labels say
    which.
    """
    hollow = _hollow_field(table)
    channels: dict[str, object] = {
        "strokeOpacity": alt.condition(pick, alt.value(1.0), alt.value(DIMMED_OPACITY)),
    }
    if hollow is None:
        channels["fillOpacity"] = alt.condition(pick, alt.value(1.0), alt.value(DIMMED_OPACITY))
        return channels
    field, title, domain, labels = hollow
    kind = "N"
    channels["fillOpacity"] = alt.condition(
        pick,
        alt.FillOpacity(f"{field}:{kind}", legend=None,
                        scale=alt.Scale(domain=domain, range=[1.0] + [0.0] * (len(domain) - 1))),
        alt.value(0.0),
    )
    label_expr = " : ".join(
        f"datum.label === '{str(v).lower() if isinstance(v, bool) else v}' ? '{lab}'"
        for v, lab in zip(domain, labels)
    ) + " : datum.label"
    channels["strokeWidth"] = alt.StrokeWidth(
        f"{field}:{kind}", title=title,
        scale=alt.Scale(domain=domain, range=[1.0] + [2.5] * (len(domain) - 1)),
        legend=alt.Legend(symbolType="circle", symbolFillColor=FILLED_FIRST,
                          symbolStrokeColor="#888888", labelExpr=label_expr,
                          **_key_at(legend_at)),
    )
    return channels


def _legend_shapes(shapes: list[str]) -> alt.ExprRef | str:
    """A legend's symbol shape per entry, in the scale's order (`shapes`: shape names): one
    shape for all when they agree. The expression holds only shape names and paths."""
    if len(set(shapes)) <= 1:
        return vega_shape(shapes[0]) if shapes else "circle"
    return alt.ExprRef(f"{json.dumps([vega_shape(s) for s in shapes])}[datum.index]")


def _condition_order(table: pd.DataFrame) -> list[str]:
    """The conditions a chart shows apart, the rows without one (if any) first; none when the
    table holds fewer than two conditions (the chart is then drawn as for one table)."""
    conditions = table_conditions(table)
    if len(conditions) < 2:
        return []
    bare = bool((table[schema.CONDITION] == schema.NO_CONDITION).any())
    return [schema.NO_CONDITION] * bare + conditions


def _slots(table: pd.DataFrame, sources: list[str], conditions: list[str]) -> pd.Series:
    """Each row's slot within its model's band: the source × condition pairs present, sources
    in `sources` order and conditions in `conditions` order, numbered from 0."""
    source = pd.Categorical(table[schema.SOURCE], categories=sources).codes.astype(np.int64)
    condition = pd.Categorical(table[schema.CONDITION], categories=conditions).codes
    pair = source * len(conditions) + condition
    return pd.Series(np.searchsorted(np.unique(pair), pair), index=table.index)


def _condition_shape(conditions: list[str], legend_at: str = "right") -> alt.Shape:
    """Marker shape by condition, with a "Condition" legend (rows without one named so)."""
    return alt.Shape(
        f"{schema.CONDITION}:N", title="Condition",
        scale=alt.Scale(domain=conditions,
                        range=[vega_shape(CONDITION_SHAPES[i % len(CONDITION_SHAPES)])
                               for i in range(len(conditions))]),
        legend=alt.Legend(symbolFillColor="#888888", symbolStrokeColor="#888888",
                          **_key_at(legend_at),
                          labelExpr=f"datum.label === '' ? '{NO_CONDITION_LABEL}' : datum.label"))


def delta_dot_plot(table: pd.DataFrame, *, y_title: str = schema.Y_TITLE, height: int = 380,
                   plot_width: int = PLOT_WIDTH, container_width: int | None = None
                   ) -> alt.FacetChart:
    """The Δ dot plot: points per model, a dashed baseline at 0, one facet per dataset.

    Colors follow the figure for its models and a palette otherwise; shapes follow the model's
    category, and the model legend shows each model's color and shape.
    Clicking a model in the legend highlights it in every facet and dims the rest. Optional
    columns add to it: `ci_low`/`ci_high` an interval behind each point, `source` hollow
    markers for a compared upload, `significant` hollow markers where the corrected p-value is
    not below alpha. A table of several conditions has one point per model × dataset ×
    condition, never an average: a model's conditions side by side in its band, the shape
    following the condition (the category is then in the tooltip).

    `container_width` (px, when known) fits the chart to it: the facets share what is left of
    it after the axis and the legends, which go below the chart on a narrow container.
    """
    legend_at = "right"
    if container_width is not None:
        plot_width, legend_at = plot_layout(container_width)
    models = model_order(table)
    datasets = dataset_order(table)
    categories = category_order(table)
    colors = model_colors(models)
    shapes = category_shapes(categories)
    category_of = dict(table[[schema.MODEL, schema.CATEGORY]].drop_duplicates(schema.MODEL)
                       .itertuples(index=False))  # the first seen: the figure's, compared
    conditions = _condition_order(table)
    sources = list(dict.fromkeys(table[schema.SOURCE])) if schema.SOURCE in table.columns else []
    has_ci = schema.CI_LOW in table.columns and schema.CI_HIGH in table.columns
    bounds = [table[schema.DELTA]]
    if has_ci:
        bounds += [table[schema.CI_LOW], table[schema.CI_HIGH]]
    domain = y_domain(pd.concat(bounds, ignore_index=True))
    slot = _slots(table, sources, conditions) if conditions and len(sources) > 1 else None
    slots = len(conditions) if slot is None else int(slot.max()) + 1
    columns, facet_width = facet_layout(  # several conditions: wider facets, at least 2 a row
        len(datasets), plot_width,
        min_width=min(len(models) * slots * SLOT_PIXELS, plot_width // 2) if conditions
        else FACET_WIDTH[0])
    if len(datasets) > columns:  # several rows of facets: shorter rows keep the page scannable
        height = min(height, 260)
    extra = [c for c in (schema.SOURCE, schema.SIGNIFICANT, schema.CI_LOW, schema.CI_HIGH,
                         schema.P_VALUE, schema.P_ADJUSTED, schema.N_ITEMS, schema.BASELINE,
                         schema.TREATMENT, schema.INTERVAL_METHOD) if c in table.columns]
    extra += caveat_columns(table)
    if conditions:
        extra.append(schema.CONDITION)
    data = table[[schema.MODEL, schema.CATEGORY, schema.DATASET, schema.DELTA] + extra]

    pick = alt.selection_point(name=SELECTION, fields=[schema.MODEL], bind="legend")
    band = alt.Scale(type="band", domain=models, paddingInner=0.1, paddingOuter=0.2)
    offset: dict[str, object]
    if slot is not None:  # an upload's conditions and the figure's rows
        data = data.assign(**{SLOT: slot})
        x = alt.X(f"{schema.MODEL}:N", sort=models, axis=None, scale=band)
        offset = {"xOffset": alt.XOffset(f"{SLOT}:O", scale=alt.Scale(domain=list(range(slots))))}
    elif conditions:  # the conditions of a model side by side, not on top
        x = alt.X(f"{schema.MODEL}:N", sort=models, axis=None, scale=band)
        offset = {"xOffset": alt.XOffset(f"{schema.CONDITION}:N",
                                         scale=alt.Scale(domain=conditions))}
    elif len(sources) > 1:  # the same model from two sources: side by side, not on top
        x = alt.X(f"{schema.MODEL}:N", sort=models, axis=None, scale=band)
        offset = {"xOffset": alt.XOffset(f"{schema.SOURCE}:N",
                                         scale=alt.Scale(domain=sources))}
    else:
        x = alt.X(f"{schema.MODEL}:N", sort=models, axis=None,
                  scale=alt.Scale(domain=models, padding=0.4))
        offset = {}
    y_scale = alt.Scale(domain=list(domain), nice=False, zero=False)
    color_scale = alt.Scale(domain=models, range=[colors[m] for m in models])
    y = alt.Y(f"{schema.DELTA}:Q", title=y_title, scale=y_scale,
              axis=alt.Axis(values=y_ticks(domain), grid=True, gridOpacity=0.35))
    color = alt.Color(f"{schema.MODEL}:N", title="Model", scale=color_scale,
                      legend=alt.Legend(orient=legend_at, symbolStrokeWidth=0,
                                        symbolType=_legend_shapes(
                                            [shapes[category_of[m]] for m in models])
                                        if not conditions else "circle",
                                        **_legend_fit(legend_at)))
    points = (
        alt.Chart()
        .mark_point(filled=True, size=100, strokeWidth=1.2, opacity=1.0)
        .encode(
            x=x, y=y, color=color, **offset,
            stroke=alt.Stroke(f"{schema.MODEL}:N", scale=color_scale, legend=None),
            **_marker_channels(table, pick, legend_at),
            shape=_condition_shape(conditions, legend_at) if conditions else alt.Shape(
                f"{schema.CATEGORY}:N", title="Category",
                scale=alt.Scale(domain=categories,
                                range=[vega_shape(shapes[c]) for c in categories]),
                legend=alt.Legend(symbolFillColor="#888888", symbolStrokeColor="#888888",
                                  **_key_at(legend_at))),
            tooltip=_tooltip(table, y_title, condition=bool(conditions)),
        )
        .add_params(pick)
    )
    rule = (
        alt.Chart()
        .transform_aggregate(points="count()", groupby=[schema.DATASET])
        .transform_calculate(baseline=f"'{BASELINE_LABEL}'")
        .mark_rule(color=BASELINE_COLOR, strokeWidth=1.6)
        .encode(
            y=alt.datum(0),
            strokeDash=alt.StrokeDash("baseline:N", title=None,
                                      scale=alt.Scale(domain=[BASELINE_LABEL], range=[[6, 4]]),
                                      legend=alt.Legend(symbolType="stroke", **_key_at(legend_at),
                                                        symbolStrokeColor=BASELINE_COLOR,
                                                        symbolStrokeWidth=2)),
        )
    )
    layers: list[alt.Chart] = [rule]
    if has_ci:
        layers.append(
            alt.Chart()
            .mark_rule(strokeWidth=2)
            .encode(x=x, **offset, y=alt.Y(f"{schema.CI_LOW}:Q", scale=y_scale),
                    y2=f"{schema.CI_HIGH}:Q", color=color,
                    opacity=alt.condition(pick, alt.value(0.55), alt.value(DIMMED_OPACITY / 2)))
        )
    layers.append(points)
    layered = alt.layer(*layers, data=data).properties(width=facet_width, height=height)
    return (
        layered.facet(
            facet=alt.Facet(f"{schema.DATASET}:N", sort=datasets, title="Dataset",
                            header=alt.Header(labelOrient="bottom", titleOrient="bottom",
                                              labelFontSize=12, labelFontWeight="bold")),
            columns=columns,
            spacing={"column": COLUMN_SPACING, "row": 24},
        )
        .configure_view(stroke="#8c8c8c", strokeOpacity=0.35, strokeDash=[3, 3])
    )
