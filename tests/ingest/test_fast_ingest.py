"""The fast, column-wise upload pipeline: the pyarrow reader agrees exactly with Python's csv
reader (`read_delimited`, its fallback), and the validation's reports have the properties a report
must have, on the corpus of bad files and on seeded random files full of the cases users have:
BOMs, CRLF, quotes, blank lines, numbers as text in every supported spelling, names to match,
duplicates, and each shape. Properties: every row read is kept or left out with a problem that
says so; every problem names a row and a column of the file; the clean table holds no NaN Δ and
every kept Δ is the per-value reading of its cell; the same data in every accepted format and
encoding gives the same report; shuffling the rows permutes the problems and changes nothing
else.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.core.textcells import blank, name_codes, text_cells
from lib.ingest.columns import model_key, model_keys
from lib.ingest.numbers import detect_decimal, parse_number
from lib.ingest.pipeline import ingest, read_upload, report_for
from lib.ingest.problems import Effect, Kind, Problem, ReadError
from lib.ingest.read import table
from lib.ingest.read.delimited import read_delimited_fast
from lib.ingest.read.raw import DEFAULT_LIMITS, Format, Limits, RawTable
from lib.ingest.read.table import read_table
from lib.ingest.shapes import MAPPED_SHAPES, NUMERIC_ROLES, DeltaKind, Mapping, Shape, detect
from lib.ingest.validation import MAX_MAGNITUDE, DuplicatePolicy, Options, Report, validate
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["cases"]
OPTIONS = [Options(k, d) for k in DeltaKind for d in DuplicatePolicy]


# --- helpers -------------------------------------------------------------------------------------

def slow_read(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """`read_table` with the pyarrow fast path switched off."""
    fast = table.read_delimited_fast
    table.read_delimited_fast = lambda *args, **kwargs: None
    try:
        return read_table(data, file, limits)
    finally:
        table.read_delimited_fast = fast


def outcome(read, data: bytes, file: str, limits: Limits = DEFAULT_LIMITS):
    try:
        return read(data, file, limits)
    except ReadError as error:
        return error.problem


def assert_same_raw(fast: RawTable, slow: RawTable) -> None:
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert fast.frame.index.tolist() == slow.frame.index.tolist()
    assert fast.frame.index.name == slow.frame.index.name
    assert fast.frame.astype(object).values.tolist() == slow.frame.astype(object).values.tolist()
    assert (fast.file, fast.format, fast.rows_read, fast.notes, fast.problems) == (
        slow.file, slow.format, slow.rows_read, slow.notes, slow.problems)


def assert_same_report(got: Report, expected: Report) -> None:
    for name in ("file", "rows_read", "rows_kept", "problems", "notes", "shape", "y_title",
                 "duplicate_pairs", "unlisted", "renamed"):
        assert getattr(got, name) == getattr(expected, name), name
    if expected.table is None:
        assert got.table is None
    else:
        pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True)
        pd.testing.assert_frame_equal(got.table, schema.conform(got.table), check_exact=True)


def rows_left_out(raw: RawTable, mapping: Mapping, report: Report) -> set[int]:
    """The file rows that the listed problems say are left out: a problem that takes the whole
    row, or (a wide table) a problem in each of the row's dataset cells."""
    validation = [p for p in report.problems if p not in raw.problems]
    rows = {p.row for p in validation if p.effect is Effect.ROW}
    if mapping.shape is Shape.WIDE:
        cells: dict[int, set[str]] = {}
        for p in validation:
            if p.column in mapping.dataset_columns:
                cells.setdefault(p.row, set()).add(p.column)
        rows |= {row for row, bad in cells.items() if bad >= set(mapping.dataset_columns)}
    return rows


