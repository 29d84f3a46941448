"""Intervals and p-values for a difference in accuracy, many cells at once.

All functions take arrays with one entry per model × dataset cell and return proportions (not
points). Nothing is resampled: the same input always gives the same output, and 200,000 cells
take well under a second. Each interval comes with the test built on the same statistic, so the
interval leaves out 0 exactly when p < 1 − level (`benchmarks/coverage.py` measures coverage).

- Paired 0/1 outcomes: only the counts of items right under baseline only (b) and under treatment
  only (c) and n matter. Interval: Tango's score interval (`tango_interval`); test: the score
  test at Δ = 0, which is the asymptotic McNemar test (`mcnemar_pvalue`). Fagerland, Lydersen
  and Laake recommend both (BMC Med Res Methodol 13:91, 2013; Stat Methods Med Res 23:
  1083–1104, 2014): the exact McNemar test is conservative, the percentile bootstrap too narrow
  at small n.
- Paired scores in [0, 1] (e.g. averaged runs): the t interval of the mean item difference
  (`paired_t_interval`) and the paired t-test (`paired_t_pvalue`).
- Only per-arm scores and n: the unpaired approximation (`unpaired_difference`).

scipy (`scipy.special`) is imported inside the functions that need it, so importing this module
stays cheap.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_LEVEL = 0.95
ROOT_STEPS = 100
"""Most steps of the root search in `tango_interval` (it converges in about 10)."""
ROOT_TOLERANCE = 1e-13
"""A bound is final when a step moves it by less than this (Δ is a proportion)."""
_TINY = 1e-300


def _check(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")


def critical_value(level: float) -> float:
    """z with P(|Z| ≤ z) = level for a standard normal Z."""
    _check(level)
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _paired_counts(only_baseline: ArrayLike, only_treatment: ArrayLike,
                   n: ArrayLike | None = None) -> tuple[np.ndarray, ...]:
    """(b, c[, n]) as float arrays of one shape; raises ValueError on impossible counts."""
    given = [only_baseline, only_treatment] + ([] if n is None else [n])
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in given))
    if any(np.any(a < 0) for a in arrays):
        raise ValueError("counts must be non-negative")
    if n is not None and np.any(arrays[0] + arrays[1] > arrays[2]):
        raise ValueError("discordant counts exceed n")
    return tuple(arrays)


def _tango_parts(delta: np.ndarray, b: np.ndarray, c: np.ndarray,
                 n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, variance) of Tango's score statistic at Δ = delta."""
    two_n = 2.0 * n
    lin = -c - b + (two_n - c + b) * delta
    const = -b * delta * (1.0 - delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        p21 = (np.sqrt(np.maximum(lin * lin - 4.0 * two_n * const, 0.0)) - lin) / (2.0 * two_n)
    return c - b - n * delta, np.maximum(n * (2.0 * p21 + delta * (1.0 - delta)), 0.0)


def tango_score(delta: ArrayLike, only_baseline: ArrayLike, only_treatment: ArrayLike,
                n: ArrayLike) -> np.ndarray:
    """Tango's score statistic for H0: Δ = delta, Δ = P(treatment right) − P(baseline right).

    T = (c − b − nΔ) / √(n(2·p̃ + Δ(1 − Δ))), p̃ the maximum-likelihood estimate of the
    share of items right under baseline only, under H0 (Tango, Stat Med 17:891–908, 1998).
    T decreases in Δ; at Δ = 0 it is McNemar's (c − b)/√(b + c) (0 where b + c = 0).
    Where the variance vanishes T is ±∞ by the sign of its numerator.
    """
    num, var = _tango_parts(*np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (
        delta, only_baseline, only_treatment, n))))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / np.sqrt(var)
    return np.where(var > 0, t, np.where(num == 0, 0.0, np.copysign(np.inf, num)))


def _tango_bound(b: np.ndarray, c: np.ndarray, n: np.ndarray, z: float, left: np.ndarray,
                 right: np.ndarray) -> np.ndarray:
    """The root in [left, right] of g(Δ) = num(Δ) − z·√var(Δ) (so T(Δ) = z; z < 0 for the
    upper bound), g(left) ≥ 0 ≥ g(right), by the Illinois variant of regula falsi on all cells
    at once; g is finite where T is infinite. The result stays inside the bracket."""
    def g(delta: np.ndarray, at: slice | np.ndarray) -> np.ndarray:
        num, var = _tango_parts(delta, b[at], c[at], n[at])
        return num - z * np.sqrt(var)

    a, e = left.copy(), right.copy()
    fa, fe = g(a, slice(None)), g(e, slice(None))
    x = np.where(e > a, np.inf, a)
    live = np.flatnonzero(e > a)  # g(left) may be 0 where the variance vanishes at that end
    side = np.zeros(a.size, dtype=np.int8)
    for _ in range(ROOT_STEPS):
        if not live.size:
            break
        al, el, fal, fel = a[live], e[live], fa[live], fe[live]
        with np.errstate(divide="ignore", invalid="ignore"):
            xl = el - fel * (el - al) / (fel - fal)
        xl = np.where(np.isfinite(xl) & (xl > al) & (xl < el), xl, (al + el) / 2.0)
        fx = g(xl, live)
        up = fx > 0  # the root lies above xl
        a[live] = np.where(up, xl, al)
        fa[live] = np.where(up, fx, np.where(side[live] == -1, fal / 2.0, fal))
        e[live] = np.where(up, el, xl)
        fe[live] = np.where(up, np.where(side[live] == 1, fel / 2.0, fel), fx)
        side[live] = np.where(up, 1, -1)
        moved = np.abs(xl - x[live])
        x[live] = xl
        live = live[(moved > ROOT_TOLERANCE) & (fx != 0) & (e[live] - a[live] > ROOT_TOLERANCE)]
    return x


