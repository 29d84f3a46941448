"""A short written interpretation of the bundled figure: what the findings suggest, what limits
them, and where the figure most likely comes from. Our reading, labelled as such; every number in
it is computed from the table (or taken from the reference constants below, which say where they
come from)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.analysis.claims import DEEPSEEK, HUMANEVAL, READING_PRECISION, REASONING, sd_swap_bound
from lib.analysis.findings import baseline_share, scale_within_family, spread_by_model
from lib.core import schema
from lib.core.figure import dataset_order, figure_table
from lib.core.wording import count_of, names, number, percent, signed

TITLE = "Interpretation (ours, not the source's)"
QWQ = "QWQ-32B"
PAPER_TITLE = "Can LLMs Correct Themselves? A Benchmark of Self-Correction in LLMs"
PAPER_NAME = "CorrectBench"
PAPER_CITATION = "Tie et al., NeurIPS 2025 Datasets and Benchmarks track, arXiv 2510.16062"
REPORTED_MEANS: dict[str, float] = {
    "HotpotQA": 2.53, "CS-QA": -1.93, "GSM8K": 5.50, "MATH": -2.53, "GPQA": -2.04,
    "HumanEval": -12.61,
}
"""Average Δ of chain-of-thought over the base prompt, over the paper's models, per dataset, as
secondary summaries of the paper report it (accuracy, percentage points)."""
REPORTED_MODELS = 11
"""How many models those averages are taken over."""
HUMANEVAL_PROBLEMS = 164
"""HumanEval's number of problems: one problem is worth 100/164 points of accuracy."""


@dataclass(frozen=True)
class Interpretation:
    """Paragraphs of interpretation (Markdown, our own text) and the comparison they cite."""

    title: str
    paragraphs: tuple[str, ...]
    comparison: pd.DataFrame
    """Per dataset: the mean of the figure's values, the reported average, the difference."""
    numbers: dict[str, object]


def source_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset with a reported average: the table's mean Δ, that average, the difference."""
    means = table.groupby(schema.DATASET)[schema.DELTA].mean()
    rows = [{"dataset": ds, "figure_mean": float(means[ds]), "reported_mean": REPORTED_MEANS[ds],
             "difference": float(means[ds]) - REPORTED_MEANS[ds]}
            for ds in dataset_order(table) if ds in REPORTED_MEANS]
    return pd.DataFrame(rows, columns=["dataset", "figure_mean", "reported_mean", "difference"])


def variance_shares(table: pd.DataFrame) -> dict[str, float]:
    """Shares of the total sum of squares of Δ explained by dataset means and by model means
    (a two-way split for a full grid); the rest is model × dataset interaction plus noise."""
    d = table[schema.DELTA]
    total = float(((d - d.mean()) ** 2).sum())
    part = {key: float(((table.groupby(col)[schema.DELTA].transform("mean") - d.mean()) ** 2).sum())
            / total for key, col in (("dataset", schema.DATASET), ("model", schema.MODEL))}
    return {**part, "rest": 1.0 - part["dataset"] - part["model"]}


def _range(means: pd.Series) -> str:
    return (f"from {signed(means.min())} ({means.idxmin()}) to {signed(means.max())} "
            f"({means.idxmax()})")


