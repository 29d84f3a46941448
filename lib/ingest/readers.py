"""Bytes of an uploaded file to a raw table: the cells as read, indexed by their row in the file.

Reads delimited text (delimiter detected), JSON, JSON Lines, Parquet and Excel (.xlsx), each
also gzip-compressed. Cells are kept as read (text stays text) so that the validation can say
exactly which cell is wrong; the frame's index is the row number a user would look up in the
file. Anything that cannot be read raises `ReadError` carrying one `Problem` that says why, and
nothing else escapes `read_table`. Nothing is written to disk.

Every text cell and column name is scrubbed at read time: control characters, noncharacters and
lone surrogates become U+FFFD (`lib.core.textcells`), and a note names the rows where that happened.
The work is bounded for every file within the limits: text in any accepted encoding, a `sep=`
line or old Mac line ends still takes the pyarrow path, JSON is parsed one record at a time, and
a workbook is measured (and its empty rows dropped) before openpyxl reads it.

Delimited text takes a fast path through pyarrow's CSV reader (`read_delimited_fast`) whenever
the file is the common case it is sure of; anything else goes through Python's csv module
(`read_delimited`), which gives the same table, only slower.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from json.decoder import scanstring
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lib.ingest.problems import (MAX_QUOTED, MAX_ROWS_SHOWN, Effect, Kind, Problem, ReadError, clip, names_phrase,
                          row_runs, runs_phrase)
from lib.core.textcells import as_array, blank, scrub_cells, scrub_text

ROW_INDEX = "row"

logger = logging.getLogger(__name__)


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


DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
EXTENSION_DELIMITER = {".tsv": "\t", ".tab": "\t", ".psv": "|"}
JSON_LINES_EXTENSIONS = (".jsonl", ".ndjson")
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
GZIP_MAGIC = b"\x1f\x8b"
BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with a byte-order mark"
SAVE_AS_UTF8 = "Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
KNOWN_FORMATS = "CSV, TSV or other delimited text, JSON, JSON Lines, Parquet or Excel .xlsx"


def _fail(kind: Kind, message: str, file: str) -> ReadError:
    return ReadError(Problem(kind, message, file, effect=Effect.FILE))


def _extension(file: str) -> str:
    """The file's extension, of the file inside for a gzip file ("a.tsv.gz" gives ".tsv")."""
    return PurePath(inner_name(file)).suffix.lower()


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


# --- wording: what a message may quote -----------------------------------------------------------

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.+-]+){2,}[\\/]?")
"""Something that looks like a file path (of this machine, or of the build of a library)."""


def _library_text(error: BaseException, limit: int = 200) -> str:
    """A library's error message fit to show: its first line, no paths, cut to `limit`."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return clip(_PATH.sub("…", text), limit)


# --- format and encoding -------------------------------------------------------------------------

def sniff_format(data: bytes, file: str) -> Format:
    """The file's format, from its first bytes first and its name second."""
    ext = _extension(file)
    if data.startswith(PARQUET_MAGIC):
        return Format.PARQUET
    if data.startswith(ZIP_MAGIC):
        if ext in (".ods", ".numbers", ".zip"):
            raise _fail(Kind.UNSUPPORTED, f"{clip(ext)} files are not supported. Export the "
                        "sheet as CSV or Excel .xlsx and upload that.", file)
        return Format.EXCEL
    if data.startswith(OLE_MAGIC):
        raise _fail(Kind.UNSUPPORTED, "This is an old Excel .xls workbook or a password-protected "
                    "one, which the app cannot open. Save it as .xlsx (without a password) or as "
                    "CSV and upload that.", file)
    if data.startswith(GZIP_MAGIC):  # `read_table` unpacks gzip before it asks
        raise _fail(Kind.UNSUPPORTED, "This gzip file holds another gzip file. Unpack it and "
                    "upload the file inside.", file)
    if ext in JSON_LINES_EXTENSIONS:
        return Format.JSON_LINES
    if ext == ".json":
        return Format.JSON
    return Format.DELIMITED


GZIP_PIECE = 1 << 20
"""Compressed bytes handed to zlib at once while unpacking."""


def inner_name(file: str) -> str:
    """The name of the file inside a gzip file: "results.csv.gz" holds "results.csv"."""
    return file[:-3] if file.lower().endswith(".gz") else file


def gunzip(data: bytes, file: str, limit: int) -> bytes:
    """The bytes of a gzip file unpacked (all its members), or `ReadError` when they are not
    gzip or would be more than `limit` bytes: unpacking stops there, so a small file that
    unpacks to gigabytes costs no more than `limit`."""
    out = bytearray()
    rest = memoryview(data)
    try:
        while rest.nbytes and bytes(rest[:2]) == GZIP_MAGIC:
            unpack = zlib.decompressobj(wbits=31)
            while rest.nbytes and not unpack.eof:
                piece, rest = rest[:GZIP_PIECE], rest[GZIP_PIECE:]
                out += unpack.decompress(piece, limit + 1 - len(out))
                while unpack.unconsumed_tail and len(out) <= limit:
                    out += unpack.decompress(unpack.unconsumed_tail, limit + 1 - len(out))
                if len(out) > limit:
                    raise _fail(Kind.TOO_LARGE, f"The gzip file unpacks to more than "
                                f"{_size(limit)}, the limit for a file.", file)
            if not unpack.eof:
                raise _fail(Kind.UNREADABLE, "The gzip file is cut short: its end is missing. "
                            "Upload the whole file, or the file inside it.", file)
            rest = memoryview(unpack.unused_data) if unpack.unused_data else rest
    except zlib.error:
        raise _fail(Kind.UNREADABLE, "The gzip file is damaged and cannot be unpacked. Upload "
                    "the file inside it instead.", file) from None
    if rest.nbytes and any(bytes(rest)):
        raise _fail(Kind.UNREADABLE, "The gzip file has data after its end that is not gzip. "
                    "Upload the file inside it instead.", file)
    return bytes(out)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes sit on one side of mostly-ASCII text, else None."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
                                "\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
"""Characters of the Unicode categories Cc, Cs and Co, but tab, carriage return and line feed."""


def _looks_binary(text: str) -> bool:
    """True when more than 1 % of the first 10,000 characters are control characters."""
    sample = text[:10_000]
    if not sample:
        return False
    controls = len(CONTROL_CHARACTERS.findall(sample))
    return controls / len(sample) > 0.01


