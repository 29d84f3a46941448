"""Intervals and p-values for a difference in accuracy, many cells at once.

All functions work on arrays with one entry per model × dataset cell and return proportions
(not points). Bootstraps take a `numpy.random.Generator` (or a seed), so the same input and
seed give the same interval; intervals are percentile intervals of the resampled mean difference.

- Paired 0/1 outcomes: the resampled difference depends only on the counts of items right under
  treatment only (c) and under baseline only (b), so the bootstrap draws those counts from a
  multinomial instead of resampling items (`paired_binary_bootstrap`), and the p-value is the
  exact McNemar test on the discordant pairs (`mcnemar_exact`).
- Paired scores in [0, 1]: a bootstrap of the mean item difference (`paired_mean_bootstrap`),
  with a paired t-test for the p-value (`paired_t_pvalue`).
- Only per-arm scores and n: the unpaired approximation (`unpaired_difference`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_RESAMPLES = 2000
DEFAULT_LEVEL = 0.95
CHUNK_ELEMENTS = 1 << 22
"""Upper bound on the elements of one temporary resampling array (about 32 MB of float64)."""
MAX_CATEGORIES = 64
"""A cell whose item differences take at most this many distinct values is resampled by counts."""


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """`rng` itself, or a new Generator seeded with it."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check(resamples: int, level: float) -> None:
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")


def _percentiles(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) percentile bounds along the last axis of `draws`."""
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail], axis=-1)
    return low, high


def categorical_bootstrap(values: ArrayLike, counts: ArrayLike, resamples: int = DEFAULT_RESAMPLES,
                          level: float = DEFAULT_LEVEL,
                          rng: np.random.Generator | int | None = None,
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the mean, per row, for data given as distinct values and counts.

    `values` and `counts` have shape (cells, K). Resampling n items with replacement is the same
    as drawing the K counts from Multinomial(n, counts / n); each multinomial is drawn as a chain
    of binomials, vectorised over cells and resamples, in chunks of cells to bound memory.
    Rows with n = 0 give NaN.
    """
    _check(resamples, level)
    gen = as_generator(rng)
    vals = np.atleast_2d(np.asarray(values, dtype=np.float64))
    cnts = np.atleast_2d(np.asarray(counts, dtype=np.int64))
    if vals.shape != cnts.shape or np.any(cnts < 0):
        raise ValueError("values and counts must have the same shape, counts non-negative")
    cells, k = cnts.shape
    n = cnts.sum(axis=1)
    low, high = np.full(cells, np.nan), np.full(cells, np.nan)
    step = max(1, CHUNK_ELEMENTS // resamples)
    for start in range(0, cells, step):
        rows = slice(start, min(cells, start + step))
        c, v, total = cnts[rows], vals[rows], n[rows]
        left = np.broadcast_to(total[:, None], (len(total), resamples))
        pool = total  # items not yet assigned to a category, in the original data
        acc = np.zeros(left.shape)
        for j in range(k - 1):
            share = np.divide(c[:, j], pool, out=np.zeros(len(pool)), where=pool > 0)
            drawn = gen.binomial(left, np.minimum(share, 1.0)[:, None])
            acc += drawn * v[:, j, None]
            left = left - drawn
            pool = pool - c[:, j]
        if np.any(v[:, k - 1]):
            acc += left * v[:, k - 1, None]
        means = acc / np.where(total > 0, total, 1)[:, None]
        lo, hi = _percentiles(means, level)
        empty = total == 0
        low[rows], high[rows] = np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)
    return low, high


def paired_binary_bootstrap(only_baseline: ArrayLike, only_treatment: ArrayLike, n: ArrayLike,
                            resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL,
                            rng: np.random.Generator | int | None = None,
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Paired bootstrap interval of the accuracy difference (treatment − baseline) from counts.

    Per cell: b items right under baseline only, c right under treatment only, n items in all.
    An item contributes −1, +1 or 0 to the difference, so resampling items is resampling the
    counts (b, c, n − b − c) from a multinomial: no per-item work at all.
    """
    b = np.asarray(only_baseline, dtype=np.int64)
    c = np.asarray(only_treatment, dtype=np.int64)
    total = np.asarray(n, dtype=np.int64)
    if np.any(b + c > total):
        raise ValueError("discordant counts exceed n")
    counts = np.stack([b, c, total - b - c], axis=-1).reshape(-1, 3)
    values = np.broadcast_to(np.array([-1.0, 1.0, 0.0]), counts.shape)
    return categorical_bootstrap(values, counts, resamples, level, rng)


def _log_factorials(upto: int) -> np.ndarray:
    """log(x!) for x = 0..upto: math.lgamma below 30, Stirling's series (error < 1e-16) above."""
    x = np.arange(upto + 1, dtype=np.float64)
    out = np.empty(upto + 1)
    small = min(upto + 1, 30)
    out[:small] = [math.lgamma(v + 1.0) for v in range(small)]
    z = x[small:] + 1.0
    out[small:] = ((z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi)
                   + 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5) - 1 / (1680 * z**7))
    return out


