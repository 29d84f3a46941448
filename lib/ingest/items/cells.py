"""Per-cell statistics of paired outcomes: accuracies, Δ, n, interval, p-value, correction.

A cell is one model × dataset. Nothing is random: the same items give the same statistics.
Cells of 0/1 outcomes get Tango's score interval and the asymptotic McNemar test, cells of scores
the t interval and the paired t-test (`lib.stats.intervals`; coverage in
benchmarks/coverage.py). Each cell says whether it is too small to show a difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.core import schema
from lib.ingest.problems import Problem
from lib.stats import intervals, multiple

INTERVAL_METHOD = "interval_method"
"""Column naming how each row's interval and p-value were computed."""
CI_EXCLUDES_ZERO = "ci_excludes_zero"
CI_TEST_DISAGREE = "ci_test_disagree"
"""Column: True where the interval and the uncorrected test disagree at the interval's level
(one leaves out 0, the other does not). Never for per-item cells, whose interval and test rest
on one statistic; possible for the unpaired approximation."""
TOO_SMALL = "too_small"
"""Column: True where the cell is too small to show a difference (`too_small`)."""
BINARY_METHOD = "Tango score interval; asymptotic McNemar test"
SCORES_METHOD = "t interval of item differences; paired t-test"
TOO_SMALL_NOTE = "too few items or changed outcomes to show a difference"
MIN_ITEMS = 10
"""Fewer items than this: too small. benchmarks/coverage.py verifies the intervals' coverage
from n = 10 on; below, a handful of items decides everything."""


@dataclass(frozen=True)
class Settings:
    """How intervals and significance are computed (and, for several arms per item, which arm
    is the baseline)."""

    level: float = intervals.DEFAULT_LEVEL
    correction: multiple.Correction = "holm"
    alpha: float | None = None
    """Threshold for the corrected p-value; None means 1 − level."""
    baseline: str | None = None
    """The baseline arm of a per-item file with its arms in rows; None: the arm named like a
    baseline, else the first (`lib.ingest.items.arms.baseline_arm`)."""

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


def _is01(values: np.ndarray) -> np.ndarray:
    return (values == 0) | (values == 1)


def min_discordant(level: float) -> int:
    """Fewest items right under one arm only that can make the McNemar test significant at
    `level`: with d of them the statistic is at most √d, so d ≥ z² is needed (4 at 95%)."""
    return math.ceil(intervals.critical_value(level) ** 2)


