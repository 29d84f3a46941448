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
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#8cd17d", "#499894", "#f1ce63", "#d37295", "#a0cbe8", "#ffbe7d", "#86bcb6",
    "#d4a6c8", "#fabfd2", "#b6992d", "#79706e",
)
"""Colors for models outside the figure (Tableau 20 order, medium tones first)."""

BASELINE_COLOR = "#2e9e44"
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
