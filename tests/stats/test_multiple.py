"""Holm and Benjamini–Hochberg adjustments: hand-worked examples and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lib.stats import multiple

P = [0.01, 0.04, 0.03, 0.005]


def test_holm_by_hand():
    # sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06
    assert multiple.holm(P) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_benjamini_hochberg_by_hand():
    # sorted: 0.005·4/1 = 0.02, 0.01·4/2 = 0.02, 0.03·4/3 = 0.04, 0.04·4/4 = 0.04
    assert multiple.benjamini_hochberg(P) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_holm_caps_at_one_and_keeps_order():
    # sorted: 0.2·3 = 0.6, 0.5·2 = 1.0, 0.9·1 = 0.9 → running max 1.0, capped at 1
    assert multiple.holm([0.5, 0.2, 0.9]) == pytest.approx([1.0, 0.6, 1.0])


@pytest.mark.parametrize("size", [1, 2, 7, 63, 500])
def test_benjamini_hochberg_matches_scipy(size):
    rng = np.random.default_rng(size)
    p = np.concatenate([rng.uniform(0, 1, size - size // 3), rng.uniform(0, 0.01, size // 3)])
    p[: size // 5] = p[0]  # ties
    assert multiple.benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p),
                                                           rel=1e-12)


@pytest.mark.parametrize("size", [2, 10, 63])
def test_holm_between_bh_and_bonferroni(size):
    p = np.random.default_rng(size).uniform(0, 0.2, size)
    holm = multiple.holm(p)
    assert np.all(holm >= multiple.benjamini_hochberg(p) - 1e-15)
    assert np.all(holm <= np.minimum(p * size, 1.0) + 1e-15)
    order = np.argsort(p)
    assert np.all(np.diff(holm[order]) >= 0)  # monotone in p


def test_nan_left_out_of_the_family():
    out = multiple.holm([0.01, np.nan, 0.04])
    assert np.isnan(out[1])
    assert out[[0, 2]] == pytest.approx([0.02, 0.04])  # m = 2, not 3
    assert np.isnan(multiple.benjamini_hochberg([np.nan, 0.03])[0])


def test_adjust_dispatch_and_errors():
    assert multiple.adjust(P, "holm") == pytest.approx(multiple.holm(P))
    assert multiple.adjust(P, "bh") == pytest.approx(multiple.benjamini_hochberg(P))
    assert multiple.adjust(P, "none") == pytest.approx(P)
    assert multiple.adjust([], "holm").size == 0
    with pytest.raises(ValueError, match="unknown correction"):
        multiple.adjust(P, "bonferroni")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        multiple.holm([0.5, 1.5])