def check_report(raw: RawTable, mapping: Mapping, report: Report) -> None:
    """The properties of every report."""
    rows, columns = raw.frame.index.tolist(), set(raw.frame.columns)
    assert (report.file, report.rows_read) == (raw.file, raw.rows_read)
    assert 0 <= report.rows_kept <= len(rows)
    assert all(p.file == raw.file for p in report.problems)
    for problem in report.problems:
        if problem not in raw.problems:
            assert problem.row is None or problem.row in set(rows), problem
            assert problem.column is None or problem.column in columns, problem
    assert report.usable == (report.table is not None)
    if report.table is not None:
        table = report.table
        assert not table[schema.DELTA].isna().any()
        assert (table[schema.DELTA].abs() <= MAX_MAGNITUDE).all()
        assert (table[schema.MODEL].str.strip() != "").all()
        assert (table[schema.DATASET].str.strip() != "").all()
        pd.testing.assert_frame_equal(table, schema.conform(table), check_exact=True)
        assert not table.duplicated([schema.MODEL, schema.DATASET]).any()
    if mapping.missing():
        return
    numeric = [c for r, c in mapping.roles.items() if r in NUMERIC_ROLES]
    cells = raw.frame[[*numeric, *mapping.dataset_columns]].to_numpy(dtype=object).ravel()
    comma = any("decimal comma" in n for n in report.notes)
    assert comma == (detect_decimal(cells) == ","), "the decimal mark is the per-value rule's"
    if report.unlisted:
        return
    left_out = rows_left_out(raw, mapping, report)
    assert report.rows_kept + len(left_out) == len(rows), (report.rows_kept, left_out)
    if mapping.shape is Shape.LONG and report.table is not None and not report.duplicate_pairs:
        decimal = "," if comma else "."
        cells = raw.frame[mapping.roles[schema.DELTA]]
        expected = [parse_number(cells[row], decimal) for row in rows if row not in left_out]
        assert report.table[schema.DELTA].tolist() == expected


def check_file(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS,
               mappings: tuple[Mapping | None, ...] = (None,),
               reports: bool = True) -> RawTable | None:
    """Fast and slow reads agree, and (`reports`) so do their reports, which have the properties
    of a report."""
    fast, slow = outcome(read_table, data, file, limits), outcome(slow_read, data, file, limits)
    if not isinstance(slow, RawTable):
        assert fast == slow
        return None
    assert isinstance(fast, RawTable), fast
    assert_same_raw(fast, slow)
    if not reports:
        return fast
    mapping = detect(fast.frame, MAPPED_SHAPES).mapping
    assert mapping == detect(slow.frame, MAPPED_SHAPES).mapping
    for chosen in (mapping, *(m for m in mappings if m is not None)):
        for options in OPTIONS:
            report = validate(fast, chosen, options)
            assert_same_report(validate(slow, chosen, options), report)
            check_report(fast, chosen, report)
    return fast


# --- the corpus and the other test files ---------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['kind']}" for c in CASES])
def test_corpus_files_agree(case: dict) -> None:
    check_file((CORPUS / case["file"]).read_bytes(), case["file"],
               Limits(**case.get("limits", {})))


