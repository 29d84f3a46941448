"""What the harness readers give: runs of one model on one task, with their per-item outcomes
and reported scores, keyed by what the user chooses (metric and filter, or scorer)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LM_EVAL = "lm-evaluation-harness"
INSPECT = "Inspect AI"

Key = tuple[str, str]
"""What a score is: (metric, filter) for lm-evaluation-harness, (scorer, "") for Inspect AI."""


@dataclass(frozen=True)
class ItemValues:
    """Per-item outcomes of one run × task for one key, in the order of the file."""

    ids: np.ndarray
    """Item ids as text (doc_id, or sample id)."""
    values: np.ndarray
    """float64; NaN where an item has no number for this key."""
    lines: np.ndarray
    """int64: the line of each item in its samples file (0 where there are no lines)."""
    hashes: np.ndarray | None = None
    """doc_hash of each item (object, None where absent), lm-evaluation-harness only."""
    file: str = ""
    """The file the items come from."""
    epochs: int = 1
    """Epochs averaged into each outcome (Inspect AI)."""


@dataclass(frozen=True)
class Reported:
    """A score as the results report it: value, standard error (None when not given) and n."""

    value: float
    stderr: float | None
    n: int | None


@dataclass
class Unit:
    """One run of one model on one task (a condition of a model × dataset cell)."""

    tool: str
    file: str
    """The file of the run's results (or log), as shown to the user."""
    run: str
    """Which run it belongs to: the results file or the log."""
    model: str
    task: str
    date: str
    """When the run was made, as text that sorts in time order."""
    settings: dict[str, str] = field(default_factory=dict)
    """Everything that may differ between runs, as short text (the condition labels use it)."""
    hints: str = ""
    """Text that may name the run a baseline (folder, file, tags, run name)."""
    items: dict[Key, ItemValues] = field(default_factory=dict)
    reported: dict[Key, Reported] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    """The keys of the run × task in the order of its files (the first is the default)."""
    samples_file: str | None = None
    label: str = ""
