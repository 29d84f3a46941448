#!/usr/bin/env python3
"""Benchmark: per-item ingest and intervals against the pyarrow floor and pandas.

For each SYNTHETIC per-item file (written to a temporary folder by scripts/make_synthetic_items.py)
it measures, each in a fresh subprocess so that peak memory is that measurement's own:

- floor:    `pyarrow.csv.read_csv` on the bytes, default options (the floor);
- pandas:   `pandas.read_csv` on the bytes, default options (what a notebook would do);
- pipeline: `lib.ingest.items.peritem.per_item_from_csv` on the bytes: read, check, aggregate,
            Tango's score intervals with asymptotic McNemar p-values (0/1 outcomes) or t
            intervals with paired t-tests (averaged runs), and Holm correction.

Times are the median (and min) of --repeats runs after one warm-up run. Memory comes from another
fresh subprocess that runs once: its peak resident set size (VmHWM in /proc/self/status, Linux)
minus its resident size after the imports and before the file's bytes were loaded (so the bytes
count), and the peaks of pyarrow's memory pools (`max_memory()`), which see the Arrow buffers that
tracemalloc cannot.

    python benchmarks/bench_peritem.py                 # 1M and 5M rows (and variants), 5 repeats
    python benchmarks/bench_peritem.py --quick         # a 10k-row smoke run
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("floor", "pandas", "pipeline")


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmRSS: resident now, VmHWM: peak resident); Linux only.

    Not `getrusage().ru_maxrss`: on Linux a child started by fork and exec carries its parent's
    high-water mark in it, so a big parent would hide the child's own peak.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _long_pipeline(data: bytes, name: str):
    """The upload page's work on an ordinary (long, scores or wide) file: read, detect,
    validate; a stand-in result whose `table` is None when the file was not usable."""
    from types import SimpleNamespace

    from lib.ingest.read.raw import Limits
    from lib.ingest.pipeline import ingest

    report = ingest(data, name, Limits(max_bytes=1 << 30))  # the 5M-row file is over 200 MB
    return SimpleNamespace(table=report.table if report.usable else None,
                           problems=list(report.problems))


def measure(kind: str, path: str, repeats: int, shape: str = "per_item") -> dict:
    """One kind of measurement on one file, in this (fresh) process.

    repeats > 0: a warm-up run, then `repeats` timed runs. repeats == 0: a single cold run, for
    its peak memory: resident set size above the size before the file's bytes were loaded.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from lib.ingest.items import peritem

    before = _status_bytes("VmRSS")
    data, name = Path(path).read_bytes(), Path(path).name
    run = {
        "floor": lambda: pacsv.read_csv(pa.py_buffer(data)),
        "pandas": lambda: pd.read_csv(io.BytesIO(data)),
        "pipeline": (lambda: peritem.per_item_from_csv(data, name)) if shape == "per_item"
        else (lambda: _long_pipeline(data, name)),
    }[kind]
    times = []
    for attempt in range(repeats + 1 if repeats else 1):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        if kind == "pipeline" and result.table is None:
            raise SystemExit(f"pipeline failed: {result.problems[:3]}")
        del result
        if attempt or not repeats:
            times.append(elapsed)
    peak = _status_bytes("VmHWM")
    return {"kind": kind, "times": times, "peak_rss_above_start": peak - before,
            "arrow_pool_peak": _arrow_peak(), "bytes": len(data)}


def _arrow_peak() -> int:
    """Sum of the peaks of pyarrow's default pool and of its system pool (the pipeline reads
    its pieces into the latter), so an upper bound of Arrow's own peak."""
    import pyarrow as pa

    pools = {id(p): p for p in (pa.default_memory_pool(), pa.system_memory_pool())}
    return sum(p.max_memory() or 0 for p in pools.values())


def _write_files(folder: Path, quick: bool) -> list[tuple[str, Path]]:
    """The SYNTHETIC files to measure: (label, path)."""
    import numpy as np
    import pyarrow as pa

    from scripts.make_synthetic_items import synthetic_items, write_csv

    plans = ([("10k rows", 160, 1, False)] if quick else
             [("1M rows", 16000, 1, False), ("5M rows", 80000, 1, False),
              ("1M rows, 3 runs per item", 5300, 3, False), ("1M rows, shuffled", 16000, 1, True)])
    files = []
    for label, items, runs, shuffled in plans:
        table = synthetic_items(items, runs, seed=1)
        if shuffled:  # rows in random order: no runs of names, no sorted (cell, item) keys
            table = table.take(pa.array(np.random.default_rng(0).permutation(table.num_rows)))
        path = folder / f"synthetic_per_item_{items}x{runs}{'_shuffled' if shuffled else ''}.csv"
        write_csv(table, path)
        files.append((label, path))
    return files


def _subprocess(kind: str, path: Path, repeats: int, shape: str = "per_item") -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, "--file", str(path),
                          "--repeats", str(repeats), "--shape", shape],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine() -> str:
    model = ""
    try:
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                      .splitlines() if ln.startswith("model name")), "")
    except OSError:
        pass
    import numpy
    import pandas
    import pyarrow
    return (f"{os.cpu_count()} CPUs {model}; Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, pandas {pandas.__version__}, "
            f"pyarrow {pyarrow.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (5)")
    parser.add_argument("--quick", action="store_true", help="one 10k-row file, for CI")
    parser.add_argument("--measure", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--shape", default="per_item", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.repeats, args.shape)))
        return 0
    print(f"machine: {_machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| file | rows | MB | measurement | median s | min s | × floor | MB/s | "
          "peak RSS MB (× file) | Arrow pools peak MB |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in _write_files(Path(tmp), args.quick):
            rows = sum(1 for _ in path.open("rb")) - 1
            floor = None
            for kind in KINDS:
                m = _subprocess(kind, path, args.repeats)
                m.update({k: v for k, v in _subprocess(kind, path, 0).items() if k != "times"})
                median = statistics.median(m["times"])
                floor = median if kind == "floor" else floor
                mb = m["bytes"] / 1e6
                print(f"| {label} | {rows:,} | {mb:.1f} | {kind} | {median:.3f} | "
                      f"{min(m['times']):.3f} | {median / floor:.2f} | {mb / median:,.0f} | "
                      f"{m['peak_rss_above_start'] / 1e6:,.0f} "
                      f"({m['peak_rss_above_start'] / m['bytes']:.1f}×) | "
                      f"{m['arrow_pool_peak'] / 1e6:,.0f} |", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
