"""The source's claims about the bundled figure, restated and checked against its 63 values.

Each check restates one observation from the figure's written description (its key observations
and the checkable parts of its interpretation) in our own words, and computes a verdict from the
table: it holds, holds in part, or does not hold. Only the claim itself, the names it mentions and
the values it quotes are fixed here; every verdict and every number in the evidence is computed.
Pass a changed table to see the verdicts change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from lib.analysis.findings import (
    TIE_ATOL, dataset_leaders, direction, direction_counts, scale_comparisons, spread_by_model,
)
from lib.core import schema
from lib.core.families import parse_size
from lib.core.figure import dataset_order, figure_table, model_order
from lib.core.wording import count_of, names, number, percent, share_text, signed


class Verdict(StrEnum):
    """How a claim fares against the numbers."""

    HOLDS = "holds"
    PARTLY = "holds in part"
    FAILS = "does not hold"


@dataclass(frozen=True)
class ClaimCheck:
    """One claim of the source, in our words, with its computed verdict and evidence."""

    section: str
    """Where the source makes it: "Key observation" or "Interpretation"."""
    number: int
    """The key observation's number, or the interpretation point's position."""
    claim: str
    verdict: Verdict
    evidence: str
    """A sentence with the numbers behind the verdict."""
    numbers: dict[str, object]


OBSERVATION = "Key observation"
INTERPRETATION = "Interpretation"

READING_PRECISION = 1.0
"""The figure's values were read off a plot: each is good to about ±1 point."""
NEARLY_ALL = 0.8
"""Share that counts as "nearly all"."""
MIXED_SHARE = 0.25
""""Mixed": at least this share of points on each side of the baseline."""
LARGE_QUANTILE = 0.75
"""A change is "large" (strong, severe, notable) when its size reaches this quantile of all
sizes."""
BOTTOM_SHARE = 1 / 3
""""Near the bottom" of a dataset: among the lowest third of its models."""

# The names and datasets the source's claims mention, and the values it quotes.
GPT35, GPT4O, CLAUDE, DEEPSEEK = "GPT-3.5", "GPT-4o", "Claude3.5", "DeepSeek-V3"
LLAMA_SMALL, LLAMA_LARGE = "LLaMA3.1-8B", "LLaMA3.1-70B"
QWEN_SMALL, QWEN_LARGE = "Qwen2.5-7B", "Qwen2.5-72B"
HOTPOTQA, CSQA, AQUA, GSM8K, MATH, GPQA, HUMANEVAL = (
    "HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval")
OPEN, REASONING = "Open LLM", "Reasoning LLM"
QUOTED_TOP_GAIN = 18.0
QUOTED_GPT35_AQUA = 10.0
QUOTED_TOP_DROP = -24.0
QUOTED_LLAMA_MATH = -18.0


def grid(table: pd.DataFrame) -> pd.DataFrame:
    """Δ as a model × dataset grid, in the figure's order (means where a cell repeats)."""
    g = table.pivot_table(index=schema.MODEL, columns=schema.DATASET, values=schema.DELTA,
                          aggfunc="mean")
    return g.reindex(index=model_order(table), columns=dataset_order(table))


def large_change(table: pd.DataFrame) -> float:
    """The |Δ| from which a change counts as large: the upper quartile of all |Δ|."""
    return float(table[schema.DELTA].abs().quantile(LARGE_QUANTILE))


def _close(value: float, quoted: float) -> bool:
    return abs(value - quoted) <= READING_PRECISION + TIE_ATOL


def _grade(passed: int, total: int) -> Verdict:
    """All parts hold: holds; some: in part; none: does not hold."""
    if passed == total:
        return Verdict.HOLDS
    return Verdict.PARTLY if passed else Verdict.FAILS


def _extreme_points(table: pd.DataFrame, highest: bool) -> tuple[float, list[tuple[str, str]]]:
    value = table[schema.DELTA].max() if highest else table[schema.DELTA].min()
    hit = table[np.isclose(table[schema.DELTA], value, rtol=0, atol=TIE_ATOL)]
    return float(value), list(zip(hit[schema.MODEL], hit[schema.DATASET]))


def _next_value(table: pd.DataFrame, value: float, highest: bool) -> float:
    rest = table.loc[~np.isclose(table[schema.DELTA], value, rtol=0, atol=TIE_ATOL), schema.DELTA]
    return float(rest.max() if highest else rest.min())


