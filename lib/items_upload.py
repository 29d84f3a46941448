"""Per-item uploads: from a file's bytes to a contract table with intervals (via lib.peritem).

A file with one row per model × dataset × item (or per-arm scores with n) is recognised before
the ordinary shapes, aggregated with the chosen interval settings, and given the same names as
the rest of the app: the figure's dataset spelling (CSQA is CS-QA) and the figure's categories
for its models.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib import schema
from lib.columns import dataset_names, model_names
from lib.compare import with_figure_categories
from lib.peritem import (ItemProblem, PerItemResult, Settings, aggregate_counts,
                         aggregate_per_item, detect_shape, per_item_from_csv)
from lib.problems import ReadError
from lib.readers import Format, read_table, sniff_format
from lib.upload import UploadedFile

ITEM_SHAPES = ("per_item", "counts")
Y_TITLE = "Δ (points)"
"""Aggregated per-item Δ is a difference of accuracies in percentage points."""


@dataclass(frozen=True)
class ItemUpload:
    """A per-item (or counts) file aggregated: the contract table, or why there is none."""

    file: str
    shape: str
    table: pd.DataFrame | None
    problems: tuple[ItemProblem, ...]
    notes: tuple[str, ...]
    rows_read: int | None

    @property
    def usable(self) -> bool:
        """True when a table came out (problems then only name rows that were left out)."""
        return self.table is not None and not self.table.empty


def item_shape(data: bytes, file: str) -> str | None:
    """"per_item" or "counts" when the file holds per-item results or per-arm scores with n.

    Delimited text is recognised from its header and first rows; other formats are read first.
    None for anything else, including files the ordinary reader must report on.
    """
    try:
        if sniff_format(data, file) is Format.DELIMITED:
            return detect_shape(data)
        return detect_shape(read_table(data, file).frame)
    except (ReadError, ValueError, UnicodeDecodeError):
        return None


def _rows_read(data: bytes, fmt: Format) -> int | None:
    """Data rows of a delimited file (lines after the header that hold something)."""
    if fmt is not Format.DELIMITED:
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(0, lines - 1)


def canonical(table: pd.DataFrame) -> pd.DataFrame:
    """The aggregated table with the figure's spelling of datasets and models, and the figure's
    category for its models (other models keep theirs, or "Unspecified")."""
    out = schema.conform(table)
    out[schema.DATASET] = out[schema.DATASET].map(dataset_names(out[schema.DATASET]))
    out[schema.MODEL] = out[schema.MODEL].map(model_names(out[schema.MODEL]))
    out = with_figure_categories(out)
    out.attrs = dict(table.attrs)
    return out


def aggregate_items(data: bytes, file: str, settings: Settings) -> ItemUpload:
    """Read and aggregate a per-item or counts file with `settings` (resamples, level, ...)."""
    fmt = sniff_format(data, file)
    if fmt is Format.DELIMITED:
        shape = detect_shape(data) or "per_item"
        result: PerItemResult = per_item_from_csv(data, settings)
    else:
        frame = read_table(data, file).frame
        shape = detect_shape(frame) or "per_item"
        aggregate = aggregate_counts if shape == "counts" else aggregate_per_item
        result = aggregate(frame, settings=settings, row_numbers=frame.index.to_numpy())
    table = None if result.table is None else canonical(result.table)
    return ItemUpload(file=file, shape=shape, table=table, problems=tuple(result.problems),
                      notes=tuple(result.notes), rows_read=_rows_read(data, fmt))


cached_aggregate_items = st.cache_data(aggregate_items, max_entries=8, ttl=3600,
                                       show_spinner="Aggregating per-item results…")
"""`aggregate_items` memoised on the bytes, name and settings (a few files, for an hour); used
for the bundled example, which every session may load."""

SESSION_ITEMS_KEY = "items_upload_memo"
SESSION_ITEMS = 4


def session_item_shape(file: UploadedFile) -> str | None:
    """`item_shape` of an uploaded file, worked out once per file and kept in this session's
    state: a rerun neither reads nor hashes the bytes again."""
    memo = st.session_state.setdefault(SESSION_ITEMS_KEY, {})
    key = (file.file_id, "shape")
    if key not in memo:
        memo.clear()  # a new file: forget the previous one's results
        memo[key] = item_shape(file.getvalue(), file.name)
    return memo[key]


def session_items(file: UploadedFile, settings: Settings) -> ItemUpload:
    """`aggregate_items` of an uploaded file, kept in this session's state for its last few
    settings (nothing of it goes to a cache shared with other sessions)."""
    memo = st.session_state.setdefault(SESSION_ITEMS_KEY, {})
    key = (file.file_id, settings)
    if key not in memo:
        with st.spinner("Aggregating per-item results…"):
            memo[key] = aggregate_items(file.getvalue(), file.name, settings)
        results = [k for k in memo if k[1] != "shape"]
        for old in results[:-SESSION_ITEMS]:
            del memo[old]
    return memo[key]
