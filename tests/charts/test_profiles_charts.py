"""lib/charts/profiles.py: the rows each chart draws, its layout, and that Vega renders it."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import vl_convert as vlc

from lib.analysis.profiles import comparison, delta_matrix, model_categories, standing
from lib.charts.profiles import (COMPARE_POINTS, DIFFERENCE_DATA, HEATMAP_DATA, HEATMAP_SELECTION,
                                 OTHERS_DATA, STANDING_DATA, color_limit, comparison_chart,
                                 comparison_frames, difference_chart, difference_frame, heatmap,
                                 heatmap_frame, marker_chart, standing_chart, standing_domain,
                                 standing_frames, with_data)
from lib.core import schema
from lib.core.figure import category_order, figure_table
from lib.core.styles import PENTAGON

DATASETS = ["HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]


@pytest.fixture(scope="module")
def matrix() -> pd.DataFrame:
    return delta_matrix(figure_table())


@pytest.fixture(scope="module")
def categories() -> dict[str, str]:
    return model_categories(figure_table())


def svg_of(spec: dict) -> str:
    """Render a specification offline; Vega raises on a broken one."""
    return vlc.vegalite_to_svg(spec)


def find(spec: object, key: str) -> list:
    """Every value stored under `key` anywhere in a nested specification."""
    found = []
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == key:
                found.append(v)
            found.extend(find(v, key))
    elif isinstance(spec, list):
        for v in spec:
            found.extend(find(v, key))
    return found


# Heatmap --------------------------------------------------------------------------------------

def test_heatmap_frame_has_every_cell_with_its_label(matrix, categories) -> None:
    cells = heatmap_frame(matrix, categories, "GPT-4o")
    assert len(cells) == 63
    row = cells.set_index([schema.MODEL, schema.DATASET]).loc[("LLaMA3.1-8B", "HumanEval")]
    assert (row[schema.DELTA], row["label"], row["category"]) == (-22, "-22", "Open LLM")
    assert row["ink"] == "light"          # |-22| > 0.6 × 25: white text on dark red
    assert cells.loc[cells[schema.DELTA] == 0, "label"].unique().tolist() == ["0"]
    assert cells["current"].sum() == 7
    assert set(cells.loc[cells["current"], schema.MODEL]) == {"GPT-4o"}


def test_heatmap_colors_are_symmetric_around_zero(matrix) -> None:
    assert color_limit(matrix) == 25      # max |Δ| is 24 (Qwen2.5-72B on HumanEval)
    assert color_limit(matrix * 0) == 5
    spec = heatmap(DATASETS, list(matrix.index), ["Open LLM", "Closed LLM", "Reasoning LLM"],
                   25).to_dict()
    fill = [f for f in find(spec, "fill") if isinstance(f, dict) and f.get("field") == "delta"]
    assert fill[0]["scale"] == {"domain": [-25, 25], "domainMid": 0, "scheme": "redblue"}


def test_heatmap_layout_follows_the_figure(matrix) -> None:
    order = category_order(figure_table())
    spec = heatmap(DATASETS, list(matrix.index), order, 25).to_dict()
    assert spec["data"] == {"name": HEATMAP_DATA}
    assert spec["facet"]["row"]["field"] == "category"
    assert spec["facet"]["row"]["sort"] == ["Open LLM", "Closed LLM", "Reasoning LLM"]
    assert spec["resolve"]["scale"]["y"] == "independent"   # each group lists only its models
    x_sorts = [x["sort"] for x in find(spec, "x") if isinstance(x, dict) and "sort" in x]
    assert x_sorts and all(s == DATASETS for s in x_sorts)
    params = find(spec, "params")[0]
    assert params[0]["name"] == HEATMAP_SELECTION
    assert params[0]["select"] == {"type": "point", "fields": ["model"], "on": "click"}


def test_heatmap_renders_values_and_missing_cells() -> None:
    table = schema.conform(pd.DataFrame({
        "model": ["A", "A", "B"], "dataset": ["X", "Y", "X"], "delta": [4.0, -6.5, 1.0],
        "category": ["g1", "g1", "g2"]}))
    matrix = delta_matrix(table)
    cells = heatmap_frame(matrix, model_categories(table), "A")
    missing = cells.loc[cells[schema.DELTA].isna()]
    assert missing[[schema.MODEL, schema.DATASET, "label"]].values.tolist() == [["B", "Y", "–"]]
    spec = with_data(heatmap(["X", "Y"], ["A", "B"], ["g1", "g2"], color_limit(matrix)).to_dict(),
                     {HEATMAP_DATA: cells})
    assert spec["datasets"][HEATMAP_DATA][3][schema.DELTA] is None   # null, never 0
    svg = svg_of(spec)
    for text in (">+4<", ">-6.5<", ">+1<", ">–<", ">g1<", ">g2<"):
        assert text in svg


def test_heatmap_of_300_models_renders() -> None:
    rows = [(f"m{i}", f"d{j}", float((i * 7 + j * 3) % 41 - 20), f"c{i % 3}")
            for i in range(300) for j in range(5)]
    table = schema.conform(pd.DataFrame(rows, columns=["model", "dataset", "delta", "category"]))
    matrix, cats = delta_matrix(table), model_categories(table)
    spec = with_data(heatmap([f"d{j}" for j in range(5)], list(matrix.index), ["c0", "c1", "c2"],
                             color_limit(matrix)).to_dict(),
                     {HEATMAP_DATA: heatmap_frame(matrix, cats, "m0")})
    svg = svg_of(spec)
    assert svg.count('aria-roledescription="text mark"') >= 1
    assert len(re.findall(r">m\d+<", svg)) == 300       # every model labelled once


# Where it stands ------------------------------------------------------------------------------

def test_standing_frames(matrix) -> None:
    stand = standing(matrix, "GPT-4o")
    frames = standing_frames(stand, matrix, "GPT-4o", ("#2ca02c", PENTAGON))
    mine, others = frames[STANDING_DATA], frames[OTHERS_DATA]
    assert mine["rank_label"].tolist()[0] == "rank 1 of 9"
    assert set(mine["color"]) == {"#2ca02c"} and set(mine["shape"]) == {PENTAGON}
    assert len(others) == 56 and "GPT-4o" not in set(others[schema.MODEL])
    assert standing_domain(frames) == (-30, 30)


def test_standing_chart_renders_with_and_without_intervals(matrix) -> None:
    stand = standing(matrix, "LLaMA3.1-8B")
    intervals = pd.DataFrame({schema.DATASET: DATASETS,
                              schema.CI_LOW: stand[schema.DELTA] - 3,
                              schema.CI_HIGH: stand[schema.DELTA] + 3})
    for extra in (None, intervals):
        frames = standing_frames(stand, matrix, "LLaMA3.1-8B", ("#1a9e8f", "circle"), extra)
        spec = standing_chart(DATASETS, standing_domain(frames),
                              intervals=extra is not None).to_dict()
        assert spec["layer"][0]["data"] == {"name": STANDING_DATA}
        svg = svg_of(with_data(spec, frames))
        assert ">rank 9<" in svg and ">rank 4<" in svg and ">of 9<" in svg  # on two lines
        assert svg.count("#1a9e8f") >= 7 + (7 if extra is not None else 0)
    # -22 - 3 = -25 still fits; the domain grows only past the figure's ±30.
    assert standing_domain(standing_frames(stand, matrix, "LLaMA3.1-8B", ("#000", "circle"),
                                           intervals.assign(ci_low=-41))) == (-50, 30)


# Compare with ---------------------------------------------------------------------------------

def test_comparison_and_difference_charts(matrix) -> None:
    ref = matrix.loc["LLaMA3.1-70B"].rename("LLaMA3.1-70B")
    compared = comparison(matrix, "LLaMA3.1-8B", ref)
    frames = comparison_frames(compared, "LLaMA3.1-8B", "LLaMA3.1-70B")
    assert len(frames[COMPARE_POINTS]) == 14
    assert set(frames[COMPARE_POINTS]["who"]) == {"LLaMA3.1-8B", "LLaMA3.1-70B"}
    spec = comparison_chart(DATASETS, (-30, 30), "LLaMA3.1-8B", "LLaMA3.1-70B",
                            (("#1a9e8f", "circle"), ("#e8b912", "circle"))).to_dict()
    svg = svg_of(with_data(spec, frames))
    assert "LLaMA3.1-70B" in svg and "#e8b912" in svg
    diff = difference_frame(compared)
    assert diff["label"].tolist() == ["-9", "-3", "-9", "-8", "+11", "-5", "-6"]
    assert diff["sign"].tolist() == ["loss"] * 4 + ["gain"] + ["loss"] * 2
    svg = svg_of(with_data(difference_chart(DATASETS).to_dict(), {DIFFERENCE_DATA: diff}))
    assert ">+11<" in svg and ">-9<" in svg


def test_difference_of_a_missing_pair_has_no_bar() -> None:
    compared = pd.DataFrame({schema.DATASET: ["X", "Y"], "model": [1.0, math.nan],
                             "reference": [3.0, 2.0], "difference": [-2.0, math.nan]})
    diff = difference_frame(compared)
    assert diff["label"].tolist() == ["-2", "n/a"]
    spec = with_data(difference_chart(["X", "Y"]).to_dict(), {DIFFERENCE_DATA: diff})
    assert spec["datasets"][DIFFERENCE_DATA][1]["difference"] is None
    svg_of(spec)


def test_marker_is_the_dot_plot_marker() -> None:
    spec = marker_chart("#2ca02c", PENTAGON).to_dict()
    assert spec["mark"]["shape"] == PENTAGON and spec["mark"]["color"] == "#2ca02c"
    assert "#2ca02c" in svg_of(spec)


def test_with_data_leaves_the_spec_alone(matrix, categories) -> None:
    spec = heatmap(DATASETS, list(matrix.index), ["Open LLM"], 25).to_dict()
    before = repr(spec)
    with_data(spec, {HEATMAP_DATA: heatmap_frame(matrix, categories)})
    assert repr(spec) == before
