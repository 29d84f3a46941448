"""Delimited text (CSV, TSV, semicolon- or pipe-separated) to a raw table.

The delimiter is detected (or given by a `sep=` line, or by the extension on a tie); the header
is the first line that holds something. A fast path through pyarrow's CSV reader
(`read_delimited_fast`) takes the file whenever it is the common case it is sure of; anything
else goes through Python's csv module (`read_delimited`), which gives the same table, only
slower. Every cell is a string; rows are numbered by their line in the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from array import array
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lib.core.textcells import as_array, blank
from lib.ingest.problems import Effect, Kind, Problem, ReadError, names_phrase
from lib.ingest.read import raw as raw_tables
from lib.ingest.read.raw import (DEFAULT_LIMITS, ROW_INDEX, Format, Limits, RawTable, check_columns,
                                 check_row_problems, clean_header, fail, header_only, is_blank,
                                 library_text, too_many_rows)
from lib.ingest.read.sniff import UTF8, UTF8_BOM, file_extension, looks_binary

DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
EXTENSION_DELIMITER = {".tsv": "\t", ".tab": "\t", ".psv": "|"}


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
        raise fail(Kind.UNREADABLE, f"The file cannot be read as delimited text "
                   f"({library_text(error)}).", file) from None


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
    delimiter = given or detect_delimiter(body, EXTENSION_DELIMITER.get(file_extension(file)))
    empty_rows: list[int] = []
    records = _records(body, delimiter, skipped, empty_rows)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.",
                   file) from None
    check_columns(len(header), file, limits)
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
            raise too_many_rows(file, limits)
        if len(fields) != width:
            if len(fields) > width and not is_blank(fields[width:]):
                check_row_problems(len(problems), file, RAGGED_ROWS)
                problems.append(_ragged_row(len(fields), width, file, line))
                continue
            fields = fields[:width] + [""] * (width - len(fields))
        batch.append(fields)
        numbers.append(line)
        if len(batch) == BATCH_ROWS:
            _move_to_arrow(batch, arrays)
    _move_to_arrow(batch, arrays)
    if read == 0:
        raise header_only(columns, file)
    table = pa.table([pa.chunked_array(parts, pa.large_string()) for parts in arrays],
                     names=[str(i) for i in range(width)])
    frame = table.to_pandas()
    frame.columns = columns
    frame.index = pd.Index(np.array(numbers, dtype=np.int64), name=ROW_INDEX)
    return RawTable(frame, file, Format.DELIMITED, read,
                    (_delimited_note(delimiter, header_line), *notes), tuple(problems))


RAGGED_ROWS = "rows have more fields than the header"
"""What the rows are that a reader leaves out for having more fields than the header."""


def _ragged_row(fields: int, width: int, file: str, line: int) -> Problem:
    """The problem of the record on `line` with `fields` fields under a header of `width`."""
    return Problem(Kind.RAGGED_ROW,
                   f"the row has {fields} fields but the header has {width} (a decimal comma in "
                   "a comma-separated file, or a delimiter inside an unquoted name?)",
                   file, line, None, Effect.ROW)


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
    if looks_binary(text) or not text.strip("\ufeff \t\r\n") or text.startswith("\ufeff") \
            or text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{") \
            or _split_sep_line(text)[0] is not None:
        return None
    head = text if whole else text[:text.rfind("\n") + 1]
    first_line = head[:head.find("\n")]
    if "\n" not in head or "\r" in first_line[:-1]:
        return None
    try:
        delimiter = given or detect_delimiter(head, EXTENSION_DELIMITER.get(file_extension(file)),
                                              SAMPLE_LINES)
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        header = next(reader)
    except (StopIteration, csv.Error):
        return None
    if reader.line_num != 1 or is_blank(header):
        return None
    return delimiter, header


MAX_RAGGED_CELLS = 500_000
"""Cells of ragged records (another number of fields than the header) the fast path keeps in
Python, cut or padded, before it leaves the file to the slow path."""
MAX_RAGGED_RECORDS = 500_000
"""Ragged records of any kind (kept, left out, blank) the fast path notes before it leaves the
file to the slow path."""


class _Ragged:
    """pyarrow's `invalid_row_handler`: notes the records whose number of fields is not the
    header's `width`, in file order, each placed as `_read_delimited` places it.

    Without a delimiter it only notes that there is one (`seen`) and stops the read. With one,
    it reads each such record's text with Python's csv reader: a blank record is dropped, one
    with more fields than the header whose extra fields are not all blank is left out with a
    problem, any other is kept (cut, or padded with empty cells). At a problem past the most a
    reader lists (`check_row_problems`: the slow path refuses the file there) it notes that
    record's number (`overflow`), and of the ragged records after it only how many there are and
    the lines they take; when most records up to there were left out, it stops instead. It
    stops the read (`stopped`) at a record it cannot place exactly (no number, a text that
    Python's reader would read otherwise, a field longer than that reader takes) and past
    `MAX_RAGGED_CELLS` or `MAX_RAGGED_RECORDS`; the slow path then reads the file. Its work and
    memory stay bounded either way.
    """

    def __init__(self, width: int, delimiter: str | None = None) -> None:
        self.width, self.delimiter = width, delimiter
        self.seen = self.stopped = False
        self.numbers = array("q")  # pyarrow's number of each record, from 1
        self.breaks = array("q")  # line breaks inside each
        self.kept: list[list[str]] = []
        self.kept_at = array("q")  # position in `numbers` of each kept record
        self.problems = array("q")  # position in `numbers` of each problem
        self.problem_fields = array("q")  # and its number of fields
        self.cells = 0
        self.field_limit = csv.field_size_limit()
        self.overflow: int | None = None
        self.after = self.after_breaks = 0  # records from the overflow on, and their breaks

    def __call__(self, row: pacsv.InvalidRow) -> str:
        self.seen = True
        if self.delimiter is None or self.stopped:
            return "error"
        if self.overflow is not None:
            self.after += 1
            self.after_breaks += _breaks(row.text)
            return "skip"
        try:
            placed = self._place(row)
        except csv.Error:  # a field longer than Python's reader takes
            placed = False
        self.stopped = not placed
        return "skip" if placed else "error"

    def _place(self, row: pacsv.InvalidRow) -> bool:
        # pyarrow numbers the records (blank and multi-line ones one each) when it reads on one
        # thread; without a number, or out of order, the record cannot be placed
        if row.number is None or len(self.numbers) >= MAX_RAGGED_RECORDS \
                or (self.numbers and row.number <= self.numbers[-1]):
            return False
        read = self._fields(row.text)
        if read is None or len(read[0]) != row.actual_columns:
            return False
        fields, width = read[0], self.width
        if "".join(fields).strip():
            if len(fields) > width and not is_blank(fields[width:]):
                try:
                    check_row_problems(len(self.problems), "", RAGGED_ROWS)
                except ReadError:  # the slow path refuses the file here
                    if row.number <= 2 * len(self.problems):
                        return False  # most records so far were ragged: it gets here soon
                    self.overflow, self.after, self.after_breaks = row.number, 1, read[1]
                    return True
                self.problems.append(len(self.numbers))
                self.problem_fields.append(len(fields))
            else:
                if self.cells >= MAX_RAGGED_CELLS:
                    return False
                self.cells += width
                self.kept.append(fields[:width] + [""] * (width - len(fields)))
                self.kept_at.append(len(self.numbers))
        self.numbers.append(row.number)
        self.breaks.append(read[1])
        return True

    def _fields(self, text: str) -> tuple[list[str], int] | None:
        """The fields of a record's text as Python's csv reader reads them and the line breaks
        inside it; None when that reader would not end the record where the text ends (a quote
        left open)."""
        if '"' not in text and "\n" not in text and "\r" not in text \
                and len(text) <= self.field_limit:
            return text.split(self.delimiter), 0
        breaks = _breaks(text)
        reader = csv.reader(io.StringIO(text + "\n.", newline=""), delimiter=self.delimiter)
        fields = next(reader)
        return (fields, breaks) if reader.line_num == breaks + 1 else None


def _breaks(text: str) -> int:
    """Line breaks in `text` (\\r\\n, \\r and \\n one each)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _arrow_records(body: pa.Buffer, columns: list[str], delimiter: str,
                   line_breaks: bool = False, ragged: _Ragged | None = None) -> pa.Table | None:
    """Every line of `body` as a record of strings (an empty line: empty strings), or None when
    a value is not UTF-8, pyarrow refuses it, or a line has another number of fields and
    `ragged` (see `_Ragged`) stops the read. With `line_breaks`, a quoted value may hold line
    breaks (and its record span lines). pyarrow numbers the records it hands to `ragged` only
    when it reads on one thread: it does so when `ragged` reads them."""
    serial = ragged is not None and ragged.delimiter is not None
    try:
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=[str(i) for i in range(len(columns))],
                                           use_threads=not serial),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=line_breaks,
                                             invalid_row_handler=ragged),
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
    lines = data.count(b"\n", start, end) + 1
    if data.find(b"\r", start, end) < 0:
        return lines
    return lines + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def _record_spans(table: pa.Table) -> np.ndarray:
    """The lines each record takes: one, and one more for each line break inside its quoted
    values."""
    lines = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        for line_end, weight in (("\r", 1), ("\n", 1), ("\r\n", -1)):
            counts = pc.fill_null(pc.count_substring(column, line_end), 0)
            lines += weight * as_array(counts).to_numpy(zero_copy_only=False)
    return lines


