#!/usr/bin/env python3
"""Benchmark: a delimited file with ragged rows (another number of fields than the header)
against the same file without them, and against pyarrow's reader alone, in one process.

The SYNTHETIC long CSV (`benchmarks.synthetic.long_csv`, 1M rows by default) is measured three
ways, each the median of --runs runs after one warm-up run:

- floor:   `pyarrow.csv.read_csv` on the clean file's bytes, default options;
- clean:   `lib.ingest.pipeline.ingest` on the clean file (the fast path);
- ragged:  `lib.ingest.pipeline.ingest` on the same file with 1 % of its rows ragged: every
           other one has an extra non-empty field (left out with a problem), the others lack
           their last field (kept, with an empty Δ).

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

SHARE = 0.01
"""Share of the rows made ragged."""


def ragged(data: bytes, share: float = SHARE) -> bytes:
    """`data` (a CSV with a header line) with every (1 / `share`)th row ragged: alternately one
    extra non-empty field and one field fewer."""
    lines = data.split(b"\n")
    step = round(1 / share)
    for k, i in enumerate(range(step, len(lines) - 1, step)):
        lines[i] = lines[i] + b",extra" if k % 2 == 0 else lines[i].rsplit(b",", 1)[0]
    return b"\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    clean = long_csv(args.rows)
    bent = ragged(clean)
    report = ingest(bent, "synthetic_ragged.csv")
    print(f"{args.rows:,} rows, {len(clean) / 1e6:.1f} MB; ragged file: {report.rows_read:,} "
          f"rows read, {report.rows_kept:,} kept")

    def figure(fn) -> float:
        fn()  # warm-up
        return statistics.median(timed(fn, max(1, args.runs)))

    floor = figure(lambda: pacsv.read_csv(io.BytesIO(clean)))
    fast = figure(lambda: ingest(clean, "synthetic_clean.csv"))
    slow = figure(lambda: ingest(bent, "synthetic_ragged.csv"))
    print(f"floor  pyarrow.csv.read_csv, clean   {floor:7.3f} s")
    print(f"clean  ingest                        {fast:7.3f} s   {fast / floor:5.2f}× floor")
    print(f"ragged ingest, {SHARE:.0%} ragged rows      {slow:7.3f} s   {slow / floor:5.2f}× floor"
          f"   {slow / fast:5.2f}× clean (target ≤ 3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
