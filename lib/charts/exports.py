"""Downloads: the table as CSV safe for spreadsheets, the chart as PNG, SVG and standalone HTML.

Every chart file starts from `export_spec`, the chart's Vega-Lite spec with every string made safe
for the renderer: vl-convert aborts the whole process (every visitor's session with it) on text
that XML forbids, and slows down sharply on very long labels. The HTML page embeds that spec as
JSON that no name can break out of (`script_json`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import altair as alt
import pandas as pd

from lib.core.textcells import scrub_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be run as a formula by a spreadsheet."""

EXPORT_MAX_ROWS = 5000
"""Rows a chart file is drawn from at most (Altair's own limit for inline data): at this size a
PNG takes some 8 s and 300 MB on the server."""
EXPORT_TEXT_LIMIT = 200
"""Characters of one text in a chart file at most; a longer one is cut with an ellipsis. The
renderer's time grows with the square of a label's length (10,000 characters: 7 s; 100,000:
minutes), and a label is shown cut much shorter than this anyway."""
EXPRESSION_KEYS = frozenset({"expr", "labelExpr", "calculate", "filter", "test", "signal",
                             "update"})
"""Spec keys whose text is a Vega expression: scrubbed, never cut (a cut one would not parse)."""
SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}
"""Characters that JSON inside an HTML <script> must not hold literally: `<` could start
`</script>` or `<!--`, `&` an entity in some parsers, U+2028/U+2029 end a line in older
JavaScript. As \\u escapes they mean the same to the JSON parser."""


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


def _render(fmt: str, chart: alt.TopLevelMixin, convert: Callable[[str], bytes]) -> bytes:
    """`convert` applied to the chart's safe spec (as JSON); any failure as an ExportError."""
    spec = json.dumps(export_spec(chart))
    try:
        return convert(spec)
    except Exception as exc:  # the renderer's errors carry no stable type
        raise ExportError(f"The chart could not be drawn as {fmt}.") from exc


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG offline (vl-convert, which may fetch nothing)."""
    import vl_convert as vlc  # imported on first export: it is heavy and most runs never need it

    return _render("PNG", chart, lambda spec: vlc.vegalite_to_png(
        spec, scale=scale, allowed_base_urls=[]))


def chart_svg(chart: alt.TopLevelMixin) -> bytes:
    """The chart rendered to SVG offline (vl-convert, which may fetch nothing)."""
    import vl_convert as vlc

    return _render("SVG", chart, lambda spec: vlc.vegalite_to_svg(
        spec, allowed_base_urls=[]).encode("utf-8"))


class _ScriptJSONEncoder(json.JSONEncoder):
    """JSON with the characters of `SCRIPT_ESCAPES` written as \\u escapes (which JSON can only
    hold inside strings, so the value stays the same)."""

    def encode(self, o: Any) -> str:
        return super().encode(o).translate(SCRIPT_ESCAPES)


def script_json(value: Any) -> str:
    """`value` as JSON that can stand inside an HTML <script> element: no string in it can close
    the script, open a comment or end a JavaScript line."""
    return json.dumps(value, cls=_ScriptJSONEncoder)


def chart_html(chart: alt.TopLevelMixin) -> bytes:
    """A standalone HTML page of the interactive chart, its scripts inlined (works offline), drawn
    as SVG. The spec is `export_spec`'s, embedded as `script_json`."""
    from altair.utils import spec_to_html

    try:
        page = spec_to_html(export_spec(chart), mode="vega-lite", vega_version=alt.VEGA_VERSION,
                            vegalite_version=alt.VEGALITE_VERSION,
                            vegaembed_version=alt.VEGAEMBED_VERSION, template="inline",
                            embed_options={"renderer": "svg"},
                            json_kwds={"cls": _ScriptJSONEncoder})
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError("The chart could not be written as HTML.") from exc
    return page.encode("utf-8")
