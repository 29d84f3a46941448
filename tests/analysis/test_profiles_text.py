"""lib/analysis/profile_text.py: the written profile says what the numbers say, for any model."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib.analysis.profile_text import tolerance_note, written_profile
from lib.analysis.profiles import (Reference, comparison, default_reference, delta_matrix,
                                   key_figures, model_categories, reference_options,
                                   reference_values, standing)
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.wording import names, number, plural, signed


def profile_of(table: pd.DataFrame, model: str, tolerance: float = 1.0,
               reference: Reference | None = None,
               significant: dict[str, bool] | None = None) -> list[str]:
    """The written profile of `model`, compared with `reference` (default: the page's)."""
    matrix, cats = delta_matrix(table), model_categories(table)
    options = reference_options(model, cats, list(matrix.index))
    reference = reference or default_reference(model, options)
    compared = (comparison(matrix, model, reference_values(matrix, model, reference, cats))
                if reference else None)
    figures = key_figures(matrix, model, tolerance, significant)
    return written_profile(figures, cats[model], matrix, standing(matrix, model), reference,
                           compared, significant)


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "+3"), (-22.0, "-22"), (-44 / 7, "-6.3"), (0.04, "+0.0"), (-0.04, "-0.0"), (0.0, "0"), (2.25, "+2.2"),
    (0.5, "+0.5"),
])
def test_signed(value: float, text: str) -> None:
    assert signed(value) == text


def test_small_helpers() -> None:
    assert number(1.0) == "1" and number(2.5) == "2.5"
    assert plural(1, "dataset") == "1 dataset" and plural(3, "dataset") == "3 datasets"
    assert names(["A"]) == "A" and names(["A", "B"]) == "A and B"
    assert names(["A", "B", "C"]) == "A, B and C"
    assert names(list("ABCDEFG"), limit=4) == "A, B, C and 4 more"
    assert names([str(i) for i in range(200_001)], limit=3) == "0, 1 and 199,999 more"
    quoted: list[str] = []
    assert names(list("abcdef"), quote=lambda n: quoted.append(n) or n.upper(),
                 limit=3) == "A, B and 4 more"
    assert quoted == ["a", "b"], "only the names shown are quoted"


def test_llama_8b_profile_states_the_hand_computed_facts() -> None:
    text = profile_of(figure_table(), "LLaMA3.1-8B")
    assert text[0] == ("LLaMA3.1-8B (Open LLM) has a Δ on all 7 datasets: "
                       "mean -6.3, median -4.")
    assert text[1] == ("Counting |Δ| ≤ 1 as unchanged, it gains on GPQA and loses on HotpotQA, "
                       "CS-QA, AQUA, GSM8K, MATH and HumanEval.")
    # All 8 others lose more than 1 point on HumanEval; their median is -12.
    assert text[2] == ("Its largest drop is on HumanEval (-22), where all 8 other models lose "
                       "too (their median is -12): a drop the whole field shares.")
    assert text[3] == "Its largest gain is on GPQA (+3), rank 4 of 9 there."
    # Above the others' median only on GPQA (+3 vs -3.5); lowest on HotpotQA, tied on GSM8K.
    assert text[4] == ("It is above the other models' median on 1 of 7 datasets, below it on 6; "
                       "it has the lowest on HotpotQA and GSM8K (tied).")
    # 8B minus 70B: -9 -3 -9 -8 +11 -5 -6 -> mean -29/7 = -4.1, widest MATH +11.
    assert text[5] == ("Against its larger sibling LLaMA3.1-70B, it is higher on 1 of 7 shared "
                       "datasets, lower on 6; on average it is 4.1 lower; the widest gap is on "
                       "MATH (+11).")
    assert len(text) == 6   # no intervals, nothing missing


def test_a_shared_drop_reads_differently_from_a_drop_of_its_own() -> None:
    # Qwen2.5-7B's worst is CS-QA -19, where only 3 of the 8 others lose.
    qwen = profile_of(figure_table(), "Qwen2.5-7B")[2]
    assert qwen == ("Its largest drop is on CS-QA (-19), where 3 of the 8 other models lose too "
                    "(their median is +1.5).")
    # Claude3.5's worst is AQUA -17; the others: 0 +3 0 -9 +10 -4 +10 +10 -> 2 lose.
    claude = profile_of(figure_table(), "Claude3.5")[2]
    assert "where 2 of the 8 other models lose too" in claude


def test_the_comparison_sentence_follows_the_chosen_reference() -> None:
    table = figure_table()
    mean = profile_of(table, "GPT-4o")[-1]
    assert mean.startswith("Against the mean of the other Closed LLM models (3), it is higher "
                           "on 3 of 7 shared datasets, lower on 2 and within 1 on 2")
    assert mean.endswith("the widest gap is on HumanEval (-8).")
    other = profile_of(table, "GPT-4o", reference=Reference("model", "GPT-3.5"))[-1]
    # GPT-4o minus GPT-3.5: +2 +1 -14 -11 -1 0 -8
    assert other.startswith("Against GPT-3.5, it is higher on 1 of 7 shared datasets, lower on 3 "
                            "and within 1 on 3")
    assert other.endswith("the widest gap is on AQUA (-14).")


