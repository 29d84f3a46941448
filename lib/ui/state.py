"""The active table of this browser session: the bundled figure or the session's own upload.

It lives in `st.session_state`, which Streamlit keeps per session: one user's upload is never
visible to another. Nothing here is cached across sessions or written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from lib.analysis.filters import of_condition, table_conditions
from lib.core import schema
from lib.core.figure import figure_table

ACTIVE_KEY = "active_table"
FILTER_KEYS = {"model": "model", "category": "category", "dataset": "dataset"}
"""The overview's filter widget keys, which are also the URL's query parameter names
(`?model=GPT-4o&model=...`)."""
CONDITION_KEY = "condition"
"""The condition picker's widget key and query parameter (`?condition=CoT`)."""
KEPT_CONDITION_KEY = "_condition_kept"
"""The condition last picked, which the next page's picker starts on (a page's widgets are
forgotten when another page runs)."""
FIGURE_LABEL = "Bundled figure (9 models × 7 datasets)"


@dataclass(frozen=True)
class ActiveTable:
    """A contract table plus what the pages need to describe it."""

    table: pd.DataFrame
    label: str
    is_figure: bool
    y_title: str = schema.Y_TITLE


def figure_active() -> ActiveTable:
    """The bundled figure as an active table."""
    return ActiveTable(table=figure_table(), label=FIGURE_LABEL, is_figure=True)


def active() -> ActiveTable:
    """This session's active table (the bundled figure until the user chooses otherwise)."""
    if ACTIVE_KEY not in st.session_state:
        st.session_state[ACTIVE_KEY] = figure_active()
    return st.session_state[ACTIVE_KEY]


def _start_filters_over() -> None:
    """Forget the overview's filters: a selection made for one table would hide most of another."""
    for key in (*FILTER_KEYS.values(), CONDITION_KEY, KEPT_CONDITION_KEY):
        if key in st.session_state:
            del st.session_state[key]
        if key in st.query_params:
            del st.query_params[key]


def set_active(table: ActiveTable) -> None:
    """Make `table` the active table for every page of this session, filters starting over."""
    _start_filters_over()
    st.session_state[ACTIVE_KEY] = table


def reset_to_figure() -> None:
    """Return this session to the bundled figure, filters starting over."""
    set_active(figure_active())


def condition_view(current: ActiveTable) -> ActiveTable:
    """The active table at one condition, picked in the sidebar and kept in the page address,
    when it holds several (methods, rounds, prompts): every page then shows one measurement
    per model × dataset, never an average over conditions. Any other table is returned as is."""
    conditions = table_conditions(current.table)
    if len(conditions) < 2:
        return current
    kept = st.session_state.get(KEPT_CONDITION_KEY)
    with st.sidebar:
        chosen = st.selectbox(
            "Condition", conditions, key=CONDITION_KEY, bind="query-params",
            index=conditions.index(kept) if kept in conditions else 0,
            help="The table holds several conditions per model and dataset. Each page shows "
                 "one at a time, so that no value is ever an average over conditions.")
    st.session_state[KEPT_CONDITION_KEY] = chosen  # the next page opens on it too
    return replace(current, table=of_condition(current.table, chosen),
                   label=f"{current.label} · condition: {chosen}")