def mcnemar_exact(only_baseline: ArrayLike, only_treatment: ArrayLike) -> np.ndarray:
    """Exact McNemar p-values: a two-sided binomial test of b against b + c at p = 1/2.

    p = min(1, 2·P(X ≤ min(b, c))) with X ~ Binomial(b + c, 1/2), which is what a two-sided
    exact binomial test gives at p = 1/2 (the distribution is symmetric); b = c gives 1. The
    lower tail is summed from its largest term down over at most 12·√(b + c) + 30 terms: below
    that, the terms are smaller than the largest by a factor of e^-288 or more.
    """
    b = np.asarray(only_baseline, dtype=np.int64)
    c = np.asarray(only_treatment, dtype=np.int64)
    if np.any((b < 0) | (c < 0)):
        raise ValueError("counts must be non-negative")
    shape = np.broadcast(b, c).shape
    b, c = np.broadcast_to(b, shape).ravel(), np.broadcast_to(c, shape).ravel()
    n, k = b + c, np.minimum(b, c)
    p = np.ones(n.shape)
    live = np.flatnonzero(2 * k < n)
    if live.size:
        n_l, k_l = n[live], k[live]
        lf = _log_factorials(int(n_l.max()))
        log_top = lf[n_l] - lf[k_l] - lf[n_l - k_l] - n_l * math.log(2.0)
        width = np.minimum(k_l, np.ceil(12 * np.sqrt(n_l)).astype(np.int64) + 30) + 1
        seg = np.repeat(np.arange(live.size), width)
        starts = np.cumsum(width) - width
        i = k_l[seg] - (np.arange(seg.size) - starts[seg])  # k, k-1, ..., k - width + 1
        ni, ki = n_l[seg], k_l[seg]
        rel = lf[ki] - lf[i] + lf[ni - ki] - lf[ni - i]  # log(pmf(i) / pmf(k))
        tail = np.bincount(seg, weights=np.exp(rel), minlength=live.size)
        p[live] = np.minimum(1.0, 2.0 * np.exp(log_top) * tail)
    return p.reshape(shape)


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray, max_iter: int = 20000) -> np.ndarray:
    """Continued fraction of the incomplete beta function (modified Lentz), vectorised."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    for m in range(1, max_iter + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            delta = d * c
            h *= delta
        if np.all(np.abs(delta - 1.0) < eps):
            break
    return h


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Regularised incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1], vectorised."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    out = np.where(x >= 1.0, 1.0, 0.0)
    inner = np.flatnonzero((x > 0.0) & (x < 1.0))
    if inner.size:
        ai, bi, xi = a.ravel()[inner], b.ravel()[inner], x.ravel()[inner]
        lgam = np.vectorize(math.lgamma, otypes=[np.float64])
        front = np.exp(lgam(ai + bi) - lgam(ai) - lgam(bi) + ai * np.log(xi) + bi * np.log1p(-xi))
        direct = xi < (ai + 1.0) / (ai + bi + 2.0)
        value = np.empty(inner.size)
        if direct.any():
            sel = direct
            value[sel] = front[sel] * _betacf(ai[sel], bi[sel], xi[sel]) / ai[sel]
        if (~direct).any():
            sel = ~direct
            value[sel] = 1.0 - front[sel] * _betacf(bi[sel], ai[sel], 1.0 - xi[sel]) / bi[sel]
        out.ravel()[inner] = value
    return out


def paired_t_pvalue(mean: ArrayLike, sd: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Two-sided paired t-test p-values from the mean, sample SD (ddof 1) and n of differences.

    NaN where n < 2; where every difference is equal (SD 0), 1 if they are 0 and 0 otherwise.
    """
    mean, sd, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (mean, sd, n)))
    p = np.full(mean.shape, np.nan)
    ok = n >= 2
    flat = ok & (sd == 0)
    p[flat] = np.where(mean[flat] == 0, 1.0, 0.0)
    live = ok & (sd > 0)
    if live.any():
        df = n[live] - 1.0
        t = mean[live] / (sd[live] / np.sqrt(n[live]))
        p[live] = _betainc(df / 2.0, np.full(df.shape, 0.5), df / (df + t * t))
    return p


