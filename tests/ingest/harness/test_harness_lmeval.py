"""lm-evaluation-harness output to per-item outcomes: the layout its own code writes
(lm_eval/loggers/evaluation_tracker.py, lm_eval/evaluator.py at v0.4.9.2), pairing, choices,
and each bad case of issue 14."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from lib.core import schema
from lib.ingest.harness.pairing import ITEM_COLUMNS, STDERR_METHOD, Choice, harness_items
from lib.ingest.harness.pipeline import read_harness
from lib.ingest.problems import Kind
from scripts.make_harness_logs import tar_gz_folder, write_lm_eval, zip_folder


def dropped(folder: Path) -> list[tuple[str, bytes]]:
    """Every file under `folder` as dropped one by one (the name only, as a browser sends it)."""
    return [(p.name, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def results_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("results_*.json"))


def samples_file(results: Path, task: str) -> Path:
    date = results.name.removeprefix("results_").removesuffix(".json")
    return results.parent / f"samples_{task}_{date}.jsonl"


def expected(truth, read, keys):
    """The truth as the importer should give it: run r is the condition “n-shot=5r”."""
    rows = truth[[(t, f) in keys for t, f in zip(truth["task"], truth["filter"])]]
    out = rows.assign(condition="n-shot=" + (5 * rows["run"]).astype(str),
                      item=rows["doc_id"].astype(str), dataset=rows["task"])
    return out[["model", "dataset", "item", "condition", "outcome"]]


def sort(frame):
    return frame.sort_values(list(ITEM_COLUMNS[:4])).reset_index(drop=True)


@pytest.mark.parametrize("pack", ["files", "zip", "tar.gz", "gz"])
def test_synthetic_output_gives_the_known_outcomes(tmp_path, pack):
    root = tmp_path / "out"
    truth = write_lm_eval(root, models=2, tasks=2, runs=3, docs=30, seed=4, gz=pack == "gz")
    uploads = {"files": dropped(root), "gz": dropped(root),
               "zip": [("out.zip", zip_folder(root))],
               "tar.gz": [("out.tar.gz", tar_gz_folder(root))]}[pack]
    read = read_harness(uploads)
    assert not read.problems
    assert [c.label for c in read.conditions] == ["n-shot=0", "n-shot=5", "n-shot=10"]
    assert read.baseline == "n-shot=0"  # no run says base: the earliest
    assert read.metrics == ("acc", "acc_norm", "exact_match")
    assert read.filters == ("none", "strict-match", "flexible-extract")
    got = harness_items(read)
    assert got.treatments == ("n-shot=5", "n-shot=10")
    assert set(got.used.values()) == {("acc", "none"), ("exact_match", "strict-match")}
    assert list(got.items.columns) == list(ITEM_COLUMNS)
    want = expected(truth, read, {("synth_mc_0", "none"), ("synth_gen_1", "strict-match")})
    assert len(got.items) == 2 * 2 * 3 * 30
    assert sort(got.items).equals(sort(want))
    assert got.unpaired is None and not got.problems


def test_metric_and_filter_choice(tmp_path):
    truth = write_lm_eval(tmp_path, models=1, tasks=2, runs=2, docs=12, seed=1)
    read = read_harness(dropped(tmp_path))
    got = harness_items(read, Choice(metric="acc_norm", filter="flexible-extract",
                                     baseline="n-shot=5"))
    model = truth["model"][0]
    assert got.used == {(model, "synth_mc_0"): ("acc_norm", "none"),
                        (model, "synth_gen_1"): ("exact_match", "flexible-extract")}
    assert got.baseline == "n-shot=5" and got.treatments == ("n-shot=0",)
    want = expected(truth, read, {("synth_mc_0", "none"), ("synth_gen_1", "flexible-extract")})
    assert sort(got.items).equals(sort(want))


def test_model_from_model_args_and_adapter_labels_the_run(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    first, second = results_files(tmp_path)
    for path, extra in ((first, ""), (second, ",peft=my-org/adapter")):
        doc = json.loads(path.read_text())
        doc["config"]["model_args"] += extra
        doc["n-shot"] = {t: 0 for t in doc["n-shot"]}
        doc["model_name"] = "my-org/adapter" if extra else doc["model_name"]
        path.write_text(json.dumps(doc))
    read = read_harness(dropped(tmp_path))
    assert {u.model for u in read.units} == {"EleutherAI/pythia-160m"}
    assert [c.label for c in read.conditions] == ["model_args peft=none",
                                                 "model_args peft=my-org/adapter"]


def test_a_run_called_baseline_is_the_default_baseline(tmp_path):
    root = tmp_path / "out"  # the test's own folder is named after it: “…baseline…”
    write_lm_eval(root / "treated", models=1, tasks=1, runs=1, docs=10, seed=2)
    base = root / "baseline"
    write_lm_eval(base, models=1, tasks=1, runs=2, docs=10, seed=2)
    results_files(base)[0].unlink()  # keep its later run (n-shot 5), a day later
    uploads = [("runs.zip", zip_folder(root))]
    read = read_harness(uploads)
    assert read.baseline == "n-shot=5"  # named by its folder, though not the earliest
    assert [c.label for c in read.conditions][0] == "n-shot=0"


def test_doc_hash_mismatch_names_file_and_line(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    path = samples_file(results_files(tmp_path)[1], "synth_mc_0")
    lines = path.read_text().splitlines()
    sample = json.loads(lines[3])
    sample["doc_hash"] = "0" * 64
    lines[3] = json.dumps(sample)
    path.write_text("\n".join(lines) + "\n")
    got = harness_items(read_harness(dropped(tmp_path)))
    [problem] = got.problems
    assert problem.file == path.name and problem.row == 4 and "doc_hash" in problem.message
    treated = got.items[got.items[schema.CONDITION] == "n-shot=5"]
    assert len(treated) == 9 and "3" not in set(treated["item"])


def test_different_doc_sets_are_reported(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    path = samples_file(results_files(tmp_path)[1], "synth_mc_0")
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:7]))
    got = harness_items(read_harness(dropped(tmp_path)))
    assert any("share 7 of 10 and 7 docs" in note for note in got.notes)


def test_duplicate_doc_id_is_refused_with_the_ids(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    path = samples_file(results_files(tmp_path)[0], "synth_mc_0")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + lines[2:4]))
    read = read_harness(dropped(tmp_path))
    [problem] = read.problems
    assert problem.kind is Kind.REPEATED_ITEM and problem.file == path.name
    assert "doc_id 2, 3 appear" in problem.message and "“none”" in problem.message
    got = harness_items(read)
    # the run without usable samples is compared unpaired, from its reported stderr
    assert got.unpaired is not None and len(got.unpaired) == 1


def test_metric_missing_from_one_run_is_refused_naming_it(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    results = results_files(tmp_path)[1]
    doc = json.loads(results.read_text())
    doc["results"]["synth_mc_0"] = {k: v for k, v in doc["results"]["synth_mc_0"].items()
                                    if not k.startswith("acc_norm")}
    results.write_text(json.dumps(doc))
    path = samples_file(results, "synth_mc_0")
    path.write_text("".join(json.dumps({k: v for k, v in json.loads(line).items()
                                        if k != "acc_norm"} | {"metrics": ["acc"]}) + "\n"
                            for line in path.read_text().splitlines()))
    got = harness_items(read_harness(dropped(tmp_path)), Choice(metric="acc_norm"))
    [problem] = got.problems
    assert problem.kind is Kind.MISSING_COLUMN and problem.file == results.name
    assert "“acc_norm” (filter “none”) is missing from the run “n-shot=5”" in problem.message
    assert set(got.items[schema.CONDITION]) == {"n-shot=0"}


def test_non_outcome_metric_is_refused(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    path = samples_file(results_files(tmp_path)[0], "synth_mc_0")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines[5]["acc"] = 37.5
    path.write_text("".join(json.dumps(s) + "\n" for s in lines))
    got = harness_items(read_harness(dropped(tmp_path)))
    [problem] = got.problems
    assert problem.kind is Kind.OUT_OF_RANGE and problem.row == 6 and "37.5" in problem.message


def test_results_without_samples_give_an_unpaired_delta(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=40, seed=3, samples=False)
    read = read_harness(dropped(tmp_path))
    assert any("no samples file" in note for note in read.notes)
    got = harness_items(read)
    assert got.items.empty
    [row] = got.unpaired.to_dict("records")
    base, treated = (json.loads(p.read_text())["results"]["synth_mc_0"]
                     for p in results_files(tmp_path))
    delta = treated["acc,none"] - base["acc,none"]
    se = math.hypot(treated["acc_stderr,none"], base["acc_stderr,none"])
    assert row[schema.DELTA] == pytest.approx(100 * delta)
    assert row[schema.CI_LOW] == pytest.approx(100 * (delta - 1.959963984540054 * se))
    assert row[schema.CI_HIGH] == pytest.approx(100 * (delta + 1.959963984540054 * se))
    assert row[schema.N_ITEMS] == 40 and row[schema.CONDITION] == "n-shot=5"
    assert row[schema.INTERVAL_METHOD] == STDERR_METHOD
    assert got.unpaired.attrs["unpaired"] is True


def test_samples_file_with_a_date_of_no_results_file(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    path = samples_file(results_files(tmp_path)[1], "synth_mc_0")
    moved = path.with_name(path.name.replace("T10-00", "T10-30"))
    path.rename(moved)
    read = read_harness([("out.zip", zip_folder(tmp_path))])
    [problem] = read.problems
    assert problem.file.endswith(moved.name) and "no results_2026-01-05T10-30" in problem.message
    assert "Upload both" in problem.message


def test_two_runs_with_identical_settings_are_told_apart_by_date(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    for path in results_files(tmp_path):
        doc = json.loads(path.read_text())
        doc["n-shot"] = {t: 0 for t in doc["n-shot"]}
        doc["configs"]["synth_mc_0"]["num_fewshot"] = 0
        path.write_text(json.dumps(doc))
    read = read_harness(dropped(tmp_path))
    assert [c.label for c in read.conditions] == ["run of 2026-01-05T09-00-00",
                                                 "run of 2026-01-05T10-00-00"]
    assert any("have the same settings" in note for note in read.notes)


V049_RESULTS = {
    # as lm_eval v0.4.9.2 writes it (evaluator.py results_dict, evaluator_utils.consolidate_
    # results, EvaluationTracker.save_results_aggregated): a group and its subtask
    "results": {
        "mmlu_tiny": {"acc,none": 0.5, "acc_stderr,none": 0.1, "alias": "mmlu_tiny"},
        "mmlu_tiny_a": {"alias": " - mmlu_tiny_a", "acc,none": 0.5, "samples": 4,
                        "acc_stderr,none": 0.2886751345948129},
    },
    "groups": {"mmlu_tiny": {"acc,none": 0.5, "acc_stderr,none": 0.1, "alias": "mmlu_tiny"}},
    "group_subtasks": {"mmlu_tiny": ["mmlu_tiny_a"], "mmlu_tiny_a": []},
    "configs": {"mmlu_tiny_a": {"task": "mmlu_tiny_a", "num_fewshot": 0,
                                "output_type": "multiple_choice"}},
    "versions": {"mmlu_tiny": 1, "mmlu_tiny_a": 1.0},
    "n-shot": {"mmlu_tiny_a": 0},
    "higher_is_better": {"mmlu_tiny": {"acc": True}, "mmlu_tiny_a": {"acc": True}},
    "n-samples": {"mmlu_tiny_a": {"original": 4, "effective": 4}},
    "config": {"model": "hf", "model_args": "pretrained=gpt2", "batch_size": 1,
               "batch_sizes": [], "device": None, "use_cache": None, "limit": None,
               "bootstrap_iters": 100000, "gen_kwargs": None, "random_seed": 0,
               "numpy_seed": 1234, "torch_seed": 1234, "fewshot_seed": 1234},
    "git_hash": None, "date": 1735689600.0, "task_hashes": {}, "model_source": "hf",
    "model_name": "gpt2", "model_name_sanitized": "gpt2", "system_instruction": None,
    "system_instruction_sha": None, "fewshot_as_multiturn": False, "chat_template": None,
    "chat_template_sha": None, "start_time": 1.0, "end_time": 2.0,
    "total_evaluation_time_seconds": "1.0",
}


def test_hand_written_v049_results_and_gzipped_samples():
    date = "2025-01-01T00-00-00.000000"
    lines = [{"doc_id": i, "doc": {"q": i}, "target": "0", "arguments": {},
              "resps": [], "filtered_resps": [], "filter": "none", "metrics": ["acc"],
              "doc_hash": f"h{i}", "prompt_hash": "p", "target_hash": "t", "acc": float(i % 2)}
             for i in range(4)]
    samples = gzip.compress("".join(json.dumps(s) + "\n" for s in lines).encode())
    read = read_harness([(f"results_{date}.json", json.dumps(V049_RESULTS).encode()),
                         (f"samples_mmlu_tiny_a_{date}.jsonl.gz", samples)])
    assert not read.problems
    [unit] = read.units  # the group has no samples of its own: left out
    assert (unit.model, unit.task, unit.keys) == ("gpt2", "mmlu_tiny_a", [("acc", "none")])
    got = harness_items(read)
    assert got.items["outcome"].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert got.items["item"].tolist() == ["0", "1", "2", "3"]


def test_not_a_results_file_is_a_clear_problem():
    read = read_harness([("results_2025-01-01T00-00-00.json", b'{"hello": 1}'),
                         ("notes.json", b'{"x": [1, 2]}')])
    by_file = {p.file: p for p in read.problems}
    assert {p.kind for p in read.problems} == {Kind.UNSUPPORTED}
    assert "not an lm-evaluation-harness results file" in \
        by_file["results_2025-01-01T00-00-00.json"].message
    assert "neither lm-evaluation-harness output" in by_file["notes.json"].message


def test_chosen_treatments_and_level(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=3, docs=20, samples=False)
    read = read_harness(dropped(tmp_path))
    wide = harness_items(read, Choice(level=0.99)).unpaired
    narrow = harness_items(read, Choice(treatments=("n-shot=10",))).unpaired
    assert wide[schema.CONDITION].tolist() == ["n-shot=5", "n-shot=10"]
    assert narrow[schema.CONDITION].tolist() == ["n-shot=10"]
    width = (wide[schema.CI_HIGH] - wide[schema.CI_LOW]).iloc[1]
    assert width == pytest.approx((narrow[schema.CI_HIGH] - narrow[schema.CI_LOW]).iloc[0]
                                  * 2.5758293035489 / 1.959963984540054)


def test_output_path_given_as_a_json_file(tmp_path):
    # `--output_path out/run.json` writes out/run_<date>.json beside the samples files
    write_lm_eval(tmp_path, models=1, tasks=1, runs=1, docs=6)
    [results] = results_files(tmp_path)
    results.rename(results.with_name(results.name.replace("results_", "run_")))
    read = read_harness(dropped(tmp_path))
    assert not read.problems and len(harness_items(read).items) == 6


def test_an_unforeseen_error_costs_only_its_file(tmp_path, monkeypatch):
    from lib.ingest.harness import lmeval

    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=6)
    real = lmeval.read_results
    first = results_files(tmp_path)[0].name

    def flaky(member):
        if member.name == first:
            raise KeyError("surprise")
        return real(member)

    monkeypatch.setattr(lmeval, "read_results", flaky)
    read = read_harness(dropped(tmp_path))
    assert [(p.kind, p.file) for p in read.problems if p.kind is Kind.UNEXPECTED] == \
        [(Kind.UNEXPECTED, first)]
    assert len(read.units) == 1


def test_files_of_no_use_in_an_archive_are_noted(tmp_path):
    write_lm_eval(tmp_path / "out", models=1, tasks=1, runs=1, docs=6)
    (tmp_path / "out" / "run.log").write_text("log of the run")
    read = read_harness([("out.zip", zip_folder(tmp_path / "out"))])
    assert not read.problems
    assert any("neither JSON" in note and "out.zip" in note for note in read.notes)


def test_a_file_uploaded_twice_is_read_once(tmp_path):
    write_lm_eval(tmp_path / "out", models=1, tasks=1, runs=2, docs=6)
    read = read_harness(dropped(tmp_path) + [("out.zip", zip_folder(tmp_path / "out"))])
    assert len(read.units) == 2 and not read.problems
    assert any("uploaded twice" in note for note in read.notes)


def test_sample_lines_are_capped(tmp_path, monkeypatch):
    from lib.ingest.harness import lmeval

    monkeypatch.setattr(lmeval, "MAX_LINES", 15)
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    read = read_harness(dropped(tmp_path))
    [problem] = read.problems
    assert problem.kind is Kind.TOO_MANY_ROWS and problem.row == 6  # 10 lines, then the 16th


def test_a_line_that_is_not_utf8_is_named(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=1, docs=4)
    [path] = tmp_path.rglob("samples_*.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"Synthetic", b"Synth\xe9tic")
    path.write_bytes(b"".join(lines))
    [problem] = read_harness(dropped(tmp_path)).problems
    assert problem.kind is Kind.ENCODING and problem.row == 3


def test_baseline_run_without_samples_gives_unpaired_delta_only(tmp_path):
    write_lm_eval(tmp_path, models=1, tasks=1, runs=2, docs=10)
    samples_file(results_files(tmp_path)[0], "synth_mc_0").unlink()
    got = harness_items(read_harness(dropped(tmp_path)))
    assert got.items.empty  # the treatment's items alone pair with nothing
    assert got.unpaired[schema.CONDITION].tolist() == ["n-shot=5"]


def test_a_model_without_a_baseline_run_is_noted(tmp_path):
    write_lm_eval(tmp_path, models=2, tasks=1, runs=2, docs=10)
    first_of_second_model = results_files(tmp_path / "Qwen__Qwen2.5-0.5B")[0]
    first_of_second_model.unlink()
    samples_file(first_of_second_model, "synth_mc_0").unlink()
    got = harness_items(read_harness(dropped(tmp_path)))
    assert set(got.items[schema.MODEL]) == {"EleutherAI/pythia-160m"}
    assert any(note.startswith("Qwen/Qwen2.5-0.5B on synth_mc_0 has no run of the baseline")
               for note in got.notes)
