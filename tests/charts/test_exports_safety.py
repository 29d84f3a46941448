"""Chart files from hostile names: the renderer (vl-convert) only ever sees XML-safe, bounded text,
the standalone HTML cannot be broken out of, a failure is an ExportError and never a crash.

vl-convert aborts the whole process on some text, so every call that could reach it with such
text runs in a subprocess here: an abort there fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import threading
import xml.etree.ElementTree as ET

import altair as alt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.charts.dotplot import delta_dot_plot
from lib.charts.exports import (EXPORT_MAX_ROWS, EXPORT_TEXT_LIMIT, ExportError, chart_html,
                                chart_png, chart_svg, export_problem, export_spec, safe_strings,
                                script_json)
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.textcells import UNSAFE_CHARACTERS
from tests.conftest import ROOT
from tests.hostile_names import SCRIPT, hostile_rows

LONG = "W" * 5000


def run_python(code: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter at the repository root (an abort kills only that one)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def all_strings(node: object) -> list[str]:
    """Every string of a JSON-like value, keys included."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in all_strings(k) + all_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in all_strings(v)]
    return []


def hostile_chart(extra: list[str] = ()) -> alt.TopLevelMixin:
    rows = hostile_rows() + [{"model": m, "dataset": "GSM8K", "delta": 1.0} for m in extra]
    return delta_dot_plot(schema.conform(pd.DataFrame(rows)))


@pytest.mark.parametrize("character", ["\x00", "\x1f", "\ufffe"])
def test_the_renderer_aborts_the_process_on_xml_forbidden_text(character):
    """Why the guard exists: raw vl-convert on such a label kills its process (SIGABRT)."""
    spec = {"data": {"values": [{"m": f"A{character}B", "v": 1}]}, "mark": "point",
            "encoding": {"x": {"field": "m", "type": "nominal"},
                         "y": {"field": "v", "type": "quantitative"}}}
    done = run_python(f"""
        import json, vl_convert
        vl_convert.vegalite_to_svg(json.loads({json.dumps(json.dumps(spec))}))
        print("survived")
    """)
    assert done.returncode < 0 and "survived" not in done.stdout, done.stderr[-500:]


