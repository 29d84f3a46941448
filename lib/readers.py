"""Bytes of an uploaded file to a raw table: the cells as read, indexed by their row in the file.

Reads delimited text (delimiter detected), JSON, JSON Lines, Parquet and Excel (.xlsx). Cells are
kept as read (text stays text) so that the validation can say exactly which cell is wrong; the
frame's index is the row number a user would look up in the file. Anything that cannot be read
raises `ReadError` carrying one `Problem` that says why. Nothing is written to disk.

Well-formed UTF-8 delimited text takes a fast path through pyarrow's CSV reader
(`read_delimited_fast`); everything else, and anything that path is not sure of, goes through
Python's csv module (`read_delimited`), which gives the same table, only slower.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lib.problems import Effect, Kind, Problem, ReadError
from lib.textcells import blank

ROW_INDEX = "row"


@dataclass(frozen=True)
class Limits:
    """The most the app reads from one upload."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 5_000_000
    max_columns: int = 200


DEFAULT_LIMITS = Limits()


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
SAVE_AS_UTF8 = "Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
KNOWN_FORMATS = "CSV, TSV or other delimited text, JSON, JSON Lines, Parquet or Excel .xlsx"


def _fail(kind: Kind, message: str, file: str) -> ReadError:
    return ReadError(Problem(kind, message, file, effect=Effect.FILE))


def _extension(file: str) -> str:
    return PurePath(file).suffix.lower()


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


# --- format and encoding -------------------------------------------------------------------------

def sniff_format(data: bytes, file: str) -> Format:
    """The file's format, from its first bytes first and its name second."""
    ext = _extension(file)
    if data.startswith(PARQUET_MAGIC):
        return Format.PARQUET
    if data.startswith(ZIP_MAGIC):
        if ext in (".ods", ".numbers", ".zip"):
            raise _fail(Kind.UNSUPPORTED, f"{ext} files are not supported. Export the sheet as "
                        f"CSV or Excel .xlsx and upload that.", file)
        return Format.EXCEL
    if data.startswith(OLE_MAGIC):
        raise _fail(Kind.UNSUPPORTED, "This is an old Excel .xls workbook or a password-protected "
                    "one, which the app cannot open. Save it as .xlsx (without a password) or as "
                    "CSV and upload that.", file)
    if data.startswith(GZIP_MAGIC):
        raise _fail(Kind.UNSUPPORTED, "This is a compressed (gzip) file. Unpack it and upload "
                    "the file inside.", file)
    if ext in JSON_LINES_EXTENSIONS:
        return Format.JSON_LINES
    if ext == ".json":
        return Format.JSON
    return Format.DELIMITED


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
        text, name = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text, name = data.decode("cp1252"), "Windows-1252 (Latin-1)"
        except UnicodeDecodeError:
            bad = data[utf8_error.start:utf8_error.start + 1].hex()
            raise _fail(Kind.ENCODING, f"The file is neither UTF-8 nor Windows-1252 (Latin-1) "
                        f"text (byte 0x{bad} at position {utf8_error.start} is valid in neither). "
                        f"{SAVE_AS_UTF8}", file) from None
    if _looks_binary(text):
        raise _fail(Kind.UNREADABLE, "The file holds binary data, not text, and is not a format "
                    f"the app knows ({KNOWN_FORMATS}).", file)
    return text, name


# --- shared helpers ------------------------------------------------------------------------------

def clean_header(names: Sequence[object]) -> tuple[list[str], list[str]]:
    """Column names stripped, blanks named “column N”, repeats numbered; notes on changes."""
    out: list[str] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        if not name:
            name = f"column {i}"
            notes.append(f"Column {i} has no name; it is called “{name}” here.")
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            renamed = f"{name} ({seen[key]})"
            notes.append(f"The column name “{name}” appears more than once; the repeat in "
                         f"column {i} is called “{renamed}” here.")
            name = renamed
        else:
            seen[key] = 1
        out.append(name)
    return out, notes


def _check_columns(n_columns: int, file: str, limits: Limits) -> None:
    if n_columns > limits.max_columns:
        raise _fail(Kind.TOO_MANY_COLUMNS, f"The file has {n_columns:,} columns; the limit is "
                    f"{limits.max_columns:,}.", file)


