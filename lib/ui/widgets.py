"""Widgets shared by several pages: the sidebar filters and the download buttons."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from lib.analysis.evidence import (DISAGREE_HELP, DISAGREE_LABEL, TOO_SMALL_HELP, TOO_SMALL_LABEL,
                                   evidence_words)
from lib.analysis.filters import apply_filters, default_models, model_options
from lib.charts.exports import (chart_html, chart_png, chart_svg, csv_bytes, export_problem,
                                share_spec_lock)
from lib.charts.theme import themed
from lib.core import schema
from lib.core.figure import category_order, dataset_order, model_order
from lib.core.text import escape_markdown
from lib.core.wording import p_value
from lib.ingest.items.cells import CI_EXCLUDES_ZERO, CI_TEST_DISAGREE, TOO_SMALL
from lib.ui.state import FILTER_KEYS, active, reset_to_figure
from lib.ui.streamlit_private import altair_lock

share_spec_lock(altair_lock())  # chart files are made while other sessions draw charts

WIDTH_STEP = 40
"""The width probe reports the container's width rounded down to this many pixels, so that a
window resized by a few pixels does not redraw the page."""
_WIDTH_JS = f"""
export default function(component) {{
    const {{ parentElement, setStateValue }} = component;
    let last = null;
    const report = () => {{
        const width = Math.floor(parentElement.clientWidth / {WIDTH_STEP}) * {WIDTH_STEP};
        if (width > 0 && width !== last) {{
            last = width;
            setStateValue("width", width);
        }}
    }};
    const observer = new ResizeObserver(report);
    observer.observe(parentElement);
    report();
    return () => observer.disconnect();
}}
"""
_width_probe = st.components.v2.component("delta_explorer.width_probe", js=_WIDTH_JS,
                                          isolate_styles=False)


COMPOUND = frozenset({"facet", "hconcat", "vconcat", "concat", "repeat"})
"""Spec keys of the charts Vega-Lite cannot fit to a width (it sizes their parts)."""


def draw_spec(spec: dict, **display: object) -> object:
    """`st.vega_lite_chart` of a Vega-Lite specification (one kept by the page, for example),
    its text in the ink of the theme the browser shows (`display` goes to
    `st.vega_lite_chart`). A single or layered chart is fitted to the width alone: fitted to
    both, as Streamlit fits a chart that stretches, a chart with its legend below gave its plot
    what the legend took (the Findings dot plots were 15 px high)."""
    shown = themed(spec, st.context.theme.type)
    if "autosize" not in shown and not COMPOUND & shown.keys():
        shown["autosize"] = {"type": "fit-x", "contains": "padding"}
    return st.vega_lite_chart(shown, **display)


def container_width(key: str) -> int | None:
    """The width in pixels of the page's main column as the browser lays it out (rounded down
    to `WIDTH_STEP`), or None until the browser has reported it (the first run of a page, and
    in tests without a browser). The page runs again when the width changes."""
    result = _width_probe(key=key, on_width_change=lambda: None)
    width = getattr(result, "width", None) if result is not None else None
    return int(width) if isinstance(width, (int, float)) and width > 0 else None

P_COLUMNS = (schema.P_VALUE, schema.P_ADJUSTED)
P_HELP = "Three significant digits; a p-value below 0.001 is shown as < 0.001."


def readable_p(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` for showing: its p-value columns as text (`p_value`: "0.0123", "< 0.001"); the
    frame itself is left as it is (downloads keep the numbers)."""
    present = [c for c in P_COLUMNS if c in frame.columns]
    if not present:
        return frame
    return frame.assign(**{c: frame[c].map(p_value) for c in present})


def p_column(label: str) -> st.column_config.Column:
    """Column setting for a p-value shown by `readable_p`."""
    return st.column_config.TextColumn(label, help=P_HELP)


