"""Overview: the Δ dot plot of the active table, filtered from the sidebar."""

from functools import partial

import streamlit as st

from lib.analysis.filters import table_conditions
from lib.charts.dotplot import delta_dot_plot
from lib.charts.specs import vega_spec
from lib.core.text import escape_markdown
from lib.ui.shell import ensure_app_navigation
from lib.ui.state import active, conditions_view, fingerprint, remembered
from lib.ui.widgets import (container_width, delta_columns, download_buttons, draw_spec,
                             readable_p, sidebar_filters)

ensure_app_navigation()

current = conditions_view(active())
several = len(table_conditions(current.table)) > 1
st.title("Δ per model and dataset")
points = ("Each point is one model on one dataset in one condition: a model's conditions stand "
          "side by side, each with its own marker shape (Condition, in the legend). The dashed "
          "line" if several else "Each point is one model on one dataset; the dashed line")
st.caption(f"Showing: {escape_markdown(current.label)}. {points} is the baseline (Δ = 0). Click "
           "a model in the legend to pick it out in every panel; click an empty spot of the "
           "legend area to clear it.")

view = sidebar_filters(current.table)
if view.empty:
    st.info("No rows match the filters. Widen the selection in the sidebar.")
    st.stop()

width = container_width("overview_width")
spec = remembered(("overview", fingerprint(view), current.y_title, width),  # once per view
                  lambda: vega_spec(delta_dot_plot(view, y_title=current.y_title,
                                                   container_width=width)),
                  figure=current.is_figure)
draw_spec(spec, key="overview_chart")
st.subheader("Values shown")
st.dataframe(readable_p(view), column_config=delta_columns(current.y_title, view),
             hide_index=True)
download_buttons(view, partial(delta_dot_plot, view, y_title=current.y_title),
                 name="delta-dot-plot")  # the chart is built again only for a file
