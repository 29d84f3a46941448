"""Harness runs to the table every page uses: one choice of score and runs, paired per item as an
uploaded file with its arms in rows is (`lib.ingest.items.pipeline.arms_from_frame`, then
`aggregate`), with the unpaired Δ of runs without samples beside them.

The unpaired rows join the paired ones before the correction across cells, so that the
correction runs over every model × task × treatment run shown; their `interval_method` starts
with "unpaired approximation" and says how their interval was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lib.core import schema
from lib.ingest.harness.pairing import Choice, HarnessItems, harness_items
from lib.ingest.harness.pipeline import HarnessRead
from lib.ingest.harness.runs import LM_EVAL, Key
from lib.ingest.items.arms import BASELINE_ARM
from lib.ingest.items.cells import INTERVAL_METHOD, MIN_ITEMS, TOO_SMALL, Settings, finish
from lib.ingest.items.pipeline import ItemUpload, aggregate, arms_from_frame, canonical
from lib.ingest.items.unpaired import UNPAIRED_LABEL
from lib.ingest.problems import Effect, Kind, Problem, clip
from lib.ingest.shapes import Shape

TOOL = "tool"
RUNS = "runs"
WITHOUT_SAMPLES = "without_samples"
SCORE = "score"
RUN_COLUMNS = (TOOL, schema.MODEL, schema.DATASET, RUNS, WITHOUT_SAMPLES, SCORE)
"""The runs table: per tool × model × task, its runs (condition labels), those without
samples, and the score used for the current choice."""
RUN_SEPARATOR = " · "


@dataclass(frozen=True)
class HarnessUpload:
    """One choice over the harness runs: the aggregated upload and what was paired."""

    upload: ItemUpload
    """As an uploaded per-item file with its arms in rows gives it (the runs are the arms)."""
    runs: pd.DataFrame
    """`RUN_COLUMNS`, one row per tool × model × task."""
    unpaired: int
    """Rows of the table whose Δ is unpaired (a run without samples)."""


def source_name(names: Sequence[str]) -> str:
    """How the uploads are named in the report and the page label: the one file's name, or
    how many files there are."""
    return clip(names[0]) if len(names) == 1 else f"{len(names):,} harness files"


def harness_upload(read: HarnessRead, choice: Choice, settings: Settings,
                   source: str) -> HarnessUpload:
    """The runs of `read` paired under `choice` and aggregated under `settings` (its level and
    correction; the baseline is `choice`'s). `source` names the uploads. Never raises."""
    chosen = replace(choice, level=settings.level)
    if choice.treatments == ():
        items = HarnessItems(pd.DataFrame(), read.baseline, ())
        nothing = Problem(Kind.MISSING_ARM, "No treatment run is chosen: choose at least one "
                          "run to compare with the baseline run.", source, effect=Effect.STOPPED)
        return HarnessUpload(_upload(source, None, read, items, (nothing,), ()),
                             runs_table(read, {}), 0)
    items = harness_items(read, chosen)
    settings = replace(settings, baseline=items.baseline)
    paired = None
    if items.items[schema.CONDITION].nunique() > 1:  # one run alone: `_why_empty` says so
        paired = aggregate(arms_from_frame(items.items, source), settings)
    table = _combined(paired, items.unpaired, settings, items.baseline)
    problems = items.problems + (paired.problems if paired is not None else ())
    notes = items.notes + (paired.notes if paired is not None else ())
    if table is None and not any(p.blocking for p in read.problems + problems):
        problems += (Problem(Kind.NO_ROWS_LEFT, _why_empty(read, items), source),)
    unpaired = 0 if table is None else int(
        table[INTERVAL_METHOD].astype(str).str.startswith(UNPAIRED_LABEL).sum())
    return HarnessUpload(_upload(source, table, read, items, problems, notes),
                         runs_table(read, items.used), unpaired)


def _why_empty(read: HarnessRead, items: HarnessItems) -> str:
    if not read.units:
        return "No run of lm-evaluation-harness or Inspect AI was found in the files."
    if len(read.conditions) < 2:
        return ("Only one run was found per model and task: a Δ needs a baseline run and at "
                "least one treatment run of the same model on the same task.")
    return ("No treatment run shares a model and a task with the baseline run "
            f"“{clip(items.baseline or '')}”: choose another baseline run.")


def _upload(source: str, table: pd.DataFrame | None, read: HarnessRead, items: HarnessItems,
            problems: Sequence[Problem], notes: Sequence[str]) -> ItemUpload:
    arms = tuple(c.label for c in read.conditions)
    return ItemUpload(file=source, shape=Shape.PER_ITEM_ARMS, table=table,
                      problems=tuple(read.problems) + tuple(problems),
                      notes=tuple(read.notes) + tuple(notes), rows_read=len(items.items),
                      arms=arms, baseline=items.baseline)


def _combined(paired: ItemUpload | None, unpaired: pd.DataFrame | None, settings: Settings,
              baseline: str | None) -> pd.DataFrame | None:
    """The paired table and the unpaired rows, corrected across cells together."""
    if unpaired is None or unpaired.empty:
        return paired.table if paired is not None and paired.usable else None
    rows = unpaired.copy()
    n = pd.to_numeric(rows[schema.N_ITEMS], errors="coerce").to_numpy(dtype=float)
    rows[TOO_SMALL] = np.nan_to_num(n, nan=np.inf) < MIN_ITEMS
    parts = [paired.table, rows] if paired is not None and paired.usable else [rows]
    table = pd.concat(parts, ignore_index=True)
    table = canonical(finish(table[[c for c in table.columns if c in _BEFORE_FINISH]],
                             settings))
    if baseline is not None:
        table.attrs[BASELINE_ARM] = baseline
    table.attrs["unpaired"] = True
    return table


_BEFORE_FINISH = (*schema.CONTRACT_COLUMNS, schema.P_VALUE, TOO_SMALL, INTERVAL_METHOD)
"""The columns of a table before `finish` adds the correction and the flags."""


def _key_text(key: Key, tool: str) -> str:
    return f"{key[0]} (filter {key[1]})" if tool == LM_EVAL and key[1] else key[0]


def runs_table(read: HarnessRead, used: dict[tuple[str, str], Key]) -> pd.DataFrame:
    """Per tool × model × task: its runs' condition labels (earliest first), those that have
    reported scores only, and the score used (`used`, from `HarnessItems.used`)."""
    rows: dict[tuple[str, str, str], list] = {}
    for unit in sorted(read.units, key=lambda u: u.date):
        row = rows.setdefault((unit.tool, unit.model, unit.task), [[], []])
        row[0].append(unit.label)
        if not unit.items:
            row[1].append(unit.label)
    records = [{TOOL: tool, schema.MODEL: model, schema.DATASET: task,
                RUNS: RUN_SEPARATOR.join(labels), WITHOUT_SAMPLES: RUN_SEPARATOR.join(bare),
                SCORE: _key_text(used[(model, task)], tool) if (model, task) in used else ""}
               for (tool, model, task), (labels, bare) in rows.items()]
    return pd.DataFrame(records, columns=list(RUN_COLUMNS))