@pytest.mark.parametrize("text", [
    "model,dataset,delta\nGPT-4o,GSM8K,3.5\nMine,MATH,-2\n",
    "model;dataset;delta\nGPT-4o;GSM8K;3,5\nMine;MATH;−2\n",
    "model\tdataset\tdelta\nModel, v2\tGSM8K\t1\n",
    'model,dataset,delta\n"Big, model","multi\nline",1\nB,GSM8K,2\n',
    "sep=;\nmodel;dataset;delta\nA;GSM8K;1\n",
    "\nmodel,dataset,delta\n\nA,GSM8K,1\n,,\nB,MATH,2\n",
    "model,dataset,delta\nA,GSM8K\nB,MATH,2,,\n",
    "model,dataset,delta\nA,GSM8K,3,5\nB,MATH,2\n",
    "model,dataset,delta\r\nA,GSM8K,1\r\n\r\nB,MATH,2\r\n\r\n\r\n",
    "model,dataset,delta\rA,GSM8K,1\rB,MATH,2\r",
    "model,dataset,delta\nA,GSM8K,1\rB,MATH,2\n",
    'model,dataset,delta\n"A",GSM8K,1\n"B ""x""",MATH,2\n"C"d,MATH,3\n',
    'model,dataset,delta\n"A,GSM8K,1\nB,MATH,2\n',
    'model,dataset,delta\nx"y,z"w,1\n"a""b",c,2\n"a"b"c",d,3\n "a",b,4\n"",x,5\n',
    'model,dataset,delta\n"a\rb",x,1\nc,d,2\n',
    'model,dataset,delta\n"a\r\nb",x,1\nc,d,2\n',
    "model,dataset,delta\n  ,  , \nA,GSM8K, 4 \n",
    "model,dataset,delta\nA,GSM8K,1",
    "model,dataset,delta\n",
    "model,dataset,delta",
    "just one column\nvalue\nother\n",
    "a,b,c,d\n1,2,3,4\n",
    "Model,Category,GSM8K,Human-Eval,Average\nA,Open LLM,1.5,-2,0\nB,,3,,1\n",
    "model,dataset,baseline,treatment\nA,GSM8K,0.5,0.55\nA,MATH,0.82,0\n",
    "\ufeffmodel,dataset,delta\nA,GSM8K,1\n",
    "\ufeff\ufeffmodel,dataset,delta\nA,GSM8K,1\n",
    "model,dataset,delta\nA,GSM8K,1\x00\n",
    "[1, 2]\n",
    '  {"model": "A"}',
    "sep=;\r\nmodel;dataset;delta\r\nA;GSM8K;1\r\n",
    "sep=;\rmodel;dataset;delta\rA;GSM8K;1\r",
    "\n\n  \nmodel,dataset,delta\nA,GSM8K,1\n",
    "\r\n\r\nmodel,dataset,delta\r\nA,GSM8K,1\r\n",
    'model,dataset,delta\r"A\rB",GSM8K,1\rC,MATH,2\r',
    'model,dataset,delta\r"A ""q""",GSM8K,1\rC,MATH,2',
    "model,dataset,delta\r\rA,GSM8K,1\r,,\rB,MATH,2\r\r",
    ",,\nmodel,dataset,delta\nA,GSM8K,1\n",
    "model,dataset,delta\nA\x1fB,GSM8K,\x85\n" + "x,y,1\n" * 300,
    "mo\x7fdel,dataset,delta\n" + "x,y,1\n" * 300,
    "model,model,Model,model (2)\nA,B,C,D\n",
])
def test_small_files_agree(text: str) -> None:
    check_file(text.encode(), "f.csv")
    check_file(text.encode(), "f.tsv")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "utf-32", "cp1252"])
def test_other_encodings_agree(encoding: str) -> None:
    check_file("model,dataset,delta\nCafé,Über-Bench,1\n".encode(encoding), "f.csv")


@pytest.mark.parametrize("seed", range(12))
def test_generated_files_agree_in_other_encodings_and_line_ends(seed: int) -> None:
    """The fast path reads text transcoded to UTF-8, after a `sep=` line, or with only carriage
    returns: it must give what the slow path gives."""
    data, file, _ = generated_file(seed)
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    rng = random.Random(seed)
    if rng.random() < 0.5:
        text = text.replace("\n", "\r")
    if rng.random() < 0.4:
        line_end = "\n" if "\n" in text else "\r"
        text = f"sep={detect_delimiter_of(text, file)}{line_end}" + text
    encoding = rng.choice(["utf-8", "cp1252", "utf-16", "utf-16-le"])
    try:
        encoded = text.encode(encoding)
    except UnicodeEncodeError:
        encoded = text.encode("utf-8")
    check_file(encoded, file, reports=seed % 3 == 0)


def detect_delimiter_of(text: str, file: str) -> str:
    from lib.ingest.read.delimited import EXTENSION_DELIMITER, detect_delimiter

    return detect_delimiter(text, EXTENSION_DELIMITER.get(file[-4:]))


def test_a_late_invalid_byte_falls_back_to_the_slow_reader() -> None:
    body = "".join(f"M{i},GSM8K,{i % 9}\n" for i in range(30_000))
    data = ("model,dataset,delta\n" + body).encode() + b"\x81,x,1\n"
    assert read_delimited_fast(data, "f.csv") is None
    check_file(data, "f.csv")
    latin = ("model,dataset,delta\n" + body + "Café,x,1\n").encode("cp1252")
    assert read_delimited_fast(latin, "f.csv") is None
    check_file(latin, "f.csv")


def test_a_field_too_large_for_pythons_reader_is_refused_as_before() -> None:
    data = b"model,dataset\n" + b"a,b\n" * 10 + b'"' + b"x" * 200_000 + b'",1\n'
    assert read_delimited_fast(data, "f.csv") is None
    assert outcome(read_table, data, "f.csv").kind is Kind.UNREADABLE
    check_file(data, "f.csv")


