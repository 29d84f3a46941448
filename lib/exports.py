"""Downloads: the table as CSV safe for spreadsheets, the chart as PNG, SVG and standalone HTML."""

from __future__ import annotations

import altair as alt
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be run as a formula by a spreadsheet."""


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV of `table`, text cells neutralised against formula injection; numbers untouched."""
    safe = table.copy()
    for col in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8")


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG offline (vl-convert)."""
    import vl_convert as vlc  # imported on first export: it is heavy and most runs never need it

    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def chart_svg(chart: alt.TopLevelMixin) -> bytes:
    """The chart rendered to SVG offline (vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json()).encode("utf-8")


def chart_html(chart: alt.TopLevelMixin) -> bytes:
    """A standalone HTML page of the interactive chart, its scripts inlined (works offline)."""
    return chart.to_html(inline=True).encode("utf-8")
