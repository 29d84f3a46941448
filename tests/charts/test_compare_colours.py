"""Colors, shapes and legends of a compared chart: every model its own color (the figure's keep
theirs), a palette readable on light and dark backgrounds, a baseline unlike every model, and
legends drawn as the points are (lib/core/styles.py, lib/charts/dotplot.py)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from lib.analysis.compare import combined_table
from lib.charts.dotplot import delta_dot_plot
from lib.charts.render import render
from lib.core import schema
from lib.core.figure import figure_models, figure_styles, figure_table
from lib.core.styles import BASELINE_COLOR, PALETTE, model_colors

DARK_BACKGROUND, WHITE = "#0e1117", "#ffffff"


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colors."""
    la, lb = (float(_linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(hex_color: str) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ _linear(hex_color) / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(c1: str, c2: str) -> float:
    """CIEDE2000 difference of two hex colors."""
    return delta_e_lab(lab(c1), lab(c2))


def delta_e_lab(lab1, lab2) -> float:
    """CIEDE2000 color difference of two L*a*b* colors (Sharma, Wu and Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    cm = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cm ** 7 / (cm ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = h2 - h1
    dh = 0.0 if c1p * c2p == 0 else dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lm, cmp_ = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hm = h1 + h2
    elif abs(h1 - h2) <= 180:
        hm = (h1 + h2) / 2
    else:
        hm = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hm - 30)) + 0.24 * np.cos(np.radians(2 * hm))
         + 0.32 * np.cos(np.radians(3 * hm + 6)) - 0.20 * np.cos(np.radians(4 * hm - 63)))
    rc = 2 * np.sqrt(cmp_ ** 7 / (cmp_ ** 7 + 25 ** 7))
    rt = -np.sin(np.radians(60 * np.exp(-(((hm - 275) / 25) ** 2)))) * rc
    sl = 1 + 0.015 * (lm - 50) ** 2 / np.sqrt(20 + (lm - 50) ** 2)
    sc, sh = 1 + 0.045 * cmp_, 1 + 0.015 * cmp_ * t
    dl, dc = (l2 - l1) / sl, (c2p - c1p) / sc
    return float(np.sqrt(dl ** 2 + dc ** 2 + (d_h / sh) ** 2 + rt * dc * (d_h / sh)))


@pytest.mark.parametrize("lab1, lab2, expected", [
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_delta_e_matches_published_pairs(lab1, lab2, expected):
    """Pairs 1, 22 and 34 of Sharma, Wu and Dalal's CIEDE2000 test data."""
    assert delta_e_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)


FIGURE_COLORS = list(figure_styles()["color"])


def test_palette_colors_are_apart_from_each_other_the_figures_and_the_baseline():
    fixed = FIGURE_COLORS + [BASELINE_COLOR]
    for i, color in enumerate(PALETTE):
        nearest = min(delta_e(color, other) for other in fixed + list(PALETTE[:i]))
        assert nearest >= (12.5 if i < 24 else 10.0), (i, color, nearest)
    assert len(set(PALETTE)) == len(PALETTE) >= 40


@pytest.mark.parametrize("background", [WHITE, DARK_BACKGROUND])
def test_palette_and_baseline_are_readable_on_light_and_dark(background):
    for color in (*PALETTE, BASELINE_COLOR):
        assert contrast(color, background) >= 3.0, (color, background)


def test_the_baseline_is_unlike_every_models_color():
    assert min(delta_e(BASELINE_COLOR, c) for c in FIGURE_COLORS + list(PALETTE)) >= 10
    gpt_4o = dict(zip(figure_models(), FIGURE_COLORS))["GPT-4o"]
    assert delta_e("#2e9e44", gpt_4o) < 5, "the old baseline green was nearly GPT-4o's"
    assert delta_e(BASELINE_COLOR, gpt_4o) > 25


def compared(models: list[str]) -> pd.DataFrame:
    upload = schema.conform(pd.DataFrame({
        schema.MODEL: models, schema.DATASET: ["GSM8K"] * len(models),
        schema.DELTA: np.linspace(-10, 10, len(models))}))
    return combined_table(figure_table(), upload)


def color_range(spec: dict) -> dict[str, str]:
    scale = spec["spec"]["layer"][-1]["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"]))


def test_every_model_of_a_compared_chart_has_its_own_color():
    mine = [f"Model {i}" for i in range(30)] + ["GPT-4", "GPT-4-Turbo", "Llama-2-70B", "GPT-4o"]
    colors = color_range(delta_dot_plot(compared(mine)).to_dict())
    assert len(colors) == 9 + 33
    assert len(set(colors.values())) == len(colors), "no two models share a color"
    figure = dict(zip(figure_models(), FIGURE_COLORS))
    assert {m: colors[m] for m in figure} == figure, "the figure's models keep their colors"
    assert not set(FIGURE_COLORS) & {colors[m] for m in mine if m not in figure}
    assert colors["GPT-4"] != colors["GPT-4o"] and colors["Llama-2-70B"] != colors["Qwen2.5-72B"]


