"""Uploads of harness output that must give a message, never an outage: archives that unpack
too far or hold too many files, damaged archives, files that are not JSON, deep JSON."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import pytest

from lib.ingest.harness import archive
from lib.ingest.harness.pipeline import read_harness
from lib.ingest.problems import Kind
from scripts.make_harness_logs import write_lm_eval, zip_folder

DATE = "2026-01-05T09-00-00.000000"


def zipped(files: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return sink.getvalue()


def good_folder(tmp_path) -> bytes:
    write_lm_eval(tmp_path / "out", models=1, tasks=1, runs=2, docs=5)
    return zip_folder(tmp_path / "out")


def test_zip_bomb_is_refused_and_other_uploads_still_read(tmp_path):
    bomb = zipped({"out/m/samples_t_x.jsonl": b"0" * (3 << 20)})  # a few kB packed
    read = read_harness([("bomb.zip", bomb), ("good.zip", good_folder(tmp_path))],
                        max_bytes=2 << 20)
    [problem] = read.problems
    assert problem.kind is Kind.TOO_LARGE and problem.file == "bomb.zip"
    assert len(read.units) == 2  # nothing else is lost


def test_zip_whose_sizes_lie_is_stopped_while_unpacking():
    data = bytearray(zipped({"results_x.json": b"{" + b" " * (3 << 20) + b"}"}))
    # write a small size into the central directory (and the local header): unpacking must
    # still stop at the limit
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    data[22:26] = (100).to_bytes(4, "little")
    read = read_harness([("liar.zip", bytes(data))], max_bytes=1 << 20)
    [problem] = read.problems
    assert problem.file == "liar.zip" and problem.kind in (Kind.TOO_LARGE, Kind.UNREADABLE)


def test_gzip_bomb_samples_file_is_refused():
    bomb = gzip.compress(b"\n" * (3 << 20))
    read = read_harness([(f"samples_t_{DATE}.jsonl.gz", bomb)], max_bytes=1 << 20)
    [problem] = read.problems
    assert problem.kind is Kind.TOO_LARGE and problem.file == f"samples_t_{DATE}.jsonl.gz"


def test_too_many_members(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    read = read_harness([("many.zip", zipped({f"f{i}.json": b"{}" for i in range(11)}))])
    [problem] = read.problems
    assert problem.kind is Kind.TOO_LARGE and "11 files" in problem.message


def test_too_many_members_of_a_tar(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w:gz") as out:
        for i in range(11):
            info = tarfile.TarInfo(f"out/f{i}.json")
            info.size = 2
            out.addfile(info, io.BytesIO(b"{}"))
    read = read_harness([("many.tar.gz", sink.getvalue())])
    [problem] = read.problems
    assert problem.kind is Kind.TOO_LARGE and problem.file == "many.tar.gz"


@pytest.mark.parametrize("name", ["out.zip", "out.tar.gz"])
def test_truncated_archive(tmp_path, name):
    data = good_folder(tmp_path)
    if name.endswith(".tar.gz"):
        sink = io.BytesIO()
        with tarfile.open(fileobj=sink, mode="w:gz") as out:
            out.add(tmp_path / "out", arcname="out")
        data = sink.getvalue()
    read = read_harness([(name, data[: len(data) // 2])])
    [problem] = read.problems
    assert problem.kind is Kind.UNREADABLE and problem.file == name
    assert "cut short" in problem.message


def test_archive_inside_an_archive():
    read = read_harness([("outer.zip", zipped({"inner.zip": zipped({"a.json": b"{}"})}))])
    [problem] = read.problems
    assert problem.kind is Kind.UNSUPPORTED and "another archive (inner.zip)" in problem.message


def test_non_json_member_names_the_member():
    read = read_harness([("out.zip", zipped({f"out/m/results_{DATE}.json": b"not json {"}))])
    [problem] = read.problems
    assert problem.file == f"out.zip/out/m/results_{DATE}.json"
    assert problem.kind is Kind.UNREADABLE and "not valid JSON" in problem.message


def test_bad_samples_line_names_the_line(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=1, docs=5)
    [samples] = tmp_path.rglob("samples_*.jsonl")
    lines = samples.read_text().splitlines(keepends=True)
    samples.write_text("".join(lines[:3]) + '{"doc_id": 3, "cut\n' + "".join(lines[4:]))
    read = read_harness([(p.name, p.read_bytes()) for p in tmp_path.rglob("*.json*")])
    [problem] = read.problems
    assert problem.row == 4 and problem.file == samples.name and "Line 4" in problem.message


@pytest.mark.parametrize("where", ["results", "samples"])
def test_deep_json(where):
    deep = b"[" * 200_000 + b"]" * 200_000
    files = {f"results_{DATE}.json": deep} if where == "results" else {
        f"results_{DATE}.json": json.dumps({"results": {"t": {"acc,none": 0.5}},
                                            "configs": {}}).encode(),
        f"samples_t_{DATE}.jsonl": b'{"doc_id": 0}\n{"doc_id": 1, "doc": ' + deep + b"}\n"}
    read = read_harness(list(files.items()))
    [problem] = read.problems
    assert "too deeply" in problem.message
    assert problem.row == (2 if where == "samples" else None)


def test_not_utf8_and_not_an_object():
    read = read_harness([(f"results_{DATE}.json", "{\"é\": 1}".encode("latin-1")),
                         (f"results_{DATE[:-1]}1.json", b"[1, 2]")])
    kinds = sorted(p.kind for p in read.problems)
    assert kinds == sorted([Kind.ENCODING, Kind.UNSUPPORTED])
