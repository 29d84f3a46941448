"""The raw table every reader gives, the limits it reads within, and what the readers share.

A raw table holds the cells of a file as read (text stays text), indexed by the row a user
would look up in the file, so that the validation can say exactly which cell is wrong. Anything
a reader cannot read raises `ReadError` carrying one `Problem` that says why (`fail`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from lib.core.textcells import scrub_text
from lib.ingest.problems import MAX_QUOTED, Effect, Kind, Problem, ReadError, clip, names_phrase

ROW_INDEX = "row"


@dataclass(frozen=True)
class Limits:
    """The most the app reads from one upload."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 5_000_000
    max_columns: int = 200


DEFAULT_LIMITS = Limits()

MAX_ROW_PROBLEMS = 100_000
"""Rows a reader leaves out with a problem (a ragged row, a line that is not JSON) before it gives
up on the file: each listed row costs memory, and a file with this many is not what it seems."""
MAX_NAME_CHARACTERS = 100
"""Column names longer than this are cut (with a note)."""


class Format(StrEnum):
    """File formats the reader knows."""

    DELIMITED = "delimited text"
    JSON = "JSON"
    JSON_LINES = "JSON Lines"
    PARQUET = "Parquet"
    EXCEL = "Excel workbook"


@dataclass(frozen=True)
class RawTable:
    """The cells of a file as read, one row per record, index = row number in the file."""

    frame: pd.DataFrame
    file: str
    format: Format
    rows_read: int
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default=())


def fail(kind: Kind, message: str, file: str) -> ReadError:
    """The error that refuses the whole file, with `message` as its reason."""
    return ReadError(Problem(kind, message, file, effect=Effect.FILE))


def size_phrase(n_bytes: int) -> str:
    """“1.5 MB”, or “512 bytes” below a megabyte."""
    return f"{n_bytes / 1024 / 1024:.1f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


# --- wording: what a message may quote -----------------------------------------------------------

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.+-]+){2,}[\\/]?")
"""Something that looks like a file path (of this machine, or of the build of a library)."""


def library_text(error: BaseException, limit: int = 200) -> str:
    """A library's error message fit to show: its first line, no paths, cut to `limit`."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return clip(_PATH.sub("…", text), limit)


# --- column names and refusals -------------------------------------------------------------------

def clean_header(names: Sequence[object]) -> tuple[list[str], list[str]]:
    """Column names made safe and unique, with a note on each change.

    Each name is stripped, its unsafe characters replaced by U+FFFD, and cut to
    `MAX_NAME_CHARACTERS`; a blank name becomes “column N”; a repeat (compared without case)
    gets the first free “name (k)”, k = 2, 3, …, never a name given to another column.
    """
    cleaned: list[str] = []
    notes: list[str] = []
    for i, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        safe = scrub_text(name)
        if safe != name:
            notes.append(f"The name of column {i} holds control characters; they are replaced "
                         f"by � (“{clip(safe)}”).")
        if len(safe) > MAX_NAME_CHARACTERS:
            notes.append(f"The name of column {i} is {len(safe):,} characters long; only its "
                         f"first {MAX_NAME_CHARACTERS} are kept (“{clip(safe)}”).")
            safe = safe[:MAX_NAME_CHARACTERS].rstrip()
        cleaned.append(safe)
    given = {name.casefold() for name in cleaned if name}
    taken: set[str] = set()
    out: list[str] = []
    for i, name in enumerate(cleaned, start=1):
        if not name:
            base = f"column {i}"
            name = _free(base, taken, given)
            notes.append(f"Column {i} has no name; it is called “{name}” here.")
        elif name.casefold() in taken:
            renamed = _free(name, taken, given, start=2)
            notes.append(f"The column name “{clip(name)}” appears more than once; the repeat "
                         f"in column {i} is called “{clip(renamed, MAX_QUOTED + 6)}” "
                         "here.")
            name = renamed
        taken.add(name.casefold())
        out.append(name)
    return out, notes


def _free(base: str, taken: set[str], reserved: set[str], start: int = 1) -> str:
    """`base` (when `start` is 1), else the first “base (k)” from k = `start` that is neither
    taken nor reserved, compared without case."""
    k = start
    while True:
        name = base if k == 1 else f"{base} ({k})"
        if name.casefold() not in taken and name.casefold() not in reserved:
            return name
        k += 1


def check_columns(n_columns: int, file: str, limits: Limits) -> None:
    if n_columns > limits.max_columns:
        raise fail(Kind.TOO_MANY_COLUMNS, f"The file has {n_columns:,} columns; the limit is "
                   f"{limits.max_columns:,}.", file)


def too_many_rows(file: str, limits: Limits) -> ReadError:
    return fail(Kind.TOO_MANY_ROWS, f"The file has more than {limits.max_rows:,} rows of data; "
                f"the limit is {limits.max_rows:,}.", file)


def header_only(columns: Sequence[str], file: str) -> ReadError:
    return fail(Kind.HEADER_ONLY, f"The file has a header ({names_phrase(columns, 8)}) but no "
                "rows of data.", file)


def check_row_problems(listed: int, file: str, what: str) -> None:
    """Refuse the file when `listed` rows are already left out with a problem (`what` they are)
    and another is about to be: `MAX_ROW_PROBLEMS` is as many as a reader lists."""
    if listed >= MAX_ROW_PROBLEMS:
        raise fail(Kind.UNREADABLE, f"More than {MAX_ROW_PROBLEMS:,} {what}, so the app stops "
                   "reading the file: check that it is the file you meant to upload.", file)


def is_blank(values: Iterable[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)

