"""Bytes of an uploaded file to a raw table: `read_table`, the one way in.

Reads delimited text, JSON, JSON Lines, Parquet and Excel (.xlsx), each also gzip-compressed:
the format and encoding are sniffed (`sniff`), gzip unpacked, and the bytes handed to their
format's reader (`delimited`, `records`, `binary`). Delimited text in any accepted encoding
takes the pyarrow fast path when it can. Every text cell and column name comes scrubbed:
control characters, noncharacters and lone surrogates become U+FFFD (`lib.core.textcells`),
and a note names the rows where that happened. Nothing but `ReadError` escapes, and nothing is
written to disk.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from lib.core.textcells import scrub_cells
from lib.ingest.problems import MAX_ROWS_SHOWN, Kind, ReadError, clip, row_runs, runs_phrase
from lib.ingest.read.binary import read_excel, read_parquet
from lib.ingest.read.delimited import read_delimited, read_delimited_fast
from lib.ingest.read.raw import DEFAULT_LIMITS, Format, Limits, RawTable, fail, size_phrase
from lib.ingest.read.records import read_json, read_json_lines
from lib.ingest.read.sniff import (GZIP_MAGIC, KNOWN_FORMATS, decode_text, gunzip, sniff_format,
                                   text_encoding, utf8_text)

logger = logging.getLogger(__name__)


def read_table(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Any accepted file to a raw table, or `ReadError` saying why it cannot be read.

    Text cells come scrubbed of unsafe characters, with a note naming their rows. Nothing but
    `ReadError` escapes: a failure no reader foresaw is logged with its traceback and reported
    as a file the app cannot read, of its own kind (`Kind.UNEXPECTED`), so that it is never
    mistaken for a refusal the readers give on purpose.
    """
    try:
        return _scrubbed(_read(data, file, limits))
    except ReadError:
        raise
    except RecursionError:
        raise fail(Kind.UNSUPPORTED, "The file nests its data too deeply to be read as a "
                   "table.", file) from None
    except MemoryError:
        raise fail(Kind.TOO_LARGE, "The file is too large to read in the memory the app has.",
                   file) from None
    except Exception:
        logger.exception("Unexpected failure reading an upload (%s, %s bytes)", clip(file),
                         len(data))
        raise fail(Kind.UNEXPECTED, "The app could not read this file: something in it is not "
                   f"as its format requires. Check that it is well-formed ({KNOWN_FORMATS}), "
                   "or save it again from the program that made it.", file) from None


def _read(data: bytes, file: str, limits: Limits) -> RawTable:
    if len(data) > limits.max_bytes:
        raise fail(Kind.TOO_LARGE, f"The file is {size_phrase(len(data))}; the limit is "
                   f"{size_phrase(limits.max_bytes)}.", file)
    if not data:
        raise fail(Kind.EMPTY_FILE, "The file is empty (0 bytes).", file)
    if data.startswith(GZIP_MAGIC):
        inner = gunzip(data, file, limits.max_bytes)
        if inner.startswith(GZIP_MAGIC):
            sniff_format(inner, file)  # refuses gzip inside gzip
        raw = _read(inner, file, limits)
        return RawTable(raw.frame, file, raw.format, raw.rows_read,
                        ("Unpacked from gzip.", *raw.notes), raw.problems)
    fmt = sniff_format(data, file)
    if fmt is Format.PARQUET:
        return read_parquet(data, file, limits)
    if fmt is Format.EXCEL:
        return read_excel(data, file, limits)
    if fmt is Format.DELIMITED and text_encoding(data, file)[0] in UTF8_CODECS:
        fast = read_delimited_fast(data, file, limits)
        if fast is not None:
            return fast
    elif fmt is Format.DELIMITED:
        return _read_transcoded(data, file, limits)
    return _read_text(*decode_text(data, file), fmt, file, limits)


UTF8_CODECS = ("utf-8", "utf-8-sig")
"""Text the fast path reads as it is; any other is converted to UTF-8 first."""
SPACE_BEFORE_DATA = re.compile("[\ufeff \t\r\n]*")
"""Byte-order marks, spaces, tabs and line ends before a text's first character of data."""
BLANK_BYTES = re.compile(b"[ \t\r\n]*")


def _read_text(text: str, encoding: str, fmt: Format, file: str, limits: Limits) -> RawTable:
    """The file's `text` read as `fmt`: delimited text that starts like JSON is read as JSON."""
    start = SPACE_BEFORE_DATA.match(text).end()  # no copy of the text, as `strip` would make
    if start == len(text):
        raise _blank(file)
    if fmt is Format.DELIMITED and text[start] in ("[", "{"):
        fmt = Format.JSON
    reader = {Format.JSON: read_json, Format.JSON_LINES: read_json_lines,
              Format.DELIMITED: read_delimited}[fmt]
    raw = reader(text, file, limits)
    return RawTable(raw.frame, raw.file, raw.format, raw.rows_read,
                    (f"Text encoding: {encoding}.", *raw.notes), raw.problems)


def _read_transcoded(data: bytes, file: str, limits: Limits) -> RawTable:
    """Delimited text in an encoding other than UTF-8: converted to UTF-8 a piece at a time
    (`utf8_text`), then read on the fast path when it can, as text when not. The file's whole
    text is never held as a str beside the converted bytes."""
    utf8, encoding = utf8_text(data, file)
    start = BLANK_BYTES.match(utf8).end()  # a byte-order mark here: `_read_text` knows it
    if start == len(utf8):
        raise _blank(file)
    if utf8[start:start + 1] not in (b"[", b"{"):  # else JSON, read as text
        fast = read_delimited_fast(utf8, file, limits, encoding)
        if fast is not None:
            return fast
    text = utf8.decode("utf-8")
    del utf8  # at most one copy of the text besides the file's own bytes
    return _read_text(text, encoding, Format.DELIMITED, file, limits)


def _blank(file: str) -> ReadError:
    return fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)


def _scrubbed(raw: RawTable) -> RawTable:
    """`raw` with the unsafe characters of every text cell replaced by U+FFFD
    (`lib.core.textcells`), and a note naming the rows where that happened."""
    changed = np.zeros(len(raw.frame), dtype=bool)
    cells = 0
    columns: dict[int, pd.Series] = {}
    for position in range(raw.frame.shape[1]):
        values, found = scrub_cells(raw.frame.iloc[:, position])
        if found.any():
            columns[position] = values
            changed |= found
            cells += int(found.sum())
    if not columns:
        return raw
    frame = raw.frame.copy(deep=False)
    for position, values in columns.items():
        frame.isetitem(position, values)
    first = raw.frame.index[np.flatnonzero(changed)[:MAX_ROWS_SHOWN]].tolist()
    rows = runs_phrase(row_runs(first), int(changed.sum()))
    note = (f"R{rows[1:]} ({cells:,} "
            f"cell{'s' if cells != 1 else ''}): control characters replaced by �.")
    return RawTable(frame, raw.file, raw.format, raw.rows_read, (*raw.notes, note), raw.problems)
