"""How a table's intervals and tests are named in every label, tooltip and sentence.

A per-item upload records the interval level and the multiple-comparison correction it was
computed with (`lib.ingest.items.cells.finish` puts them in the table's attrs). Two statements
stay apart everywhere:

- "its 95% interval excludes 0": the row's own interval, uncorrected;
- "significant after Holm correction": its p-value, corrected across every cell of the table.

They can disagree (a narrow interval on a table of thousands of cells, or a test and an
interval of different families), so neither is ever worded as the other.

Two flags qualify a cell wherever it is read (`caveat_columns`, `caveats`): `too_small` (too few
items or changed outcomes to show a difference, whatever its interval says) and
`ci_test_disagree` (its interval and its own uncorrected test disagree; the unpaired
approximation only). `methods_text` says how a table's intervals and tests were made.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.ingest.items.cells import (CI_TEST_DISAGREE, INTERVAL_METHOD, MIN_ITEMS, TOO_SMALL,
                                    TOO_SMALL_NOTE)

CORRECTION_NAMES: dict[str, str] = {"holm": "Holm", "bh": "Benjamini–Hochberg"}
"""Short names of the corrections (`lib.stats.multiple.CORRECTIONS`) for use in a sentence."""


@dataclass(frozen=True)
class EvidenceWords:
    """The words for a table's intervals and tests."""

    ci: str
    """"95% CI", or "CI" when the table does not say its level (intervals from the user's file)."""
    interval: str
    """"95% interval", or "interval"."""
    corrected: str
    """"after Holm correction", "after Benjamini–Hochberg correction", "without correction",
    or "after correction" when the table does not say which."""

    def significant(self, flag: bool) -> str:
        """"significant after Holm correction" or "not significant after Holm correction"."""
        return f"{'' if flag else 'not '}significant {self.corrected}"

    def excludes_zero(self, flag: bool) -> str:
        """"95% interval excludes 0" or "95% interval includes 0"."""
        return f"{self.interval} {'excludes' if flag else 'includes'} 0"


def level_text(level: object) -> str | None:
    """0.95 → "95%", 0.9 → "90%", 0.995 → "99.5%"; None for anything that is not a level."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        return None
    if not 0.0 < value < 1.0:
        return None
    return f"{round(value * 100, 2):g}%"


def evidence_words(table: pd.DataFrame) -> EvidenceWords:
    """The words for `table`'s intervals and tests, from the level and correction it records."""
    level = level_text(table.attrs.get("level"))
    correction = table.attrs.get("correction")
    if correction == "none":
        corrected = "without correction"
    elif correction in CORRECTION_NAMES:
        corrected = f"after {CORRECTION_NAMES[correction]} correction"
    else:
        corrected = "after correction"
    return EvidenceWords(ci=f"{level} CI" if level else "CI",
                         interval=f"{level} interval" if level else "interval",
                         corrected=corrected)


TOO_SMALL_LABEL = "Too few items to tell"
"""Label of `too_small` in tables and tooltips."""
TOO_SMALL_HELP = (f"Fewer than {MIN_ITEMS} items, too few items whose outcome changed between "
                  "the arms, or every item difference equal: this cell cannot show a "
                  "difference, whatever its interval says.")
DISAGREE_LABEL = "Interval and test disagree"
"""Label of `ci_test_disagree` in tables and tooltips."""
DISAGREE_HELP = ("One of this cell's interval and its uncorrected test leaves out 0 and the other "
                 "does not (the unpaired approximation builds them differently): it is "
                 "borderline.")


def caveat_columns(table: pd.DataFrame) -> list[str]:
    """The flags worth showing beside `table`'s cells: `too_small` where the table has it,
    `ci_test_disagree` where some cell is flagged (always False for per-item cells)."""
    shown = [TOO_SMALL] if TOO_SMALL in table.columns else []
    if CI_TEST_DISAGREE in table.columns and table[CI_TEST_DISAGREE].eq(True).any():
        shown.append(CI_TEST_DISAGREE)
    return shown


def caveats(row: dict | pd.Series) -> list[str]:
    """What qualifies one cell's evidence, in words: "too few items to tell", "its interval and
    test disagree" (empty for a cell without either flag)."""
    said = []
    if _flag(row.get(TOO_SMALL)):
        said.append(TOO_SMALL_LABEL.lower())
    if _flag(row.get(CI_TEST_DISAGREE)):
        said.append(f"its {DISAGREE_LABEL.lower()}")
    return said


def _flag(value: object) -> bool:
    return bool(pd.notna(value) and value)


def methods_text(table: pd.DataFrame) -> str | None:
    """How the table's intervals and tests were made, with the number of cells of each, and how
    many cells are too small or have interval and test disagreeing ("Tango score interval;
    asymptotic McNemar test (60 cells). Too few items to tell: 2 cells (…)."); None for a table
    without `interval_method`."""
    if INTERVAL_METHOD not in table.columns or table.empty:
        return None
    suffix = f"; {TOO_SMALL_NOTE}"
    methods = table[INTERVAL_METHOD].astype(str).str.removesuffix(suffix).value_counts(sort=False)
    parts = [f"{method} ({_cells(count)})" for method, count in methods.items()]
    if TOO_SMALL in table.columns:
        small = int(table[TOO_SMALL].eq(True).sum())
        if small:
            parts.append(f"{TOO_SMALL_LABEL}: {_cells(small)} ({TOO_SMALL_NOTE})")
    if CI_TEST_DISAGREE in table.columns:
        split = int(table[CI_TEST_DISAGREE].eq(True).sum())
        if split:
            parts.append(f"{DISAGREE_LABEL}: {_cells(split)}")
    return "Intervals and tests: " + ". ".join(parts) + "."


def _cells(count: int) -> str:
    return f"{count:,} cell{'' if count == 1 else 's'}"
