"""AppTest of evaluation harness logs on the "Your data" page: lm-evaluation-harness files dropped
at once or zipped, Inspect AI logs (.eval and .json), new choices without a new read, the runs
as conditions on every page with the generated truth's Δ, a bad archive, names shown literally,
and the read forgotten with the uploader emptied or another page."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.core.text import escape_markdown
from lib.core.wording import signed
from lib.ingest.harness.upload import RUNS, WITHOUT_SAMPLES
from lib.ingest.items.unpaired import UNPAIRED_LABEL
from lib.ui.harness_view import UPLOADER_KEY
from lib.ui.state import ACTIVE_KEY, CONDITION_KEY, CONDITIONS_KEY
from lib.ui.uploads import SESSION_HARNESS_KEY
from scripts.make_harness_logs import write_inspect, write_lm_eval, zip_folder

PAGE = "pages/your_data.py"
LABELS = ["n-shot=0", "n-shot=5", "n-shot=10"]


def files_of(folder: Path, keep=lambda name: True) -> list[tuple[str, bytes, str]]:
    """Every file under `folder`, as the browser sends them dropped at once (names only)."""
    return [(p.name, p.read_bytes(), "application/octet-stream")
            for p in sorted(folder.rglob("*")) if p.is_file() and keep(p.name)]


def zipped(folder: Path, name: str = "out.zip") -> list[tuple[str, bytes, str]]:
    return [(name, zip_folder(folder), "application/zip")]


def true_delta(truth: pd.DataFrame, model: str, task: str, run: int,
               filt: str | None = None) -> float:
    """Δ in points of run `run` against run 0, worked out from the generated outcomes."""
    rows = truth[(truth["model"] == model) & (truth["task"] == task)]
    if filt is not None:
        rows = rows[rows["filter"] == filt]
    means = rows.groupby("run")["outcome"].mean()
    return 100.0 * (means[run] - means[0])


@pytest.fixture(scope="module")
def lm_eval(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("harness") / "out"
    return root, write_lm_eval(root, models=2, tasks=2, runs=3, docs=40, seed=11)


def dropped(app_test, files) -> object:
    at = app_test(page=PAGE)
    at.file_uploader(key=UPLOADER_KEY).set_value(files).run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def picker(at, label: str):
    (found,) = [s for s in at.selectbox if s.label == label]
    return found


def frame_with(at, column: str) -> pd.DataFrame:
    (found,) = [d.value for d in at.dataframe if column in d.value.columns]
    return found


def preview(at) -> pd.DataFrame:
    return frame_with(at, schema.INTERVAL_METHOD)


def chart_rows(at) -> pd.DataFrame:
    chart = at.get("vega_lite_chart")[0]
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()


def texts(at) -> list[str]:
    return [str(e.value) for kind in (at.markdown, at.caption, at.error, at.warning,
                                      at.success, at.info) for e in kind]


def test_lm_eval_files_dropped_at_once_give_the_runs_and_the_report(app_test, lm_eval):
    root, truth = lm_eval
    at = dropped(app_test, files_of(root))
    assert picker(at, "Baseline run").options == LABELS
    assert picker(at, "Baseline run").value == "n-shot=0"
    (treatments,) = at.multiselect
    assert treatments.value == ["n-shot=5", "n-shot=10"]
    assert picker(at, "Metric (lm-evaluation-harness)").value is None
    shown = metrics(at)
    assert shown["Values (model × dataset × run)"] == "8" and shown["Problems"] == "0"
    assert shown["Item outcomes read"] == f"{2 * 2 * 3 * 40:,}"
    runs = frame_with(at, RUNS)
    assert len(runs) == 4 and set(runs[RUNS]) == {" · ".join(LABELS)}
    assert not [s for s in at.selectbox if s.label == "Scorer (Inspect AI)"]
    table = preview(at)
    model = truth["model"].iloc[0]
    got = table[(table[schema.MODEL] == model) & (table[schema.DATASET] == "synth_gen_1")
                & (table[schema.CONDITION] == "n-shot=10")][schema.DELTA]
    assert list(got) == pytest.approx([true_delta(truth, model, "synth_gen_1", 2,
                                                  "strict-match")])


def test_a_zip_of_the_output_folder_gives_the_same_table(app_test, lm_eval):
    root, _ = lm_eval
    by_files = preview(dropped(app_test, files_of(root)))
    by_zip = preview(dropped(app_test, zipped(root)))
    key = [schema.MODEL, schema.DATASET, schema.CONDITION]
    pd.testing.assert_frame_equal(by_files.sort_values(key).reset_index(drop=True),
                                  by_zip.sort_values(key).reset_index(drop=True))


@pytest.mark.parametrize("log_format", ["eval", "json"])
def test_inspect_logs_give_the_runs_delta(app_test, tmp_path, log_format):
    truth = write_inspect(tmp_path / "logs", models=2, tasks=1, runs=2, samples=30, epochs=2,
                          seed=5, log_format=log_format)
    at = dropped(app_test, files_of(tmp_path))
    assert picker(at, "Scorer (Inspect AI)").options == ["Each log's first scorer", "match"]
    assert not [s for s in at.selectbox if s.label.startswith("Metric")]
    baseline = picker(at, "Baseline run").value
    table = preview(at)
    assert len(table) == 2 and baseline not in set(table[schema.CONDITION])
    for model in truth["model"].unique():
        got = table[table[schema.MODEL] == model][schema.DELTA]
        assert list(got) == pytest.approx([true_delta(truth, model, "synth_task_0", 1)])


def test_a_new_metric_or_baseline_is_computed_without_reading_again(app_test, lm_eval,
                                                                    monkeypatch):
    import lib.ui.uploads as uploads

    reads, pairings = [], []
    real_read, real_upload = uploads.read_harness, uploads.harness_upload
    monkeypatch.setattr(uploads, "read_harness",
                        lambda files: reads.append(len(files)) or real_read(files))
    monkeypatch.setattr(uploads, "harness_upload",
                        lambda read, choice, *rest: pairings.append(choice)
                        or real_upload(read, choice, *rest))
    root, truth = lm_eval
    at = dropped(app_test, files_of(root))
    picker(at, "Filter (lm-evaluation-harness)").set_value("flexible-extract").run()
    assert "exact_match (filter flexible-extract)" in set(frame_with(at, RUNS)["score"])
    picker(at, "Metric (lm-evaluation-harness)").set_value("acc_norm").run()
    picker(at, "Baseline run").set_value("n-shot=5").run()
    assert not at.exception, at.exception
    assert reads == [len(files_of(root))]
    assert [c.baseline for c in pairings][-1] == "n-shot=5" and len(pairings) == 4
    table = preview(at)
    assert set(table[schema.CONDITION]) == {"n-shot=0", "n-shot=10"}
    model = truth["model"].iloc[1]
    got = table[(table[schema.MODEL] == model) & (table[schema.DATASET] == "synth_mc_0")
                & (table[schema.CONDITION] == "n-shot=0")][schema.DELTA]
    assert list(got) == pytest.approx([-true_delta(truth, model, "synth_mc_0", 1, "none")])
    picker(at, "Baseline run").set_value("n-shot=0").run()  # (acc_norm, flexible-extract, n-shot=0) was computed: kept
    assert len(pairings) == 4 and reads == [len(files_of(root))]


def test_explore_shows_the_runs_as_conditions_on_every_page(app_test, lm_eval):
    root, truth = lm_eval
    at = dropped(app_test, zipped(root))
    at.button(key="harness_explore").click().run()
    assert not at.exception, at.exception
    current = at.session_state[ACTIVE_KEY]
    assert "out.zip" in current.label and current.y_title == schema.Y_POINTS
    model = truth["model"].iloc[0]
    expected = {task: true_delta(truth, model, task, 2, filt)
                for task, filt in (("synth_mc_0", "none"), ("synth_gen_1", "strict-match"))}
    at.switch_page("pages/overview.py").run()
    conditions = at.multiselect(key=CONDITIONS_KEY)
    assert conditions.options == ["n-shot=5", "n-shot=10"]
    conditions.set_value(["n-shot=10"]).run()
    rows = chart_rows(at)
    mine = rows[rows[schema.MODEL] == model].set_index(schema.DATASET)[schema.DELTA]
    assert mine.to_dict() == pytest.approx(expected)
    at.query_params["profile"] = model
    at.switch_page("pages/profiles.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key=CONDITION_KEY).value == "n-shot=10"
    best = max(expected, key=expected.get)
    assert any(f"Its largest gain is on {escape_markdown(best)} "
               f"({signed(expected[best])}" in t or
               f"Its largest gain is on {best} ({signed(expected[best])}" in t
               for t in texts(at)), texts(at)
    at.switch_page("pages/findings.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key=CONDITION_KEY).value == "n-shot=10"
    gains = {(m, t): true_delta(truth, m, t, 2, f) for m in truth["model"].unique()
             for t, f in (("synth_mc_0", "none"), ("synth_gen_1", "strict-match"))}
    largest = signed(max(gains.values()))
    assert any(t.startswith(f"The largest gain is {largest}") or
               t.startswith(f"The largest gain, {largest}") for t in texts(at)), texts(at)


def test_compare_sets_the_runs_beside_the_figure(app_test, lm_eval):
    root, _ = lm_eval
    at = dropped(app_test, zipped(root))
    at.button(key="harness_compare").click().run()
    current = at.session_state[ACTIVE_KEY]
    mine = current.table[current.table[schema.SOURCE] == "Yours"]
    assert set(mine[schema.CONDITION]) == {"n-shot=5", "n-shot=10"} and len(mine) == 8


def test_runs_without_samples_are_shown_and_marked_unpaired(app_test, lm_eval):
    root, truth = lm_eval
    last = sorted(p.name for p in root.rglob("results_*.json"))[-1]
    date = last.removeprefix("results_").removesuffix(".json")
    at = dropped(app_test, files_of(root, lambda n: not (n.startswith("samples_synth_mc_0")
                                                          and date in n)))
    runs = frame_with(at, RUNS)
    assert (runs[WITHOUT_SAMPLES] == "n-shot=10").sum() == 1
    table = preview(at)
    unpaired = table[table[schema.INTERVAL_METHOD].str.startswith(UNPAIRED_LABEL)]
    assert len(unpaired) == 1 and unpaired.iloc[0][schema.CONDITION] == "n-shot=10"
    assert any("1 of the 8 Δ are unpaired" in t for t in texts(at)), texts(at)
    at.button(key="harness_explore").click().run()
    assert "1 unpaired Δ" in at.session_state[ACTIVE_KEY].label


def test_a_bad_archive_names_the_file_and_keeps_the_table_in_use(app_test, lm_eval):
    root, _ = lm_eval
    at = dropped(app_test, zipped(root))
    at.button(key="harness_explore").click().run()
    before = at.session_state[ACTIVE_KEY]
    at.file_uploader(key=UPLOADER_KEY).set_value(
        [("broken.zip", b"PK\x03\x04" + b"\x00" * 64, "application/zip")]).run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value.startswith("These logs cannot be used: broken") and \
        "broken.zip" in error.value.replace("\\", "")
    assert at.button(key="harness_explore").disabled
    assert at.session_state[ACTIVE_KEY] is before
    assert any("Every page now shows" in s.value for s in at.success)


def test_a_bad_file_beside_good_ones_is_named_and_the_others_used(app_test, lm_eval):
    root, _ = lm_eval
    at = dropped(app_test, [*files_of(root), ("notes.json", b'{"hello": 1}', "text/json")])
    problems = frame_with(at, "Effect")
    assert list(problems["File"]) == ["notes.json"] and "neither" in problems["Problem"][0]
    assert metrics(at)["Values (model × dataset × run)"] == "8"
    assert not at.button(key="harness_explore").disabled


NAME = "<b>Evil</b>_*x*_[a](http://e.x)"
SETTING = "<i>0</i>"


def test_names_with_markup_are_shown_literally(app_test, tmp_path):
    root = tmp_path / "out"
    write_lm_eval(root, models=1, tasks=1, runs=2, docs=20)
    for k, results in enumerate(sorted(root.rglob("results_*.json"))):
        doc = json.loads(results.read_text())
        doc["config"]["model_args"] = f"pretrained={NAME},dtype=bfloat16"
        doc["config"]["gen_kwargs"] = f"temperature={SETTING if k else 1}"
        results.write_text(json.dumps(doc))
    at = dropped(app_test, zipped(root, "*my*<u>.zip"))
    runs = frame_with(at, RUNS)
    assert list(runs[schema.MODEL]) == [NAME]
    labels = picker(at, "Baseline run").options
    assert any(SETTING in label for label in labels)
    for text in texts(at):
        assert "<b>" not in text and "<i>" not in text and "<u>" not in text, text
    at.button(key="harness_explore").click().run()
    assert not at.exception, at.exception
    shown = [s.value for s in at.success if "Every page now shows" in s.value]
    assert shown and escape_markdown("*my*<u>.zip") in shown[0]


def test_the_read_is_forgotten_when_the_uploader_empties_or_another_page_runs(app_test,
                                                                               lm_eval):
    root, _ = lm_eval
    at = dropped(app_test, zipped(root))
    assert at.session_state[SESSION_HARNESS_KEY]["read"].units
    at.file_uploader(key=UPLOADER_KEY).set_value(None).run()
    assert SESSION_HARNESS_KEY not in at.session_state
    at.file_uploader(key=UPLOADER_KEY).set_value(zipped(root)).run()
    assert SESSION_HARNESS_KEY in at.session_state
    at.switch_page("pages/overview.py").run()
    assert SESSION_HARNESS_KEY not in at.session_state


def test_a_per_item_file_and_harness_logs_on_the_page_together(app_test, lm_eval):
    root, _ = lm_eval
    at = dropped(app_test, zipped(root))
    per_item = b"model,dataset,item,baseline,treatment\n" + b"".join(
        f"A,X,{i},{i % 2},{int(i % 3 > 0)}\n".encode() for i in range(30))
    at.file_uploader(key="your_data_file").upload("items.csv", per_item, "text/csv").run()
    assert not at.exception, at.exception
    assert not at.button(key="items_explore").disabled
    assert not at.button(key="harness_explore").disabled
    at.button(key="harness_explore").click().run()
    assert set(at.session_state[ACTIVE_KEY].table[schema.CONDITION]) == {"n-shot=5",
                                                                          "n-shot=10"}


def test_a_harness_file_in_the_results_uploader_points_to_the_harness_uploader(app_test, lm_eval):
    root, _ = lm_eval
    name, data, _ = next(f for f in files_of(root) if f[0].startswith("results_"))
    at = app_test(page=PAGE)
    at.file_uploader(key="your_data_file").upload(name, data, "application/json").run()
    assert not at.exception, at.exception
    assert any("named like lm-evaluation-harness output" in i.value for i in at.info)
    at.file_uploader(key="your_data_file").upload("mine.json", data, "application/json").run()
    assert not any("named like lm-evaluation-harness output" in i.value for i in at.info)


def test_the_uploader_hands_over_its_own_files_not_copies(app_test, lm_eval, monkeypatch):
    import lib.ui.uploads as uploads

    seen = []
    real_read = uploads.read_harness
    monkeypatch.setattr(uploads, "read_harness",
                        lambda files: seen.append([id(data) for _, data in files])
                        or real_read(files))
    root, _ = lm_eval
    at = dropped(app_test, files_of(root)[:3])
    kept = at.session_state[UPLOADER_KEY]
    assert [id(f.getvalue()) for f in kept] == seen[0]
