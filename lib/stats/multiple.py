"""Corrections for testing many model × dataset cells at once.

Holm controls the family-wise error rate (the chance of any false claim); Benjamini–Hochberg
controls the false discovery rate (the expected share of false claims among those made), which is
less strict and finds more when many cells truly differ. Missing p-values (NaN) are left out of
the family and stay NaN.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

Correction = Literal["holm", "bh", "none"]
CORRECTIONS: dict[str, str] = {
    "holm": "Holm (family-wise error rate)",
    "bh": "Benjamini–Hochberg (false discovery rate)",
    "none": "no correction",
}
"""Accepted `method` values and how the page should name them."""


def _finite(p: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(all p as floats, indices of the non-NaN p in ascending order of p, those p in order)."""
    values = np.asarray(p, dtype=np.float64).ravel()
    if np.any((values < 0) | (values > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    keep = np.flatnonzero(~np.isnan(values))
    order = keep[np.argsort(values[keep], kind="stable")]
    return values, order, values[order]


def holm(p: ArrayLike) -> np.ndarray:
    """Holm's step-down adjusted p-values: max over j ≤ i of (m − j + 1)·p_(j), capped at 1."""
    values, order, ranked = _finite(p)
    m = ranked.size
    out = np.full(values.shape, np.nan)
    if m:
        steps = (m - np.arange(m)) * ranked
        out[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return out.reshape(np.shape(p))


def benjamini_hochberg(p: ArrayLike) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values: min over j ≥ i of m·p_(j) / j, capped at 1."""
    values, order, ranked = _finite(p)
    m = ranked.size
    out = np.full(values.shape, np.nan)
    if m:
        steps = ranked * m / np.arange(1, m + 1)
        out[order] = np.minimum(np.minimum.accumulate(steps[::-1])[::-1], 1.0)
    return out.reshape(np.shape(p))


def adjust(p: ArrayLike, method: Correction = "holm") -> np.ndarray:
    """Adjusted p-values by `method` ("holm", "bh" or "none")."""
    if method == "holm":
        return holm(p)
    if method == "bh":
        return benjamini_hochberg(p)
    if method == "none":
        return np.asarray(p, dtype=np.float64).copy()
    raise ValueError(f"unknown correction {method!r}; use one of {', '.join(CORRECTIONS)}")
