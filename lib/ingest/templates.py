"""Sample files, one per accepted shape, and the data contract as a short table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.core import schema
from lib.ingest.shapes import Shape


@dataclass(frozen=True)
class Template:
    """A small sample table in one shape, offered as a CSV download."""

    shape: Shape
    title: str
    file_name: str
    description: str
    table: pd.DataFrame


def templates() -> list[Template]:
    """A sample in each shape: two of the figure's datasets and a new one, a figure model and a
    new one."""
    long = pd.DataFrame({
        "model": ["GPT-4o", "GPT-4o", "GPT-4o", "My-Model-7B", "My-Model-7B", "My-Model-7B"],
        "dataset": ["GSM8K", "HumanEval", "MyBench", "GSM8K", "HumanEval", "MyBench"],
        "delta": [4.5, -8.0, 1.2, 6.1, -2.3, 0.4],
        "category": ["Closed LLM", "Closed LLM", "Closed LLM", "Open LLM", "Open LLM", "Open LLM"],
        "ci_low": [2.1, -11.5, -0.9, 3.0, -5.8, -1.7],
        "ci_high": [6.9, -4.5, 3.3, 9.2, 1.2, 2.5],
        "n": [1319, 164, 500, 1319, 164, 500],
    })
    scores = pd.DataFrame({
        "model": long["model"], "dataset": long["dataset"],
        "baseline": [88.2, 90.1, 61.0, 55.4, 40.2, 33.8],
        "treatment": [92.7, 82.1, 62.2, 61.5, 37.9, 34.2],
        "category": long["category"], "n": long["n"],
    })
    conditions = pd.DataFrame({
        "model": ["GPT-4o"] * 6,
        "dataset": ["GSM8K", "HumanEval", "MyBench"] * 2,
        "method": ["CoT"] * 3 + ["Self-Refine"] * 3,
        "delta": [4.5, -8.0, 1.2, 2.0, -3.5, 0.8],
        "category": ["Closed LLM"] * 6,
    })
    wide = pd.DataFrame({
        "model": ["GPT-4o", "My-Model-7B"], "category": ["Closed LLM", "Open LLM"],
        "GSM8K": [4.5, 6.1], "HumanEval": [-8.0, -2.3], "MyBench": [1.2, 0.4],
    })
    return [
        Template(Shape.LONG, "Long, with Δ", "template-long.csv",
                 "One row per model and dataset with its Δ; category, interval and item count "
                 "are optional.", long),
        Template(Shape.SCORES, "Long, with baseline and treatment scores", "template-scores.csv",
                 "One row per model and dataset with both scores; the app computes Δ as "
                 "absolute points or relative %, your choice.", scores),
        Template(Shape.LONG, "Long, several conditions", "template-methods.csv",
                 "One row per model, dataset and condition (a method, a round, a prompt) with "
                 "its Δ: each condition is kept apart, never averaged with another.", conditions),
        Template(Shape.WIDE, "Wide", "template-wide.csv",
                 "One row per model and one column of Δ per dataset; the column headers are the "
                 "dataset names.", wide),
    ]


def item_templates() -> list[Template]:
    """Sample per-item files beyond the bundled example: several arms per item, in rows (one
    row per model, dataset, item and arm; the baseline arm is named "baseline")."""
    models, datasets, items = ("GPT-4o", "My-Model-7B"), ("GSM8K", "MyBench"), (1, 2, 3)
    arms = ("baseline", "CoT", "Self-Refine")
    rows = [(m, d, f"{d.lower()}-{i}", a) for m in models for d in datasets for i in items
            for a in arms]
    correct = [1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0,
               0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1]
    arms_table = pd.DataFrame(rows, columns=["model", "dataset", "item", "method"])
    arms_table["correct"] = correct
    return [
        Template(Shape.PER_ITEM_ARMS, "Per item, several arms", "template-per-item-arms.csv",
                 "One row per model, dataset, item and arm (a method, a prompt, a round) with "
                 "the item's outcome under that arm. Each arm is compared with the baseline arm "
                 "on the items both hold.", arms_table),
    ]


def contract_table() -> pd.DataFrame:
    """The data contract: column, type, whether it is required, what it means, other names."""
    rows = [
        (schema.MODEL, "text", "yes", "model name as shown", "model name, llm, system"),
        (schema.DATASET, "text", "yes", "benchmark name as shown", "benchmark, task, eval"),
        (schema.DELTA, "number", "yes, unless baseline and treatment",
         "Δ against the baseline", "Δ, diff, difference, change, gain"),
        (f"{schema.BASELINE}, {schema.TREATMENT}", "number", "no",
         "scores; with both and no Δ, Δ is computed", "base / before / control, after / cot"),
        (schema.CATEGORY, "text", "no", "legend group, e.g. Open LLM", "group, type"),
        (schema.CONDITION, "text", "no",
         "the intervention a row measures, when there are several (CoT, round 2)",
         "method, intervention, setting, prompt, variant, arm, strategy, round"),
        (f"{schema.CI_LOW}, {schema.CI_HIGH}", "number", "no", "interval for Δ",
         "lower / upper, ci_lower / ci_upper"),
        (schema.N_ITEMS, "whole number", "no", "items behind the scores", "n_items, count"),
    ]
    return pd.DataFrame(rows, columns=["Column", "Type", "Required", "Meaning", "Also read as"])