def test_hostile_names_render_to_well_formed_files_in_a_subprocess():
    done = run_python(f"""
        import json
        import pandas as pd
        from lib.core import schema
        from lib.charts.dotplot import delta_dot_plot
        from lib.charts.exports import chart_html, chart_png, chart_svg
        from tests.hostile_names import hostile_rows
        rows = hostile_rows() + [{{"model": {LONG!r}, "dataset": "GSM8K", "delta": 1.0}}]
        chart = delta_dot_plot(schema.conform(pd.DataFrame(rows)))
        png, svg, html = chart_png(chart), chart_svg(chart), chart_html(chart)
        print(json.dumps({{"png": png[:8].hex(), "png_size": len(png), "svg": svg.decode(),
                           "html_size": len(html)}}))
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert bytes.fromhex(out["png"]) == b"\x89PNG\r\n\x1a\n" and out["png_size"] > 20_000
    root = ET.fromstring(out["svg"])
    texts = {t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"A\ufffdB", "C\ufffdD", "G\ufffdH", "I\ufffdJ", "Plain", "x\ufffd<!--"} <= texts
    assert not any(UNSAFE_CHARACTERS.search(t) for t in texts)
    assert out["html_size"] > 100_000


def test_every_string_of_the_spec_is_scrubbed_and_bounded():
    spec = export_spec(hostile_chart([LONG]))
    strings = all_strings(spec)
    assert not [s for s in strings if UNSAFE_CHARACTERS.search(s)]
    assert max(map(len, strings)) <= EXPORT_TEXT_LIMIT
    data = next(iter(spec["datasets"].values()))
    assert len(data) == len(hostile_rows()) + 1
    assert {"A\ufffdB", SCRIPT, "I\ufffdJ", "E\ufffdF"} <= {r["model"] for r in data}
    assert {"x\ufffd<!--", "</script>"} <= {r["dataset"] for r in data}


def test_a_cut_name_is_cut_the_same_way_in_the_data_and_the_scales():
    twin = LONG + "X"  # the same first 5,000 characters
    spec = export_spec(hostile_chart([LONG, twin]))
    data_models = [r["model"] for r in next(iter(spec["datasets"].values()))]
    cut = [m for m in data_models if m.startswith("WWW")]
    assert len(cut) == 2 and cut[0] != cut[1]
    assert all(len(m) <= EXPORT_TEXT_LIMIT and "…" in m for m in cut)
    domains = [node["scale"]["domain"] for node in _encodings(spec)
               if node.get("field") == "model" and isinstance(node.get("scale"), dict)
               and isinstance(node["scale"].get("domain"), list)]
    assert domains and all(set(cut) <= set(domain) for domain in domains)


def _encodings(node: object) -> list[dict]:
    """Every channel definition (a dict with a "field") in a spec."""
    found: list[dict] = []
    if isinstance(node, dict):
        if "field" in node:
            found.append(node)
        for value in node.values():
            found += _encodings(value)
    elif isinstance(node, list):
        for value in node:
            found += _encodings(value)
    return found


def test_safe_strings_keeps_numbers_and_expressions_and_never_merges_names():
    long_expr = "datum.x === '" + "y" * 300 + "\x00' ? 1 : 0"
    near = "z" * (EXPORT_TEXT_LIMIT - 1) + "…"  # what a long "zzz…" would be cut to
    spec = {"a\x01": [1, 2.5, None, True, "b\x7f", "\udc80"], "labelExpr": long_expr,
            "values": ["z" * 300, near]}
    out = safe_strings(spec)
    assert out["a\ufffd"] == [1, 2.5, None, True, "b\ufffd", "\ufffd"]
    assert out["labelExpr"] == long_expr.replace("\x00", "\ufffd")
    assert len(set(out["values"])) == 2 and near in out["values"]


def test_a_spec_is_never_made_with_another_sessions_data_transformer():
    """Streamlit switches Altair's process-wide data transformer under its lock while it draws a
    chart; a spec made meanwhile in another thread would lose its data to that chart. The UI
    (which offers the downloads) hands that lock to the exports when it is imported."""
    import lib.ui.widgets  # noqa: F401  (shares the lock)
    from streamlit.elements.vega_charts import _altair_globals_lock

    chart, result = delta_dot_plot(figure_table()), {}
    alt.data_transformers.register("elsewhere", lambda data, **_: {"name": "elsewhere"})
    with _altair_globals_lock, alt.data_transformers.enable("elsewhere"):
        worker = threading.Thread(target=lambda: result.update(spec=export_spec(chart)))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "the export waits for the lock"
    worker.join(60)
    assert len(next(iter(result["spec"]["datasets"].values()))) == 63


@pytest.mark.parametrize("text", [SCRIPT, "<!--", "a</SCRIPT >b", "x\u2028y\u2029z", "&amp;",
                                  "]]>", "'\"\\", "\ufffd"])
def test_script_json_round_trips_and_cannot_end_the_script(text):
    value = {"name": text, "list": [text, 1.5, None]}
    embedded = script_json(value)
    assert json.loads(embedded) == value
    assert not re.search(r"[<>&\u2028\u2029]", embedded)


def test_the_html_page_embeds_the_safe_spec_inside_its_one_script():
    chart = hostile_chart()
    page = chart_html(chart).decode("utf-8")
    start = page.index("const spec = ") + len("const spec = ")
    embedded = page[start: page.index(";\n", start)]
    assert json.loads(embedded) == export_spec(chart)
    assert "</script" not in embedded.lower() and "<!--" not in embedded
    assert "\u2028" not in page and "\u2029" not in page
    plain = chart_html(delta_dot_plot(figure_table())).decode("utf-8")
    assert page.lower().count("</script") == plain.lower().count("</script") == 2
    assert "cdn.jsdelivr.net" not in page and '"renderer": "svg"' in page


def test_too_many_rows_is_an_export_error_before_the_renderer():
    assert export_problem(EXPORT_MAX_ROWS) is None
    assert "narrow the filters" in export_problem(EXPORT_MAX_ROWS + 1)
    big = pd.DataFrame({"x": range(EXPORT_MAX_ROWS + 1)})
    with pytest.raises(ExportError, match="at most 5,000 rows"):
        chart_png(alt.Chart(big).mark_point().encode(x="x:Q"))


@pytest.mark.parametrize("render", [chart_png, chart_svg])
def test_the_renderer_fetches_nothing_and_its_errors_are_export_errors(render):
    remote = alt.Chart("http://127.0.0.1:9/data.csv").mark_point().encode(x="a:Q")
    with pytest.raises(ExportError, match="could not be drawn") as info:
        render(remote)
    assert "not allowed" in str(info.value.__cause__)  # the child renderer's own words


def test_overview_buttons_make_every_file_on_click_and_say_why_when_disabled():
    def page(rows: int) -> AppTest:
        def script(rows: int) -> None:
            import altair as alt
            import pandas as pd

            from lib.ui.widgets import download_buttons

            view = pd.DataFrame({"model": ["m"] * rows, "delta": range(rows)})
            download_buttons(view, alt.Chart(view).mark_point(), name="x")

        return AppTest.from_function(script, args=(rows,), default_timeout=60).run()

    small, big = page(10), page(EXPORT_MAX_ROWS + 1)
    assert not small.exception and not big.exception
    assert [b.proto.disabled for b in small.get("download_button")] == [False] * 4
    assert [b.proto.disabled for b in big.get("download_button")] == [False, True, True, True]
    assert [c.value for c in big.caption] == [export_problem(EXPORT_MAX_ROWS + 1)]
    assert not small.caption
    assert all(b.proto.url == "" for b in small.get("download_button")), "nothing made yet"
