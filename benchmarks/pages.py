"""Per-page speed: the paths a user takes on every page, timed with AppTest beside the reference
app (a page that only draws the same chart), in one process, runs interleaved, medians.

    python benchmarks/pages.py                  bundled figure and the large upload, 7 runs
    python benchmarks/pages.py --runs 3 --tables figure

Paths, per page:
- first visit: a new session's first run, on the page (as a link to it opens it);
- rerun: the page run again with nothing changed;
- widget change: a rerun after a typical widget change, each run to a value not set before
  (Overview: the dataset filter; Model profiles: the model picker; Findings: the tolerance; Your
  data has no widget without a file, so its rerun stands in);
- page switch: the page run after another page, in a session that visited it before.

Times are of the script run as AppTest drives it (server time, no browser). The reference is
benchmarks/reference_app.py, measured between the app's runs: a new session's first run beside
the first visit, a rerun beside the others. Targets of issue 11:
rerun and widget change ≤ 1.5× the reference and < 100 ms; page switch < 300 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import ROOT, median  # noqa: E402

PAGES = {"Overview": "pages/overview.py", "Model profiles": "pages/profiles.py",
         "Findings": "pages/findings.py", "Your data": "pages/your_data.py"}
PATHS = ("first visit", "rerun", "widget change", "page switch")
TARGETS = {"first visit": None, "rerun": (1.5, 0.100), "widget change": (1.5, 0.100),
           "page switch": (None, 0.300)}
LARGE = (200, 20, 3)
"""The large upload: models × datasets × conditions."""


def large_upload(models: int = LARGE[0], datasets: int = LARGE[1],
                 conditions: int = LARGE[2]):
    """A synthetic upload of `models` × `datasets` × `conditions` with intervals and
    significance, as the active table of a session."""
    import numpy as np
    import pandas as pd

    from benchmarks.synthetic import long_table
    from lib.core import schema
    from lib.ui.state import ActiveTable

    parts = []
    for c in range(conditions):
        part = long_table(models, datasets, seed=c)
        parts.append(part.assign(**{schema.CONDITION: f"synthetic-condition-{c}"}))
    table = pd.concat(parts, ignore_index=True)
    half = np.abs(np.random.default_rng(9).normal(4, 1, len(table))).round(1)
    table = schema.conform(table.assign(**{
        schema.CI_LOW: table[schema.DELTA] - half, schema.CI_HIGH: table[schema.DELTA] + half,
        schema.SIGNIFICANT: (table[schema.DELTA].abs() > half)}))
    return ActiveTable(table=table, label="Your data: synthetic-large.csv", is_figure=False)


def _changes(page: str, at) -> Callable[[int], object]:
    """The typical widget change of `page`: a function of the run number that sets it, to a
    value no earlier run set (the bundled figure's results are kept for every session, so a
    value set before would be served from there)."""
    if page == "Overview":
        options = at.multiselect(key="dataset").options

        def change(i: int):  # every dataset but one, another one each run
            return at.multiselect(key="dataset").set_value(
                [d for j, d in enumerate(options) if j != i % len(options)])
    elif page == "Model profiles":
        def change(i: int):  # another model each run
            box = at.selectbox(key="profile")
            return box.set_value(box.options[1 + i % (len(box.options) - 1)])
    elif page == "Findings":
        def change(i: int):  # the tolerance 0.5, 1.0, ..., 10
            return at.number_input(key="findings_tolerance").set_value(0.5 * (1 + i % 20))
    else:
        def change(i: int):
            return at
    return change


def _session(table, page: str):
    """A new AppTest session of the entry point on `table`, its first run to be `page` (as a
    link to the page opens it); not run yet."""
    from streamlit.testing.v1 import AppTest

    from lib.ui.state import ACTIVE_KEY

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    if table is not None:
        at.session_state[ACTIVE_KEY] = table
    return at.switch_page(PAGES[page])


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(table, runs: int, pages: list[str] | None = None,
            row: Callable[..., None] | None = None) -> dict[str, dict[str, float]]:
    """Median seconds per page and path for `table` (None: the bundled figure), and the
    reference's rerun; the reference runs between the app's timed runs."""
    from streamlit.testing.v1 import AppTest

    reference = str(ROOT / "benchmarks" / "reference_app.py")
    ref = AppTest.from_file(reference, default_timeout=60)
    ref.run()
    ref_times: list[float] = []
    ref_first: list[float] = []  # a new session's first run of the reference
    out: dict[str, dict[str, float]] = {}
    for page in pages or list(PAGES):
        times: dict[str, list[float]] = {p: [] for p in PATHS}
        other = "pages/findings.py" if page == "Overview" else "pages/overview.py"
        for i in range(runs):
            at = _session(table, page)
            ref_first.append(_time(AppTest.from_file(reference, default_timeout=60).run))
            times["first visit"].append(_time(at.run))
            ref_times.append(_time(ref.run))
            times["rerun"].append(_time(at.run))
            change = _changes(page, at)
            ref_times.append(_time(ref.run))
            times["widget change"].append(_time(change(i).run))
            at.switch_page(other).run()
            ref_times.append(_time(ref.run))
            times["page switch"].append(_time(at.switch_page(PAGES[page]).run))
            if at.exception:
                raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
        out[page] = {p: median(v) for p, v in times.items()}
        if row is not None:
            row(page, out[page], median(ref_times), median(ref_first))
    out["reference"] = {"rerun": median(ref_times), "first visit": median(ref_first)}
    return out


def print_row(page: str, figures: dict[str, float], ref: float, ref_first: float) -> None:
    """One page's line: ms per path, the ratio to the reference's first run or rerun."""
    cells = []
    for path in PATHS:
        t = figures[path]
        base = ref_first if path == "first visit" else ref
        ratio = f" ({t / base:.2f}×)" if path != "page switch" else ""
        cells.append(f"{t * 1000:7.1f}{ratio:>9}")
    print(f"  {page:<16}" + "".join(f"{c:>20}" for c in cells)
          + f"   reference: first {ref_first * 1000:.1f}, rerun {ref * 1000:.1f}", flush=True)


def run(runs: int, smoke: bool, tables: tuple[str, ...] = ("figure", "large"),
        row: Callable[..., None] = print_row) -> dict[str, object]:
    """The per-page table for each table (ms; ratio to the reference's rerun)."""
    results: dict[str, object] = {}
    for name in tables:
        table = None if name == "figure" else (
            large_upload(20, 5, 2) if smoke else large_upload())
        title = ("bundled figure (9 × 7)" if name == "figure" else
                 "upload of %d models × %d datasets × %d conditions"
                 % ((20, 5, 2) if smoke else LARGE))
        print(f"\n  {title}: ms (× the reference's first run or rerun)")
        print(f"  {'page':<16}" + "".join(f"{p:>20}" for p in PATHS))
        figures = measure(table, 1 if smoke else runs, row=row)
        results[name] = {page: {p: t * 1000 for p, t in paths.items()}
                         for page, paths in figures.items()}
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tables", default="figure,large")
    parser.add_argument("--pages", default="")
    args = parser.parse_args(argv)
    tables = tuple(t.strip() for t in args.tables.split(",") if t.strip())
    if args.pages:
        for name in tables:
            table = None if name == "figure" else large_upload()
            print(f"\n  {name}")
            measure(table, args.runs, [p.strip() for p in args.pages.split(",")], print_row)
        return 0
    run(args.runs, smoke=False, tables=tables)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