def tango_interval(only_baseline: ArrayLike, only_treatment: ArrayLike, n: ArrayLike,
                   level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(low, high): Tango's score interval for the paired accuracy difference (treatment −
    baseline), {Δ : |T(Δ)| ≤ z} with T from `tango_score`; NaN where n = 0.

    Each bound is first bracketed on the side of 0 that the McNemar statistic T(0) gives, so
    the interval leaves out 0 exactly when `mcnemar_pvalue` < 1 − level. Never of width 0:
    with no discordant pair it is ±z²/(n + z²).
    """
    b, c, m = _paired_counts(only_baseline, only_treatment, n)
    b, c, m = b.ravel(), c.ravel(), m.ravel()
    shape = np.broadcast(np.asarray(only_baseline), np.asarray(only_treatment),
                         np.asarray(n)).shape
    z = critical_value(level)
    empty = ~(m > 0)
    m = np.where(empty, 1.0, m)
    est = (c - b) / m
    at_zero = tango_score(0.0, b, c, m)
    above, below = at_zero > z, at_zero < -z  # T(0) beyond z: the interval leaves out 0
    low = _tango_bound(b, c, m, z, np.where(above, 0.0, -1.0),
                       np.where(above, est, np.minimum(est, 0.0)))
    high = _tango_bound(b, c, m, -z, np.where(below, est, np.maximum(est, 0.0)),
                        np.where(below, 0.0, 1.0))
    low = np.where(est <= -1.0, -1.0, np.where(above, np.maximum(low, _TINY), low))
    high = np.where(est >= 1.0, 1.0, np.where(below, np.minimum(high, -_TINY), high))
    return (np.where(empty, np.nan, low).reshape(shape),
            np.where(empty, np.nan, high).reshape(shape))


def mcnemar_pvalue(only_baseline: ArrayLike, only_treatment: ArrayLike) -> np.ndarray:
    """Two-sided asymptotic McNemar p-values, z = (c − b)/√(b + c); 1 where b + c = 0.

    The score test that `tango_interval` inverts. Its size stays close to nominal even for few
    discordant pairs, unlike the exact conditional test, which is conservative (Fagerland,
    Lydersen and Laake 2013).
    """
    from scipy import special

    b, c = _paired_counts(only_baseline, only_treatment)
    z = np.abs(tango_score(0.0, b, c, b + c))
    return special.erfc(z / math.sqrt(2.0))


def paired_t_pvalue(mean: ArrayLike, sd: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Two-sided paired t-test p-values from the mean, sample SD (ddof 1) and n of differences.

    NaN where n < 2 or every difference is equal (SD 0): no spread, nothing to test against.
    """
    from scipy import special

    mean, sd, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (mean, sd, n)))
    p = np.full(mean.shape, np.nan)
    live = (n >= 2) & (sd > 0)
    if live.any():
        t = np.abs(mean[live]) / (sd[live] / np.sqrt(n[live]))
        p[live] = 2.0 * special.stdtr(n[live] - 1.0, -t)
    return p


def paired_t_interval(mean: ArrayLike, sd: ArrayLike, n: ArrayLike,
                      level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(low, high): the t interval mean ± t·sd/√n of the mean paired difference, from the mean,
    sample SD (ddof 1) and n of the differences; NaN where `paired_t_pvalue` is NaN (n < 2 or
    SD 0), never an interval of width 0."""
    from scipy import special

    _check(level)
    mean, sd, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (mean, sd, n)))
    low, high = np.full(mean.shape, np.nan), np.full(mean.shape, np.nan)
    ok = (n >= 2) & (sd > 0)
    if ok.any():
        half = special.stdtrit(n[ok] - 1.0, 0.5 + level / 2.0) * sd[ok] / np.sqrt(n[ok])
        low[ok], high[ok] = mean[ok] - half, mean[ok] + half
    return low, high


def unpaired_difference(baseline: ArrayLike, treatment: ArrayLike, n_baseline: ArrayLike,
                        n_treatment: ArrayLike | None = None, level: float = DEFAULT_LEVEL,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, p) for treatment − baseline from two proportions, as independent samples.

    `n_treatment` defaults to `n_baseline` (the same items scored under both arms).

    The interval is Newcombe's hybrid score interval (his method 10: Wilson intervals of each
    proportion, combined); the p-value is the pooled two-proportion z-test. Both treat the arms
    as independent samples, which ignores that the same items were scored twice: with the
    usual positive correlation between arms the interval is wider than the paired one.
    """
    from scipy import special

    z = critical_value(level)
    p1, p2, m1, m2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (
        baseline, treatment, n_baseline, n_baseline if n_treatment is None else n_treatment)))

    def wilson(p: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / (1 + z * z / m)
        return centre - half, centre + half

    (l1, u1), (l2, u2) = wilson(p1, m1), wilson(p2, m2)
    delta = p2 - p1
    low = delta - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = delta + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (p1 * m1 + p2 * m2) / (m1 + m2)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
    zstat = np.divide(np.abs(delta), se0, out=np.zeros(delta.shape), where=se0 > 0)
    p = special.erfc(zstat / math.sqrt(2.0))
    return low, high, np.where(se0 > 0, p, 1.0)
