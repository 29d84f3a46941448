#!/usr/bin/env python3
"""Where the memory of a large upload goes, in this process, stage by stage.

    python benchmarks/bench_upload_memory.py                 the hostile 4M-row Windows-1252 file
    python benchmarks/bench_upload_memory.py --utf8          the same rows in UTF-8 (fast path)
    python benchmarks/bench_upload_memory.py --models 20000  a tenth of it
    python benchmarks/bench_upload_memory.py --time 5        its time only, median of 5

Builds `tests/hostile.py`'s `long_near_limit_csv` (about 198 MB, 4M rows, one Windows-1252
byte at its end), then:

1. the reference: `pyarrow.csv.read_csv` of the same bytes, in a forked copy of the process;
2. what the Your data page does with an upload, in a thread as the server's script runs:
   `read_upload` (read, detect) and `release_memory` as `lib.ui.uploads.session_upload` does,
   `report_for` under the detected mapping, the page's lists of names and preview, then the
   report's table kept while the upload and the bytes are dropped.

Peaks are exact, not sampled: the kernel's high-water mark (VmHWM) is reset through
/proc/self/clear_refs at every stage boundary, so that a stage's peak is the largest VmHWM seen
while it ran. Stages are the pipeline's own functions, wrapped in place for the run (nested
stages are indented). Each line: the peak during the stage, the resident size after it, and
its time; all in MB above the process's size before the file was built, so the file's bytes
count. malloc and pyarrow's pool are set up as the server sets them (`lib.ui.memory`), so freed
memory goes back to the system as it does there. Linux only. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

STAGES = (
    ("lib.ingest.pipeline", "read_table"),
    ("lib.ingest.read.table", "utf8_text"),
    ("lib.ingest.read.table", "decode_text"),
    ("lib.ingest.read.table", "read_delimited_fast"),
    ("lib.ingest.read.delimited", "_arrow_records"),
    ("lib.ingest.read.table", "read_delimited"),
    ("lib.ingest.read.table", "_scrubbed"),
    ("lib.ingest.pipeline", "detect"),
    ("lib.ingest.pipeline", "validate"),
    ("lib.ingest.validation", "to_cells"),
    ("lib.ingest.validation", "_parse"),
    ("lib.ingest.validation", "text_cells"),
    ("lib.ingest.validation", "_names"),
    ("lib.ingest.validation", "number_text"),
    ("lib.ingest.validation", "_numbers"),
    ("lib.ingest.validation", "_in_range"),
    ("lib.ingest.validation", "_contract"),
    ("lib.ingest.validation", "_canonical"),
    ("lib.ingest.validation", "find_pairs"),
    ("lib.ingest.validation", "_Contract.conformed"),
    ("lib.ingest.validation", "_duplicates"),
    ("lib.ingest.validation", "_merge"),
)
"""(module, function or Class.method) of each stage timed and measured; each is wrapped where
it is looked up. Stages in helper threads (the names) overlap the others."""


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+)", text, re.M).group(1))


class Meter:
    """Exact peaks of nested stages from the kernel's high-water mark."""

    def __init__(self) -> None:
        self.base_kb = _status_kb("VmRSS")
        self.open: list[list] = []  # [name, peak kb, start time, depth]
        self.lines: list[tuple[int, str, float, float, float]] = []
        self._reset()

    def _reset(self) -> None:
        Path("/proc/self/clear_refs").write_text("5")

    def _fold(self) -> None:
        """The high-water mark since the last boundary counts for every open stage."""
        hwm = _status_kb("VmHWM")
        for stage in self.open:
            stage[1] = max(stage[1], hwm)
        self._reset()

    def mb(self, kb: float) -> float:
        return (kb - self.base_kb) / 1024

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._fold()
        depth = len(self.open)
        entry = [name, _status_kb("VmRSS"), time.perf_counter(), depth]
        self.open.append(entry)
        index = len(self.lines)
        self.lines.append((depth, name, 0.0, 0.0, 0.0))
        try:
            yield
        finally:
            self._fold()
            self.open.remove(entry)
            took = time.perf_counter() - entry[2]
            self.lines[index] = (depth, name, self.mb(entry[1]), self.mb(_status_kb("VmRSS")),
                                 took)

    def now(self, label: str) -> None:
        """A line with the resident size at this point."""
        gc.collect()
        self._fold()
        rss = self.mb(_status_kb("VmRSS"))
        self.lines.append((len(self.open), f"[{label}]", float("nan"), rss, float("nan")))

    def print(self) -> None:
        print(f"{'stage':<44} {'peak MB':>9} {'after MB':>9} {'s':>7}")
        for depth, name, peak, after, took in self.lines:
            label = "  " * depth + name
            peak_text = "" if peak != peak else f"{peak:,.0f}"
            took_text = "" if took != took else f"{took:.2f}"
            print(f"{label:<44} {peak_text:>9} {after:>9,.0f} {took_text:>7}")


