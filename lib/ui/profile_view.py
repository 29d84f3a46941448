"""The profile page's Streamlit side: its working data, the key figures, the tables and their
column settings, the charts (kept specifications plus this rerun's rows), and the callback that
opens a profile from a heatmap click. Small helpers; the numbers come from
lib/analysis/profiles.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.analysis.evidence import (DISAGREE_HELP, DISAGREE_LABEL, TOO_SMALL_HELP, TOO_SMALL_LABEL,
                                   EvidenceWords, caveat_columns)
from lib.analysis.conditions import (best_condition_sentence, condition_rows, model_conditions,
                                     too_many_conditions)
from lib.analysis.filters import table_conditions
from lib.analysis.profiles import (KeyFigures, Reference, clicked_model, delta_matrix,
                                   model_categories)
from lib.charts import profiles as charts
from lib.charts.conditions import (model_condition_chart, model_condition_layout,
                                   model_condition_rows)
from lib.charts.dotplot import y_domain
from lib.charts.exports import specs_svg
from lib.charts.profiles import HEATMAP_SELECTION
from lib.charts.specs import stand_in, vega_spec, with_names, with_rows
from lib.core import schema
from lib.core.figure import category_order, figure_styles, model_order
from lib.core.styles import category_shapes, model_colors, vega_shape
from lib.core.text import escape_markdown as esc
from lib.core.wording import names, signed
from lib.ingest.items.cells import CI_TEST_DISAGREE, TOO_SMALL
from lib.ui.state import fingerprint, remembered
from lib.ui.widgets import draw_spec, p_column, readable_p

PROFILE_KEY = "profile"
"""Key of the model picker, and the URL's query parameter: `?profile=GPT-4o`."""
TOLERANCE_KEY = "tolerance"


@dataclass(frozen=True)
class ProfileData:
    """What every part of the page reads: the matrix, the orders, and each model's marker."""

    matrix: pd.DataFrame
    models: list[str]
    categories: dict[str, str]
    category_order: list[str]
    colors: dict[str, str]
    shapes: dict[str, str]
    """Shape name per category ('circle', 'pentagon', ...)."""
    digest: str = ""
    """The table's `fingerprint`: what is computed from it is kept under it."""
    figure: bool = False
    """Whether the table is the bundled figure's (then what is computed from it is kept once
    for every session)."""


def profile_data(table: pd.DataFrame, figure: bool = False) -> ProfileData:
    """The page's working data for a contract table (colors and shapes as in the overview),
    computed once per table."""
    digest = fingerprint(table)

    def build() -> ProfileData:
        models = model_order(table)
        categories = category_order(table)
        return ProfileData(matrix=delta_matrix(table), models=models,
                           categories=model_categories(table), category_order=categories,
                           colors=model_colors(models), shapes=category_shapes(categories),
                           digest=digest, figure=figure)

    return remembered(("profile data", digest), build, figure=figure)


def marker_of(data: ProfileData, model: str) -> tuple[str, str]:
    """(color, Vega shape) of the model's marker in the Δ dot plot."""
    return data.colors[model], vega_shape(data.shapes[data.categories[model]])


def marker_words(data: ProfileData, model: str) -> str:
    """'teal circle' for a figure model, 'circle (#4e79a7)' for any other."""
    shape = data.shapes[data.categories[model]]
    named = dict(zip(figure_styles()["model"], figure_styles()["color_name"]))
    return f"{named[model]} {shape}" if model in named else f"{shape} ({data.colors[model]})"


def intervals_of(table: pd.DataFrame, model: str) -> pd.DataFrame | None:
    """The model's ci_low/ci_high per dataset when the table has them, else None."""
    if not {schema.CI_LOW, schema.CI_HIGH} <= set(table.columns):
        return None
    rows = table.loc[table[schema.MODEL] == model]
    return rows[[schema.DATASET, schema.CI_LOW, schema.CI_HIGH]].drop_duplicates(schema.DATASET)


EVIDENCE = (schema.CI_LOW, schema.CI_HIGH, schema.SIGNIFICANT, schema.P_ADJUSTED, TOO_SMALL,
            CI_TEST_DISAGREE)
