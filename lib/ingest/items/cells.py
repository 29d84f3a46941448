"""Per-cell statistics of paired outcomes: accuracies, Δ, n, interval, p-value, correction.

A cell is one model × dataset. Cells come numbered 0..k-1; the random draws are made in that
order, so callers number cells in a stable order (sorted names) to make results independent of
the row order of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.core import schema
from lib.ingest.problems import Problem
from lib.stats import intervals, multiple

INTERVAL_METHOD = "interval_method"
"""Column naming how each row's interval and p-value were computed."""
CI_EXCLUDES_ZERO = "ci_excludes_zero"
BINARY_METHOD = "paired bootstrap of outcome counts; exact McNemar test"
SCORES_METHOD = "paired bootstrap of item differences; paired t-test"


@dataclass(frozen=True)
class Settings:
    """How intervals and significance are computed."""

    resamples: int = intervals.DEFAULT_RESAMPLES
    level: float = intervals.DEFAULT_LEVEL
    correction: multiple.Correction = "holm"
    alpha: float | None = None
    """Threshold for the corrected p-value; None means 1 − level."""
    seed: int | None = 0

    @property
    def threshold(self) -> float:
        """The alpha in use."""
        return round(1.0 - self.level, 12) if self.alpha is None else self.alpha


@dataclass
class PerItemResult:
    """The aggregated contract table (None if a blocking problem stopped it), problems, notes.

    The table's attrs hold the settings used and `methods`, the interval methods that occur.
    """

    table: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


WORK_BUDGET = 2e8
"""Resampling work allowed per aggregation, in items gathered (one binomial draw counts as
`intervals.BINOMIAL_WORK`): about 5–10 s on a 2-core machine. Beyond it, the costliest cells get
the t interval instead of the bootstrap (`plan`)."""
BINARY_COST = float(intervals.resample_cost(3))
"""Work of one resample of a cell of 0/1 outcomes (its three paired counts)."""
T_INTERVAL = "t interval (the bootstrap would cost too much at this size)"
BINARY_T_METHOD = f"{T_INTERVAL}; exact McNemar test"
SCORES_T_METHOD = f"{T_INTERVAL}; paired t-test"


def _is01(values: np.ndarray) -> np.ndarray:
    return (values == 0) | (values == 1)


def _empty(k: int) -> dict[str, np.ndarray]:
    return {name: np.full(k, np.nan) for name in ("sum_b", "sum_t", "low", "high", "p")}


def plan(cost: np.ndarray, n: np.ndarray, resamples: int,
         budget: float | None = None) -> np.ndarray:
    """Which cells are resampled (True) within `budget` (WORK_BUDGET by default).

    `cost` is each cell's work per resample. All cells are when their work fits; otherwise the
    costliest cells (among equal costs, those with the most items, where the t interval is
    closest to the bootstrap) are left to the t interval until the rest fits."""
    budget = WORK_BUDGET if budget is None else budget
    resample = np.ones(len(cost), dtype=bool)
    work = float(cost.sum()) * resamples
    if work <= budget:
        return resample
    order = np.lexsort((-n, -cost))
    left = work - np.cumsum(cost[order]) * resamples
    resample[order[: int(np.argmax(left <= budget)) + 1]] = False
    return resample


