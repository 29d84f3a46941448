"""Per-item uploads on the way to the app: recognised, aggregated, named like the figure."""

import gzip
import io
import json

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib.core import schema
from lib.ingest.items.peritem import Settings
from lib.ingest.items.pipeline import aggregate_items, canonical, item_shape
from lib.ingest.problems import PROBLEM_COLUMNS, Effect, Kind, problems_frame
from lib.ui.items_view import EXAMPLE_FILE

EXAMPLE = EXAMPLE_FILE.read_bytes()


def small_items(dataset: str = "CSQA", model: str = "gpt 4o") -> pd.DataFrame:
    rows = []
    for item in range(40):
        rows.append({"model": model, "dataset": dataset, "item_id": item,
                     "baseline": int(item % 2 == 0), "treatment": int(item % 4 != 3)})
    return pd.DataFrame(rows)


def test_the_synthetic_example_is_recognised_and_aggregated():
    assert item_shape(EXAMPLE, EXAMPLE_FILE.name) == "per_item"
    upload = aggregate_items(EXAMPLE, EXAMPLE_FILE.name, Settings())
    assert upload.usable and upload.shape == "per_item"
    table = upload.table
    assert len(table) == 63
    assert upload.rows_read == 63 * 200
    for col in (schema.DELTA, schema.CI_LOW, schema.CI_HIGH, schema.P_VALUE, schema.P_ADJUSTED,
                schema.SIGNIFICANT, schema.N_ITEMS):
        assert col in table.columns
    assert (table[schema.CI_LOW] <= table[schema.DELTA]).all()
    assert (table[schema.DELTA] <= table[schema.CI_HIGH]).all()
    assert set(table[schema.CATEGORY]) == {"Open LLM", "Closed LLM", "Reasoning LLM"}
    assert table.attrs["correction"] == "holm"


def test_names_follow_the_figure_and_categories_are_filled():
    data = small_items().to_csv(index=False).encode()
    upload = aggregate_items(data, "mine.csv", Settings())
    row = upload.table.iloc[0]
    assert (row[schema.MODEL], row[schema.DATASET], row[schema.CATEGORY]) == (
        "GPT-4o", "CS-QA", "Closed LLM")
    # by hand: baseline right on even items (20 of 40), treatment on 3 of every 4 (30 of 40)
    assert row[schema.BASELINE] == pytest.approx(50.0)
    assert row[schema.TREATMENT] == pytest.approx(75.0)
    assert row[schema.DELTA] == pytest.approx(25.0)
    assert row[schema.N_ITEMS] == 40


def test_parquet_per_item_files_are_recognised_too():
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(small_items(), preserve_index=False), buffer)
    data = buffer.getvalue()
    assert item_shape(data, "items.parquet") == "per_item"
    upload = aggregate_items(data, "items.parquet", Settings())
    assert upload.usable and upload.table.iloc[0][schema.DELTA] == pytest.approx(25.0)


def test_counts_tables_get_the_unpaired_approximation():
    data = (b"model,dataset,baseline,treatment,n\n"
            b"GPT-4o,GSM8K,80.0,86.0,1000\nGPT-4o,MATH,50.0,49.0,500\n")
    assert item_shape(data, "counts.csv") == "counts"
    upload = aggregate_items(data, "counts.csv", Settings())
    assert upload.shape == "counts" and upload.usable
    assert upload.table[schema.INTERVAL_METHOD].str.startswith("unpaired approximation").all()


@pytest.mark.parametrize("data,name", [
    (b"model,dataset,delta\nGPT-4o,GSM8K,4\n", "long.csv"),
    (b"model,GSM8K,MATH\nGPT-4o,4,5\n", "wide.csv"),
    (b"", "empty.csv"),
    (b"\x1f\x8b\x08\x00", "x.csv.gz"),
])
def test_other_files_go_the_ordinary_way(data, name):
    assert item_shape(data, name) is None


def test_bad_outcomes_are_named_with_file_row_and_column():
    frame = small_items()
    frame["treatment"] = frame["treatment"].astype(object)
    frame.loc[3, "treatment"] = 7
    data = frame.to_csv(index=False).encode()
    upload = aggregate_items(data, "bad.csv", Settings())
    assert upload.usable  # the row is left out, not the file
    (problem,) = upload.problems
    assert (problem.kind, problem.effect) == (Kind.BAD_OUTCOME, Effect.ROW)
    shown = problems_frame(list(upload.problems))
    assert tuple(shown.columns) == PROBLEM_COLUMNS
    first = shown.iloc[0]
    assert (first["File"], first["Row"], first["Column"]) == ("bad.csv", 5, "treatment")
    assert first["Effect"] == "row left out"
    assert upload.table.iloc[0][schema.N_ITEMS] == 39


