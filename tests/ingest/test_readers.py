"""lib/ingest/read/: every accepted format and encoding, row numbers, limits."""

from __future__ import annotations

import codecs
import io
import json

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib.ingest.problems import Effect, Kind, ReadError
from lib.ingest.read.delimited import detect_delimiter
from lib.ingest.read.raw import Format, Limits, clean_header
from lib.ingest.read.sniff import decode_text, sniff_format
from lib.ingest.read.table import read_table

CSV = "model,dataset,delta\nGPT-4o,GSM8K,3.5\nMine,MATH,-2\n"


def cells(data: bytes, name: str = "f.csv", **limits) -> pd.DataFrame:
    return read_table(data, name, Limits(**limits)).frame


def read_error(data: bytes, name: str = "f.csv", **limits) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_table(data, name, Limits(**limits))
    return caught.value


# --- delimited text ------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter,name", [(",", "f.csv"), (";", "f.csv"), ("\t", "f.tsv"),
                                            ("\t", "f.txt"), ("|", "f.psv"), ("|", "f.txt")])
def test_delimiter_is_detected(delimiter: str, name: str) -> None:
    raw = read_table(CSV.replace(",", delimiter).encode(), name)
    assert list(raw.frame.columns) == ["model", "dataset", "delta"]
    assert raw.frame.loc[2].tolist() == ["GPT-4o", "GSM8K", "3.5"]
    assert raw.format is Format.DELIMITED


def test_semicolon_file_keeps_decimal_commas_as_text_for_the_validation() -> None:
    frame = cells(b"model;dataset;delta\nGPT-4o;GSM8K;3,5\n")
    assert frame.loc[2, "delta"] == "3,5"


def test_names_with_commas_in_a_tab_file_stay_whole() -> None:
    frame = cells(b"model\tdataset\tdelta\nModel, v2\tGSM8K\t1\n", "f.tsv")
    assert frame.loc[2, "model"] == "Model, v2"


def test_quoted_fields_with_delimiters_and_line_breaks() -> None:
    data = b'model,dataset,delta\n"Big, model","multi\nline",1\nB,GSM8K,2\n'
    frame = cells(data)
    assert frame.loc[2, "model"] == "Big, model"
    assert frame.loc[2, "dataset"] == "multi\nline"
    assert frame.index.tolist() == [2, 4], "a record spanning lines 2-3 leaves the next on line 4"


def test_excel_sep_line_sets_the_delimiter_and_rows_count_from_it() -> None:
    raw = read_table(b"sep=;\nmodel;dataset;delta\nA;GSM8K;1\n", "f.csv")
    assert raw.frame.index.tolist() == [3]
    assert raw.frame.loc[3, "model"] == "A"


def test_a_field_too_large_for_the_csv_reader_is_refused_clearly() -> None:
    error = read_error(b'model,dataset\n"' + b"x" * 200_000 + b'",1\n')
    assert error.problem.kind is Kind.UNREADABLE
    assert "field larger than field limit" in error.problem.message


def test_row_numbers_skip_blank_lines_and_count_the_header() -> None:
    frame = cells(b"\nmodel,dataset,delta\n\nA,GSM8K,1\n,,\nB,MATH,2\n")
    assert frame.index.tolist() == [4, 6]
    assert frame.index.name == "row"


def test_crlf_and_utf8_bom() -> None:
    data = codecs.BOM_UTF8 + CSV.replace("\n", "\r\n").encode()
    raw = read_table(data, "f.csv")
    assert list(raw.frame.columns) == ["model", "dataset", "delta"]
    assert raw.frame.loc[3, "delta"] == "-2"
    assert "Text encoding: UTF-8 with a byte-order mark." in raw.notes


def test_short_rows_are_padded_and_empty_extra_fields_ignored() -> None:
    raw = read_table(b"model,dataset,delta\nA,GSM8K\nB,MATH,2,,\n", "f.csv")
    assert raw.frame.loc[2].tolist() == ["A", "GSM8K", ""]
    assert raw.frame.loc[3].tolist() == ["B", "MATH", "2"]
    assert raw.problems == ()


def test_a_row_with_extra_values_is_listed_and_left_out() -> None:
    raw = read_table(b"model,dataset,delta\nA,GSM8K,3,5\nB,MATH,2\n", "f.csv")
    assert raw.frame.index.tolist() == [3]
    assert raw.rows_read == 2
    (problem,) = raw.problems
    assert (problem.kind, problem.row, problem.effect) == (Kind.RAGGED_ROW, 2, Effect.ROW)