def _on(points: list[tuple[str, str]]) -> str:
    by_dataset: dict[str, list[str]] = {}
    for model, ds in points:
        by_dataset.setdefault(ds, []).append(model)
    return "; ".join(f"{names(models)} on {ds}" for ds, models in by_dataset.items())


def _leaders(g: pd.DataFrame, ds: str) -> list[str]:
    col = g[ds].dropna()
    return list(col.index[np.isclose(col, col.max(), rtol=0, atol=TIE_ATOL)])


# --- key observation 1 --------------------------------------------------------------------------

def every_model_varies(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    both = [m for m in g.index if (g.loc[m] > 0).any() and (g.loc[m] < 0).any()]
    spans = (g.max(axis=1) - g.min(axis=1)).sort_values()
    verdict = (Verdict.HOLDS if len(both) == len(g) else
               Verdict.PARTLY if len(both) > len(g) / 2 else Verdict.FAILS)
    evidence = (f"{count_of(len(both), len(g))} models are above the baseline on some datasets "
                f"and below it on others; a model's Δ spans from {number(spans.iloc[0])} points "
                f"({spans.index[0]}) to {number(spans.iloc[-1])} ({spans.index[-1]}) across "
                f"the datasets.")
    return ClaimCheck(OBSERVATION, 1, "Results change a lot from one dataset to the next: each "
                      "model gains on some benchmarks and loses on others.", verdict, evidence,
                      {"both_signs": len(both), "models": len(g),
                       "smallest_span": float(spans.iloc[0]),
                       "largest_span": float(spans.iloc[-1])})


def no_model_best_everywhere(table: pd.DataFrame) -> ClaimCheck:
    f = dataset_leaders(table)
    n_ds, most = f.numbers["datasets"], f.numbers["most_leads"]
    verdict = Verdict.FAILS if most == n_ds else Verdict.HOLDS
    evidence = (f"{f.numbers['distinct_leaders']} different models have the largest Δ on at "
                f"least one of the {n_ds} datasets (ties counted for each tied model); the most "
                f"any model leads on is {count_of(most, n_ds)} "
                f"({names(f.numbers['most_leading'])}).")
    return ClaimCheck(OBSERVATION, 1, "No model has the largest Δ on every dataset.", verdict,
                      evidence, {"distinct_leaders": f.numbers["distinct_leaders"],
                                 "most_leads": most, "datasets": n_ds})


# --- key observation 2 --------------------------------------------------------------------------

def top_gain_shared(table: pd.DataFrame) -> ClaimCheck:
    value, points = _extreme_points(table, highest=True)
    claimed = {(GPT35, GSM8K), (DEEPSEEK, GSM8K)}
    overlap = claimed & set(points)
    passed = (set(points) == claimed) + _close(value, QUOTED_TOP_GAIN)
    verdict = Verdict.HOLDS if passed == 2 else Verdict.PARTLY if overlap else Verdict.FAILS
    evidence = (f"The highest of all {len(table)} values is {signed(value)}, reached by "
                f"{_on(points)}; the next highest is "
                f"{signed(_next_value(table, value, True))}.")
    return ClaimCheck(OBSERVATION, 2, f"{GPT35} and {DEEPSEEK} share the largest gain of the "
                      f"figure, about {signed(QUOTED_TOP_GAIN)}, on {GSM8K}.", verdict, evidence,
                      {"value": value, "points": points})


def gpt35_aqua(table: pd.DataFrame) -> ClaimCheck:
    g, large = grid(table), large_change(table)
    value = float(g.at[GPT35, AQUA])
    leaders = _leaders(g, AQUA)
    others = [m for m in leaders if m != GPT35]
    verdict = _grade(_close(value, QUOTED_GPT35_AQUA) + (value >= large), 2)
    top = ("the highest there" + (f", tied with {names(others)}" if others else "")
           if GPT35 in leaders else f"below the highest there ({signed(g[AQUA].max())})")
    evidence = (f"{GPT35} has {signed(value)} on {AQUA}, {top}; a change counts as large here "
                f"from a size of {number(large)} points (the upper quartile of all absolute Δ).")
    return ClaimCheck(OBSERVATION, 2, f"{GPT35} also gains strongly on {AQUA}, about "
                      f"{signed(QUOTED_GPT35_AQUA)}.", verdict, evidence,
                      {"value": value, "leaders": leaders, "large": large})


# --- key observation 3 --------------------------------------------------------------------------

def humaneval_worst(table: pd.DataFrame) -> ClaimCheck:
    means = grid(table).mean().sort_values()
    low, points = _extreme_points(table, highest=False)
    lowest_mean = means.index[0] == HUMANEVAL
    holds_min = any(ds == HUMANEVAL for _, ds in points)
    evidence = (f"{HUMANEVAL} has the lowest mean Δ of the {len(means)} datasets, "
                f"{signed(means.iloc[0])} (next: {means.index[1]}, {signed(means.iloc[1])}); the "
                f"lowest single value, {signed(low)}, is on "
                f"{names(dict.fromkeys(d for _, d in points))}."
                if lowest_mean else
                f"The lowest mean Δ is {signed(means.iloc[0])} on {means.index[0]}, not "
                f"{HUMANEVAL} ({signed(means[HUMANEVAL])}).")
    return ClaimCheck(OBSERVATION, 3, f"{HUMANEVAL} is where the changes are most negative.",
                      _grade(lowest_mean + holds_min, 2), evidence,
                      {"means": means.to_dict(), "lowest": low})


def humaneval_nearly_all(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    col = g[HUMANEVAL].dropna()
    below = int((col < 0).sum())
    worst_here = int(sum(g.loc[m].idxmin() == HUMANEVAL for m in col.index))
    share = below / len(col)
    verdict = (Verdict.HOLDS if share >= NEARLY_ALL else
               Verdict.PARTLY if share > 0.5 else Verdict.FAILS)
    evidence = (f"{count_of(below, len(col))} models are below the baseline on {HUMANEVAL}, from "
                f"{signed(col.min())} to {signed(col.max())}; it is the lowest dataset of "
                f"{count_of(worst_here, len(col))} models.")
    return ClaimCheck(OBSERVATION, 3, f"Nearly every model loses on {HUMANEVAL}.", verdict,
                      evidence, {"below": below, "models": len(col), "worst_for": worst_here})


def top_drop(table: pd.DataFrame) -> ClaimCheck:
    value, points = _extreme_points(table, highest=False)
    claimed = {(QWEN_LARGE, HUMANEVAL)}
    passed = (set(points) == claimed) + _close(value, QUOTED_TOP_DROP)
    verdict = (Verdict.HOLDS if passed == 2 else
               Verdict.PARTLY if claimed & set(points) else Verdict.FAILS)
    evidence = (f"The lowest of all {len(table)} values is {signed(value)}, {_on(points)}; the "
                f"next lowest is {signed(_next_value(table, value, False))}.")
    return ClaimCheck(OBSERVATION, 3, f"{QWEN_LARGE} has the largest drop of the figure, about "
                      f"{signed(QUOTED_TOP_DROP)} (on {HUMANEVAL}).", verdict, evidence,
                      {"value": value, "points": points})


def llama_math(table: pd.DataFrame) -> ClaimCheck:
    g, large = grid(table), large_change(table)
    value = float(g.at[LLAMA_LARGE, MATH])
    rank = int((table[schema.DELTA] < value - TIE_ATOL).sum()) + 1
    lowest_here = value <= g[MATH].min() + TIE_ATOL
    verdict = _grade(_close(value, QUOTED_LLAMA_MATH) + (value <= -large), 2)
    evidence = (f"{LLAMA_LARGE} has {signed(value)} on {MATH}"
                f"{', the lowest there' if lowest_here else ''}, number {rank} from the bottom "
                f"of all {len(table)} values (large from a size of {number(large)}).")
    return ClaimCheck(OBSERVATION, 3, f"{LLAMA_LARGE} drops markedly on {MATH}, about "
                      f"{signed(QUOTED_LLAMA_MATH)}.", verdict, evidence,
                      {"value": value, "rank_from_bottom": rank})


# --- key observation 4 --------------------------------------------------------------------------

def open_models_mixed(table: pd.DataFrame) -> ClaimCheck:
    row = direction_counts(table, schema.CATEGORY).set_index(schema.CATEGORY).loc[OPEN]
    counts = {k: int(row[k]) for k in ("above", "at", "below", "points")}
    n = counts["points"]
    mean = float(table.loc[table[schema.CATEGORY] == OPEN, schema.DELTA].mean())
    mixed = min(counts["above"], counts["below"]) / n >= MIXED_SHARE
    evidence = (f"Of the {n} points of the open models, {counts['above']} are above the "
                f"baseline, {counts['at']} at it and {counts['below']} below (mean "
                f"{signed(mean)}); mixed means at least {share_text(MIXED_SHARE)} on each side.")
    return ClaimCheck(OBSERVATION, 4, "The open models give mixed results.",
                      Verdict.HOLDS if mixed else Verdict.FAILS, evidence,
                      counts)


def _sides(row: pd.Series) -> dict[str, list[str]]:
    d = direction(row.dropna())
    return {side: list(d.index[d == side]) for side in ("above", "at", "below")}


def qwen72_often_positive(table: pd.DataFrame) -> ClaimCheck:
    g, large = grid(table), large_change(table)
    row = g.loc[QWEN_LARGE].dropna()
    sides = _sides(row)
    often = len(sides["above"]) > len(row) / 2
    he = float(row[HUMANEVAL])
    severe = he <= -large and row.idxmin() == HUMANEVAL
    evidence = (f"{QWEN_LARGE} is above the baseline on {count_of(len(sides['above']), len(row))} "
                f"datasets, at it on {len(sides['at'])} and below on {len(sides['below'])}; "
                f"{HUMANEVAL} ({signed(he)}) is "
                f"{'its lowest value' if row.idxmin() == HUMANEVAL else 'not its lowest value'}.")
    return ClaimCheck(OBSERVATION, 4, f"{QWEN_LARGE} is mostly above the baseline but falls "
                      f"sharply on {HUMANEVAL}.", _grade(often + severe, 2), evidence,
                      {"above": len(sides["above"]), "datasets": len(row), "humaneval": he})


def llama70_positive_except(table: pd.DataFrame) -> ClaimCheck:
    row = grid(table).loc[LLAMA_LARGE].dropna()
    sides = _sides(row)
    exceptions = {MATH, HUMANEVAL}
    others = [d for d in row.index if d not in exceptions]
    above_others = [d for d in others if d in sides["above"]]
    borderline = [d for d in above_others if row[d] <= READING_PRECISION + TIE_ATOL]
    right_exceptions = set(sides["below"]) == exceptions
    verdict = (Verdict.HOLDS if right_exceptions and len(above_others) == len(others) else
               Verdict.PARTLY if set(sides["below"]) & exceptions else Verdict.FAILS)
    evidence = (f"{LLAMA_LARGE} is below the baseline on {names(sides['below'])} "
                f"({', '.join(signed(row[d]) for d in sides['below'])}); of the other "
                f"{len(others)} datasets it is above on {len(above_others)}")
    if sides["at"]:
        evidence += f" and exactly at 0 on {names(sides['at'])}"
    if borderline:
        evidence += (f"; {names(borderline)} ({', '.join(signed(row[d]) for d in borderline)}) "
                     f"is within the reading precision of 0")
    return ClaimCheck(OBSERVATION, 4, f"{LLAMA_LARGE} is above the baseline everywhere except on "
                      f"{MATH} and {HUMANEVAL}.", verdict, evidence + ".",
                      {"below": sides["below"], "at": sides["at"], "above": sides["above"]})


def gpts_often_above(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    above = (g > 0).sum(axis=1)
    n_ds = g.shape[1]
    claimed = [GPT35, GPT4O]
    often = [m for m in claimed if above[m] > n_ds / 2]
    rest = above.drop(claimed)
    evidence = (f"{GPT35} is above the baseline on {count_of(int(above[GPT35]), n_ds)} datasets "
                f"and {GPT4O} on {count_of(int(above[GPT4O]), n_ds)}; the other {len(rest)} "
                f"models are above on {number(rest.median())} in the median (from "
                f"{int(rest.min())} to {int(rest.max())}).")
    return ClaimCheck(OBSERVATION, 4, f"{GPT35} and {GPT4O} are above the baseline more often "
                      f"than not.", _grade(len(often), len(claimed)), evidence,
                      {"above": {m: int(above[m]) for m in claimed},
                       "others_median": float(rest.median())})


def claude_drops(table: pd.DataFrame) -> ClaimCheck:
    g, large = grid(table), large_change(table)
    named = [AQUA, GPQA]
    values = {d: float(g.at[CLAUDE, d]) for d in named}
    big = [d for d in named if values[d] <= -large]
    lowest = [d for d in named if values[d] <= g[d].min() + TIE_ATOL]
    evidence = (f"{CLAUDE} has {signed(values[AQUA])} on {AQUA} and {signed(values[GPQA])} on "
                f"{GPQA}, large on {count_of(len(big), len(named))} (from a size of "
                f"{number(large)}) and "
                f"the lowest of all models on {count_of(len(lowest), len(named))}; the figure "
                f"has no intervals, so “significant” can only mean large here.")
    return ClaimCheck(OBSERVATION, 4, f"{CLAUDE} drops markedly on {AQUA} and {GPQA}.",
                      _grade(len(big), len(named)), evidence, {"values": values, "large": large})


def sd_swap_bound(points: int) -> float:
    """The most a reading error of ±READING_PRECISION per value can move an SD (n-1) of
    `points` values: the norm of the error vector over √(n-1)."""
    return READING_PRECISION * math.sqrt(points / (points - 1))


def deepseek_most_volatile(table: pd.DataFrame) -> ClaimCheck:
    spread = spread_by_model(table).set_index(schema.MODEL)
    rank = list(spread.index).index(DEEPSEEK) + 1
    sd = float(spread.at[DEEPSEEK, "sd"])
    rivals = spread.drop(DEEPSEEK)
    runner = rivals.index[0]
    gap = sd - float(rivals["sd"].iloc[0])
    bound = sd_swap_bound(int(spread.at[DEEPSEEK, "points"]))
    fragile = abs(gap) < 2 * bound
    verdict = (Verdict.HOLDS if rank == 1 else
               Verdict.PARTLY if rank <= math.ceil(len(spread) / 3) else Verdict.FAILS)
    evidence = (f"{DEEPSEEK}'s SD across datasets is {number(sd)}, number {rank} of "
                f"{len(spread)} models (next: {runner} at {number(rivals['sd'].iloc[0])}); reading "
                f"errors of ±{number(READING_PRECISION)} point can move each SD by up to "
                f"{number(bound)}, so this ranking is "
                f"{'fragile' if fragile else 'robust to them'}.")
    return ClaimCheck(OBSERVATION, 4, f"{DEEPSEEK} varies more than the other models.", verdict,
                      evidence, {"sd": sd, "rank": rank, "gap": gap, "fragile": fragile})


def deepseek_pattern(table: pd.DataFrame) -> ClaimCheck:
    g, large = grid(table), large_change(table)
    row = g.loc[DEEPSEEK].dropna()
    gains, drops = [GSM8K, AQUA], [CSQA, MATH]
    ok = [d for d in gains if row[d] >= large] + [d for d in drops if row[d] < 0]
    parts = ", ".join(f"{signed(row[d])} on {d}" for d in gains + drops)
    evidence = f"{DEEPSEEK} has {parts}; {count_of(len(ok), len(gains + drops))} parts hold"
    if row.idxmin() not in drops:
        evidence += f"; its lowest value, {signed(row.min())} on {row.idxmin()}, is not named"
    return ClaimCheck(OBSERVATION, 4, f"{DEEPSEEK} gains strongly on {GSM8K} and {AQUA} and "
                      f"loses on {CSQA} and {MATH}.", _grade(len(ok), len(gains + drops)),
                      evidence + ".", {"values": row.to_dict(), "large": large})


# --- key observation 5 --------------------------------------------------------------------------

def most_points_above(table: pd.DataFrame) -> ClaimCheck:
    dirs = direction(table[schema.DELTA])
    n, above, at, below = len(dirs), int((dirs == "above").sum()), int((dirs == "at").sum()), \
        int((dirs == "below").sum())
    near = int((table[schema.DELTA].abs() <= READING_PRECISION + TIE_ATOL).sum())
    evidence = (f"{count_of(above, n)} points ({percent(above, n)}) are above the baseline, {at} "
                f"at it and {below} below; {'more' if above > n / 2 else 'fewer'} than half. "
                f"{near} points lie within ±{number(READING_PRECISION)} of 0, where the reading "
                f"could put them on either side.")
    return ClaimCheck(OBSERVATION, 5, "Most points lie above the baseline.",
                      Verdict.HOLDS if above > n / 2 else Verdict.FAILS, evidence,
                      {"above": above, "at": at, "below": below, "points": n, "near_zero": near})


def most_models_gain(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    positive_mean = int((g.mean(axis=1) > 0).sum())
    mostly_above = int(((g > 0).sum(axis=1) > g.notna().sum(axis=1) / 2).sum())
    n = len(g)
    evidence = (f"{count_of(mostly_above, n)} models are above the baseline on most of their "
                f"datasets, but only {count_of(positive_mean, n)} have a positive mean Δ.")
    return ClaimCheck(OBSERVATION, 5, "Most models gain from the change being measured.",
                      _grade((mostly_above > n / 2) + (positive_mean > n / 2), 2), evidence,
                      {"mostly_above": mostly_above, "positive_mean": positive_mean, "models": n})


def humaneval_only_exception(table: pd.DataFrame) -> ClaimCheck:
    counts = direction_counts(table, schema.DATASET).set_index(schema.DATASET)
    minority = [d for d in counts.index if counts.at[d, "above"] <= counts.at[d, "points"] / 2]
    others = [d for d in minority if d != HUMANEVAL]
    extreme = counts["share_above"].idxmin() == HUMANEVAL
    rest = table[table[schema.DATASET] != HUMANEVAL]
    above_rest = int((rest[schema.DELTA] > 0).sum())
    verdict = (Verdict.HOLDS if minority == [HUMANEVAL] else
               Verdict.PARTLY if extreme else Verdict.FAILS)
    code = counts.loc[HUMANEVAL]
    evidence = (f"On {HUMANEVAL} {count_of(int(code['above']), int(code['points']))} "
                f"models are above the baseline, but no more than half are above on "
                f"{len(others)} other datasets too ({names(others)}); without {HUMANEVAL}, "
                f"{count_of(above_rest, len(rest))} points ({percent(above_rest, len(rest))}) "
                f"are above.")
    return ClaimCheck(OBSERVATION, 5, f"{HUMANEVAL} is the one clear exception to a gain.",
                      verdict, evidence, {"minority_datasets": minority,
                                          "above_without": above_rest, "points_without": len(rest)})


# --- the interpretation -------------------------------------------------------------------------

def maths_leaders_differ(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    maths = set(_leaders(g, GSM8K)) | set(_leaders(g, AQUA))
    others = set(_leaders(g, HUMANEVAL)) | set(_leaders(g, GPQA))
    shared = [m for m in g.index if m in maths & others]
    verdict = (Verdict.HOLDS if not shared else
               Verdict.FAILS if maths == others else Verdict.PARTLY)
    order = list(g.index)
    evidence = (f"The largest Δ on {GSM8K} or {AQUA} goes to "
                f"{names(sorted(maths, key=order.index))}; "
                f"on {HUMANEVAL} or {GPQA} to {names(sorted(others, key=order.index))}; "
                f"{names(shared)} {'lead' if len(shared) != 1 else 'leads'} in both.")
    return ClaimCheck(INTERPRETATION, 1, f"The models that gain most on the maths sets ({GSM8K}, "
                      f"{AQUA}) are not the ones that gain most on {HUMANEVAL} or {GPQA}.",
                      verdict, evidence, {"shared": shared})


def no_uniform_scale(table: pd.DataFrame) -> ClaimCheck:
    comp = scale_comparisons(table)
    comp = comp[comp["smaller"].isin([LLAMA_SMALL, QWEN_SMALL])]
    n, wins = len(comp), int((comp["higher"] == "larger").sum())
    verdict = (Verdict.FAILS if wins == n else
               Verdict.PARTLY if wins > n / 2 else Verdict.HOLDS)
    per = "; ".join(f"{s} vs {l}: {count_of(int((c['higher'] == 'larger').sum()), len(c))}"
                    for (s, l), c in comp.groupby(["smaller", "larger"], sort=False))
    evidence = (f"The larger model has the larger Δ on {count_of(wins, n)} dataset comparisons "
                f"({per}): not uniform, but "
                f"{'a clear majority' if wins > n / 2 else 'no majority'} in favour of size.")
    return ClaimCheck(INTERPRETATION, 2, f"Within a family ({LLAMA_SMALL} vs {LLAMA_LARGE}, "
                      f"{QWEN_SMALL} vs {QWEN_LARGE}) the bigger model does not uniformly gain "
                      f"more.", verdict, evidence, {"larger_higher": wins, "comparisons": n})


def humaneval_uniform(table: pd.DataFrame) -> ClaimCheck:
    rows = table[table[schema.DATASET] == HUMANEVAL]
    below = rows[rows[schema.DELTA] < 0]
    cats = rows[schema.CATEGORY].nunique()
    sized = [m for m in rows[schema.MODEL] if parse_size(m) is not None]
    sized_below = [m for m in below[schema.MODEL] if parse_size(m) is not None]
    share = len(below) / len(rows)
    verdict = (Verdict.HOLDS if len(below) == len(rows) else
               Verdict.PARTLY if share >= NEARLY_ALL else Verdict.FAILS)
    evidence = (f"{count_of(len(below), len(rows))} models drop on {HUMANEVAL}; they come from "
                f"{below[schema.CATEGORY].nunique()} of the {cats} groups of the legend and "
                f"include {count_of(len(sized_below), len(sized))} models whose name gives a "
                f"parameter count.")
    return ClaimCheck(INTERPRETATION, 3, f"Every model, whatever its group or size, loses on "
                      f"{HUMANEVAL}.", verdict, evidence,
                      {"below": len(below), "models": len(rows)})


def deepseek_top_and_bottom(table: pd.DataFrame) -> ClaimCheck:
    g = grid(table)
    ranks = g.rank(ascending=False, method="min")
    sizes = g.notna().sum()
    row = ranks.loc[DEEPSEEK].dropna()
    top = [d for d in row.index if row[d] == 1]
    bottom = [d for d in row.index if row[d] > sizes[d] * (1 - BOTTOM_SHARE)]
    lowest = [d for d in row.index if g.at[DEEPSEEK, d] <= g[d].min() + TIE_ATOL]
    in_group = table.loc[table[schema.CATEGORY] == REASONING, schema.MODEL].nunique()
    evidence = (f"{DEEPSEEK} has the largest Δ (alone or tied) on {names(top)} and is among the "
                f"lowest third on {names(bottom)} "
                f"(rank {', '.join(f'{int(row[d])} of {sizes[d]}' for d in bottom)}); it is "
                f"{'the lowest on ' + names(lowest) if lowest else 'never the lowest'}. "
                f"Its group holds {in_group} "
                f"{'model' if in_group == 1 else 'models'}, too few to speak for reasoning models "
                f"in general.")
    return ClaimCheck(INTERPRETATION, 4, f"{DEEPSEEK} is at the top on some datasets and near "
                      f"the bottom on others.", _grade(bool(top) + bool(bottom), 2), evidence,
                      {"top": top, "bottom": bottom, "lowest": lowest})


CHECKS: tuple[Callable[[pd.DataFrame], ClaimCheck], ...] = (
    every_model_varies, no_model_best_everywhere, top_gain_shared, gpt35_aqua, humaneval_worst,
    humaneval_nearly_all, top_drop, llama_math, open_models_mixed, qwen72_often_positive,
    llama70_positive_except, gpts_often_above, claude_drops, deepseek_most_volatile,
    deepseek_pattern, most_points_above, most_models_gain, humaneval_only_exception,
    maths_leaders_differ, no_uniform_scale, humaneval_uniform, deepseek_top_and_bottom,
)
"""Every check, in the source's order."""


def check_claims(table: pd.DataFrame | None = None) -> list[ClaimCheck]:
    """Every claim of the source, checked against `table` (the bundled figure by default)."""
    t = figure_table() if table is None else table
    return [check(t) for check in CHECKS]


def verdict_counts(checks: list[ClaimCheck]) -> dict[Verdict, int]:
    """How many claims hold, hold in part, and do not hold."""
    return {v: sum(c.verdict == v for c in checks) for v in Verdict}


PLURAL = {Verdict.HOLDS: "hold", Verdict.PARTLY: "hold in part", Verdict.FAILS: "do not hold"}


def verdict_summary(checks: list[ClaimCheck]) -> str:
    """"Of the n claims checked, a hold, b hold in part and c do not hold." """
    parts = [f"{k} {v.value if k == 1 else PLURAL[v]}" for v, k in verdict_counts(checks).items()]
    return f"Of the {len(checks)} claims checked, {names(parts)}."