@pytest.mark.parametrize("where", [10, 70_000, 149_990])
def test_a_quoted_line_break_anywhere_is_read_alike(where: int) -> None:
    lines = [f"m{i},d{i % 7},{i % 13}.5" for i in range(150_000)]
    lines[where] = f'm{where},"two\nlines",1'
    data = ("model,dataset,delta\n" + "\n".join(lines) + "\n").encode()
    assert read_delimited_fast(data, "f.csv") is not None, "pyarrow reads records across lines"
    raw = check_file(data, "f.csv", reports=False)
    assert raw.frame.index[-1] == 150_002


@pytest.mark.parametrize("text", [
    'model,dataset,delta\n"a\r\nb",x,1\n"c\rd",y,2\n\n"e\n\nf",z,3\ng,h,4',
    'model,dataset,delta\r\n"a\nb",x,1\r\n"\r\n",,\r\nc,"d\r",2\r\n',
    'model,dataset,delta\n"a\nb"x,y,1\nc,d,2\n',
    'model,dataset,delta\n"open,x,1\nc,d,2\n',
])
def test_records_across_lines_are_numbered_as_pythons_reader_numbers_them(text: str) -> None:
    check_file(text.encode(), "f.csv")


def test_limits_on_the_fast_path() -> None:
    data = ("model,dataset,delta\n" + "A,GSM8K,1\n,,\n" * 6).encode()
    for limits in (Limits(max_rows=5), Limits(max_rows=6), Limits(max_columns=2),
                   Limits(max_bytes=10)):
        check_file(data, "f.csv", limits)
    assert outcome(read_table, data, "f.csv", Limits(max_rows=5)).message == (
        "The file has more than 5 rows of data; the limit is 5.")


def test_the_default_limits_fit_the_servers_upload_limit() -> None:
    assert DEFAULT_LIMITS.max_bytes == 200 * 1024 * 1024
    assert DEFAULT_LIMITS.max_rows == 5_000_000
    error = outcome(read_table, b"x" * (DEFAULT_LIMITS.max_bytes + 1), "big.csv")
    assert error.message == "The file is 200.0 MB; the limit is 200.0 MB."


# --- generated files -----------------------------------------------------------------------------

NUMBERS = ["1", "-2", "3.5", "+5%", "−3.5", "– 2", "+12.5 pp", " 7 ", "1e-2", "２", "7", ".5",
           "5.", "00012", "+.5e-3", "‒7", "﹣4", "－4", "12 %", "12PTS", "4Pp", "1e5", "0.1",
           "\u00a04\u00a0", "5\t%", "-0.0", "100", "99.99"]
COMMA_NUMBERS = ["3,5", "-0,25%", "1.234,5", "−1,5", "12,0 pp", "0,5", "7", "3,", ",5"]
MISSING = ["NA", "n/a", "null", "None", "-", "—", "?", "#N/A", "", "  ", "nan", "N/A", "–"]
BAD = ["inf", "-Infinity", "∞", "+nan", "abc", "5 points?", "1.2.3", "#DIV/0!", "٣", "1 000",
       "1_000", "+-1", "5%pp", "1e999", "-1.5e400", "0x10", "1,2,3", "−", "true", "١٢.٥",
       "5 %%", "e5", "1e", "+", "ſpts"]
MODELS = ["GPT-4o", "gpt 4o", " Mine ", "mine", "My Model", "my-model", "LLaMA3.1-8B",
          "llama3.1_8b", "Qwen2.5-7B", "<img src=x onerror=alert(1)>", "Café", "A, B",
          'Say "hi"', "x\u3000", "123", "deepseek v3", "Ünïcode", "tab\tname"]
BLANK_NAMES = ["", " ", "\u3000"]
DATASETS = ["GSM8K", "gsm-8k", "CSQA", "CommonsenseQA", "CS-QA", "Human-Eval", "MATH",
            "NewBench", "newbench", "HumanEval+", "MATH-500", "hotpot_qa", "???", "!!!"]
CATEGORIES = ["Open LLM", "", "NA", " Closed ", "—", "Other", "  "]


def _number(rng: random.Random, comma: bool, bad_share: float) -> str:
    roll = rng.random()
    if roll < bad_share:
        return rng.choice(BAD)
    if roll < 2 * bad_share:
        return rng.choice(MISSING)
    if comma:
        return rng.choice(COMMA_NUMBERS)
    if rng.random() < 0.5:
        return f"{rng.uniform(-50, 50):.{rng.randint(0, 6)}f}"
    return rng.choice(NUMBERS)