def _too_many_rows(file: str, limits: Limits) -> ReadError:
    return _fail(Kind.TOO_MANY_ROWS, f"The file has more than {limits.max_rows:,} rows of data; "
                 f"the limit is {limits.max_rows:,}.", file)


def _header_only(columns: Iterable[str], file: str) -> ReadError:
    shown = ", ".join(list(columns)[:8])
    return _fail(Kind.HEADER_ONLY, f"The file has a header ({shown}) but no rows of data.", file)


def _frame(rows: list[list[object]], columns: list[str], row_numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.index = pd.Index(row_numbers, name=ROW_INDEX)
    return frame


def _is_blank(values: Iterable[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


# --- delimited text ------------------------------------------------------------------------------

def detect_delimiter(text: str, prefer: str | None = None, sample_lines: int = 50) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently into 2+ fields.

    Ties go to `prefer` (from the file name), then to more fields. One column: `prefer` or comma.
    """
    lines = [line for line in text.splitlines() if line.strip()][:sample_lines]
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


def _split_sep_line(text: str) -> tuple[str | None, str, int]:
    """Excel's optional first line `sep=;`: (its delimiter, the text after it, lines skipped)."""
    first, _, rest = text.partition("\n")
    stripped = first.strip()
    if stripped.lower().startswith("sep=") and len(stripped) == 5:
        return stripped[4], rest, 1
    return None, text, 0


def _records(text: str, delimiter: str, line_offset: int) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each non-blank record; quoted line breaks are kept."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    for fields in reader:
        start = previous + 1
        previous = reader.line_num
        if fields and not _is_blank(fields):
            yield start + line_offset, fields


def read_delimited(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Delimited text to a raw table (every cell a string); see `_read_delimited`."""
    try:
        return _read_delimited(text, file, limits)
    except csv.Error as error:
        raise _fail(Kind.UNREADABLE, f"The file cannot be read as delimited text ({error}).",
                    file) from None


def _read_delimited(text: str, file: str, limits: Limits) -> RawTable:
    """Delimited text to a raw table (every cell a string).

    A record with more fields than the header is listed as a problem and left out (its values
    are probably shifted, e.g. by a decimal comma in a comma-separated file); extra fields that
    are all empty are ignored; missing trailing fields are read as empty cells.
    """
    given, body, skipped = _split_sep_line(text.lstrip("\ufeff"))
    delimiter = given or detect_delimiter(body, EXTENSION_DELIMITER.get(_extension(file)))
    records = _records(body, delimiter, skipped)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.",
                    file) from None
    _check_columns(len(header), file, limits)
    columns, notes = clean_header(header)
    width = len(columns)
    rows: list[list[object]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    read = 0
    for line, fields in records:
        read += 1
        if read > limits.max_rows:
            raise _too_many_rows(file, limits)
        if len(fields) > width and not _is_blank(fields[width:]):
            problems.append(Problem(
                Kind.RAGGED_ROW,
                f"the row has {len(fields)} fields but the header has {width} (a decimal comma "
                f"in a comma-separated file, or a delimiter inside an unquoted name?)",
                file, line, None, Effect.ROW))
            continue
        rows.append(list(fields[:width]) + [""] * (width - len(fields)))
        numbers.append(line)
    if read == 0:
        raise _header_only(columns, file)
    return RawTable(_frame(rows, columns, numbers), file, Format.DELIMITED, read,
                    (_delimited_note(delimiter, header_line), *notes), tuple(problems))


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


def _fast_header(text: str, whole: bool, file: str) -> tuple[str, list[str]] | None:
    """(delimiter, header fields) when the header is the file's first line, else None."""
    if _looks_binary(text) or not text.strip("\ufeff \t\r\n") or text.startswith("\ufeff") \
            or text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{") \
            or _split_sep_line(text)[0] is not None:
        return None
    head = text if whole else text[:text.rfind("\n") + 1]
    first_line = head[:head.find("\n")]
    if "\n" not in head or "\r" in first_line[:-1]:
        return None
    try:
        delimiter = detect_delimiter(head, EXTENSION_DELIMITER.get(_extension(file)),
                                     SAMPLE_LINES)
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        header = next(reader)
    except (StopIteration, csv.Error):
        return None
    if reader.line_num != 1 or _is_blank(header):
        return None
    return delimiter, header


def _arrow_records(body: pa.Buffer, columns: list[str], delimiter: str) -> pa.Table | None:
    """Every line of `body` as a record of strings (an empty line: empty strings), or None when
    a line has another number of fields, a value is not UTF-8, or pyarrow refuses it."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=columns),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(  # large strings, as pandas keeps them
                column_types=dict.fromkeys(columns, pa.large_string()), strings_can_be_null=False))
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


def _blank_rows(table: pa.Table) -> np.ndarray:
    """True for rows whose every field is blank (Python's reader skips them)."""
    rows = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        rows &= blank(column)
        if not rows.any():
            break
    return rows


def read_delimited_fast(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable | None:
    """Delimited bytes to the raw table `read_delimited` gives, read by pyarrow; None when the
    file is not the common case it is sure of.

    The common case: UTF-8 (with or without a byte-order mark), no NUL byte in the first 4 KB
    (where `decode_text` looks for UTF-16 and binary data), no `sep=` line, the
    header on the first line, every other line a record with as many fields as the header (an
    empty line counts as a blank record), no line break inside a quoted value, no field longer
    than Python's csv reader takes. Row numbers are then line numbers. Errors that the slow
    path would give in the same words (too many rows, header only) are raised here.
    """
    if b"\x00" in data[:4096]:
        return None  # UTF-16 or binary data (`decode_text` looks at these bytes)
    bom = data.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if bom else 0
    for size in (FAST_SAMPLE_BYTES, 16 * FAST_SAMPLE_BYTES, 256 * FAST_SAMPLE_BYTES):
        sample = _sample(data, start, size)
        if sample is None:
            return None
        text, whole = sample
        if whole or _enough_lines(text[:text.rfind("\n") + 1]):
            break
    else:
        return None  # too few lines to detect the delimiter as the whole text would
    found = _fast_header(text, whole, file)
    if not found:
        return None
    delimiter, header = found
    if len(header) > limits.max_columns:
        return None
    columns, notes = clean_header(header)
    body_start = data.index(b"\n", start) + 1
    end = len(data)
    while end > body_start and data[end - 1] in b"\r\n":
        end -= 1
    if end <= body_start:
        return None
    table = _arrow_records(pa.py_buffer(data).slice(body_start, end - body_start), columns,
                           delimiter)
    if table is None or not _as_python_reads(table):
        return None
    quoted = data.find(b'"', body_start, end) >= 0
    if quoted and not _one_record_per_line(data, body_start, end, table.num_rows):
        return None
    skip = _blank_rows(table)
    read = table.num_rows - int(skip.sum())
    if read > limits.max_rows:
        raise _too_many_rows(file, limits)
    if read == 0:
        raise _header_only(columns, file)
    if skip.any():
        table = table.filter(pa.array(~skip))
        index = pd.Index(np.flatnonzero(~skip) + 2, name=ROW_INDEX)
    else:
        index = pd.RangeIndex(2, 2 + read, name=ROW_INDEX)
    frame = table.to_pandas()
    frame.index = index
    encoding = "UTF-8 with a byte-order mark" if bom else "UTF-8"
    return RawTable(frame, file, Format.DELIMITED, read,
                    (f"Text encoding: {encoding}.", _delimited_note(delimiter, 1), *notes))


def _delimited_note(delimiter: str, header_line: int) -> str:
    """“Read as CSV (comma-separated).” and the header's row when it is not the first."""
    kind = {",": "CSV (comma-separated)", "\t": "TSV (tab-separated)"}.get(
        delimiter, f"delimited text ({DELIMITERS.get(delimiter, repr(delimiter))}-separated)")
    return f"Read as {kind}" + (f"; header on row {header_line}" if header_line > 1 else "") + "."


# --- JSON and JSON Lines -------------------------------------------------------------------------

JSON_SHAPES = ('a list of records, [{"model": …, "dataset": …, "delta": …}, …], an '
               'object of columns, {"model": […], "dataset": […], "delta": […]}, or an object '
               "holding one list of records")


def json_records(value: object, file: str) -> list[dict]:
    """The records of parsed JSON: a list of objects, an object of equal-length columns, or an
    object with exactly one list of objects in it (e.g. {"results": [...]})."""
    if isinstance(value, list):
        if not value:
            raise _fail(Kind.EMPTY_FILE, "The JSON holds an empty list: no records.", file)
        if all(isinstance(item, dict) for item in value):
            return value
        raise _fail(Kind.UNSUPPORTED, f"The JSON list holds something other than records. "
                    f"The app reads {JSON_SHAPES}.", file)
    if isinstance(value, dict):
        lists = {k: v for k, v in value.items() if isinstance(v, list)}
        if value and len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1 \
                and not any(isinstance(x, dict) for v in lists.values() for x in v):
            columns = list(lists)
            length = len(next(iter(lists.values())))
            if length == 0:
                raise _fail(Kind.HEADER_ONLY, f"The JSON names columns ({', '.join(columns[:8])}) "
                            "but holds no values.", file)
            return [{c: lists[c][i] for c in columns} for i in range(length)]
        record_lists = [v for v in lists.values() if v and all(isinstance(x, dict) for x in v)]
        if len(record_lists) == 1:
            return record_lists[0]
    raise _fail(Kind.UNSUPPORTED, f"The JSON is not laid out as a table. The app reads "
                f"{JSON_SHAPES}.", file)


def _records_frame(records: list[dict], numbers: list[int], file: str, limits: Limits,
                   fmt: Format, notes: Sequence[str], problems: Sequence[Problem] = ()) -> RawTable:
    if len(records) > limits.max_rows:
        raise _too_many_rows(file, limits)
    frame = pd.json_normalize(records).astype(object)
    _check_columns(frame.shape[1], file, limits)
    if frame.shape[1] == 0:
        raise _fail(Kind.EMPTY_FILE, "The records are all empty objects: no columns.", file)
    columns, header_notes = clean_header(list(frame.columns))
    frame.columns = columns
    frame = frame.where(frame.notna(), None)
    frame.index = pd.Index(numbers, name=ROW_INDEX)
    return RawTable(frame, file, fmt, len(records) + len(problems), (*notes, *header_notes),
                    tuple(problems))


def read_json(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """A JSON document to a raw table; rows are numbered by record, from 1."""
    if not text.strip():
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only whitespace.", file)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            return read_json_lines(text, file, limits)
        raise _fail(Kind.UNREADABLE, f"The file is not valid JSON: {error.msg} at line "
                    f"{error.lineno}, column {error.colno}.", file) from None
    records = json_records(value, file)
    return _records_frame(records, list(range(1, len(records) + 1)), file, limits, Format.JSON,
                          ["Read as JSON; rows are numbered by record, from 1."])


def read_json_lines(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """JSON Lines (one object per line) to a raw table; rows are numbered by line.

    A line that is not a JSON object is listed as a problem and left out.
    """
    records: list[dict] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(records) + len(problems) >= limits.max_rows:
            raise _too_many_rows(file, limits)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(Kind.UNREADABLE, f"the line is not valid JSON ({error.msg})",
                                    file, number, None, Effect.ROW))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(Kind.UNREADABLE, "the line is not a JSON object ({…})",
                                    file, number, None, Effect.ROW))
            continue
        records.append(value)
        numbers.append(number)
    if not records and not problems:
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)
    if not records:
        raise _fail(Kind.UNREADABLE, "No line of the file is a JSON object: it is neither JSON "
                    "Lines nor JSON.", file)
    return _records_frame(records, numbers, file, limits, Format.JSON_LINES,
                          ["Read as JSON Lines; rows are numbered by line."], problems)


# --- binary formats ------------------------------------------------------------------------------

def read_parquet(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """A Parquet file to a raw table; rows are numbered from 1. Limits are checked on the
    file's metadata before any data is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        meta = parquet.metadata
        _check_columns(meta.num_columns, file, limits)
        if meta.num_rows > limits.max_rows:
            raise _too_many_rows(file, limits)
        table = parquet.read()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _fail(Kind.UNREADABLE, f"The file starts like Parquet but cannot be read ({error}).",
                    file) from None
    columns, notes = clean_header(table.column_names)
    if table.num_rows == 0:
        raise _header_only(columns, file)
    frame = table.to_pandas(types_mapper=None).astype(object)
    frame = frame.where(frame.notna(), None)
    frame.columns = columns
    frame.index = pd.Index(range(1, len(frame) + 1), name=ROW_INDEX)
    return RawTable(frame, file, Format.PARQUET, len(frame),
                    ("Read as Parquet; rows are numbered from 1.", *notes))


def _filled(values: Sequence[object]) -> int:
    return sum(not _is_blank([v]) for v in values)


def _sheet_rows(sheet, limits: Limits,
                file: str) -> tuple[int, list[object], list[tuple[int, list]]]:
    """(header row number, header, [(row number, values)]) of a read-only worksheet.

    Title lines above a table (rows with a single filled cell before the first row with two or
    more) are skipped; the header is the first row with two or more filled cells.
    """
    header_row, header, rows = 0, [], []
    titles: list[tuple[int, list]] = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1):
        values = list(values)
        if _is_blank(values):
            continue
        if not header:
            if _filled(values) < 2 and len(titles) < 10:
                titles.append((number, values))
                continue
            _check_columns(len(values), file, limits)
            header_row, header = number, values
            continue
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(file, limits)
        rows.append((number, values))
    if not header and titles:
        (header_row, header), rows = titles[0], titles[1:]
    return header_row, header, rows


def read_excel(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """The first worksheet with data in an .xlsx/.xlsm workbook to a raw table.

    Formulas give their last computed values; rows keep the sheet's row numbers.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _fail(Kind.UNREADABLE, "The file is a zip archive but not an Excel workbook "
                    "(.xlsx) the app can open.", file) from None
    try:
        for sheet in book.worksheets:
            header_row, header, rows = _sheet_rows(sheet, limits, file)
            if header:
                break
        else:
            raise _fail(Kind.EMPTY_FILE, "The workbook has no cells with data.", file)
    finally:
        book.close()
    while header and header[-1] is None:
        header.pop()
    columns, notes = clean_header(header)
    if not rows:
        raise _header_only(columns, file)
    width = len(columns)
    values = [(list(v[:width]) + [None] * (width - len(v))) for _, v in rows]
    where = f"sheet “{sheet.title}”"
    if len(book.worksheets) > 1:
        where += f" (the first with data of {len(book.worksheets)} sheets)"
    frame = _frame(values, columns, [n for n, _ in rows])
    return RawTable(frame, file, Format.EXCEL, len(rows),
                    (f"Read {where} of the Excel workbook; header on row {header_row}.", *notes))


# --- the one entry point -------------------------------------------------------------------------

def read_table(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """Any accepted file to a raw table, or `ReadError` saying why it cannot be read."""
    if len(data) > limits.max_bytes:
        raise _fail(Kind.TOO_LARGE, f"The file is {_size(len(data))}; the limit is "
                    f"{_size(limits.max_bytes)}.", file)
    if not data:
        raise _fail(Kind.EMPTY_FILE, "The file is empty (0 bytes).", file)
    fmt = sniff_format(data, file)
    if fmt is Format.PARQUET:
        return read_parquet(data, file, limits)
    if fmt is Format.EXCEL:
        return read_excel(data, file, limits)
    if fmt is Format.DELIMITED:
        fast = read_delimited_fast(data, file, limits)
        if fast is not None:
            return fast
    text, encoding = decode_text(data, file)
    if not text.strip("\ufeff \t\r\n"):
        raise _fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)
    if fmt is Format.DELIMITED and text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        fmt = Format.JSON
    reader = {Format.JSON: read_json, Format.JSON_LINES: read_json_lines,
              Format.DELIMITED: read_delimited}[fmt]
    raw = reader(text, file, limits)
    return RawTable(raw.frame, raw.file, raw.format, raw.rows_read,
                    (f"Text encoding: {encoding}.", *raw.notes), raw.problems)
