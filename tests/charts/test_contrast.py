"""Chart text reads in both themes: every text colour a chart sets, measured (WCAG 2 contrast)
against the light and the dark background of .streamlit/config.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

import pandas as pd
import pytest

from lib.analysis.findings import Finding, category_trends
from lib.charts import profiles as charts
from lib.charts.dotplot import delta_dot_plot
from lib.charts.findings import category_chart
from lib.charts.theme import THEME_INK, themed, themed_chart
from lib.core import schema
from lib.core.figure import figure_table
from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
THEMES = ("light", "dark")
TEXT_KEYS = ("labelColor", "titleColor", "subtitleColor")


def luminance(color: str) -> float:
    """Relative luminance of a `#rrggbb` colour (WCAG 2)."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def background(theme: str) -> str:
    return CONFIG["theme"][theme]["backgroundColor"]


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def text_colours(spec: dict) -> list[str]:
    """Every colour the spec gives text: text marks (mark colour, fill or a fixed colour
    encoding), the configured text colour, and axis, legend and header label or title colours.
    A text mark with no colour of its own counts as the config's, or as unset."""
    found: list[str] = []
    config = spec.get("config", {})
    config_text = config.get("text", {}).get("color")
    found += [c for block in ("axis", "legend", "header", "title") for k, c in
              config.get(block, {}).items() if k in TEXT_KEYS + ("color",)]
    for node in _walk({k: v for k, v in spec.items() if k not in ("config", "datasets")}):
        mark = node.get("mark")
        if mark == "text" or (isinstance(mark, dict) and mark.get("type") == "text"):
            props = mark if isinstance(mark, dict) else {}
            colour = props.get("color") or props.get("fill")
            encoded = node.get("encoding", {}).get("color", {})
            if "scale" in encoded:  # ink chosen per cell for the cell's own colour
                continue
            colour = colour or encoded.get("value") or config_text
            if colour:
                found.append(colour)
        found += [node[k] for k in TEXT_KEYS if isinstance(node.get(k), str)]
    return found


def test_contrast_is_measured_right():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_themes_keep_the_project_colour_and_the_text_reads():
    assert CONFIG["theme"]["light"]["primaryColor"] == "#2e7dbf"
    assert "primaryColor" not in CONFIG["theme"], "a top-level [theme] colour pins one theme"
    for theme in THEMES:
        assert contrast(CONFIG["theme"][theme]["textColor"], background(theme)) >= 4.5
    assert luminance(background("dark")) < 0.05 < luminance(background("light"))


@pytest.mark.parametrize("theme", THEMES)
def test_the_ink_reads_on_its_theme(theme):
    assert contrast(THEME_INK[theme], background(theme)) >= 4.5


def test_no_fixed_colour_reads_on_both_backgrounds():
    """Why the profile charts follow the theme: no single colour reaches 4.5:1 on both."""
    best = max(min(contrast(f"#{v:02x}{v:02x}{v:02x}", background(t)) for t in THEMES)
               for v in range(256))
    assert best < 4.5


def _profile_specs() -> list[dict]:
    matrix = pd.DataFrame({"MATH": [1.0, -2.0, 3.0], "GSM8K": [0.5, 4.0, -1.0]},
                          index=pd.Index(["A", "B", "C"], name=schema.MODEL))
    compared = pd.DataFrame({schema.DATASET: ["MATH", "GSM8K"], "model": [1.0, 0.5],
                             "reference": [-2.0, 4.0], "difference": [3.0, -3.5]})
    datasets, domain = ("MATH", "GSM8K"), (-30.0, 30.0)
    return [
        charts.standing_chart(datasets, domain).to_dict(),
        charts.standing_chart(datasets, domain, intervals=True).to_dict(),
        charts.comparison_chart(datasets, domain, "A", "B",
                                (("#123456", "circle"), ("#654321", "square"))).to_dict(),
        charts.with_data(charts.difference_chart(datasets).to_dict(),
                         {charts.DIFFERENCE_DATA: charts.difference_frame(compared)}),
        charts.heatmap(datasets, ("A", "B", "C"), ("Unspecified",), 5.0).to_dict(),
    ]


@pytest.mark.parametrize("theme", THEMES)
def test_every_profile_chart_text_reads_in_both_themes(theme):
    for spec in _profile_specs():
        inked = themed(spec, theme)
        assert len(text_colours(inked)) >= 6
        for colour in text_colours(inked):
            assert contrast(colour, background(theme)) >= 4.5, (colour, theme)
        assert inked["config"]["tick"]["color"] == THEME_INK[theme]


def test_profile_charts_fix_no_text_colour_of_their_own():
    """Left to the theme: with none set, the unthemed spec names no text colour at all."""
    for spec in _profile_specs():
        assert text_colours(spec) == []


def _page_charts() -> list:
    table = figure_table()
    trends = category_trends(table)
    assert isinstance(trends, Finding) and not trends.detail.empty
    return [delta_dot_plot(table), delta_dot_plot(table, container_width=400),
            category_chart(trends)]


def test_overview_and_findings_fix_no_text_colour_of_their_own():
    for chart in _page_charts():
        assert text_colours(chart.to_dict()) == []


@pytest.mark.parametrize("theme", THEMES)
def test_overview_and_findings_text_reads_in_both_themes(theme):
    for chart in _page_charts():
        colours = text_colours(themed_chart(chart, theme).to_dict())
        assert len(colours) >= 6
        for colour in colours:
            assert contrast(colour, background(theme)) >= 4.5, (colour, theme)


def test_an_unknown_theme_leaves_the_chart_to_streamlit():
    chart = _page_charts()[0]
    assert themed_chart(chart, None) is chart
    assert themed({"mark": "point"}, None) == {"mark": "point"}
