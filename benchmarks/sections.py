"""The benchmark sections. Each returns its figures as a dict and prints them as it goes."""

from __future__ import annotations

import time

import altair as alt

from benchmarks.harness import (ROOT, chromium, median, rss_mb, server, timed,
                                wait_chart_drawn)
from benchmarks.synthetic import long_table


def _row(label: str, value: str, ref: str = "", ratio: float | None = None,
         target: str = "") -> None:
    ratio_s = f"{ratio:5.2f}×" if ratio is not None else ""
    print(f"  {label:<38} {value:>12} {ref:>12} {ratio_s:>8}  {target}")


# ---------------------------------------------------------------- cold start
def cold_start(runs: int, smoke: bool) -> dict[str, object]:
    """Server start to chart drawn in headless Chromium: the app against the reference app."""
    apps = {"app": ROOT / "streamlit_app.py", "reference": ROOT / "benchmarks" / "reference_app.py"}
    times: dict[str, list[float]] = {k: [] for k in apps}
    with chromium() as browser:
        for _ in range(runs):
            for name, script in apps.items():  # interleaved, so drift hits both alike
                with server(script) as (url, _proc, start):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    page.goto(url)
                    wait_chart_drawn(page, 63)
                    times[name].append(time.perf_counter() - start)
                    context.close()
    app, ref = median(times["app"]), median(times["reference"])
    _row("", "app", "reference", None)
    _row("server start → chart drawn (s)", f"{app:.2f}", f"{ref:.2f}", app / ref, "target ≤ 1.25×")
    return {"app_s": times["app"], "reference_s": times["reference"], "app_median_s": app,
            "reference_median_s": ref, "ratio": app / ref}


# ---------------------------------------------------------------- rerun
def rerun(runs: int, smoke: bool) -> dict[str, object]:
    """A filter change on the overview (AppTest) against a rerun of the reference app."""
    from streamlit.testing.v1 import AppTest

    n = 5 if smoke else max(21, runs * 5)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    choices = [["GSM8K", "MATH"], ["GSM8K"], ["HotpotQA", "CS-QA", "AQUA"]]
    app_times = []
    for i in range(n):
        widget = app.multiselect(key="dataset").set_value(choices[i % len(choices)])
        start = time.perf_counter()
        widget.run()
        app_times.append(time.perf_counter() - start)
    ref = AppTest.from_file(str(ROOT / "benchmarks" / "reference_app.py"), default_timeout=60)
    ref.run()
    ref_times = timed(ref.run, n)
    a, r = median(app_times), median(ref_times)
    _row("", "app", "reference", None)
    _row("rerun after a filter change (ms)", f"{a * 1000:.1f}", f"{r * 1000:.1f}", a / r,
         "target ≤ 1.5× and < 100 ms")
    return {"app_ms": [t * 1000 for t in app_times], "reference_ms": [t * 1000 for t in ref_times],
            "app_median_ms": a * 1000, "reference_median_ms": r * 1000, "ratio": a / r}


# ---------------------------------------------------------------- pages
def pages(runs: int, smoke: bool) -> dict[str, object]:
    """Every page's first visit, rerun, widget change and page switch (AppTest) against a rerun
    of the reference app, on the bundled figure and on a large upload (benchmarks/pages.py)."""
    from benchmarks import pages as pages_bench

    return pages_bench.run(runs=runs, smoke=smoke)


# ---------------------------------------------------------------- ingest
def ingest(runs: int, smoke: bool) -> dict[str, object]:
    """Uploads of growing size against pyarrow's reader alone and pandas' default reader."""
    from benchmarks import ingest as ingest_bench

    return ingest_bench.run(runs=runs, smoke=smoke, row=_row)


# ---------------------------------------------------------------- chart scale
def _marshalled_bytes(chart: alt.TopLevelMixin) -> tuple[int, int]:
    """(spec bytes, data bytes) that Streamlit sends for `chart` (spec JSON, data as Arrow)."""
    from streamlit.testing.v1 import AppTest

    def script(spec_json: str) -> None:
        import altair as alt
        import streamlit as st

        st.altair_chart(alt.Chart.from_json(spec_json))

    at = AppTest.from_function(script, args=(chart.to_json(),), default_timeout=120)
    at.run()
    el = at.get("vega_lite_chart")[0]
    return len(el.proto.spec.encode()), sum(len(d.data.data) for d in el.proto.datasets)


def chart_scale(runs: int, smoke: bool) -> dict[str, object]:
    """Building, sending and drawing the chart for 300 × 40 and 1,000 × 50 models × datasets."""
    from lib.charts.dotplot import delta_dot_plot
    from lib.core.figure import figure_table

    sizes = [(300, 40)] if smoke else [(300, 40), (1000, 50)]
    out: dict[str, object] = {}
    figure_build = median(timed(lambda: delta_dot_plot(figure_table()), max(runs, 3)))
    _row("", "build (ms)", "figure (ms)", None)
    for models, datasets in sizes:
        table = long_table(models, datasets)
        build = median(timed(lambda: delta_dot_plot(table), runs))
        with alt.data_transformers.disable_max_rows():
            chart = delta_dot_plot(table)
            spec_bytes, data_bytes = _marshalled_bytes(chart)
        key = f"{models}x{datasets}"
        _row(f"{key} ({models * datasets:,} points) build", f"{build * 1000:.1f}",
             f"{figure_build * 1000:.1f}", build / figure_build)
        _row(f"{key} spec / data sent (kB)", f"{spec_bytes / 1024:.1f}", f"{data_bytes / 1024:.1f}")
        out[key] = {"points": models * datasets, "build_ms": build * 1000,
                    "spec_bytes": spec_bytes, "data_bytes": data_bytes}
    with chromium() as browser, server(ROOT / "benchmarks" / "chart_app.py") as (url, _p, _s):
        for models, datasets in sizes:
            draws = []
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{url}/?models={models}&datasets={datasets}")
                wait_chart_drawn(page, models * datasets)
                draws.append(time.perf_counter() - start)
                context.close()
            key = f"{models}x{datasets}"
            out[key]["browser_draw_s"] = draws
            _row(f"{key} page load → drawn (s)", f"{median(draws):.2f}", "", None,
                 "target < 3 s at 12,000 points" if models * datasets == 12000 else "")
    return out


# ---------------------------------------------------------------- sessions
def sessions(runs: int, smoke: bool) -> dict[str, object]:
    """Server memory per extra session (browser contexts on loopback), bundled data."""
    from benchmarks import ingest as ingest_bench

    count = 3 if smoke else 20
    out: dict[str, object] = {}
    with chromium() as browser, server(ROOT / "streamlit_app.py") as (url, proc, _s):
        contexts = []
        rss = []
        for i in range(count):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url)
            wait_chart_drawn(page, 63)
            contexts.append(context)
            page.wait_for_timeout(300)
            rss.append(rss_mb(proc.pid))
        per = (rss[-1] - rss[0]) / (count - 1)
        _row("server RSS, 1 session → %d (MB)" % count, f"{rss[0]:.0f}", f"{rss[-1]:.0f}")
        _row("memory per extra idle session (MB)", f"{per:.1f}", "", None, "target < 50 MB")
        out["bundled"] = {"rss_mb": rss, "per_session_mb": per}
        for context in contexts:
            context.close()
    with chromium() as browser, server(ROOT / "streamlit_app.py") as (url, proc, _s):
        out["upload"] = ingest_bench.session_upload(browser, url, proc.pid, count=count,
                                                    smoke=smoke, row=_row)
    return out
