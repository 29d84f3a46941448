#!/usr/bin/env python3
"""Benchmark: delimited files with ragged rows (another number of fields than the header)
against the same file without them, and against pyarrow's reader alone, in one process.

The SYNTHETIC long CSV (`benchmarks.synthetic.long_csv`, 1M rows by default) is measured as:

- floor:  `pyarrow.csv.read_csv` on the clean file's bytes, default options;
- clean:  the clean file (the fast path);
- mixed:  the same file with 1 % of its rows ragged: every other one has an extra non-empty
          field (left out with a problem), the others lack their last field (kept, with an
          empty Δ, which the validation then reports);
- long:   the same file with 1 % of its rows given an extra non-empty field (a decimal comma);
- short:  the same file with 99 % of its rows lacking their last field (kept, with an empty Δ):
          too many for the record-by-record handler, so they are cut in Arrow.

each through `lib.ingest.pipeline.ingest` (read, detect, validate) and through
`lib.ingest.read.table.read_table` alone; the median of --runs runs after one warm-up run,
every figure taken in turn in each run, so that a change of load on the machine hits all.
Target: ragged ≤ 3× clean. Not a timed test: the figures are printed, never asserted.

    python benchmarks/bench_ragged.py                 # 1M rows, 5 runs
    python benchmarks/bench_ragged.py --rows 100000 --runs 1
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyarrow.csv as pacsv  # noqa: E402

from benchmarks.harness import timed  # noqa: E402
from benchmarks.synthetic import long_csv  # noqa: E402
from lib.ingest.pipeline import ingest  # noqa: E402
from lib.ingest.read.table import read_table  # noqa: E402

SHARE = 0.01
"""Share of the rows made ragged."""


def ragged(data: bytes, share: float = SHARE, short: bool = True) -> bytes:
    """`data` (a CSV with a header line) with every (1 / `share`)th row ragged: one extra
    non-empty field, or (with `short`, every other one) one field fewer."""
    lines = data.split(b"\n")
    step = round(1 / share)
    for k, i in enumerate(range(step, len(lines) - 1, step)):
        lines[i] = lines[i].rsplit(b",", 1)[0] if short and k % 2 else lines[i] + b",5"
    return b"\n".join(lines)


def mostly_short(data: bytes, share: float = SHARE) -> bytes:
    """`data` with every row but each (1 / `share`)th lacking its last field."""
    lines = data.split(b"\n")
    step = round(1 / share)
    for i in range(1, len(lines) - 1):
        if i % step:
            lines[i] = lines[i].rsplit(b",", 1)[0]
    return b"\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    clean = long_csv(args.rows)
    files = {"clean": clean, "mixed": ragged(clean), "long": ragged(clean, short=False),
             "short": mostly_short(clean)}
    print(f"{args.rows:,} rows, {len(clean) / 1e6:.1f} MB, {SHARE:.0%} ragged rows")
    kinds = {"floor": lambda: pacsv.read_csv(io.BytesIO(clean))}
    for name, data in files.items():
        kinds[f"ingest {name}"] = lambda data=data: ingest(data, "synthetic.csv")
        kinds[f"read {name}"] = lambda data=data: read_table(data, "synthetic.csv")
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for run in range(1 + max(1, args.runs)):
        for kind, fn in kinds.items():
            measured = timed(fn, 1)
            if run:  # the first run warms up
                times[kind] += measured
    median = {kind: statistics.median(values) for kind, values in times.items()}
    floor = median["floor"]
    print(f"{'floor (pyarrow.csv.read_csv, clean)':36s} {floor:7.3f} s")
    for step in ("ingest", "read"):
        base = median[f"{step} clean"]
        for name in files:
            took = median[f"{step} {name}"]
            print(f"{step + ' ' + name:36s} {took:7.3f} s  {took / floor:5.2f}× floor"
                  + ("" if name == "clean" else f"  {took / base:5.2f}× clean (target ≤ 3×)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