def generated_file(seed: int) -> tuple[bytes, str, tuple[Mapping | None, ...]]:
    """A messy delimited file in one of the shapes, with the mapping a user could pick too."""
    rng = random.Random(seed)
    shape = rng.choice(["long", "long", "scores", "wide"])
    comma = rng.random() < 0.25
    delimiter = ";" if comma or rng.random() < 0.15 else rng.choice([",", ",", "\t", "|"])
    bad_share = rng.choice([0.0, 0.0, 0.02, 0.1, 0.3])
    n = rng.choice([1, 3, 40, 300, 2500])
    models = rng.sample(MODELS, rng.randint(1, len(MODELS)))
    datasets = rng.sample(DATASETS, rng.randint(1, len(DATASETS)))
    extra = rng.random() < 0.5

    def name(pool: list[str]) -> str:
        return rng.choice(BLANK_NAMES) if rng.random() < bad_share / 2 else rng.choice(pool)

    mappings: tuple[Mapping | None, ...] = ()
    if shape == "wide":
        columns = ["Model", *(["Category"] if extra else []), *datasets[:6], "Average"]
        rows = [[name(models), *([rng.choice(CATEGORIES)] if extra else []),
                 *(_number(rng, comma, bad_share) for _ in datasets[:6]),
                 _number(rng, comma, 0)] for _ in range(n)]
    elif shape == "scores":
        columns = ["model", "task", "base_acc", "cot_acc", *(["n"] if extra else [])]
        rows = [[name(models), name(datasets), _number(rng, comma, bad_share),
                 _number(rng, comma, bad_share),
                 *([rng.choice(["100", "12.5", "-4", "", "7", "1e3"])] if extra else [])]
                for _ in range(n)]
        mappings = (Mapping(Shape.SCORES, {schema.MODEL: "model", schema.DATASET: "task",
                                           schema.BASELINE: "cot_acc",
                                           schema.TREATMENT: "base_acc"}),)
    else:
        delta = rng.choice(["delta", "Δ (%)", "diff_pp", "score"])
        columns = ["model", "benchmark", delta,
                   *(["group", "ci_low", "ci_high", "n"] if extra else [])]
        rows = [[name(models), name(datasets), _number(rng, comma, bad_share),
                 *([rng.choice(CATEGORIES), _number(rng, comma, bad_share),
                    _number(rng, comma, bad_share), rng.choice(["10", "2.5", "", "-1", "NA"])]
                   if extra else [])] for _ in range(n)]
        mappings = (Mapping(Shape.LONG, {schema.MODEL: "benchmark", schema.DATASET: "model",
                                         schema.DELTA: delta}),)
    sink = io.StringIO()
    quoting = csv.QUOTE_ALL if rng.random() < 0.2 else csv.QUOTE_MINIMAL
    writer = csv.writer(sink, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if rng.random() < 0.02:
            sink.write(rng.choice(["\n", delimiter * (len(columns) - 1) + "\n"]))
        writer.writerow(row)
    text = sink.getvalue() + rng.choice(["", "", "\n", "\n\n"])
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    if rng.random() < 0.3:
        data = codecs.BOM_UTF8 + data
    return data, rng.choice(["f.csv", "f.txt", "f.tsv"]), mappings


@pytest.mark.parametrize("seed", range(60))
def test_generated_files_agree(seed: int) -> None:
    data, file, mappings = generated_file(seed)
    check_file(data, file, mappings=mappings)


def small_generated_frames(count: int) -> list[tuple[int, RawTable]]:
    """(seed, table read) of the first `count` generated files of at most 300 rows."""
    found = []
    for seed in range(100):
        data, file, _ = generated_file(seed)
        raw = read_table(data, file)
        if len(raw.frame) <= 300 and not raw.problems:
            found.append((seed, raw))
        if len(found) == count:
            return found
    raise AssertionError("too few small generated files")


def spellings(frame: pd.DataFrame) -> list[tuple[bytes, str]]:
    """The cells of `frame` (text) in every accepted format and encoding, as (bytes, file)."""
    text = frame.to_csv(index=False, lineterminator="\n")
    out = [(text.encode(e), "f.csv") for e in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le")]
    try:
        out.append((text.encode("cp1252"), "f.csv"))
    except UnicodeEncodeError:
        pass
    out.append((frame.to_csv(index=False, sep="\t", lineterminator="\r\n").encode(), "f.tsv"))
    out.append((frame.to_csv(index=False, sep=";").encode(), "f.txt"))
    out.append((gzip.compress(text.encode()), "f.csv.gz"))
    out.append((frame.to_json(orient="records", force_ascii=False).encode(), "f.json"))
    lines = frame.to_json(orient="records", lines=True, force_ascii=False).encode()
    out += [(lines, "f.jsonl"), (gzip.compress(lines), "f.jsonl.gz")]
    for write, file in ((frame.to_parquet, "f.parquet"), (frame.to_excel, "f.xlsx")):
        sink = io.BytesIO()
        write(sink, index=False)
        out.append((sink.getvalue(), file))
    return out


def comparable(raw: RawTable, report: Report, rows: dict[int, int]) -> tuple:
    """What a report says about the cells, whatever the file's format: rows numbered through
    `rows`, the reader's own notes left out, duplicates without their row list."""
    problems = sorted((p.kind, "" if p.kind is Kind.DUPLICATE else p.message, rows[p.row]
                       if p.row is not None else -1, p.column or "", p.effect)
                      for p in report.problems)
    table = None if report.table is None else report.table.to_dict("list")
    return (report.rows_read, report.rows_kept, problems, report.unlisted, report.shape,
            [n for n in report.notes if n not in raw.notes], report.y_title,
            report.duplicate_pairs, report.renamed, table)


@pytest.mark.parametrize("seed,raw", small_generated_frames(5), ids=lambda v: str(v)[:4])
def test_the_same_cells_in_every_format_and_encoding_give_the_same_report(seed, raw) -> None:
    frame = raw.frame.astype(object).where(raw.frame.notna(), "").reset_index(drop=True)
    mapping = detect(raw.frame, MAPPED_SHAPES).mapping
    expected = None
    for data, file in spellings(frame):
        read = read_table(data, file)
        assert read.frame.columns.tolist() == frame.columns.tolist(), file
        assert detect(read.frame, MAPPED_SHAPES).mapping == mapping, file
        rows = {row: k for k, row in enumerate(read.frame.index.tolist())}
        for options in OPTIONS[:2]:
            report = validate(read, mapping, options)
            check_report(read, mapping, report)
            got = comparable(read, report, rows)
            if expected is None:
                expected = {}
            assert expected.setdefault(options, got) == got, (file, options)


@pytest.mark.parametrize("seed,raw", small_generated_frames(8), ids=lambda v: str(v)[:4])
def test_shuffled_rows_permute_the_problems_and_change_nothing_else(seed, raw) -> None:
    frame = raw.frame.astype(object).where(raw.frame.notna(), "").reset_index(drop=True)
    order = np.random.default_rng(seed).permutation(len(frame))
    mapping = detect(raw.frame, MAPPED_SHAPES).mapping
    first = read_table(frame.to_csv(index=False).encode(), "f.csv")
    shuffled = read_table(frame.iloc[order].to_csv(index=False).encode(), "f.csv")
    first_rows = {row: k for k, row in enumerate(first.frame.index.tolist())}
    shuffled_rows = {row: int(order[k]) for k, row in enumerate(shuffled.frame.index.tolist())}
    for options in OPTIONS:
        a, b = validate(first, mapping, options), validate(shuffled, mapping, options)
        check_report(shuffled, mapping, b)
        if a.unlisted or b.unlisted:
            continue
        cells = [comparable(first, a, first_rows)[2], comparable(shuffled, b, shuffled_rows)[2]]
        assert [[p for p in c if p[0] is not Kind.DUPLICATE] for c in cells] == [
            [p for p in cells[1] if p[0] is not Kind.DUPLICATE]] * 2
        assert (a.rows_kept, a.duplicate_pairs, a.usable) == (b.rows_kept, b.duplicate_pairs,
                                                              b.usable)
        assert [n for n in a.notes if "decimal" in n] == [n for n in b.notes if "decimal" in n]
        if a.table is not None:
            assert np.allclose(np.sort(a.table[schema.DELTA]), np.sort(b.table[schema.DELTA]),
                               rtol=1e-12, atol=0)


def test_most_generated_files_take_the_fast_path() -> None:
    fast = sum(read_delimited_fast(*generated_file(seed)[:2]) is not None for seed in range(60))
    assert fast >= 40


def test_object_frames_agree_too() -> None:
    """Frames with numbers, None and booleans among the text (JSON, Excel) give the report of
    the same cells written as text (None and NaN as empty cells)."""
    rng = random.Random(7)
    pool = [*NUMBERS, *MISSING, *BAD, 3, 2.5, -1, math.nan, math.inf, None, True, False, 0, 1e400]
    frame = pd.DataFrame({
        "model": [rng.choice([*MODELS, *BLANK_NAMES, None, 7, 7.0, math.nan]) for _ in range(400)],
        "dataset": [rng.choice([*DATASETS, None, 3]) for _ in range(400)],
        "delta": [rng.choice(pool) for _ in range(400)],
        "group": [rng.choice([*CATEGORIES, None, 1.5]) for _ in range(400)],
        "n": [rng.choice([10, 2.5, None, "-1", "x", True]) for _ in range(400)],
    }, dtype=object)
    frame.index = pd.Index(range(1, 401), name="row")
    raw = RawTable(frame, "f.json", Format.JSON, 400)
    as_text = frame.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                        else v if isinstance(v, str) else str(v)).astype("str")
    text_raw = RawTable(as_text, "f.json", Format.JSON, 400)
    mapping = detect(frame).mapping
    assert detect(as_text).mapping == mapping
    for options in OPTIONS:
        report = validate(raw, mapping, options)
        check_report(raw, mapping, report)
        assert_same_report(validate(text_raw, mapping, options), report)


def test_ingest_is_read_then_report() -> None:
    data, file, _ = generated_file(3)
    assert_same_report(ingest(data, file), report_for(read_upload(data, file)))


# --- the column-wise readers against the per-value ones ------------------------------------------

def random_texts(seed: int, n: int = 4000) -> list[str]:
    rng = random.Random(seed)
    alphabet = "0123456789+-.,eEpPtTs% \u00a0−–‒﹣－naif∞\t\u3000x"
    pool = [*NUMBERS, *COMMA_NUMBERS, *MISSING, *BAD]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(n)]
    return texts + pool


