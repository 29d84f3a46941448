"""lib/analysis/compare.py: the upload beside the figure, and the pairs both have."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from lib.analysis.compare import (DIFFERENCE, FIGURE_DELTA, FIGURE_SOURCE, UPLOAD_DELTA,
                                  UPLOAD_SOURCE, combined_table, compare_y_title, overlap,
                                  shared_pairs, split_combined)
from lib.charts.dotplot import delta_dot_plot
from lib.core import schema
from lib.core.figure import figure_table


@pytest.fixture
def upload() -> pd.DataFrame:
    return schema.conform(pd.DataFrame({
        schema.MODEL: ["GPT-4o", "GPT-4o", "Mine", "Mine"],
        schema.DATASET: ["GSM8K", "NewBench", "GSM8K", "MATH"],
        schema.DELTA: [10.0, 2.0, -1.0, 3.0],
    }))


def test_combined_table_puts_the_figure_first_and_marks_sources(upload) -> None:
    table = combined_table(figure_table(), upload)
    assert len(table) == 63 + 4
    assert list(dict.fromkeys(table[schema.SOURCE])) == [FIGURE_SOURCE, UPLOAD_SOURCE]
    assert (table[schema.SOURCE].iloc[:63] == FIGURE_SOURCE).all()


def test_figure_models_in_the_upload_keep_their_figure_category(upload) -> None:
    yours = combined_table(figure_table(), upload).query(f"{schema.SOURCE} == @UPLOAD_SOURCE")
    categories = dict(zip(yours[schema.MODEL], yours[schema.CATEGORY]))
    assert categories == {"GPT-4o": "Closed LLM", "Mine": schema.UNSPECIFIED_CATEGORY}


def test_a_given_category_is_not_overwritten(upload) -> None:
    upload[schema.CATEGORY] = ["Mine group", "Mine group", "Open LLM", "Open LLM"]
    yours = combined_table(figure_table(), upload).query(f"{schema.SOURCE} == @UPLOAD_SOURCE")
    assert yours[schema.CATEGORY].tolist() == upload[schema.CATEGORY].tolist()


def test_split_combined_gives_back_both_tables(upload) -> None:
    figure, yours = split_combined(combined_table(figure_table(), upload))
    assert len(figure) == 63 and len(yours) == 4
    assert yours[schema.DELTA].tolist() == upload[schema.DELTA].tolist()
    assert split_combined(figure_table()) is None
    assert split_combined(upload.assign(source="Elsewhere")) is None


def test_shared_pairs_with_the_difference(upload) -> None:
    figure = figure_table()
    pairs = shared_pairs(figure, upload)
    assert pairs[[schema.MODEL, schema.DATASET]].values.tolist() == [["GPT-4o", "GSM8K"]]
    fig_value = figure.query("model == 'GPT-4o' and dataset == 'GSM8K'")[schema.DELTA].item()
    assert pairs.loc[0, FIGURE_DELTA] == fig_value
    assert pairs.loc[0, UPLOAD_DELTA] == 10.0
    assert pairs.loc[0, DIFFERENCE] == pytest.approx(10.0 - fig_value)


def test_overlap_names_shared_and_new(upload) -> None:
    found = overlap(figure_table(), upload)
    assert found.shared_pairs == 1
    assert found.shared_datasets == ("GSM8K", "MATH")
    assert found.new_datasets == ("NewBench",)
    assert found.shared_models == ("GPT-4o",)
    assert found.new_models == ("Mine",)


def test_compare_y_title() -> None:
    assert compare_y_title("Δ (%)") == "Δ (%)"
    assert compare_y_title("Δ (points)") == "Δ (figure: %; yours: points)"
    assert compare_y_title("Δ (% relative)") == "Δ (figure: %; yours: % relative)"
    assert compare_y_title("Δ (as in your file)") == "Δ (figure: %; yours: as in your file)"
    assert compare_y_title("Δ") == "Δ (figure: %; yours: as given)"


def test_the_chart_marks_your_points_and_adds_new_datasets_as_facets(upload) -> None:
    with alt.data_transformers.disable_max_rows():
        spec = delta_dot_plot(combined_table(figure_table(), upload)).to_dict()
    assert spec["facet"]["sort"][-1] == "NewBench"
    points = next(layer for layer in spec["spec"]["layer"] if layer["mark"]["type"] == "point")
    stroke_width = points["encoding"]["strokeWidth"]
    assert stroke_width["field"] == schema.SOURCE
    assert stroke_width["scale"]["domain"] == [FIGURE_SOURCE, UPLOAD_SOURCE]
    assert stroke_width["title"] == "Source"


# --- names matched with the figure's -------------------------------------------------------------

from lib.analysis.compare import (DATASET_IN_FILE, MATCH, MODEL_IN_FILE, NAME,  # noqa: E402
                                  apply_names, current_mapping, mapping_conflicts, name_mapping,
                                  name_matches, with_file_names)


def named(models, datasets, conditions=None) -> pd.DataFrame:
    frame = pd.DataFrame({schema.MODEL: models, schema.DATASET: datasets,
                          schema.DELTA: [float(i) for i in range(len(models))]})
    if conditions is not None:
        frame[schema.CONDITION] = conditions
    return with_file_names(schema.conform(frame))


def test_file_names_undo_the_readers_renames():
    table = schema.conform(pd.DataFrame({schema.MODEL: ["GPT-4o"], schema.DATASET: ["CS-QA"],
                                         schema.DELTA: [1.0]}))
    out = with_file_names(table, {"Model": {"gpt 4o": "GPT-4o"},
                                  "Dataset": {"CommonSenseQA": "CS-QA", "csqa": "CS-QA"}})
    assert out[MODEL_IN_FILE].tolist() == ["gpt 4o"]
    assert out[DATASET_IN_FILE].tolist() == ["CommonSenseQA"], "the first spelling"


def test_sure_matches_are_applied_and_others_kept():
    upload = named(["GPT-3.5-Turbo", "GPT-4", "Qwen2.5"], ["CommonSenseQA", "GSM8K", "MATH-500"])
    matches = name_matches(upload)
    assert dict(zip(matches[NAME], matches[MATCH])) == {
        "GPT-3.5-Turbo": "GPT-3.5", "GPT-4": "", "Qwen2.5": "",
        "CommonSenseQA": "CS-QA", "GSM8K": "GSM8K", "MATH-500": ""}
    mapped = apply_names(upload, name_mapping(matches))
    assert mapped[schema.MODEL].tolist() == ["GPT-3.5", "GPT-4", "Qwen2.5"]
    assert mapped[schema.DATASET].tolist() == ["CS-QA", "GSM8K", "MATH-500"]
    assert current_mapping(mapped) == {schema.MODEL: {"GPT-3.5-Turbo": "GPT-3.5"},
                                       schema.DATASET: {"CommonSenseQA": "CS-QA"}}
    pairs = shared_pairs(figure_table(), mapped)
    assert pairs[[schema.MODEL, schema.DATASET]].values.tolist() == [["GPT-3.5", "CS-QA"]]


def test_two_names_on_one_cell_are_refused_with_a_clear_message():
    upload = named(["GPT-3.5", "GPT-3.5-Turbo"], ["GSM8K", "GSM8K"])
    matches = name_matches(upload)
    assert dict(zip(matches[NAME], matches[MATCH]))["GPT-3.5-Turbo"] == ""
    mapping = {schema.MODEL: {"GPT-3.5-Turbo": "GPT-3.5"}, schema.DATASET: {}}
    problems = mapping_conflicts(upload, mapping)
    assert problems == ["Models “GPT-3.5” and “GPT-3.5-Turbo” would both be “GPT-3.5” on "
                        "“GSM8K”: match only one of them with it."]
    with pytest.raises(ValueError, match="would both be"):
        apply_names(upload, mapping)


def test_two_names_on_different_datasets_or_conditions_may_share_a_figure_name():
    upload = named(["GPT-3.5", "GPT-3.5-Turbo"], ["GSM8K", "MATH"])
    assert name_mapping(name_matches(upload))[schema.MODEL]["GPT-3.5-Turbo"] == "GPT-3.5"
    upload = named(["GPT-3.5", "GPT-3.5-Turbo"], ["GSM8K", "GSM8K"], ["CoT", "Other"])
    mapping = {schema.MODEL: {"GPT-3.5-Turbo": "GPT-3.5"}, schema.DATASET: {}}
    assert mapping_conflicts(upload, mapping) == []
    upload = named(["Mine", "Mine"], ["MATH-500", "MATH"])
    problems = mapping_conflicts(upload, {schema.MODEL: {}, schema.DATASET: {"MATH-500": "MATH"}})
    assert problems and problems[0].startswith("Datasets “MATH-500” and “MATH”")
