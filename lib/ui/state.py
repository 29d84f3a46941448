"""The active table of this browser session: the bundled figure or the session's own upload.

It lives in `st.session_state`, which Streamlit keeps per session: one user's upload is never
visible to another. What the pages compute from it is kept there too (`remembered`); only what is
derived from the bundled figure alone is kept once for every session. Nothing is written to disk.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.analysis.filters import of_condition, of_conditions, table_conditions
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.wording import names

ACTIVE_KEY = "active_table"
FILTER_KEYS = {"model": "model", "category": "category", "dataset": "dataset"}
"""The overview's filter widget keys, which are also the URL's query parameter names
(`?model=GPT-4o&model=...`)."""
CONDITION_KEY = "condition"
"""The condition picker's widget key and query parameter (`?condition=CoT`)."""
KEPT_CONDITION_KEY = "_condition_kept"
"""The condition last picked, which the next page's picker starts on (a page's widgets are
forgotten when another page runs)."""
CONDITIONS_KEY = "conditions"
"""The Overview's picker of one or several conditions: its widget key and query parameter
(`?conditions=CoT&conditions=CRITIC`). Another name than the other pages' `condition`: one key
for two kinds of widget would hand a list to a selectbox."""
KEPT_CONDITIONS_KEY = "_conditions_kept"
"""The conditions last picked on the Overview, which it opens on again while the condition
picked on another page is one of them."""
NAMED_CONDITIONS = 6
"""Conditions a page's label names at most ("a, b, … and 3 more")."""
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
    for key in (*FILTER_KEYS.values(), CONDITION_KEY, KEPT_CONDITION_KEY, CONDITIONS_KEY,
                KEPT_CONDITIONS_KEY):
        if key in st.session_state:
            del st.session_state[key]
        if key in st.query_params:
            try:
                del st.query_params[key]
            except StreamlitAPIException:  # bound to a widget of the page in use: Streamlit
                pass  # removes it once that widget is not drawn, and keeps it while it is


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


def _overview_start(conditions: list[str]) -> bool:
    """Before the Overview's picker: open it on the condition picked on another page when that
    one is not among the Overview's own last picks (else the picker keeps its value), and read a
    single-condition address (`?condition=CoT`, as the other pages write it) the same way.
    True when it set the picker's value."""
    kept = st.session_state.get(KEPT_CONDITION_KEY)
    if CONDITION_KEY in st.query_params:  # unbound here: another page's binding is dropped
        asked = st.query_params.get(CONDITION_KEY)
        del st.query_params[CONDITION_KEY]
        if asked in conditions and CONDITIONS_KEY not in st.query_params:
            kept = asked
            st.session_state.pop(KEPT_CONDITIONS_KEY, None)
    if kept not in conditions:
        return False
    own = st.session_state.get(KEPT_CONDITIONS_KEY)
    if own is None and kept == conditions[0]:
        return False  # the picker's default: nothing to set
    if own is not None and kept in own:
        return False
    st.session_state[CONDITIONS_KEY] = [kept]
    return True


def conditions_view(current: ActiveTable) -> ActiveTable:
    """The Overview's view of the active table: one or several conditions picked in the
    sidebar (the first by default) and kept in the page address, when the table holds several.
    The rows of the picked conditions stay apart, one per model × dataset × condition, never
    averaged; rows without a condition stay too. Any other table is returned as is. The other
    pages open on the first condition picked here (or on theirs, while it is picked here)."""
    conditions = table_conditions(current.table)
    if len(conditions) < 2:
        return current
    was_set = _overview_start(conditions)
    with st.sidebar:  # a default beside a value set in session state is ignored and warned of
        chosen = st.multiselect(
            "Conditions", conditions, default=None if was_set else conditions[:1],
            key=CONDITIONS_KEY,
            bind="query-params",
            help="The table holds several conditions per model and dataset. Pick one, or "
                 "several to see them side by side: each point is one model on one dataset "
                 "in one condition, never an average over conditions.")
    picked = [c for c in conditions if c in frozenset(chosen)]  # in the table's order
    if picked:
        st.session_state[KEPT_CONDITIONS_KEY] = picked
        kept = st.session_state.get(KEPT_CONDITION_KEY)
        st.session_state[KEPT_CONDITION_KEY] = kept if kept in picked else picked[0]
    if not picked:
        shown = "no condition picked"
    elif len(picked) == 1:
        shown = f"condition: {picked[0]}"
    else:
        shown = f"conditions: {names(picked, limit=NAMED_CONDITIONS)}"
    return replace(current, table=of_conditions(current.table, picked),
                   label=f"{current.label} · {shown}")