def test_blank_and_names_are_the_per_value_rules() -> None:
    texts = random_texts(9) + [" a ", "\u3000b\u3000", "\x85", "\x1c", ""]
    assert blank(pa.array(texts)).tolist() == [not t.strip() for t in texts]
    values = pd.Series([*texts, None, math.nan, 3, 2.5], dtype=object)
    codes = name_codes(values)
    expected = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
                for v in values]
    assert [codes.values[c] for c in codes.codes] == expected
    as_text = name_codes(pd.Series(texts, dtype="str"))
    assert [as_text.values[c] for c in as_text.codes] == [t.strip() for t in texts]


def test_model_keys_are_model_key() -> None:
    names = [*MODELS, *random_texts(4, 300), "A\u2013B", "ＧＰＴ"]
    assert model_keys(names) == [model_key(n) for n in names]


def test_text_cells_of_every_frame_kind() -> None:
    for series in (pd.Series(["a", None], dtype="str"), pd.Series(["a", 1, None], dtype=object),
                   pd.Series(["a", "b"], dtype=object),
                   pd.Series(pd.Categorical(["x", "y", "x"]))):
        cells = text_cells(series)
        assert len(cells) == len(series)
        for i, value in enumerate(series.astype(object)):
            if isinstance(value, str):
                assert cells.strings[i].as_py() == value
            else:
                assert i in cells.other_at


