"""lib/analysis/interpretation.py: our interpretation of the figure, its numbers computed, its source
hedged; and the notice for an uploaded table."""

from __future__ import annotations

import pytest

from lib.analysis.interpretation import (
    PAPER_CITATION, REPORTED_MEANS, TITLE, interpretation, source_comparison, upload_notice,
    variance_shares,
)
from lib.core.figure import figure_table


@pytest.fixture(scope="module")
def text() -> str:
    return "\n".join(interpretation().paragraphs)


def test_it_is_labelled_as_interpretation():
    assert TITLE == "Interpretation (ours, not the source's)"


def test_the_dataset_means_agree_with_the_reported_averages_within_about_a_point():
    comp = source_comparison(figure_table())
    assert list(comp.dataset) == ["HotpotQA", "CS-QA", "GSM8K", "MATH", "GPQA", "HumanEval"]
    by_hand = {"HotpotQA": 26 / 9, "CS-QA": -17 / 9, "GSM8K": 50 / 9, "MATH": -32 / 9,
               "GPQA": -19 / 9, "HumanEval": -114 / 9}
    assert dict(zip(comp.dataset, comp.figure_mean)) == pytest.approx(by_hand)
    assert comp.difference.abs().max() == pytest.approx(32 / 9 - 2.53)  # MATH, about 1.03
    assert comp.difference.abs().max() < 1.1
    assert set(REPORTED_MEANS) == set(comp.dataset)


def test_the_likely_source_is_hedged_and_named(text):
    assert "most likely" in text and "an inference, not a certainty" in text
    assert "CorrectBench" in text and PAPER_CITATION in text and "arXiv 2510.16062" in text
    assert "agree within 1 point with the averages over 11 models" in text
    assert "the figure shows 9 models and AQUA has no reported average" in text
    assert "difference in accuracy between the two prompts in percentage points" in text
    assert "chain-of-thought prompt against the base prompt" in text


def test_the_limits_are_stated_with_computed_numbers(text):
    assert "good to about ±1 point; 6 of 63 values lie that close to 0" in text
    assert "one run with no interval" in text
    assert "leads Qwen2.5-72B by 0.32 in SD" in text
    assert "“Close LLMs”" in text and "QWQ-32B's weights are public" in text
    assert "the reasoning group holds 1 model" in text


def test_the_suggestions_are_computed(text):
    shares = variance_shares(figure_table())
    assert shares["dataset"] == pytest.approx(0.3554, abs=1e-3)
    assert shares["model"] == pytest.approx(0.1043, abs=1e-3)
    assert "the datasets account for 36% of the variation among the 63 values" in text
    assert "from -12.7 (HumanEval) to +5.6 (GSM8K)" in text
    assert "9 of 9 models lose on HumanEval" in text
    assert "31 of 63 points lie above the baseline and 29 below" in text
    assert "11 of 14 comparisons: a tendency, not a rule" in text


def test_the_text_follows_the_data():
    fig = figure_table()
    doubled = "\n".join(interpretation(fig.assign(delta=fig.delta * 2)).paragraphs)
    assert "from -25.3 (HumanEval) to +11.1 (GSM8K)" in doubled
    assert "3 of 63 values lie that close to 0" in doubled
    assert "leads Qwen2.5-72B by 0.63 in SD" in doubled  # still within reading error
    tenfold = "\n".join(interpretation(fig.assign(delta=fig.delta * 10)).paragraphs)
    assert "values lie that close to 0." in tenfold and "leads Qwen2.5-72B" not in tenfold
    assert "the datasets account for 36%" in doubled  # shares do not scale
    bigger = fig.copy()
    for model, dataset, value in (("LLaMA3.1-70B", "MATH", 0), ("Qwen2.5-72B", "AQUA", 5),
                                  ("Qwen2.5-72B", "HumanEval", 0)):
        bigger.loc[(bigger.model == model) & (bigger.dataset == dataset), "delta"] = value
    assert "14 of 14 comparisons: without exception" in "\n".join(
        interpretation(bigger).paragraphs)


def test_the_upload_notice():
    notice = upload_notice(12)
    assert "recomputed from the active table (12 points)" in notice
    assert "describe the bundled figure only" in notice
