"""The corpus of bad files: each must produce its problem, located and worded as recorded."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from lib.ingest.pipeline import read_upload, report_for
from lib.ingest.read.raw import Limits
from lib.ingest.shapes import DeltaKind
from lib.ingest.validation import DuplicatePolicy, Options

CORPUS = ROOT / "tests" / "corpus"
MANIFEST = CORPUS / "expected.json"
CASES = json.loads(MANIFEST.read_text(encoding="utf-8"))["cases"]


def _report(case: dict):
    data = (CORPUS / case["file"]).read_bytes()
    upload = read_upload(data, case["file"], Limits(**case.get("limits", {})))
    choices = case.get("options", {})
    options = Options(delta_kind=DeltaKind(choices.get("delta_kind", "points")),
                      duplicates=DuplicatePolicy(choices.get("duplicates", "stop")))
    return report_for(upload, None, options)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['kind']}" for c in CASES])
def test_corpus_file_gives_its_message(case: dict) -> None:
    report = _report(case)
    found = [p for p in report.problems if p.kind == case["kind"] and p.row == case["row"]]
    listed = [p.describe() for p in report.problems]
    assert found, f"no {case['kind']!r} at row {case['row']}: {listed}"
    problem = found[0]
    assert problem.message == case["message"]
    assert problem.file == case["file"]
    assert problem.column == case["column"]
    assert str(problem.effect) == case["effect"]
    stops = case["effect"] in ("file not used", "file not used until you choose")
    assert report.usable is case.get("usable", not stops)
    assert (report.table is None) is not report.usable


def test_every_corpus_file_is_paired_with_a_message() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != MANIFEST.name}
    assert files == {c["file"] for c in CASES}


def test_problem_names_file_row_and_column() -> None:
    case = next(c for c in CASES if c["file"] == "not_a_number.csv")
    problem = next(p for p in _report(case).problems if p.kind == case["kind"])
    assert problem.describe() == ("not_a_number.csv, row 3, column “delta”: not a number: "
                                  "“abc” (the Δ must be a number)")