def test_canonical_keeps_the_settings_used():
    table = pd.DataFrame({"model": ["m"], "dataset": ["Human-Eval"], "delta": [1.0]})
    table.attrs["level"] = 0.9
    out = canonical(table)
    assert out.loc[0, schema.DATASET] == "HumanEval" and out.attrs["level"] == 0.9


# --- files the fast reader cannot take, and failures ----------------------------------------------

ITEMS = "model,dataset,item,baseline,treatment\nGPT-4o,GSM8K,1,1,0\nGPT-4o,GSM8K,2,0,1\n" \
        "GPT-4o,GSM8K,3,1,1\nMine,GSM8K,1,0,1\n"


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name,data", [
    ("cr.csv", ITEMS.replace("\n", "\r").encode()),
    ("utf16.csv", ITEMS.encode("utf-16")),
    ("utf16le.csv", ITEMS.encode("utf-16-le")),
    ("cp1252.csv", ITEMS.replace("Mine", "Miné").encode("cp1252")),
    ("sep.csv", ("sep=;\n" + ITEMS.replace(",", ";")).encode()),
    ("items.tsv", ITEMS.replace(",", "\t").encode()),
    ("semicolon.csv", ITEMS.replace(",", ";").encode()),
    ("crlf-bom.csv", b"\xef\xbb\xbf" + ITEMS.replace("\n", "\r\n").encode()),
    ("headers.csv", ITEMS.replace("model,dataset,item,baseline,treatment",
                                  "Model,Benchmark,question,base,cot").encode()),
    ("items.csv.gz", gzip.compress(ITEMS.encode())),
    ("utf16.tsv.gz", gzip.compress(ITEMS.replace(",", "\t").encode("utf-16"))),
    ("items.json", pd.read_csv(io.StringIO(ITEMS)).to_json(orient="records").encode()),
    ("items.jsonl.gz", gzip.compress(pd.read_csv(io.StringIO(ITEMS)).to_json(
        orient="records", lines=True).encode())),
    ("items.xlsx", _xlsx([line.split(",") for line in ITEMS.splitlines()])),
])
def test_per_item_text_in_any_accepted_encoding_and_layout_is_read(name, data):
    assert item_shape(data, name) == "per_item"
    upload = aggregate_items(data, name, Settings())
    assert upload.usable, upload.problems
    assert upload.problems == ()
    table = upload.table.set_index(schema.MODEL)
    assert table.loc["GPT-4o", schema.N_ITEMS] == 3
    assert table.loc["GPT-4o", schema.DELTA] == pytest.approx(0.0)
    assert set(table.index) == {"GPT-4o", "Miné" if "1252" in name else "Mine"}


def test_a_lone_cr_in_the_header_gives_a_report_not_a_traceback():
    data = b"model,dataset,item,base\rline,treatment\nA,X,1,1,0\nA,X,2,0,1\n"
    assert item_shape(data, "lone.csv") in (None, "per_item", "counts")
    upload = aggregate_items(data, "lone.csv", Settings())
    assert upload.usable or any(p.blocking for p in upload.problems)


@pytest.mark.parametrize("name,make", [
    ("mixed.jsonl", lambda: "\n".join(json.dumps(r) for r in [
        {"model": "A", "dataset": "X", "item": 1, "baseline": "yes", "treatment": 1},
        {"model": "A", "dataset": "X", "item": 2, "baseline": None, "treatment": 0},
        {"model": "A", "dataset": "X", "item": 3, "baseline": "no", "treatment": 1}]).encode()),
    ("mixed.xlsx", lambda: _xlsx([["model", "dataset", "item", "baseline", "treatment"],
                                  ["A", "X", 1, "yes", 1], ["A", "X", 2, None, 0],
                                  ["A", "X", 3, "no", 1]])),
])
def test_text_and_missing_outcomes_side_by_side(name, make):
    upload = aggregate_items(make(), name, Settings())
    assert upload.usable
    ((row, column),) = [(p.row, p.column) for p in upload.problems]
    assert column == "baseline" and row == (2 if name.endswith("jsonl") else 3)
    assert upload.table.iloc[0][schema.N_ITEMS] == 2


