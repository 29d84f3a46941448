"""lm-evaluation-harness output (v0.4.x) to runs.

The harness writes, for `--output_path out --log_samples`, a folder per model
(`out/<model>/`) holding `results_<date>.json` and, per task, `samples_<task>_<date>.jsonl`
with the same date (`lm_eval/loggers/evaluation_tracker.py`). The results hold
`results[task]["<metric>,<filter>"]` and `"<metric>_stderr,<filter>"`, `n-shot`, `n-samples`,
`versions`, `configs`, `config` (model_args, gen_kwargs, …) and `model_name`; a samples line
holds `doc_id`, `filter`, `metrics` (the names), each metric's value, and `doc_hash`
(`lm_eval/evaluator.py`). A file may be gzipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from lib.core.textcells import scrub_text
from lib.ingest.harness.archive import Member, problem, unexpected
from lib.ingest.harness.jsondoc import json_lines, line_error, parse_document
from lib.ingest.harness.runs import LM_EVAL, ItemValues, Key, Reported, Unit
from lib.ingest.harness.settings import flat, parse_args, short
from lib.ingest.problems import Effect, Kind, Problem, ReadError, clip, names_phrase

RESULTS_NAME = re.compile(r"results_(?P<date>[^_/]+)\.json", re.IGNORECASE)
SAMPLES_NAME = re.compile(r"samples_(?P<task>.+)_(?P<date>[^_/]+)\.jsonl", re.IGNORECASE)
MODEL_KEYS = ("pretrained", "model", "path", "engine")
"""Keys of model_args naming the model (the harness's order, without the adapters `peft` and
`delta`: an adapter is what a run changes, so it labels the condition, not the model)."""
SAMPLE_FIELDS = frozenset(("doc_id", "doc", "target", "arguments", "resps", "filtered_resps",
                           "filter", "metrics", "doc_hash", "prompt_hash", "target_hash"))
CONFIG_SETTINGS = ("limit", "random_seed", "numpy_seed", "torch_seed", "fewshot_seed")
TASK_CONFIG_SKIP = frozenset(("task", "num_fewshot", "metadata", "generation_kwargs"))
WHAT = "an lm-evaluation-harness results file (results_<date>.json)"
MAX_LINES = 1_000_000
"""Sample lines read from one upload, all files together: ten times the largest folder the app
is measured on (5 runs × 10 tasks × 2 models × 1,000 docs), about 250 MB of memory at most."""


def is_results(name: str) -> bool:
    return RESULTS_NAME.fullmatch(name) is not None


def is_samples(name: str) -> bool:
    return SAMPLES_NAME.fullmatch(name) is not None


def result_date(name: str) -> str:
    """The date of a results file: results_<date>.json, or <name>_<date>.json when the
    harness was given a .json output path."""
    match = RESULTS_NAME.fullmatch(name)
    return match["date"] if match else name.removesuffix(".json").rsplit("_", 1)[-1]


def looks_like_results(doc: dict) -> bool:
    return isinstance(doc.get("results"), dict) and any(
        k in doc for k in ("configs", "config", "n-shot", "versions"))


def _model(doc: dict) -> tuple[str, dict[str, object]]:
    """The model's name and the model_args that are not it."""
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    args = parse_args(config.get("model_args"))
    for key in MODEL_KEYS:
        if args.get(key) not in (None, ""):
            name = str(args.pop(key))
            return name, args
    for name in (doc.get("model_name"), config.get("model")):
        if isinstance(name, str) and name.strip():
            return name, args
    return "unknown model", args


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _groups(doc: dict) -> set[str]:
    subtasks = doc.get("group_subtasks")
    if not isinstance(subtasks, dict):
        return set()
    return {str(k) for k, v in subtasks.items() if isinstance(v, list) and v}


