"""Per-item uploads: from a file's bytes to a contract table with intervals (via
`lib.ingest.items.peritem`, and `lib.ingest.items.arms` for several arms per item in rows).

A file with one row per model × dataset × item (or × item × arm, or per-arm scores with n) is
recognised before the ordinary shapes, read and checked once (`read_items`), then aggregated
with the chosen interval settings and baseline arm (`aggregate`), with the same names as the
rest of the app: the figure's dataset spelling (CSQA is CS-QA) and the figure's categories for
its models.

Delimited UTF-8 text takes pyarrow's fast path; anything else (Excel, JSON, Parquet, other
encodings, a `sep=` line, rows pyarrow cannot parse) is read once by the general reader
(`lib.ingest.read.table.read_table`; in the app through the session's upload, `lib.ui.uploads`,
so that the ordinary path reuses the same table). Whatever goes wrong becomes a problem naming
the file, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from lib.core import schema
from lib.core.figure import with_figure_categories
from lib.ingest.columns import dataset_names, model_names
from lib.ingest.items.arms import (CheckedArms, baseline_arm, check_arms, check_arms_csv,
                                   summarise_arms)
from lib.ingest.items.checks import MAX_ROW_PROBLEMS
from lib.ingest.items.peritem import (CheckedItems, PerItemResult, Settings, aggregate_counts,
                                      check_csv, check_items, summarise)
from lib.ingest.items.columns import csv_header
from lib.ingest.items.read import fast_path_fits
from lib.ingest.problems import Effect, Kind, Problem, ReadError
from lib.ingest.read.raw import Format, RawTable
from lib.ingest.read.sniff import GZIP_MAGIC, sniff_format
from lib.ingest.read.table import read_table
from lib.ingest.shapes import ITEM_SHAPES, Shape, detect, evidence_of

logger = logging.getLogger(__name__)

UNEXPECTED = ("the file could not be read as per-item results: an unexpected error occurred. "
              "The table in use is unchanged; check the file against the template below.")

Reader = Callable[[], RawTable]
"""Reads the whole file with the general reader; raises `ReadError` when it cannot."""


@dataclass(frozen=True)
class ItemUpload:
    """A per-item (or counts) file aggregated: the contract table, or why there is none."""

    file: str
    shape: Shape
    table: pd.DataFrame | None
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    rows_read: int | None
    arms: tuple[str, ...] = ()
    """The arms of a file with several arms per item in rows (empty for the other shapes)."""
    baseline: str | None = None
    """The baseline arm used among `arms`."""

    @property
    def usable(self) -> bool:
        """True when a table came out (problems then only name rows that were left out)."""
        return self.table is not None and not self.table.empty


@dataclass(frozen=True)
class ItemsRead:
    """A per-item or counts file read and checked once: any settings are computed from it."""

    file: str
    shape: Shape
    checked: CheckedItems | None = None
    """Per-item results, checked and reduced to one pair of outcomes per item."""
    counts: pd.DataFrame | None = None
    """Per-arm scores with n, as read (index: row numbers)."""
    arms: CheckedArms | None = None
    """Per-item results with the arms in rows, checked and reduced to one outcome per item and
    arm: any baseline arm is computed from it."""
    problems: tuple[Problem, ...] = ()
    """Problems found while reading (a blocking one when nothing could be read)."""
    notes: tuple[str, ...] = ()
    rows_read: int | None = None


def _general_reader(data: bytes, file: str) -> Reader:
    return lambda: read_table(data, file)


def _fast(data: bytes, file: str) -> bool:
    """Whether pyarrow may read the bytes directly (delimited text it can take as it is)."""
    return (not data.startswith(GZIP_MAGIC) and sniff_format(data, file) is Format.DELIMITED
            and fast_path_fits(data))


def item_shape(data: bytes, file: str, read: Reader | None = None) -> Shape | None:
    """The item shape (`ITEM_SHAPES`) the shape registry finds in the file, or None.

    Delimited text pyarrow can read is judged from its header and first rows; anything else
    is read first (with `read`, by default the general reader). None for the mapped shapes and
    for files the ordinary reader must report on.
    """
    try:
        if _fast(data, file):
            names = csv_header(data)[0]  # values can only take an item shape away: names first
            if detect(evidence_of(names)).mapping.shape not in ITEM_SHAPES:
                return None
            shape = detect(evidence_of(data)).mapping.shape
        else:
            shape = detect((read or _general_reader(data, file))().frame).mapping.shape
        return shape if shape in ITEM_SHAPES else None
    except (ReadError, ValueError, UnicodeDecodeError):
        return None
    except Exception:  # the ordinary path reports on the file; log why this one failed
        logger.exception("Recognising a per-item file failed")
        return None


def read_items(data: bytes, file: str, read: Reader | None = None,
               shape: Shape | None = None) -> ItemsRead:
    """Read and check a per-item or counts file once (with `read` where pyarrow's fast path
    does not apply; by default the general reader). `shape` is what `item_shape` found, when
    the caller asked it already (else the registry is asked here). Never raises: a file that
    cannot be read gives an `ItemsRead` whose blocking problem says why."""
    try:
        return _read_items(data, file, read or _general_reader(data, file), shape)
    except ReadError as error:
        return ItemsRead(file, Shape.PER_ITEM, problems=(error.problem,))
    except Exception:
        logger.exception("Reading a per-item file failed")
        return ItemsRead(file, Shape.PER_ITEM, problems=(_unexpected(file),))


def _read_items(data: bytes, file: str, read: Reader, shape: Shape | None) -> ItemsRead:
    fast = _fast(data, file)
    seen = (shape or detect(evidence_of(data)).mapping.shape) if fast else None
    if seen in (Shape.PER_ITEM, Shape.PER_ITEM_ARMS):
        try:
            if seen is Shape.PER_ITEM_ARMS:
                arms = check_arms_csv(data, file)
                return ItemsRead(file, seen, arms=arms, rows_read=arms.rows)
            checked = check_csv(data, file)
        except pa.ArrowInvalid:
            pass  # not UTF-8, rows of the wrong length, ...: the general reader knows more
        else:
            return ItemsRead(file, Shape.PER_ITEM, checked=checked, rows_read=checked.rows)
    raw = read()
    frame = raw.frame
    found = _read_problems(raw, file)
    shape = shape or detect(frame).mapping.shape
    if shape is Shape.COUNTS:
        return ItemsRead(file, Shape.COUNTS, counts=frame, problems=found, notes=raw.notes,
                         rows_read=raw.rows_read)
    if shape is Shape.PER_ITEM_ARMS:
        return ItemsRead(file, shape, arms=check_arms(frame, file,
                                                      row_numbers=frame.index.to_numpy()),
                         problems=found, notes=raw.notes, rows_read=raw.rows_read)
    checked = check_items(frame, file, row_numbers=frame.index.to_numpy())
    return ItemsRead(file, Shape.PER_ITEM, checked=checked, problems=found, notes=raw.notes,
                     rows_read=raw.rows_read)


def _read_problems(raw: RawTable, file: str) -> tuple[Problem, ...]:
    """The general reader's problems (lines that are not records, ...), the first
    MAX_ROW_PROBLEMS of them and a count of the others."""
    found = list(raw.problems[:MAX_ROW_PROBLEMS])
    rest = raw.problems[MAX_ROW_PROBLEMS:]
    if rest:
        kinds = {p.kind for p in rest}
        found.append(Problem(kinds.pop() if len(kinds) == 1 else Kind.UNREADABLE,
                             f"{len(rest):,} more rows that could not be read", file,
                             effect=Effect.ROW))
    return tuple(found)


def _unexpected(file: str) -> Problem:
    """The problem that stops `file` after an error nobody foresaw (logged, not shown)."""
    return Problem(Kind.UNEXPECTED, UNEXPECTED, file)


def canonical(table: pd.DataFrame) -> pd.DataFrame:
    """The aggregated table with the figure's spelling of datasets and models, and the figure's
    category for its models (other models keep theirs, or "Unspecified")."""
    out = schema.conform(table)
    for column, match in ((schema.DATASET, dataset_names), (schema.MODEL, model_names)):
        codes, names = pd.factorize(out[column])
        spelled = match(list(names))
        out[column] = pd.Series([spelled[n] for n in names], dtype=object).to_numpy()[codes]
    out = with_figure_categories(out)
    out.attrs = dict(table.attrs)
    return out


def arms_from_frame(frame: pd.DataFrame, file: str) -> ItemsRead:
    """A table with the arms in rows (model, dataset, item, condition, outcome and optionally
    run, as an evaluation harness gives), checked as an uploaded file of that shape is: then
    `aggregate(items, Settings(baseline=...))`. Row numbers are the frame's positions + 2."""
    try:
        arms = check_arms(frame, file)
    except Exception:
        logger.exception("Checking a table of arms failed")
        return ItemsRead(file, Shape.PER_ITEM_ARMS, problems=(_unexpected(file),))
    return ItemsRead(file, Shape.PER_ITEM_ARMS, arms=arms, rows_read=arms.rows)