@dataclass(frozen=True)
class CellDifferences:
    """Item differences grouped by cell, as the paired mean bootstrap resamples them."""

    values: np.ndarray
    """The differences, rounded to 12 decimals, sorted by cell and then by value."""
    bounds: np.ndarray
    """Cell c holds values[bounds[c]:bounds[c + 1]]."""
    first: np.ndarray
    """True where a value differs from the one before it in its cell (or starts a cell)."""

    @property
    def n(self) -> np.ndarray:
        """Items per cell."""
        return np.diff(self.bounds)

    @property
    def distinct(self) -> np.ndarray:
        """Distinct differences per cell."""
        running = np.concatenate([[0], np.cumsum(self.first)])
        return running[self.bounds[1:]] - running[self.bounds[:-1]]

    def by_counts(self) -> np.ndarray:
        """Per cell, whether it is resampled through the counts of its distinct values."""
        return self.distinct <= MAX_CATEGORIES

    def cost(self) -> np.ndarray:
        """Work of one resample per cell, in `resample_cost` units."""
        return np.where(self.by_counts(), resample_cost(self.distinct), self.n.astype(np.float64))


def cell_differences(diffs: ArrayLike, cells: ArrayLike, n_cells: int) -> CellDifferences:
    """`diffs` (one treatment − baseline difference per item) grouped by their cell code in
    [0, n_cells). Differences are rounded to 12 decimals first, so that 2/3 − 1/3 and 1/3 count
    as one value."""
    d = np.round(np.asarray(diffs, dtype=np.float64), 12)
    code = np.asarray(cells, dtype=np.int64)
    d, code = _sorted_by_cell(d, code, n_cells)
    first = np.ones(d.size, dtype=bool)
    first[1:] = (d[1:] != d[:-1]) | (code[1:] != code[:-1])
    return CellDifferences(d, np.searchsorted(code, np.arange(n_cells + 1)), first)


