"""Ragged delimited files (rows with more or fewer fields than the header) on the pyarrow fast
path: the same table, row numbers, problems and refusals as Python's csv reader (the slow
path), on many generated files with short and long rows, blank lines, quoted values holding
delimiters, quotes and line breaks, byte-order marks, `sep=` lines and every line ending; the
handler's work stays bounded, and what it cannot place goes to the slow path.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from lib.ingest.problems import Kind, ReadError
from lib.ingest.read import delimited
from lib.ingest.read.delimited import read_delimited_fast
from lib.ingest.read.raw import Limits
from lib.ingest.read.table import read_table
from tests.ingest.test_fast_ingest import assert_same_raw, outcome, slow_read

DELIMITERS = [",", ";", "\t", "|"]
WORDS = ["a", "b c", "GSM8K", "1.5", "-2", "x_y", "é", "名", " ", "", "0"]


def value(rng: random.Random, delimiter: str, line_end: str) -> str:
    """A cell as written in the file: plain, or quoted (holding a delimiter, a doubled quote or
    a line break)."""
    word = rng.choice(WORDS)
    roll = rng.random()
    if roll < 0.75:
        return word
    inner = rng.choice([word + delimiter + word, word + '""' + word, word + "\n" + word,
                        word + "\r\n" + word, word + line_end + line_end + word, word])
    return f'"{inner}"'


def row(rng: random.Random, width: int, delimiter: str, line_end: str) -> str:
    """A record of the header's width, or a ragged, blank or empty one."""
    roll = rng.random()
    if roll < 0.08:
        return ""
    if roll < 0.12:
        return rng.choice([" ", delimiter * rng.randint(1, width + 2), " " + delimiter + " "])
    if roll < 0.25:
        fields = rng.randint(1, max(1, width - 1)) if width > 1 else width
    elif roll < 0.40:
        fields = width + rng.randint(1, 3)
    else:
        fields = width
    cells = [value(rng, delimiter, line_end) for _ in range(fields)]
    if fields > width and rng.random() < 0.4:
        cells[width:] = [rng.choice(["", " "]) for _ in cells[width:]]  # blank extra fields
    return delimiter.join(cells)


def ragged_file(seed: int, min_chars: int = 0) -> tuple[bytes, str, str]:
    """A random ragged delimited file (of at least `min_chars` characters), its name and its
    line end."""
    rng = random.Random(seed)
    delimiter = rng.choice(DELIMITERS)
    line_end = rng.choice(["\n", "\n", "\r\n", "\r"])
    width = rng.randint(1, 5)
    header = delimiter.join(f"col{i}" for i in range(width))
    body = [row(rng, width, delimiter, line_end) for _ in range(rng.randint(1, 80))]
    chars = sum(map(len, body))
    while chars < min_chars:
        body.append(row(rng, width, delimiter, line_end))
        chars += len(body[-1]) + len(line_end)
    if not any(r.strip(" " + delimiter) for r in body):
        body.append(delimiter.join(["v"] * width))
    lines = [header, *body]
    if rng.random() < 0.3:
        lines = [""] * rng.randint(1, 2) + lines
    if rng.random() < 0.3:
        lines.insert(0, f"sep={delimiter}")
    text = line_end.join(lines) + rng.choice(["", line_end, line_end * 2])
    data = text.encode("utf-8")
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    return data, rng.choice(["f.csv", "f.txt", "f.tsv"]), line_end


def assert_same_outcome(data: bytes, file: str, limits: Limits = Limits()) -> object:
    fast, slow = outcome(read_table, data, file, limits), outcome(slow_read, data, file, limits)
    if isinstance(slow, type(fast)) and hasattr(slow, "frame"):
        assert_same_raw(fast, slow)
        pd.testing.assert_frame_equal(fast.frame, slow.frame, check_exact=True)
    else:
        assert fast == slow
    return fast


def test_generated_ragged_files_read_alike_and_mostly_fast() -> None:
    taken = with_line_feeds = left_out = 0
    for seed in range(400):
        data, file, line_end = ragged_file(seed)
        got = assert_same_outcome(data, file)
        left_out += bool(getattr(got, "problems", ()))
        if seed % 8 == 0:  # transcoded to UTF-8 before the fast path reads it
            assert_same_outcome(data.decode("utf-8-sig").encode("utf-16"), file)
        if line_end != "\r":  # the fast path takes \r only when no line holds a line feed
            with_line_feeds += 1
            taken += read_delimited_fast(data, file) is not None
    assert taken >= 0.95 * with_line_feeds and with_line_feeds >= 200, (taken, with_line_feeds)
    assert left_out >= 200


