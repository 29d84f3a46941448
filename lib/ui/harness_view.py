"""The evaluation harness part of the "Your data" page: the uploader for lm-evaluation-harness
output and Inspect AI logs (several files at once, or an archive of an output folder), the runs
found, the user's choice of score and runs, then the per-item report and buttons
(`lib.ui.items_view`, under the key "harness").

Names from the logs (models, tasks, run labels, files) reach the page only as dataframe cells,
or picker options (text), never as Markdown, HTML or links.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import streamlit as st

from lib.core import schema
from lib.ingest.harness import lmeval
from lib.ingest.harness.pairing import Choice
from lib.ingest.harness.pipeline import HarnessRead
from lib.ingest.harness.upload import RUNS, SCORE, TOOL, WITHOUT_SAMPLES, HarnessUpload
from lib.ingest.items.peritem import Settings
from lib.ingest.problems import MAX_NAME, clip
from lib.stats.multiple import CORRECTIONS
from lib.ui.upload_view import UPLOAD_LIMIT_MB
from lib.ui.uploads import UploadedFile

KEY = "harness"
"""Prefix of this section's widget keys (the per-item widgets use it too)."""
UPLOADER_KEY = "harness_files"
ACCEPTED_TYPES = ["json", "jsonl", "gz", "eval", "zip", "tgz", "tar"]
DEFAULT = None
"""The picker option that keeps each task's own default score."""


def harness_uploader() -> list[UploadedFile]:
    """The uploader of harness output, and the files in it as the widget keeps them: what
    `st.file_uploader` returns is a deep copy of every file's bytes, while the widget's own
    value shares them with the server's record of the upload (as
    `lib.ui.upload_view.results_uploader` explains)."""
    st.subheader("Evaluation harness logs")
    st.caption("Output of lm-evaluation-harness (`lm-eval … --output_path out --log_samples`): "
               "its `results_<date>.json` and `samples_<task>_<date>.jsonl` files, or one "
               "`.zip` or `.tar.gz` of the output folder; or Inspect AI logs (`.eval`, or "
               "`.json` from `--log-format json`). Drop several files at once: each run of a "
               "model on a task becomes a condition, paired item by item with the baseline run.")
    returned = st.file_uploader("Harness output or logs", type=ACCEPTED_TYPES,
                                accept_multiple_files=True, key=UPLOADER_KEY,
                                max_upload_size=UPLOAD_LIMIT_MB,
                                help="lm-evaluation-harness results and samples files, Inspect "
                                     "AI logs, or one archive of an output folder.")
    if not returned:
        return []
    kept = st.session_state.get(UPLOADER_KEY)
    ids = [f.file_id for f in returned]
    if isinstance(kept, list) and [getattr(f, "file_id", None) for f in kept] == ids:
        return list(kept)
    return list(returned)


def harness_hint(file: UploadedFile | None) -> None:
    """Point to the harness uploader when the results file is named as lm-evaluation-harness
    names its output (the results file reader does not pair runs)."""
    if file is not None and (lmeval.is_results(file.name) or lmeval.is_samples(file.name)):
        st.info("This file is named like lm-evaluation-harness output. To pair its runs item by "
                "item, drop it with the other files of the output folder (or a .zip of the "
                "folder) in “Evaluation harness logs” below.")


def _digest(files: Sequence[UploadedFile]) -> str:
    """A short key for the set of files: new files start their pickers on the defaults."""
    ids = "\n".join(f.file_id for f in files).encode()
    return hashlib.blake2b(ids, digest_size=6).hexdigest()


def _default_text(what: str):
    return lambda option: what if option is DEFAULT else clip(option, MAX_NAME)