def _read_ragged(body: pa.Buffer, columns: list[str], delimiter: str, line_breaks: bool,
                 body_lines: int, file: str, limits: Limits
                 ) -> tuple[pa.Table, np.ndarray, list[tuple[int, int]]] | None:
    """The records of `body` when some have another number of fields than the header, placed
    as `_read_delimited` places them (see `_Ragged`): the records kept, in file order, the line
    of each (counted from 0), and (line, fields) of each left out; None when a record cannot be
    placed exactly, or the lines of the records do not add up to `body_lines`. Too many rows
    left out refuse the file, as on the slow path."""
    ragged = _Ragged(len(columns), delimiter)
    table = _arrow_records(body, columns, delimiter, line_breaks, ragged)
    if table is None or ragged.stopped:
        return None
    records = table.num_rows + len(ragged.numbers)
    at = np.frombuffer(ragged.numbers, dtype=np.int64) - 1
    if len(at) and at[-1] >= records:
        return None
    valid = np.ones(records, dtype=bool)
    valid[at] = False
    spans = np.ones(records, dtype=np.int64)
    if line_breaks:
        spans[valid] = _record_spans(table)
    spans[at] += np.frombuffer(ragged.breaks, dtype=np.int64)
    if int(spans.sum()) + ragged.after + ragged.after_breaks != body_lines:
        return None  # not read as Python's reader reads it
    if ragged.overflow is not None:
        if ragged.overflow > limits.max_rows or not _as_python_reads(table):
            return None  # the slow path might stop on something else first
        check_row_problems(len(ragged.problems), file, RAGGED_ROWS)
    starts = np.cumsum(spans) - spans
    lines = starts[valid]
    if ragged.kept:
        kept = pa.table([pa.array(values, pa.large_string()) for values in zip(*ragged.kept)],
                        names=table.column_names)
        lines = np.concatenate([lines, starts[at[np.frombuffer(ragged.kept_at, np.int64)]]])
        order = np.argsort(lines, kind="stable")
        table, lines = pa.concat_tables([table, kept]).take(order), lines[order]
    left_out = starts[at[np.frombuffer(ragged.problems, dtype=np.int64)]]
    return table, lines, list(zip(left_out.tolist(), ragged.problem_fields.tolist()))


