"""Model profiles: one model's whole story. The model comes from the URL (?profile=...), the
sidebar picker, or a click on the heatmap of all models."""

import streamlit as st

from lib.analysis.conditions import has_conditions
from lib.analysis.evidence import evidence_words
from lib.analysis.filters import too_many_models
from lib.analysis.profile_text import tolerance_note, written_profile
from lib.analysis.profiles import (DEFAULT_TOLERANCE, comparison, default_reference, key_figures,
                                   model_summary, reference_options, reference_values, rows_of,
                                   significance, standing, table_sources)
from lib.core.text import escape_markdown as esc
from lib.ui.profile_view import (PROFILE_KEY, TOLERANCE_KEY, compare_key, comparison_columns,
                                 draw_markers, intervals_of, marker_of, marker_words,
                                 profile_data, show_comparison, show_heatmap, show_key_figures,
                                 show_marker, show_per_condition, show_standing,
                                 standing_columns, standing_table, summary_columns,
                                 summary_table, table_markers)
from lib.ui.shell import ensure_app_navigation
from lib.ui.state import active, condition_view
from lib.ui.widgets import container_width, readable_p

# Width (px) of the page's main column from which the heatmap stands beside the profile: its
# column, two fifths of the width, then holds the heatmap's some 400 px. (A comment: Streamlit
# would show a bare string of a page on the page.)
SIDE_BY_SIDE = 1050

ensure_app_navigation()

current = condition_view(active())
table = current.table
if table.empty:
    st.info("The active table has no rows: there is no model to profile.")
    st.stop()

if (limit := too_many_models(current.table, "Model profiles")) is not None:
    st.info(limit)
    st.stop()

whole = active().table  # every condition, for the section per condition
with st.sidebar:
    if sources := table_sources(table):
        source = st.radio("Rows from", sources, index=len(sources) - 1, format_func=esc,
                          key="profile_source", horizontal=True,
                          help="The active table joins several sources; a profile reads one "
                               "at a time, so the same model's values are never blended.")
        table = rows_of(table, source)
        whole = rows_of(whole, source)
    data = profile_data(table, figure=current.is_figure)
    model = st.selectbox("Model", data.models, key=PROFILE_KEY, bind="query-params")
    st.caption("The model is kept in the page address: copy it to share this profile. "
               "A click on a cell of the heatmap opens that model's profile.")

category = data.categories[model]
width = container_width("profiles_width")
if width is None or width >= SIDE_BY_SIDE:
    profile, everyone = st.columns([3, 2], gap="large")
else:  # the heatmap under the profile: beside it, a narrow column would cut it
    profile, everyone = st.container(), st.container()

with profile:
    mark, title = st.columns([1, 14], vertical_alignment="center")
    with mark:
        draw_markers(table_markers(data))  # every model's at once, the first time only
        show_marker(marker_of(data, model))
    title.title(esc(model), anchor=False)  # no "#<name>" link beside it
    st.caption(f"{esc(category)} · {esc(marker_words(data, model))} marker, as in the overview "
               f"chart · {esc(current.label)}")

    level, counts = st.columns(4), st.columns(4)
    tolerance = counts[3].number_input(
        "Tolerance (±Δ)", min_value=0.0, max_value=100.0, value=DEFAULT_TOLERANCE, step=0.5,
        key=TOLERANCE_KEY, bind="query-params",
        help="A dataset counts as unchanged when |Δ| is at most this much.")
    flags = significance(table, model)
    figures = key_figures(data.matrix, model, tolerance, flags)
    evidence = evidence_words(current.table)
    show_key_figures(figures, level, counts[:3], evidence)
    st.caption(esc(tolerance_note(figures)))
    words = st.container()

    st.subheader("Where it stands")
    st.caption("Per dataset: the grey bar spans the other models, each grey tick is one of "
               "them and the bold tick is their median; the dashed line is the baseline (Δ = 0). "
               "The rank counts the models measured on that dataset (1 = highest Δ).")
    stand = standing(data.matrix, model)
    show_standing(data, model, stand, intervals_of(table, model), current.y_title, evidence)
    st.dataframe(readable_p(standing_table(stand, table, model)),
                 column_config=standing_columns(current.y_title, evidence), hide_index=True)

    st.subheader("Compare with")
    options = reference_options(model, data.categories, data.models)
    default = default_reference(model, options)
    reference = compared = None
    if default is None:
        st.info("This is the only model in the table: there is nothing to compare it with.")
    else:
        reference = st.selectbox(f"Compare {esc(model)} with", options,
                                 index=options.index(default), format_func=lambda r: r.label,
                                 key=compare_key(model))
        compared = comparison(data.matrix, model,
                              reference_values(data.matrix, model, reference, data.categories))
        show_comparison(data, model, reference, compared, current.y_title)
        st.dataframe(compared, column_config=comparison_columns(current.y_title, reference.label),
                     hide_index=True)

    if has_conditions(whole):
        show_per_condition(whole, model, current.y_title, evidence, figure=current.is_figure)

    sentences = written_profile(figures, category, data.matrix, stand, reference, compared, flags,
                                evidence)
    words.subheader("In words")
    words.markdown("\n".join(f"- {esc(s)}" for s in sentences))

with everyone:
    st.subheader("All models at once")
    st.caption("Δ per model and dataset: red below 0, blue above, grey where a model was not "
               "measured. Click a cell to open that model's profile; its row is outlined.")
    show_heatmap(data, model, current.y_title)
    with st.expander("Every model in numbers, with links"):
        st.dataframe(summary_table(model_summary(data.matrix, data.categories, tolerance)),
                     column_config=summary_columns(current.y_title, tolerance), hide_index=True)
        if not current.is_figure:
            st.caption("A link opens a new tab, which starts from the bundled figure: for your "
                       "own table, click the heatmap instead.")
