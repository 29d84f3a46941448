"""Inspect AI logs (JSON and `.eval`) to runs.

A log is one task run on one model (`eval.task`, `eval.model`). The JSON log is the `EvalLog`
object whole: `status`, `eval`, `plan.steps`, `results.scores`, `samples[]` with `id`, `epoch`
and `scores{scorer: {value}}`. The `.eval` log is a zip holding `header.json` (the log without
its samples), `samples/<id>_epoch_<n>.json` (one sample each), `summaries.json`
(id, epoch and scores of each, read instead of the samples when it lists them all),
`reductions.json` and, while running, `_journal/` (`inspect_ai/log/_recorders/eval.py`). Values
become numbers as Inspect's `value_to_float` makes them: C 1, P 0.5, I and N 0, yes/true 1,
no/false 0, numbers as they are; the outcome of a sample is the mean over its epochs.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import defaultdict

import numpy as np

from lib.core.textcells import scrub_text
from lib.ingest.harness.archive import (ZIP_ERRORS, Budget, Member, problem, too_large,
                                        unexpected)
from lib.ingest.harness.jsondoc import parse_document, parse_json
from lib.ingest.harness.runs import INSPECT, ItemValues, Reported, Unit
from lib.ingest.harness.settings import flat, short
from lib.ingest.problems import Effect, Kind, Problem, ReadError, clip, names_phrase
from lib.ingest.read.raw import fail

WHAT = "an Inspect AI log (a .json log or an .eval log)"
HEADER_JSON = "header.json"
SUMMARIES_JSON = "summaries.json"
START_JSON = "_journal/start.json"
SAMPLES_DIR = "samples/"
MAX_ENTRIES = 200_000
"""Files an .eval log may hold: one per sample and epoch, and a few more."""
WORDS = {"c": 1.0, "p": 0.5, "i": 0.0, "n": 0.0, "yes": 1.0, "true": 1.0, "no": 0.0,
         "false": 0.0}
"""Inspect's value_to_float: its default C/I/P/N letters, and yes/no, true/false."""
FINISHED = "success"


def looks_like_log(doc: dict) -> bool:
    ev = doc.get("eval")
    return isinstance(ev, dict) and "task" in ev and "model" in ev


