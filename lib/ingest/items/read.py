"""Delimited bytes to Arrow tables with pyarrow's multithreaded CSV reader.

Large per-item files are read in pieces of about PIECE_BYTES, cut at line ends: each piece is
parsed (in parallel, like one `read_csv` call) and reduced to compact numpy arrays before the next
is read, so that peak memory stays near the size of the file instead of several times it. Like
pyarrow's own reader with default options, this assumes no line breaks inside quoted values.
Line ends may be LF, CRLF or CR. Text that is not UTF-8 makes pyarrow raise; the caller then
reads the file with the general reader (`lib.ingest.read.table.read_table`), which knows other
encodings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from lib.ingest.items.columns import csv_header, first_line, has_sep_line, strip_bom

PIECE_BYTES = 8 << 20
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def fast_path_fits(data: bytes) -> bool:
    """Whether pyarrow can read these delimited bytes as they are: no UTF-16 or UTF-32 text
    (a byte-order mark, or NUL bytes early on) and no `sep=` line before the header."""
    return not (data.startswith(UTF16_BOMS) or b"\x00" in data[:4096] or has_sep_line(data))


def _body_start(body: memoryview) -> int:
    """Where the first line after the header (and a `sep=` line) begins, or the end of `body`."""
    _, start = first_line(body)
    if has_sep_line(body):
        _, start = first_line(body, start)
    return min(start, len(body))


def _options(names: list[str], delimiter: str, columns: Sequence[str] | None) -> dict:
    return dict(
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(include_columns=list(columns) if columns else None),
    )


def _check_text(table: pa.Table) -> None:
    """Raise `pyarrow.ArrowInvalid` when a column holds bytes that are not UTF-8 (pyarrow then
    reads it as binary): the general reader knows other encodings."""
    if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
        raise pa.ArrowInvalid("not UTF-8 text")


def read_csv_bytes(data: bytes, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole of delimited bytes as one Arrow table (only `columns`, when given), with the
    column names of `csv_header`.

    Raises `pyarrow.ArrowInvalid` on text it cannot parse.
    """
    names, delimiter = csv_header(data)
    body = strip_bom(data)
    table = pacsv.read_csv(pa.py_buffer(body[_body_start(body):]),
                           **_options(names, delimiter, columns))
    _check_text(table)
    return table


def csv_pieces(data: bytes, columns: Sequence[str], piece_bytes: int | None = None,
               ) -> Iterator[tuple[pa.Table, int]]:
    """(table of `columns`, spreadsheet row number of its first row) per piece of the file.

    Pieces hold about `piece_bytes` each (PIECE_BYTES by default). The header is row 1; blank
    lines are skipped by the reader and not counted, so row numbers after a blank line are one
    lower than a spreadsheet's. Types are inferred per piece. Raises `pyarrow.ArrowInvalid` on
    text it cannot parse.
    """
    piece_bytes = piece_bytes or PIECE_BYTES
    names, delimiter = csv_header(data)
    body = strip_bom(data)
    start = _body_start(body)
    options = _options(names, delimiter, columns)
    options["memory_pool"] = pa.system_memory_pool()  # short-lived buffers: returned, not cached
    row = 2
    while start < len(body):
        end = min(len(body), start + piece_bytes)
        if end < len(body):
            window = bytes(body[end:end + (1 << 20)])
            cuts = [k for k in (window.find(b"\n"), window.find(b"\r")) if k >= 0]
            end = len(body) if not cuts else end + min(cuts) + 1
        table = pacsv.read_csv(pa.py_buffer(body[start:end]), **options)
        _check_text(table)
        yield table, row
        row += table.num_rows
        start = end
