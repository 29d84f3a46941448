"""lib/ui/profile_view.py: the tables, links, markers and click handling around the charts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from lib.analysis.profiles import model_summary, standing
from lib.charts.profiles import HEATMAP_SELECTION
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.styles import PENTAGON
from lib.ui.profile_view import (PROFILE_KEY, apply_click, chart_spec, compare_key, heatmap_key,
                                 intervals_of, marker_of, marker_svg, marker_words, profile_data,
                                 profile_link, standing_table, summary_table)


@pytest.fixture(scope="module")
def data():
    return profile_data(figure_table())


def test_profile_data_uses_the_overview_markers(data) -> None:
    assert data.models[0] == "LLaMA3.1-8B" and len(data.models) == 9
    assert data.category_order == ["Open LLM", "Closed LLM", "Reasoning LLM"]
    assert marker_of(data, "LLaMA3.1-8B") == ("#1a9e8f", "circle")
    assert marker_of(data, "GPT-4o")[1] == PENTAGON
    assert marker_of(data, "DeepSeek-V3")[1] == "diamond"
    assert marker_words(data, "LLaMA3.1-8B") == "teal circle"
    assert marker_words(data, "GPT-4o") == "green pentagon"


def test_marker_words_for_a_model_outside_the_figure() -> None:
    table = schema.conform(pd.DataFrame({"model": ["New"], "dataset": ["X"], "delta": [1.0],
                                         "category": ["Mine"]}))
    data = profile_data(table)
    assert marker_words(data, "New") == f"square ({data.colors['New']})"


def test_marker_svg_is_an_svg_of_the_marker() -> None:
    svg = marker_svg("#2ca02c", PENTAGON)
    assert svg.lstrip().startswith("<svg") and "#2ca02c" in svg


@pytest.mark.parametrize(("model", "link"), [
    ("GPT-4o", "?profile=GPT-4o"),
    ("a b/c&d=e", "?profile=a%20b%2Fc%26d%3De"),
    ("Größe-7B", "?profile=Gr%C3%B6%C3%9Fe-7B"),
])
def test_profile_links_round_trip(model: str, link: str) -> None:
    assert profile_link(model) == link
    assert parse_qs(urlsplit(link).query)[PROFILE_KEY] == [model]


def test_summary_table_links_every_model(data) -> None:
    summary = summary_table(model_summary(data.matrix, data.categories))
    assert summary["link"].tolist() == [f"?profile={m}" for m in data.models]


def test_standing_table_without_and_with_evidence(data) -> None:
    table = figure_table()
    stand = standing(data.matrix, "LLaMA3.1-8B")
    plain = standing_table(stand, table, "LLaMA3.1-8B")
    assert plain.columns.tolist() == ["dataset", "delta", "rank_text", "others_median",
                                      "others_range", "vs_median"]
    assert plain["others_range"].tolist()[-1] == "-24 to -4"
    assert plain["rank_text"].tolist() == ["9 of 9", "6 of 9", "8 of 9", "8 of 9", "7 of 9",
                                           "4 of 9", "8 of 9"]
    rich = table.assign(ci_low=table[schema.DELTA] - 2, ci_high=table[schema.DELTA] + 2,
                        significant=table[schema.DELTA].abs() > 2, p_adjusted=0.01)
    shown = standing_table(stand, rich, "LLaMA3.1-8B").set_index(schema.DATASET)
    assert shown.loc["HumanEval", ["ci_low", "ci_high"]].tolist() == [-24, -20]
    assert bool(shown.loc["CS-QA", "significant"]) is False
    assert shown["p_adjusted"].eq(0.01).all()
    assert intervals_of(table, "GPT-4o") is None
    assert len(intervals_of(rich, "GPT-4o")) == 7


def test_missing_pairs_show_as_not_measured() -> None:
    table = schema.conform(pd.DataFrame({"model": ["A", "B", "B"], "dataset": ["X", "X", "Y"],
                                         "delta": [1.0, 2.0, 3.0]}))
    data = profile_data(table)
    shown = standing_table(standing(data.matrix, "A"), table, "A")
    assert shown["rank_text"].tolist() == ["2 of 2", "not measured"]
    assert pd.isna(shown.loc[1, schema.DELTA])


def test_apply_click_opens_the_clicked_model() -> None:
    key = heatmap_key("LLaMA3.1-8B")
    state = {PROFILE_KEY: "LLaMA3.1-8B",
             key: {"selection": {HEATMAP_SELECTION: [{"model": "GPT-4o"}] * 3}}}
    assert apply_click(state, key, ["LLaMA3.1-8B", "GPT-4o"]) == "GPT-4o"
    assert state[PROFILE_KEY] == "GPT-4o"
    cleared = {PROFILE_KEY: "GPT-4o", key: {"selection": {HEATMAP_SELECTION: []}}}
    assert apply_click(cleared, key, ["GPT-4o"]) is None
    assert cleared[PROFILE_KEY] == "GPT-4o"


def test_widget_keys_are_per_profile() -> None:
    assert heatmap_key("A") != heatmap_key("B")
    assert compare_key("A") != compare_key("B")


def test_chart_spec_is_kept_per_layout() -> None:
    args = (("X", "Y"), ("A", "B"), ("g",), 5.0)
    first = chart_spec("heatmap", args, (("y_title", "Δ"),))
    second = chart_spec("heatmap", args, (("y_title", "Δ"),))
    assert first == second and first is not second   # a fresh copy: safe to attach rows
    assert "datasets" not in first or not any(
        name == "heatmap_cells" for name in first["datasets"])
