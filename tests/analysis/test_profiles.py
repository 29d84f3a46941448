"""lib/analysis/profiles.py: the numbers of a model's profile, checked against hand computations from the
seed's values (data/figure_deltas.csv holds the same 63 numbers as the seed's text)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.analysis.profiles import (IMPROVED, MISSING, UNCHANGED, HURT, Reference, classify,
                                   clicked_model, comparison, default_reference, delta_matrix,
                                   key_figures, model_categories, model_summary, reference_options,
                                   reference_values, rows_of, significance, standing, table_sources)
from lib.core import schema
from lib.core.figure import figure_table

FIGURE_DATASETS = ["HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]
FIGURE_MODELS = ["LLaMA3.1-8B", "LLaMA3.1-70B", "Qwen2.5-7B", "Qwen2.5-72B", "Claude3.5",
                 "GPT-3.5", "GPT-4o", "QWQ-32B", "DeepSeek-V3"]

# From the seed, per dataset in figure order.
LLAMA_8B = [-4, -2, -9, -3, -7, 3, -22]
LLAMA_70B = [5, 1, 0, 5, -18, 8, -16]
GPT_4O = [7, 3, -4, 7, 4, -9, -12]
HUMANEVAL_OTHERS_OF_8B = [-16, -16, -24, -4, -4, -12, -4, -12]  # 70B, Qwen 7B, 72B, Claude,
# GPT-3.5, GPT-4o, QwQ, DeepSeek


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return figure_table()


@pytest.fixture(scope="module")
def matrix(table: pd.DataFrame) -> pd.DataFrame:
    return delta_matrix(table)


@pytest.fixture(scope="module")
def categories(table: pd.DataFrame) -> dict[str, str]:
    return model_categories(table)


def test_matrix_is_models_by_datasets_in_figure_order(matrix: pd.DataFrame) -> None:
    assert list(matrix.index) == FIGURE_MODELS
    assert list(matrix.columns) == FIGURE_DATASETS
    assert matrix.loc["LLaMA3.1-8B"].tolist() == LLAMA_8B
    assert matrix.loc["GPT-4o"].tolist() == GPT_4O
    assert matrix.notna().all().all()


def test_key_figures_of_llama_8b_match_the_hand_computation(matrix: pd.DataFrame) -> None:
    figures = key_figures(matrix, "LLaMA3.1-8B", tolerance=1.0)
    # (-4 - 2 - 9 - 3 - 7 + 3 - 22) / 7 = -44/7 = -6.2857...; sorted: -22 -9 -7 -4 -3 -2 3
    assert figures.mean == pytest.approx(-44 / 7)
    assert round(figures.mean, 1) == -6.3
    assert figures.median == -4
    assert (figures.best.dataset, figures.best.delta) == ("GPQA", 3)
    assert (figures.worst.dataset, figures.worst.delta) == ("HumanEval", -22)
    # At ±1 only GPQA (+3) gains; CS-QA (-2) is already beyond the tolerance.
    assert figures.improved == ("GPQA",)
    assert figures.hurt == ("HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "HumanEval")
    assert figures.unchanged == () and figures.missing == ()
    assert (figures.measured, figures.total) == (7, 7)


@pytest.mark.parametrize(("tolerance", "improved", "hurt", "unchanged"), [
    (0.0, 1, 6, 0),   # nothing is exactly 0
    (1.0, 1, 6, 0),
    (2.0, 1, 5, 1),   # CS-QA -2 sits on the edge: |Δ| ≤ tolerance counts as unchanged
    (3.0, 0, 4, 3),   # CS-QA -2, GSM8K -3 and GPQA +3 within ±3
    (22.0, 0, 0, 7),
])
def test_tolerance_moves_datasets_into_unchanged(matrix: pd.DataFrame, tolerance: float,
                                                 improved: int, hurt: int, unchanged: int) -> None:
    figures = key_figures(matrix, "LLaMA3.1-8B", tolerance)
    assert (len(figures.improved), len(figures.hurt), len(figures.unchanged)) == (
        improved, hurt, unchanged)


def test_key_figures_of_gpt_4o(matrix: pd.DataFrame) -> None:
    figures = key_figures(matrix, "GPT-4o", 1.0)
    assert figures.mean == pytest.approx(-4 / 7)   # 7 + 3 - 4 + 7 + 4 - 9 - 12 = -4
    assert figures.median == 3                     # -12 -9 -4 3 4 7 7
    assert figures.best.dataset == "HotpotQA"      # +7, tied with GSM8K: the first one wins
    assert figures.worst == figures.worst.__class__("HumanEval", -12.0, None)
    assert figures.improved == ("HotpotQA", "CS-QA", "GSM8K", "MATH")
    assert figures.hurt == ("AQUA", "GPQA", "HumanEval")


def test_classify_edges() -> None:
    assert classify(1.0, 1.0) == UNCHANGED
    assert classify(-1.0, 1.0) == UNCHANGED
    assert classify(1.01, 1.0) == IMPROVED
    assert classify(-1.01, 1.0) == HURT
    assert classify(math.nan, 1.0) == MISSING
    assert classify(0.0, 0.0) == UNCHANGED


def test_standing_ranks_and_spread_for_llama_8b(matrix: pd.DataFrame) -> None:
    stand = standing(matrix, "LLaMA3.1-8B").set_index(schema.DATASET)
    # Rank 1 = highest Δ; ties share the better rank (GSM8K: -3 tied with Qwen2.5-7B).
    assert stand["rank"].tolist() == [9, 6, 8, 8, 7, 4, 8]
    assert stand["ranked"].tolist() == [9] * 7
    assert stand.at["GSM8K", "tied"] == 1 and stand.at["MATH", "tied"] == 0
    he = stand.loc["HumanEval"]
    assert he["others_n"] == 8
    assert (he["others_min"], he["others_max"]) == (-24, -4)
    assert he["others_median"] == -12            # sorted: -24 -16 -16 -12 -12 -4 -4 -4
    assert he["others_mean"] == pytest.approx(sum(HUMANEVAL_OTHERS_OF_8B) / 8)   # -11.5
    assert he["vs_median"] == -10
    # HotpotQA: others 5 -2 6 7 5 7 1 1, median (5 + 5) / 2 = 5
    assert stand.at["HotpotQA", "others_median"] == 5


def test_gpt_4o_ranks_first_on_hotpotqa_tied(matrix: pd.DataFrame) -> None:
    stand = standing(matrix, "GPT-4o").set_index(schema.DATASET)
    assert stand.at["HotpotQA", "rank"] == 1 and stand.at["HotpotQA", "tied"] == 1  # Claude3.5


@pytest.mark.parametrize(("model", "expected"), [
    ("LLaMA3.1-8B", Reference("model", "LLaMA3.1-70B")),
    ("LLaMA3.1-70B", Reference("model", "LLaMA3.1-8B")),
    ("Qwen2.5-7B", Reference("model", "Qwen2.5-72B")),
    ("Qwen2.5-72B", Reference("model", "Qwen2.5-7B")),
    ("QWQ-32B", Reference("category", "Closed LLM", 3)),   # a size, but no other of its family
    ("GPT-4o", Reference("category", "Closed LLM", 3)),
    ("Claude3.5", Reference("category", "Closed LLM", 3)),
    ("DeepSeek-V3", Reference("others", "", 8)),            # alone in its category
])
def test_default_reference_is_the_sibling_else_the_category_mean(
        matrix: pd.DataFrame, categories: dict[str, str], model: str,
        expected: Reference) -> None:
    options = reference_options(model, categories, list(matrix.index))
    assert default_reference(model, options) == expected


def test_reference_options_list_the_means_then_every_other_model(
        matrix: pd.DataFrame, categories: dict[str, str]) -> None:
    options = reference_options("GPT-4o", categories, list(matrix.index))
    assert [o.label for o in options[:2]] == ["Mean of the other Closed LLM models (3)",
                                             "Mean of all other models (8)"]
    assert [o.name for o in options[2:]] == [m for m in FIGURE_MODELS if m != "GPT-4o"]
    assert reference_options("Solo", {"Solo": "x"}, ["Solo"]) == []
    assert default_reference("Solo", []) is None


def test_comparison_with_the_sibling(matrix: pd.DataFrame, categories: dict[str, str]) -> None:
    ref = Reference("model", "LLaMA3.1-70B")
    compared = comparison(matrix, "LLaMA3.1-8B",
                          reference_values(matrix, "LLaMA3.1-8B", ref, categories))
    assert compared["reference"].tolist() == LLAMA_70B
    assert compared["difference"].tolist() == [a - b for a, b in zip(LLAMA_8B, LLAMA_70B)]
    assert compared["difference"].tolist() == [-9, -3, -9, -8, 11, -5, -6]


def test_category_mean_leaves_the_model_out(matrix: pd.DataFrame,
                                            categories: dict[str, str]) -> None:
    ref = Reference("category", "Closed LLM", 3)
    values = reference_values(matrix, "GPT-4o", ref, categories)
    # Claude3.5, GPT-3.5 and QWQ-32B on each dataset, by hand.
    hand = [(7 + 5 + 1) / 3, (3 + 2 - 4) / 3, (-17 + 10 + 10) / 3, (2 + 18 + 3) / 3,
            (2 + 5 + 2) / 3, (-16 - 9 - 7) / 3, (-4 - 4 - 4) / 3]
    assert values.tolist() == pytest.approx(hand)
    diff = comparison(matrix, "GPT-4o", values)["difference"].tolist()
    assert diff == pytest.approx([8 / 3, 8 / 3, -5, -2 / 3, 1, 5 / 3, -8])


def test_mean_of_all_others(matrix: pd.DataFrame, categories: dict[str, str]) -> None:
    values = reference_values(matrix, "DeepSeek-V3", Reference("others", "", 8), categories)
    assert values["HotpotQA"] == pytest.approx((-4 + 5 - 2 + 6 + 7 + 5 + 7 + 1) / 8)   # 3.125


def test_model_summary(matrix: pd.DataFrame, categories: dict[str, str]) -> None:
    summary = model_summary(matrix, categories, 1.0).set_index(schema.MODEL)
    assert summary.loc["LLaMA3.1-8B", ["improved", "hurt", "unchanged"]].tolist() == [1, 6, 0]
    # 70B: 5 1 0 5 -18 8 -16 -> gains 5 5 8, losses -18 -16, level 1 0
    assert summary.loc["LLaMA3.1-70B", ["improved", "hurt", "unchanged"]].tolist() == [3, 2, 2]
    assert summary.loc["LLaMA3.1-70B", "mean"] == pytest.approx(-15 / 7)
    assert summary.loc["GPT-4o", "category"] == "Closed LLM"
    assert (summary["measured"] == 7).all()
    assert (summary[["improved", "hurt", "unchanged"]].sum(axis=1) == 7).all()


# Missing pairs --------------------------------------------------------------------------------

@pytest.fixture
def gappy() -> pd.DataFrame:
    """A measured on X and Y, B on X and Z, C on Z only: three missing pairs."""
    return schema.conform(pd.DataFrame({
        "model": ["A", "A", "B", "B", "C"], "dataset": ["X", "Y", "X", "Z", "Z"],
        "delta": [1.0, -3.0, 5.0, 2.0, -8.0], "category": ["g", "g", "g", "g", "h"]}))


def test_missing_pairs_stay_missing_never_zero(gappy: pd.DataFrame) -> None:
    matrix = delta_matrix(gappy)
    assert matrix.isna().sum().sum() == 4   # A-Z, B-Y, C-X, C-Y
    figures = key_figures(matrix, "A", 1.0)
    assert figures.missing == ("Z",)
    assert figures.mean == -1.0 and figures.median == -1.0   # (1 - 3) / 2, not (1 - 3 + 0) / 3
    assert (figures.measured, figures.total) == (2, 3)
    stand = standing(matrix, "A").set_index(schema.DATASET)
    assert pd.isna(stand.at["Z", "rank"]) and pd.isna(stand.at["Z", schema.DELTA])
    assert stand.at["X", "rank"] == 2 and stand.at["X", "ranked"] == 2
    assert stand.at["Y", "others_n"] == 0 and pd.isna(stand.at["Y", "others_median"])


def test_reference_means_skip_missing_values(gappy: pd.DataFrame) -> None:
    matrix, cats = delta_matrix(gappy), model_categories(gappy)
    values = reference_values(matrix, "A", Reference("others", "", 2), cats)
    assert values["X"] == 5 and pd.isna(values["Y"]) and values["Z"] == pytest.approx(-3)
    compared = comparison(matrix, "A", values).set_index(schema.DATASET)
    assert compared.at["X", "difference"] == -4
    assert pd.isna(compared.at["Y", "difference"]) and pd.isna(compared.at["Z", "difference"])
    summary = model_summary(matrix, cats).set_index(schema.MODEL)
    assert summary["measured"].tolist() == [2, 2, 1]


def test_one_model_and_one_dataset() -> None:
    solo = schema.conform(pd.DataFrame({"model": ["M"], "dataset": ["D"], "delta": [-2.5]}))
    matrix = delta_matrix(solo)
    figures = key_figures(matrix, "M")
    assert figures.best == figures.worst and figures.hurt == ("D",)
    stand = standing(matrix, "M")
    assert stand["rank"].tolist() == [1] and stand["others_n"].tolist() == [0]
    assert reference_options("M", model_categories(solo), ["M"]) == []


def test_significance_comes_from_the_table_when_present(table: pd.DataFrame) -> None:
    assert significance(table, "GPT-4o") == {}
    flagged = table.assign(significant=[i % 2 == 0 for i in range(len(table))])
    flags = significance(flagged, "LLaMA3.1-8B")
    assert set(flags) == set(FIGURE_DATASETS)
    figures = key_figures(delta_matrix(flagged), "LLaMA3.1-8B", 1.0, flags)
    assert figures.best.significant is flags["GPQA"]


# Heatmap clicks -------------------------------------------------------------------------------

def test_clicked_model_dedupes_the_per_panel_event() -> None:
    event = {"selection": {"profile_cell": [{"model": "GPT-4o"}, {"model": "GPT-4o"},
                                            {"model": "GPT-4o"}]}}
    assert clicked_model(event, "profile_cell", FIGURE_MODELS) == "GPT-4o"


@pytest.mark.parametrize("event", [
    None, {}, {"selection": {}}, {"selection": {"profile_cell": []}},
    {"selection": {"profile_cell": {}}},
    {"selection": {"profile_cell": [{"model": "GPT-4o"}, {"model": "Claude3.5"}]}},
    {"selection": {"profile_cell": [{"model": "Unknown"}]}},
    {"selection": {"other": [{"model": "GPT-4o"}]}},
])
def test_clicked_model_ignores_anything_but_one_known_model(event: object) -> None:
    assert clicked_model(event, "profile_cell", FIGURE_MODELS) is None


def test_a_joined_table_is_read_one_source_at_a_time(table: pd.DataFrame) -> None:
    yours = table.loc[table[schema.MODEL] == "GPT-4o"].assign(delta=1.0)
    joined = pd.concat([table.assign(source="Figure"), yours.assign(source="Yours")],
                       ignore_index=True)
    assert table_sources(table) == [] and table_sources(table.assign(source="Figure")) == []
    assert table_sources(joined) == ["Figure", "Yours"]
    mine = rows_of(joined, "Yours")
    assert schema.SOURCE not in mine.columns and len(mine) == 7
    assert delta_matrix(mine).loc["GPT-4o"].tolist() == [1.0] * 7
    assert delta_matrix(rows_of(joined, "Figure")).loc["GPT-4o"].tolist() == GPT_4O