def test_any_unexpected_failure_becomes_a_problem_naming_the_file(monkeypatch, caplog):
    import lib.ingest.items.pipeline as items_upload

    def broken(*args, **kwargs):
        raise RuntimeError("boom at /srv/secret/path.py")

    monkeypatch.setattr(items_upload, "summarise", broken)
    with caplog.at_level("ERROR"):
        upload = aggregate_items(EXAMPLE, "example.csv", Settings())
    assert not upload.usable and upload.file == "example.csv"
    (problem,) = upload.problems
    assert problem.blocking and problem.message == items_upload.UNEXPECTED
    assert (problem.file, problem.kind, problem.effect) == ("example.csv", Kind.UNEXPECTED,
                                                            Effect.FILE)
    assert "boom" not in problem.message and "boom" in caplog.text  # logged, not shown
    monkeypatch.setattr(items_upload, "check_csv", broken)
    upload = aggregate_items(EXAMPLE, "example.csv", Settings())
    assert upload.problems[0].message == items_upload.UNEXPECTED


def test_problems_of_the_general_reader_are_capped():
    lines = ['{"model": "A", "dataset": "X", "item": 1, "baseline": 1, "treatment": 0}']
    lines += ["not json"] * 5_000
    upload = aggregate_items("\n".join(lines).encode(), "many.jsonl", Settings())
    assert upload.usable
    assert len(upload.problems) <= 21
    assert upload.problems[-1].message.startswith("4,980 more rows")
    assert {(p.file, p.kind, p.effect) for p in upload.problems} == {
        ("many.jsonl", Kind.UNREADABLE, Effect.ROW)}


def test_a_file_the_reader_refuses_is_named_in_its_problem():
    upload = aggregate_items(b"PAR1 this is no parquet file", "broken.parquet", Settings())
    (problem,) = upload.problems
    assert not upload.usable and problem.blocking
    assert problem.file == "broken.parquet" and problem.describe().startswith("broken.parquet: ")


# --- the one entry point: `ingest` takes every shape ----------------------------------------------

def _count_reads(monkeypatch) -> list[str]:
    from lib.ingest import pipeline
    from lib.ingest.items import pipeline as items_pipeline

    calls: list[str] = []
    real = pipeline.read_table

    def counted(data, file, *args):
        calls.append(file)
        return real(data, file, *args)

    monkeypatch.setattr(pipeline, "read_table", counted)
    monkeypatch.setattr(items_pipeline, "read_table", counted)
    return calls


@pytest.mark.parametrize("encode,name", [
    (lambda t: t.to_csv(index=False).encode(), "fast.csv"),  # pyarrow's fast path, no read
    (lambda t: t.to_csv(index=False, sep=";").encode("cp1252"), "semi.csv"),
    (lambda t: t.to_csv(index=False, sep="\t").encode("utf-16"), "wide16.tsv"),
    (lambda t: gzip.compress(t.to_csv(index=False).replace("\n", "\r").encode()), "cr.csv.gz"),
])
def test_ingest_aggregates_per_item_files_like_the_item_path(encode, name, monkeypatch):
    from lib.ingest.pipeline import ingest

    table = small_items(model="Modèle-7B").rename(columns={"dataset": "Benchmark",
                                                            "item_id": "question",
                                                            "baseline": "base",
                                                            "treatment": "cot"})
    data = encode(table)
    reads = _count_reads(monkeypatch)
    report = ingest(data, name, settings=Settings())
    assert len(reads) == (0 if name == "fast.csv" else 1)  # parsed once at most
    assert report.usable and report.shape == "per_item" and report.problems == ()
    assert report.y_title == schema.Y_POINTS
    assert (report.rows_read, report.rows_kept) == (40, 40)
    expected = aggregate_items(data, name, Settings()).table
    pd.testing.assert_frame_equal(report.table, expected)
    row = report.table.iloc[0]
    assert row[schema.MODEL] == "Modèle-7B" and row[schema.DELTA] == pytest.approx(25.0)
    assert row[schema.CI_LOW] < row[schema.DELTA] < row[schema.CI_HIGH]


def test_ingest_reads_counts_and_mapped_shapes_through_the_same_registry(monkeypatch):
    from lib.ingest.pipeline import ingest

    counts = ingest(b"model,dataset,baseline,treatment,n\nA,GSM8K,80.0,86.0,1000\n", "c.csv")
    assert counts.shape == "counts" and counts.rows_kept == 1
    assert counts.table[schema.INTERVAL_METHOD].str.startswith("unpaired approximation").all()
    long = ingest(b"model,dataset,delta\nA,GSM8K,4\n", "l.csv")
    assert long.shape == "long" and long.rows_kept == 1


def test_ingest_parses_a_failing_file_once(monkeypatch):
    from lib.ingest.pipeline import ingest

    reads = _count_reads(monkeypatch)
    report = ingest(b"\x00\x01\x02binary\x00" * 50, "bin.xlsx")
    assert not report.usable and report.blocking and report.blocking[0].file == "bin.xlsx"
    assert len(reads) == 1