def test_control_characters_are_unicode_categories_cc_cs_co() -> None:
    import sys
    import unicodedata

    from lib.ingest.read.sniff import CONTROL_CHARACTERS

    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        expected = ch not in "\t\r\n" and unicodedata.category(ch) in ("Cc", "Cs", "Co")
        assert bool(CONTROL_CHARACTERS.match(ch)) is expected, hex(code)


def test_a_nul_byte_after_the_first_4_kb_is_read_alike() -> None:
    body = "".join(f"M{i},GSM8K,{i % 9}\n" for i in range(1000))
    data = ("model,dataset,delta\n" + body + "N\x00ul,MATH,1\n").encode()
    assert read_delimited_fast(data, "f.csv") is not None
    check_file(data, "f.csv")


def test_names_are_matched_alike_column_wise() -> None:
    from lib.ingest import columns

    rng = random.Random(2)
    names = [rng.choice([*MODELS, *DATASETS, "HumanEval+", " x+ ", "a\x1cb"])
             + rng.choice(["", "-v2", " 2", "_x", "+"]) for _ in range(3000)]
    assert columns.dataset_keys(names) == [columns.name_key(n) for n in names]
    for canonical in (columns.model_names, columns.dataset_names):
        column_wise = canonical(names)
        limit, columns.COLUMN_WISE_NAMES = columns.COLUMN_WISE_NAMES, 10**9
        try:
            one_by_one = canonical(names)
        finally:
            columns.COLUMN_WISE_NAMES = limit
        assert list(column_wise.items()) == list(one_by_one.items())


