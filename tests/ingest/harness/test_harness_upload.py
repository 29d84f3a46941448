"""Harness runs to the pages' table (`lib.ingest.harness.upload`): the paired Δ against the
generated truth, unpaired rows beside them under one correction, and what an empty choice says."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core import schema
from lib.ingest.harness.pairing import Choice
from lib.ingest.harness.pipeline import read_harness
from lib.ingest.harness.upload import (RUN_SEPARATOR, RUNS, SCORE, WITHOUT_SAMPLES,
                                       harness_upload, runs_table, source_name)
from lib.ingest.items.arms import BASELINE_ARM
from lib.ingest.items.cells import INTERVAL_METHOD, Settings
from lib.ingest.items.unpaired import UNPAIRED_LABEL
from lib.ingest.problems import Kind
from lib.stats import multiple
from scripts.make_harness_logs import write_inspect, write_lm_eval, zip_folder


def dropped(folder: Path, keep=lambda name: True) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.rglob("*"))
            if p.is_file() and keep(p.name)]


def true_delta(truth, model: str, task: str, run: int, filt: str | None = None) -> float:
    """Δ in points of run `run` against run 0, from the generated outcomes."""
    rows = truth[(truth["model"] == model) & (truth["task"] == task)]
    if filt is not None:
        rows = rows[rows["filter"] == filt]
    means = rows.groupby("run")["outcome"].mean()
    return 100.0 * (means[run] - means[0])


def cell(table, model: str, task: str, condition: str):
    rows = table[(table[schema.MODEL] == model) & (table[schema.DATASET] == task)
                 & (table[schema.CONDITION] == condition)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.fixture(scope="module")
def lm_eval(tmp_path_factory):
    root = tmp_path_factory.mktemp("lm") / "out"
    truth = write_lm_eval(root, models=2, tasks=2, runs=3, docs=30, seed=7)
    return root, truth


def test_the_paired_delta_of_every_cell_is_the_truths(lm_eval):
    root, truth = lm_eval
    result = harness_upload(read_harness([("out.zip", zip_folder(root))]), Choice(), Settings(),
                            "out.zip")
    table = result.upload.table
    assert result.upload.usable and result.unpaired == 0 and not result.upload.problems
    assert set(table[schema.CONDITION]) == {"n-shot=5", "n-shot=10"}
    assert len(table) == 2 * 2 * 2
    assert table.attrs[BASELINE_ARM] == "n-shot=0" == result.upload.baseline
    for model in truth["model"].unique():
        for task, filt in (("synth_mc_0", "none"), ("synth_gen_1", "strict-match")):
            for run in (1, 2):
                got = cell(table, model, task, f"n-shot={5 * run}")
                assert got[schema.DELTA] == pytest.approx(true_delta(truth, model, task, run,
                                                                     filt))
                assert got[schema.CI_LOW] <= got[schema.DELTA] <= got[schema.CI_HIGH]
                assert got[schema.N_ITEMS] == 30


def test_another_baseline_and_fewer_treatments_change_the_table(lm_eval):
    root, truth = lm_eval
    read = read_harness(dropped(root))
    result = harness_upload(read, Choice(baseline="n-shot=10", treatments=("n-shot=0",)),
                            Settings(), "2 files")
    table = result.upload.table
    assert set(table[schema.CONDITION]) == {"n-shot=0"}
    model = truth["model"].iloc[0]
    assert cell(table, model, "synth_mc_0", "n-shot=0")[schema.DELTA] == pytest.approx(
        -true_delta(truth, model, "synth_mc_0", 2, "none"))


def test_runs_without_samples_are_unpaired_and_corrected_with_the_paired_ones(lm_eval):
    root, truth = lm_eval
    last = sorted(p.name for p in root.rglob("results_*.json"))[-1]
    date = last.removeprefix("results_").removesuffix(".json")
    read = read_harness(dropped(root, lambda n: not (n.startswith("samples_synth_mc_0")
                                                      and date in n)))
    result = harness_upload(read, Choice(), Settings(correction="holm"), "logs")
    table = result.upload.table
    unpaired = table[table[INTERVAL_METHOD].str.startswith(UNPAIRED_LABEL)]
    assert result.unpaired == len(unpaired) == 1
    (model,) = unpaired[schema.MODEL]
    assert unpaired.iloc[0][schema.DATASET] == "synth_mc_0"
    assert unpaired.iloc[0][schema.DELTA] == pytest.approx(
        true_delta(truth, model, "synth_mc_0", 2, "none"))
    assert table[schema.P_ADJUSTED].to_numpy() == pytest.approx(
        multiple.adjust(table[schema.P_VALUE].to_numpy(), "holm"))
    assert table.attrs["unpaired"] and table.attrs[BASELINE_ARM] == "n-shot=0"
    runs = result.runs.set_index([schema.MODEL, schema.DATASET])
    assert runs.loc[(model, "synth_mc_0"), WITHOUT_SAMPLES] != ""
    assert runs[WITHOUT_SAMPLES].eq("").sum() == len(runs) - 1


def test_results_without_any_samples_still_give_a_table(tmp_path):
    write_lm_eval(tmp_path / "out", models=1, tasks=1, runs=2, docs=30, samples=False)
    result = harness_upload(read_harness(dropped(tmp_path)), Choice(), Settings(), "r")
    assert result.upload.usable and result.unpaired == len(result.upload.table) == 1


def test_no_treatment_chosen_says_so_and_gives_no_table(lm_eval):
    root, _ = lm_eval
    result = harness_upload(read_harness(dropped(root)), Choice(treatments=()), Settings(), "x")
    assert not result.upload.usable
    (problem,) = result.upload.problems
    assert problem.blocking and "No treatment run is chosen" in problem.message


def test_one_run_only_says_a_delta_needs_two(tmp_path):
    write_lm_eval(tmp_path / "out", models=1, tasks=1, runs=1, docs=20)
    result = harness_upload(read_harness(dropped(tmp_path)), Choice(), Settings(), "one.zip")
    assert not result.upload.usable
    (problem,) = result.upload.problems
    assert problem.kind is Kind.NO_ROWS_LEFT and "Only one run" in problem.message
    assert problem.file == "one.zip"


def test_an_unreadable_file_is_the_problem_named(tmp_path):
    result = harness_upload(read_harness([("broken.zip", b"PK\x03\x04 not a zip")]), Choice(),
                            Settings(), "broken.zip")
    assert not result.upload.usable and result.runs.empty
    assert [p.file for p in result.upload.problems][0].startswith("broken.zip")


def test_inspect_logs_give_the_mean_over_epochs_difference(tmp_path):
    truth = write_inspect(tmp_path / "logs", models=1, tasks=2, runs=2, samples=25, epochs=2,
                          seed=3, log_format="eval")
    read = read_harness(dropped(tmp_path))
    result = harness_upload(read, Choice(), Settings(level=0.9), "logs")
    table = result.upload.table
    assert len(table) == 2 and table.attrs["level"] == 0.9
    for task in ("synth_task_0", "synth_task_1"):
        (label,) = set(table[schema.CONDITION])
        expected = true_delta(truth, truth["model"].iloc[0], task, 1)
        assert cell(table, truth["model"].iloc[0], task, label)[schema.DELTA] == pytest.approx(
            expected)
    assert set(result.runs[SCORE]) == {"match"}


def test_the_runs_table_lists_each_model_and_task_once(lm_eval):
    root, truth = lm_eval
    read = read_harness(dropped(root))
    runs = runs_table(read, {})
    assert len(runs) == truth.groupby(["model", "task"]).ngroups
    assert set(runs[RUNS]) == {RUN_SEPARATOR.join(["n-shot=0", "n-shot=5", "n-shot=10"])}
    assert set(runs[SCORE]) == {""}


def test_the_source_is_the_one_file_or_a_count():
    assert source_name(["out.zip"]) == "out.zip"
    assert source_name(["a.json", "b.jsonl"]) == "2 harness files"
    assert len(source_name(["x" * 500])) < 100  # a long name is clipped
