"""Hostile uploads: every reader gives a table or a ReadError, in bounded time and memory.

Each test is one attack on `lib.ingest.read.table.read_table` (the one way from an upload's bytes to a raw
table): characters that crash the chart renderer, inputs that made a reader raise something else
than `ReadError`, and files whose reading cost grew far beyond their size. Big files are made
here, never committed.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import math
import random
import time
import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib.core.textcells import UNSAFE_CHARACTERS
from lib.ingest.pipeline import ingest
from lib.ingest.problems import Kind, ReadError
from lib.ingest.read import binary
from lib.ingest.read.delimited import read_delimited_fast
from lib.ingest.read.raw import MAX_NAME_CHARACTERS, Format, Limits, clean_header, library_text
from lib.ingest.read.records import JSON_PIECE
from lib.ingest.read.table import read_table

RECORD = {"model": "A", "dataset": "GSM8K", "delta": 1}


def read_error(data: bytes, name: str = "f.csv", **limits) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_table(data, name, Limits(**limits))
    return caught.value


def unsafe_cells(frame: pd.DataFrame) -> list[object]:
    """Every cell and column name that still holds an unsafe character."""
    names = [c for c in frame.columns if UNSAFE_CHARACTERS.search(str(c))]
    cells = [v for column in frame.columns for v in frame[column].tolist()
             if isinstance(v, str) and UNSAFE_CHARACTERS.search(v)]
    return names + cells


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def with_part(data: bytes, name: str, content: bytes | None) -> bytes:
    """The zip archive `data` with its part `name` replaced by `content` (added if missing,
    removed if None)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != name:
                out.writestr(info.filename, source.read(info))
        if content is not None:
            out.writestr(name, content)
    return sink.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
WORKBOOK = xlsx_bytes([["model", "dataset", "delta"], ["A", "GSM8K", 1.5], ["B", "MATH", -2]])


def sheet_xml(data: bytes = WORKBOOK) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET)


# --- 1. control characters become U+FFFD in every format -----------------------------------------

FILLER = "".join(f"M{i},GSM8K,{i % 9}\n" for i in range(200))
"""Enough clean text that a few control characters pass the binary check (1 %)."""


@pytest.mark.parametrize("bad", ["\x1f", "\x00", "\x07", "\x7f", "\x85", "\x9f", "\ufffe",
                                 "\uffff"])
def test_a_control_character_in_a_csv_name_is_replaced(bad: str) -> None:
    text = "model,dataset,delta\n" + FILLER * 2 + f"Bad{bad}Name,GSM8K,1\n" + FILLER
    raw = read_table(text.encode(), "f.csv")
    assert read_delimited_fast(text.encode(), "f.csv") is not None, "the fast path reads it"
    assert raw.frame.loc[402, "model"] == "Bad\ufffdName"
    assert unsafe_cells(raw.frame) == []
    assert "Row 402 (1 cell): control characters replaced by �." in raw.notes


def test_the_slow_path_scrubs_alike() -> None:
    text = "model,dataset,delta\nA,GSM8K,1,2\n" + FILLER + "x\x1fy,MATH,\x01\n"
    data = text.encode("utf-16")
    assert read_delimited_fast(data, "f.csv") is None, "UTF-16 (NUL bytes): slow path"
    raw = read_table(data, "f.csv")
    assert unsafe_cells(raw.frame) == []
    assert raw.frame.loc[203].tolist() == ["x\ufffdy", "MATH", "\ufffd"]
    assert "Row 203 (2 cells): control characters replaced by �." in raw.notes


def test_header_names_are_scrubbed_and_noted() -> None:
    text = "mo\x1fdel,data\x85set,delta\n" + FILLER
    raw = read_table(text.encode(), "f.csv")
    assert list(raw.frame.columns) == ["mo\ufffddel", "data\ufffdset", "delta"]
    assert sum("holds control characters" in n for n in raw.notes) == 2


def test_a_nul_after_the_first_4_kb_does_not_survive_in_a_name() -> None:
    body = "".join(f"M{i},GSM8K,{i % 9}\n" for i in range(1000))
    data = ("model,dataset,delta\n" + body + "N\x00ul,MATH,1\n").encode()
    assert data.index(b"\x00") > 4096
    raw = read_table(data, "f.csv")
    assert raw.frame["model"].iloc[-1] == "N\ufffdul"
    assert unsafe_cells(raw.frame) == []


