"""lib/ingest/shapes.py: telling long, scores and wide tables apart, and mapping them to long cells."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core import schema
from lib.ingest.items.columns import role_columns
from lib.ingest.shapes import (CONVERTERS, DATASET_COLUMNS, DETECTORS, ITEM_SHAPES, MAPPED_SHAPES,
                               REQUIRED_ROLES, ROW, Mapping, Shape, detect, evidence_of, origin,
                               to_cells)


def frame(columns: dict[str, list[object]], first_row: int = 2) -> pd.DataFrame:
    out = pd.DataFrame(columns, dtype=object)
    out.index = pd.Index(range(first_row, first_row + len(out)), name="row")
    return out


def test_every_shape_has_required_roles_and_a_way_to_the_contract() -> None:
    assert set(REQUIRED_ROLES) == set(Shape) == set(MAPPED_SHAPES) | set(ITEM_SHAPES)
    assert set(CONVERTERS) == set(MAPPED_SHAPES) and not set(MAPPED_SHAPES) & set(ITEM_SHAPES)
    assert DETECTORS, "detection runs through one ordered list of detectors"


ITEM_FILE = {"model": ["A", "A"], "dataset": ["X", "X"], "question_id": ["1", "2"],
             "baseline": ["0", "1"], "treatment": ["1", "1"]}
COUNTS_FILE = {"model": ["A"], "task": ["GSM8K"], "base_acc": ["50.5"], "cot_acc": ["60"],
               "n": ["100"]}


def test_one_registry_knows_every_shape() -> None:
    """Per-item outcomes and per-arm scores with n are found by the same `detect` as the
    mapped shapes, from a frame, delimited bytes or bare names."""
    items = pd.DataFrame(ITEM_FILE)
    for source in (items, items.to_csv(index=False).encode(), list(items.columns)):
        found = detect(evidence_of(source))
        assert found.sure and found.mapping.shape is Shape.PER_ITEM
        assert found.mapping.roles["item"] == "question_id"
    counts = pd.DataFrame(COUNTS_FILE)
    assert detect(counts).mapping.shape is Shape.COUNTS
    assert detect(evidence_of(counts.to_csv(index=False).encode())).mapping.shape is Shape.COUNTS
    assert not detect(counts).mapping.missing()


def test_scores_above_one_make_an_item_like_column_a_row_id() -> None:
    """Values decide where names cannot: arms of scores such as 62.5 (or 62,5 with a decimal
    comma, read by the app's number rules) are not per-item outcomes."""
    for scores in (["62.5", "70"], ["62,5", "70,0"]):
        table = frame({**ITEM_FILE, "baseline": scores, "treatment": scores, "n": ["9", "9"]})
        assert detect(table).mapping.shape is Shape.COUNTS
        assert detect(evidence_of(list(table.columns))).mapping.shape is Shape.PER_ITEM
        assert detect(table.drop(columns="n")).mapping.shape is Shape.SCORES


def test_the_mapped_path_asks_only_for_mapped_shapes() -> None:
    found = detect(frame(ITEM_FILE), among=MAPPED_SHAPES)
    assert found.mapping.shape in MAPPED_SHAPES


def test_long_shape_with_aliases_is_sure() -> None:
    found = detect(frame({"Model": ["A"], "Benchmark": ["GSM8K"], "Δ (%)": ["+1%"],
                          "Group": ["Open LLM"], "CI lower": ["0"], "CI upper": ["2"]}))
    assert found.sure and found.reasons == ()
    assert found.mapping.shape is Shape.LONG
    assert found.mapping.roles == {schema.MODEL: "Model", schema.DATASET: "Benchmark",
                                   schema.DELTA: "Δ (%)", schema.CATEGORY: "Group",
                                   schema.CI_LOW: "CI lower", schema.CI_HIGH: "CI upper"}


def test_scores_shape_when_there_is_no_delta() -> None:
    table = frame({"model": ["A"], "task": ["GSM8K"], "base_acc": ["0.5"], "cot_acc": ["0.6"],
                   "n": ["100"]})
    assert detect(table).mapping.shape is Shape.COUNTS  # with n: unpaired intervals
    found = detect(table, MAPPED_SHAPES)
    assert found.sure
    assert found.mapping.shape is Shape.SCORES
    assert found.mapping.roles[schema.BASELINE] == "base_acc"
    assert found.mapping.roles[schema.TREATMENT] == "cot_acc"
    assert found.mapping.roles[schema.N_ITEMS] == "n"


def test_delta_wins_over_scores_and_the_scores_are_kept() -> None:
    found = detect(frame({"model": ["A"], "dataset": ["X"], "baseline": ["1"], "treatment": ["2"],
                          "delta": ["1"]}))
    assert found.mapping.shape is Shape.LONG
    assert set(found.mapping.roles) == {schema.MODEL, schema.DATASET, schema.DELTA,
                                        schema.BASELINE, schema.TREATMENT}


def test_a_method_column_names_the_condition_not_the_treatment() -> None:
    found = detect(frame({"model": ["A", "B"], "dataset": ["X", "X"], "method": ["CoT", "CoT"],
                          "delta": ["1", "2"]}))
    assert found.sure and found.mapping.shape is Shape.LONG
    assert found.mapping.roles == {schema.MODEL: "model", schema.DATASET: "dataset",
                                   schema.DELTA: "delta", schema.CONDITION: "method"}


@pytest.mark.parametrize("scores", [["62.5", "70"], ["0.6", "0.7"]])
def test_an_intervention_column_of_numbers_is_the_treatment_score(scores) -> None:
    """"intervention" and "variant" name the condition as text, the treatment as numbers."""
    found = detect(frame({"model": ["A", "B"], "dataset": ["X", "X"],
                          "baseline": ["60", "65"], "intervention": scores}), MAPPED_SHAPES)
    assert found.sure and found.mapping.shape is Shape.SCORES
    assert found.mapping.roles[schema.TREATMENT] == "intervention"
    assert schema.CONDITION not in found.mapping.roles
    text = detect(frame({"model": ["A", "B"], "dataset": ["X", "X"],
                         "intervention": ["CoT", "RCI"], "delta": ["1", "2"]}))
    assert text.mapping.roles[schema.CONDITION] == "intervention"


def test_wide_tables_take_a_condition_column() -> None:
    found = detect(frame({"model": ["A", "A"], "round": ["1", "2"], "GSM8K": ["1", "2"],
                          "MATH": ["3", "4"]}))
    assert found.mapping.shape is Shape.WIDE
    assert found.mapping.roles == {schema.MODEL: "model", schema.CONDITION: "round"}
    assert found.mapping.dataset_columns == ("GSM8K", "MATH")


def test_per_item_roles_leave_the_ordinary_shapes_alone() -> None:
    found = detect(frame({"question_id": ["1", "2"], "model": ["A", "B"], "dataset": ["X", "X"],
                          "seed": ["0", "1"], "delta": ["1", "2"]}))
    assert found.sure and found.mapping.shape is Shape.LONG
    assert found.mapping.roles == {schema.MODEL: "model", schema.DATASET: "dataset",
                                   schema.DELTA: "delta"}


@pytest.mark.parametrize("columns,roles", [
    ({"LLM name": ["A"], "Benchmarks": ["X"], "direct": ["50"], "chain_of_thought": ["60"],
      "num_examples": ["100"]},
     {schema.MODEL: "LLM name", schema.DATASET: "Benchmarks", schema.BASELINE: "direct",
      schema.TREATMENT: "chain_of_thought", schema.N_ITEMS: "num_examples"}),
    ({"model": ["A"], "test set": ["X"], "standard": ["50"], "with": ["60"], "class": ["c"]},
     {schema.MODEL: "model", schema.DATASET: "test set", schema.BASELINE: "standard",
      schema.TREATMENT: "with", schema.CATEGORY: "class"}),
])
def test_scores_headers_of_per_item_counts_files_mean_the_same(columns, roles) -> None:
    """The scores shape and the per-arm counts shape read a header the same way."""
    found = detect(frame(columns), MAPPED_SHAPES)
    assert found.sure and found.mapping.shape is Shape.SCORES
    assert found.mapping.roles == roles
    either = detect(frame(columns))
    assert either.mapping.shape is (Shape.COUNTS if schema.N_ITEMS in roles else Shape.SCORES)
    assert either.mapping.roles == roles
    assert {r: c for r, c in role_columns(list(columns)).items() if r in roles} == roles


def test_wide_shape_leaves_summary_columns_out() -> None:
    found = detect(frame({"Model": ["A", "B"], "Category": ["x", "y"], "GSM8K": ["1", "2"],
                          "Human-Eval": ["-1", "3,5"], "Average": ["0", "1"]}))
    assert found.sure
    assert found.mapping.shape is Shape.WIDE
    assert found.mapping.roles == {schema.MODEL: "Model", schema.CATEGORY: "Category"}
    assert found.mapping.dataset_columns == ("GSM8K", "Human-Eval")


def test_wide_keeps_a_known_dataset_column_even_with_text_in_it() -> None:
    found = detect(frame({"model": ["A", "B"], "MATH": ["n/a", "oops"], "GSM8K": ["1", "2"]}))
    assert found.mapping.dataset_columns == ("MATH", "GSM8K")


def test_unsure_when_the_model_column_is_a_guess() -> None:
    found = detect(frame({"name": ["A", "B"], "GSM8K": ["1", "2"]}))
    assert not found.sure
    assert found.mapping.roles[schema.MODEL] == "name"
    assert "“name” is a guess" in found.reasons[0]


def test_unsure_when_delta_is_a_guess() -> None:
    found = detect(frame({"model": ["A"], "dataset": ["X"], "score": ["2"]}))
    assert not found.sure
    assert found.mapping.roles[schema.DELTA] == "score"


def test_unsure_when_two_columns_could_be_delta() -> None:
    found = detect(frame({"model": ["A"], "dataset": ["X"], "delta_pp": ["1"], "Δ (%)": ["2"]}))
    assert not found.sure
    assert found.mapping.roles[schema.DELTA] == "delta_pp"
    assert "Several columns could be the Δ" in found.reasons[0]


def test_unsure_when_text_columns_are_left_out_of_a_wide_table() -> None:
    found = detect(frame({"model": ["A"], "GSM8K": ["1"], "comment": ["good run"]}))
    assert found.mapping.shape is Shape.WIDE and not found.sure
    assert "comment" in found.reasons[0]


def test_nothing_recognisable_gives_an_unsure_best_guess() -> None:
    found = detect(frame({"a": ["x"], "b": ["y"], "c": ["q"]}))
    assert not found.sure
    assert found.mapping.shape is Shape.LONG
    assert found.mapping.missing() == [schema.DELTA]


def test_missing_roles_per_shape() -> None:
    assert Mapping(Shape.LONG, {schema.MODEL: "m"}).missing() == [schema.DATASET, schema.DELTA]
    assert Mapping(Shape.SCORES, {schema.MODEL: "m", schema.DATASET: "d"}).missing() == [
        schema.BASELINE, schema.TREATMENT]
    assert Mapping(Shape.WIDE, {schema.MODEL: "m"}).missing() == [DATASET_COLUMNS]
    assert Mapping(Shape.WIDE, {schema.MODEL: "m"}, ("GSM8K",)).missing() == []


def test_long_cells_keep_rows_and_origins() -> None:
    data = frame({"Model": ["A", "B"], "Task": ["GSM8K", "MATH"], "Δ": ["1", "2"]}, first_row=5)
    mapping = Mapping(Shape.LONG, {schema.MODEL: "Model", schema.DATASET: "Task",
                                   schema.DELTA: "Δ"})
    cells = to_cells(data, mapping)
    assert cells[ROW].tolist() == [5, 6]
    assert cells[schema.DELTA].tolist() == ["1", "2"]
    assert set(cells[origin(schema.DELTA)]) == {"Δ"}


def test_wide_cells_one_per_model_and_dataset_column() -> None:
    data = frame({"model": ["A", "B"], "GSM8K": ["1", ""], "MATH": ["2", "3"]})
    cells = to_cells(data, Mapping(Shape.WIDE, {schema.MODEL: "model"}, ("GSM8K", "MATH")))
    assert cells[[ROW, schema.MODEL, schema.DATASET, schema.DELTA]].values.tolist() == [
        [2, "A", "GSM8K", "1"], [2, "A", "MATH", "2"], [3, "B", "GSM8K", ""], [3, "B", "MATH", "3"]]
    assert cells[origin(schema.DELTA)].tolist() == ["GSM8K", "MATH", "GSM8K", "MATH"]


def test_to_cells_refuses_a_mapping_to_absent_columns() -> None:
    with pytest.raises(KeyError):
        to_cells(frame({"model": ["A"]}), Mapping(Shape.LONG, {schema.MODEL: "nope"}))


def test_two_unnamed_text_columns_and_a_number_are_guessed_long() -> None:
    found = detect(frame({"who": ["A"], "what": ["GSM8K"], "how_much": ["4"]}))
    assert not found.sure
    assert found.mapping.shape is Shape.LONG
    assert found.mapping.roles == {schema.MODEL: "who", schema.DATASET: "what",
                                   schema.DELTA: "how_much"}
