"""Intervals and p-values against independent computations (scipy, plain bootstraps, textbooks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from lib.stats import intervals

# --- exact McNemar ----------------------------------------------------------------------------


@pytest.mark.parametrize("b, c", [(0, 1), (0, 5), (5, 0), (3, 3), (3, 10), (10, 3), (0, 25),
                                  (40, 60), (12, 13), (500, 560), (4000, 4210),
                                  (40000, 40500), (1, 3000)])
def test_mcnemar_matches_binomtest(b, c):
    expected = stats.binomtest(b, b + c, 0.5).pvalue
    assert intervals.mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mcnemar_edge_cases_and_shape():
    assert intervals.mcnemar_exact(0, 0) == 1.0  # no discordant pair: no evidence
    assert intervals.mcnemar_exact(7, 7) == 1.0
    b, c = np.array([[1, 2], [30, 0]]), np.array([[4, 2], [10, 9]])
    out = intervals.mcnemar_exact(b, c)
    assert out.shape == (2, 2)
    expected = [[stats.binomtest(int(x), int(x + y)).pvalue if x + y else 1.0
                 for x, y in zip(rb, rc)] for rb, rc in zip(b, c)]
    assert out == pytest.approx(np.array(expected), rel=1e-9)
    with pytest.raises(ValueError):
        intervals.mcnemar_exact(-1, 3)


# --- bootstraps against plain row resampling ---------------------------------------------------

B = 20000


def _quantile_tolerance(sd: float, n: int) -> float:
    """Allowed gap between two independent percentile estimates of the 2.5%/97.5% points.

    One estimate has standard error sqrt(q(1-q)/B) / f(x_q) ≈ 2.67·sd/√B for a near-normal
    distribution (f(x_q) = φ(1.96)/sd); the gap between two has √2 times that. Allow 4 of those,
    plus one lattice step 1/n because the resampled mean only takes values k/n.
    """
    return 4 * math.sqrt(2) * math.sqrt(0.025 * 0.975 / B) / stats.norm.pdf(1.96) * sd + 1 / n


def _row_bootstrap(base: np.ndarray, treat: np.ndarray, seed: int) -> np.ndarray:
    """Mean treatment − baseline difference over B resamples of whole rows (items)."""
    idx = np.random.default_rng(seed).integers(0, base.size, size=(B, base.size))
    return treat[idx].mean(axis=1) - base[idx].mean(axis=1)


def test_binary_count_bootstrap_matches_row_bootstrap():
    n, b, c, both = 400, 30, 50, 220  # only baseline right, only treatment right, both right
    base = np.r_[np.ones(b), np.zeros(c), np.ones(both), np.zeros(n - b - c - both)]
    treat = np.r_[np.zeros(b), np.ones(c), np.ones(both), np.zeros(n - b - c - both)]
    rows = _row_bootstrap(base, treat, seed=1)
    low, high = intervals.paired_binary_bootstrap(b, c, n, B, 0.95, rng=2)
    sd = math.sqrt((b + c) / n - ((c - b) / n) ** 2) / math.sqrt(n)  # exact bootstrap SD
    tol = _quantile_tolerance(sd, n)
    assert low == pytest.approx(np.quantile(rows, 0.025), abs=tol)
    assert high == pytest.approx(np.quantile(rows, 0.975), abs=tol)
    assert rows.std() == pytest.approx(sd, rel=4 / math.sqrt(2 * B))  # the row bootstrap is right


def test_categorical_bootstrap_matches_row_bootstrap():
    values = np.array([-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1])
    counts = np.array([10, 25, 40, 150, 60, 30, 15])
    diffs = np.repeat(values, counts)
    rows = _row_bootstrap(np.zeros_like(diffs), diffs, seed=3)
    low, high = intervals.categorical_bootstrap(values[None], counts[None], B, 0.95, rng=4)
    tol = _quantile_tolerance(diffs.std() / math.sqrt(diffs.size), diffs.size)
    assert low[0] == pytest.approx(np.quantile(rows, 0.025), abs=tol)
    assert high[0] == pytest.approx(np.quantile(rows, 0.975), abs=tol)


@pytest.mark.parametrize("distinct", ["few", "many"])
def test_paired_mean_bootstrap_matches_row_bootstrap(distinct, monkeypatch):
    monkeypatch.setattr(intervals, "CHUNK_ELEMENTS", 50_000)  # several chunks in the many case
    rng = np.random.default_rng(5)
    n = 300
    if distinct == "few":
        base, treat = rng.integers(0, 5, n) / 4, rng.integers(0, 5, n) / 4  # graded in quarters
    else:
        base, treat = rng.beta(2, 3, n), rng.beta(2.4, 3, n)  # continuous scores
    rows = _row_bootstrap(base, treat, seed=6)
    low, high = intervals.paired_mean_bootstrap(treat - base, np.zeros(n, int), 1, B, 0.95, rng=7)
    tol = _quantile_tolerance((treat - base).std() / math.sqrt(n), n)
    assert low[0] == pytest.approx(np.quantile(rows, 0.025), abs=tol)
    assert high[0] == pytest.approx(np.quantile(rows, 0.975), abs=tol)


def test_paired_mean_bootstrap_many_cells_and_empty_cell():
    rng = np.random.default_rng(8)
    cells = np.repeat([0, 2], [200, 100])
    diffs = np.r_[rng.normal(0.1, 0.3, 200), rng.normal(-0.2, 0.3, 100)]
    low, high = intervals.paired_mean_bootstrap(diffs, cells, 3, 2000, 0.95, rng=9)
    assert np.isnan(low[1]) and np.isnan(high[1])
    assert low[0] < diffs[:200].mean() < high[0]
    assert low[2] < diffs[200:].mean() < high[2]


def test_bootstrap_is_seeded_and_level_widens():
    args = ([30, 5], [50, 5], [400, 60])
    first = intervals.paired_binary_bootstrap(*args, 2000, 0.95, rng=11)
    again = intervals.paired_binary_bootstrap(*args, 2000, 0.95, rng=np.random.default_rng(11))
    other = intervals.paired_binary_bootstrap(*args, 2000, 0.95, rng=12)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    wide = intervals.paired_binary_bootstrap(*args, 2000, 0.99, rng=11)
    narrow = intervals.paired_binary_bootstrap(*args, 2000, 0.80, rng=11)
    assert np.all(wide[0] <= first[0]) and np.all(first[0] <= narrow[0])
    assert np.all(wide[1] >= first[1]) and np.all(first[1] >= narrow[1])


def test_bootstrap_settings_are_checked():
    with pytest.raises(ValueError):
        intervals.paired_binary_bootstrap(1, 2, 10, resamples=0)
    with pytest.raises(ValueError):
        intervals.paired_binary_bootstrap(1, 2, 10, level=1.0)
    with pytest.raises(ValueError):
        intervals.paired_binary_bootstrap(6, 6, 10)  # more discordant pairs than items


# --- paired t-test ------------------------------------------------------------------------------


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


def test_paired_t_pvalue_degenerate():
    out = intervals.paired_t_pvalue([0.0, 0.1, 0.1], [0.0, 0.0, 0.2], [10, 10, 1])
    assert out[0] == 1.0 and out[1] == 0.0 and np.isnan(out[2])


def test_incomplete_beta_matches_scipy():
    a = np.array([0.5, 2.0, 10.0, 400.0, 8000.0, 50000.0, 1.5])
    b = np.array([0.5, 0.5, 3.0, 0.5, 0.5, 0.5, 20.0])
    x = np.array([0.3, 0.9, 0.5, 0.99, 0.9995, 0.99999, 0.02])
    assert intervals._betainc(a, b, x) == pytest.approx(special.betainc(a, b, x), rel=1e-10)


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


# --- intervals without resampling and the work budget ------------------------------------------


@pytest.mark.parametrize("q", [0.9, 0.95, 0.975, 0.995, 0.025])
def test_t_quantile_matches_scipy(q):
    df = np.array([1, 2, 3, 7, 29, 99, 100, 101, 250, 5_000, 1e6])
    assert intervals.t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-9, abs=1e-9)


def test_paired_t_interval_matches_scipy():
    rng = np.random.default_rng(3)
    d = rng.normal(0.05, 0.4, 57)
    low, high = intervals.paired_t_interval(d.mean(), d.std(ddof=1), d.size, 0.9)
    expected = stats.t.interval(0.9, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    assert (float(low), float(high)) == pytest.approx(expected, rel=1e-9)
    low, high = intervals.paired_t_interval([0.1, 0.2], [0.3, 0.0], [1, 40])
    assert np.isnan(low[0]) and np.isnan(high[0])  # one item: no interval
    assert low[1] == high[1] == 0.2  # every difference equal


def test_grouped_bootstrap_resamples_only_the_cells_asked():
    rng = np.random.default_rng(4)
    cells = np.repeat([0, 1, 2], [300, 200, 100])
    diffs = np.r_[rng.random(300), rng.integers(0, 3, 200) / 2, rng.random(100)]
    grouped = intervals.cell_differences(diffs, cells, 3)
    assert grouped.n.tolist() == [300, 200, 100]
    assert grouped.distinct.tolist()[1] == 3 and grouped.by_counts().tolist() == [
        False, True, False]
    assert grouped.cost().tolist() == [300.0, 2 * intervals.BINOMIAL_WORK, 100.0]
    every = intervals.grouped_mean_bootstrap(grouped, 500, 0.95, 1)
    some = intervals.grouped_mean_bootstrap(grouped, 500, 0.95, 1,
                                            only=np.array([False, True, True]))
    assert np.isnan(some[0][0]) and not np.isnan(some[0][1:]).any()
    assert np.array_equal(every, intervals.paired_mean_bootstrap(diffs, cells, 3, 500, 0.95, 1))


def test_the_plan_keeps_the_cheapest_cells_within_the_budget():
    from lib.ingest.items.cells import plan

    cost = np.array([10.0, 1000.0, 10.0, 500.0])
    n = np.array([5, 900, 7, 400])
    assert plan(cost, n, 100, budget=1e9).all()
    assert plan(cost, n, 100, budget=60_000).tolist() == [True, False, True, True]
    assert plan(cost, n, 100, budget=2_000).tolist() == [True, False, True, False]
    assert plan(cost, n, 100, budget=0).tolist() == [False] * 4
    ties = plan(np.full(3, 40.0), np.array([10, 30, 20]), 10, budget=800)
    assert ties.tolist() == [True, False, True]  # equal cost: the most items go first
