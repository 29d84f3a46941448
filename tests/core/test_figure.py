"""The bundled figure: 63 values, its order, categories and styles, checked against the seed."""

import pandas as pd
import pytest

from lib.core import schema
from lib.core.figure import (FIGURE_CATEGORIES, category_order, dataset_order, figure_datasets,
                             figure_models, figure_styles, figure_table, model_order)

DATASETS = ["HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]
MODELS = ["LLaMA3.1-8B", "LLaMA3.1-70B", "Qwen2.5-7B", "Qwen2.5-72B", "Claude3.5", "GPT-3.5",
          "GPT-4o", "QWQ-32B", "DeepSeek-V3"]
# The seed's values, one row per dataset in the figure's model order.
SEED = {
    "HotpotQA": [-4, 5, -2, 6, 7, 5, 7, 1, 1],
    "CS-QA": [-2, 1, -19, 7, 3, 2, 3, -4, -8],
    "AQUA": [-9, 0, 3, 0, -17, 10, -4, 10, 10],
    "GSM8K": [-3, 5, -3, 3, 2, 18, 7, 3, 18],
    "MATH": [-7, -18, -6, -3, 2, 5, 4, 2, -11],
    "GPQA": [3, 8, 5, 6, -16, -9, -9, -7, 0],
    "HumanEval": [-22, -16, -16, -24, -4, -4, -12, -4, -12],
}


def test_sixty_three_values_match_the_seed():
    table = figure_table()
    assert len(table) == 63
    assert not table.duplicated([schema.MODEL, schema.DATASET]).any()
    for dataset, values in SEED.items():
        got = table[table[schema.DATASET] == dataset].set_index(schema.MODEL)[schema.DELTA]
        assert got.reindex(MODELS).tolist() == values, dataset


def test_contract_columns_and_dtypes():
    table = figure_table()
    assert list(table.columns) == [schema.MODEL, schema.DATASET, schema.DELTA, schema.CATEGORY]
    assert table[schema.DELTA].dtype == "float64"


def test_orders_are_the_figures():
    assert list(figure_datasets()) == DATASETS
    assert list(figure_models()) == MODELS
    table = figure_table()
    assert dataset_order(table) == DATASETS
    assert model_order(table) == MODELS
    assert category_order(table) == list(FIGURE_CATEGORIES)


def test_categories_as_the_legend_gives_them():
    cats = figure_table().drop_duplicates(schema.MODEL).set_index(schema.MODEL)[schema.CATEGORY]
    assert cats[["LLaMA3.1-8B", "LLaMA3.1-70B", "Qwen2.5-7B", "Qwen2.5-72B"]].eq("Open LLM").all()
    assert cats[["Claude3.5", "GPT-3.5", "GPT-4o", "QWQ-32B"]].eq("Closed LLM").all()
    assert cats["DeepSeek-V3"] == "Reasoning LLM"


def test_styles_agree_with_the_data():
    styles = figure_styles()
    assert list(styles["model"]) == MODELS
    assert styles["color"].str.fullmatch(r"#[0-9a-f]{6}").all()
    assert styles["color"].is_unique
    cats = figure_table().drop_duplicates(schema.MODEL).set_index(schema.MODEL)[schema.CATEGORY]
    assert (styles.set_index("model")["category"] == cats.reindex(MODELS)).all()
    names = dict(zip(styles["model"], styles["color_name"]))
    assert names["LLaMA3.1-8B"] == "teal" and names["Qwen2.5-72B"] == "red"
    assert names["DeepSeek-V3"] == "purple" and names["QWQ-32B"] == "light blue"


def test_counts_above_at_below_zero():
    d = figure_table()[schema.DELTA]
    assert ((d > 0).sum(), (d == 0).sum(), (d < 0).sum()) == (31, 3, 29)


def test_figure_table_is_a_fresh_copy():
    a = figure_table()
    a.loc[0, schema.DELTA] = 99
    assert figure_table().loc[0, schema.DELTA] == -4


def test_orders_put_new_names_after_the_figures():
    table = pd.concat([
        pd.DataFrame({schema.MODEL: ["Zeta"], schema.DATASET: ["NewSet"], schema.DELTA: [1.0],
                      schema.CATEGORY: ["Mine"]}),
        figure_table(),
    ])
    assert dataset_order(table) == DATASETS + ["NewSet"]
    assert model_order(table) == MODELS + ["Zeta"]
    assert category_order(table) == list(FIGURE_CATEGORIES) + ["Mine"]


@pytest.mark.parametrize("missing", [schema.MODEL, schema.DATASET, schema.DELTA])
def test_conform_names_a_missing_column(missing):
    frame = figure_table().drop(columns=[missing])
    with pytest.raises(KeyError, match=missing):
        schema.conform(frame)


def test_conform_fills_category_and_keeps_extras():
    frame = pd.DataFrame({"dataset": ["A"], "model": ["m"], "delta": ["2.5"], "note": ["x"],
                          "category": [None]})
    out = schema.conform(frame)
    assert list(out.columns) == ["model", "dataset", "delta", "category", "note"]
    assert out.loc[0, "delta"] == 2.5
    assert out.loc[0, "category"] == schema.UNSPECIFIED_CATEGORY
