"""Delimited bytes to Arrow tables with pyarrow's multithreaded CSV reader.

Large per-item files are read in pieces of about PIECE_BYTES, cut at line ends: each piece is
parsed (in parallel, like one `read_csv` call) and reduced to compact numpy arrays before the next
is read, so that peak memory stays near the size of the file instead of several times it. Like
pyarrow's own reader with default options, this assumes no line breaks inside quoted values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from lib.itemcolumns import csv_header, strip_bom

PIECE_BYTES = 8 << 20


def read_csv_bytes(data: bytes, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole of delimited bytes as one Arrow table (only `columns`, when given).

    Raises `pyarrow.ArrowInvalid` on text it cannot parse.
    """
    _, delimiter = csv_header(data)
    return pacsv.read_csv(
        pa.py_buffer(strip_bom(data)),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(include_columns=list(columns) if columns else None),
    )


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
    start = bytes(body[:65536]).find(b"\n") + 1
    if start == 0:  # a header without a line end: no rows
        start = len(body)
    options = dict(
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(include_columns=list(columns)),
        memory_pool=pa.system_memory_pool(),  # short-lived buffers: returned, not cached
    )
    row = 2
    while start < len(body):
        end = min(len(body), start + piece_bytes)
        if end < len(body):
            cut = bytes(body[end:end + (1 << 20)]).find(b"\n")
            end = len(body) if cut < 0 else end + cut + 1
        table = pacsv.read_csv(pa.py_buffer(body[start:end]), **options)
        yield table, row
        row += table.num_rows
        start = end
