#!/usr/bin/env python3
"""Write SYNTHETIC output of lm-evaluation-harness and Inspect AI, laid out as the tools write it.

Every outcome is drawn by a random generator with a known true Δ: the files exist to try and test
the harness importers, and nothing in them was measured on any model.

- lm-evaluation-harness (v0.4.x, `lm-eval … --output_path out --log_samples`):
  `out/lm-eval/<model>/results_<date>.json` and `samples_<task>_<date>.jsonl` (or `.jsonl.gz`),
  one date per run; even tasks are multiple choice (`acc`, `acc_norm`, filter `none`), odd tasks
  generate (`exact_match`, filters `strict-match` and `flexible-extract`). Run r uses n-shot
  5·r, and its accuracy is the baseline's plus r × the true Δ.
- Inspect AI (`inspect eval … --log-format json` or `eval`): `out/inspect/<ts>_<task>_<id>.json`
  (the EvalLog whole) or `.eval` (a zip of header.json, samples/<id>_epoch_<n>.json,
  summaries.json, reductions.json, _journal/); run 0 is the plain `generate` solver, run r ≥ 1
  adds `chain_of_thought` (and, from r = 2, temperature 0.5·r); values C and I over epochs.

    python scripts/make_harness_logs.py -o /tmp/synthetic_harness --models 2 --tasks 3 --runs 2
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)
MODELS = ("EleutherAI/pythia-160m", "Qwen/Qwen2.5-0.5B", "meta-llama/Llama-3.2-1B")
BASE_ACCURACY = 0.55


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sanitize_model_name(name: str) -> str:
    """The harness's folder name for a model (lm_eval/utils.py)."""
    return re.sub(r"[\"<>:/\|\\?\*\[\]]+", "__", name)


def _outcomes(rng: np.random.Generator, docs: int, runs: int, delta: float) -> np.ndarray:
    """runs × docs 0/1 outcomes: one uniform draw per doc shared by the runs (paired), run r
    correct below the baseline accuracy plus r × delta (points)."""
    u = rng.random(docs)
    p = np.clip(BASE_ACCURACY + np.arange(runs)[:, None] * delta / 100.0, 0.0, 1.0)
    return (u[None, :] < p).astype(np.float64)