"""Columns an upload may carry per model × dataset; the standing table shows those present (the
flags as `lib.analysis.evidence.caveat_columns` picks them)."""


def standing_table(stand: pd.DataFrame, table: pd.DataFrame, model: str) -> pd.DataFrame:
    """The standing per dataset, ready to show: Δ, rank, the others' spread, and whatever
    evidence (interval, significance, corrected p, too few items to tell, interval and test
    disagreeing) the table has for this model."""
    shown = stand.assign(
        rank_text=[f"{int(r)} of {int(n)}" if pd.notna(r) else "not measured"
                   for r, n in zip(stand["rank"], stand["ranked"])],
        others_range=[f"{signed(lo)} to {signed(hi)}" if pd.notna(lo) else "none"
                      for lo, hi in zip(stand["others_min"], stand["others_max"])])
    columns = [schema.DATASET, schema.DELTA, "rank_text", "others_median", "others_range",
               "vs_median"]
    flags = caveat_columns(table)
    extra = [c for c in EVIDENCE if c in table.columns
             and (c not in (TOO_SMALL, CI_TEST_DISAGREE) or c in flags)]
    if extra:
        rows = table.loc[table[schema.MODEL] == model, [schema.DATASET, *extra]]
        shown = shown.merge(rows.drop_duplicates(schema.DATASET), on=schema.DATASET, how="left")
    return shown[columns + extra]


def show_key_figures(figures: KeyFigures, level: Sequence[DeltaGenerator],
                     counts: Sequence[DeltaGenerator], words: EvidenceWords) -> None:
    """Mean, median, best and worst in the four `level` columns (best and worst with their
    significance after the table's correction, where it has one); the numbers of datasets
    improved, hurt and unchanged in the three `counts` columns (their names in the help)."""
    measured = figures.measured > 0
    level[0].metric("Mean Δ", signed(figures.mean) if measured else None)
    level[1].metric("Median Δ", signed(figures.median) if measured else None)
    for column, label, pick in ((level[2], "Best", figures.best),
                                (level[3], "Worst", figures.worst)):
        if pick is None:
            column.metric(label, None)
            continue
        note = None if pick.significant is None else words.significant(pick.significant)
        column.metric(f"{label}: {esc(pick.dataset)}", signed(pick.delta), delta=note,
                      delta_color="off", delta_arrow="off")
    for column, label, group in ((counts[0], "Improved", figures.improved),
                                 (counts[1], "Hurt", figures.hurt),
                                 (counts[2], "Unchanged", figures.unchanged)):
        column.metric(label, len(group), help=esc(names(group, limit=12)) if group else None)


def standing_columns(y_title: str, words: EvidenceWords) -> dict[str, st.column_config.Column]:
    """Column settings for `standing_table` (the interval named with its level, significance
    with its correction, the flags with their meaning in the help)."""
    number = st.column_config.NumberColumn
    return {
        schema.DATASET: st.column_config.TextColumn("Dataset"),
        schema.DELTA: number(y_title, format="%+.1f"),
        "rank_text": st.column_config.TextColumn("Rank", help="1 = highest Δ among the models "
                                                 "measured on the dataset; ties share a rank"),
        "others_median": number("Others: median", format="%+.1f"),
        "others_range": st.column_config.TextColumn("Others: range",
                                                    help="Lowest to highest of the others"),
        "vs_median": number("vs. others' median", format="%+.1f"),
        schema.CI_LOW: number(f"{words.ci} low", format="%+.1f"),
        schema.CI_HIGH: number(f"{words.ci} high", format="%+.1f"),
        schema.SIGNIFICANT: st.column_config.CheckboxColumn(
            f"Significant {words.corrected}", help="Its p-value, corrected across every cell of "
            "the table, is below alpha. This is not the same as its interval excluding 0."),
        schema.P_ADJUSTED: p_column(f"p {words.corrected}"),
        TOO_SMALL: st.column_config.CheckboxColumn(TOO_SMALL_LABEL, help=TOO_SMALL_HELP),
        CI_TEST_DISAGREE: st.column_config.CheckboxColumn(DISAGREE_LABEL, help=DISAGREE_HELP),
    }


