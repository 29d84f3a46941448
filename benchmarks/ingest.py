"""Ingest benchmark: uploads of 10k to 5M rows, long and per-item shapes, against pyarrow's
reader alone (the floor) and pandas' default reader, each measured in a fresh subprocess
(`bench_peritem.measure`), so peak memory is that measurement's own."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from benchmarks.bench_peritem import KINDS, _subprocess
from benchmarks.harness import POINTS, rss_mb
from benchmarks.synthetic import long_csv

SIZES = (10_000, 100_000, 1_000_000, 5_000_000)
CELLS = 63
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


def per_item_csv(rows: int, seed: int = 1) -> bytes:
    """A SYNTHETIC per-item CSV of the figure's shape with about `rows` rows."""
    from scripts.make_synthetic_items import synthetic_items

    table = synthetic_items(max(1, rows // CELLS), 1, seed=seed)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    return sink.getvalue().to_pybytes()


def files(smoke: bool) -> list[tuple[str, int, Callable[[int], bytes]]]:
    """(shape, rows, maker) for every file to measure."""
    sizes = SIZES[:1] if smoke else SIZES
    return [(shape, n, maker) for shape, maker in (("long", long_csv), ("per_item", per_item_csv))
            for n in sizes]


def run(runs: int, smoke: bool, row: Callable[..., None]) -> dict[str, object]:
    """Times (median of `runs`), ratios against the floor and pandas, MB/s and peak memory."""
    out: dict[str, object] = {}
    row("", "pipeline s", "floor s", None, "× floor; × pandas; MB/s; peak MB (× file)")
    with tempfile.TemporaryDirectory() as tmp:
        for shape, n, maker in files(smoke):
            path = Path(tmp) / f"synthetic_{shape}_{n}.csv"
            path.write_bytes(maker(n))
            figures = {}
            for kind in KINDS:
                timed = _subprocess(kind, path, runs, shape)
                memory = _subprocess(kind, path, 0, shape)
                figures[kind] = {"median_s": statistics.median(timed["times"]),
                                 "times": timed["times"],
                                 "peak_mb": memory["peak_rss_above_start"] / 1e6}
            size_mb = path.stat().st_size / 1e6
            pipe, floor, pandas = (figures[k]["median_s"] for k in ("pipeline", "floor", "pandas"))
            key = f"{shape} {n:,} rows"
            row(f"{key} ({size_mb:.1f} MB)", f"{pipe:.3f}", f"{floor:.3f}", pipe / floor,
                f"{pipe / pandas:.2f}× pandas; {size_mb / pipe:,.0f} MB/s; "
                f"{figures['pipeline']['peak_mb']:,.0f} MB "
                f"({figures['pipeline']['peak_mb'] / size_mb:.1f}×)"
                + ("  target ≤ 3× floor" if n == 1_000_000 else ""))
            out[key] = {"mb": size_mb, **figures, "ratio_floor": pipe / floor,
                        "ratio_pandas": pipe / pandas}
    return out


def session_upload(browser, url: str, pid: int, count: int, smoke: bool,
                   row: Callable[..., None]) -> dict[str, object]:
    """Server memory per extra session when each session has uploaded a per-item file (1M rows;
    10k in a smoke run) and explores it."""
    rows = 10_000 if smoke else 1_000_000
    data = per_item_csv(rows)
    rss = []
    contexts = []
    for _ in range(count):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/your_data")
        page.wait_for_selector(UPLOAD_INPUT, state="attached", timeout=60000)
        page.set_input_files(UPLOAD_INPUT, files=[{"name": "synthetic_per_item.csv",
                                                   "mimeType": "text/csv", "buffer": data}])
        page.get_by_role("button", name="Explore my data").click(timeout=120000)
        page.get_by_text("Every page now shows").wait_for(timeout=120000)
        page.wait_for_function("n => document.querySelectorAll('%s').length >= n" % POINTS,
                               arg=CELLS, timeout=60000)
        time.sleep(0.3)
        contexts.append(context)
        rss.append(rss_mb(pid))
    per = (rss[-1] - rss[0]) / max(1, count - 1)
    row(f"server RSS with {rows:,}-row uploads, 1 → {count}", f"{rss[0]:.0f}", f"{rss[-1]:.0f}")
    row("memory per extra session with an upload (MB)", f"{per:.1f}", "", None,
        f"file {len(data) / 1e6:.1f} MB")
    for context in contexts:
        context.close()
    return {"rows": rows, "file_mb": len(data) / 1e6, "rss_mb": rss, "per_session_mb": per}



