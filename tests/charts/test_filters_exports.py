"""Filtering, CSV export safety, and chart exports (PNG, SVG, standalone HTML)."""

import io

import pandas as pd
import pytest

from lib.analysis.filters import apply_filters, top_models
from lib.charts.dotplot import delta_dot_plot
from lib.charts.exports import chart_html, chart_png, chart_svg, csv_bytes, neutralise_formula
from lib.core import schema
from lib.core.figure import figure_table


def test_filters_intersect_models_categories_and_datasets():
    table = figure_table()
    view = apply_filters(table, ["GPT-4o", "LLaMA3.1-8B", "DeepSeek-V3"], ["Open LLM", "Closed LLM"],
                         ["GSM8K", "MATH"])
    assert sorted(view[schema.MODEL].unique()) == ["GPT-4o", "LLaMA3.1-8B"]
    assert sorted(view[schema.DATASET].unique()) == ["GSM8K", "MATH"]
    assert len(view) == 4
    assert apply_filters(table, [], ["Open LLM"], ["GSM8K"]).empty


@pytest.mark.parametrize("cell,expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("GPT-4o", "GPT-4o"), (-3.0, -3.0),
])
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralise_formula(cell) == expected


def test_csv_keeps_numbers_and_neutralises_text():
    table = pd.DataFrame({schema.MODEL: ["=cmd|' /C calc'!A0", "ok"], schema.DATASET: ["a", "b"],
                          schema.DELTA: [-4.0, 5.0]})
    back = pd.read_csv(io.BytesIO(csv_bytes(table)))
    assert back[schema.MODEL].tolist() == ["'=cmd|' /C calc'!A0", "ok"]
    assert back[schema.DELTA].tolist() == [-4.0, 5.0]


def test_csv_round_trips_the_figure():
    back = pd.read_csv(io.BytesIO(csv_bytes(figure_table())))
    pd.testing.assert_frame_equal(back, figure_table(), check_dtype=False)


@pytest.fixture(scope="module")
def chart():
    return delta_dot_plot(figure_table())


def test_png_export(chart):
    png = chart_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 20_000


def test_svg_export_draws_all_points(chart):
    svg = chart_svg(chart).decode()
    assert svg.lstrip().startswith("<svg")
    assert svg.count("HumanEval") >= 1 and "Baseline (Δ=0)" in svg
    assert svg.count('role-mark') >= 14  # points and rules in 7 facets


def test_html_export_is_standalone(chart):
    html = chart_html(chart).decode()
    assert "<html" in html and "vegaEmbed" in html
    assert "cdn.jsdelivr.net" not in html and "<script src=" not in html
    assert "HumanEval" in html


def test_top_models_rank_by_mean_absolute_delta():
    table = figure_table()
    # mean |Δ| by hand: DeepSeek-V3 (1+8+10+18+11+0+12)/7 = 8.57, Qwen2.5-7B
    # (2+19+3+3+6+5+16)/7 = 7.71, then a tie at 53/7 = 7.57 between LLaMA3.1-70B and GPT-3.5,
    # kept in the table's order.
    assert top_models(table, 4) == ["DeepSeek-V3", "Qwen2.5-7B", "LLaMA3.1-70B", "GPT-3.5"]
    assert len(top_models(table, 100)) == 9


def test_csv_scrubs_control_characters_from_text_cells():
    table = pd.DataFrame({schema.MODEL: ["A\x00B", "=C\x1fD", "E\u2028F"], schema.DATASET: "d",
                          schema.DELTA: [1.0, 2.0, 3.0]})
    text = csv_bytes(table).decode("utf-8")
    back = pd.read_csv(io.StringIO(text))
    assert back[schema.MODEL].tolist() == ["A\ufffdB", "'=C\ufffdD", "E\ufffdF"]
    assert not any(ch in text for ch in "\x00\x1f\u2028")


def test_default_view_and_the_model_limit_of_the_analysis_pages():
    from lib.analysis.filters import default_models, default_view, too_many_models

    table = figure_table()
    assert default_models(table) is None and default_view(table) is table
    chosen = default_models(table, 3)
    assert set(chosen) == set(top_models(table, 3)) == {"Qwen2.5-7B", "LLaMA3.1-70B",
                                                        "DeepSeek-V3"}
    assert chosen == [m for m in pd.unique(table[schema.MODEL]) if m in set(chosen)]
    assert set(default_view(table, 3)[schema.MODEL]) == {"Qwen2.5-7B", "LLaMA3.1-70B",
                                                         "DeepSeek-V3"}
    assert too_many_models(table, "Findings") is None
    message = too_many_models(table, "Findings", limit=8)
    assert message.startswith("The table in use has 9 models; the Findings page analyses tables "
                              "of up to 8 models")


def test_a_picker_lists_at_most_the_models_with_the_largest_mean_absolute_delta():
    from lib.analysis.filters import model_options

    table = figure_table()
    models = list(pd.unique(table[schema.MODEL]))
    assert model_options(models, table) == models
    listed = model_options(models, table, limit=3)
    assert set(listed) == {"Qwen2.5-7B", "LLaMA3.1-70B", "DeepSeek-V3"}
    assert listed == [m for m in models if m in set(listed)], "in the given order"
