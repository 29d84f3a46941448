"""Inspect AI logs to per-item outcomes: the JSON log and the .eval zip as Inspect's own recorder
writes them (inspect_ai/log/_recorders/eval.py, log/_log.py), value_to_float, epochs, status."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from lib.ingest.harness.inspect_logs import to_float
from lib.ingest.harness.pairing import ITEM_COLUMNS, Choice, harness_items
from lib.ingest.harness.pipeline import read_harness
from lib.ingest.problems import Kind
from scripts.make_harness_logs import write_inspect, zip_folder

LABELS = ["solver=generate; temperature=none", "solver=chain_of_thought, generate; "
          "temperature=none", "solver=chain_of_thought, generate; temperature=1.0"]


def dropped(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def sort(frame):
    return frame.sort_values(list(ITEM_COLUMNS[:4])).reset_index(drop=True)


@pytest.mark.parametrize("log_format", ["json", "eval"])
def test_synthetic_logs_give_the_mean_over_epochs(tmp_path, log_format):
    truth = write_inspect(tmp_path / "logs", models=2, tasks=2, runs=3, samples=25, epochs=3,
                          seed=5, log_format=log_format)
    read = read_harness(dropped(tmp_path))
    assert not read.problems
    assert [c.label for c in read.conditions] == LABELS
    assert read.baseline == LABELS[0] and read.scorers == ("match",)
    assert any("mean over its epochs" in note for note in read.notes)
    got = harness_items(read)
    want = truth.assign(condition=[LABELS[r] for r in truth["run"]], item=truth["id"],
                        dataset=truth["task"])[list(ITEM_COLUMNS)]
    assert sort(got.items).equals(sort(want))
    assert set(got.items["outcome"]) <= {0.0, 1 / 3, 2 / 3, 1.0}
    assert got.treatments == tuple(LABELS[1:]) and not got.problems


def test_eval_logs_in_a_zip_of_the_log_folder(tmp_path):
    truth = write_inspect(tmp_path / "logs", models=1, tasks=1, runs=2, samples=10,
                          log_format="eval")
    read = read_harness([("logs.zip", zip_folder(tmp_path / "logs"))])
    assert not read.problems and len(read.units) == 2
    assert harness_items(read).items["outcome"].sum() == truth["outcome"].sum()


@pytest.mark.parametrize(("value", "number"), [
    ("C", 1.0), ("I", 0.0), ("P", 0.5), ("N", 0.0), ("yes", 1.0), ("False", 0.0),
    (True, 1.0), (0, 0.0), (0.25, 0.25), ("0.75", 0.75), ("maybe", None), ({"a": 1}, None),
    ([1], None), (float("nan"), None)])
def test_values_as_inspect_reads_them(value, number):
    assert to_float(value) == number


def _log(tmp_path: Path) -> tuple[Path, dict]:
    write_inspect(tmp_path / "logs", models=1, tasks=1, runs=1, samples=6)
    [path] = (tmp_path / "logs").glob("*.json")
    return path, json.loads(path.read_text())


def test_partial_credit_and_an_unreadable_value(tmp_path):
    path, log = _log(tmp_path)
    log["samples"][0]["scores"]["match"]["value"] = "P"
    log["samples"][1]["scores"]["match"]["value"] = "maybe"
    log["samples"][2]["scores"] = None  # a sample an error stopped
    path.write_text(json.dumps(log))
    read = read_harness(dropped(tmp_path))
    kinds = {p.kind: p for p in read.problems}
    assert kinds[Kind.BAD_OUTCOME].row == 2 and "maybe" in kinds[Kind.BAD_OUTCOME].message
    assert "1 sample(s) of the log have no score" in kinds[Kind.EMPTY_CELL].message
    items = harness_items(read).items
    assert items["item"].tolist() == ["1", "4", "5", "6"] and items["outcome"].iloc[0] == 0.5


@pytest.mark.parametrize("status", ["error", "cancelled", "started"])
def test_unfinished_log_is_refused_by_name(tmp_path, status):
    path, log = _log(tmp_path)
    path.write_text(json.dumps(log | {"status": status}))
    read = read_harness(dropped(tmp_path))
    [problem] = read.problems
    assert problem.file == path.name and f"status is “{status}”" in problem.message
    assert not read.units


def test_eval_log_still_running_has_no_header(tmp_path):
    write_inspect(tmp_path / "logs", models=1, tasks=1, runs=1, samples=4, log_format="eval")
    [path] = (tmp_path / "logs").glob("*.eval")
    sink = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as source, \
            zipfile.ZipFile(sink, "w") as target:
        for name in source.namelist():
            if name not in ("header.json", "summaries.json", "reductions.json"):
                target.writestr(name, source.read(name))
    read = read_harness([(path.name, sink.getvalue())])
    [problem] = read.problems
    assert "not finished" in problem.message and problem.file == path.name


def test_scorer_choice_and_a_scorer_missing_from_one_run(tmp_path):
    write_inspect(tmp_path / "logs", models=1, tasks=1, runs=2, samples=5)
    first, second = sorted((tmp_path / "logs").glob("*.json"))
    log = json.loads(first.read_text())
    for sample in log["samples"]:
        sample["scores"]["judge"] = {"value": 0.5}
    first.write_text(json.dumps(log))
    read = read_harness(dropped(tmp_path))
    assert read.scorers == ("match", "judge")
    got = harness_items(read, Choice(scorer="judge"))
    [problem] = got.problems
    assert problem.file == second.name and "scorer “judge” is missing" in problem.message
    assert set(got.items["outcome"]) == {0.5}


def test_unknown_json_and_a_sample_without_id(tmp_path):
    path, log = _log(tmp_path)
    del log["samples"][0]["id"]
    path.write_text(json.dumps(log))
    read = read_harness(dropped(tmp_path) + [("log.json", b'{"eval": {"x": 1}}')])
    messages = {p.file: p.message for p in read.problems}
    assert "has no id" in messages[path.name]
    assert "not an Inspect AI log" in messages["log.json"]


def test_generator_command_writes_both_layouts(tmp_path):
    from scripts.make_harness_logs import main

    assert main(["-o", str(tmp_path), "--runs", "2", "--docs", "5", "--gz",
                 "--log-format", "eval", "--epochs", "2"]) == 0
    assert len(list((tmp_path / "lm-eval").rglob("samples_*.jsonl.gz"))) == 2 * 2 * 2
    assert len(list((tmp_path / "inspect").glob("*.eval"))) == 2 * 2 * 2
    read = read_harness(dropped(tmp_path))
    assert not read.problems and len(read.units) == 2 * 2 * 2 + 2 * 2 * 2
    with pytest.raises(SystemExit):
        main(["-o", str(tmp_path), "--runs", "0"])


def test_dict_scores_give_a_scorer_per_key_and_repeats_are_named(tmp_path):
    path, log = _log(tmp_path)
    for sample in log["samples"]:
        sample["scores"] = {"multi": {"value": {"exact": "C", "f1": 0.25}}}
    log["samples"].append(dict(log["samples"][0]))  # the same id and epoch again
    path.write_text(json.dumps(log))
    read = read_harness(dropped(tmp_path))
    assert read.scorers == ("match", "multi/exact", "multi/f1")  # results list “match” first
    [problem] = read.problems
    assert problem.kind is Kind.REPEATED_ITEM and "Sample id 1 appear(s)" in problem.message
    items = harness_items(read, Choice(scorer="multi/f1")).items
    assert len(items) == 6 and set(items["outcome"]) == {0.25}


def test_a_task_named_base_does_not_make_a_run_the_baseline(tmp_path):
    write_inspect(tmp_path / "logs", models=1, tasks=1, runs=2, samples=4)
    for path in (tmp_path / "logs").glob("*.json"):
        log = json.loads(path.read_text())
        log["eval"]["task"] = "gsm8k_base"
        path.unlink()
        path.with_name(path.name.replace("synth_task_0", "gsm8k_base")).write_text(
            json.dumps(log))
    read = read_harness(dropped(tmp_path))
    labels = ["solver=generate", "solver=chain_of_thought, generate"]
    assert [c.label for c in read.conditions] == labels
    assert read.baseline == labels[0] and not any(c.says_base for c in read.conditions)
    later = max((tmp_path / "logs").glob("*.json"))
    log = json.loads(later.read_text())
    log["eval"]["tags"] = ["baseline"]
    later.write_text(json.dumps(log))
    assert read_harness(dropped(tmp_path)).baseline == labels[1]


@pytest.mark.parametrize("summaries", ["absent", "short", "damaged"])
def test_eval_log_read_from_its_samples_without_usable_summaries(tmp_path, summaries):
    truth = write_inspect(tmp_path / "logs", models=1, tasks=1, runs=1, samples=8, epochs=2,
                          log_format="eval")
    [path] = (tmp_path / "logs").glob("*.eval")
    sink = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as source, \
            zipfile.ZipFile(sink, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "summaries.json":
                if summaries == "absent":
                    continue
                data = json.dumps(json.loads(data)[:-1]).encode() if summaries == "short" \
                    else b"[{"
            target.writestr(name, data)
    read = read_harness([(path.name, sink.getvalue())])
    assert not read.problems
    items = harness_items(read).items
    assert items["outcome"].tolist() == truth["outcome"].tolist()


def test_fields_of_unexpected_types_are_ignored_not_fatal(tmp_path):
    path, log = _log(tmp_path)
    log["plan"]["steps"], log["results"]["scores"], log["eval"]["tags"] = 5, True, "x"
    path.write_text(json.dumps(log))
    read = read_harness(dropped(tmp_path))
    assert not read.problems and read.units[0].settings["solver"] == "none"
    assert len(harness_items(read).items) == 6


def test_damaged_member_of_an_eval_log(tmp_path):
    write_inspect(tmp_path / "logs", models=1, tasks=1, runs=1, samples=4, log_format="eval")
    [path] = (tmp_path / "logs").glob("*.eval")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("header.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start:start + 40] = b"\xff" * 40  # its deflate stream, not the zip's directory
    [problem] = read_harness([(path.name, bytes(data))]).problems
    assert problem.kind is Kind.UNREADABLE and problem.file == path.name
    assert "header.json" in problem.message