def _sorted_by_cell(d: np.ndarray, code: np.ndarray,
                    n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """(d, code) sorted by code, then by d. Differences rounded to 12 decimals are whole
    numbers of 1e-12: one sort of integer keys (code, d) does it, several times faster than
    sorting by two keys; very large values fall back to that."""
    if d.size and np.isfinite(d).all() and np.abs(d).max() < 1e6:
        steps = np.rint(d * 1e12).astype(np.int64)
        low = int(steps.min())
        width = int(steps.max()) - low + 1
        if n_cells * width < 2**62:
            key = code * width + (steps - low)
            key.sort()
            code = key // width
            return (key - code * width + low) / 1e12, code
    order = np.lexsort((d, code))
    return d[order], code[order]


BINOMIAL_WORK = 20.0
"""One binomial draw costs about as much as this many items gathered and averaged (measured
with numpy's generator: ~0.1–1 µs against 15–40 ns)."""


def resample_cost(distinct: ArrayLike) -> np.ndarray:
    """Work of one resample of a cell resampled through the counts of its `distinct` values
    (one binomial draw per value but the last), in items gathered."""
    return np.maximum(np.asarray(distinct, dtype=np.float64) - 1.0, 1.0) * BINOMIAL_WORK


def paired_mean_bootstrap(diffs: ArrayLike, cells: ArrayLike, n_cells: int,
                          resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL,
                          rng: np.random.Generator | int | None = None,
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Paired bootstrap interval of the mean item difference per cell (scores in [0, 1]).

    `diffs` holds one treatment − baseline difference per item, `cells` its cell code in
    [0, n_cells). See `grouped_mean_bootstrap`.
    """
    return grouped_mean_bootstrap(cell_differences(diffs, cells, n_cells), resamples, level, rng)


def grouped_mean_bootstrap(grouped: CellDifferences, resamples: int = DEFAULT_RESAMPLES,
                           level: float = DEFAULT_LEVEL,
                           rng: np.random.Generator | int | None = None,
                           only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Paired bootstrap interval of the mean item difference per cell of `grouped`.

    A cell whose differences take at most MAX_CATEGORIES distinct values (0/1 outcomes, averages
    over a few runs, graded scores) is resampled through its counts, like
    `categorical_bootstrap`; any other cell resamples item indices in chunks of bounded size.
    Only the cells where `only` is True are resampled (all by default); the others, and empty
    cells, give NaN.
    """
    _check(resamples, level)
    gen = as_generator(rng)
    n_cells = len(grouped.bounds) - 1
    low, high = np.full(n_cells, np.nan), np.full(n_cells, np.nan)
    wanted = (grouped.n > 0) if only is None else (grouped.n > 0) & only
    by_counts = grouped.by_counts()
    few = np.flatnonzero(wanted & by_counts)
    if few.size:
        vals, cnts = _value_counts(grouped, few)
        low[few], high[few] = categorical_bootstrap(vals, cnts, resamples, level, gen)
    d = grouped.values
    for cell in np.flatnonzero(wanted & ~by_counts).tolist():
        part = d[grouped.bounds[cell]:grouped.bounds[cell + 1]]
        step = max(1, CHUNK_ELEMENTS // part.size)
        means = np.concatenate([
            part[gen.integers(0, part.size, size=(min(step, resamples - s), part.size))]
            .mean(axis=1) for s in range(0, resamples, step)])
        low[cell], high[cell] = _percentiles(means, level)
    return low, high


def _value_counts(grouped: CellDifferences, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, their counts) of each of `cells` (ascending), one row per cell, padded
    with zeros."""
    starts = np.flatnonzero(grouped.first)  # runs of equal values, in cell order
    lengths = np.diff(np.append(starts, grouped.values.size))
    run_cell = np.searchsorted(grouped.bounds, starts, side="right") - 1
    chosen = np.zeros(len(grouped.bounds) - 1, dtype=bool)
    chosen[cells] = True
    runs = np.flatnonzero(chosen[run_cell])
    row = np.searchsorted(cells, run_cell[runs])
    col = runs - np.searchsorted(run_cell, cells)[row]
    vals = np.zeros((cells.size, int(col.max()) + 1))
    cnts = np.zeros((cells.size, int(col.max()) + 1), dtype=np.int64)
    vals[row, col] = grouped.values[starts[runs]]
    cnts[row, col] = lengths[runs]
    return vals, cnts


# --- intervals without resampling ----------------------------------------------------------------

def t_quantile(q: float, df: ArrayLike) -> np.ndarray:
    """The q-quantile of Student's t with `df` degrees of freedom (df ≥ 1), vectorised.

    Below 100 degrees of freedom: bisection on the exact distribution function (through the
    incomplete beta function, to 1e-12); from 100 on, the Cornish–Fisher expansion of
    Abramowitz and Stegun 26.7.5, whose error there is below 1e-9.
    """
    nu = np.asarray(df, dtype=np.float64)
    z = NormalDist().inv_cdf(q)
    out = np.empty(nu.shape)
    large = nu >= 100
    v = nu[large]
    out[large] = (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
                  + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
                  + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z)
                  / (92160 * v**4))
    if (~large).any():
        small, inverse = np.unique(nu[~large], return_inverse=True)
        tail = min(q, 1.0 - q)  # find t > 0 with P(T > t) = tail
        lo, hi = np.zeros(small.shape), np.full(small.shape, 1e7)
        for _ in range(80):
            mid = (lo + hi) / 2
            upper = 0.5 * _betainc(small / 2.0, np.full(small.shape, 0.5),
                                   small / (small + mid * mid))
            above = upper > tail
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        t = (lo + hi) / 2
        out[~large] = (t if q > 0.5 else -t)[inverse]
    return out


def paired_t_interval(mean: ArrayLike, sd: ArrayLike, n: ArrayLike,
                      level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(low, high): the t interval mean ± t·sd/√n of the mean paired difference, from the mean,
    sample SD (ddof 1) and n of the differences; NaN where n < 2.

    What the bootstrap approximates without resampling: used where resampling would cost too
    much, which is where n is large and the two agree closely.
    """
    _check(1, level)
    mean, sd, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (mean, sd, n)))
    low, high = np.full(mean.shape, np.nan), np.full(mean.shape, np.nan)
    ok = n >= 2
    if ok.any():
        half = t_quantile(0.5 + level / 2.0, n[ok] - 1.0) * sd[ok] / np.sqrt(n[ok])
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
    _check(1, level)
    p1, p2, m1, m2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (
        baseline, treatment, n_baseline, n_baseline if n_treatment is None else n_treatment)))
    z = NormalDist().inv_cdf(0.5 + level / 2.0)

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
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    p = erfc(zstat / math.sqrt(2.0)) if zstat.size else zstat
    return low, high, np.where(se0 > 0, p, 1.0)