def harness_choice(read: HarnessRead, files: Sequence[UploadedFile]) -> Choice:
    """The score (metric and filter, or scorer), the baseline run and the treatment runs,
    starting on `read`'s defaults."""
    if not read.conditions:
        return Choice()
    tag = _digest(files)
    st.markdown("**What to compare**")
    pickers = iter(st.columns(2 * bool(read.metrics) + bool(read.scorers) + 1))
    metric = filt = scorer = DEFAULT
    if read.metrics:
        metric = next(pickers).selectbox(
            "Metric (lm-evaluation-harness)", [DEFAULT, *read.metrics],
            format_func=_default_text("Each task's first metric"), key=f"{KEY}_metric_{tag}",
            help="A task without this metric keeps its own first metric.")
        filt = next(pickers).selectbox(
            "Filter (lm-evaluation-harness)", [DEFAULT, *read.filters],
            format_func=_default_text("Each results file's first filter"),
            key=f"{KEY}_filter_{tag}", help="A task without this filter keeps its first one.")
    if read.scorers:
        scorer = next(pickers).selectbox(
            "Scorer (Inspect AI)", [DEFAULT, *read.scorers],
            format_func=_default_text("Each log's first scorer"), key=f"{KEY}_scorer_{tag}",
            help="A log without this scorer keeps its own first scorer.")
    labels = [c.label for c in read.conditions]
    baseline = next(pickers).selectbox(
        "Baseline run", labels, index=labels.index(read.baseline) if read.baseline in labels
        else 0, format_func=lambda label: clip(label, MAX_NAME), key=f"{KEY}_baseline_{tag}",
        help="By default the run whose label, folder, file or tags say base or baseline, else "
             "the earliest. Labels say what differs between the runs.")
    others = [label for label in labels if label != baseline]
    base_tag = hashlib.blake2b(baseline.encode(), digest_size=4).hexdigest()
    treatments = st.multiselect(
        "Treatment runs", others, default=others, format_func=lambda label: clip(label, MAX_NAME),
        key=f"{KEY}_treatments_{tag}_{base_tag}",
        help="Each is compared with the baseline run per model and task, on the items both "
             "hold; the pages show one at a time.")
    return Choice(metric=metric, filter=filt, scorer=scorer, baseline=baseline,
                  treatments=None if len(treatments) == len(others) else tuple(treatments))


def harness_found(place, read: HarnessRead, result: HarnessUpload) -> None:
    """In `place`: what the files hold, one row per model × task with its runs."""
    with place:
        runs = result.runs
        if runs.empty:
            return
        models, tasks = runs[schema.MODEL].nunique(), runs[schema.DATASET].nunique()
        st.markdown(f"**Runs found:** {len(read.units):,} task run(s) of {models:,} model(s) "
                    f"on {tasks:,} task(s), in {len(read.conditions):,} run setting(s).")
        st.dataframe(runs, hide_index=True, key=f"{KEY}_runs", column_config={
            TOOL: st.column_config.TextColumn("Harness"),
            schema.MODEL: st.column_config.TextColumn("Model"),
            schema.DATASET: st.column_config.TextColumn("Task (dataset)"),
            RUNS: st.column_config.TextColumn("Runs, earliest first"),
            WITHOUT_SAMPLES: st.column_config.TextColumn(
                "Without samples (unpaired)",
                help="Runs with reported scores but no per-item samples: their Δ is unpaired."),
            SCORE: st.column_config.TextColumn("Score used")})


def harness_method(result: HarnessUpload, settings: Settings) -> str:
    """How the table's intervals were made, for its label."""
    upload = result.upload
    kind = "per-item pairing"
    if result.unpaired:
        kind += f" ({result.unpaired:,} unpaired Δ from reported standard errors)"
    if upload.baseline is not None:
        kind += f", each run against the baseline run “{clip(upload.baseline, MAX_NAME)}”"
    return (f"{kind}; {settings.level:.0%} intervals; "
            f"{CORRECTIONS[settings.correction].split(' (')[0]}")


def unpaired_note(result: HarnessUpload) -> None:
    """Say which Δ are unpaired, and what that means for their intervals."""
    table = result.upload.table
    if not result.unpaired or table is None:
        return
    st.info(f"{result.unpaired:,} of the {len(table):,} Δ are unpaired: their runs have reported "
            "scores but no samples file, so their interval is a normal approximation from the "
            "standard errors the harness reported, wider than pairing item by item would give. "
            "The column “Interval and test” and the chart's tooltips say so.")