def aggregate(items: ItemsRead, settings: Settings) -> ItemUpload:
    """The contract table of a file read by `read_items`, under `settings` (for arms in rows,
    `settings.baseline` is the baseline arm). Never raises."""
    arms: tuple[str, ...] = ()
    baseline = None
    try:
        if items.arms is not None:
            arms = items.arms.arms
            baseline = baseline_arm(arms, settings.baseline)[0] if len(arms) > 1 else None
            result = summarise_arms(items.arms, settings)
            table = None if result.table is None else _with_categories(result.table)
        elif items.counts is not None:
            frame = items.counts
            result = aggregate_counts(frame, items.file, settings=settings,
                                      row_numbers=frame.index.to_numpy())
            table = None if result.table is None else canonical(result.table)
        elif items.checked is not None:
            result = summarise(items.checked, settings)  # names already in the figure's spelling
            table = None if result.table is None else _with_categories(result.table)
        else:
            result = PerItemResult(None)
            table = None
    except Exception:
        logger.exception("Aggregating a per-item file failed")
        result, table = PerItemResult(None, [_unexpected(items.file)]), None
    return ItemUpload(file=items.file, shape=items.shape, table=table,
                      problems=items.problems + tuple(result.problems),
                      notes=items.notes + tuple(result.notes), rows_read=items.rows_read,
                      arms=arms, baseline=baseline)


def _with_categories(table: pd.DataFrame) -> pd.DataFrame:
    out = with_figure_categories(schema.conform(table))
    out.attrs = dict(table.attrs)
    return out


def aggregate_items(data: bytes, file: str, settings: Settings) -> ItemUpload:
    """Read and aggregate a per-item or counts file with `settings` (level, correction, alpha)."""
    return aggregate(read_items(data, file), settings)