SPLIT_MARK = "\x01"
"""The delimiter `_read_split` reads lines with: a control character, in no accepted file's data
(a file holding it is left to the other paths)."""


def _read_split(body: pa.Buffer, columns: list[str], delimiter: str, body_lines: int,
                file: str, limits: Limits
                ) -> tuple[pa.Table, np.ndarray, list[tuple[int, int]]] | None:
    """`_read_ragged`'s answer for a body without quotes, in Arrow's compute functions instead of
    a Python call per ragged record: for a file whose records are mostly of another width (each
    costs Python time there, and past `MAX_RAGGED_CELLS` that path gives up). Each line is read
    whole, then cut at the delimiter as Python's reader cuts an unquoted line: a short record is
    padded with empty cells, a long one cut when its extra fields are blank and left out with a
    problem when not. None when a line cannot be read this way or the lines do not add up to
    `body_lines`; too many rows left out refuse the file, as on the slow path."""
    width = len(columns)
    if body.to_pybytes().find(SPLIT_MARK.encode()) >= 0:
        return None
    try:
        lines = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=["line"]),
            parse_options=pacsv.ParseOptions(delimiter=SPLIT_MARK, quote_char=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={"line": pa.large_string()},
                                                 strings_can_be_null=False)).column(0)
    except (pa.ArrowException, ValueError):
        return None
    if len(lines) != body_lines:
        return None
    lines = lines.combine_chunks()
    fields = pc.list_value_length(pc.split_pattern(lines, delimiter)).to_numpy()
    long = np.flatnonzero(fields > width)
    left = np.zeros(0, dtype=np.int64)
    if len(long):
        rest = pc.list_element(pc.split_pattern(lines.take(pa.array(long)), delimiter,
                                                max_splits=width), width)
        extra = pc.utf8_trim_whitespace(pc.replace_substring(rest, delimiter, ""))
        left = long[pc.not_equal(extra, "").to_numpy(zero_copy_only=False)]
    most = raw_tables.MAX_ROW_PROBLEMS
    if len(left) > most:
        if left[most] + 1 > limits.max_rows:
            return None  # the slow path might stop on the number of rows first
        check_row_problems(most, file, RAGGED_ROWS)
    keep = np.ones(len(lines), dtype=bool)
    keep[left] = False
    kept = lines.filter(pa.array(keep)) if len(left) else lines
    missing = np.maximum(width - fields[keep], 0)
    if missing.any():
        pads = pc.binary_repeat(pa.scalar(delimiter, pa.large_string()), pa.array(missing))
        kept = pc.binary_join_element_wise(kept, pads, pa.scalar("", pa.large_string()))
    cells = pc.split_pattern(kept, delimiter, max_splits=width)
    table = pa.table([pc.list_element(cells, i) for i in range(width)],
                     names=[str(i) for i in range(width)])
    return (table, np.flatnonzero(keep),
            list(zip(left.tolist(), fields[left].tolist())))


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
    holds something (after an optional `sep=` line), every other line a record (an empty line
    counts as a blank record), no field longer than Python's csv reader takes. Lines may end in
    \\n or \\r\\n, or all in \\r (old Mac files, read as if they ended in \\n). A quoted value
    may hold line breaks (not in an old Mac file). Records with another number of fields than
    the header are placed as the slow path places them (`_read_ragged`), within bounds. Row
    numbers are line numbers. Errors that the slow path would give in the same words (too many
    rows, header only) are raised here.
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
    if quoted_values and end < len(data) and data.count(b'"', body_start, end) % 2:
        return None  # a quote left open holds the line breaks at the end: the slow path keeps them
    ragged = _Ragged(len(columns))  # notes a record of another width, and stops the read
    table = _arrow_records(body, columns, delimiter, ragged=ragged)
    lines: np.ndarray | None = None
    left_out: list[tuple[int, int]] = []
    if table is not None and quoted_values and \
            not _one_record_per_line(data, body_start, end, table.num_rows):
        table = None
    if table is None and quoted_values and not old_mac and not ragged.seen:
        # quoted line breaks: records span lines
        table = _arrow_records(body, columns, delimiter, line_breaks=True, ragged=ragged)
        if table is not None:
            spans = _record_spans(table)
            if int(spans.sum()) != _line_count(data, body_start, end):
                return None  # not read as Python's reader reads it: let that reader read it
            lines = np.cumsum(spans) - spans
    if table is None and ragged.seen and not (old_mac and quoted_values):
        # ragged records (in an old Mac file with quoted values, a quoted line break would be
        # read as \n: the slow path reads those)
        body_lines = _line_count(data, body_start, end)
        found = _read_ragged(body, columns, delimiter, quoted_values, body_lines, file, limits)
        if found is None and not quoted_values:  # mostly ragged: too costly record by record
            found = _read_split(body, columns, delimiter, body_lines, file, limits)
        if found is None:
            return None
        table, lines, left_out = found
    if table is None or not _as_python_reads(table):
        return None
    skip = _blank_rows(table)
    read = table.num_rows - int(skip.sum()) + len(left_out)
    if read > limits.max_rows:
        raise too_many_rows(file, limits)
    if read == 0:
        raise header_only(columns, file)
    first_row = 2 + skipped
    if lines is not None:
        table = table.filter(pa.array(~skip)) if skip.any() else table
        index = pd.Index(lines[~skip] + first_row, name=ROW_INDEX)
    elif skip.any():
        table = table.filter(pa.array(~skip))
        index = pd.Index(np.flatnonzero(~skip) + first_row, name=ROW_INDEX)
    else:
        index = pd.RangeIndex(first_row, first_row + table.num_rows, name=ROW_INDEX)
    frame = table.to_pandas()
    frame.columns = columns
    frame.index = index
    problems = tuple(_ragged_row(fields, len(columns), file, line + first_row)
                     for line, fields in left_out)
    return RawTable(frame, file, Format.DELIMITED, read,
                    (f"Text encoding: {encoding}.", _delimited_note(delimiter, 1 + skipped),
                     *notes), problems)


def _delimited_note(delimiter: str, header_line: int) -> str:
    """“Read as CSV (comma-separated).” and the header's row when it is not the first."""
    kind = {",": "CSV (comma-separated)", "\t": "TSV (tab-separated)"}.get(
        delimiter, f"delimited text ({DELIMITERS.get(delimiter, repr(delimiter))}-separated)")
    return f"Read as {kind}" + (f"; header on row {header_line}" if header_line > 1 else "") + "."