def comparison_columns(y_title: str, reference_label: str) -> dict[str, st.column_config.Column]:
    """Column settings for the comparison table (model, reference, difference)."""
    number = st.column_config.NumberColumn
    return {
        schema.DATASET: st.column_config.TextColumn("Dataset"),
        "model": number(f"This model: {y_title}", format="%+.1f"),
        "reference": number(f"Reference: {y_title}", format="%+.1f", help=reference_label),
        "difference": number("Difference", format="%+.1f", help="This model minus the reference"),
    }


def profile_link(model: str) -> str:
    """A link to `model`'s profile relative to this page's address: `?profile=<name>`."""
    return f"?{PROFILE_KEY}={quote(model, safe='')}"


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The all-models summary with a link to each profile."""
    return summary.assign(link=[profile_link(m) for m in summary[schema.MODEL]])


def summary_columns(y_title: str, tolerance: float) -> dict[str, st.column_config.Column]:
    """Column settings for `summary_table`."""
    number = st.column_config.NumberColumn
    return {
        schema.MODEL: st.column_config.TextColumn("Model"),
        schema.CATEGORY: st.column_config.TextColumn("Category"),
        "measured": number("Datasets", format="%d"),
        "mean": number(f"Mean {y_title}", format="%+.1f"),
        "median": number(f"Median {y_title}", format="%+.1f"),
        "improved": number("Improved", format="%d", help=f"Δ above +{tolerance:g}"),
        "hurt": number("Hurt", format="%d", help=f"Δ below -{tolerance:g}"),
        "unchanged": number("Unchanged", format="%d", help=f"|Δ| at most {tolerance:g}"),
        "link": st.column_config.LinkColumn("Profile", display_text="Open",
                                            help="Opens this model's profile in a new tab"),
    }


def apply_click(state: MutableMapping[str, object], chart_key: str,
                models: Sequence[str]) -> str | None:
    """Open the profile of the model whose heatmap cell was clicked: read the chart's event
    from `state` and, when it names one known model, set the picker's value in `state`."""
    picked = clicked_model(state.get(chart_key), HEATMAP_SELECTION, models)
    if picked is not None:
        state[PROFILE_KEY] = picked
    return picked


def open_clicked(chart_key: str, models: Sequence[str]) -> Callable[[], None]:
    """The heatmap's selection callback (it runs before the rerun, so before the picker)."""

    def callback() -> None:
        apply_click(st.session_state, chart_key, models)

    return callback


def heatmap_key(model: str) -> str:
    """The heatmap's widget key, new for every profile so a click on the same cell always
    registers after the profile was changed elsewhere."""
    return f"profile_heatmap::{model}"


def compare_key(model: str) -> str:
    """The compare picker's key: one per profile, so each profile starts at its own default."""
    return f"compare::{model}"


_BUILDERS: dict[str, Callable[..., object]] = {
    "standing": charts.standing_chart,
    "comparison": charts.comparison_chart,
    "difference": charts.difference_chart,
    "heatmap": charts.heatmap,
}


@st.cache_data(max_entries=256, show_spinner=False)
def chart_spec(kind: str, args: tuple, options: tuple[tuple[str, object], ...] = ()) -> dict:
    """The Vega-Lite specification of one profile chart for its layout (rows left out).

    Building and validating an Altair chart costs tens of milliseconds; the layout repeats
    from one profile to the next, so the built specification is kept (one copy per layout).
    """
    return _BUILDERS[kind](*args, **dict(options)).to_dict()


def show_chart(kind: str, args: tuple, frames: Mapping[str, pd.DataFrame],
               options: Mapping[str, object] | None = None, figure: bool = False,
               names: Mapping[str, object] | None = None, **display: object) -> object:
    """Draw a profile chart in the current container: its kept specification with this
    rerun's rows attached (`display` goes to `st.vega_lite_chart`), its text in the ink of the
    browser's theme; `names` gives the values of the stand-ins `args` holds
    (`lib.charts.specs.with_names`). The specification of the bundled figure's layout is kept
    for every session (`chart_spec`); any other in this session only, since its layout holds
    the upload's names."""
    settings = tuple(sorted((options or {}).items()))
    if figure:
        spec = chart_spec(kind, args, settings)
    else:
        spec = dict(remembered(("profile chart", kind, args, settings),
                               lambda: _BUILDERS[kind](*args, **dict(settings)).to_dict()))
    if names:
        spec = with_names(spec, dict(names))
    spec = {**spec, "datasets": {**spec.get("datasets", {}), **frames}}
    return draw_spec(spec, **display)