def read_results(member: Member) -> list[Unit]:
    """One unit per task of a results file (groups of tasks are left out: they have no
    samples); `ReadError` when it is not a results file."""
    doc = parse_document(member.data, member.path, WHAT)
    if not looks_like_results(doc):
        raise problem_error(member.path, "The file is JSON but not " + WHAT + ": it has no "
                            "“results” and “configs”.")
    model, extras = _model(doc)
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    common = {f"model_args {k}": short(v) for k, v in extras.items()}
    common |= flat("", parse_args(config.get("gen_kwargs")))
    common |= {k: short(config.get(k)) for k in CONFIG_SETTINGS if config.get(k) is not None}
    common["chat template"] = _template(doc.get("chat_template"), doc.get("chat_template_sha"))
    common["system instruction"] = _template(doc.get("system_instruction"),
                                             doc.get("system_instruction_sha"))
    if doc.get("fewshot_as_multiturn") is not None:
        common["fewshot as multiturn"] = short(bool(doc.get("fewshot_as_multiturn")))
    date = result_date(member.name)
    groups = _groups(doc)
    units = []
    for task, scores in doc["results"].items():
        if task in groups or not isinstance(scores, dict):
            continue
        unit = Unit(LM_EVAL, member.path, member.path, scrub_text(model).strip() or "unknown "
                    "model", scrub_text(str(task)), date, hints=member.path)
        unit.settings = dict(common) | _task_settings(doc, task)
        n = _effective_n(doc, task)
        for name, value in scores.items():
            metric, comma, filt = str(name).partition(",")
            if not comma or metric.endswith("_stderr"):
                continue
            number = _number(value)
            if number is None:
                continue
            stderr = _number(scores.get(f"{metric}_stderr,{filt}"))
            unit.reported[(metric, filt)] = Reported(number, stderr, n)
            unit.keys.append((metric, filt))
        units.append(unit)
    return units


def problem_error(file: str, message: str) -> ReadError:
    return ReadError(problem(Kind.UNSUPPORTED, message, file))


def _template(text: object, sha: object) -> str:
    if not text:
        return "none"
    return f"applied ({str(sha)[:8]})" if isinstance(sha, str) and sha else "applied"


def _task_settings(doc: dict, task: str) -> dict[str, str]:
    out: dict[str, str] = {}
    n_shot = doc.get("n-shot")
    if isinstance(n_shot, dict) and task in n_shot:
        out["n-shot"] = short(n_shot[task])
    versions = doc.get("versions")
    if isinstance(versions, dict) and task in versions:
        out["task version"] = short(versions[task])
    configs = doc.get("configs")
    config = configs.get(task) if isinstance(configs, dict) else None
    if isinstance(config, dict):
        out |= flat("", config.get("generation_kwargs"))
        out |= {f"task {k}": short(v) for k, v in config.items()
                if k not in TASK_CONFIG_SKIP and v is not None}
    return out


def _effective_n(doc: dict, task: str) -> int | None:
    n = doc.get("n-samples")
    entry = n.get(task) if isinstance(n, dict) else None
    if isinstance(entry, dict):
        value = _number(entry.get("effective"))
        return int(value) if value is not None else None
    return None


class LineCount:
    """Sample lines read so far from one upload."""

    def __init__(self) -> None:
        self.lines = 0