def test_json_escapes_and_lone_surrogates_are_replaced() -> None:
    records = [dict(RECORD, model=f"M{i}") for i in range(5)]
    text = json.dumps(records)
    text = text.replace('"M1"', '"a\\u0000b"').replace('"M3"', '"\\ud800x\\u001f"')
    text = text.replace('"model"', '"mo\\u0085del"')
    raw = read_table(text.encode(), "f.json")
    assert unsafe_cells(raw.frame) == []
    assert raw.frame.iloc[1, 0] == "a\ufffdb" and raw.frame.iloc[3, 0] == "\ufffdx\ufffd"
    assert "Rows 2, 4 (2 cells): control characters replaced by �." in raw.notes
    assert list(raw.frame.columns)[0] == "mo\ufffddel"


def test_json_lines_cells_are_replaced() -> None:
    lines = [json.dumps(dict(RECORD, model=f"M{i}\u0085")) for i in range(3)]
    raw = read_table("\n".join(lines).encode(), "f.jsonl")
    assert raw.frame["model"].tolist() == ["M0\ufffd", "M1\ufffd", "M2\ufffd"]


def test_parquet_cells_and_names_are_replaced() -> None:
    table = pa.table({"mo\x00del": ["A\x1f", "B"], "dataset": ["GSM8K", "MA\x9fTH"],
                      "delta": [1.0, 2.0]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    raw = read_table(sink.getvalue(), "f.parquet")
    assert unsafe_cells(raw.frame) == []
    assert raw.frame.iloc[0, 0] == "A\ufffd" and raw.frame.iloc[1, 1] == "MA\ufffdTH"
    assert "Rows 1, 2 (2 cells): control characters replaced by �." in raw.notes


def test_excel_cells_are_replaced() -> None:
    xml = sheet_xml().replace(b">GSM8K<", ">GSM\u0085K<".encode()).replace(
        b">model<", ">mo\u009fdel<".encode())
    raw = read_table(with_part(WORKBOOK, SHEET, xml), "f.xlsx")
    assert unsafe_cells(raw.frame) == []
    assert raw.frame.loc[2, "dataset"] == "GSM\ufffdK"
    assert list(raw.frame.columns)[0] == "mo\ufffddel"


def test_the_note_lists_ten_rows_then_counts_the_rest() -> None:
    text = "model,dataset,delta\n" + FILLER * 3 + "".join(f"x\x1f{i},y,1\n" for i in range(25))
    raw = read_table(text.encode(), "f.csv")
    note = next(n for n in raw.notes if "control characters replaced" in n)
    assert note == ("Rows 602–611 and 15 more "
                    "(25 cells): control characters replaced by �.")


@pytest.mark.parametrize("scan_bytes", [7, 1 << 20])
def test_scrub_strings_is_scrub_text_column_wise(monkeypatch, scan_bytes: int) -> None:
    from lib.core import textcells

    monkeypatch.setattr(textcells, "SCAN_BYTES", scan_bytes)
    rng = random.Random(scan_bytes)
    alphabet = ["a", " ", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\xa0", "\ufffe", "\uffff",
                "\uf000", "é", "\t", "\n", "\r", "\u00bf", "\uefbf", "Ｇ", "😀"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
             for _ in range(5000)] + [None]
    whole = pa.array(texts, pa.large_string())
    for strings in (whole, whole.slice(7, 3000), pa.array(texts, pa.string()),
                    pa.chunked_array([whole.slice(0, 100), whole.slice(100)]), whole.slice(0, 0)):
        scrubbed, found = textcells.scrub_strings(strings)
        given = strings.to_pylist()
        assert scrubbed.to_pylist() == [None if t is None else textcells.scrub_text(t)
                                        for t in given]
        assert found.tolist() == [t is not None and bool(UNSAFE_CHARACTERS.search(t))
                                  for t in given]


def test_scrub_cells_keeps_other_cells_and_the_column_kind() -> None:
    from lib.core.textcells import scrub_cells

    mixed = pd.Series(["a\x1fb", 1, None, 2.5, "ok", "\ud800x"], dtype=object)
    scrubbed, found = scrub_cells(mixed)
    assert scrubbed.tolist() == ["a\ufffdb", 1, None, 2.5, "ok", "\ufffdx"]
    assert found.tolist() == [True, False, False, False, False, True]
    text = pd.Series(["x\x85", "y", None], dtype="str")
    scrubbed, found = scrub_cells(text)
    assert scrubbed.dtype == text.dtype and scrubbed.tolist()[:2] == ["x\ufffd", "y"]
    clean = pd.Series(["a", "b"], dtype=object)
    assert scrub_cells(clean)[0] is clean


def test_scrubbing_a_clean_column_runs_no_regular_expression(monkeypatch) -> None:
    import pyarrow.compute as pc

    def refuse(*args, **kwargs):
        raise AssertionError("the regular expression ran on clean text")

    monkeypatch.setattr(pc, "match_substring_regex", refuse)
    text = "model,dataset,delta\n" + "".join(f"Ünï{i},Über-Bench,{i}\n" for i in range(5000))
    assert len(read_table(text.encode(), "f.csv").frame) == 5000


# --- 2. nothing but ReadError, each naming the file ----------------------------------------------

def test_old_mac_line_ends_are_read_by_the_fast_path_as_lines() -> None:
    text = "model,dataset,delta\r" + FILLER.replace("\n", "\r") + 'Q "x",MATH,2\r'
    data = text.encode()
    fast = read_delimited_fast(data, "f.csv")
    assert fast is not None
    raw = read_table(data, "f.csv")
    assert len(raw.frame) == 201 and raw.frame.index[-1] == 202
    assert raw.frame.loc[202].tolist() == ['Q "x"', "MATH", "2"]


@pytest.mark.parametrize("data", [
    b"model,da\rtaset,delta\nA,GSM8K,1\n",
    b"model\r,dataset,delta\nA,GSM8K,1\n",
    b'"model\r",dataset,delta\rA,GSM8K,1\r',
    b"sep=;\rmodel;dataset;delta\rA;GSM8K;1\r",
    b"\r\r\rmodel,dataset,delta\rA,GSM8K,1",
])
def test_lone_carriage_returns_give_a_table_or_a_read_error(data: bytes) -> None:
    try:
        raw = read_table(data, "f.csv")
    except ReadError as error:
        assert error.problem.file == "f.csv"
    else:
        assert raw.rows_read >= 1


@pytest.mark.parametrize("name,text", [
    ("f.json", "[" * 100_000 + "]" * 100_000),
    ("f.json", '{"a": ' * 50_000 + "1" + "}" * 50_000),
    ("f.json", json.dumps([dict(RECORD, delta=json.loads("[" * 200 + "]" * 200))])),
    ("f.json", json.dumps({"model": ["A"], "delta": [json.loads("[" * 200 + "]" * 200)]})),
    ("f.jsonl", "[" * 100_000 + "]" * 100_000),
    ("f.csv", "[" * 100_000),
])
def test_deeply_nested_json_is_refused_clearly(name: str, text: str) -> None:
    error = read_error(text.encode(), name)
    assert error.problem.file == name
    assert "levels deep" in error.problem.message or "JSON" in error.problem.message


def test_a_deep_json_line_is_left_out_and_listed() -> None:
    lines = [json.dumps(RECORD), '{"model": ' + "[" * 300 + "]" * 300 + "}", json.dumps(RECORD)]
    raw = read_table("\n".join(lines).encode(), "f.jsonl")
    assert raw.frame.index.tolist() == [1, 3]
    (problem,) = raw.problems
    assert problem.row == 2 and "levels deep" in problem.message


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1" + "0" * 400, "1" + "0" * 5000])
def test_huge_json_numbers_are_read_as_infinite_and_reported(number: str) -> None:
    data = f'[{{"model": "A", "dataset": "GSM8K", "delta": {number}}}]'.encode()
    cell = read_table(data, "f.json").frame.loc[1, "delta"]
    assert isinstance(cell, float) and math.isinf(cell)
    report = ingest(data, "f.json")
    assert [p.kind for p in report.problems if p.row == 1] == [Kind.INFINITE]


def test_long_integers_that_fit_a_float_stay_exact() -> None:
    big = 10 ** 40 + 7
    raw = read_table(json.dumps([dict(RECORD, delta=big)]).encode(), "f.json")
    assert raw.frame.loc[1, "delta"] == big


@pytest.mark.parametrize("damage", ["truncated sheet", "bad styles", "no workbook", "bad strings",
                                    "half the archive", "bad row number", "bad date",
                                    "not a zip"])
def test_a_damaged_workbook_gives_a_read_error(damage: str) -> None:
    xml = sheet_xml()
    data = {
        "truncated sheet": lambda: with_part(WORKBOOK, SHEET, xml[:len(xml) * 2 // 3]),
        "bad styles": lambda: with_part(WORKBOOK, "xl/styles.xml", b"<styleSheet><cellXfs"),
        "no workbook": lambda: with_part(WORKBOOK, "xl/workbook.xml", None),
        "bad strings": lambda: with_part(with_part(WORKBOOK, SHEET, xml.replace(
            b't="inlineStr"><is><t>A</t></is>', b't="s"><v>99</v>')),
            "xl/sharedStrings.xml", b"<sst><si><t>x</t></si></sst>"),
        "half the archive": lambda: WORKBOOK[:len(WORKBOOK) // 2],
        "bad row number": lambda: with_part(WORKBOOK, SHEET, xml.replace(b'r="2"', b'r="two"')),
        "bad date": lambda: with_part(WORKBOOK, SHEET, xml.replace(
            b'<c r="C2" t="n"><v>1.5</v>', b'<c r="C2" t="d"><v>not a date</v>')),
        "not a zip": lambda: b"PK\x03\x04" + b"\x00" * 200,
    }[damage]()
    error = read_error(data, "f.xlsx")
    assert error.problem.file == "f.xlsx"
    assert error.problem.kind is Kind.UNREADABLE


def test_a_zip_of_many_files_is_refused_before_it_is_opened() -> None:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for i in range(binary.XLSX_ENTRIES + 1):
            archive.writestr(f"f{i}", b"")
    assert "zip archive of 10,001 files" in read_error(sink.getvalue(), "f.xlsx").problem.message


def test_a_zip_bomb_sheet_is_refused_before_it_is_read() -> None:
    xml = sheet_xml()
    bomb = xml.replace(b"</sheetData>", b"</sheetData>" + b" " * (binary.XLSX_SHEET_BYTES + 1))
    data = with_part(WORKBOOK, SHEET, bomb)
    assert len(data) < 1024 * 1024
    started = time.perf_counter()
    error = read_error(data, "f.xlsx")
    assert error.problem.kind is Kind.TOO_LARGE and "Save the sheet as CSV" in \
        error.problem.message
    assert time.perf_counter() - started < 5


def test_a_large_shared_strings_part_is_refused() -> None:
    strings = b"<sst>" + b"<si><t>a</t></si>" * (binary.XLSX_PART_BYTES // 17 + 1) + b"</sst>"
    error = read_error(with_part(WORKBOOK, "xl/sharedStrings.xml", strings), "f.xlsx")
    assert error.problem.kind is Kind.TOO_LARGE and "sharedStrings" in error.problem.message


def test_a_sheet_that_claims_the_whole_grid_is_read_by_its_cells() -> None:
    xml = sheet_xml().replace(b'<dimension ref="A1:C3"', b'<dimension ref="A1:XFD1048576"')
    raw = read_table(with_part(WORKBOOK, SHEET, xml), "f.xlsx")
    assert list(raw.frame.columns) == ["model", "dataset", "delta"]
    assert len(raw.frame) == 2


def test_a_sheet_that_claims_too_few_rows_is_read_whole() -> None:
    xml = sheet_xml().replace(b'<dimension ref="A1:C3"', b'<dimension ref="A1:C2"')
    assert len(read_table(with_part(WORKBOOK, SHEET, xml), "f.xlsx").frame) == 2


@pytest.mark.parametrize("header,expected", [
    (["model", "dataset", "delta", "delta", "delta (2)"],
     ["model", "dataset", "delta", "delta (3)", "delta (2)"]),
    (["a", "A", "a (2)", "", "column 4"], ["a", "A (3)", "a (2)", "column 4 (2)", "column 4"]),
    (["", "column 1", ""], ["column 1 (2)", "column 1", "column 3"]),
])
def test_column_names_are_unique_whatever_the_header(header: list[str],
                                                     expected: list[str]) -> None:
    assert clean_header(header)[0] == expected


def test_column_names_are_unique_for_any_header() -> None:
    rng = random.Random(4)
    pool = ["a", "A", "a (2)", "A (3)", "", " ", "column 1", "column 2", "column 2 (2)", "b",
            "a (2) (2)", "x" * 150, "x" * 151]
    for _ in range(3000):
        names, _ = clean_header([rng.choice(pool) for _ in range(rng.randint(1, 9))])
        folded = [n.casefold() for n in names]
        assert len(set(folded)) == len(folded), names
        assert all(n and len(n) <= MAX_NAME_CHARACTERS + 8 for n in names)


def test_a_header_of_only_commas_is_named_in_a_note() -> None:
    raw = read_table(b",,\nA,B,1\nC,D,2\n", "f.csv")
    assert list(raw.frame.columns) == ["A", "B", "1"]
    assert ("Row 1 has only empty fields, so it is not the header: the first row with something "
            "in it, row 2, is read as the header (A, B, 1).") in raw.notes


def test_the_decode_failure_names_a_byte_that_is_invalid() -> None:
    data = b"model,dataset,delta\n\xb8\x81,x,1\n"
    message = read_error(data).problem.message
    assert "byte 0x81" in message and "0xb8" not in message
    with pytest.raises(UnicodeDecodeError):
        b"\x81".decode("cp1252")
    b"\xb8".decode("cp1252")


@pytest.mark.parametrize("data,name", [
    (("a" * 20_000 + "," + "b" * 20_000 + "\n").encode(), "f.csv"),
    ((",".join("c" * 5000 for _ in range(50)) + "\n").encode(), "f.csv"),
    (json.dumps({"x" * 20_000: [], "y": []}).encode(), "f.json"),
])
def test_messages_quote_the_file_briefly(data: bytes, name: str) -> None:
    assert len(read_error(data, name).problem.message) < 500


def test_long_names_are_cut_with_a_note() -> None:
    raw = read_table(("m" * 5000 + ",dataset,delta\nA,GSM8K,1\n").encode(), "f.csv")
    assert list(raw.frame.columns)[0] == "m" * MAX_NAME_CHARACTERS
    assert any("5,000 characters long" in n and len(n) < 300 for n in raw.notes)


def test_an_unexpected_failure_is_a_read_error_and_logged(monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/app/lib/ingest/read/records.py")

    monkeypatch.setattr("lib.ingest.read.table.read_json", broken)
    with caplog.at_level(logging.ERROR, logger="lib.ingest.read.table"):
        error = read_error(json.dumps([RECORD]).encode(), "f.json")
    # its own kind: a reader's bug is never mistaken for a refusal given on purpose
    assert error.problem.file == "f.json" and error.problem.kind is Kind.UNEXPECTED
    assert "/" not in error.problem.message.replace("/Excel", "")
    assert "boom" in caplog.text, "the traceback is logged"
    report = ingest(json.dumps([RECORD]).encode(), "f.json")
    assert [p.kind for p in report.blocking] == [Kind.UNEXPECTED]


def test_library_messages_lose_their_paths() -> None:
    assert library_text(OSError("cannot read /home/user/data/f.parquet: bad")) == \
        "cannot read …: bad"


# --- 3. bounded work -----------------------------------------------------------------------------

TABLE = "model,dataset,delta\n" + "".join(f"Café {i % 7},Über-Bench {i % 3},{i % 11}\n"
                                          for i in range(3000))


@pytest.mark.parametrize("name,data", [
    ("Windows-1252", TABLE.encode("cp1252")),
    ("UTF-16", TABLE.encode("utf-16")),
    ("UTF-16 without a byte-order mark", TABLE.encode("utf-16-le")),
    ("UTF-32", TABLE.encode("utf-32")),
    ("sep= line", ("sep=,\n" + TABLE).encode()),
    ("sep= line, Windows-1252", ("sep=;\r\n" + TABLE.replace(",", ";")).encode("cp1252")),
    ("old Mac line ends", TABLE.replace("\n", "\r").encode()),
    ("blank lines first", ("\n \n\t\n" + TABLE).encode()),
    ("CRLF and a byte-order mark", codecs.BOM_UTF8 + TABLE.replace("\n", "\r\n").encode()),
])
def test_every_common_text_takes_the_fast_path(monkeypatch, name: str, data: bytes) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the slow path ran")

    expected = read_table(data, "f.csv")
    monkeypatch.setattr("lib.ingest.read.delimited._read_delimited", refuse)
    raw = read_table(data, "f.csv")
    assert len(raw.frame) == 3000
    assert raw.frame.iloc[0].tolist() == ["Café 0", "Über-Bench 0", "0"]
    assert raw.notes == expected.notes


def test_many_empty_rows_in_a_workbook_cost_little() -> None:
    xml = sheet_xml()
    empty = b"".join(b'<row r="%d" spans="1:3"><c r="A%d" s="0"/></row>' % (i, i)
                     for i in range(4, 300_004))
    data = with_part(WORKBOOK, SHEET, xml.replace(b"</sheetData>", empty + b"</sheetData>"))
    compacted = binary._compacted(data, "f.xlsx", Limits())
    assert len(sheet_xml(compacted)) < 2 * len(xml), "the empty rows are dropped"
    started = time.perf_counter()
    raw = read_table(data, "f.xlsx")
    assert len(raw.frame) == 2
    assert time.perf_counter() - started < 30


def test_empty_rows_count_toward_the_limit() -> None:
    xml = sheet_xml().replace(b"</sheetData>", b'<row r="40"><c r="A40" t="inlineStr"><is><t>x'
                              b"</t></is></c></row></sheetData>")
    data = with_part(WORKBOOK, SHEET, xml)
    assert read_error(data, "f.xlsx", max_rows=30).problem.kind is Kind.TOO_MANY_ROWS
    assert len(read_table(data, "f.xlsx", Limits(max_rows=39)).frame) == 3


def test_a_row_number_far_beyond_the_limit_is_refused_before_reading() -> None:
    xml = sheet_xml().replace(b"</sheetData>", b'<row r="1e12"><c r="A1" t="inlineStr"><is><t>x'
                              b"</t></is></c></row></sheetData>")
    started = time.perf_counter()
    error = read_error(with_part(WORKBOOK, SHEET, xml), "f.xlsx")
    assert error.problem.kind is Kind.TOO_MANY_ROWS
    assert time.perf_counter() - started < 5


def test_millions_of_tiny_json_objects_keep_no_memory(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.records.JSON_BATCH", 1000)  # records held at once, whatever the file
    text = "[" + ",".join(["{}"] * 50_000) + "]"
    tracemalloc.start()
    try:
        error = read_error(text.encode(), "f.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.problem.kind is Kind.EMPTY_FILE
    assert peak < 3 * len(text) + 2_000_000, "not one object kept per record (64 bytes each)"


def test_json_stops_at_the_row_limit() -> None:
    for text in ("[" + ",".join(["{}"] * 100_000) + "]",
                 '{"a": [' + ",".join(["1"] * 100_000) + "]}",
                 "\n".join(['{"a": 1}'] * 100_000), "\n".join(["1"] * 100_000)):
        started = time.perf_counter()
        name = "f.jsonl" if "\n" in text else "f.json"
        assert read_error(text.encode(), name, max_rows=1000).problem.kind is Kind.TOO_MANY_ROWS
        assert time.perf_counter() - started < 5


def test_json_keeps_at_most_its_budget_of_values(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.records.JSON_VALUES", 50)
    error = read_error(json.dumps({"a": list(range(30)), "b": list(range(30))}).encode(),
                       "f.json")
    assert error.problem.kind is Kind.TOO_LARGE


def test_a_json_value_longer_than_a_piece_is_refused(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.records.JSON_PIECE", 1000)
    data = json.dumps([RECORD, dict(RECORD, model="x" * 5000)]).encode()
    assert "longer than" in read_error(data, "f.json").problem.message
    lines = json.dumps(RECORD) + "\n" + json.dumps(dict(RECORD, model="x" * 5000))
    raw = read_table(lines.encode(), "f.jsonl")
    assert [p.row for p in raw.problems] == [2]


def test_too_many_bad_lines_stop_the_file(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.raw.MAX_ROW_PROBLEMS", 100)
    assert "More than 100 lines" in read_error("\n".join(["1"] * 500).encode(),
                                               "f.jsonl").problem.message
    ragged = "a,b\n" + "1,2,3\n" * 500
    assert "More than 100 rows" in read_error(ragged.encode()).problem.message


def test_a_parquet_value_repeated_in_every_row_counts_each_time() -> None:
    table = pa.table({"model": pa.array(["x" * 10_000] * 2000).dictionary_encode(),
                      "delta": [1.0] * 2000})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    assert len(sink.getvalue()) < 100_000
    error = read_error(sink.getvalue(), "f.parquet", max_bytes=5_000_000)
    assert error.problem.kind is Kind.TOO_LARGE and "of text" in error.problem.message


def test_a_shared_string_repeated_in_every_row_counts_each_time() -> None:
    rows = [["model", "dataset", "delta"]] + [["y" * 20_000, "GSM8K", 1]] * 300
    error = read_error(xlsx_bytes(rows), "f.xlsx", max_bytes=2_000_000)
    assert error.problem.kind is Kind.TOO_LARGE and "of text" in error.problem.message


def test_parquet_cells_are_limited_before_reading(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.binary.OBJECT_CELLS", 100)
    sink = io.BytesIO()
    pq.write_table(pa.table({"a": list(range(60)), "b": list(range(60))}), sink)
    assert read_error(sink.getvalue(), "f.parquet").problem.kind is Kind.TOO_LARGE


# --- JSON read a record at a time gives what json.loads and json_normalize gave -----------------

def _oracle(text: str) -> pd.DataFrame:
    """The table the reader made before it streamed: json.loads, then pd.json_normalize."""
    value = json.loads(text)
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        columns = list(value)
        value = [{c: value[c][i] for c in columns} for i in range(len(value[columns[0]]))]
    elif isinstance(value, dict):
        value = next(v for v in value.values() if isinstance(v, list) and v)
    frame = pd.json_normalize(value).astype(object)
    return frame.where(frame.notna(), None)


def _cell(value: object) -> tuple:
    """A cell compared as the validation reads it (1 and 1.0 alike, True not)."""
    if isinstance(value, (list, dict)):
        return ("container", json.dumps(value))
    return (type(value) is bool, type(value) is str, value)


def _random_json(rng: random.Random) -> str:
    keys = ["model", "dataset", "delta", "a.b", "a", "n", "x y", ""]

    def scalar() -> object:
        return rng.choice([1, 2.5, -3, "A", "GSM8K", None, True, "", "Δ", 10 ** 20, "a,b\n"])

    def value(depth: int = 0) -> object:
        roll = rng.random()
        if depth < 3 and roll < 0.1:
            return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 3))}
        if depth < 3 and roll < 0.15:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return scalar()

    def record() -> dict:
        return {rng.choice(keys): value() for _ in range(rng.randint(1, 5))}

    n = rng.randint(1, 40)
    roll = rng.random()
    if roll < 0.5:
        doc: object = [record() for _ in range(n)]
    elif roll < 0.75:
        doc = {c: [scalar() for _ in range(n)] for c in rng.sample(keys, rng.randint(1, 4))}
    else:
        doc = {"meta": {"run": 1}, "results": [record() for _ in range(n)]}
    return json.dumps(doc, indent=rng.choice([None, 1]), ensure_ascii=rng.random() < 0.5)


@pytest.mark.parametrize("piece", [400, JSON_PIECE])
def test_json_read_a_record_at_a_time_is_read_as_before(monkeypatch, piece: int) -> None:
    monkeypatch.setattr("lib.ingest.read.records.JSON_PIECE", piece)
    rng = random.Random(piece)
    compared = 0
    for _ in range(150):
        text = _random_json(rng)
        expected = _oracle(text)
        try:
            got = read_table(text.encode(), "f.json").frame
        except ReadError as error:
            assert "longer than" in error.problem.message or expected.shape[1] == 0, text
            continue
        assert list(got.columns) == clean_header(list(expected.columns))[0], text
        assert got.index.tolist() == list(range(1, len(expected) + 1))
        assert [[_cell(v) for v in row] for row in got.values.tolist()] == \
            [[_cell(v) for v in row] for row in expected.values.tolist()], text
        compared += 1
    assert compared > 100


def test_json_errors_are_located_as_json_loads_locates_them(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.records.JSON_PIECE", 200)
    records = ",\n".join(json.dumps(dict(RECORD, model=f"M{i}")) for i in range(40))
    for broken in (records.replace('"M17"', '"M17" "x"'), records.replace('"M30",', '"M30",,'),
                   records + ",", records.replace('"M5"', '"M5'), records.replace("}", "]", 9)):
        text = "[" + broken + "]"
        with pytest.raises(json.JSONDecodeError) as caught:
            json.loads(text)
        message = read_error(text.encode(), "f.json").problem.message
        assert message == (f"The file is not valid JSON: {caught.value.msg} at line "
                           f"{caught.value.lineno:,}, column {caught.value.colno:,}.")


def test_formats_are_still_told_apart() -> None:
    assert read_table(json.dumps([RECORD]).encode(), "f.txt").format is Format.JSON
    lines = "\n".join(json.dumps(RECORD) for _ in range(3))
    assert read_table(lines.encode(), "f.json").format is Format.JSON_LINES