def is_utf8(data: bytes) -> bool:
    """True when `data` is valid UTF-8 (checked by Arrow, without decoding it in Python)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def decode_text(data: bytes, file: str) -> tuple[str, str]:
    """The file's text and the name of the encoding used.

    UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32 with a byte-order mark, UTF-16
    without one when its NUL bytes give it away, and Windows-1252 (a superset of the printable
    Latin-1) as a fallback. Binary data and text in none of these raise `ReadError`.
    """
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), name
            except UnicodeDecodeError:
                raise _fail(Kind.ENCODING, f"The file starts with a {name} byte-order mark but "
                            f"its bytes are not valid {name}. {SAVE_AS_UTF8}", file) from None
    if b"\x00" in data[:4096]:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise _fail(Kind.UNREADABLE, "The file holds binary data, not text, and is not a "
                        f"format the app knows ({KNOWN_FORMATS}).", file)
        try:
            return data.decode(codec), "UTF-16 (no byte-order mark)"
        except UnicodeDecodeError:
            raise _fail(Kind.ENCODING, f"The file looks like UTF-16 but is not valid UTF-16. "
                        f"{SAVE_AS_UTF8}", file) from None
    try:
        text, name = data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        try:
            text, name = data.decode("cp1252"), "Windows-1252 (Latin-1)"
        except UnicodeDecodeError as error:
            # The byte named is one that Windows-1252 leaves undefined; UTF-8 failed earlier.
            at = error.start
            line = data.count(b"\n", 0, at) + 1
            raise _fail(Kind.ENCODING, f"The file is neither UTF-8 nor Windows-1252 (Latin-1) "
                        f"text: it is not valid UTF-8, and byte 0x{data[at]:02x} (row {line:,}, "
                        f"position {at:,} of the file) is not a character in Windows-1252. "
                        f"{SAVE_AS_UTF8}", file) from None
    if _looks_binary(text):
        raise _fail(Kind.UNREADABLE, "The file holds binary data, not text, and is not a format "
                    f"the app knows ({KNOWN_FORMATS}).", file)
    return text, name


# --- shared helpers ------------------------------------------------------------------------------

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


def _check_columns(n_columns: int, file: str, limits: Limits) -> None:
    if n_columns > limits.max_columns:
        raise _fail(Kind.TOO_MANY_COLUMNS, f"The file has {n_columns:,} columns; the limit is "
                    f"{limits.max_columns:,}.", file)


def _too_many_rows(file: str, limits: Limits) -> ReadError:
    return _fail(Kind.TOO_MANY_ROWS, f"The file has more than {limits.max_rows:,} rows of data; "
                 f"the limit is {limits.max_rows:,}.", file)


def _header_only(columns: Sequence[str], file: str) -> ReadError:
    return _fail(Kind.HEADER_ONLY, f"The file has a header ({names_phrase(columns, 8)}) but no "
                 "rows of data.", file)


def _too_many_problems(file: str, what: str) -> ReadError:
    return _fail(Kind.UNREADABLE, f"More than {MAX_ROW_PROBLEMS:,} {what}, so the app stops "
                 "reading the file: check that it is the file you meant to upload.", file)


def _frame(rows: list[list[object]], columns: list[str], row_numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.index = pd.Index(row_numbers, name=ROW_INDEX)
    return frame


def _is_blank(values: Iterable[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _scrubbed(raw: RawTable) -> RawTable:
    """`raw` with the unsafe characters of every text cell replaced by U+FFFD (`lib.core.textcells`),
    and a note naming the rows where that happened."""
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


# --- delimited text ------------------------------------------------------------------------------

def detect_delimiter(text: str, prefer: str | None = None, sample_lines: int = 50) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently into 2+ fields.

    Ties go to `prefer` (from the file name), then to more fields. One column: `prefer` or comma.
    """
    lines = [line for line in itertools.islice(
        (line for line in _first_lines(text) if line.strip()), sample_lines)]
    sample = "\n".join(lines)
    best: tuple[tuple[float, bool, int], str] | None = None
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        score = (consistent, delimiter == prefer, width)
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best else (prefer or ",")


def _first_lines(text: str, piece: int = 64 * 1024) -> Iterator[str]:
    """The lines of `text.splitlines()`, a piece of the text at a time (the delimiter needs only
    the first lines)."""
    start = 0
    while start < len(text):
        size = piece
        while True:
            end = start + size
            lines = text[start:end].splitlines(keepends=True)
            if end >= len(text) or len(lines) > 1:
                break
            size *= 2
        if end < len(text):
            lines.pop()  # may be cut short: read again with the next piece
        for line in lines:
            yield line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        start += sum(map(len, lines))


LINE_END = re.compile(r"\r\n|\r|\n")


def _split_sep_line(text: str) -> tuple[str | None, str, int]:
    """Excel's optional first line `sep=;`: (its delimiter, the text after it, lines skipped)."""
    end = LINE_END.search(text, 0, 64)
    first = text[:end.start()] if end else text[:64]
    stripped = first.strip(" ")
    if stripped.lower().startswith("sep=") and len(stripped) == 5:
        return stripped[4], (text[end.end():] if end else ""), 1
    return None, text, 0


LINE_PIECE = 1 << 20
"""Characters handed to the csv reader at once (a StringIO holds 4 bytes a character)."""