def test_detect_delimiter_prefers_consistency_then_the_extension_hint() -> None:
    assert detect_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert detect_delimiter("a,b\n1,2\n") == ","
    assert detect_delimiter("a\tb|c\n1\t2|3\n", prefer="\t") == "\t"
    assert detect_delimiter("just one column\nvalue\n") == ","


def test_clean_header_names_blanks_and_numbers_repeats() -> None:
    names, notes = clean_header([" model ", "", "delta", "Delta", None])
    assert names == ["model", "column 2", "delta", "Delta (2)", "column 5"]
    assert len(notes) == 3


# --- encodings -----------------------------------------------------------------------------------

TEXT = "model,dataset,delta\nCafé−Model,GSM8K,1\n"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with a byte-order mark"),
    ("utf-16", "UTF-16"),
    ("utf-16-be", None),
    ("utf-32", "UTF-32"),
])
def test_unicode_encodings_are_decoded(encoding: str, expected: str | None) -> None:
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
        expected = "UTF-16"
    text, name = decode_text(data, "f.csv")
    assert text.lstrip("\ufeff") == TEXT
    assert name == expected


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(codec: str) -> None:
    text, name = decode_text(TEXT.encode(codec), "f.csv")
    assert text == TEXT
    assert name == "UTF-16 (no byte-order mark)"


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_western_single_byte_text_falls_back_to_windows_1252(codec: str) -> None:
    raw = read_table("model,dataset,delta\nCafé,Über-Bench,1\n".encode(codec), "f.csv")
    assert raw.frame.loc[2, "model"] == "Café"
    assert raw.frame.loc[2, "dataset"] == "Über-Bench"
    assert "Text encoding: Windows-1252 (Latin-1)." in raw.notes


def test_bytes_in_no_known_encoding_are_refused_clearly() -> None:
    error = read_error(b"model,dataset,delta\n\x81,x,1\n")
    assert error.problem.kind is Kind.ENCODING
    assert "Save it as UTF-8" in error.problem.message


@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03binary\x00\xff\xfe", bytes(range(1, 32)) * 20])
def test_binary_data_is_refused(data: bytes) -> None:
    assert read_error(data).problem.kind is Kind.UNREADABLE


# --- JSON and JSON Lines -------------------------------------------------------------------------

RECORDS = [{"model": "GPT-4o", "dataset": "GSM8K", "delta": 3.5},
           {"model": "Mine", "dataset": "MATH", "delta": "-2"}]


def test_json_list_of_records() -> None:
    raw = read_table(json.dumps(RECORDS).encode(), "f.json")
    assert raw.format is Format.JSON
    assert raw.frame.index.tolist() == [1, 2]
    assert raw.frame.loc[1, "delta"] == 3.5 and raw.frame.loc[2, "delta"] == "-2"


def test_json_object_of_columns() -> None:
    data = json.dumps({"model": ["A", "B"], "dataset": ["GSM8K", "MATH"], "delta": [1, 2]})
    frame = cells(data.encode(), "f.json")
    assert frame["model"].tolist() == ["A", "B"]


def test_json_object_of_empty_columns_names_them() -> None:
    problem = read_error(json.dumps({"model": [], "delta": []}).encode(), "f.json").problem
    assert problem.kind is Kind.HEADER_ONLY
    assert "model" in problem.message and "delta" in problem.message


def test_json_object_holding_one_list_of_records() -> None:
    data = json.dumps({"meta": {"run": 3}, "results": RECORDS})
    frame = cells(data.encode(), "results.json")
    assert frame["model"].tolist() == ["GPT-4o", "Mine"]


def test_json_nested_objects_become_dotted_columns_and_missing_keys_empty() -> None:
    data = json.dumps([{"model": "A", "delta": {"GSM8K": 1}}, {"model": "B"}])
    frame = cells(data.encode(), "f.json")
    assert list(frame.columns) == ["model", "delta.GSM8K"]
    assert frame.loc[2, "delta.GSM8K"] is None


def test_json_detected_by_content_whatever_the_extension() -> None:
    assert read_table(json.dumps(RECORDS).encode(), "export.txt").format is Format.JSON


def test_json_lines_numbered_by_line_with_bad_lines_listed() -> None:
    text = "\n".join([json.dumps(RECORDS[0]), "", "not json", json.dumps(RECORDS[1]), "[1]"])
    raw = read_table(text.encode(), "f.jsonl")
    assert raw.format is Format.JSON_LINES
    assert raw.frame.index.tolist() == [1, 4]
    assert [(p.row, p.effect) for p in raw.problems] == [(3, Effect.ROW), (5, Effect.ROW)]
    assert raw.rows_read == 4


