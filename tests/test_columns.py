"""lib/ingest/columns.py: column aliases, dataset and model names, numbers written as text."""

from __future__ import annotations

import math

import pytest

from lib.core import schema
from lib.ingest.columns import (COLUMN_ALIASES, ITEM, RUN, NotANumber, column_role, dataset_names,
                                detect_decimal, figure_dataset, figure_model, is_aggregate_column,
                                is_missing, match_columns, model_names, name_key, numeric_share,
                                parse_number, unit_hint)
from lib.core.figure import figure_datasets


@pytest.mark.parametrize("name,role", [
    ("model", schema.MODEL), ("Model Name", schema.MODEL), ("LLM", schema.MODEL),
    ("model_id", schema.MODEL),
    ("dataset", schema.DATASET), ("Benchmark", schema.DATASET), ("TASK", schema.DATASET),
    ("eval", schema.DATASET),
    ("delta", schema.DELTA), ("Δ", schema.DELTA), ("Δ (%)", schema.DELTA),
    ("delta_pp", schema.DELTA), ("Δ accuracy (pp)", schema.DELTA), ("Diff", schema.DELTA),
    ("difference", schema.DELTA), ("change", schema.DELTA), ("gain", schema.DELTA),
    ("baseline", schema.BASELINE), ("Baseline Acc", schema.BASELINE),
    ("base_score", schema.BASELINE),
    ("before", schema.BASELINE), ("control", schema.BASELINE),
    ("treatment", schema.TREATMENT), ("CoT accuracy", schema.TREATMENT),
    ("after", schema.TREATMENT),
    ("category", schema.CATEGORY), ("Group", schema.CATEGORY), ("model type", schema.CATEGORY),
    ("ci_low", schema.CI_LOW), ("CI lower", schema.CI_LOW), ("95% CI low", schema.CI_LOW),
    ("ci_high", schema.CI_HIGH), ("upper", schema.CI_HIGH),
    ("n", schema.N_ITEMS), ("N items", schema.N_ITEMS), ("count", schema.N_ITEMS),
    ("Item ID", ITEM), ("question_id", ITEM), ("id", ITEM), ("seed", RUN), ("run id", RUN),
])
def test_column_aliases_ignore_case_and_punctuation(name: str, role: str) -> None:
    assert column_role(name) == role


@pytest.mark.parametrize("name", ["score", "notes", "GSM8K", "accuracy", "method", "Method"])
def test_other_columns_have_no_role(name: str) -> None:
    assert column_role(name) is None


def test_no_alias_means_two_roles() -> None:
    keys = [key for aliases in COLUMN_ALIASES.values() for key in aliases]
    assert len(keys) == len(set(keys))
    assert all(name_key(key) == key for key in keys), "aliases are written as keys"


def test_match_columns_lists_every_candidate_in_file_order() -> None:
    found = match_columns(["Model", "task", "Δ (%)", "delta_pp", "notes"])
    assert found == {schema.MODEL: ["Model"], schema.DATASET: ["task"],
                     schema.DELTA: ["Δ (%)", "delta_pp"]}
    assert match_columns(["question", "seed", "notes"]) == {ITEM: ["question"], RUN: ["seed"]}


def test_name_key_folds_case_accents_punctuation_and_delta_sign() -> None:
    assert name_key("Δ-Accuracy (%)") == "deltaaccuracy"
    assert name_key("Café_QA") == "cafeqa"


@pytest.mark.parametrize("name,unit", [("Δ (%)", "%"), ("delta_pct", "%"), ("delta pp", "points"),
                                       ("Δ (points)", "points"), ("delta", None)])
def test_unit_hint(name: str, unit: str | None) -> None:
    assert unit_hint(name) == unit


def test_aggregate_columns() -> None:
    assert all(is_aggregate_column(n) for n in ("Average", "avg", "Mean", "Overall"))
    assert not is_aggregate_column("GSM8K")