def test_tolerance_changes_the_split_sentence() -> None:
    text = profile_of(figure_table(), "LLaMA3.1-8B", tolerance=3)
    assert text[1] == ("Counting |Δ| ≤ 3 as unchanged, it gains nowhere, loses on HotpotQA, AQUA, "
                       "MATH and HumanEval and is level on CS-QA, GSM8K and GPQA.")


RENAMES = {"LLaMA3.1": "Zeta", "Qwen2.5": "Orca", "Claude3.5": "Kappa", "GPT-3.5": "Lyra-x",
           "GPT-4o": "Vega-y", "QWQ-32B": "Nova-32B", "DeepSeek-V3": "Tern",
           "HotpotQA": "Set1", "CS-QA": "Set2", "AQUA": "Set3", "GSM8K": "Set4", "MATH": "Set5",
           "GPQA": "Set6", "HumanEval": "Set7", "Open LLM": "Group A", "Closed LLM": "Group B",
           "Reasoning LLM": "Group C"}


def rename(text: str) -> str:
    pattern = re.compile("|".join(re.escape(k) for k in sorted(RENAMES, key=len, reverse=True)))
    return pattern.sub(lambda m: RENAMES[m.group(0)], text)


@pytest.mark.parametrize("model", sorted(set(figure_table()[schema.MODEL])))
def test_no_sentence_is_written_for_a_particular_name(model: str) -> None:
    """Renaming every model, dataset and category renames the text and changes nothing else."""
    table = figure_table()
    renamed = table.copy()
    for col in (schema.MODEL, schema.DATASET, schema.CATEGORY):
        renamed[col] = renamed[col].map(rename)
    assert profile_of(renamed, rename(model)) == [rename(s) for s in profile_of(table, model)]


def test_sentences_follow_the_numbers_not_the_name() -> None:
    table = figure_table()
    flipped = table.assign(delta=-table[schema.DELTA])
    text = profile_of(flipped, "LLaMA3.1-8B")
    assert text[0].endswith("mean +6.3, median +4.")
    assert "it gains on HotpotQA, CS-QA, AQUA, GSM8K, MATH and HumanEval and loses on GPQA" \
        in text[1]
    assert text[2].startswith("Its largest drop is on GPQA (-3)")


def test_missing_pairs_and_intervals_are_said() -> None:
    table = schema.conform(pd.DataFrame({
        "model": ["A", "A", "B", "B", "B"], "dataset": ["X", "Y", "X", "Y", "Z"],
        "delta": [4.0, -6.0, 1.0, 2.0, 3.0]}))
    text = profile_of(table, "A", significant={"X": True, "Y": False})
    assert text[0] == "A (Unspecified) has a Δ on 2 of 3 datasets: mean -1, median -1."
    assert "Its Δ is significant after correction on 1 of 2 datasets with a test (X)." in text
    assert text[-1] == "It has no value for Z: shown as missing, not as 0."
    assert text[2] == ("Its largest drop is on Y (-6), where the one other model measured there "
                       "does not lose (+2).")


def test_a_lone_model_gets_a_short_profile() -> None:
    table = schema.conform(pd.DataFrame({"model": ["S", "S"], "dataset": ["X", "Y"],
                                         "delta": [0.5, -2.0]}))
    text = profile_of(table, "S")
    assert text == ["S (Unspecified) has a Δ on all 2 datasets: mean -0.8, median -0.8.",
                    "Counting |Δ| ≤ 1 as unchanged, it gains nowhere, loses on Y and is level "
                    "on X.",
                    "Its largest drop is on Y (-2); no other model was measured there.",
                    "It never gains more than 1; its highest Δ is +0.5 on X."]


def test_a_model_without_values() -> None:
    table = schema.conform(pd.DataFrame({"model": ["A", "B"], "dataset": ["X", "X"],
                                         "delta": [float("nan"), 1.0]}))
    assert profile_of(table, "A") == ["A (Unspecified) has no Δ value in this table."]


def test_tolerance_note_says_the_rule_and_what_is_missing() -> None:
    table = schema.conform(pd.DataFrame({"model": ["A", "B"], "dataset": ["X", "Y"],
                                         "delta": [1.0, 2.0]}))
    figures = key_figures(delta_matrix(table), "A", 2.5)
    assert tolerance_note(figures).startswith(
        "Improved means Δ above +2.5, hurt below -2.5, unchanged within ±2.5.")
    assert tolerance_note(figures).endswith("Not measured: Y.")
    assert "Not measured" not in tolerance_note(key_figures(delta_matrix(figure_table()),
                                                            "GPT-4o", 1.0))