def delta_columns(y_title: str, table: pd.DataFrame | None = None
                  ) -> dict[str, st.column_config.Column]:
    """Column settings for a contract table: Δ with its sign, names as plain text, and every
    evidence column the table may carry under a human label (the interval named with its level
    and the p-value with its correction, read from `table`; p-values shown by `readable_p`)."""
    words = evidence_words(table if table is not None else pd.DataFrame())
    number = st.column_config.NumberColumn
    check = st.column_config.CheckboxColumn
    return {
        schema.MODEL: st.column_config.TextColumn("Model"),
        schema.CATEGORY: st.column_config.TextColumn("Category"),
        schema.DATASET: st.column_config.TextColumn("Dataset"),
        schema.DELTA: number(y_title, format="%+.1f"),
        schema.CONDITION: st.column_config.TextColumn("Condition"),
        schema.SOURCE: st.column_config.TextColumn("Source"),
        schema.BASELINE: number("Baseline score", format="%.1f"),
        schema.TREATMENT: number("Treatment score", format="%.1f"),
        schema.CI_LOW: number(f"{words.ci} low", format="%+.1f"),
        schema.CI_HIGH: number(f"{words.ci} high", format="%+.1f"),
        schema.N_ITEMS: number("Items", format="%d"),
        schema.P_VALUE: p_column("p"),
        schema.P_ADJUSTED: p_column(f"p {words.corrected}"),
        schema.SIGNIFICANT: check(f"Significant {words.corrected}"),
        CI_EXCLUDES_ZERO: check(f"{words.interval} excludes 0"),
        TOO_SMALL: check(TOO_SMALL_LABEL, help=TOO_SMALL_HELP),
        CI_TEST_DISAGREE: check(DISAGREE_LABEL, help=DISAGREE_HELP),
        schema.INTERVAL_METHOD: st.column_config.TextColumn("Interval and test"),
    }


def sidebar_filters(table: pd.DataFrame) -> pd.DataFrame:
    """Model, category and dataset pickers in the sidebar, kept in the URL; the filtered rows.

    Every option is selected by default, so a clean URL shows everything, except that a table
    with many models starts on the `default_models` (the rest can be searched and added). An
    unknown value in the URL is dropped rather than raising.
    """
    every_model, categories, datasets = (model_order(table), category_order(table),
                                         dataset_order(table))
    models = model_options(every_model, table)
    strongest = default_models(table)
    shown_first = models if strongest is None else [m for m in models if m in frozenset(strongest)]
    with st.sidebar:
        st.header("Filters")
        chosen_models = st.multiselect("Models", models, default=shown_first,
                                       key=FILTER_KEYS["model"], bind="query-params")
        if len(shown_first) < len(every_model):
            listed = ("" if len(models) == len(every_model) else
                      f" The box lists the {len(models):,} with the largest mean |Δ|.")
            st.caption(f"{len(every_model):,} models: the {len(shown_first)} with the largest "
                       f"mean |Δ| are shown first. Type in the box to find and add others."
                       + listed)
        chosen_categories = st.multiselect("Categories", categories, default=categories,
                                           key=FILTER_KEYS["category"], bind="query-params")
        chosen_datasets = st.multiselect("Datasets", datasets, default=datasets,
                                         key=FILTER_KEYS["dataset"], bind="query-params")
        st.caption("The view is kept in the page address: copy it to share this exact view.")
    return apply_filters(table, chosen_models, chosen_categories, chosen_datasets)


def _drawn_from(render: Callable[[alt.TopLevelMixin], bytes],
                chart: alt.TopLevelMixin | Callable[[], alt.TopLevelMixin]) -> bytes:
    """The file `render` makes of `chart`, built first when it is given as a function."""
    return render(chart if isinstance(chart, alt.TopLevelMixin) else chart())


def download_buttons(view: pd.DataFrame,
                     chart: alt.TopLevelMixin | Callable[[], alt.TopLevelMixin],
                     name: str) -> None:
    """Four downloads in a row: the rows as CSV, the chart as PNG, SVG and standalone HTML
    (`chart` may be a function that builds it: it is then built only for a click).

    Each file is made only when its button is clicked, in a worker thread of the server. A view
    too large for chart files has those buttons disabled, the reason written below them. A file
    that still cannot be made raises `ExportError` there: Streamlit logs it, shows "Failed to
    generate file for download" under the button for a few seconds, and the app carries on.
    """
    problem = export_problem(len(view))
    csv_col, png_col, svg_col, html_col = st.columns(4)
    csv_col.download_button("Data (CSV)", partial(csv_bytes, view), file_name=f"{name}.csv",
                            mime="text/csv", on_click="ignore", width="stretch")
    for column, label, render, suffix, mime in (
            (png_col, "Chart (PNG)", chart_png, "png", "image/png"),
            (svg_col, "Chart (SVG)", chart_svg, "svg", "image/svg+xml"),
            (html_col, "Chart (HTML)", chart_html, "html", "text/html")):
        column.download_button(label, partial(_drawn_from, render, chart),
                               file_name=f"{name}.{suffix}", mime=mime, on_click="ignore",
                               disabled=problem is not None, width="stretch")
    if problem is not None:
        st.caption(problem)


def table_switch() -> None:
    """In the sidebar of every page, while an upload is in use: its name and the way back."""
    current = active()
    if current.is_figure:
        return
    with st.sidebar:
        st.caption(f"In use: {escape_markdown(current.label)}")
        st.button("Back to the bundled figure", key="sidebar_back_to_figure",
                  on_click=reset_to_figure, width="stretch")
