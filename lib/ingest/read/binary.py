"""Parquet and Excel workbooks (.xlsx) to a raw table.

Both are measured before they are read: a Parquet file by its metadata (rows, columns, unpacked
size) and its text columns as dictionaries; a workbook by its zip archive's table of contents
and parts, its empty rows dropped before openpyxl reads it.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.ingest.problems import Kind, ReadError, clip
from lib.ingest.read.raw import (DEFAULT_LIMITS, ROW_INDEX, Format, Limits, RawTable, check_columns,
                                 clean_header, fail, header_only, is_blank, library_text,
                                 size_phrase, too_many_rows)

# --- Parquet -------------------------------------------------------------------------------------

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
    return fail(Kind.TOO_LARGE, f"The cells of the file hold {size_phrase(total)} of text; the "
                f"limit is {size_phrase(_text_limit(limits))}.", file)


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
        check_columns(meta.num_columns, file, limits)
        if meta.num_rows > limits.max_rows:
            raise too_many_rows(file, limits)
        if meta.num_rows * meta.num_columns > OBJECT_CELLS:
            raise fail(Kind.TOO_LARGE, f"The file has {meta.num_rows:,} rows × "
                       f"{meta.num_columns:,} columns; the app reads at most {OBJECT_CELLS:,} "
                       "cells from Parquet. Upload fewer columns or rows.", file)
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if unpacked > _unpacked_limit(limits):
            raise fail(Kind.TOO_LARGE, f"The file unpacks to {size_phrase(unpacked)}; the limit is "
                       f"{size_phrase(_unpacked_limit(limits))}.", file)
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
        raise fail(Kind.UNREADABLE, f"The file starts like Parquet but cannot be read "
                   f"({library_text(error)}).", file) from None
    columns, notes = clean_header(table.column_names)
    if table.num_rows == 0:
        raise header_only(columns, file)
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


# --- Excel ---------------------------------------------------------------------------------------

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
            raise fail(Kind.UNREADABLE, f"The file is a zip archive of {entries:,} files, not "
                       "an Excel workbook (.xlsx) the app can open.", file)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise fail(Kind.UNREADABLE, "The file is a zip archive but not an Excel workbook "
                   "(.xlsx) the app can open.", file) from None


def _check_parts(archive: zipfile.ZipFile, file: str) -> list[zipfile.ZipInfo]:
    """The worksheets of the archive, once every part openpyxl reads is of sane size."""
    sheets = [info for info in archive.infolist() if SHEET_PARTS.fullmatch(info.filename)]
    unpacked = sum(info.file_size for info in sheets)
    if unpacked > XLSX_SHEET_BYTES:
        raise fail(Kind.TOO_LARGE, f"The sheets of the workbook unpack to "
                   f"{size_phrase(unpacked)} of XML; the app reads at most "
                   f"{size_phrase(XLSX_SHEET_BYTES)} from Excel, which is slow to read. Save the "
                   "sheet as CSV and upload that.", file)
    for info in archive.infolist():
        if info not in sheets and info.filename.lower().endswith((".xml", ".rels")) \
                and info.file_size > XLSX_PART_BYTES:
            raise fail(Kind.TOO_LARGE, f"A part of the workbook ({clip(info.filename)}) "
                       f"unpacks to {size_phrase(info.file_size)}; the limit is "
                       f"{size_phrase(XLSX_PART_BYTES)}. Save the sheet as CSV and upload "
                       "that.", file)
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
                raise fail(Kind.TOO_MANY_ROWS, f"A sheet of the workbook has "
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
            raise fail(Kind.TOO_MANY_ROWS, f"The sheet has more than {limits.max_rows:,} rows "
                       f"below its header (empty rows count too); the limit is "
                       f"{limits.max_rows:,}.", file)
        if values.count(None) == len(values) or is_blank(values):
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
        raise fail(Kind.TOO_MANY_COLUMNS, f"The sheet has more than {limits.max_columns:,} "
                   f"columns; the limit is {limits.max_columns:,}.", file)


def _filled(values: Sequence[object]) -> int:
    return sum(not is_blank([v]) for v in values)


def _frame(rows: list[list[object]], columns: list[str], row_numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.index = pd.Index(row_numbers, name=ROW_INDEX)
    return frame


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
        raise fail(Kind.UNREADABLE, "The file is a zip archive but not an Excel workbook "
                   "(.xlsx) the app can open.", file) from None
    try:
        for sheet in book.worksheets:
            header_row, header, rows = _sheet_rows(sheet, limits, file)
            if header:
                break
        else:
            raise fail(Kind.EMPTY_FILE, "The workbook has no cells with data.", file)
        title, sheet_count = sheet.title, len(book.worksheets)
    except ReadError:
        raise
    except Exception as error:
        raise fail(Kind.UNREADABLE, f"The Excel workbook cannot be read: part of it is damaged "
                   f"or not valid ({library_text(error)}).", file) from None
    finally:
        book.close()
    check_columns(len(header), file, limits)
    columns, notes = clean_header(header)
    if not rows:
        raise header_only(columns, file)
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
