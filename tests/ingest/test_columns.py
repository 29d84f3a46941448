"""lib/ingest/columns.py: column aliases, dataset and model names."""

from __future__ import annotations

import pytest

from lib.core import schema
from lib.core.figure import figure_datasets
from lib.ingest.columns import (COLUMN_ALIASES, ITEM, RUN, column_role, dataset_names,
                                figure_dataset, figure_model, is_aggregate_column, match_columns,
                                model_names, name_key, unit_hint)


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
    ("method", schema.CONDITION), ("Method", schema.CONDITION), ("Intervention", schema.CONDITION),
    ("prompting method", schema.CONDITION), ("Round", schema.CONDITION),
    ("setting", schema.CONDITION), ("variant", schema.CONDITION), ("arm", schema.CONDITION),
])
def test_column_aliases_ignore_case_and_punctuation(name: str, role: str) -> None:
    assert column_role(name) == role


@pytest.mark.parametrize("name", ["score", "notes", "GSM8K", "accuracy", "methodology"])
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