@pytest.mark.parametrize("seed", range(2))
def test_large_ragged_files_across_pyarrows_blocks_read_alike(seed: int) -> None:
    data, file, line_end = ragged_file(1000 + seed, min_chars=3 << 19)
    assert len(data) > 1 << 20, "more than one of pyarrow's blocks"
    assert_same_outcome(data, file)
    assert line_end == "\r" or read_delimited_fast(data, file) is not None


def test_a_file_with_one_ragged_row_in_a_hundred_takes_the_fast_path() -> None:
    lines = [f"m{i % 97},d{i % 13},{i % 7}.5" for i in range(20_000)]
    for i in range(50, len(lines), 100):
        lines[i] += ",extra" if i % 200 == 50 else ""
        lines[i + 1] = lines[i + 1].rsplit(",", 1)[0]
    data = ("model,dataset,delta\r\n" + "\r\n".join(lines) + "\r\n").encode()
    fast = read_delimited_fast(data, "f.csv")
    assert fast is not None
    assert [p.row for p in fast.problems] == list(range(52, 20_002, 200))
    assert fast.frame.loc[53].tolist() == ["m51", "d12", ""]
    assert len(fast.frame) == 20_000 - 100
    assert_same_outcome(data, "f.csv")


@pytest.mark.parametrize("text", [
    'model,dataset,delta\n"open,x,1\nc,d,2\n',
    'model,dataset,delta\na,b,1\n"a\nb",c\nc,"d\n',
    'model,dataset,delta\na,b,1,2\n"x"y,z\nc,d,2\n',
    'model,dataset,delta\r\n\r\n"a\r\nb",c,d,e\r\n,,,\r\n  \r\nx,y\r\n',
    'model;dataset;delta\r"a";b\rc;d;1;2\r',
    'model,dataset,delta\nx,y,z,w\n',
    'model,dataset,delta\nx,y,z,\n',
    'model,dataset,delta\na,b,"3\n',  # a quote open at the end holds the line breaks after it
    'model,dataset,delta\na,b,"3\n\n',
    'model,dataset,delta\r\na,b,c\r\nd,e,"3\r\n',
    'model,dataset,delta\na,b,"3"\n\n',
])
def test_awkward_ragged_records_read_alike(text: str) -> None:
    assert_same_outcome(text.encode(), "f.csv")


def test_too_many_ragged_rows_keep_only_the_listed_details(monkeypatch) -> None:
    monkeypatch.setattr("lib.ingest.read.raw.MAX_ROW_PROBLEMS", 100)
    handlers: list[delimited._Ragged] = []
    init = delimited._Ragged.__init__
    monkeypatch.setattr(delimited._Ragged, "__init__",
                        lambda self, *args: handlers.append(self) or init(self, *args))
    data = ("a,b\n" + ("1,2\n" * 9 + "1,2,3\n") * 500).encode()
    with pytest.raises(ReadError) as caught:
        read_delimited_fast(data, "f.csv")
    assert "More than 100 rows" in caught.value.problem.message
    numbered = handlers[-1]
    assert (len(numbered.problems), len(numbered.numbers), numbered.overflow) == (100, 100, 1010)
    assert (numbered.after, numbered.kept) == (400, [])
    error = assert_same_outcome(data, "f.csv")
    assert error.kind is Kind.UNREADABLE and "More than 100 rows" in error.message
    dense = ("a,b\n" + "1,2,3\n" * 5000).encode()
    with pytest.raises(ReadError, match="More than 100 rows"):  # cut in Arrow (no quotes)
        read_delimited_fast(dense, "f.csv")
    assert len(handlers[-1].problems) == 100
    assert assert_same_outcome(dense, "f.csv") == error


@pytest.mark.parametrize("max_rows", [5, 11, 12, 40])
@pytest.mark.parametrize("body", ["1,2,3\n" * 20, "1,2\n" * 3 + '"x\ny",2,3\n\n4\n' * 5])
def test_too_many_ragged_rows_and_the_row_limit_refuse_alike(monkeypatch, max_rows: int,
                                                             body: str) -> None:
    monkeypatch.setattr("lib.ingest.read.raw.MAX_ROW_PROBLEMS", 4)
    data = ("a,b\n" + "1,2\n" * 6 + body).encode()
    assert_same_outcome(data, "f.csv", Limits(max_rows=max_rows))


