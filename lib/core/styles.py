"""Marker colors and shapes: the figure's own, and a palette for anything else."""

from __future__ import annotations

from collections.abc import Sequence

from lib.core.figure import figure_styles

PENTAGON = "M0,-1L0.951,-0.309L0.588,0.809L-0.588,0.809L-0.951,-0.309Z"
"""Vega-Lite has no pentagon; an SVG path in the unit square is a valid shape."""

SHAPE_PATHS: dict[str, str] = {"pentagon": PENTAGON}

CATEGORY_SHAPES: dict[str, str] = {
    "Open LLM": "circle",
    "Closed LLM": "pentagon",
    "Reasoning LLM": "diamond",
}

EXTRA_SHAPES: tuple[str, ...] = (
    "square", "triangle-up", "cross", "triangle-down", "triangle-right", "triangle-left", "wedge",
)

PALETTE: tuple[str, ...] = (
    "#875a00", "#ff1ea5", "#5a693c", "#965a69", "#1e87a5", "#96870f", "#c35aff", "#6987ff",
    "#b48769", "#f06978", "#879669", "#b41e87", "#7878a5", "#00785a", "#c35a0f", "#b478a5",
    "#c3004b", "#007800", "#c3871e", "#ff5a3c", "#695aff", "#0096f0", "#964b2d", "#785a87",
    "#69870f", "#b4695a", "#c300d2", "#87784b", "#1e7878", "#4b9669", "#696900", "#1e6987",
    "#f01e69", "#9669c3", "#96694b", "#5a5a96", "#0078c3", "#d25ac3", "#a54b4b", "#c35a87",
)
"""Colors for models outside the figure, in this order: each at least 10 (CIEDE2000) from every
figure color, from the baseline's grey and from every other (the first 24 at least 12.7), and in
contrast at least 3:1 with both a white and a dark (#0e1117) background. Chosen greedily, each
the farthest from all before it, from an sRGB grid; beyond 40 models they repeat."""

BASELINE_COLOR = "#808080"
"""A neutral grey, unlike every model's color; contrast 3.9:1 on white and 5:1 on #0e1117."""
BASELINE_LABEL = "Baseline (Δ=0)"


def vega_shape(name: str) -> str:
    """The Vega-Lite `shape` value for a shape name (an SVG path where Vega has none)."""
    return SHAPE_PATHS.get(name, name)


def _assign(names: Sequence[str], known: dict[str, str], spares: Sequence[str]) -> dict[str, str]:
    """`known[name]` for known names; the spares in turn (cycled) for the others."""
    out: dict[str, str] = {}
    spare = 0
    for name in names:
        if name in known:
            out[name] = known[name]
        else:
            out[name] = spares[spare % len(spares)]
            spare += 1
    return out


def model_colors(models: Sequence[str]) -> dict[str, str]:
    """A color per model: the figure's for its models, palette colors (cycled) for the others."""
    styles = figure_styles()
    return _assign(models, dict(zip(styles["model"], styles["color"])), PALETTE)


def category_shapes(categories: Sequence[str]) -> dict[str, str]:
    """A shape name per category: the figure's for its groups, the next unused shape otherwise."""
    return _assign(categories, CATEGORY_SHAPES, EXTRA_SHAPES)
