"""One choice of metric and filter (or scorer) and baseline to the per-item frame: one row per
run × model × task × item, `model, dataset, item, condition, outcome`, ready for pairing of
each treatment condition with the baseline condition; and an unpaired Δ where a run has
reported scores but no samples.

Within a model × task, items are checked against the baseline run (or the first run with items):
a doc_hash that differs for one doc_id means the two runs did not see the same doc, so that row
is left out; docs present in some runs only are reported (pairing keeps the shared ones).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.core import schema
from lib.ingest.harness.archive import problem
from lib.ingest.harness.pipeline import HarnessRead
from lib.ingest.harness.runs import LM_EVAL, Key, Unit
from lib.ingest.items.unpaired import UNPAIRED_LABEL
from lib.ingest.problems import Effect, Kind, Problem, clip
from lib.stats import intervals

ITEM = "item"
OUTCOME = "outcome"
ITEM_COLUMNS = (schema.MODEL, schema.DATASET, ITEM, schema.CONDITION, OUTCOME)
STDERR_METHOD = (f"{UNPAIRED_LABEL}: normal interval and z-test from the standard errors "
                 "the harness reported")
MAX_LINES = 5
"""Lines a doc_hash message spells out."""


@dataclass(frozen=True)
class Choice:
    """What the user picked; None takes the default."""

    metric: str | None = None
    filter: str | None = None
    scorer: str | None = None
    baseline: str | None = None
    treatments: tuple[str, ...] | None = None
    """The conditions compared with the baseline (None: all the others)."""
    level: float = intervals.DEFAULT_LEVEL
    """Confidence level of the unpaired intervals."""


@dataclass(frozen=True)
class HarnessItems:
    """The per-item frame of one choice, with what a page shows beside it."""

    items: pd.DataFrame
    """model, dataset, item, condition, outcome (text, text, text, text, float in [0, 1])."""
    baseline: str | None
    treatments: tuple[str, ...]
    used: dict[tuple[str, str], Key] = field(default_factory=dict)
    """Per model × task, the (metric, filter) or (scorer, "") used."""
    unpaired: pd.DataFrame | None = None
    """Contract rows (with condition) of unpaired Δ from reported scores, or None."""
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()


def _key(group: Sequence[Unit], choice: Choice) -> Key | None:
    """The key a model × task uses: the chosen metric and filter (or scorer) where the group has
    them, else its first metric and the first filter of its first results file."""
    keys = list(dict.fromkeys(k for u in group for k in u.keys))
    if not keys:
        return None
    if group[0].tool != LM_EVAL:
        return (choice.scorer, "") if (choice.scorer, "") in keys else keys[0]
    metrics = list(dict.fromkeys(k[0] for k in keys))
    filters = list(dict.fromkeys(k[1] for k in keys))
    metric = choice.metric if choice.metric in metrics else metrics[0]
    filt = choice.filter if choice.filter in filters else keys[0][1]
    if (metric, filt) in keys:
        return metric, filt
    return next(k for k in keys if k[0] == metric)


def _key_text(key: Key) -> str:
    return f"“{clip(key[0])}” (filter “{clip(key[1])}”)" if key[1] else f"“{clip(key[0])}”"


def harness_items(read: HarnessRead, choice: Choice = Choice()) -> HarnessItems:
    """The per-item frame for `choice` (`Choice()`: every default)."""
    baseline = choice.baseline if choice.baseline in {c.label for c in read.conditions} \
        else read.baseline
    groups: dict[tuple[str, str, str], list[Unit]] = defaultdict(list)
    for unit in read.units:
        groups[(unit.tool, unit.model, unit.task)].append(unit)
    parts: list[pd.DataFrame] = []
    unpaired: list[dict] = []
    problems: list[Problem] = []
    notes: list[str] = []
    used: dict[tuple[str, str], Key] = {}
    for (_, model, task), group in groups.items():
        if choice.treatments is not None:
            group = [u for u in group if u.label == baseline or u.label in choice.treatments]
        if not group:
            continue
        group = sorted(group, key=lambda u: (u.label != baseline, u.date))
        key = _key(group, choice)
        if key is None:
            continue
        used[(model, task)] = key
        kept: list[tuple[Unit, np.ndarray, np.ndarray]] = []
        for unit in group:
            got = _unit_items(unit, key, problems)
            if got is not None:
                kept.append((unit, *got))
        kept = _check_hashes(kept, key, problems)
        notes += _doc_sets(kept, model, task)
        unpaired += _unpaired(group, kept, key, baseline, choice.level)
        if group[0].label != baseline:
            notes.append(f"{clip(model)} on {clip(task)} has no run of the baseline "
                         f"“{clip(baseline or '')}”: it cannot be compared.")
            continue
        if kept and kept[0][0] is not group[0]:
            continue  # the baseline run has no items: its Δ are unpaired, if any
        for unit, ids, values in kept:
            parts.append(pd.DataFrame({schema.MODEL: model, schema.DATASET: task, ITEM: ids,
                                       schema.CONDITION: unit.label, OUTCOME: values}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: pd.Series(dtype=float if c == OUTCOME else object) for c in ITEM_COLUMNS})
    frame = frame[list(ITEM_COLUMNS)]
    frame[OUTCOME] = frame[OUTCOME].astype(np.float64)
    labels = list(dict.fromkeys(frame[schema.CONDITION].tolist() +
                                [r[schema.CONDITION] for r in unpaired]))
    treatments = tuple(label for label in labels if label != baseline)
    table = _unpaired_table(unpaired)
    if table is not None:
        notes.append(f"{len(table):,} Δ are unpaired ({STDERR_METHOD}): a run without its "
                     "samples file cannot be paired item by item.")
    return HarnessItems(frame, baseline, treatments, used, table, tuple(problems), tuple(notes))


def _unit_items(unit: Unit, key: Key, problems: list[Problem]) \
        -> tuple[np.ndarray, np.ndarray] | None:
    """The ids and outcomes of a unit for `key`, or None (with a problem when it should have
    them)."""
    items = unit.items.get(key)
    if items is None:
        if key not in unit.reported:
            problems.append(problem(
                Kind.MISSING_COLUMN, f"The {'metric' if unit.tool == LM_EVAL else 'scorer'} "
                f"{_key_text(key)} is missing from the run “{clip(unit.label)}” of "
                f"{clip(unit.model)} on {clip(unit.task)}; this run is not used for it. Choose "
                "a score every run has.", unit.file))
        return None
    values = items.values
    present = ~np.isnan(values)
    wrong = present & ((values < 0) | (values > 1))
    if wrong.any():
        at = int(np.flatnonzero(wrong)[0])
        where = f" on line {int(items.lines[at]):,}" if items.lines[at] else \
            f" for item {clip(items.ids[at])}"
        problems.append(problem(
            Kind.OUT_OF_RANGE, f"{_key_text(key)} is {values[at]:g}{where}: per-item outcomes "
            "must lie in [0, 1] (0/1 or a score). This run is not used for it; choose another "
            "metric.", items.file, int(items.lines[at]) or None))
        return None
    return items.ids[present], values[present]


def _check_hashes(kept: list[tuple[Unit, np.ndarray, np.ndarray]], key: Key,
                  problems: list[Problem]) -> list[tuple[Unit, np.ndarray, np.ndarray]]:
    """The units' items without those whose doc_hash differs from the reference run's."""
    if len(kept) < 2:
        return kept
    reference = kept[0][0].items[key]
    known = {i: h for i, h in zip(reference.ids.tolist(), reference.hashes.tolist())
             if h is not None} if reference.hashes is not None else {}
    if not known:
        return kept
    out = [kept[0]]
    for unit, ids, values in kept[1:]:
        items = unit.items[key]
        if items.hashes is None:
            out.append((unit, ids, values))
            continue
        hash_of = dict(zip(items.ids.tolist(), items.hashes.tolist()))
        line_of = dict(zip(items.ids.tolist(), items.lines.tolist()))
        bad = np.array([known.get(i) is not None and hash_of.get(i) is not None
                        and known[i] != hash_of[i] for i in ids.tolist()], dtype=bool)
        if bad.any():
            lines = [line_of[i] for i in ids[bad].tolist()]
            shown = ", ".join(f"{n:,}" for n in lines[:MAX_LINES])
            more = f" and {len(lines) - MAX_LINES:,} more" if len(lines) > MAX_LINES else ""
            problems.append(problem(
                Kind.REPEATED_ITEM, f"{int(bad.sum()):,} doc(s) have the doc_id of a "
                f"different doc in {clip(reference.file)} (their doc_hash differs; line(s) "
                f"{shown}{more}): the runs did not see the same docs under these ids. These "
                "docs are left out.", items.file, lines[0], Effect.ROW))
        out.append((unit, ids[~bad], values[~bad]))
    return out


def _doc_sets(kept: list[tuple[Unit, np.ndarray, np.ndarray]], model: str,
              task: str) -> list[str]:
    if len(kept) < 2:
        return []
    reference = set(kept[0][1].tolist())
    notes = []
    for unit, ids, _ in kept[1:]:
        mine = set(ids.tolist())
        shared = len(reference & mine)
        if shared != len(reference) or shared != len(mine):
            notes.append(f"{clip(model)} on {clip(task)}: the runs “{clip(kept[0][0].label)}” "
                         f"and “{clip(unit.label)}” share {shared:,} of {len(reference):,} and "
                         f"{len(mine):,} docs; only the shared docs are paired.")
    return notes


def _unpaired(group: Sequence[Unit], kept: list, key: Key, baseline: str | None,
              level: float) -> list[dict]:
    """Rows of unpaired Δ for the runs of a group that lack items (or whose baseline does)."""
    base = next((u for u in group if u.label == baseline), None)
    if base is None or key not in base.reported:
        return []
    with_items = {id(u) for u, _, _ in kept}
    rows = []
    for unit in group:
        if unit is base or key not in unit.reported:
            continue
        if id(unit) in with_items and id(base) in with_items:
            continue
        b, t = base.reported[key], unit.reported[key]
        if not (0 <= b.value <= 1 and 0 <= t.value <= 1):
            continue
        se = math.sqrt(b.stderr ** 2 + t.stderr ** 2) if (
            b.stderr is not None and t.stderr is not None) else math.nan
        delta = t.value - b.value
        z = intervals.critical_value(level)
        p = math.erfc(abs(delta) / se / math.sqrt(2)) if se > 0 else math.nan
        ns = [n for n in (b.n, t.n) if n is not None]
        rows.append({schema.MODEL: unit.model, schema.DATASET: unit.task,
                     schema.CONDITION: unit.label, schema.DELTA: 100 * delta,
                     schema.BASELINE: 100 * b.value, schema.TREATMENT: 100 * t.value,
                     schema.CI_LOW: 100 * (delta - z * se), schema.CI_HIGH: 100 * (delta + z * se),
                     schema.N_ITEMS: min(ns) if ns else pd.NA, schema.P_VALUE: p,
                     schema.INTERVAL_METHOD: STDERR_METHOD})
    return rows


def _unpaired_table(rows: list[dict]) -> pd.DataFrame | None:
    if not rows:
        return None
    table = pd.DataFrame(rows)
    table[schema.N_ITEMS] = table[schema.N_ITEMS].astype("Int64")
    table.attrs["unpaired"] = True
    return table