def instrument(meter: Meter) -> None:
    """Wrap every stage of `STAGES` where it is looked up, so that each call is measured."""
    for module_name, attribute in STAGES:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name, None)
        if original is None:  # not in this version of the pipeline
            continue

        def wrapped(*args: object, __f: Callable = original, __n: str = attribute,
                    **kwargs: object) -> object:
            with meter.stage(__n):
                return __f(*args, **kwargs)

        setattr(owner, name, functools.wraps(original)(wrapped))


def frame_mb(frame: object) -> float:
    """The memory of a DataFrame's columns (strings counted by their Arrow buffers)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    return float(frame.memory_usage(deep=True).sum()) / 2**20


def reference(meter: Meter, data: bytes) -> None:
    """pyarrow.csv.read_csv of `data`, measured in a forked copy of this process (so that what
    it leaves to the allocators does not blur the stages after it); its line is printed."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        with meter.stage("reference: pyarrow.csv.read_csv"):
            table = pacsv.read_csv(pa.BufferReader(data))
        depth, name, peak, after, took = meter.lines[-1]
        os.write(write, f"{peak} {after} {took} {table.nbytes / 2**20}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        peak, after, took, table_mb = map(float, answer.read().split())
    os.waitpid(child, 0)
    meter.lines.append((0, f"reference: pyarrow.csv.read_csv ({table_mb:,.0f} MB)", peak, after,
                        took))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--utf8", action="store_true",
                        help="drop the Windows-1252 byte, so the file is UTF-8")
    parser.add_argument("--time", type=int, default=0, metavar="RUNS",
                        help="only time read_upload + report_for, RUNS times (no stages)")
    args = parser.parse_args()

    from lib.ui.memory import tune_malloc, use_system_pool_for_arrow
    from tests.hostile import long_near_limit_csv

    tune_malloc()  # as the server does (`lib.ui.memory.prepare_process`)
    use_system_pool_for_arrow()
    meter = Meter()
    with meter.stage("build the file"):
        case = long_near_limit_csv(models=args.models)
        data = case.data
        if args.utf8:
            data = data.replace(b"Caf\xe9", b"Cafe")
        del case
    meter.now("the file's bytes held")
    rows = data.count(b"\n") - 1
    print(f"file: {len(data) / 1e6:,.1f} MB, {rows:,} rows, "
          f"{'UTF-8' if args.utf8 else 'Windows-1252'}")

    if args.time:
        walls, cpus = zip(*timed(data, args.time))
        print(f"read_upload + report_for, median of {args.time}: {statistics.median(walls):.2f} s "
              f"(CPU time of all threads: {statistics.median(cpus):.2f} s)")
        return
    reference(meter, data)
    instrument(meter)
    held = [data]
    del data
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.extend(pipeline(meter, held)))
    worker.start()  # in a thread of its own, as the server's script runs
    worker.join()
    meter.print()
    print("", *results, sep="\n")


def timed(data: bytes, runs: int) -> list[tuple[float, float]]:
    """(seconds, CPU seconds of the process) of `read_upload` then `report_for`, each run in a
    fresh thread (CPU time is the steadier figure on a machine shared with other work)."""
    from lib.ingest.pipeline import read_upload, report_for

    times: list[tuple[float, float]] = []

    def run() -> None:
        started, cpu = time.perf_counter(), time.process_time()
        report_for(read_upload(data, "long_near_limit.csv"))
        times.append((time.perf_counter() - started, time.process_time() - cpu))

    for _ in range(runs):
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    return times


def pipeline(meter: Meter, held: list[bytes]) -> list[str]:
    """What the Your data page does with a new upload, stage by stage; lines to print."""
    from lib.core import schema
    from lib.ingest.pipeline import read_upload, report_for
    from lib.ui.memory import release_memory
    from lib.ui.uploads import RELEASE_FROM_BYTES

    started = time.perf_counter()
    with meter.stage("read_upload"):
        upload = read_upload(held[0], "long_near_limit.csv")
    if len(held[0]) >= RELEASE_FROM_BYTES:
        with meter.stage("release_memory, as session_upload does"):
            release_memory()
    meter.now("upload held")
    with meter.stage("report_for"):
        report = report_for(upload)
    took = time.perf_counter() - started
    meter.now("upload and report held")
    with meter.stage("the page: names listed, preview"):
        for column in (schema.MODEL, schema.DATASET):
            schema.ordered_unique(report.table[column])
        report.table.head(1000).copy()
    lines = [f"read_upload + report_for: {took:.2f} s; rows kept {report.rows_kept:,}, "
             f"problems {len(report.problems)}",
             f"raw frame: {frame_mb(upload.raw.frame):,.0f} MB; report table: "
             f"{frame_mb(report.table):,.0f} MB"]
    del upload
    meter.now("report held, upload dropped")
    held.clear()
    meter.now("report held, bytes dropped")
    return lines


if __name__ == "__main__":
    main()