def _pieces(text: str) -> Iterator[io.StringIO]:
    """`text` cut after line ends into pieces of about `LINE_PIECE` characters."""
    start, n = 0, len(text)
    while start < n:
        end = min(start + LINE_PIECE, n)
        if end < n:
            cut = text.rfind("\n", start, end)
            if cut < 0:
                cut = text.rfind("\r", start, end)
            if cut < 0:
                found = LINE_END.search(text, end)
                cut = found.start() if found else n - 1
            if text[cut] == "\r" and text[cut + 1:cut + 2] == "\n":
                cut += 1
            end = cut + 1
        yield io.StringIO(text[start:end], newline="")
        start = end


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` as `io.StringIO(text, newline="")` gives them (each keeps its \\r\\n,
    \\r or \\n), without a StringIO of the whole text."""
    return itertools.chain.from_iterable(_pieces(text))


def _records(text: str, delimiter: str, line_offset: int,
             empty_rows: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each non-blank record; quoted line breaks are kept. The
    first record of two or more fields that are all blank is noted in `empty_rows`."""
    reader = csv.reader(_lines(text), delimiter=delimiter)
    previous = 0
    for fields in reader:
        start = previous + 1
        previous = reader.line_num
        if "".join(fields).strip():  # not blank: some field holds more than whitespace
            yield start + line_offset, fields
        elif empty_rows is not None and not empty_rows and len(fields) > 1:
            empty_rows.append(start + line_offset)


def read_delimited(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Delimited text to a raw table (every cell a string); see `_read_delimited`."""
    try:
        return _read_delimited(text, file, limits)
    except csv.Error as error:
        raise _fail(Kind.UNREADABLE, f"The file cannot be read as delimited text "
                    f"({_library_text(error)}).", file) from None


BATCH_ROWS = 1 << 16
"""Rows the slow reader keeps as Python strings before it moves them into Arrow arrays."""


def _read_delimited(text: str, file: str, limits: Limits) -> RawTable:
    """Delimited text to a raw table (every cell a string).

    A record with more fields than the header is listed as a problem and left out (its values
    are probably shifted, e.g. by a decimal comma in a comma-separated file); extra fields that
    are all empty are ignored; missing trailing fields are read as empty cells. Rows that hold
    nothing before the header are skipped; a note says so when one of them has empty fields
    (a header without names), naming the row read as the header instead.
    """
    given, body, skipped = _split_sep_line(text.lstrip("\ufeff"))
    delimiter = given or detect_delimiter(body, EXTENSION_DELIMITER.get(_extension(file)))
    empty_rows: list[int] = []
    records = _records(body, delimiter, skipped, empty_rows)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.",
                    file) from None
    _check_columns(len(header), file, limits)
    columns, notes = clean_header(header)
    if empty_rows and empty_rows[0] < header_line:
        notes.insert(0, f"Row {empty_rows[0]:,} has only empty fields, so it is not the header: "
                        f"the first row with something in it, row {header_line:,}, is read as "
                        f"the header ({names_phrase(header, 8)}).")
    width = len(columns)
    batch: list[list[str]] = []
    arrays: list[list[pa.Array]] = [[] for _ in columns]
    numbers: list[int] = []
    problems: list[Problem] = []
    read = 0
    for line, fields in records:
        read += 1
        if read > limits.max_rows:
            raise _too_many_rows(file, limits)
        if len(fields) != width:
            if len(fields) > width and not _is_blank(fields[width:]):
                if len(problems) >= MAX_ROW_PROBLEMS:
                    raise _too_many_problems(file, "rows have more fields than the header")
                problems.append(Problem(
                    Kind.RAGGED_ROW,
                    f"the row has {len(fields)} fields but the header has {width} (a decimal "
                    "comma in a comma-separated file, or a delimiter inside an unquoted name?)",
                    file, line, None, Effect.ROW))
                continue
            fields = fields[:width] + [""] * (width - len(fields))
        batch.append(fields)
        numbers.append(line)
        if len(batch) == BATCH_ROWS:
            _move_to_arrow(batch, arrays)
    _move_to_arrow(batch, arrays)
    if read == 0:
        raise _header_only(columns, file)
    table = pa.table([pa.chunked_array(parts, pa.large_string()) for parts in arrays],
                     names=[str(i) for i in range(width)])
    frame = table.to_pandas()
    frame.columns = columns
    frame.index = pd.Index(np.array(numbers, dtype=np.int64), name=ROW_INDEX)
    return RawTable(frame, file, Format.DELIMITED, read,
                    (_delimited_note(delimiter, header_line), *notes), tuple(problems))


def _move_to_arrow(batch: list[list[str]], arrays: list[list[pa.Array]]) -> None:
    """Append the rows of `batch` to the Arrow arrays of their columns, and empty it."""
    if not batch:
        return
    for parts, values in zip(arrays, zip(*batch)):
        parts.append(pa.array(values, pa.large_string()))
    batch.clear()


FAST_SAMPLE_BYTES = 64 * 1024
"""Bytes decoded in Python to detect the delimiter and read the header on the fast path (more
when they hold fewer than `SAMPLE_LINES` lines)."""
SAMPLE_LINES = 50
"""Lines `detect_delimiter` looks at."""


def _sample(data: bytes, start: int, size: int = FAST_SAMPLE_BYTES) -> tuple[str, bool] | None:
    """The UTF-8 text of the `size` bytes from `start` (all of them if fewer) and whether that
    is the whole file; None when those bytes are not UTF-8."""
    whole = start + size >= len(data)
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data[start:start + size],
                                                             final=whole)
    except UnicodeDecodeError:
        return None
    return text, whole


def _enough_lines(text: str) -> bool:
    """True when `text` has `SAMPLE_LINES` non-blank lines."""
    lines = (line for line in text.splitlines() if line.strip())
    return sum(1 for _ in itertools.islice(lines, SAMPLE_LINES)) == SAMPLE_LINES


LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\r?\n)*")
"""Empty lines (or lines of spaces and tabs) before the header, which both readers skip."""


def _fast_start(text: str) -> tuple[str | None, int, int]:
    """(delimiter of a `sep=` line, characters and lines before the header) of a sample."""
    given, rest, skipped = _split_sep_line(text)
    blank_lines = LEADING_BLANK_LINES.match(rest)
    lead = len(text) - len(rest) + blank_lines.end()
    return given, lead, skipped + blank_lines.group().count("\n")


def _fast_header(text: str, whole: bool, file: str,
                 given: str | None = None) -> tuple[str, list[str]] | None:
    """(delimiter, header fields) when the header is the first line of `text`, else None."""
    if _looks_binary(text) or not text.strip("\ufeff \t\r\n") or text.startswith("\ufeff") \
            or text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{") \
            or _split_sep_line(text)[0] is not None:
        return None
    head = text if whole else text[:text.rfind("\n") + 1]
    first_line = head[:head.find("\n")]
    if "\n" not in head or "\r" in first_line[:-1]:
        return None
    try:
        delimiter = given or detect_delimiter(head, EXTENSION_DELIMITER.get(_extension(file)),
                                              SAMPLE_LINES)
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        header = next(reader)
    except (StopIteration, csv.Error):
        return None
    if reader.line_num != 1 or _is_blank(header):
        return None
    return delimiter, header


def _arrow_records(body: pa.Buffer, columns: list[str], delimiter: str,
                   line_breaks: bool = False) -> pa.Table | None:
    """Every line of `body` as a record of strings (an empty line: empty strings), or None when
    a line has another number of fields, a value is not UTF-8, or pyarrow refuses it. With
    `line_breaks`, a quoted value may hold line breaks (and its record span lines)."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=[str(i) for i in range(len(columns))]),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=line_breaks),
            convert_options=pacsv.ConvertOptions(  # large strings, as pandas keeps them
                column_types={str(i): pa.large_string() for i in range(len(columns))},
                strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None


def _as_python_reads(table: pa.Table) -> bool:
    """True when no value is longer than Python's csv reader takes (it refuses the file)."""
    limit = csv.field_size_limit()
    return all(not len(column) or pc.max(pc.binary_length(column)).as_py() <= limit
               for column in table.columns)


def _one_record_per_line(data: bytes, start: int, end: int, records: int) -> bool:
    """True when `data[start:end]` has `records` lines, ended by line feeds (a carriage return
    only before one): then no quoted value holds a line break, and row numbers are line
    numbers as Python's reader counts them."""
    if data.count(b"\n", start, end) + 1 != records:
        return False
    return data.find(b"\r", start, end) < 0 or \
        data.count(b"\r", start, end) == data.count(b"\r\n", start, end)


def _line_count(data: bytes, start: int, end: int) -> int:
    """Lines of `data[start:end]` as Python's csv reader counts them (\\r\\n, \\r and \\n end
    one each; the last line needs none)."""
    return data.count(b"\n", start, end) + data.count(b"\r", start, end) \
        - data.count(b"\r\n", start, end) + 1


def _record_lines(table: pa.Table) -> tuple[np.ndarray, int]:
    """The line on which each record starts, counted from 0, and the lines of all records: a
    record takes one line, and one more for each line break inside its quoted values."""
    lines = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        for line_end, weight in (("\r", 1), ("\n", 1), ("\r\n", -1)):
            counts = pc.fill_null(pc.count_substring(column, line_end), 0)
            lines += weight * as_array(counts).to_numpy(zero_copy_only=False)
    ends = np.cumsum(lines)
    return ends - lines, int(ends[-1]) if len(ends) else 0


def _blank_rows(table: pa.Table) -> np.ndarray:
    """True for rows whose every field is blank (Python's reader skips them)."""
    rows = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        rows &= blank(column)
        if not rows.any():
            break
    return rows


def read_delimited_fast(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS,
                        encoding: str | None = None) -> RawTable | None:
    """UTF-8 delimited bytes to the raw table `read_delimited` gives, read by pyarrow; None when
    the file is not the common case it is sure of.

    `encoding` names the file's own encoding when `data` is its text transcoded to UTF-8. The
    common case: UTF-8 (with or without a byte-order mark), no NUL byte in the first 4 KB
    (where `decode_text` looks for UTF-16 and binary data), the header on the first line that
    holds something (after an optional `sep=` line), every other line a record with as many
    fields as the header (an empty line counts as a blank record), no line break inside a quoted
    value, no field longer than Python's csv reader takes. Lines may end in \\n or \\r\\n, or
    all in \\r (old Mac files, read as if they ended in \\n). Row numbers are then line
    numbers. Errors that the slow path would give in the same words (too many rows, header
    only) are raised here.
    """
    if b"\x00" in data[:4096]:
        return None  # UTF-16 or binary data (`decode_text` looks at these bytes)
    bom = data.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if bom else 0
    if encoding is None:
        encoding = UTF8_BOM if bom else UTF8
    old_mac = data.find(b"\n", start) < 0 and data.find(b"\r", start) >= 0
    if old_mac:
        data = data.replace(b"\r", b"\n")  # only carriage returns: the lines of an old Mac
    for size in (FAST_SAMPLE_BYTES, 16 * FAST_SAMPLE_BYTES, 256 * FAST_SAMPLE_BYTES):
        sample = _sample(data, start, size)
        if sample is None:
            return None
        text, whole = sample
        if whole or _enough_lines(text[:text.rfind("\n") + 1]):
            break
    else:
        return None  # too few lines to detect the delimiter as the whole text would
    given, lead, skipped = _fast_start(text)
    found = _fast_header(text[lead:], whole, file, given)
    if not found:
        return None
    delimiter, header = found
    if len(header) > limits.max_columns:
        return None
    columns, notes = clean_header(header)
    header_start = start + len(text[:lead].encode("utf-8"))
    body_start = data.index(b"\n", header_start) + 1
    end = len(data)
    while end > body_start and data[end - 1] in b"\r\n":
        end -= 1
    if end <= body_start:
        return None
    body = pa.py_buffer(data).slice(body_start, end - body_start)
    quoted_values = data.find(b'"', body_start, end) >= 0
    table = _arrow_records(body, columns, delimiter)
    lines: np.ndarray | None = None
    if table is not None and quoted_values and \
            not _one_record_per_line(data, body_start, end, table.num_rows):
        table = None
    if table is None and quoted_values and not old_mac:  # quoted line breaks: records span lines
        table = _arrow_records(body, columns, delimiter, line_breaks=True)
        if table is None:
            return None
        lines, total = _record_lines(table)
        if total != _line_count(data, body_start, end):
            return None  # not read as Python's reader reads it: let that reader read it
    if table is None or not _as_python_reads(table):
        return None
    skip = _blank_rows(table)
    read = table.num_rows - int(skip.sum())
    if read > limits.max_rows:
        raise _too_many_rows(file, limits)
    if read == 0:
        raise _header_only(columns, file)
    first_row = 2 + skipped
    if lines is not None:
        table = table.filter(pa.array(~skip)) if skip.any() else table
        index = pd.Index(lines[~skip] + first_row, name=ROW_INDEX)
    elif skip.any():
        table = table.filter(pa.array(~skip))
        index = pd.Index(np.flatnonzero(~skip) + first_row, name=ROW_INDEX)
    else:
        index = pd.RangeIndex(first_row, first_row + read, name=ROW_INDEX)
    frame = table.to_pandas()
    frame.columns = columns
    frame.index = index
    return RawTable(frame, file, Format.DELIMITED, read,
                    (f"Text encoding: {encoding}.", _delimited_note(delimiter, 1 + skipped),
                     *notes))


def _delimited_note(delimiter: str, header_line: int) -> str:
    """“Read as CSV (comma-separated).” and the header's row when it is not the first."""
    kind = {",": "CSV (comma-separated)", "\t": "TSV (tab-separated)"}.get(
        delimiter, f"delimited text ({DELIMITERS.get(delimiter, repr(delimiter))}-separated)")
    return f"Read as {kind}" + (f"; header on row {header_line}" if header_line > 1 else "") + "."


# --- JSON and JSON Lines -------------------------------------------------------------------------

JSON_SHAPES = ('a list of records, [{"model": …, "dataset": …, "delta": …}, …], an '
               'object of columns, {"model": […], "dataset": […], "delta": […]}, or an object '
               "holding one list of records")
JSON_PIECE = 4 * 1024 * 1024
"""Characters of JSON parsed at once: the longest record, value or JSON Lines line the app reads.
Parsing a piece costs at most a few dozen times its size in memory, whatever it holds."""
JSON_DEPTH = 32
"""Nesting of objects and lists the app reads (a table needs two or three levels)."""
JSON_VALUES = 20_000_000
"""Values (cells) the app keeps from one JSON file: about 1 GB of Python objects at worst."""
JSON_INT_DIGITS = 300
"""Longer integers are read as floats (inf beyond the float range), as no cell needs more."""
JSON_BATCH = 1 << 16
"""Records kept as tuples before they are moved into columns."""
JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
ELEMENT_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
CONTAINERS = frozenset((dict, list))


def _json_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= JSON_INT_DIGITS else float(digits)


def _json_decoder() -> json.JSONDecoder:
    """A decoder of its own for each file: its scanner's memo is not shared between threads."""
    return json.JSONDecoder(parse_int=_json_int)


class _TooDeep(ReadError):
    """JSON nested deeper than `JSON_DEPTH` (a JSON Lines reader leaves the line out)."""


def _too_deep(file: str, where: str) -> ReadError:
    return _TooDeep(Problem(Kind.UNSUPPORTED, f"The JSON nests lists or objects more than "
                            f"{JSON_DEPTH} levels deep ({where}); a table needs two or three. "
                            f"The app reads {JSON_SHAPES}.", file, effect=Effect.FILE))


class _JsonText:
    """A JSON document parsed one value at a time, each from a piece of at most `JSON_PIECE`
    characters, so that no value costs more memory than its piece can make."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.scan = _json_decoder().scan_once
        self.start, self.piece = 0, text[:JSON_PIECE]

    def skip(self, pos: int) -> int:
        """The position of the first character from `pos` that is not JSON whitespace."""
        return JSON_WHITESPACE.match(self.text, pos).end()

    def char(self, pos: int) -> str:
        return self.text[pos:pos + 1]

    def invalid(self, message: str, pos: int) -> ReadError:
        """“The file is not valid JSON: … at line L, column C.” for an error at `pos`."""
        line = self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        return _fail(Kind.UNREADABLE, f"The file is not valid JSON: {message} at line {line:,}, "
                     f"column {column:,}.", self.file)

    def _cut(self, pos: int) -> None:
        self.start, self.piece = pos, self.text[pos:pos + JSON_PIECE]

    def value(self, pos: int) -> tuple[object, int]:
        """The value that starts at `pos` and the position after it."""
        if not self.start <= pos <= self.start + JSON_PIECE // 2:
            self._cut(pos)
        while True:
            last = self.start + len(self.piece) >= len(self.text)
            try:
                value, end = self.scan(self.piece, pos - self.start)
            except StopIteration as stop:
                error: tuple[str, int] | None = ("Expecting value", stop.value)
            except json.JSONDecodeError as caught:
                error = (caught.msg, caught.pos)
            except RecursionError:
                raise _too_deep(self.file, f"line {self.text.count(chr(10), 0, pos) + 1:,}") \
                    from None
            else:
                if end < len(self.piece) or last:  # a number may have been cut at the end
                    return value, self.start + end
                error = None
            if error is not None and (last or (error[1] < len(self.piece) - 16 and not
                                               error[0].startswith("Unterminated string"))):
                raise self.invalid(error[0], self.start + error[1])
            if pos == self.start:
                raise _fail(Kind.UNSUPPORTED, f"The JSON holds a value longer than "
                            f"{_size(JSON_PIECE)} (from line "
                            f"{self.text.count(chr(10), 0, pos) + 1:,}), longer than any record "
                            f"of a table. The app reads {JSON_SHAPES}.", self.file)
            self._cut(pos)

    def array(self, pos: int, visit: Callable[[object, int], None]) -> int:
        """`visit(value, its position)` for each element of the array at `pos`; the position
        after the array."""
        text, scan, separator = self.text, self.scan, ELEMENT_SEPARATOR.match
        pos = self.skip(pos + 1)
        if text[pos:pos + 1] == "]":
            return pos + 1
        while True:
            start, piece = self.start, self.piece
            offset = pos - start
            value = None
            if 0 <= offset <= JSON_PIECE // 2:  # the common case, inline: a value well inside
                try:
                    value, end = scan(piece, offset)
                except (StopIteration, json.JSONDecodeError, RecursionError):
                    end = -1  # `value` says what it is
                if 0 <= end < len(piece):
                    end += start
                else:
                    value, end = self.value(pos)
            else:
                value, end = self.value(pos)
            visit(value, pos)
            after = separator(text, end)
            if after is None:
                raise self.invalid("Expecting ',' delimiter", self.skip(end))
            if after.group(1) == "]":
                return after.start(1) + 1
            pos = after.end()

    def members(self, pos: int, visit: Callable[[str, int], int]) -> int:
        """`visit(key, position of its value)`, which returns the position after the value, for
        each member of the object at `pos`; the position after the object."""
        pos = self.skip(pos + 1)
        if self.char(pos) == "}":
            return pos + 1
        while True:
            if self.char(pos) != '"':
                raise self.invalid("Expecting property name enclosed in double quotes", pos)
            try:
                key, end = scanstring(self.text, pos + 1, True)
            except json.JSONDecodeError as error:
                raise self.invalid(error.msg, error.pos) from None
            pos = self.skip(end)
            if self.char(pos) != ":":
                raise self.invalid("Expecting ':' delimiter", pos)
            pos = self.skip(visit(key, self.skip(pos + 1)))
            after = self.char(pos)
            if after == "}":
                return pos + 1
            if after != ",":
                raise self.invalid("Expecting ',' delimiter", pos)
            pos = self.skip(pos + 1)
            if self.char(pos) != '"':
                raise self.invalid("Expecting property name enclosed in double quotes", pos)


def _depth(value: object, limit: int) -> int:
    """How deep lists and objects nest in `value` (0 for a scalar), counted up to `limit` + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            if level > limit:
                return level
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


class _Budget:
    """The values kept from one JSON file so far, shared by everything that keeps some."""

    def __init__(self, file: str) -> None:
        self.file, self.values = file, 0

    def count(self, values: int) -> None:
        self.values += values
        if self.values > JSON_VALUES:
            raise _fail(Kind.TOO_LARGE, f"The JSON holds more than {JSON_VALUES:,} values; the "
                        "app reads at most that many from JSON. Save the table as CSV or Parquet "
                        "and upload that.", self.file)


class _Columns:
    """Records (or columns) gathered column by column, as `pd.json_normalize` would lay them out:
    nested objects become dotted columns, a key missing from a record an empty cell.

    Records with the same keys in the same order (the usual case) are kept as tuples and moved
    into the columns a batch at a time, where equal values of a batch share one object."""

    def __init__(self, file: str, limits: Limits, budget: _Budget | None = None) -> None:
        self.file, self.limits = file, limits
        self.budget = budget or _Budget(file)
        self.columns: dict[str, list] = {}
        self.rows = 0
        self.keys: tuple[str, ...] = ()
        self.batch: list[tuple] = []

    def add(self, record: object, row: int = 0) -> None:
        """Append one record (numbered `row`, for messages; by default the next number)."""
        if type(record) is not dict:
            raise _fail(Kind.UNSUPPORTED, f"The JSON list holds something other than records. "
                        f"The app reads {JSON_SHAPES}.", self.file)
        if self.rows >= self.limits.max_rows:
            raise _too_many_rows(self.file, self.limits)
        values = tuple(record.values())
        if not CONTAINERS.isdisjoint(map(type, values)):
            record = _flattened(record, self.file, row or self.rows + 1)
            values = tuple(record.values())
        budget = self.budget
        budget.values += len(values)
        if budget.values > JSON_VALUES:
            budget.count(0)
        keys = tuple(record)
        if keys != self.keys or len(self.batch) >= JSON_BATCH:
            self.flush()
            self.keys = keys
        self.batch.append(values)
        self.rows += 1

    def flush(self) -> None:
        """Move the batch into the columns (each column then has one value per record)."""
        batch, columns = self.batch, self.columns
        if not batch:
            return
        done = self.rows - len(batch)
        for key, values in zip(self.keys, zip(*batch)):
            column = columns.get(key)
            if column is None:
                column = self._column(key, done)
            column.extend(_shared(values))
        if len(self.keys) < len(columns):
            for column in columns.values():
                if len(column) == done:
                    column.extend(itertools.repeat(None, len(batch)))
        batch.clear()

    def _column(self, key: str, length: int) -> list:
        if len(self.columns) >= self.limits.max_columns:
            raise _fail(Kind.TOO_MANY_COLUMNS, f"The records have more than "
                        f"{self.limits.max_columns:,} different keys (columns); the limit is "
                        f"{self.limits.max_columns:,}.", self.file)
        column = self.columns[key] = [None] * length
        return column

    def add_column(self, key: str, values: list) -> None:
        """One column of an object of columns (a key given twice keeps its last list), its values
        counted already."""
        if key not in self.columns:
            self._column(key, 0)
        self.columns[key] = _shared(values)

    def frame(self, numbers: Sequence[int] | None = None) -> tuple[pd.DataFrame, list[str]]:
        """The cells as a frame (NaN read as empty), rows numbered from 1 or by `numbers`; and
        the notes on the column names."""
        self.flush()
        names, notes = clean_header(list(self.columns))
        frame = pd.DataFrame({i: pd.Series(values, dtype=object)
                              for i, values in enumerate(self.columns.values())}, dtype=object)
        frame = frame.where(frame.notna(), None)
        frame.columns = names
        index = np.arange(1, len(frame) + 1) if numbers is None else np.asarray(numbers)
        frame.index = pd.Index(index, name=ROW_INDEX)
        return frame, notes


def _shared(values: Sequence[object]) -> list:
    """`values` as a list in which equal strings (names repeated row after row) are one object.
    Only a column of strings (and empty cells) is shared: 1, 1.0 and True are equal keys."""
    if set(map(type, values)) <= TEXT_KINDS:
        memo: dict = {}
        return list(map(memo.setdefault, values, values))
    return list(values)


TEXT_KINDS = {str, type(None)}


def _flattened(record: dict, file: str, row: int) -> dict:
    """`record` with its nested objects as dotted keys, as `pd.json_normalize` makes them (keys
    of scalars first, then the nested ones in order), without recursion; lists stay values."""
    out = {k: v for k, v in record.items() if type(v) is not dict}
    nested: dict[str, object] = {}
    stack = [("", iter([(k, v) for k, v in record.items() if type(v) is dict]))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            name = f"{prefix}.{key}" if prefix else key
            if type(value) is dict:
                if len(stack) >= JSON_DEPTH:
                    raise _too_deep(file, f"record {row:,}")
                stack.append((name, iter(value.items())))
                break
            if type(value) is list and _depth(value, JSON_DEPTH - len(stack)) > \
                    JSON_DEPTH - len(stack):
                raise _too_deep(file, f"record {row:,}")
            nested[name] = value
        else:
            stack.pop()
    for key, value in out.items():
        if type(value) is list and _depth(value, JSON_DEPTH - 1) > JSON_DEPTH - 1:
            raise _too_deep(file, f"record {row:,}")
    out.update(nested)
    return out


class _ListMember:
    """One list in a JSON object: its records, or its other values (a column)."""

    def __init__(self, file: str, limits: Limits, budget: _Budget) -> None:
        self.records = _Columns(file, limits, budget)
        self.budget = budget
        self.values: list = []
        self.file, self.limits = file, limits
        self.count = 0
        self.mixed = False

    def __len__(self) -> int:
        return self.count

    def add(self, value: object, pos: int) -> None:
        self.count += 1
        if self.count > self.limits.max_rows:
            raise _too_many_rows(self.file, self.limits)
        if self.mixed:
            return
        if type(value) is dict:
            if self.values:
                self.mixed = True
                return
            self.records.add(value, self.count)
            return
        if self.records.rows:
            self.mixed = True
            return
        if type(value) is list and _depth(value, JSON_DEPTH) > JSON_DEPTH:
            raise _too_deep(self.file, f"element {self.count:,} of a list")
        budget = self.budget
        budget.values += 1
        if budget.values > JSON_VALUES:
            budget.count(0)
        self.values.append(value)


def read_json(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """A JSON document to a raw table; rows are numbered by record, from 1.

    The app reads a list of objects, an object of equal-length columns, or an object with
    exactly one list of objects in it (e.g. {"results": [...]}). A file of one JSON value per
    line is read as JSON Lines. The document is parsed one record at a time, within the limits.
    """
    if not text.strip():
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only whitespace.", file)
    if _json_lines_inside(text):
        return read_json_lines(text, file, limits)
    doc = _JsonText(text, file)
    pos = doc.skip(0)
    note = "Read as JSON; rows are numbered by record, from 1."
    first = doc.char(pos)
    if first == "[":
        records = _Columns(file, limits)
        end = doc.array(pos, lambda value, _: records.add(value))
        if doc.skip(end) < len(text):
            return read_json_lines(text, file, limits)
        if not records.rows:
            raise _fail(Kind.EMPTY_FILE, "The JSON holds an empty list: no records.", file)
        return _json_table(records, file, Format.JSON, [note])
    if first == "{":
        lists: dict[str, _ListMember] = {}
        others: set[str] = set()
        budget = _Budget(file)

        def member(key: str, at: int) -> int:
            if doc.char(at) == "[":
                others.discard(key)
                lists[key] = _ListMember(file, limits, budget)
                return doc.array(at, lists[key].add)
            lists.pop(key, None)
            others.add(key)
            return doc.value(at)[1]

        end = doc.members(pos, member)
        if doc.skip(end) < len(text):
            return read_json_lines(text, file, limits)
        return _json_table(_json_object(lists, others, file, limits), file, Format.JSON, [note])
    value_end = doc.value(pos)[1]
    if doc.skip(value_end) < len(text):
        return read_json_lines(text, file, limits)
    raise _fail(Kind.UNSUPPORTED, f"The JSON is not laid out as a table. The app reads "
                f"{JSON_SHAPES}.", file)


def _json_lines_inside(text: str) -> bool:
    """True when the first line is a whole JSON value and more follows: JSON Lines."""
    first_end = text.find("\n", 0, JSON_PIECE)
    if first_end < 0 or JSON_WHITESPACE.match(text, first_end).end() == len(text):
        return False
    line = text[:first_end].strip(" \t\r")
    try:
        _json_decoder().decode(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _json_object(lists: dict[str, _ListMember], others: set[str], file: str,
                 limits: Limits) -> _Columns:
    """The records of a JSON object: its equal-length columns, or its one list of records."""
    columns = [m for m in lists.values() if not m.mixed and not m.records.rows]
    if lists and not others and len(columns) == len(lists) \
            and len({len(m) for m in columns}) == 1:
        if not len(columns[0]):
            raise _fail(Kind.HEADER_ONLY, f"The JSON names columns ({_names(list(lists))}) but "
                        "holds no values.", file)
        table = _Columns(file, limits, columns[0].budget)
        for key, values in lists.items():
            table.add_column(key, values.values)
        table.rows = len(columns[0])
        return table
    record_lists = [m for m in lists.values() if not m.mixed and m.records.rows]
    if len(record_lists) == 1:
        return record_lists[0].records
    raise _fail(Kind.UNSUPPORTED, f"The JSON is not laid out as a table. The app reads "
                f"{JSON_SHAPES}.", file)


def _json_table(records: _Columns, file: str, fmt: Format, notes: Sequence[str],
                numbers: Sequence[int] | None = None,
                problems: Sequence[Problem] = ()) -> RawTable:
    records.flush()
    if not records.columns:
        raise _fail(Kind.EMPTY_FILE, "The records are all empty objects: no columns.", file)
    _check_columns(len(records.columns), file, records.limits)
    frame, header_notes = records.frame(numbers)
    return RawTable(frame, file, fmt, records.rows + len(problems), (*notes, *header_notes),
                    tuple(problems))


def read_json_lines(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """JSON Lines (one object per line) to a raw table; rows are numbered by line.

    Lines end in \\n (or \\r\\n; in \\r alone when the file has no \\n). A line that is not a
    JSON object, or longer than `JSON_PIECE`, is listed as a problem and left out.
    """
    records = _Columns(file, limits)
    numbers: list[int] = []
    problems: list[Problem] = []
    scan = _json_decoder().scan_once
    messages: dict[str, str] = {}
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    number = 0
    for piece in _line_pieces(text, newline):
        for line in piece.split(newline):
            number += 1
            if len(line) > JSON_PIECE:
                value, message = None, f"the line is longer than {_size(JSON_PIECE)}, longer " \
                                       "than any record"
            else:
                try:  # the usual line: one object, no space around it
                    value, after = scan(line, 0)
                except (StopIteration, json.JSONDecodeError, RecursionError):
                    after = -1
                if after == len(line):
                    message = None
                else:
                    value, message = _json_line(line, scan)
                    if value is None and message is None:
                        continue  # a blank line
            if type(value) is dict:
                if records.rows + len(problems) >= limits.max_rows:
                    raise _too_many_rows(file, limits)
                try:
                    records.add(value, number)
                except _TooDeep:
                    message = JSON_LINE_TOO_DEEP
                else:
                    numbers.append(number)
                    continue
            if records.rows + len(problems) >= limits.max_rows:
                raise _too_many_rows(file, limits)
            if len(problems) >= MAX_ROW_PROBLEMS:
                raise _too_many_problems(file, "lines of the file are not JSON objects")
            message = message or "the line is not a JSON object ({…})"
            message = messages.setdefault(message, message)
            problems.append(Problem(Kind.UNREADABLE, message, file, number, None, Effect.ROW))
    if not records.rows and not problems:
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)
    if not records.rows:
        raise _fail(Kind.UNREADABLE, "No line of the file is a JSON object: it is neither JSON "
                    "Lines nor JSON.", file)
    return _json_table(records, file, Format.JSON_LINES,
                       ["Read as JSON Lines; rows are numbered by line."], numbers, problems)


JSON_LINE_TOO_DEEP = f"the line nests lists or objects more than {JSON_DEPTH} levels deep"


def _line_pieces(text: str, newline: str, size: int = 1 << 22) -> Iterator[str]:
    """`text` in pieces of about `size` characters, each ending where a line ends (the last
    piece's last line may be empty): split, they give the lines of `text` one by one."""
    start, n = 0, len(text)
    while True:
        end = text.find(newline, min(start + size, n))
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _json_line(line: str, scan: Callable[[str, int], tuple[object, int]]) \
        -> tuple[object, str | None]:
    """(value, None) for a line of JSON with space around it, (None, why) for a line that is not
    JSON, and (None, None) for a blank line."""
    first = JSON_WHITESPACE.match(line).end()
    if first == len(line) or not line.strip():
        return None, None
    try:
        value, after = scan(line, first)
        if JSON_WHITESPACE.match(line, after).end() != len(line):
            raise json.JSONDecodeError("Extra data", line, after)
    except StopIteration:
        return None, "the line is not valid JSON (Expecting value)"
    except json.JSONDecodeError as error:
        return None, f"the line is not valid JSON ({error.msg})"
    except RecursionError:
        return None, JSON_LINE_TOO_DEEP
    return value, None


# --- binary formats ------------------------------------------------------------------------------

OBJECT_CELLS = 30_000_000
"""Cells of a Parquet file the app reads (each becomes a Python object: 1-2 GB at worst)."""


def _unpacked_limit(limits: Limits) -> int:
    """The most data a compressed file (Parquet, Excel) may unpack to."""
    return 4 * limits.max_bytes


def _text_limit(limits: Limits) -> int:
    """The most text the cells of a file may hold (a value shared by many cells counts each
    time: the validation reads every cell)."""
    return 2 * limits.max_bytes


def _too_much_text(total: int, file: str, limits: Limits) -> ReadError:
    return _fail(Kind.TOO_LARGE, f"The cells of the file hold {_size(total)} of text; the limit "
                 f"is {_size(_text_limit(limits))}.", file)


def read_parquet(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """A Parquet file to a raw table; rows are numbered from 1.

    Limits are checked on the file's metadata before any data is read; text columns are read as
    dictionaries, so that a value repeated in many rows is not copied before its total length
    is checked.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        meta = parquet.metadata
        _check_columns(meta.num_columns, file, limits)
        if meta.num_rows > limits.max_rows:
            raise _too_many_rows(file, limits)
        if meta.num_rows * meta.num_columns > OBJECT_CELLS:
            raise _fail(Kind.TOO_LARGE, f"The file has {meta.num_rows:,} rows × "
                        f"{meta.num_columns:,} columns; the app reads at most {OBJECT_CELLS:,} "
                        "cells from Parquet. Upload fewer columns or rows.", file)
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if unpacked > _unpacked_limit(limits):
            raise _fail(Kind.TOO_LARGE, f"The file unpacks to {_size(unpacked)}; the limit is "
                        f"{_size(_unpacked_limit(limits))}.", file)
        schema = parquet.schema_arrow
        text = [name for name, kind in zip(schema.names, schema.types)
                if pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)]
        table = pq.ParquetFile(io.BytesIO(data), read_dictionary=text).read()
        total = _dictionary_text(table)
        if total > _text_limit(limits):
            raise _too_much_text(total, file, limits)
        frame = table.to_pandas().astype(object)
    except ReadError:
        raise
    except Exception as error:  # pyarrow raises many kinds, for many kinds of damage
        raise _fail(Kind.UNREADABLE, f"The file starts like Parquet but cannot be read "
                    f"({_library_text(error)}).", file) from None
    columns, notes = clean_header(table.column_names)
    if table.num_rows == 0:
        raise _header_only(columns, file)
    frame = frame.where(frame.notna(), None)
    frame.columns = columns
    frame.index = pd.Index(range(1, len(frame) + 1), name=ROW_INDEX)
    return RawTable(frame, file, Format.PARQUET, len(frame),
                    ("Read as Parquet; rows are numbered from 1.", *notes))


def _dictionary_text(table: pa.Table) -> int:
    """Bytes of text in the dictionary-encoded columns of `table`, each value counted per row."""
    total = 0
    for column in table.columns:
        if not pa.types.is_dictionary(column.type):
            continue
        for chunk in column.chunks:
            lengths = pc.binary_length(chunk.dictionary).to_numpy(zero_copy_only=False)
            indices = chunk.indices.drop_null().to_numpy(zero_copy_only=False)
            total += int(lengths[indices].sum()) if len(lengths) else 0
    return total


XLSX_ENTRIES = 10_000
"""Files a workbook (a zip archive) may hold: a real one holds a few dozen."""
XLSX_DIRECTORY_BYTES = 4 * 1024 * 1024
"""Size of the archive's table of contents, which is read whole before anything else."""
XLSX_SHEET_BYTES = 64 * 1024 * 1024
"""XML of the worksheets, unpacked, all together: openpyxl reads a few MB of it a second."""
XLSX_PART_BYTES = 32 * 1024 * 1024
"""XML of any other part (shared strings, styles), unpacked: openpyxl keeps it all in memory."""
XLSX_PIECE = 8 * 1024 * 1024
"""Bytes of a worksheet's XML looked at once when dropping its empty rows."""
XLSX_DROP_ROWS = 1_000
"""Empty rows that make dropping them worth rewriting the workbook."""
XLSX_TITLE_ROWS = 10
"""Rows above the header (titles, notes) that the reader skips at most."""
SHEET_PARTS = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
ROW_TAG = re.compile(rb"<" + PREFIX + rb"row[\s/>]")
ROW_NUMBER = re.compile(rb"<" + PREFIX + rb"row\s[^>]*?\br\s*=\s*[\"']\s*([^\"']{0,40})[\"']")
EMPTY_ROW = re.compile(
    rb"<(?P<p>" + PREFIX + rb")row\s(?=[^>]*?\br\s*=)[^>]*?"
    rb"(?:/>|>(?:\s*<(?P=p)c\s[^>]*?/>|\s*<(?P=p)c\s*/>)*\s*</(?P=p)row\s*>)")
"""A row without a value: no cells, or cells without content (styled but empty)."""


def _archive(data: bytes, file: str) -> zipfile.ZipFile:
    """The workbook's zip archive, once its table of contents is known to be of sane size."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end >= 0 and end + 22 <= len(data):
        entries, directory = struct.unpack_from("<HI", data, end + 10)
        if entries > XLSX_ENTRIES or directory > XLSX_DIRECTORY_BYTES:
            raise _fail(Kind.UNREADABLE, f"The file is a zip archive of {entries:,} files, not "
                        "an Excel workbook (.xlsx) the app can open.", file)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _fail(Kind.UNREADABLE, "The file is a zip archive but not an Excel workbook "
                    "(.xlsx) the app can open.", file) from None


def _check_parts(archive: zipfile.ZipFile, file: str) -> list[zipfile.ZipInfo]:
    """The worksheets of the archive, once every part openpyxl reads is of sane size."""
    sheets = [info for info in archive.infolist() if SHEET_PARTS.fullmatch(info.filename)]
    unpacked = sum(info.file_size for info in sheets)
    if unpacked > XLSX_SHEET_BYTES:
        raise _fail(Kind.TOO_LARGE, f"The sheets of the workbook unpack to {_size(unpacked)} of "
                    f"XML; the app reads at most {_size(XLSX_SHEET_BYTES)} from Excel, which is "
                    "slow to read. Save the sheet as CSV and upload that.", file)
    for info in archive.infolist():
        if info not in sheets and info.filename.lower().endswith((".xml", ".rels")) \
                and info.file_size > XLSX_PART_BYTES:
            raise _fail(Kind.TOO_LARGE, f"A part of the workbook ({clip(info.filename)}) "
                        f"unpacks to {_size(info.file_size)}; the limit is "
                        f"{_size(XLSX_PART_BYTES)}. Save the sheet as CSV and upload that.", file)
    return sheets


@dataclass
class _SheetScan:
    """What a pass over a worksheet's XML found."""

    xml: bytes
    dropped: int
    last_row: int


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _SheetScan:
    """The worksheet's XML without its empty rows, how many were dropped, and the last row
    number of the rows kept. Nothing is dropped unless every row kept is numbered: openpyxl
    numbers a row without `r` by counting, which dropping rows before it would change."""
    kept: list[bytes] = []
    carry = b""
    dropped = rows = numbered = last = 0
    with archive.open(info) as source:
        while True:
            piece = source.read(XLSX_PIECE)
            buffer = carry + piece
            cut = _last_row_start(buffer) if piece else len(buffer)
            part, carry = buffer[:cut], buffer[cut:]
            if part:
                part, n = EMPTY_ROW.subn(b"", part)
                dropped += n
                rows += len(ROW_TAG.findall(part))
                numbers = ROW_NUMBER.findall(part)
                numbered += len(numbers)
                last = max(last, _largest(numbers))
                kept.append(part)
            if not piece:
                break
    if numbered != rows:
        dropped = 0
    return _SheetScan(b"".join(kept) if dropped else b"", dropped, max(last, rows))


def _last_row_start(buffer: bytes) -> int:
    """Where the last row tag of `buffer` starts (0 if none): the rows before it are whole."""
    found = max(buffer.rfind(b"<row "), buffer.rfind(b"<row>"), buffer.rfind(b"<row/"))
    if found < 0 and b":row" in buffer:  # rows written with a namespace prefix
        starts = [m.start() for m in ROW_TAG.finditer(buffer)]
        found = starts[-1] if starts else -1
    return max(found, 0)


def _largest(numbers: list[bytes]) -> int:
    """The largest of row numbers as written (openpyxl reads “7.0” and “1e3” too); 0 if none."""
    if not numbers:
        return 0
    try:
        largest = float(np.array(numbers).astype(np.float64).max())
    except (ValueError, OverflowError):
        largest = 0.0
        for number in numbers:
            try:
                largest = max(largest, float(number))
            except (ValueError, OverflowError):
                continue
    return int(min(largest, 1e18)) if largest == largest else 0


def _compacted(data: bytes, file: str, limits: Limits) -> bytes:
    """The workbook, rewritten without the empty rows of its sheets when there are many; refused
    when a sheet has more rows than the limit allows (empty rows count too)."""
    with _archive(data, file) as archive:
        sheets = _check_parts(archive, file)
        scans = {info.filename: _scan_sheet(archive, info) for info in sheets}
        for scan in scans.values():
            if scan.last_row > limits.max_rows + 1 + XLSX_TITLE_ROWS:
                raise _fail(Kind.TOO_MANY_ROWS, f"A sheet of the workbook has "
                            f"{scan.last_row:,} rows (empty rows count too); the limit is "
                            f"{limits.max_rows:,} rows of data.", file)
        if sum(s.dropped for s in scans.values()) < XLSX_DROP_ROWS:
            return data
        sink = io.BytesIO()
        with zipfile.ZipFile(sink, "w") as rewritten:
            for info in archive.infolist():
                scan = scans.get(info.filename)
                if scan is not None and scan.dropped:
                    rewritten.writestr(info.filename, scan.xml, zipfile.ZIP_DEFLATED, 1)
                else:
                    rewritten.writestr(info, archive.read(info))
        return sink.getvalue()


def _sheet_rows(sheet, limits: Limits,
                file: str) -> tuple[int, list[object], list[tuple[int, tuple]]]:
    """(header row number, header, [(row number, values)]) of a read-only worksheet.

    Title lines above a table (rows with a single filled cell before the first row with two or
    more) are skipped; the header is the first row with two or more filled cells. Every row
    below the header counts toward the row limit, empty or not.
    """
    header_row, header, rows = 0, [], []
    width = limits.max_columns + 1
    titles: list[tuple[int, tuple]] = []
    sheet.reset_dimensions()  # the size a sheet claims may be wrong either way
    for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, max_col=width,
                                                    values_only=True), 1):
        if number - header_row > limits.max_rows + (0 if header else 1 + XLSX_TITLE_ROWS):
            raise _fail(Kind.TOO_MANY_ROWS, f"The sheet has more than {limits.max_rows:,} rows "
                        f"below its header (empty rows count too); the limit is "
                        f"{limits.max_rows:,}.", file)
        if values.count(None) == len(values) or _is_blank(values):
            continue
        if not header:
            if _filled(values) < 2 and len(titles) < XLSX_TITLE_ROWS:
                titles.append((number, values))
                continue
            header_row, header = number, _trimmed(values)
            _check_sheet_columns(header, width, file, limits)
            width = len(header)
            continue
        rows.append((number, values[:width]))
    if not header and titles:
        (header_row, header), rows = titles[0], titles[1:]
        header = _trimmed(header)
    return header_row, header, rows


def _trimmed(values: Sequence[object]) -> list[object]:
    """`values` without their trailing empty cells."""
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def _check_sheet_columns(header: list[object], read: int, file: str, limits: Limits) -> None:
    if len(header) >= read:
        raise _fail(Kind.TOO_MANY_COLUMNS, f"The sheet has more than {limits.max_columns:,} "
                    f"columns; the limit is {limits.max_columns:,}.", file)


def _filled(values: Sequence[object]) -> int:
    return sum(not _is_blank([v]) for v in values)


def _object_text(frame: pd.DataFrame) -> int:
    """Characters of text in the cells of an object frame, each cell counted."""
    return sum(len(v) for column in frame.columns for v in frame[column].to_numpy()
               if type(v) is str)


def read_excel(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """The first worksheet with data in an .xlsx/.xlsm workbook to a raw table.

    Formulas give their last computed values; rows keep the sheet's row numbers. The archive is
    measured first, and a sheet's empty rows are dropped before openpyxl reads it.
    """
    import openpyxl

    data = _compacted(data, file, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds, for many kinds of damage
        raise _fail(Kind.UNREADABLE, "The file is a zip archive but not an Excel workbook "
                    "(.xlsx) the app can open.", file) from None
    try:
        for sheet in book.worksheets:
            header_row, header, rows = _sheet_rows(sheet, limits, file)
            if header:
                break
        else:
            raise _fail(Kind.EMPTY_FILE, "The workbook has no cells with data.", file)
        title, sheet_count = sheet.title, len(book.worksheets)
    except ReadError:
        raise
    except Exception as error:
        raise _fail(Kind.UNREADABLE, f"The Excel workbook cannot be read: part of it is damaged "
                    f"or not valid ({_library_text(error)}).", file) from None
    finally:
        book.close()
    _check_columns(len(header), file, limits)
    columns, notes = clean_header(header)
    if not rows:
        raise _header_only(columns, file)
    width = len(columns)
    values = [(list(v[:width]) + [None] * (width - len(v))) for _, v in rows]
    frame = _frame(values, columns, [n for n, _ in rows])
    total = _object_text(frame)
    if total > _text_limit(limits):
        raise _too_much_text(total, file, limits)
    where = f"sheet “{clip(title)}”"
    if sheet_count > 1:
        where += f" (the first with data of {sheet_count} sheets)"
    return RawTable(frame, file, Format.EXCEL, len(rows),
                    (f"Read {where} of the Excel workbook; header on row {header_row}.", *notes))


# --- the one entry point -------------------------------------------------------------------------

def read_table(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Any accepted file to a raw table, or `ReadError` saying why it cannot be read.

    Text cells come scrubbed of unsafe characters, with a note naming their rows. Nothing but
    `ReadError` escapes: an unexpected failure is logged with its traceback and reported as a
    file the app cannot read.
    """
    try:
        return _scrubbed(_read(data, file, limits))
    except ReadError:
        raise
    except RecursionError:
        raise _fail(Kind.UNSUPPORTED, "The file nests its data too deeply to be read as a "
                    "table.", file) from None
    except MemoryError:
        raise _fail(Kind.TOO_LARGE, "The file is too large to read in the memory the app has.",
                    file) from None
    except Exception:
        logger.exception("Unexpected failure reading an upload (%s, %s bytes)", clip(file),
                         len(data))
        raise _fail(Kind.UNREADABLE, "The app could not read this file: something in it is not "
                    f"as its format requires. Check that it is well-formed ({KNOWN_FORMATS}), "
                    "or save it again from the program that made it.", file) from None


def _read(data: bytes, file: str, limits: Limits) -> RawTable:
    if len(data) > limits.max_bytes:
        raise _fail(Kind.TOO_LARGE, f"The file is {_size(len(data))}; the limit is "
                    f"{_size(limits.max_bytes)}.", file)
    if not data:
        raise _fail(Kind.EMPTY_FILE, "The file is empty (0 bytes).", file)
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
    if fmt is Format.DELIMITED and is_utf8(data):
        fast = read_delimited_fast(data, file, limits)
        if fast is not None:
            return fast
    text, encoding = decode_text(data, file)
    if not text.strip("\ufeff \t\r\n"):
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)
    if fmt is Format.DELIMITED and text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        fmt = Format.JSON
    if fmt is Format.DELIMITED and encoding not in (UTF8, UTF8_BOM):
        transcoded = text.encode("utf-8")
        del text  # at most one copy of the text besides the file's own bytes
        fast = read_delimited_fast(transcoded, file, limits, encoding)
        if fast is not None:
            return fast
        text = transcoded.decode("utf-8")
        del transcoded
    reader = {Format.JSON: read_json, Format.JSON_LINES: read_json_lines,
              Format.DELIMITED: read_delimited}[fmt]
    raw = reader(text, file, limits)
    return RawTable(raw.frame, raw.file, raw.format, raw.rows_read,
                    (f"Text encoding: {encoding}.", *raw.notes), raw.problems)