def test_json_lines_in_a_json_file_are_read_as_json_lines() -> None:
    text = "\n".join(json.dumps(r) for r in RECORDS)
    assert read_table(text.encode(), "f.json").format is Format.JSON_LINES


def test_json_utf16_with_bom() -> None:
    frame = cells(json.dumps(RECORDS, ensure_ascii=False).encode("utf-16"), "f.json")
    assert frame["model"].tolist() == ["GPT-4o", "Mine"]


# --- Parquet and Excel ---------------------------------------------------------------------------

def parquet_bytes(table: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), sink)
    return sink.getvalue()


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def test_parquet_keeps_types_and_numbers_rows_from_one() -> None:
    table = pd.DataFrame({"model": ["A", None], "dataset": ["GSM8K", "MATH"], "delta": [1.5, None]})
    raw = read_table(parquet_bytes(table), "f.parquet")
    assert raw.format is Format.PARQUET
    assert raw.frame.index.tolist() == [1, 2]
    assert raw.frame.loc[1, "delta"] == 1.5
    assert raw.frame.loc[2, "model"] is None and raw.frame.loc[2, "delta"] is None


def test_parquet_is_recognised_by_its_bytes_whatever_the_name() -> None:
    table = pd.DataFrame({"model": ["A"], "dataset": ["GSM8K"], "delta": [1.0]})
    assert sniff_format(parquet_bytes(table), "results.csv") is Format.PARQUET


def test_parquet_header_only() -> None:
    table = pd.DataFrame({"model": pd.Series([], dtype=str), "delta": pd.Series([], dtype=float)})
    assert read_error(parquet_bytes(table), "f.parquet").problem.kind is Kind.HEADER_ONLY


def test_excel_first_sheet_with_data_and_sheet_row_numbers() -> None:
    data = xlsx_bytes(("Notes", []), ("Results", [
        [None], ["Run 7"], ["model", "dataset", "delta"], ["GPT-4o", "GSM8K", 3.5],
        ["Mine", "MATH", "−2"]]))
    raw = read_table(data, "f.xlsx")
    assert raw.format is Format.EXCEL
    assert list(raw.frame.columns) == ["model", "dataset", "delta"], "the title row is skipped"
    assert raw.frame.index.tolist() == [4, 5]
    assert any("sheet “Results”" in n and "header on row 3" in n for n in raw.notes)


def test_excel_single_column_sheet_still_has_a_header() -> None:
    raw = read_table(xlsx_bytes(("S", [["model"], ["A"], ["B"]])), "f.xlsx")
    assert list(raw.frame.columns) == ["model"]
    assert raw.frame["model"].tolist() == ["A", "B"]


def test_excel_header_on_first_row() -> None:
    data = xlsx_bytes(("Sheet1", [["model", "dataset", "delta", None],
                                  ["GPT-4o", "GSM8K", 3.5, None], ["Mine", "MATH", "−2"]]))
    raw = read_table(data, "f.xlsx")
    assert list(raw.frame.columns) == ["model", "dataset", "delta"]
    assert raw.frame.index.tolist() == [2, 3]
    assert raw.frame.loc[2, "delta"] == 3.5 and raw.frame.loc[3, "delta"] == "−2"


def test_excel_without_data() -> None:
    assert read_error(xlsx_bytes(("Empty", [])), "f.xlsx").problem.kind is Kind.EMPTY_FILE
    only_header = xlsx_bytes(("S", [["model", "dataset", "delta"]]))
    assert read_error(only_header, "f.xlsx").problem.kind is Kind.HEADER_ONLY


# --- limits --------------------------------------------------------------------------------------

def test_size_limit_is_checked_before_anything_is_parsed() -> None:
    error = read_error(b"\x00" * 2048, max_bytes=1024)
    assert error.problem.kind is Kind.TOO_LARGE


@pytest.mark.parametrize("name,data", [
    ("f.csv", ("model,dataset,delta\n" + "A,GSM8K,1\n" * 4).encode()),
    ("f.json", json.dumps(RECORDS * 2).encode()),
    ("f.jsonl", "\n".join(json.dumps(r) for r in RECORDS * 2).encode()),
    ("f.parquet", parquet_bytes(pd.DataFrame(RECORDS * 2).astype({"delta": str}))),
    ("f.xlsx", xlsx_bytes(("S", [["model", "dataset", "delta"]] + [["A", "B", 1]] * 4))),
])
def test_row_limit_in_every_format(name: str, data: bytes) -> None:
    assert read_error(data, name, max_rows=3).problem.kind is Kind.TOO_MANY_ROWS
    assert len(read_table(data, name, Limits(max_rows=4)).frame) == 4


