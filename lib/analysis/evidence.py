"""How a table's intervals and tests are named in every label, tooltip and sentence.

A per-item upload records the interval level and the multiple-comparison correction it was
computed with (`lib.ingest.items.cells.finish` puts them in the table's attrs). Two statements
stay apart everywhere:

- "its 95% interval excludes 0": the row's own interval, uncorrected;
- "significant after Holm correction": its p-value, corrected across every cell of the table.

They can disagree (a narrow interval on a table of thousands of cells, or a test and an
interval of different families), so neither is ever worded as the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.stats.multiple import CORRECTIONS

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