def from_counts(four: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Sums, interval, p-value and `too_small` per cell from its paired counts.

    `four` has one row per cell: items wrong under both arms, right under treatment only,
    right under baseline only, right under both (the index is 2·baseline + treatment).
    Tango's score interval and the asymptotic McNemar test; a cell is too small with fewer than
    MIN_ITEMS items or fewer discordant items than `min_discordant`.
    """
    n = four.sum(axis=1)
    b, c = four[:, 2], four[:, 1]
    low, high = intervals.tango_interval(b, c, n, level)
    return {"n": n, "sum_b": (four[:, 2] + four[:, 3]).astype(np.float64),
            "sum_t": (four[:, 1] + four[:, 3]).astype(np.float64), "low": low, "high": high,
            "p": intervals.mcnemar_pvalue(b, c), "scored": np.zeros(len(n), dtype=bool),
            "small": (n < MIN_ITEMS) | (b + c < min_discordant(level))}


def from_items(cell: np.ndarray, base: np.ndarray, treat: np.ndarray, k: int,
               level: float) -> dict[str, np.ndarray]:
    """Sums, interval, p-value and `too_small` per cell from one (baseline, treatment) pair
    per item.

    Cells whose outcomes are all 0/1 go through their paired counts (`from_counts`); the others
    get the t interval of their item differences and the paired t-test, and are too small with
    fewer than MIN_ITEMS items or when every difference is equal (no interval then).
    """
    odd = ~(_is01(base) & _is01(treat))
    scored = np.bincount(cell, weights=odd, minlength=k) > 0
    flat = ~scored[cell]
    pairs = cell[flat] * 4 + (2 * base[flat] + treat[flat]).astype(np.int64)
    four = np.bincount(pairs, minlength=4 * k).reshape(k, 4)
    out = from_counts(four, level)
    out["scored"] = scored
    if scored.any():
        rows = ~flat
        m = int(scored.sum())
        codes = (np.cumsum(scored) - 1)[cell[rows]]
        diffs = treat[rows] - base[rows]
        n = np.bincount(codes, minlength=m)
        sum_b = np.bincount(codes, weights=base[rows], minlength=m)
        sum_t = np.bincount(codes, weights=treat[rows], minlength=m)
        mean = (sum_t - sum_b) / n
        spread = np.bincount(codes, weights=(diffs - mean[codes]) ** 2, minlength=m)
        sd = np.sqrt(spread / np.maximum(n - 1, 1))
        sd = np.where(sd <= 1e-12 * np.maximum(np.abs(mean), 1.0), 0.0, sd)  # rounding only
        low, high = intervals.paired_t_interval(mean, sd, n, level)
        out["n"][scored], out["sum_b"][scored], out["sum_t"][scored] = n, sum_b, sum_t
        out["low"][scored], out["high"][scored] = low, high
        out["p"][scored] = intervals.paired_t_pvalue(mean, sd, n)
        out["small"][scored] = (n < MIN_ITEMS) | (sd == 0)
    return out


def frame(stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """The per-cell statistics as contract columns (accuracies in %, Δ and interval in points),
    `too_small` and the method of each row (with TOO_SMALL_NOTE where too small)."""
    n = stats["n"]
    acc_b, acc_t = 100.0 * stats["sum_b"] / n, 100.0 * stats["sum_t"] / n
    which = 2 * stats["scored"].astype(np.int8) + stats["small"]
    method = np.array([BINARY_METHOD, f"{BINARY_METHOD}; {TOO_SMALL_NOTE}", SCORES_METHOD,
                       f"{SCORES_METHOD}; {TOO_SMALL_NOTE}"], dtype=object)[which]
    return pd.DataFrame({
        schema.DELTA: acc_t - acc_b, schema.BASELINE: acc_b, schema.TREATMENT: acc_t,
        schema.N_ITEMS: n, schema.CI_LOW: 100.0 * stats["low"],
        schema.CI_HIGH: 100.0 * stats["high"], schema.P_VALUE: stats["p"],
        TOO_SMALL: stats["small"].astype(bool), INTERVAL_METHOD: method,
    })


def finish(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add `p_adjusted`, `significant` (p_adjusted < alpha), `ci_excludes_zero` and
    `ci_test_disagree`; conform.

    `significant` rests on the corrected p-value, `ci_excludes_zero` on the uncorrected
    interval; `ci_test_disagree` compares that interval with the uncorrected p-value at
    1 − level. The settings and the interval methods used go to the table's attrs.
    """
    out = table.reset_index(drop=True)
    out[schema.P_ADJUSTED] = multiple.adjust(out[schema.P_VALUE].to_numpy(), settings.correction)
    out[schema.SIGNIFICANT] = (out[schema.P_ADJUSTED] < settings.threshold).to_numpy()
    excludes = ((out[schema.CI_LOW] > 0) | (out[schema.CI_HIGH] < 0)).to_numpy()
    out[CI_EXCLUDES_ZERO] = excludes
    rejects = (out[schema.P_VALUE] < round(1.0 - settings.level, 12)).to_numpy()
    out[CI_TEST_DISAGREE] = excludes != rejects
    out[INTERVAL_METHOD] = out.pop(INTERVAL_METHOD)  # last
    conformed = schema.conform(out)
    conformed.attrs.update(correction=settings.correction, alpha=settings.threshold,
                           level=settings.level,
                           methods=sorted(set(conformed[INTERVAL_METHOD])))
    return conformed