COMPARED = (stand_in("model"), stand_in("reference"))
"""Stand-ins for the two names in the comparison chart's layout, which every pair of models
with the same datasets and axis shares."""
COMPARED_MARKERS = ((stand_in("model color"), stand_in("model shape")),
                    (stand_in("reference color"), stand_in("reference shape")))


MARKERS_KEPT = 512
"""Markers kept drawn at most (the figure's and the palette's colors times the shapes are far
fewer)."""


@st.cache_resource(show_spinner=False)
def _drawn_markers() -> dict[tuple[str, str], str]:
    """Every marker drawn so far, by (color, Vega shape), for every session: a marker is a
    color and a shape of the app's own, nothing of an upload."""
    return {}


def draw_markers(markers: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The SVG of each of `markers`; those not drawn yet are drawn all in one child process
    (its start costs about a third of a second, each marker a few milliseconds more)."""
    kept = _drawn_markers()
    found = {m: kept[m] for m in markers if m in kept}
    missing = [m for m in dict.fromkeys(markers) if m not in found]
    if missing:
        drawn = specs_svg([charts.marker_chart(color, shape).to_dict()
                           for color, shape in missing])
        found.update((m, svg.decode("utf-8")) for m, svg in zip(missing, drawn))
        if len(kept) + len(missing) > MARKERS_KEPT:
            kept.clear()
        kept.update((m, found[m]) for m in missing)
    return found


def marker_svg(color: str, shape: str) -> str:
    """The marker drawn by Vega as SVG (shown as an image: no script, no theme padding); drawn
    once per marker for every session, in a child process as every chart file is."""
    return draw_markers([(color, shape)])[(color, shape)]


def table_markers(data: ProfileData) -> list[tuple[str, str]]:
    """Every model's marker, in the table's order (drawn at once by `draw_markers` on a first
    visit, so that picking another model draws nothing)."""
    return [marker_of(data, model) for model in data.models]


def show_marker(marker: tuple[str, str]) -> None:
    """The model's marker, as in the Δ dot plot."""
    st.image(marker_svg(*marker), width=40)


def show_standing(data: ProfileData, model: str, stand: pd.DataFrame,
                  intervals: pd.DataFrame | None, y_title: str, words: EvidenceWords) -> None:
    """The model's Δ per dataset over the spread of the others, with its rank (and interval,
    named with its level)."""
    frames = charts.standing_frames(stand, data.matrix, model, marker_of(data, model), intervals)
    layout = (tuple(stand[schema.DATASET]), charts.standing_domain(frames))
    show_chart("standing", layout, frames, {"y_title": y_title, "intervals": intervals is not None,
                                            "ci": words.ci}, figure=data.figure, width="stretch")


def show_comparison(data: ProfileData, model: str, reference: Reference,
                    compared: pd.DataFrame, y_title: str) -> None:
    """Both models' Δ joined per dataset, and next to it the bars of their difference."""
    ref_marker = (marker_of(data, reference.name) if reference.kind == "model"
                  else charts.MEAN_MARKER)
    frames = charts.comparison_frames(compared, model, reference.label)
    datasets = tuple(compared[schema.DATASET])
    domain = y_domain(frames[charts.COMPARE_POINTS][schema.DELTA])
    # one under the other: side by side, each would get a fifth of the page and cut its labels
    markers = (marker_of(data, model), ref_marker)
    names = dict(zip(COMPARED + COMPARED_MARKERS[0] + COMPARED_MARKERS[1],
                     (model, reference.label, *markers[0], *markers[1])))
    show_chart("comparison", (datasets, domain, *COMPARED, COMPARED_MARKERS),
               frames, {"y_title": y_title}, figure=data.figure, names=names, width="stretch")
    show_chart("difference", (datasets,),
               {charts.DIFFERENCE_DATA: charts.difference_frame(compared)},
               {"title": "This model minus the reference"}, figure=data.figure,
               width="stretch")


def show_heatmap(data: ProfileData, model: str, y_title: str) -> None:
    """All models × datasets; a click on a cell opens that model's profile."""
    key = heatmap_key(model)
    layout = (tuple(str(d) for d in data.matrix.columns), tuple(data.models),
              tuple(data.category_order), charts.color_limit(data.matrix))
    rows = remembered(("heatmap rows", data.digest),  # once per table; the open row per rerun
                      lambda: charts.heatmap_frame(data.matrix, data.categories),
                      figure=data.figure)
    frames = {charts.HEATMAP_DATA: rows.assign(current=rows[schema.MODEL] == model)}
    show_chart("heatmap", layout, frames, {"y_title": y_title}, figure=data.figure, key=key,
               on_select=open_clicked(key, data.models), width="content")


PER_CONDITION_TITLE = "Per condition"


def condition_columns(y_title: str, words: EvidenceWords) -> dict[str, st.column_config.Column]:
    """Column settings for the model's values per condition (`model_conditions`)."""
    number = st.column_config.NumberColumn
    return {
        schema.DATASET: st.column_config.TextColumn("Dataset"),
        schema.CONDITION: st.column_config.TextColumn("Condition"),
        schema.DELTA: number(y_title, format="%+.2f"),
        schema.CI_LOW: number(f"{words.ci} low", format="%+.2f"),
        schema.CI_HIGH: number(f"{words.ci} high", format="%+.2f"),
        schema.P_ADJUSTED: p_column(f"p {words.corrected}"),
        schema.SIGNIFICANT: st.column_config.CheckboxColumn(f"Significant {words.corrected}"),
        TOO_SMALL: st.column_config.CheckboxColumn(TOO_SMALL_LABEL, help=TOO_SMALL_HELP),
        "highest": st.column_config.CheckboxColumn(
            "Highest on this dataset",
            help="This condition gives the model its highest Δ on this dataset (ties: each)"),
    }


def per_condition(table: pd.DataFrame, model: str, y_title: str, ci: str,
                  figure: bool = False) -> tuple[pd.DataFrame, str, dict | None]:
    """The model's rows per condition, the sentence naming its best condition and the chart's
    specification (no sentence or chart without rows)."""
    rows = model_conditions(table, model)
    if rows.empty:
        return rows, "", None
    conditions = table_conditions(condition_rows(table))
    layout = remembered(  # one per datasets and conditions drawn: most models share it
        ("per condition layout", model_condition_layout(rows, conditions), y_title, ci),
        lambda: vega_spec(model_condition_chart(rows, conditions, y_title=y_title, ci=ci)),
        figure=figure)
    return (rows, best_condition_sentence(table, model),
            with_rows(layout, model_condition_rows(rows)))


def show_per_condition(table: pd.DataFrame, model: str, y_title: str,
                       words: EvidenceWords, figure: bool = False) -> None:
    """The model's Δ per dataset under every condition of `table` (all its conditions), side by
    side and never averaged, with one sentence naming its best condition (computed once per
    table, model, axis title and interval level)."""
    st.subheader(PER_CONDITION_TITLE)
    if (why := too_many_conditions(table)) is not None:
        st.info(why)
        return
    rows, sentence, spec = remembered(
        ("per condition", fingerprint(table), model, y_title, words.ci),
        lambda: per_condition(table, model, y_title, words.ci, figure), figure=figure)
    if rows.empty:
        st.info(f"{esc(model)} has no value under any condition of the table.")
        return
    st.caption("Its Δ on each dataset under every condition of the table, side by side and never "
               "averaged; one color and shape per condition; the dashed line is the baseline "
               "(Δ = 0).")
    st.markdown(esc(sentence))
    draw_spec(spec, key=f"per_condition::{model}", width="stretch")
    st.dataframe(readable_p(rows), column_config=condition_columns(y_title, words),
                 hide_index=True)
