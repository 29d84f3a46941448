"""Coverage of the per-item intervals, beside the percentile bootstrap the app used before.

Run: `python -m benchmarks.coverage` (a few minutes on 2 cores). Prints one table:

- 0/1 outcomes: coverage and mean width are exact, not simulated. A cell's data reduce to the
  counts b (right under baseline only) and c (treatment only) out of n, whose trinomial
  probabilities are summed over every (b, c) whose interval covers the true Δ. Pairs less likely
  than 1e-12 are left out (their mass is printed in `lost`, in points). The old bootstrap is
  random: it is run once per (b, c), with 2,000 resamples.
- Scores averaged over 4 runs: simulated, SIMULATIONS data sets per setting (standard error of
  a 95% coverage ±0.22 points, so the table is good to ±0.5), the bootstrap with 1,000
  resamples.

`disagree` is the probability (in %) that the interval leaves out 0 while its test does not
reject at 5%, or the other way round: the chosen methods share one statistic; the old pairing
was the percentile bootstrap with the exact McNemar test (0/1) or the paired t-test (scores).
Last, the time of the tests and intervals over 200,000 cells.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import special, stats

from lib.stats import intervals

LEVEL = 0.95
SIZES = (10, 20, 50, 164, 500)
DELTAS = (0.0, 0.05, 0.2)
DISCORDANCE = (0.1, 0.3, 0.6)
"""Share of items right under exactly one arm."""
RUNS = 4
SIMULATIONS = 10_000
OLD_RESAMPLES = 2000
FLOOR = 1e-12


# --- the candidates that were not chosen, and the old method, as the study runs them ----------

def old_bootstrap(b: np.ndarray, c: np.ndarray, n: int, resamples: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The percentile bootstrap of the paired difference as the app computed it before: the
    counts (b, c, rest) redrawn from their multinomial, 2.5% and 97.5% quantiles."""
    left = np.broadcast_to(np.full(b.shape, n)[:, None], (b.size, resamples))
    drawn_b = rng.binomial(left, (b / n)[:, None])
    rest = np.where(b < n, c / np.maximum(n - b, 1), 0.0)
    drawn_c = rng.binomial(left - drawn_b, rest[:, None])
    low, high = np.quantile((drawn_c - drawn_b) / n, [0.025, 0.975], axis=1)
    return low, high


