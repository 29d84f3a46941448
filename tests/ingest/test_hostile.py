"""The hostile-file generators make what they say: the right bytes in the right place, the same
bytes every time, and big files of the announced size (checked on small versions)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from lib.ingest.read.raw import DEFAULT_LIMITS
from tests import hostile
from tests.hostile import ALL_STEPS, CLASSES

CASES = hostile.small_cases()


def by_name(name: str) -> hostile.Case:
    return next(c for c in CASES if c.name == name)


def test_every_class_has_a_small_file_but_the_costly_one():
    assert {c.klass for c in CASES} == set(CLASSES) - {5}
    assert len({c.name for c in CASES}) == len(CASES), "file names are unique"


@pytest.mark.parametrize("make", hostile.SMALL, ids=lambda f: f.__name__)
def test_a_small_file_is_the_same_every_time_and_says_what_to_expect(make):
    first, second = make(), make()
    assert first.data == second.data and first.data
    assert first.expect and first.klass in CLASSES
    assert set(first.focus) <= set(ALL_STEPS)
    assert not first.big


def test_the_nul_json_spells_a_nul_inside_a_name():
    case = by_name("nul.json")
    assert json.loads(case.data)[0]["model"] == "A\x00B"


@pytest.mark.parametrize("name,character", [("unit_separator.csv", "\x1f"),
                                            ("c1_control.csv", "\x85"),
                                            ("noncharacter.csv", "\ufffe")])
def test_one_odd_character_among_ordinary_rows(name, character):
    text = by_name(name).data.decode("utf-8")
    assert text.count(character) == 1
    # below 1 % of the text, so the file cannot pass for binary and the name is read
    assert len(text) > 100


def test_the_late_nul_comes_after_the_first_four_kilobytes_inside_a_name():
    data = by_name("late_nul.csv").data
    at = data.index(b"\x00")
    assert at > 4096 and data.count(b"\x00") == 1
    assert data[data.rindex(b"\n", 0, at) + 1:].startswith(b"late\x00nul,")


def test_the_script_name_is_in_every_name_column():
    lines = by_name("script_names.csv").data.decode().splitlines()
    assert lines[1].split(",") == [hostile.SCRIPT, hostile.SCRIPT, "1", hostile.SCRIPT]


def test_line_endings():
    assert b"\n" not in by_name("cr_endings.csv").data
    first, rest = by_name("lone_cr.csv").data.split(b"\n", 1)
    assert first.count(b"\r") == 1 and b"\r" not in rest


@pytest.mark.parametrize("name", ["deep.json", "deep.jsonl"])
def test_the_json_is_nested_a_thousand_deep(name):
    data = by_name(name).data
    assert b"[" * 1000 in data and b"[" * 1001 not in data


def test_the_malformed_workbook_is_a_sound_zip_with_broken_sheet_xml():
    with zipfile.ZipFile(io.BytesIO(by_name("malformed_xml.xlsx").data)) as z:
        assert z.testzip() is None
        sheet = z.read("xl/worksheets/sheet1.xml")
    with pytest.raises(ET.ParseError):
        ET.fromstring(sheet)


def test_the_truncated_workbook_is_no_zip():
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(by_name("truncated.xlsx").data))


def test_the_per_item_files_hold_a_text_and_a_missing_outcome():
    records = [json.loads(line) for line in
               by_name("items_text_outcome.jsonl").data.decode().splitlines()]
    assert records[2]["baseline"] == "maybe" and "treatment" not in records[3]
    sheet = openpyxl.load_workbook(io.BytesIO(by_name("items_text_outcome.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == hostile.ITEM_HEADER
    assert rows[3][3] == "maybe" and rows[4][4] is None


def test_the_encodings():
    cp1252 = by_name("windows_1252.csv").data
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    assert "Caf\u00b8" in cp1252.decode("cp1252")
    invalid = by_name("invalid_byte.csv").data
    for codec in ("utf-8", "cp1252"):
        with pytest.raises(UnicodeDecodeError):
            invalid.decode(codec)


def test_the_odd_headers():
    assert by_name("repeated_columns.csv").data.startswith(b"model,dataset,delta,delta,delta (2)\n")
    assert set(by_name("only_commas.csv").data.split(b"\n")[0]) == {ord(",")}
    header = by_name("long_header.csv").data
    assert len(header.rstrip(b"\n")) == 20_000 and header.count(b"\n") == 1


def test_the_duplicates_are_a_megabyte_of_one_row():
    lines = by_name("duplicates.csv").data.splitlines()
    assert len(lines) == 100_001 and len(set(lines[1:])) == 1
    assert 0.95e6 < len(by_name("duplicates.csv").data) < 1.05e6


def test_link_names_in_every_name_column():
    lines = by_name("link_names.csv").data.decode().splitlines()[1:]
    for column in (0, 1, 3):
        assert {line.split(",")[column] for line in lines} == set(hostile.LINK_NAMES)


# --- the big files, on a small scale ------------------------------------------------------------

def test_continuous_scores_fill_one_cell_with_many_distinct_values():
    case = hostile.continuous_scores_items(rows=2_000)
    lines = case.data.decode().splitlines()
    assert len(lines) == 2_001 and {tuple(line.split(",")[:2]) for line in lines[1:]} == \
        {("M", "GSM8K")}
    scores = {line.split(",")[3] for line in lines[1:]}
    assert len(scores) > 1_900 and all(0 <= float(s) <= 1 for s in scores)
    assert case.usable and case.big
    # at full size: about 32 MB
    assert 30e6 < len(case.data) / 2_000 * 1_000_000 < 36e6


def test_the_long_file_has_one_windows_1252_byte_and_fits_the_limit_at_full_size():
    case = hostile.long_near_limit_csv(models=2_000)
    with pytest.raises(UnicodeDecodeError) as error:
        case.data.decode("utf-8")
    assert error.value.start > len(case.data) - 100
    assert case.data.decode("cp1252").count("\u00e9") == 1
    rows = case.data.count(b"\n") - 1
    assert rows == 2_000 * 20 + 1
    full = len(case.data) / rows * 4_000_001
    assert 0.9 * DEFAULT_LIMITS.max_bytes < full < DEFAULT_LIMITS.max_bytes


def test_the_empty_rows_workbook_announces_every_row():
    case = hostile.empty_rows_xlsx(empty_rows=1_000)
    book = openpyxl.load_workbook(io.BytesIO(case.data), read_only=True)
    sheet = book.active
    assert sheet.max_row == 1_003
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == hostile.LONG_HEADER and rows[2] == ("B", "MATH", 2)
    assert all(all(v is None for v in row) for row in rows[3:])


@pytest.mark.parametrize("make", [hostile.records_xlsx, hostile.records_json,
                                  hostile.records_parquet], ids=lambda f: f.__name__)
def test_the_big_per_item_files_read_as_per_item_results(make):
    from lib.ingest.items.pipeline import item_shape
    from lib.ingest.read.table import read_table

    case = make(n=630)
    raw = read_table(case.data, case.name)
    assert list(raw.frame.columns) == list(hostile.ITEM_HEADER) and len(raw.frame) == 630
    assert raw.frame.groupby(["model", "dataset"]).size().tolist() == [10] * 63
    assert item_shape(case.data, case.name) == "per_item"
    assert case.parse_once and case.usable