def read_samples(member: Member, unit: Unit, count: LineCount | None = None) -> list[Problem]:
    """The per-item values of a samples file into `unit`; the problems found (a repeated doc_id
    for one filter refuses that filter of the file, naming the ids)."""
    count = count or LineCount()
    per_filter: dict[str, dict] = {}
    order: list[Key] = []
    odd: dict[str, int] = {}
    for line, sample in json_lines(member.data, member.path):
        count.lines += 1
        if count.lines > MAX_LINES:
            raise line_error(Kind.TOO_MANY_ROWS, f"The samples files hold more than "
                             f"{MAX_LINES:,} lines together; the app reads at most that many "
                             "from one upload. Upload fewer runs or tasks at a time.",
                             member.path, line)
        doc_id = sample.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, (int, str)):
            raise line_error(Kind.MISSING_COLUMN, f"Line {line:,} has no doc_id: it is not a "
                             "sample of lm-evaluation-harness.", member.path, line)
        filt = str(sample.get("filter", "none"))
        names = sample.get("metrics")
        if not isinstance(names, list):
            names = [k for k in sample if k not in SAMPLE_FIELDS]
        got = per_filter.get(filt)
        if got is None:
            got = per_filter[filt] = {"ids": [], "lines": [], "hashes": [], "values": {}}
        at = len(got["ids"])
        got["ids"].append(str(doc_id) if isinstance(doc_id, int) else scrub_text(doc_id))
        got["lines"].append(line)
        doc_hash = sample.get("doc_hash")
        got["hashes"].append(doc_hash if isinstance(doc_hash, str) else None)
        for metric in names:
            metric = str(metric)
            column = got["values"].get(metric)
            if column is None:
                column = got["values"][metric] = [math.nan] * at
                order.append((metric, filt))
            value = _number(sample.get(metric))
            if value is None:
                odd.setdefault(metric, line)
                value = math.nan
            column.append(value)
        for column in got["values"].values():
            if len(column) <= at:
                column.append(math.nan)
    problems: list[Problem] = []
    for filt, got in per_filter.items():
        ids = np.array(got["ids"], dtype=object)
        unique, counts = np.unique(ids, return_counts=True)
        if (counts > 1).any():
            repeated = unique[counts > 1].tolist()
            problems.append(problem(
                Kind.REPEATED_ITEM, f"doc_id {names_phrase(repeated)} appear(s) more than once "
                f"for the filter “{clip(filt)}”; each doc is scored once per filter. This filter "
                "of the file is not used.", member.path))
            continue
        lines = np.array(got["lines"], dtype=np.int64)
        hashes = np.array(got["hashes"], dtype=object)
        for metric, column in got["values"].items():
            unit.items[(metric, filt)] = ItemValues(ids, np.array(column, dtype=np.float64),
                                                    lines, hashes, member.path)
    for metric, line in odd.items():
        problems.append(problem(
            Kind.NOT_A_NUMBER, f"The metric “{clip(metric)}” is not a number on line {line:,} "
            "(the harness keeps some metrics' per-item values for a score over the whole "
            "task); items without a number are left out for it.", member.path, line,
            Effect.VALUE))
    for key in order:
        if key not in unit.keys:
            unit.keys.append(key)
    unit.samples_file = member.path
    return problems


def read_lm_eval(results: Sequence[Member], samples: Sequence[Member]) \
        -> tuple[list[Unit], list[Problem], list[str]]:
    """Units of the results files, with the items of their samples files (same folder, same
    date, a task of the results); the problems and notes."""
    units: list[Unit] = []
    problems: list[Problem] = []
    notes: list[str] = []
    by_place: dict[tuple[str, str, str], Unit] = {}
    for member in results:
        try:
            found = read_results(member)
        except ReadError as error:
            problems.append(error.problem)
            continue
        except Exception:  # noqa: BLE001 — one file's surprise must not cost the others
            problems.append(unexpected(member.path))
            continue
        units += found
        for unit in found:
            by_place[(member.folder, unit.date, unit.task)] = unit
    dates = {(folder, date) for folder, date, _ in by_place}
    count = LineCount()
    for member in samples:
        match = SAMPLES_NAME.fullmatch(member.name)
        task, date = match["task"], match["date"]
        unit = by_place.get((member.folder, date, task))
        if unit is None:
            same_folder = sorted(d for f, d in dates if f == member.folder)
            why = (f"no results_{clip(date)}.json beside it (the results files there are "
                   f"dated {names_phrase(same_folder, 4)})" if same_folder and
                   (member.folder, date) not in dates else
                   f"the results file of {clip(date)} has no task “{clip(task)}”"
                   if (member.folder, date) in dates else "no results file beside it")
            problems.append(problem(Kind.MISSING_COLUMN, f"This samples file has {why}: a "
                                    "samples file is read with the results file of the same "
                                    "run (same folder and date). Upload both.", member.path))
            continue
        try:
            problems += read_samples(member, unit, count)
        except ReadError as error:
            problems.append(error.problem)
        except Exception:  # noqa: BLE001
            unit.items.clear()
            problems.append(unexpected(member.path))
    missing = [u for u in units if u.samples_file is None]
    if missing:
        notes.append(f"{len(missing):,} task run(s) of lm-evaluation-harness have no samples "
                     f"file (e.g. {clip(missing[0].task)} in {clip(missing[0].file)}): their Δ "
                     "is unpaired, from the reported standard errors. Run lm-eval with "
                     "--log_samples for paired per-item Δ.")
    return units, problems, notes
