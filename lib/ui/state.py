"""The active table of this browser session: the bundled figure or the session's own upload.

It lives in `st.session_state`, which Streamlit keeps per session: one user's upload is never
visible to another. Nothing here is cached across sessions or written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.core import schema
from lib.core.figure import figure_table

ACTIVE_KEY = "active_table"
FILTER_KEYS = {"model": "model", "category": "category", "dataset": "dataset"}
"""The overview's filter widget keys, which are also the URL's query parameter names
(`?model=GPT-4o&model=...`)."""
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
    for key in FILTER_KEYS.values():
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