def from_counts(four: np.ndarray, resamples: int, level: float, rng: np.random.Generator,
                budget: float | None = None,
                resampled: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Sums, interval and p-value per cell from its paired counts.

    `four` has one row per cell: items wrong under both arms, right under treatment only,
    right under baseline only, right under both (the index is 2·baseline + treatment). Cells
    beyond the work budget (or where `resampled`, when given, is False) get the t interval of
    their paired differences (`plan`).
    """
    n = four.sum(axis=1)
    b, c = four[:, 2], four[:, 1]
    if resampled is None:
        resampled = plan(np.full(len(n), BINARY_COST), n, resamples, budget)
    out = {"n": n, "sum_b": (four[:, 2] + four[:, 3]).astype(np.float64),
           "sum_t": (four[:, 1] + four[:, 3]).astype(np.float64),
           "low": np.full(len(n), np.nan), "high": np.full(len(n), np.nan),
           "p": intervals.mcnemar_exact(b, c), "scored": np.zeros(len(n), dtype=bool),
           "resampled": resampled}
    if resampled.any():
        at = np.flatnonzero(resampled)
        out["low"][at], out["high"][at] = intervals.paired_binary_bootstrap(
            b[at], c[at], n[at], resamples, level, rng)
    if not resampled.all():
        at = np.flatnonzero(~resampled)
        m, bb, cc = n[at].astype(np.float64), b[at], c[at]
        mean = (cc - bb) / m
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.maximum(bb + cc - m * mean**2, 0.0) / (m - 1))
        out["low"][at], out["high"][at] = intervals.paired_t_interval(mean, sd, m, level)
    return out


def from_items(cell: np.ndarray, base: np.ndarray, treat: np.ndarray, k: int, resamples: int,
               level: float, rng: np.random.Generator,
               budget: float | None = None) -> dict[str, np.ndarray]:
    """Sums, interval and p-value per cell from one (baseline, treatment) pair per item.

    Cells whose outcomes are all 0/1 go through their paired counts (`from_counts`); the others
    through the paired bootstrap of item differences and a paired t-test. The work budget is
    shared by all cells: beyond it the costliest get the t interval (`plan`).
    """
    odd = ~(_is01(base) & _is01(treat))
    scored = np.bincount(cell, weights=odd, minlength=k) > 0
    flat = ~scored[cell]
    pairs = cell[flat] * 4 + (2 * base[flat] + treat[flat]).astype(np.int64)
    four = np.bincount(pairs, minlength=4 * k).reshape(k, 4)
    out = _empty(k) | {"n": four.sum(axis=1), "scored": scored,
                       "resampled": np.ones(k, dtype=bool)}
    rows = ~flat
    m = int(scored.sum())
    codes = (np.cumsum(scored) - 1)[cell[rows]]
    diffs = treat[rows] - base[rows]
    grouped = intervals.cell_differences(diffs, codes, m)
    cost = np.full(k, BINARY_COST)
    cost[scored] = grouped.cost()
    n_all = out["n"].copy()
    n_all[scored] = grouped.n
    resampled = plan(cost, n_all, resamples, budget)
    if (~scored).any():
        part = from_counts(four[~scored], resamples, level, rng,
                           resampled=resampled[~scored])
        for name in ("sum_b", "sum_t", "low", "high", "p"):
            out[name][~scored] = part[name]
    if scored.any():
        n = grouped.n
        sum_b = np.bincount(codes, weights=base[rows], minlength=m)
        sum_t = np.bincount(codes, weights=treat[rows], minlength=m)
        mean = (sum_t - sum_b) / n
        sd = np.sqrt(np.bincount(codes, weights=(diffs - mean[codes]) ** 2, minlength=m)
                     / np.maximum(n - 1, 1))
        keep = resampled[scored]
        low, high = intervals.grouped_mean_bootstrap(grouped, resamples, level, rng, only=keep)
        t_low, t_high = intervals.paired_t_interval(mean, sd, n, level)
        out["n"][scored], out["sum_b"][scored], out["sum_t"][scored] = n, sum_b, sum_t
        out["low"][scored] = np.where(keep, low, t_low)
        out["high"][scored] = np.where(keep, high, t_high)
        out["p"][scored] = intervals.paired_t_pvalue(mean, sd, n)
    out["resampled"] = resampled
    return out


def frame(stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """The per-cell statistics as contract columns (accuracies in %, Δ and interval in points)."""
    n = stats["n"]
    acc_b, acc_t = 100.0 * stats["sum_b"] / n, 100.0 * stats["sum_t"] / n
    which = 2 * stats["scored"].astype(np.int8) + ~stats["resampled"]
    method = np.array([BINARY_METHOD, BINARY_T_METHOD, SCORES_METHOD, SCORES_T_METHOD],
                      dtype=object)[which]
    return pd.DataFrame({
        schema.DELTA: acc_t - acc_b, schema.BASELINE: acc_b, schema.TREATMENT: acc_t,
        schema.N_ITEMS: n, schema.CI_LOW: 100.0 * stats["low"],
        schema.CI_HIGH: 100.0 * stats["high"], schema.P_VALUE: stats["p"],
        INTERVAL_METHOD: method,
    })


def budget_note(stats: dict[str, np.ndarray], resamples: int) -> str | None:
    """What was done instead of the bootstrap for the cells beyond the work budget, if any."""
    skipped = ~stats["resampled"]
    if not skipped.any():
        return None
    n = stats["n"][skipped]
    note = (f"To keep the work bounded, {int(skipped.sum()):,} of {skipped.size:,} cells "
            f"({int(n.sum()):,} items) get a t interval for the mean paired difference instead "
            f"of {resamples:,} bootstrap resamples (the largest cells first: with many items the "
            "two agree closely); p-values are unchanged.")
    if (n < 2).any():
        note += " Cells of a single item get no interval."
    return note


def finish(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add `p_adjusted`, `significant` (p_adjusted < alpha) and `ci_excludes_zero`; conform.

    `significant` rests on the corrected p-value, `ci_excludes_zero` on the uncorrected
    interval. The settings and the interval methods used go to the table's attrs.
    """
    out = table.reset_index(drop=True)
    out[schema.P_ADJUSTED] = multiple.adjust(out[schema.P_VALUE].to_numpy(), settings.correction)
    out[schema.SIGNIFICANT] = (out[schema.P_ADJUSTED] < settings.threshold).to_numpy()
    out[CI_EXCLUDES_ZERO] = ((out[schema.CI_LOW] > 0) | (out[schema.CI_HIGH] < 0)).to_numpy()
    out[INTERVAL_METHOD] = out.pop(INTERVAL_METHOD)  # last
    conformed = schema.conform(out)
    conformed.attrs.update(correction=settings.correction, alpha=settings.threshold,
                           level=settings.level, resamples=settings.resamples, seed=settings.seed,
                           methods=sorted(set(conformed[INTERVAL_METHOD])))
    return conformed