def test_kept_ragged_cells_are_bounded(monkeypatch) -> None:
    data = ("a,b,c\n" + "1,2,3\n" * 10 + '"1",2\n' * 200).encode()
    assert read_delimited_fast(data, "f.csv") is not None
    monkeypatch.setattr(delimited, "MAX_RAGGED_CELLS", 300)
    assert read_delimited_fast(data, "f.csv") is None, "past the bound, quoted: the slow path"
    assert_same_outcome(data, "f.csv")
    monkeypatch.setattr(delimited, "MAX_RAGGED_CELLS", 10**6)
    monkeypatch.setattr(delimited, "MAX_RAGGED_RECORDS", 150)
    assert read_delimited_fast(data, "f.csv") is None


def test_past_the_bound_an_unquoted_file_is_cut_in_arrow(monkeypatch) -> None:
    """Mostly short records without quotes: `_read_split` reads them, not the slow path."""
    split = []
    original = delimited._read_split
    monkeypatch.setattr(delimited, "_read_split", lambda *a: split.append(1) or original(*a))
    monkeypatch.setattr(delimited, "MAX_RAGGED_CELLS", 300)
    data = ("a,b,c\n" + "1,2,3\n" * 10 + "1,2\n" * 200 + "4,5,6,7\n8,9,10, \n").encode()
    raw = read_delimited_fast(data, "f.csv")
    assert raw is not None and split == [1]
    assert raw.frame.loc[12].tolist() == ["1", "2", ""] and raw.frame.loc[213].tolist() == [
        "8", "9", "10"]
    assert [(p.row, p.column) for p in raw.problems] == [(212, None)] or [
        p.row for p in raw.problems] == [212]
    assert_same_outcome(data, "f.csv")


def unquoted_file(seed: int) -> tuple[bytes, str]:
    """A random ragged file without quotes (blank lines, spaces, blank and non-blank extra
    fields, every line end, BOM, `sep=`), as `ragged_file` makes them."""
    data, file, _ = ragged_file(seed)
    text = data.decode("utf-8-sig").replace('""', "").replace('"', "")
    return text.encode("utf-8"), file


def test_generated_unquoted_files_read_alike_when_cut_in_arrow(monkeypatch) -> None:
    """Every file the record-by-record handler takes, `_read_split` takes too, with the same
    outcome as the slow path (the others have line ends the fast path leaves alone)."""
    files = [unquoted_file(seed) for seed in range(300)]
    by_handler = [read_delimited_fast(data, file) is not None for data, file in files]
    monkeypatch.setattr(delimited, "MAX_RAGGED_RECORDS", 0)  # every ragged file: `_read_split`
    by_split = []
    for data, file in files:
        assert_same_outcome(data, file)
        by_split.append(read_delimited_fast(data, file) is not None)
    assert by_split == by_handler and sum(by_split) >= 200, sum(by_split)


@pytest.mark.parametrize("max_rows", [3, 8, 11, 12, 40])
@pytest.mark.parametrize("body", ["1,2,3\n" * 20, "1,2\n" * 3 + "x,y,2,3\n\n4\n" * 5])
def test_cut_in_arrow_the_limits_refuse_alike(monkeypatch, max_rows: int, body: str) -> None:
    monkeypatch.setattr(delimited, "MAX_RAGGED_RECORDS", 0)
    monkeypatch.setattr("lib.ingest.read.raw.MAX_ROW_PROBLEMS", 4)
    data = ("a,b\n" + "1,2\n" * 6 + body).encode()
    assert_same_outcome(data, "f.csv", Limits(max_rows=max_rows))


@pytest.mark.parametrize("max_rows", [1, 5, 9, 10, 11, 30])
def test_the_row_limit_counts_ragged_rows_alike(max_rows: int) -> None:
    data = ("a,b\n" + "1,2\n" * 3 + "1,2,3\n" * 3 + "\n,,\n" + "4\n" * 4).encode()
    assert_same_outcome(data, "f.csv", Limits(max_rows=max_rows))


def test_only_left_out_rows_give_an_empty_table_alike() -> None:
    data = b"a,b\n1,2,3\n4,5,6\n"
    raw = assert_same_outcome(data, "f.csv")
    assert raw.frame.empty and raw.rows_read == 2 and len(raw.problems) == 2
    assert read_delimited_fast(data, "f.csv") is not None
