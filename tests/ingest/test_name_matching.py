"""The one rule set that matches an upload's model and dataset names with the figure's
(lib/ingest/columns.py, with the parts of a model name from lib/core/families.py)."""

from __future__ import annotations

import pytest

from lib.core.families import model_parts
from lib.core.figure import figure_datasets, figure_models
from lib.ingest.columns import APPLY_SCORE, match_dataset, match_model, model_names


@pytest.mark.parametrize("name, figure", [
    ("GPT-3.5-Turbo", "GPT-3.5"),
    ("gpt-3.5-turbo-0613", "GPT-3.5"),
    ("gpt 3.5 turbo", "GPT-3.5"),
    ("gpt-4o-2024-05-13", "GPT-4o"),
    ("Meta-Llama-3.1-8B-Instruct", "LLaMA3.1-8B"),
    ("meta-llama/Llama-3.1-70B-Instruct", "LLaMA3.1-70B"),
    ("Qwen2.5-72B-Instruct", "Qwen2.5-72B"),
    ("QwQ-32B-Preview", "QWQ-32B"),
    ("deepseek_v3", "DeepSeek-V3"),
])
def test_release_words_dates_and_makers_are_left_out(name, figure):
    found = match_model(name)
    assert found.figure == figure and found.score >= APPLY_SCORE


@pytest.mark.parametrize("name", [
    "GPT-4", "GPT-4-Turbo", "gpt-4-0613", "GPT-4o-mini", "Llama-2-7b-chat-hf", "Llama-2-70B",
    "LLaMA3-8B", "Qwen2.5-14B", "Qwen2-7B", "DeepSeek-V3.1", "DeepSeek-R1", "o1", "GPT-3",
    "Claude-3-Opus-Sonnet-3.5", "Mistral-7B", "Qwen2.5-Math-7B", "Qwen2.5-Coder-72B-Instruct",
    "DeepSeek-V3-Base", "Claude3", "Claude-3.7-Sonnet",
])
def test_different_models_are_never_matched(name):
    found = match_model(name)
    assert found.figure is None, found


def test_named_false_matches_in_both_directions():
    assert match_model("GPT-4").figure is None and match_model("GPT-4").suggestion is None
    assert match_model("Llama-2").figure is None
    assert match_model("Qwen2.5-7B").figure == "Qwen2.5-7B"
    assert match_model("Qwen2.5-72B").figure == "Qwen2.5-72B"
    assert match_model("Qwen2.5-7B", ["Qwen2.5-72B"]).figure is None
    assert match_model("GPT-4", ["GPT-4o"]).figure is None
    assert match_model("GPT-4o", ["GPT-4"]).figure is None
    assert match_model("Llama-2-8B", ["LLaMA3.1-8B"]).figure is None


def test_the_figures_own_names_match_themselves_surely():
    for model in figure_models():
        assert match_model(model.upper()).figure == model
        assert match_model(model).score == 1.0
    for dataset in figure_datasets():
        assert match_dataset(dataset.lower()).figure == dataset


def test_a_name_without_a_size_is_only_suggested_and_says_which_sizes():
    found = match_model("Qwen2.5")
    assert found.figure is None and found.suggestion in {"Qwen2.5-7B", "Qwen2.5-72B"}
    assert "Qwen2.5-7B or Qwen2.5-72B" in found.how
    assert match_model("Qwen2.5", ["Qwen2.5-7B"]).figure is None, "a size is never assumed"


def test_an_edition_the_figure_leaves_out_is_suggested_not_applied():
    found = match_model("claude-3-5-sonnet-20240620")
    assert (found.figure, found.suggestion) == (None, "Claude3.5")
    assert 0 < found.score < APPLY_SCORE


def test_ties_are_not_applied():
    found = match_model("GPT-3.5-Turbo", ["GPT-3.5", "gpt 3.5 instruct"])
    assert found.figure is None and "could be" in found.how


def test_model_parts_split_versions_sizes_and_releases():
    parts = model_parts("claude-3-5-sonnet-20240620")
    assert parts.core == ("claude", "3.5", "sonnet") and parts.release == ("20240620",)
    parts = model_parts("Qwen2.5-72B-Instruct")
    assert (parts.core, parts.sizes, parts.release) == (("qwen", "2.5"), ("72b",), ("instruct",))
    assert model_parts("GPT-4o").core == ("gpt", "4", "o")
    assert model_parts("Mixtral-8x7B").sizes == ("8x7b",)


@pytest.mark.parametrize("name, figure, how", [
    ("CommonSenseQA", "CS-QA", "another name"),
    ("commonsense_qa", "CS-QA", "another name"),
    ("GSM-8K", "GSM8K", "same name"),
    ("Hotpot QA", "HotpotQA", "same name"),
    ("AQuA-RAT", "AQUA", "another name"),
])
def test_datasets_by_name_and_by_the_one_alias_table(name, figure, how):
    found = match_dataset(name)
    assert found.figure == figure and found.score == 1.0 and found.how.startswith(how)


@pytest.mark.parametrize("name, near", [("MATH-500", "MATH"), ("GPQA Diamond", "GPQA"),
                                        ("HumanEval+", "HumanEval")])
def test_subsets_are_suggested_never_applied(name, near):
    found = match_dataset(name)
    assert found.figure is None and found.suggestion == near and found.score < APPLY_SCORE


def test_unrelated_datasets_have_no_suggestion():
    for name in ("MMLU", "ARC", "BoolQ"):
        assert match_dataset(name).suggestion is None


def test_the_readers_rule_and_the_matchers_agree_on_sure_names():
    """The reader renames a model only where the matcher is sure (score 1): one rule set."""
    names = ["gpt 4o", "GPT-3.5-Turbo", "claude3.5", "LLaMA 3.1 8B", "Mine"]
    renamed = model_names(names)
    for name in names:
        found = match_model(name)
        if found.score == 1.0:
            assert renamed[name] == found.figure
        else:
            assert renamed[name] == name