@pytest.mark.parametrize("name,data", [
    ("f.csv", b"a,b,c,d\n1,2,3,4\n"),
    ("f.json", json.dumps([{"a": 1, "b": 2, "c": 3, "d": 4}]).encode()),
    ("f.parquet", parquet_bytes(pd.DataFrame([{"a": 1, "b": 2, "c": 3, "d": 4}]))),
    ("f.xlsx", xlsx_bytes(("S", [["a", "b", "c", "d"], [1, 2, 3, 4]]))),
])
def test_column_limit_in_every_format(name: str, data: bytes) -> None:
    assert read_error(data, name, max_columns=3).problem.kind is Kind.TOO_MANY_COLUMNS


def test_reading_never_touches_the_file_system(monkeypatch) -> None:
    import builtins
    import os
    import tempfile

    samples = {
        "f.csv": CSV.encode(), "f.json": json.dumps(RECORDS).encode(),
        "f.parquet": parquet_bytes(pd.DataFrame({"model": ["A"], "delta": [1.0]})),
        "f.xlsx": xlsx_bytes(("S", [["model", "delta"], ["A", 1]])),
    }
    read_table(samples["f.xlsx"], "warm-up.xlsx")  # lazy imports may read package files

    def refuse(*args, **kwargs):
        raise AssertionError(f"file system touched: {args[:1]}")

    for target, name in [(builtins, "open"), (os, "open"), (tempfile, "mkstemp"),
                         (tempfile, "NamedTemporaryFile"), (tempfile, "TemporaryFile")]:
        monkeypatch.setattr(target, name, refuse)
    for name, data in samples.items():
        assert len(read_table(data, name).frame) >= 1


# --- gzip ----------------------------------------------------------------------------------------

GZ_TEXT = "model,dataset,delta\nA,GSM8K,1\nB,MATH,-2\n"


@pytest.mark.parametrize("name,inner,fmt", [
    ("r.csv.gz", GZ_TEXT.encode(), Format.DELIMITED),
    ("r.tsv.gz", GZ_TEXT.replace(",", "\t").encode(), Format.DELIMITED),
    ("r.gz", GZ_TEXT.encode("utf-16"), Format.DELIMITED),
    ("r.json.gz", b'[{"model": "A", "dataset": "GSM8K", "delta": 1}]', Format.JSON),
    ("r.jsonl.gz", b'{"model": "A", "dataset": "GSM8K", "delta": 1}\n', Format.JSON_LINES),
])
def test_gzip_files_are_read_as_the_file_inside(name, inner, fmt) -> None:
    import gzip
    raw = read_table(gzip.compress(inner), name)
    assert raw.format is fmt and raw.file == name
    assert raw.notes[0] == "Unpacked from gzip."
    assert raw.frame["model"].iloc[0] == "A"


def test_gzip_with_several_members_is_read_whole() -> None:
    import gzip
    raw = read_table(gzip.compress(GZ_TEXT.encode()) + gzip.compress(b"C,AQUA,3\n"), "r.csv.gz")
    assert raw.frame["model"].tolist() == ["A", "B", "C"]
    assert raw.frame.index.tolist() == [2, 3, 4]


@pytest.mark.parametrize("data,message", [
    (b"\x1f\x8b" + b"\xff" * 30, "damaged"),
    (None, "cut short"),
    (b"junk", "after its end"),
])
def test_broken_gzip_gets_a_message(data, message) -> None:
    import gzip
    whole = gzip.compress(GZ_TEXT.encode())
    data = whole[:-9] if data is None else (data if data.startswith(b"\x1f") else whole + data)
    with pytest.raises(ReadError) as caught:
        read_table(data, "r.csv.gz")
    assert message in caught.value.problem.message
    assert caught.value.problem.file == "r.csv.gz"


def test_a_gzip_bomb_stops_at_the_limit_without_unpacking_it_all() -> None:
    import gzip
    import time
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=1)
    start = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        read_table(bomb, "bomb.csv.gz", Limits(max_bytes=4 * 1024 * 1024))
    assert caught.value.problem.kind is Kind.TOO_LARGE
    assert "unpacks to more than 4.0 MB" in caught.value.problem.message
    assert time.perf_counter() - start < 5


def test_gzip_inside_gzip_is_named() -> None:
    import gzip
    with pytest.raises(ReadError, match="holds another gzip file"):
        read_table(gzip.compress(gzip.compress(GZ_TEXT.encode())), "r.csv.gz.gz")
