"""Runs as conditions: a label per run saying what differs between the runs of one model on
one task, and a default baseline.

Labels name the settings whose values differ between runs of the same model × task (n-shot,
generation settings, chat template, model_args extras, task config; solver steps, generate
config, task args for Inspect AI), e.g. “n-shot=5; temperature=0.7”. Runs whose settings are all
the same are told apart by their date. The default baseline is the condition whose label, folder,
file name or tags say “base” or “baseline”; failing that, the condition of the earliest run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from lib.ingest.harness.runs import Unit
from lib.ingest.problems import clip

BASE_WORD = re.compile(r"(?<![a-z0-9])base(?:line)?(?![a-z0-9])", re.IGNORECASE)
FOLDER_NAME = re.compile(r"[\"<>:/\|\\?\*\[\]]+")
"""What lm-evaluation-harness replaces by "__" in a model's folder name (sanitize_model_name)."""
FIRST_KEYS = ("n-shot", "chat template", "system instruction", "fewshot as multiturn", "solver")
"""Settings named first in a label, in this order; the others follow by name."""
MAX_LABEL = 120
"""Characters of a label (longer ones are cut with …)."""


@dataclass(frozen=True)
class Condition:
    """One condition: the runs that share a label."""

    label: str
    files: tuple[str, ...]
    models: tuple[str, ...]
    tasks: tuple[str, ...]
    date: str
    """The earliest run's date."""
    says_base: bool
    """True when its label, folder, file or tags call it the base or baseline."""


def _when(date: str) -> str:
    return clip(date[:19], 19) if date else "an unknown date"


def _key_order(key: str) -> tuple[int, str]:
    return (FIRST_KEYS.index(key) if key in FIRST_KEYS else len(FIRST_KEYS), key)


def label_units(units: Sequence[Unit]) -> list[str]:
    """Set each unit's label; the notes on runs told apart by date only."""
    groups: dict[tuple[str, str, str], list[Unit]] = defaultdict(list)
    for unit in units:
        groups[(unit.tool, unit.model, unit.task)].append(unit)
    differing: set[str] = set()
    for group in groups.values():
        keys = set().union(*(u.settings for u in group))
        differing |= {k for k in keys if len({u.settings.get(k, "none") for u in group}) > 1}
    keys = sorted(differing, key=_key_order)
    for unit in units:
        unit.label = clip("; ".join(f"{k}={unit.settings.get(k, 'none')}" for k in keys),
                          MAX_LABEL)
    notes = []
    for (_, model, task), group in groups.items():
        labels = [u.label for u in group]
        same = [u for u in group if labels.count(u.label) > 1]
        for unit in same:
            unit.label = f"{unit.label}; run of {_when(unit.date)}" if unit.label \
                else f"run of {_when(unit.date)}"
        if same:
            notes.append(f"{len(same)} runs of {clip(model)} on {clip(task)} have the same "
                         "settings; their labels give their dates.")
        relabelled = [u.label for u in group]
        for k, unit in enumerate(group):
            if relabelled.count(unit.label) > 1:
                unit.label = f"{unit.label} ({k + 1})"
    for unit in units:
        if not unit.label:
            unit.label = f"run of {_when(unit.date)}"
    return notes


def _says_base(unit: Unit) -> bool:
    """True when the run's label, folder, file or tags say base or baseline (its model's and
    task's names, which are in its file's path, do not count: “Qwen2.5-7B-base” is a model)."""
    hints = unit.hints
    for name in filter(None, (unit.model, unit.task)):
        for written in (name, FOLDER_NAME.sub("__", name), re.sub(r"\W", "_", name)):
            hints = hints.replace(written, " ")
    return bool(BASE_WORD.search(hints) or BASE_WORD.search(unit.label))


def conditions(units: Sequence[Unit]) -> list[Condition]:
    """The conditions of the units (labelled), the earliest first."""
    by_label: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_label[unit.label].append(unit)
    out = [Condition(label, tuple(dict.fromkeys(u.file for u in group)),
                     tuple(dict.fromkeys(u.model for u in group)),
                     tuple(dict.fromkeys(u.task for u in group)),
                     min(u.date for u in group), any(_says_base(u) for u in group))
           for label, group in by_label.items()]
    return sorted(out, key=lambda c: (c.date, c.label))


def default_baseline(found: Sequence[Condition]) -> str | None:
    """The label of the condition called base or baseline (the earliest if several), else the
    earliest condition's; None when there is none."""
    named = [c for c in found if c.says_base]
    pick = (named or list(found))[:1]
    return pick[0].label if pick else None