def to_float(value: object) -> float | None:
    """A score's value as Inspect reads it (`value_to_float`), None when it cannot be read."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if text in ("C", "P", "I", "N"):
            return WORDS[text.lower()]
        if text.lower() in ("yes", "true", "no", "false"):
            return WORDS[text.lower()]
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _eval_zip(member: Member, budget: Budget) -> tuple[dict, list[tuple[int, dict]]]:
    """The header and the samples (with their position) of an .eval log."""
    path = member.path
    try:
        archive = zipfile.ZipFile(io.BytesIO(member.data))
        names = list(dict.fromkeys(archive.namelist()))
    except ZIP_ERRORS:
        raise fail(Kind.UNREADABLE, "The .eval log is damaged or cut short and cannot be "
                   "opened. Upload the log as Inspect wrote it.", path) from None
    if len(names) > MAX_ENTRIES:
        raise fail(Kind.TOO_LARGE, f"The .eval log holds {len(names):,} files; the app reads "
                   f"at most {MAX_ENTRIES:,}.", path)

    def read(name: str) -> bytes:
        info = archive.getinfo(name)
        if info.file_size > budget.left:
            raise too_large(path, budget.limit)
        try:
            with archive.open(info) as source:
                data = source.read(budget.left + 1)
        except ZIP_ERRORS:
            raise fail(Kind.UNREADABLE, f"A part of the .eval log ({clip(name)}) is damaged "
                       "and cannot be unpacked.", path) from None
        budget.take(len(data), path)
        return data

    if HEADER_JSON not in names:
        if START_JSON in names:
            raise fail(Kind.UNSUPPORTED, "The .eval log has no header: the evaluation has "
                       "not finished (status “started”). Upload the log once it has finished.",
                       path)
        raise fail(Kind.UNSUPPORTED, f"The zip file is not {WHAT}: it has no header.json.", path)
    header = parse_document(read(HEADER_JSON), f"{path}/{HEADER_JSON}", WHAT)
    sample_names = [n for n in names if n.startswith(SAMPLES_DIR) and n.endswith(".json")]
    if SUMMARIES_JSON in names:
        # one entry per sample and epoch, with its id, epoch and scores: what Inspect's viewer
        # reads for its sample list, and far smaller than the samples (messages, events)
        try:
            summaries = parse_json(read(SUMMARIES_JSON), f"{path}/{SUMMARIES_JSON}",
                                   "the sample summaries of an Inspect AI log")
        except ReadError as error:
            if error.problem.kind is Kind.TOO_LARGE:
                raise
            summaries = None  # the samples themselves are read instead
        if isinstance(summaries, list) and len(summaries) == len(sample_names) and all(
                isinstance(s, dict) and "id" in s and "epoch" in s for s in summaries):
            return header, list(enumerate(summaries, 1))
    samples = []
    for position, name in enumerate(sample_names, 1):
        samples.append((position, parse_document(read(name), f"{path}/{name}",
                                                 "a sample of an Inspect AI log")))
    return header, samples


def read_log(member: Member, budget: Budget) -> tuple[Unit, list[Problem]]:
    """The unit of one log, and the problems of its samples; `ReadError` when the log cannot
    be used (not a log, not finished, damaged)."""
    path = member.path
    if member.name.lower().endswith(".eval") or member.data[:4] == b"PK\x03\x04":
        header, samples = _eval_zip(member, budget)
    else:
        header = parse_document(member.data, path, WHAT)
        if not looks_like_log(header):
            raise fail(Kind.UNSUPPORTED, f"The file is JSON but not {WHAT}.", path)
        listed = header.get("samples")
        samples = list(enumerate(listed, 1)) if isinstance(listed, list) else []
    if not looks_like_log(header):
        raise fail(Kind.UNSUPPORTED, f"The file is not {WHAT}: its header has no eval.task "
                   "and eval.model.", path)
    status = str(header.get("status", "started"))
    if status != FINISHED:
        raise fail(Kind.UNSUPPORTED, f"The log's status is “{clip(status)}”, not "
                   "“success”: the evaluation did not finish, so its scores are incomplete. "
                   "Upload the log of a finished run.", path)
    ev = header["eval"]
    unit = Unit(INSPECT, path, path, scrub_text(str(ev["model"])),
                scrub_text(str(ev["task"])), str(ev.get("created", "")))
    unit.settings = _settings(header)
    tags = [str(t) for t in _list(ev.get("tags")) + _list(header.get("tags"))
            if isinstance(t, (str, int, float))]
    unit.hints = " ".join([path, *tags, str(ev.get("metadata") or ""),
                           str(header.get("metadata") or "")])
    _reported(header, unit)
    problems = _items(samples, unit)
    return unit, problems


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _settings(header: dict) -> dict[str, str]:
    ev = header["eval"]
    plan = header.get("plan") if isinstance(header.get("plan"), dict) else {}
    steps = [s for s in _list(plan.get("steps")) if isinstance(s, dict)]
    out = {"solver": short(", ".join(str(s.get("solver")) for s in steps)) if steps
           else short(ev.get("solver"))}
    for step in steps:
        out |= flat(f"{clip(step.get('solver'))} ", step.get("params"))
    out |= flat("", ev.get("model_generate_config"))
    out |= flat("", plan.get("config"))
    out |= flat("task ", ev.get("task_args"))
    out |= flat("solver ", ev.get("solver_args"))
    out |= flat("model_args ", ev.get("model_args"))
    if ev.get("task_version") not in (None, 0, "0"):
        out["task version"] = short(ev.get("task_version"))
    return out


def _reported(header: dict, unit: Unit) -> None:
    results = header.get("results") if isinstance(header.get("results"), dict) else {}
    for score in _list(results.get("scores")):
        if not isinstance(score, dict) or not isinstance(score.get("metrics"), dict):
            continue
        metrics = score["metrics"]
        mean = next((to_float(metrics[m].get("value")) for m in ("accuracy", "mean")
                     if isinstance(metrics.get(m), dict)), None)
        stderr = metrics.get("stderr")
        n = score.get("scored_samples", results.get("completed_samples"))
        key = (str(score.get("name", score.get("scorer", "score"))), "")
        if key not in unit.keys:
            unit.keys.append(key)
        if mean is not None:
            unit.reported[key] = Reported(mean, to_float(stderr.get("value")) if
                                          isinstance(stderr, dict) else None,
                                          int(n) if isinstance(n, int) else None)


def _values(scores: dict) -> list[tuple[str, object]]:
    """(scorer, value) of a sample's scores; a scorer whose value is a dict of values (one per
    metric) gives one “scorer/key” each, as Inspect computes metrics per key."""
    out = []
    for scorer, score in scores.items():
        value = score.get("value") if isinstance(score, dict) else score
        if isinstance(value, dict):
            out += [(f"{scorer}/{key}", v) for key, v in value.items()]
        else:
            out.append((str(scorer), value))
    return out


def _items(samples: list[tuple[int, object]], unit: Unit) -> list[Problem]:
    """Per scorer, the mean over epochs of each sample id's value."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(dict)
    epochs: dict[str, set[int]] = defaultdict(set)
    unread: dict[str, tuple[int, object]] = {}
    seen: set[tuple[str, object]] = set()
    repeated: list[str] = []
    unscored = 0
    for position, sample in samples:
        if not isinstance(sample, dict) or "id" not in sample:
            raise fail(Kind.UNSUPPORTED, f"Sample {position:,} of the log has no id: the "
                       f"file is not {WHAT}.", unit.file)
        item = scrub_text(str(sample["id"]))
        epoch = sample.get("epoch", 1)
        epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else 1
        if (item, epoch) in seen:
            repeated.append(item)
            continue
        seen.add((item, epoch))
        scores = sample.get("scores")
        if not isinstance(scores, dict) or not scores:
            unscored += 1
            continue
        for scorer, raw in _values(scores):
            value = to_float(raw)
            if value is None:
                unread.setdefault(scorer, (position, raw))
                continue
            got = sums[scorer].setdefault(item, [0.0, 0])
            got[0] += value
            got[1] += 1
            epochs[scorer].add(epoch)
    problems: list[Problem] = []
    if repeated:
        problems.append(problem(
            Kind.REPEATED_ITEM, f"Sample id {names_phrase(list(dict.fromkeys(repeated)))} "
            "appear(s) more than once for one epoch; only the first is used.", unit.file,
            effect=Effect.ROW))
    for scorer, (position, value) in unread.items():
        problems.append(problem(
            Kind.BAD_OUTCOME, f"The score “{clip(scorer)}” of sample {position:,} is "
            f"{clip(value)!s}, which is neither C, I, P, N, yes/no nor a number; the samples "
            "without a number are left out for it.", unit.file, position, Effect.VALUE))
    if unscored:
        problems.append(problem(Kind.EMPTY_CELL, f"{unscored:,} sample(s) of the log have no "
                                "score (an error stopped them); they are left out.", unit.file,
                                effect=Effect.ROW))
    for scorer, per_item in sums.items():
        ids = np.array(list(per_item), dtype=object)
        values = np.array([s / k for s, k in per_item.values()], dtype=np.float64)
        key = (scrub_text(str(scorer)), "")
        unit.items[key] = ItemValues(ids, values, np.zeros(len(ids), dtype=np.int64), None,
                                     unit.file, max(1, len(epochs[scorer])))
        if key not in unit.keys:
            unit.keys.append(key)
    if samples:
        unit.samples_file = unit.file
    return problems


def read_inspect(members: list[Member], budget: Budget) \
        -> tuple[list[Unit], list[Problem], list[str]]:
    """The units of Inspect AI logs; the problems of the logs not read and of their samples."""
    units, problems, notes = [], [], []
    for member in members:
        try:
            unit, found = read_log(member, budget)
        except ReadError as error:
            problems.append(error.problem)
            continue
        except Exception:  # noqa: BLE001 — one file's surprise must not cost the others
            problems.append(unexpected(member.path))
            continue
        units.append(unit)
        problems += found
    several = sorted({u.file for u in units if max((v.epochs for v in u.items.values()),
                                                   default=1) > 1})
    if several:
        notes.append(f"Logs with several epochs ({names_phrase(several, 3)}): each sample's "
                     "outcome is the mean over its epochs.")
    return units, problems, notes