def _newcombe(b: np.ndarray, c: np.ndarray, n: int, z: float,
              both_right: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for paired data (his method 10, Stat Med 17:2635–2650,
    1998): Wilson intervals of both accuracies combined through the phi correlation. It needs
    the concordant items split into right under both / neither: `both_right`, by default half
    of them (so its row in the table is exact only for that split)."""
    b, c = b.astype(np.float64), c.astype(np.float64)
    a = (n - b - c) / 2.0 if both_right is None else both_right.astype(np.float64)
    d = n - a - b - c
    p1, p2 = (a + c) / n, (a + b) / n  # treatment, baseline accuracy

    def wilson(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - half, centre + half

    (l1, u1), (l2, u2) = wilson(p1), wilson(p2)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(denom > 0, (a * d - b * c) / np.sqrt(denom), 0.0)
    delta = p1 - p2
    low = delta - np.sqrt(np.maximum(
        (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    high = delta + np.sqrt(np.maximum(
        (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return low, high


# --- 0/1 outcomes, exact ------------------------------------------------------------------------

def _trinomial(n: int, pb: float, pc: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(b, c, probability) of every (b, c) with b + c ≤ n more likely than FLOOR."""
    b, c = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    b, c = b[b + c <= n], c[b + c <= n]
    rest = n - b - c
    with np.errstate(divide="ignore"):
        logp = (special.gammaln(n + 1) - special.gammaln(b + 1) - special.gammaln(c + 1)
                - special.gammaln(rest + 1) + b * np.log(pb) + c * np.log(pc)
                + rest * np.log1p(-pb - pc))
    prob = np.exp(logp)
    keep = prob > FLOOR
    return b[keep], c[keep], prob[keep]


def binary_rows(rng: np.random.Generator) -> list[tuple]:
    rows = []
    for n in SIZES:
        for q in DISCORDANCE:
            for delta in DELTAS:
                if delta >= q:
                    continue
                pb, pc = (q - delta) / 2, (q + delta) / 2
                b, c, prob = _trinomial(n, pb, pc)
                lost = 100 * (1 - prob.sum())
                exact_p = stats.binom.cdf(np.minimum(b, c), b + c, 0.5) * 2
                reject_exact = np.minimum(exact_p, 1) < 1 - LEVEL
                reject_score = intervals.mcnemar_pvalue(b, c) < 1 - LEVEL
                methods = {
                    "Tango score (new)": (intervals.tango_interval(b, c, n, LEVEL), reject_score),
                    "Newcombe hybrid": (_newcombe(b, c, n, intervals.critical_value(LEVEL)),
                                        reject_score),
                    "percentile bootstrap (old)": (old_bootstrap(b, c, n, OLD_RESAMPLES, rng),
                                                   reject_exact),
                }
                for name, ((low, high), rejects) in methods.items():
                    covered = (low <= delta + 1e-12) & (delta - 1e-12 <= high)
                    excludes = (low > 0) | (high < 0)
                    rows.append(("0/1 " + name, n, delta, q,
                                 100 * (prob * covered).sum() / prob.sum(),
                                 100 * (prob * (high - low)).sum() / prob.sum(),
                                 100 * (prob * (excludes != rejects)).sum() / prob.sum(), lost))
    return rows


# --- scores averaged over runs, simulated -------------------------------------------------------

def _old_score_bootstrap(diffs: np.ndarray, resamples: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap of the mean difference per row of `diffs`, as before: the counts of
    each distinct value redrawn (a chain of binomials), 2.5% and 97.5% quantiles."""
    values = np.arange(-RUNS, RUNS + 1) / RUNS
    counts = (np.rint(diffs * RUNS).astype(np.int64)[..., None] + RUNS
              == np.arange(2 * RUNS + 1)).sum(axis=1)
    sims, n = diffs.shape
    low, high = np.empty(sims), np.empty(sims)
    step = max(1, (1 << 22) // resamples)
    for start in range(0, sims, step):
        rows = slice(start, min(sims, start + step))
        cnt = counts[rows]
        left = np.full((cnt.shape[0], resamples), n)
        pool = np.full(cnt.shape[0], n)
        acc = np.zeros(left.shape)
        for j in range(values.size - 1):
            share = np.divide(cnt[:, j], pool, out=np.zeros(pool.size), where=pool > 0)
            drawn = rng.binomial(left, np.minimum(share, 1.0)[:, None])
            acc += drawn * values[j]
            left -= drawn
            pool = pool - cnt[:, j]
        acc += left * values[-1]
        low[rows], high[rows] = np.quantile(acc / n, [0.025, 0.975], axis=1)
    return low, high


def score_rows(rng: np.random.Generator) -> list[tuple]:
    """Item difficulty u ~ Beta(2, 2); treatment success u + s(1 − u), so the true Δ is s/2;
    each arm's score is the mean of RUNS Bernoulli runs."""
    rows = []
    for n in SIZES:
        for delta in (0.0, 0.1):
            u = rng.beta(2, 2, size=(SIMULATIONS, n))
            base = rng.binomial(RUNS, u) / RUNS
            treat = rng.binomial(RUNS, u + 2 * delta * (1 - u)) / RUNS
            diffs = treat - base
            mean, sd = diffs.mean(axis=1), diffs.std(axis=1, ddof=1)
            p = intervals.paired_t_pvalue(mean, sd, n)
            rejects = np.nan_to_num(p, nan=1.0) < 1 - LEVEL
            for name, (low, high) in (
                    ("t interval (new)", intervals.paired_t_interval(mean, sd, n, LEVEL)),
                    ("percentile bootstrap (old)", _old_score_bootstrap(diffs, 1000, rng))):
                covered = (low <= delta + 1e-12) & (delta - 1e-12 <= high)
                excludes = (low > 0) | (high < 0)
                rows.append((f"scores/{RUNS} runs " + name, n, delta, float("nan"),
                             100 * covered.mean(), 100 * np.nanmean(high - low),
                             100 * (excludes != rejects).mean(), 0.0))
    return rows


def timings() -> list[str]:
    rng = np.random.default_rng(1)
    k = 200_000
    n = rng.integers(10, 5000, k)
    b = rng.binomial(n, 0.1)
    c = rng.binomial(n - b, 0.12)
    mean, sd = rng.normal(0, 0.05, k), rng.uniform(0.01, 0.5, k)
    out = []
    for label, call in (("McNemar p, 200k cells", lambda: intervals.mcnemar_pvalue(b, c)),
                        ("Tango interval, 200k cells", lambda: intervals.tango_interval(b, c, n)),
                        ("paired t p, 200k cells", lambda: intervals.paired_t_pvalue(mean, sd, n)),
                        ("t interval, 200k cells",
                         lambda: intervals.paired_t_interval(mean, sd, n))):
        start = time.perf_counter()
        call()
        out.append(f"{label}: {time.perf_counter() - start:.3f} s")
    return out


def main() -> None:
    start = time.perf_counter()
    rng = np.random.default_rng(20240601)
    rows = binary_rows(rng) + score_rows(rng)
    print(f"{'method':<42} {'n':>4} {'Δ':>5} {'disc':>5} {'coverage':>8} {'width':>7} "
          f"{'disagree':>8} {'lost':>7}")
    for name, n, delta, q, cover, width, disagree, lost in rows:
        disc = "" if math.isnan(q) else f"{q:.2f}"
        print(f"{name:<42} {n:>4} {delta:>5.2f} {disc:>5} {cover:>8.2f} {width:>7.2f} "
              f"{disagree:>8.2f} {lost:>7.1e}")
    for line in timings():
        print(line)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