# --- computed once per table ---------------------------------------------------------------------

T = TypeVar("T")
MEMO_KEY = "_computed"
"""This session's computed results (findings, claims, chart specifications, ...) in
`st.session_state`, by what they depend on."""
SESSION_ENTRIES = 64
"""Results a session keeps at most (the least recently used goes first): every page of a
table and a few thresholds, views and models."""
SESSION_BYTES = 64 * 1024 * 1024
"""Bytes of tables a session's kept results hold at most (as `result_bytes` counts them); a
result larger than this is computed on every rerun, as if nothing were kept."""
SHARED_ENTRIES = 256
"""Results of the bundled figure kept for every session at most (thresholds, views, models)."""


SAMPLED = 16
"""Items of a long list or tuple that `result_bytes` looks into (the rest counted alike)."""


def result_bytes(value: object, depth: int = 6) -> int:
    """About how many bytes `value` holds: its tables' memory, and small change for the rest
    (dicts, lists, tuples and dataclasses are looked into)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return int(value.memory_usage(index=True).sum() if isinstance(value, pd.DataFrame)
                   else value.memory_usage(index=True))
    if isinstance(value, (str, bytes)):
        return len(value)
    if depth == 0:
        return 64
    if isinstance(value, dict):
        return 64 + sum(result_bytes(v, depth - 1) for v in value.values())
    if isinstance(value, (list, tuple)):  # a long one estimated from its first items
        first = value[:SAMPLED]
        seen = sum(result_bytes(v, depth - 1) for v in first)
        return 64 + seen * len(value) // max(1, len(first))
    if is_dataclass(value):
        return 64 + sum(result_bytes(getattr(value, f.name), depth - 1) for f in fields(value))
    return 64


@dataclass
class Memo:
    """Results by key, the least recently used dropped past `limit` results or `budget` bytes
    (`result_bytes`); counts of hits and misses."""

    limit: int
    budget: int
    entries: OrderedDict = field(default_factory=OrderedDict)
    sizes: dict = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The result kept for `key`, or `build()`'s, then kept when it fits."""
        if key in self.entries:
            self.hits += 1
            self.entries.move_to_end(key)
            return self.entries[key]
        self.misses += 1
        value = build()
        size = result_bytes(value)
        if size <= self.budget:
            self.entries[key], self.sizes[key] = value, size
            while len(self.entries) > self.limit or sum(self.sizes.values()) > self.budget:
                old, _ = self.entries.popitem(last=False)
                del self.sizes[old]
        return value

    @property
    def bytes(self) -> int:
        """Bytes the kept results hold (`result_bytes`)."""
        return sum(self.sizes.values())


def session_memo() -> Memo:
    """This session's store, in its `st.session_state` (gone with the session; a session runs
    one script at a time, so it needs no lock)."""
    if MEMO_KEY not in st.session_state:
        st.session_state[MEMO_KEY] = Memo(SESSION_ENTRIES, SESSION_BYTES)
    return st.session_state[MEMO_KEY]


FIGURE_BUILT: deque[str] = deque(maxlen=256)
"""The keys of the bundled figure's results computed in this process, the latest last (the
tests read it: a second session computes none again)."""


@st.cache_data(max_entries=SHARED_ENTRIES, show_spinner=False)
def _figure_result(key: str, _build: Callable[[], T]) -> T:
    """`_build()`'s result for `key`, kept once for every session (Streamlit's cache: each
    call gets its own copy, and clearing Streamlit's caches clears it)."""
    FIGURE_BUILT.append(key)
    return _build()


def remembered(key: tuple, build: Callable[[], T], *, figure: bool = False) -> T:
    """`build()`'s result for `key`, computed once and then reused on every rerun. `key` holds
    everything the result depends on (a table's `fingerprint`, thresholds, level, ...). With
    `figure` (the result comes from the bundled figure alone) it is kept once for every
    session; otherwise in this session's state only, so nothing derived from an upload reaches
    another session. Callers never change a result they get."""
    if figure:
        return _figure_result(repr(key), build)
    return session_memo().get(key, build)


def fingerprint(table: pd.DataFrame) -> str:
    """A digest of a table's columns, types, attributes, index and values: two tables with the
    same digest hold the same content (about 1.5 ms for 12,000 rows)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr([(str(c), str(t)) for c, t in table.dtypes.items()]).encode())
    digest.update(repr(sorted(table.attrs.items(), key=repr)).encode())
    digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    return digest.hexdigest()