@pytest.mark.parametrize("name,figure", [
    ("CSQA", "CS-QA"), ("CommonsenseQA", "CS-QA"), ("CS-QA", "CS-QA"), ("commonsense_qa", "CS-QA"),
    ("GSM-8K", "GSM8K"), ("gsm8k", "GSM8K"), ("GSM 8K", "GSM8K"),
    ("Human-Eval", "HumanEval"), ("HUMANEVAL", "HumanEval"), ("openai_humaneval", "HumanEval"),
    ("MATH", "MATH"), ("math", "MATH"), ("competition_math", "MATH"),
    ("HotpotQA", "HotpotQA"), ("hotpot_qa", "HotpotQA"), ("AQuA-RAT", "AQUA"), ("gpqa", "GPQA"),
])
def test_dataset_aliases_reach_the_figure_names(name: str, figure: str) -> None:
    assert figure_dataset(name) == figure


@pytest.mark.parametrize("name", ["MATH-500", "GPQA Diamond", "MyBench", "HumanEval+"])
def test_subsets_and_other_benchmarks_are_not_aliased(name: str) -> None:
    assert figure_dataset(name) is None


def test_every_figure_dataset_maps_to_itself() -> None:
    assert all(figure_dataset(d) == d for d in figure_datasets())


def test_dataset_names_merge_spellings_within_a_file() -> None:
    assert dataset_names(["MyBench", "my-bench", "CommonsenseQA"]) == {
        "MyBench": "MyBench", "my-bench": "MyBench", "CommonsenseQA": "CS-QA"}


def test_names_without_letters_or_digits_stay_apart() -> None:
    assert dataset_names(["???", "!!!"]) == {"???": "???", "!!!": "!!!"}


def test_model_names_match_the_figure_but_keep_dots_meaningful() -> None:
    assert figure_model("gpt 4o") == "GPT-4o"
    assert figure_model("llama3.1_8b") == "LLaMA3.1-8B"
    assert figure_model("Qwen25-7B") is None
    assert model_names(["deepseek v3", "My Model", "my-model"]) == {
        "deepseek v3": "DeepSeek-V3", "My Model": "My Model", "my-model": "My Model"}


@pytest.mark.parametrize("text,number", [
    ("5", 5.0), ("+5%", 5.0), ("-3.5", -3.5), ("−3.5", -3.5), ("– 2", -2.0), ("+12.5 pp", 12.5),
    (" 7 ", 7.0), ("1e-2", 0.01), ("２", 2.0), (3, 3.0), (2.5, 2.5), ("\u00a04\u00a0", 4.0),
])
def test_numbers_written_as_text(text: object, number: float) -> None:
    assert parse_number(text) == pytest.approx(number)


@pytest.mark.parametrize("text,number", [("3,5", 3.5), ("−0,25%", -0.25), ("1.234,5", 1234.5),
                                         ("7", 7.0)])
def test_decimal_comma(text: str, number: float) -> None:
    assert parse_number(text, decimal=",") == pytest.approx(number)


@pytest.mark.parametrize("text", ["inf", "-Infinity", "∞", math.inf])
def test_infinity_is_read_so_that_it_can_be_reported(text: object) -> None:
    assert math.isinf(parse_number(text))


@pytest.mark.parametrize("text", ["", "  ", "NA", "n/a", "null", "None", "-", None, math.nan])
def test_missing_values_read_as_nan(text: object) -> None:
    assert is_missing(text)
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize("text", ["abc", "3,5", "5 points?", "1.2.3", True, "#DIV/0!"])
def test_non_numbers_raise(text: object) -> None:
    with pytest.raises(NotANumber):
        parse_number(text)


def test_detect_decimal() -> None:
    assert detect_decimal(["3,5", "-1,25", "4"]) == ","
    assert detect_decimal(["3,5", "1.5"]) == "."
    assert detect_decimal(["3", "4"]) == "."
    assert detect_decimal([1.5, "2,5"]) == ","


def test_numeric_share_ignores_missing_values() -> None:
    assert numeric_share(["1", "", "x", "NA", "+2%"]) == pytest.approx(2 / 3)
    assert numeric_share(["", None]) == 0.0