def _stderr(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


# --- lm-evaluation-harness ------------------------------------------------------------------------

def _lm_task(k: int) -> tuple[str, bool]:
    return (f"synth_mc_{k}", True) if k % 2 == 0 else (f"synth_gen_{k}", False)


def _lm_sample(doc_id: int, task: str, mc: bool, outcome: float, filt: str) -> dict:
    doc = {"question": f"Synthetic question {doc_id} of {task}?",
           "choices": ["alpha", "beta", "gamma", "delta"], "answer": doc_id % 4}
    context = f"Question: {doc['question']}\nAnswer:"
    if mc:
        target = doc["answer"]
        arguments = [[context, f" {c}"] for c in doc["choices"]]
        resps = [[[str(-1.0 - i * 0.1), "False"]] for i in range(4)]
        filtered = [[str(-1.0 - i * 0.1), "False"] for i in range(4)]
        metrics = {"acc": outcome, "acc_norm": outcome}
    else:
        target = doc["choices"][doc["answer"]]
        arguments = [[context, {"until": ["\n\n"], "do_sample": False}]]
        answer = target if outcome else "epsilon"
        resps = [[f" The answer is {answer}."]]
        filtered = [answer]
        metrics = {"exact_match": outcome}
    sample = {"doc_id": doc_id, "doc": doc, "target": target,
              "arguments": arguments, "resps": resps, "filtered_resps": filtered,
              "filter": filt, "metrics": list(metrics),
              "doc_hash": sha(json.dumps(doc, indent=2, ensure_ascii=False)),
              "prompt_hash": sha(context), "target_hash": sha(str(target))}
    sample.update(metrics)
    # as save_results_samples writes it: arguments as gen_args_i/arg_j, resps as text
    sample["arguments"] = {f"gen_args_{i}": {f"arg_{j}": a for j, a in enumerate(arg)}
                           for i, arg in enumerate(arguments)}
    sample["target"] = str(sample["target"])
    return sample


def write_lm_eval(root: Path, models: int = 2, tasks: int = 2, runs: int = 2, docs: int = 50,
                  seed: int = 0, delta: float = 10.0, gz: bool = False,
                  samples: bool = True) -> pd.DataFrame:
    """Write the output folder; the true outcomes: run, model, task, doc_id, filter, outcome."""
    rng = np.random.default_rng(seed)
    truth = []
    for m in range(models):
        model = MODELS[m % len(MODELS)] + ("" if m < len(MODELS) else f"-{m}")
        folder = root / sanitize_model_name(model)
        folder.mkdir(parents=True, exist_ok=True)
        outcomes = {k: _outcomes(rng, docs, runs, delta) for k in range(tasks)}
        for r in range(runs):
            when = START + timedelta(hours=r, minutes=m)
            date_id = when.replace(tzinfo=None).isoformat(timespec="microseconds") \
                .replace(":", "-")
            results, configs, task_samples = {}, {}, {}
            for k in range(tasks):
                task, mc = _lm_task(k)
                values = outcomes[k][r]
                filters = ("none",) if mc else ("strict-match", "flexible-extract")
                lines = [_lm_sample(i, task, mc, float(values[i]), f)
                         for f in filters for i in range(docs)]
                task_samples[task] = lines
                entry = {"alias": task}
                for f in filters:
                    for metric in (("acc", "acc_norm") if mc else ("exact_match",)):
                        entry[f"{metric},{f}"] = float(values.mean())
                        entry[f"{metric}_stderr,{f}"] = _stderr(values)
                results[task] = entry
                configs[task] = {
                    "task": task, "dataset_path": f"synthetic/{task}", "test_split": "test",
                    "doc_to_text": "Question: {{question}}\nAnswer:",
                    "doc_to_target": "{{answer}}", "description": "",
                    "target_delimiter": " ", "fewshot_delimiter": "\n\n",
                    "num_fewshot": 5 * r,
                    "metric_list": [{"metric": n, "aggregation": "mean",
                                     "higher_is_better": True}
                                    for n in (("acc", "acc_norm") if mc else ("exact_match",))],
                    "output_type": "multiple_choice" if mc else "generate_until",
                    "repeats": 1, "should_decontaminate": False, "metadata": {"version": 1.0},
                    **({} if mc else {"generation_kwargs": {"until": ["\n\n"],
                                                            "do_sample": False}}),
                }
                for f in filters:
                    truth += [(r, model, task, i, f, float(values[i])) for i in range(docs)]
            doc = {
                "results": results,
                "group_subtasks": {t: [] for t in results},
                "configs": configs,
                "versions": {t: 1.0 for t in results},
                "n-shot": {t: 5 * r for t in results},
                "higher_is_better": {t: {n.split(",")[0]: True for n in e if "," in n
                                         and "_stderr" not in n} for t, e in results.items()},
                "n-samples": {t: {"original": docs, "effective": docs} for t in results},
                "config": {"model": "hf", "model_args": f"pretrained={model},dtype=bfloat16",
                           "model_num_parameters": 160_000_000, "model_dtype": "torch.bfloat16",
                           "model_revision": "main", "model_sha": "0" * 40,
                           "batch_size": "8", "batch_sizes": [], "device": "cuda:0",
                           "use_cache": None, "limit": None, "bootstrap_iters": 100000,
                           "gen_kwargs": None, "random_seed": 0, "numpy_seed": 1234,
                           "torch_seed": 1234, "fewshot_seed": 1234},
                "git_hash": "1a2b3c4", "date": when.timestamp(),
                "pretty_env_info": "synthetic", "transformers_version": "4.48.0",
                "upper_git_hash": None,
                "task_hashes": {t: sha("".join(s["doc_hash"] + s["prompt_hash"] +
                                               s["target_hash"] for s in task_samples[t]))
                                for t in results} if samples else {},
                "model_source": "hf", "model_name": model,
                "model_name_sanitized": sanitize_model_name(model),
                "system_instruction": None, "system_instruction_sha": None,
                "fewshot_as_multiturn": False, "chat_template": None, "chat_template_sha": None,
                "start_time": 1000.0 + r, "end_time": 2000.0 + r,
                "total_evaluation_time_seconds": "1000.0",
            }
            (folder / f"results_{date_id}.json").write_text(
                json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
            if not samples:
                continue
            for task, lines in task_samples.items():
                text = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in lines)
                name = folder / f"samples_{task}_{date_id}.jsonl"
                if gz:
                    Path(f"{name}.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
                else:
                    name.write_text(text, encoding="utf-8")
    return pd.DataFrame(truth, columns=["run", "model", "task", "doc_id", "filter", "outcome"])


# --- Inspect AI -----------------------------------------------------------------------------------

def _inspect_steps(r: int) -> tuple[list[dict], dict]:
    steps = [{"solver": "generate", "params": {}}]
    if r >= 1:
        steps.insert(0, {"solver": "chain_of_thought", "params": {}})
    config = {"temperature": 0.5 * r} if r >= 2 else {}
    return steps, config


def write_inspect(root: Path, models: int = 2, tasks: int = 2, runs: int = 2,
                  samples: int = 40, epochs: int = 1, seed: int = 0, delta: float = 10.0,
                  log_format: str = "json") -> pd.DataFrame:
    """Write one log per run × model × task; the true outcomes: run, model, task, id, outcome
    (the mean over epochs)."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    truth = []
    for m in range(models):
        model = "hf/" + MODELS[m % len(MODELS)]
        for k in range(tasks):
            task = f"synth_task_{k}"
            draws = [_outcomes(rng, samples, runs, delta) for _ in range(epochs)]
            for r in range(runs):
                when = START + timedelta(hours=r, minutes=10 * m + k)
                eval_id = sha(f"{m}-{k}-{r}-{seed}")[:22]
                steps, config = _inspect_steps(r)
                per_epoch = np.array([d[r] for d in draws])  # epochs × samples
                mean = per_epoch.mean(axis=0)
                truth += [(r, model, task, str(i + 1), float(mean[i])) for i in range(samples)]
                log_samples = [_inspect_sample(i + 1, e + 1, per_epoch[e, i])
                               for e in range(epochs) for i in range(samples)]
                header = _inspect_header(model, task, when, eval_id, steps, config, samples,
                                         epochs, per_epoch)
                stamp = when.isoformat(timespec="seconds").replace(":", "-")
                name = root / f"{stamp}_{task}_{eval_id}.{log_format}"
                if log_format == "json":
                    name.write_text(json.dumps(header | {"samples": log_samples}, indent=2),
                                    encoding="utf-8")
                else:
                    name.write_bytes(_eval_zip(header, log_samples))
    return pd.DataFrame(truth, columns=["run", "model", "task", "id", "outcome"])


def _inspect_sample(sample_id: int, epoch: int, value: float) -> dict:
    answer = "A" if value else "B"
    return {"id": sample_id, "epoch": epoch, "input": f"Synthetic question {sample_id}?",
            "choices": [], "target": "A",
            "messages": [{"role": "user", "content": f"Synthetic question {sample_id}?",
                          "source": "input"},
                         {"role": "assistant", "content": answer, "source": "generate"}],
            "output": {"model": "synthetic", "choices": [{"message": {
                "role": "assistant", "content": answer}, "stop_reason": "stop"}],
                "completion": answer},
            "scores": {"match": {"value": "C" if value else "I", "answer": answer,
                                 "explanation": answer, "history": []}},
            "metadata": {}, "store": {}, "events": [], "model_usage": {},
            "uuid": sha(f"{sample_id}-{epoch}-{value}")[:22], "attachments": {}}


def _inspect_header(model: str, task: str, when: datetime, eval_id: str, steps: list,
                    config: dict, samples: int, epochs: int, per_epoch: np.ndarray) -> dict:
    values = per_epoch.mean(axis=0)
    return {
        "version": 2, "status": "success",
        "eval": {"eval_id": eval_id, "run_id": eval_id[::-1], "created": when.isoformat(),
                 "task": task, "task_id": eval_id[:12], "task_version": 0,
                 "task_file": f"{task}.py", "task_registry_name": task, "task_attribs": {},
                 "task_args": {}, "task_args_passed": {}, "solver_args_passed": {},
                 "dataset": {"name": task, "location": f"{task}.jsonl", "samples": samples,
                             "sample_ids": list(range(1, samples + 1)), "shuffled": False},
                 "model": model, "model_generate_config": config, "model_args": {},
                 "config": {"epochs": epochs, "epochs_reducer": ["mean"],
                            "fail_on_error": True, "log_samples": True},
                 "packages": {"inspect_ai": "0.3.260"},
                 "scorers": [{"name": "match", "options": {}, "metrics": [
                     {"name": "inspect_ai/accuracy", "options": {}},
                     {"name": "inspect_ai/stderr", "options": {}}]}]},
        "plan": {"name": "plan", "steps": steps, "config": config},
        "results": {"total_samples": samples * epochs, "completed_samples": samples * epochs,
                    "scores": [{"name": "match", "scorer": "match", "scored_samples": samples,
                                "unscored_samples": 0, "params": {}, "metrics": {
                                    "accuracy": {"name": "accuracy",
                                                 "value": float(values.mean()), "params": {}},
                                    "stderr": {"name": "stderr", "value": _stderr(values),
                                               "params": {}}}}]},
        "stats": {"started_at": when.isoformat(), "completed_at": when.isoformat(),
                  "model_usage": {}},
    }


def _eval_zip(header: dict, samples: list[dict]) -> bytes:
    """The .eval layout of Inspect's eval recorder."""
    sink = io.BytesIO()
    summaries = [{k: s[k] for k in ("id", "epoch", "input", "target", "scores", "uuid")}
                 for s in samples]
    by_id: dict[int, list[float]] = {}
    for s in samples:
        by_id.setdefault(s["id"], []).append(1.0 if s["scores"]["match"]["value"] == "C"
                                             else 0.0)
    reductions = [{"scorer": "match", "reducer": "mean", "samples": [
        {"value": float(np.mean(v)), "sample_id": i} for i, v in by_id.items()]}]
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_journal/start.json", json.dumps(
            {"version": 2, "eval": header["eval"], "plan": header["plan"]}))
        for s in samples:
            archive.writestr(f"samples/{s['id']}_epoch_{s['epoch']}.json", json.dumps(s))
        archive.writestr("_journal/summaries/1.json", json.dumps(summaries))
        archive.writestr("summaries.json", json.dumps(summaries))
        archive.writestr("reductions.json", json.dumps(reductions))
        archive.writestr("header.json", json.dumps(header))
    return sink.getvalue()


# --- archives ----------------------------------------------------------------------------------

def zip_folder(folder: Path) -> bytes:
    """The folder as a .zip archive, paths relative to its parent (as a user zips it)."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return sink.getvalue()


def tar_gz_folder(folder: Path) -> bytes:
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return sink.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--models", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--docs", type=int, default=100, help="docs (samples) per task")
    parser.add_argument("--epochs", type=int, default=1, help="Inspect AI epochs")
    parser.add_argument("--delta", type=float, default=10.0, help="true Δ per run, in points")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gz", action="store_true", help="gzip the samples files")
    parser.add_argument("--log-format", choices=("json", "eval"), default="json")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.docs < 1 or args.models < 1 or args.tasks < 1:
        parser.error("models, tasks, runs and docs must be at least 1")
    write_lm_eval(args.out / "lm-eval", args.models, args.tasks, args.runs, args.docs,
                  args.seed, args.delta, args.gz)
    write_inspect(args.out / "inspect", args.models, args.tasks, args.runs, args.docs,
                  args.epochs, args.seed, args.delta, args.log_format)
    print(f"wrote synthetic harness output to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