@pytest.mark.parametrize("body", [
    "".join("A,GSM8K,1\n" for _ in range(3000)),
    "".join(f"M{i % 7},D{i % 3},{i % 5}\n" for i in range(3000)),
    "".join(f"M{i},D,n/a\n" for i in range(3000)),
    "".join(f"M{i},D,{['', 'x', 'NA', '1', '—'][i % 5]}\n" for i in range(3000)),
])
def test_many_problems_are_listed_and_counted_alike(body: str) -> None:
    check_file(("model,dataset,delta\n" + body).encode(), "f.csv")


def test_problems_in_one_row_keep_the_order_of_their_cells() -> None:
    text = ("model,GSM8K,MATH,HumanEval\nA,abc,n/a,1\nB,n/a,abc,\nC,1,2,3\n")
    check_file(text.encode(), "f.csv")
    got = ingest(text.encode(), "f.csv")
    assert [(p.row, p.column) for p in got.problems] == [
        (2, "GSM8K"), (2, "MATH"), (3, "GSM8K"), (3, "MATH"), (3, "HumanEval")]


def test_problems_are_listed_blocking_first_then_by_row() -> None:
    from lib.ingest.problems import Effect, Found, Problem, list_first

    rng = random.Random(3)
    batches, every = [], []
    for _ in range(30):
        effect = rng.choice([Effect.ROW, Effect.VALUE, Effect.STOPPED, Effect.FILE])
        made = [Problem(Kind.EMPTY_CELL, f"{len(every)}-{k}", "f.csv",
                        rng.choice([None, *range(2, 40)]), None, effect)
                for k in range(rng.randint(0, 40))]
        every += made
        batches += Found.of(made)
    ordered = [p for p in every if p.blocking] + sorted(
        (p for p in every if not p.blocking), key=lambda p: p.row or 0)
    for limit in (0, 1, 7, 100, 10_000):
        assert list_first(batches, limit) == (tuple(ordered[:limit]),
                                              max(0, len(every) - limit))


# --- a rerun of the page reads and validates nothing again ---------------------------------------

def test_session_upload_and_report_do_not_recompute_on_a_rerun(monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from lib.ui.uploads import session_report, session_upload
        from lib.ingest.validation import DuplicatePolicy, Options

        file = st.file_uploader("f", key="f")
        mean = st.checkbox("mean", key="mean")
        if file is not None:
            upload = session_upload(file)
            policy = DuplicatePolicy.MEAN if mean else DuplicatePolicy.STOP
            report = session_report(file, None, Options(duplicates=policy))
            st.write(f"kept {report.rows_kept}, usable {report.usable}")

    calls = {"read": 0, "validate": 0}
    import lib.ingest.pipeline as upload_module

    read, check = upload_module.read_table, upload_module.validate

    def counting_read(*args, **kwargs):
        calls["read"] += 1
        return read(*args, **kwargs)

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(upload_module, "read_table", counting_read)
    monkeypatch.setattr(upload_module, "validate", counting_validate)
    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    data = ("model,dataset,delta\n" + "".join(f"M{i % 40},D{i % 5},{i}\n" for i in range(50))
            ).encode()
    at.file_uploader(key="f").upload("f.csv", data, "text/csv").run()
    assert not at.exception
    assert calls == {"read": 1, "validate": 1}
    assert any("usable False" in m.value for m in at.markdown)
    at.run().run()
    assert calls == {"read": 1, "validate": 1}
    at.checkbox(key="mean").check().run()
    assert any("usable True" in m.value for m in at.markdown)
    at.checkbox(key="mean").uncheck().run()
    at.checkbox(key="mean").check().run()
    assert calls == {"read": 1, "validate": 2}