def interpretation(table: pd.DataFrame | None = None) -> Interpretation:
    """The interpretation of the bundled figure (or of `table`, which must have its models)."""
    t = figure_table() if table is None else table
    n, n_models = len(t), t[schema.MODEL].nunique()
    shares = variance_shares(t)
    ds_means = t.groupby(schema.DATASET)[schema.DELTA].mean()
    model_means = t.groupby(schema.MODEL)[schema.DELTA].mean()
    code = t.loc[t[schema.DATASET] == HUMANEVAL, schema.DELTA]
    base = baseline_share(t).numbers
    scale = scale_within_family(t).numbers
    spread = spread_by_model(t)
    near = int((t[schema.DELTA].abs() <= READING_PRECISION).sum())
    comparison = source_comparison(t)
    worst_gap = float(comparison["difference"].abs().max())
    uncompared = [d for d in dataset_order(t) if d not in REPORTED_MEANS]
    reasoning = t.loc[t[schema.CATEGORY] == REASONING, schema.MODEL].nunique()
    point = number(100 / HUMANEVAL_PROBLEMS)

    lead = "benchmark than on the model" if shares["dataset"] > shares["model"] else \
        "model than on the benchmark"
    top, second = spread.iloc[0], spread.iloc[1]
    gap = float(top["sd"] - second["sd"])
    fragile = gap < 2 * sd_swap_bound(int(top["points"]))
    all_down = bool((code < 0).all())
    wins, comps = scale["larger_higher"], scale["comparisons"]
    tendency = ("without exception" if wins == comps else
                "a tendency, not a rule" if wins > comps / 2 else "no tendency in favour of size")
    suggest = (
        f"**What the findings suggest.** The change depends more on the {lead}: the datasets "
        f"account for {percent(shares['dataset'], 1)} of the variation "
        f"among the {n} values and the models for {percent(shares['model'], 1)}; the remaining "
        f"{percent(shares['rest'], 1)} is how a particular model reacts to a particular "
        f"dataset, which a single run per cell cannot tell apart from noise. Dataset means run "
        f"{_range(ds_means)}, model means {_range(model_means)}.")
    pattern = (
        f"{'The one pattern without exception' if all_down else 'The most consistent pattern'} "
        f"is code: {count_of(int((code < 0).sum()), len(code))} models lose on {HUMANEVAL} "
        f"(mean {signed(code.mean())}). Over all datasets, "
        f"{count_of(base['above'], base['points'])} points lie above the baseline and "
        f"{base['below']} below, so the figure "
        f"{'shows a gain on most points' if base['majority_above'] else 'shows no general gain'}. "
        f"Within the two families the larger model gains more in {count_of(wins, comps)} "
        f"comparisons: {tendency}.")
    level = (
        "Δ is a change between two ways of prompting the same model, not a level of skill: a "
        "large Δ marks the model the change helps most, not the best model for the task. Read "
        "as advice on which model to choose for a task, as the source's own interpretation "
        "reads it, the figure is asked for more than it holds.")
    limits = (
        f"**What limits them.** The values were read off a plot and are good to about "
        f"±{number(READING_PRECISION)} point; {count_of(near, n)} values lie that close to 0"
        + (f", and some rankings are closer than that error can bear (the most volatile model, "
           f"{top[schema.MODEL]}, leads {second[schema.MODEL]} by {number(gap, 2)} in SD)"
           if fragile else "")
        + f". Each cell is one run "
        f"with no interval and no item count, so no single difference can be called "
        f"significant; for scale, {HUMANEVAL} has {HUMANEVAL_PROBLEMS} problems, so one problem "
        f"solved or missed moves its accuracy by {point} points.")
    groups = (
        f"The groups are the legend's own. It prints “Close LLMs” and lists {QWQ} there, "
        f"although {QWQ}'s weights are public; {DEEPSEEK}, its only “reasoning” model, is "
        f"open-weights as well, and summaries of the likely source paper count both as "
        f"reasoning models. The category trends compare these groups as given, and the "
        f"reasoning group holds {reasoning} {'model' if reasoning == 1 else 'models'}.")
    source = (
        f"**Likely source.** The figure most likely shows the chain-of-thought prompt against "
        f"the base prompt in {PAPER_NAME} (“{PAPER_TITLE}”, {PAPER_CITATION}). This is an "
        f"inference, not a certainty: the per-dataset means of the {n} values agree within "
        f"{number(worst_gap)} point with the averages over {REPORTED_MODELS} models that "
        f"secondary summaries of the paper report for that comparison (table below), while the "
        f"figure shows {n_models} models"
        + (f" and {names(uncompared)} has no reported average" if uncompared else "")
        + ". If so, Δ is the difference in accuracy between the two prompts in percentage "
        "points, not a relative change, as the “%” of the axis title might suggest.")
    numbers = {"shares": shares, "worst_gap": worst_gap, "near_zero": near, "sd_gap": gap,
               "sd_fragile": fragile, "models": n_models, "points": n}
    return Interpretation(TITLE, (suggest, pattern, level, limits, groups, source), comparison,
                          numbers)


def upload_notice(points: int) -> str:
    """What the interpretation covers when the active table is not the bundled figure."""
    return (f"The findings above were recomputed from the active table ({points} points). The "
            "written interpretation and the check of the source's claims describe the bundled "
            "figure only, not this table.")

