"""Harness output to runs: the one entry point for lm-evaluation-harness and Inspect AI files.

`read_harness` reads every upload once (files, gzip files, .zip or .tar.gz of an output folder)
into runs labelled as conditions, with the metrics, filters and scorers the user may choose and a
default baseline; `pairing.harness_items` then gives the per-item frame for one choice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lib.ingest.harness import inspect_logs, lmeval
from lib.ingest.harness.archive import MAX_BYTES, Budget, Member, problem, unpack
from lib.ingest.harness.conditions import Condition, conditions, default_baseline, label_units
from lib.ingest.harness.runs import INSPECT, LM_EVAL, Unit
from lib.ingest.problems import Kind, Problem, clip

HEAD = 64 * 1024
"""Bytes of a JSON file looked at to tell an Inspect AI log from lm-evaluation-harness results."""
INSPECT_HEAD = re.compile(rb'"eval"\s*:\s*\{')
RESULTS_HEAD = re.compile(rb'"results"\s*:\s*\{')



@dataclass(frozen=True)
class HarnessRead:
    """Everything read from one set of uploads."""

    units: tuple[Unit, ...]
    """Each run of a model on a task, labelled."""
    conditions: tuple[Condition, ...]
    baseline: str | None
    """The default baseline condition (its label)."""
    metrics: tuple[str, ...]
    """lm-evaluation-harness metrics found, in file order (the first is each task's default)."""
    filters: tuple[str, ...]
    scorers: tuple[str, ...]
    """Inspect AI scorers found, in file order."""
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]


def _kind(member: Member) -> str | None:
    """"results", "samples", "inspect" or None (not a harness file)."""
    name = member.name.lower()
    if lmeval.is_results(member.name):
        return "results"
    if lmeval.is_samples(member.name):
        return "samples"
    if name.endswith(".eval"):
        return "inspect"
    if name.endswith(".json"):
        head = member.data[:HEAD]
        found = [(m.start(), kind) for kind, pattern in (("inspect", INSPECT_HEAD),
                                                         ("results", RESULTS_HEAD))
                 if (m := pattern.search(head))]
        return min(found)[1] if found else None
    return None


def read_harness(uploads: Sequence[tuple[str, bytes]],
                 max_bytes: int = MAX_BYTES) -> HarnessRead:
    """The runs of the uploads (name, bytes); a file that cannot be read is a problem naming
    it, and the others are still read."""
    budget = Budget(max_bytes)
    members, problems, notes = unpack(uploads, budget)
    members, repeated = _distinct(members)
    if repeated:
        notes.append(f"{len(repeated):,} file(s) were uploaded twice (e.g. "
                     f"{clip(repeated[0])}); each is read once.")
    sorted_members: dict[str | None, list[Member]] = {}
    for member in members:
        sorted_members.setdefault(_kind(member), []).append(member)
    for member in sorted_members.get(None, []):
        problems.append(problem(Kind.UNSUPPORTED, "The file is neither lm-evaluation-harness "
                                "output (results_<date>.json, samples_<task>_<date>.jsonl) nor "
                                "an Inspect AI log (.json or .eval).", member.path))
    units: list[Unit] = []
    for reader, args in ((lmeval.read_lm_eval, (sorted_members.get("results", []),
                                                 sorted_members.get("samples", []))),
                         (inspect_logs.read_inspect, (sorted_members.get("inspect", []),
                                                      budget))):
        found, found_problems, found_notes = reader(*args)
        units += found
        problems += found_problems
        notes += found_notes
    notes += label_units(units)
    found_conditions = conditions(units)
    metrics = _ordered(k[0] for u in units if u.tool == LM_EVAL for k in u.keys)
    filters = _ordered(k[1] for u in units if u.tool == LM_EVAL for k in u.keys)
    scorers = _ordered(k[0] for u in units if u.tool == INSPECT for k in u.keys)
    return HarnessRead(tuple(units), tuple(found_conditions), default_baseline(found_conditions),
                       metrics, filters, scorers, tuple(problems), tuple(notes))


def _distinct(members: list[Member]) -> tuple[list[Member], list[str]]:
    """The members without repeats (same name, same bytes), and the paths of the repeats."""
    seen: set[tuple[str, bytes]] = set()
    kept, repeated = [], []
    for member in members:
        key = (member.name, hashlib.blake2b(member.data, digest_size=16).digest())
        if key in seen:
            repeated.append(member.path)
        else:
            seen.add(key)
            kept.append(member)
    return kept, repeated


def _ordered(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
