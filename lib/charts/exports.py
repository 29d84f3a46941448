"""Downloads: the table as CSV safe for spreadsheets, the chart as PNG, SVG and standalone HTML.

Every chart file starts from `export_spec`, the chart's Vega-Lite spec with every string made safe
for the renderer: vl-convert aborts the process that runs it on text that XML forbids, and slows
down sharply on very long labels. The files are drawn in a child process (`lib.charts.render`),
so that even a failure nobody foresaw costs one download, never the server. The HTML page embeds
the spec as JSON that no name can break out of (`script_json`).
"""

from __future__ import annotations

import json
import threading
from contextlib import AbstractContextManager
from typing import Any

import altair as alt
import pandas as pd

from lib.charts.render import RenderError, ScriptJSONEncoder, render
from lib.core.textcells import scrub_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be run as a formula by a spreadsheet."""

EXPORT_MAX_ROWS = 5000
"""Rows a chart file is drawn from at most (Altair's own limit for inline data): at this size a
PNG takes about 1.2 s in the renderer's child process, which peaks under 200 MB."""
EXPORT_TEXT_LIMIT = 200
"""Characters of one text in a chart file at most; a longer one is cut with an ellipsis. The
renderer's time grows with the square of a label's length (10,000 characters: 7 s; 100,000:
minutes), and a label is shown cut much shorter than this anyway."""
EXPRESSION_KEYS = frozenset({"expr", "labelExpr", "calculate", "filter", "test", "signal",
                             "update"})
"""Spec keys whose text is a Vega expression: scrubbed, never cut (a cut one would not parse)."""


class ExportError(Exception):
    """A chart file that cannot be made; the message says why, in words for the user."""


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text_cell(value: object) -> object:
    """A cell for a file: text scrubbed (`scrub_text`) and neutralised against formulas."""
    return neutralise_formula(scrub_text(value)) if isinstance(value, str) else value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV of `table`: text cells scrubbed of control characters and neutralised against
    formula injection; numbers untouched."""
    safe = table.copy()
    for col in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(_text_cell)
    return safe.to_csv(index=False).encode("utf-8")


TOO_MANY_ROWS = (f"Chart files are made from at most {EXPORT_MAX_ROWS:,} rows: narrow the "
                 "filters in the sidebar, or download the data as CSV.")


def export_problem(rows: int) -> str | None:
    """Why a chart of `rows` rows cannot be exported as a file, or None when it can."""
    return TOO_MANY_ROWS if rows > EXPORT_MAX_ROWS else None


_spec_lock: AbstractContextManager[object] = threading.Lock()


def share_spec_lock(lock: AbstractContextManager[object]) -> None:
    """Make `export_spec` hold `lock` while it builds a spec: the lock under which the UI
    switches Altair's process-wide data transformer to draw a chart. A spec made while another
    session holds it would otherwise lose its data to that session's chart."""
    global _spec_lock
    _spec_lock = lock


def spec_lock() -> AbstractContextManager[object]:
    """The lock held while Altair's process-wide data transformer or theme is switched."""
    return _spec_lock


def export_spec(chart: alt.TopLevelMixin, limit: int = EXPORT_TEXT_LIMIT) -> dict[str, Any]:
    """The chart's Vega-Lite spec for a file: every string (data, titles, labels, tooltips,
    domains) scrubbed of characters XML forbids (`scrub_text`), and every one longer than
    `limit` cut the same way wherever it appears, so the data still match their scales.
    Raises ExportError when the chart has more than `EXPORT_MAX_ROWS` rows."""
    try:
        with _spec_lock:
            spec = chart.to_dict()
    except alt.MaxRowsError as exc:
        raise ExportError(TOO_MANY_ROWS) from exc
    return safe_strings(spec, limit)


def safe_strings(spec: Any, limit: int = EXPORT_TEXT_LIMIT) -> Any:
    """`spec` (JSON-like) with every string and key scrubbed (`scrub_text`) and, outside
    `EXPRESSION_KEYS`, cut to `limit` characters: one long text always becomes the same short
    one, and two long texts never the same."""
    texts: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, str):
            texts.add(scrub_text(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                collect(key)
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec)
    cut: dict[str, str] = {}
    for text in sorted(t for t in texts if len(t) > limit):
        n, short = 1, text[: limit - 1] + "…"
        while short in texts or short in cut.values():
            n += 1
            short = text[: limit - 1 - len(str(n))] + "…" + str(n)
        cut[text] = short

    def clean(node: Any, key: object = None) -> Any:
        if isinstance(node, str):
            text = scrub_text(node)
            return text if key in EXPRESSION_KEYS else cut.get(text, text)
        if isinstance(node, dict):
            return {clean(k): clean(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [clean(v, key) for v in node]
        return node

    return clean(spec)


def _drawn(kind: str, title: str, chart: alt.TopLevelMixin, **options: Any) -> bytes:
    """The chart's safe spec drawn as `kind` by a child process; any failure an ExportError."""
    spec = export_spec(chart)
    try:
        return render(kind, spec, **options)
    except RenderError as exc:
        raise ExportError(f"The chart could not be drawn as {title}.") from exc


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG offline (vl-convert, which may fetch nothing)."""
    return _drawn("png", "PNG", chart, scale=scale)


def chart_svg(chart: alt.TopLevelMixin) -> bytes:
    """The chart rendered to SVG offline (vl-convert, which may fetch nothing)."""
    return _drawn("svg", "SVG", chart)


def spec_svg(spec: dict[str, Any]) -> bytes:
    """A spec made by the app itself (no user text, such as a model's marker) drawn as SVG."""
    try:
        return render("svg", spec)
    except RenderError as exc:
        raise ExportError("The chart could not be drawn as SVG.") from exc


def specs_svg(specs: list[dict[str, Any]]) -> list[bytes]:
    """Specs made by the app itself (`spec_svg`) drawn as SVG by one child process."""
    try:
        drawn = json.loads(render("svgs", {"specs": specs}))
    except (RenderError, ValueError) as exc:
        raise ExportError("The charts could not be drawn as SVG.") from exc
    return [svg.encode("utf-8") for svg in drawn]


def script_json(value: Any) -> str:
    """`value` as JSON that can stand inside an HTML <script> element: no string in it can close
    the script, open a comment or end a JavaScript line."""
    return json.dumps(value, cls=ScriptJSONEncoder)


def chart_html(chart: alt.TopLevelMixin) -> bytes:
    """A standalone HTML page of the interactive chart, its scripts inlined (works offline), drawn
    as SVG. The spec is `export_spec`'s, embedded as `script_json`."""
    return _drawn("html", "HTML", chart, versions={
        "vega": alt.VEGA_VERSION, "vegalite": alt.VEGALITE_VERSION,
        "vegaembed": alt.VEGAEMBED_VERSION})
