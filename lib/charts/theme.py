"""Chart text in the app's light or dark theme.

Streamlit draws charts in its own theme, whose axis, legend and header text is a mid grey
(under 4.5:1 on its white background) and whose unset text marks take its first chart colour.
No single colour reads at 4.5:1 on both a light and a dark background, so the pages give every
chart's text the ink of the theme the browser shows (`st.context.theme.type`); a chart file
(PNG, SVG, HTML) keeps the default dark-on-white text.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt

THEME_INK = {"light": "#3c4043", "dark": "#dadce0"}
"""Ink of chart text (and of the few marks drawn in the text colour: a median tick, a zero
line) per theme; each reads at 4.5:1 or more on its theme's background (.streamlit/config.toml,
tests/charts/test_contrast.py)."""
TEXT_PARTS = ("axis", "legend", "header", "title")
"""Config blocks whose label and title text the ink colours."""
INKED_MARKS = ("text", "tick", "rule")
"""Marks that take the ink where the chart sets no colour of its own."""


def theme_config(theme: str | None) -> dict[str, dict[str, str]]:
    """Vega-Lite config blocks giving chart text the ink of `theme` ("light" or "dark"); empty
    for an unknown theme (Streamlit's own then applies)."""
    ink = THEME_INK.get(theme or "")
    if ink is None:
        return {}
    config: dict[str, dict[str, str]] = {
        part: {"labelColor": ink, "titleColor": ink} for part in ("axis", "legend", "header")}
    config["title"] = {"color": ink, "subtitleColor": ink}
    config.update({mark: {"color": ink} for mark in INKED_MARKS})
    return config


def themed(spec: Mapping, theme: str | None) -> dict:
    """A Vega-Lite specification with `theme_config` merged into its config (its own settings
    kept where the theme sets nothing)."""
    config = {key: dict(value) if isinstance(value, Mapping) else value
              for key, value in spec.get("config", {}).items()}
    for block, values in theme_config(theme).items():
        config[block] = {**config.get(block, {}), **values}
    return {**spec, "config": config} if config else dict(spec)


def themed_chart(chart: alt.TopLevelMixin, theme: str | None) -> alt.TopLevelMixin:
    """An Altair chart with its text in the ink of `theme` (the chart itself unchanged)."""
    config = theme_config(theme)
    if not config:
        return chart
    out = chart.configure_axis(**config["axis"]).configure_legend(**config["legend"])
    out = out.configure_header(**config["header"]).configure_title(**config["title"])
    return out.configure_text(**config["text"]).configure_tick(**config["tick"]) \
        .configure_rule(**config["rule"])
