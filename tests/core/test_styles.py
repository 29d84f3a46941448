"""Marker colors and shapes: the figure's for its models and groups, a palette otherwise."""

from lib.core.figure import figure_models, figure_styles
from lib.core.styles import (CATEGORY_SHAPES, EXTRA_SHAPES, PALETTE, PENTAGON, category_shapes,
                             model_colors, vega_shape)


def test_figure_models_keep_the_figures_colors():
    colors = model_colors(list(figure_models()))
    assert colors == dict(zip(figure_styles()["model"], figure_styles()["color"]))


def test_new_models_take_palette_colors_in_turn():
    colors = model_colors(["GPT-4o", "Mine-1", "Mine-2"])
    assert colors["Mine-1"] == PALETTE[0] and colors["Mine-2"] == PALETTE[1]
    many = model_colors([f"m{i}" for i in range(len(PALETTE) + 3)])
    assert many[f"m{len(PALETTE)}"] == PALETTE[0]


def test_category_shapes():
    shapes = category_shapes(["Open LLM", "Closed LLM", "Reasoning LLM", "Mine", "Other"])
    assert shapes["Open LLM"] == "circle"
    assert shapes["Closed LLM"] == "pentagon"
    assert shapes["Reasoning LLM"] == "diamond"
    assert shapes["Mine"] == EXTRA_SHAPES[0] and shapes["Other"] == EXTRA_SHAPES[1]
    assert set(CATEGORY_SHAPES.values()).isdisjoint(EXTRA_SHAPES)


def test_pentagon_is_an_svg_path_with_five_corners():
    assert vega_shape("pentagon") == PENTAGON
    assert PENTAGON.startswith("M") and PENTAGON.endswith("Z") and PENTAGON.count("L") == 4
    assert vega_shape("diamond") == "diamond"
