"""Intervals and p-values against independent computations (published values, scipy, textbooks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lib.stats import intervals

# --- Tango's score interval and the asymptotic McNemar test -------------------------------------


def test_tango_matches_published_example():
    # Cavo et al. (2012) as in Fagerland, Lydersen & Laake, Statistical Analysis of Contingency
    # Tables (2017), ch. 8, and their R package contingencytables: table [[59, 6], [16, 80]],
    # Tango asymptotic score CI −0.0621 (−0.1240 to −0.0054); McNemar asymptotic P = 0.033006.
    low, high = intervals.tango_interval(16, 6, 161)  # b: right under baseline only, c: treatment
    assert (float(low), float(high)) == pytest.approx((-0.1240, -0.0054), abs=5e-5)
    assert float(intervals.mcnemar_pvalue(16, 6)) == pytest.approx(0.033006, abs=5e-7)


def test_mcnemar_matches_scipy_chi_square():
    b, c = np.array([0, 3, 10, 40, 500, 4000, 1]), np.array([1, 3, 3, 60, 560, 4210, 3000])
    expected = stats.chi2.sf((c - b) ** 2 / (b + c), 1)
    assert intervals.mcnemar_pvalue(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert intervals.mcnemar_pvalue(0, 0) == 1.0  # no discordant pair: no evidence
    with pytest.raises(ValueError):
        intervals.mcnemar_pvalue(-1, 3)


def test_tango_edge_cases():
    z2 = intervals.critical_value(0.95) ** 2
    low, high = intervals.tango_interval([0, 0, 10, 5, 0], [0, 1, 0, 5, 0], [10, 1, 10, 10, 0])
    assert (low[0], high[0]) == pytest.approx((-z2 / (10 + z2), z2 / (10 + z2)))  # all concordant
    assert high[1] == 1.0 and low[1] < -0.5  # n = 1, one discordant pair: far from (1, 1)
    assert low[2] == -1.0 and -1.0 < high[2] < 0  # all discordant one way
    assert low[3] == pytest.approx(-high[3]) and high[3] > 0  # b = c: symmetric about 0
    assert np.isnan(low[4]) and np.isnan(high[4])  # no items
    assert np.all(high[:4] - low[:4] > 0.2)  # never a width-0 interval
    with pytest.raises(ValueError):
        intervals.tango_interval(6, 6, 10)  # more discordant pairs than items


def test_tango_solves_its_score_equation_and_contains_the_estimate():
    rng = np.random.default_rng(1)
    n = rng.integers(1, 3000, 5000)
    b = rng.binomial(n, 0.1)
    c = rng.binomial(n - b, rng.uniform(0, 0.3, n.size))
    low, high = intervals.tango_interval(b, c, n)
    z = intervals.critical_value(0.95)
    inner = low > -1
    assert intervals.tango_score(low[inner], b[inner], c[inner], n[inner]) == pytest.approx(
        z, abs=1e-6)
    inner = high < 1
    assert intervals.tango_score(high[inner], b[inner], c[inner], n[inner]) == pytest.approx(
        -z, abs=1e-6)
    est = (c - b) / n
    assert np.all((low <= est) & (est <= high))


def test_tango_is_monotone():
    n = 50
    low, high = intervals.tango_interval(10, np.arange(0, 41), n)  # more treatment-only wins
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) >= 0)
    wide = intervals.tango_interval(10, 20, 50, 0.99)
    narrow = intervals.tango_interval(10, 20, 50, 0.80)
    mid = intervals.tango_interval(10, 20, 50, 0.95)
    assert wide[0] < mid[0] < narrow[0] and wide[1] > mid[1] > narrow[1]
    more = intervals.tango_interval(40, 80, 200)  # same proportions, four times the items
    assert more[1] - more[0] < mid[1] - mid[0]


def test_tango_vectorised_equals_scalar():
    b, c, n = np.array([[0, 3], [16, 40]]), np.array([[2, 3], [6, 1]]), np.array([[5, 30], [161, 41]])
    low, high = intervals.tango_interval(b, c, n)
    assert low.shape == (2, 2)
    for i in np.ndindex(b.shape):
        one = intervals.tango_interval(int(b[i]), int(c[i]), int(n[i]))
        assert (float(one[0]), float(one[1])) == (low[i], high[i])


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_tango_interval_leaves_out_zero_exactly_when_mcnemar_rejects(level):
    b, c = np.meshgrid(np.arange(0, 60), np.arange(0, 60))  # every table up to 59 each way
    b, c = b.ravel(), c.ravel()
    n = b + c + 7
    low, high = intervals.tango_interval(b, c, n, level)
    rejects = intervals.mcnemar_pvalue(b, c) < 1 - level
    assert np.array_equal((low > 0) | (high < 0), rejects)
    assert rejects.any() and (~rejects).any()


# --- paired t-test and t interval ---------------------------------------------------------------


@pytest.mark.parametrize("n, shift, seed", [(3, 0.2, 1), (12, 0.05, 2), (30, 0.1, 3),
                                            (500, 0.02, 4), (5300, -0.04, 5), (16000, 0.0, 6)])
def test_paired_t_pvalue_matches_scipy(n, shift, seed):
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 1, n)
    treat = np.clip(base + shift + rng.normal(0, 0.3, n), 0, 1)
    d = treat - base
    expected = stats.ttest_rel(treat, base).pvalue
    got = intervals.paired_t_pvalue(d.mean(), d.std(ddof=1), n)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_paired_t_degenerate_cells_get_no_interval_and_no_p():
    out = intervals.paired_t_pvalue([0.0, 0.1, 0.1], [0.0, 0.0, 0.2], [10, 10, 1])
    assert np.isnan(out).all()  # no spread (width 0 is not certainty), or a single item
    low, high = intervals.paired_t_interval([0.1, 0.2], [0.3, 0.0], [1, 40])
    assert np.isnan(low).all() and np.isnan(high).all()


def test_paired_t_interval_matches_scipy_and_agrees_with_the_test():
    rng = np.random.default_rng(3)
    d = rng.normal(0.05, 0.4, 57)
    low, high = intervals.paired_t_interval(d.mean(), d.std(ddof=1), d.size, 0.9)
    expected = stats.t.interval(0.9, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    assert (float(low), float(high)) == pytest.approx(expected, rel=1e-9)
    mean, sd, n = rng.normal(0, 0.05, 4000), rng.uniform(0.05, 0.5, 4000), rng.integers(2, 300, 4000)
    low, high = intervals.paired_t_interval(mean, sd, n)
    rejects = intervals.paired_t_pvalue(mean, sd, n) < 0.05
    assert np.array_equal((low > 0) | (high < 0), rejects) and rejects.any()


# --- unpaired approximation ---------------------------------------------------------------------


def test_unpaired_matches_newcombe_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, method 10: 56/70 − 48/80.
    low, high, _ = intervals.unpaired_difference(48 / 80, 56 / 70, 80, 70)
    assert (float(low), float(high)) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    low, high, p = intervals.unpaired_difference(0.0, 0.0, 10)  # 0/10 − 0/10
    assert (float(low), float(high)) == pytest.approx((-0.2775, 0.2775), abs=5e-5)
    assert p == 1.0


def test_unpaired_matches_textbook_formulas_by_hand():
    p1, p2, n = 0.62, 0.70, 250  # baseline, treatment, items per arm
    z = 1.959963984540054
    def wilson(p):  # Wilson score interval, written out
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        return centre - half, centre + half
    (l1, u1), (l2, u2) = wilson(p1), wilson(p2)
    low = (p2 - p1) - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = (p2 - p1) + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (p1 + p2) / 2
    zstat = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * 2 / n)
    p_value = 2 * (1 - 0.5 * (1 + math.erf(abs(zstat) / math.sqrt(2))))
    got = intervals.unpaired_difference(p1, p2, n)
    assert [float(v) for v in got] == pytest.approx([low, high, p_value], rel=1e-9)
