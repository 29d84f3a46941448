"""Chart files are drawn in a child process: a renderer that aborts costs one download, not the
process that asked; the asking process never loads the renderer; limits on time and on renderers
at once hold."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from lib.charts import render as rendering
from lib.charts.render import RenderError, render
from tests.conftest import ROOT

POINT = {"data": {"values": [{"m": "A", "v": 1}]}, "mark": "point",
         "encoding": {"x": {"field": "m", "type": "nominal"},
                      "y": {"field": "v", "type": "quantitative"}}}
VERSIONS = {"vega": "6", "vegalite": "6", "vegaembed": "7"}


def with_label(label: str) -> dict:
    return {**POINT, "data": {"values": [{"m": label, "v": 1}]}}


def test_each_kind_is_drawn():
    svg = render("svg", POINT)
    png = render("png", POINT, scale=1.0)
    assert svg.startswith(b"<svg") and png.startswith(b"\x89PNG\r\n\x1a\n")
    import altair as alt

    html = render("html", POINT, versions={"vega": alt.VEGA_VERSION,
                                           "vegalite": alt.VEGALITE_VERSION,
                                           "vegaembed": alt.VEGAEMBED_VERSION})
    assert html.startswith(b"<!DOCTYPE html>") or b"<html" in html[:200]


@pytest.mark.parametrize("character", ["\x00", "\x1f"])
def test_a_renderer_that_aborts_is_an_error_here_not_a_crash(character):
    """Raw vl-convert aborts its process on text XML forbids (tests/charts/test_exports_safety):
    given such a spec directly, the child dies and this process gets a RenderError."""
    with pytest.raises(RenderError, match="exit code -6") as info:
        render("svg", with_label(f"A{character}B"))
    assert "panic" in str(info.value) or "abort" in str(info.value)


def test_a_failing_spec_is_an_error_with_the_renderers_words():
    with pytest.raises(RenderError, match="exit code 1.*not allowed"):
        render("png", {**POINT, "data": {"url": "http://127.0.0.1:9/data.csv"}})


def test_the_asking_process_never_loads_the_renderer():
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from lib.charts.dotplot import delta_dot_plot
        from lib.charts.exports import chart_html, chart_png, chart_svg
        from lib.core.figure import figure_table
        chart = delta_dot_plot(figure_table())
        sizes = [len(f(chart)) for f in (chart_png, chart_svg, chart_html)]
        print(min(sizes) > 1000, "vl_convert" in sys.modules)
    """)], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.split() == ["True", "False"]


def test_a_child_over_its_time_is_stopped(monkeypatch):
    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(rendering.subprocess, "run", slow)
    with pytest.raises(RenderError, match="more than 60 s"):
        render("svg", POINT)
    assert rendering._slots.acquire(blocking=False)  # the slot was given back
    rendering._slots.release()


def test_no_more_than_max_renders_at_once(monkeypatch):
    monkeypatch.setattr(rendering, "WAIT_S", 0.2)
    taken = [rendering._slots.acquire(blocking=False) for _ in range(rendering.MAX_RENDERS)]
    try:
        assert all(taken)
        with pytest.raises(RenderError, match="busy"):
            render("svg", POINT)
    finally:
        for _ in taken:
            rendering._slots.release()
    assert render("svg", POINT).startswith(b"<svg")


def test_renders_from_several_threads_all_finish():
    out: list[bytes] = []
    threads = [threading.Thread(target=lambda: out.append(render("svg", POINT)))
               for _ in range(rendering.MAX_RENDERS + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(out) == rendering.MAX_RENDERS + 2 and all(o.startswith(b"<svg") for o in out)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        render("pdf", POINT)
