#!/usr/bin/env python3
"""Benchmark: evaluation-harness output read, paired and aggregated, against a json + pyarrow
floor, in one process.

SYNTHETIC lm-evaluation-harness output (`scripts/make_harness_logs.py`: 5 runs × 10 tasks × 2
models × 1,000 docs by default, about 100,000 sample lines) and Inspect AI logs (100 logs of
1,000 samples, as `.eval` and as JSON) are measured as:

- floor:   every samples line parsed with `json.loads`, one line at a time, keeping only the
           metric, made a pyarrow array (the least any importer does); for Inspect, every log
           or sample member parsed;
- read:    `lib.ingest.harness.pipeline.read_harness` of the files dropped at once (and of the
           folder as one .zip);
- pair:    `pairing.harness_items` under the default choice;
- upload:  `upload.harness_upload`: pairing, checks, intervals and correction (what the page
           shows after a drop).

Each figure is the median of --runs runs after one warm-up, taken in turn. Memory: the peak of
Python's allocations (tracemalloc) during read + upload, against the unpacked size of the
files. Targets (issue): read and pair under 2 s; memory under 2× the unpacked size. Printed,
never asserted.

    python benchmarks/bench_harness.py              # the issue's size, 3 runs
    python benchmarks/bench_harness.py --docs 100 --runs 1
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from benchmarks.harness import timed  # noqa: E402
from lib.ingest.harness.pairing import Choice, harness_items  # noqa: E402
from lib.ingest.harness.pipeline import read_harness  # noqa: E402
from lib.ingest.harness.upload import harness_upload  # noqa: E402
from lib.ingest.items.cells import Settings  # noqa: E402
from scripts.make_harness_logs import write_inspect, write_lm_eval, zip_folder  # noqa: E402


def dropped(folder: Path) -> list[tuple[str, bytes]]:
    """Every file of `folder`, as the uploader hands them over when dropped at once."""
    return [(p.name, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def lm_floor(files: list[tuple[str, bytes]]) -> int:
    """Parse every samples line and make its metric a pyarrow array; lines parsed."""
    lines = 0
    loads = json.loads
    for name, data in files:
        if name.startswith("samples_"):
            values = []
            for line in io.BytesIO(data):  # one line at a time, keeping only the metric
                if line.strip():
                    row = loads(line)
                    values.append(row.get("acc", row.get("exact_match")))
            pa.array(values, pa.float64())
            lines += len(values)
    return lines


def eval_floor(files: list[tuple[str, bytes]]) -> int:
    """Parse every member of every `.eval` zip (or every JSON log); documents parsed."""
    parsed = 0
    for name, data in files:
        if name.endswith(".eval"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    if member.endswith(".json"):
                        json.loads(archive.read(member))
                        parsed += 1
        elif name.endswith(".json"):
            json.loads(data)
            parsed += 1
    return parsed


def pipeline(files: list[tuple[str, bytes]], source: str) -> object:
    read = read_harness(files)
    return harness_upload(read, Choice(), Settings(), source)


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mb(fn) -> tuple[float, float | None]:
    """(peak of Python's allocations, growth of the resident set's high-water mark) while `fn`
    runs, in MB; the latter from /proc (Linux), reset first through /proc/self/clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_mb("VmRSS")
    except OSError:
        before = None
    tracemalloc.start()
    try:
        fn()
        python = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    after = _status_mb("VmHWM")
    return python, None if before is None or after is None else after - before


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000, help="docs per task (lm-eval)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        lm = Path(tmp) / "out"
        write_lm_eval(lm, models=2, tasks=10, runs=5, docs=args.docs, seed=1)
        lm_files = dropped(lm)
        lm_zip = [("out.zip", zip_folder(lm))]
        inspect_eval = Path(tmp) / "logs_eval"
        write_inspect(inspect_eval, models=2, tasks=10, runs=5, samples=args.docs, seed=2,
                      log_format="eval")
        inspect_json = Path(tmp) / "logs_json"
        write_inspect(inspect_json, models=2, tasks=10, runs=5, samples=args.docs, seed=2,
                      log_format="json")
        ev_files, js_files = dropped(inspect_eval), dropped(inspect_json)
    unpacked = sum(len(d) for _, d in lm_files) / 2**20
    lines = lm_floor(lm_files)
    print(f"lm-evaluation-harness: {len(lm_files)} files, {unpacked:,.1f} MB unpacked, "
          f"{lines:,} sample lines; Inspect AI: {len(ev_files)} .eval logs "
          f"({sum(len(d) for _, d in ev_files) / 2**20:,.1f} MB), {len(js_files)} JSON logs "
          f"({sum(len(d) for _, d in js_files) / 2**20:,.1f} MB)")
    # memory first: later runs leave the heap grown, which would hide a peak
    for label, files in (("files", lm_files), (".zip", lm_zip)):
        python, resident = peak_mb(lambda files=files: pipeline(files, "out"))
        grown = "" if resident is None else (f"; resident high-water mark +{resident:,.0f} MB "
                                             f"({resident / unpacked:.2f}×)")
        print(f"memory of read + upload ({label}): Python allocations at peak {python:,.0f} MB "
              f"({python / unpacked:.2f}× the {unpacked:,.0f} MB unpacked){grown}; target < 2×")
    read = read_harness(lm_files)
    kinds = {
        "lm-eval floor (json.loads + pyarrow)": lambda: lm_floor(lm_files),
        "lm-eval read (files)": lambda: read_harness(lm_files),
        "lm-eval pair": lambda: harness_items(read, Choice()),
        "lm-eval read + pair + upload (files)": lambda: pipeline(lm_files, "out"),
        "lm-eval read + pair + upload (.zip)": lambda: pipeline(lm_zip, "out.zip"),
        "Inspect floor (.eval members parsed)": lambda: eval_floor(ev_files),
        "Inspect read + pair + upload (.eval)": lambda: pipeline(ev_files, "logs"),
        "Inspect floor (JSON logs parsed)": lambda: eval_floor(js_files),
        "Inspect read + pair + upload (JSON)": lambda: pipeline(js_files, "logs"),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for run in range(1 + max(1, args.runs)):
        for kind, fn in kinds.items():
            took = timed(fn, 1)
            if run:
                times[kind] += took
    median = {k: statistics.median(v) for k, v in times.items()}
    for kind, took in median.items():
        floor = (median["lm-eval floor (json.loads + pyarrow)"] if kind.startswith("lm-eval")
                 else median["Inspect floor (.eval members parsed)"] if ".eval" in kind
                 else median["Inspect floor (JSON logs parsed)"])
        ratio = "" if "floor" in kind else f"  {took / floor:5.2f}× floor"
        print(f"{kind:42s} {took:7.3f} s{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