def test_model_colors_are_distinct_up_to_the_palettes_length():
    names = [f"m{i}" for i in range(len(PALETTE))] + list(figure_models())
    assert len(set(model_colors(names).values())) == len(names)


def legend_symbols(svg: str) -> list[tuple[str, str | None]]:
    """(path, fill) of every legend symbol of an SVG chart, in drawing order."""
    found = re.findall(r'<g class="mark-symbol role-legend-symbol[^>]*>(.*?)</g>', svg)
    return [(re.search(r' d="([^"]+)"', s).group(1),
             (re.search(r' fill="([^"]+)"', s) or [None, None])[1]) for s in found]


@pytest.fixture(scope="module")
def drawn() -> list[tuple[str, str | None]]:
    table = compared(["Mine", "GPT-4o"])
    return legend_symbols(render("svg", delta_dot_plot(table).to_dict(), scale=1.0).decode())


def test_the_model_legend_shows_each_models_shape_and_color(drawn):
    models = list(figure_models()) + ["Mine"]
    shapes = dict(zip(figure_styles()["model"], figure_styles()["shape"]))
    entries = drawn[1:1 + len(models)]  # after the baseline's
    colors = model_colors(models)
    assert [fill for _, fill in entries] == [colors[m] for m in models]
    paths = {shapes[m]: path for m, (path, _) in zip(models, entries) if m in shapes}
    assert len(set(paths.values())) == 3, "circle, pentagon and diamond"
    for model, (path, _) in zip(models, entries):
        if model in shapes:
            assert path == paths[shapes[model]]
    assert entries[-1][0] not in paths.values(), "an upload's own group has its own shape"


def test_the_source_legend_draws_filled_and_hollow_as_the_points_are(drawn):
    figure_entry, yours_entry = drawn[-2:]
    assert figure_entry[1] not in (None, "transparent", "none")
    assert yours_entry[1] in (None, "transparent", "none")


def test_the_significance_legend_draws_filled_and_hollow_too():
    table = figure_table().assign(**{schema.SIGNIFICANT: [i % 2 == 0 for i in range(63)]})
    symbols = legend_symbols(render("svg", delta_dot_plot(table).to_dict(), scale=1.0).decode())
    yes, no = symbols[-2:]
    assert yes[1] not in (None, "transparent", "none") and no[1] in (None, "transparent", "none")


def test_the_shared_pairs_chart_draws_both_values_in_the_models_color():
    from lib.analysis.compare import FIGURE_DELTA, UPLOAD_DELTA, shared_pairs
    from lib.charts.compare import MAX_PAIRS, PAIR, shared_pairs_chart

    upload = schema.conform(pd.DataFrame({schema.MODEL: ["GPT-3.5", "GPT-4o", "Mine"],
                                          schema.DATASET: ["GSM8K", "MATH", "GSM8K"],
                                          schema.DELTA: [1.0, 9.0, 2.0]}))
    pairs = shared_pairs(figure_table(), upload)
    spec = shared_pairs_chart(pairs).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [(r[PAIR], r[FIGURE_DELTA], r[UPLOAD_DELTA]) for r in data] == [
        ("GPT-3.5 · GSM8K", 18.0, 1.0), ("GPT-4o · MATH", 4.0, 9.0)]
    colors = spec["layer"][1]["encoding"]["color"]["scale"]
    assert dict(zip(colors["domain"], colors["range"])) == {
        m: c for m, c in zip(figure_models(), FIGURE_COLORS) if m in ("GPT-3.5", "GPT-4o")}
    many = pd.concat([pairs] * 40, ignore_index=True)
    many[schema.DATASET] = [f"D{i}" for i in range(len(many))]
    assert len(next(iter(shared_pairs_chart(many).to_dict()["datasets"].values()))) == MAX_PAIRS


def test_a_figure_model_keeps_its_legend_shape_when_the_upload_gives_another_group():
    import json as _json

    from lib.core.styles import PENTAGON

    upload = schema.conform(pd.DataFrame({schema.MODEL: ["GPT-4o"], schema.DATASET: ["GSM8K"],
                                          schema.DELTA: [1.0], schema.CATEGORY: ["Mine"]}))
    spec = delta_dot_plot(combined_table(figure_table(), upload)).to_dict()
    encoding = spec["spec"]["layer"][-1]["encoding"]["color"]
    expr = encoding["legend"]["symbolType"]["expr"]
    shapes = _json.loads(expr.removesuffix("[datum.index]"))
    assert shapes[encoding["scale"]["domain"].index("GPT-4o")] == PENTAGON
