#!/usr/bin/env python3
"""Write a SYNTHETIC per-item results file shaped like the bundled figure.

Every outcome in the file is made up by a random generator: the file exists so that the per-item
features (intervals, significance) can be tried and benchmarked without real results. Nothing in it
was measured on any model.

The file has one row per model × dataset × item (× run): `model`, `dataset`, `item_id`,
`baseline`, `treatment` (0/1 outcomes) and, with --runs above 1, `run`. It covers the figure's
9 models × 7 datasets, and the true accuracy difference of each cell (treatment minus baseline, in
points) is the figure's Δ for that cell; the realised Δ differs from it by sampling noise, which
shrinks as --items grows. Baseline accuracies are invented (a level per dataset, an offset per
model), and the two arms of an item are positively correlated, as in real paired evaluations.

    python scripts/make_synthetic_items.py --items 200 -o data/examples/synthetic_per_item.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.core.figure import figure_table  # noqa: E402

DATASET_LEVEL = {"HotpotQA": 0.55, "CS-QA": 0.75, "AQUA": 0.65, "GSM8K": 0.82, "MATH": 0.55,
                 "GPQA": 0.38, "HumanEval": 0.70}
"""Invented baseline accuracy per dataset (unknown datasets get 0.6)."""
MODEL_OFFSET = {"LLaMA3.1-8B": -0.15, "LLaMA3.1-70B": 0.0, "Qwen2.5-7B": -0.08,
                "Qwen2.5-72B": 0.03, "Claude3.5": 0.06, "GPT-3.5": -0.10, "GPT-4o": 0.07,
                "QWQ-32B": 0.05, "DeepSeek-V3": 0.08}
"""Invented offset of each model's baseline accuracy from the dataset's level."""
COUPLING = 0.6
"""Share of items whose treatment outcome reuses the baseline's latent draw (pairs correlate)."""
RUN_KEEP = 0.8
"""With several runs: chance that a run reuses the item's latent draw rather than a fresh one."""


def cell_accuracies(delta_points: float, dataset: str, model: str) -> tuple[float, float]:
    """(baseline, treatment) accuracy of a cell, in [0.02, 0.98], differing by exactly Δ."""
    delta = delta_points / 100.0
    base = DATASET_LEVEL.get(dataset, 0.6) + MODEL_OFFSET.get(model, 0.0)
    base = float(np.clip(base, max(0.02, 0.02 - delta), min(0.98, 0.98 - delta)))
    return base, base + delta


def synthetic_items(items: int = 200, runs: int = 1, seed: int = 0) -> pa.Table:
    """The synthetic per-item table (see the module docstring), ordered model, dataset, item."""
    rng = np.random.default_rng(seed)
    cells = figure_table()
    models = list(dict.fromkeys(cells["model"]))
    datasets = list(dict.fromkeys(cells["dataset"]))
    deltas = {(m, d): v for m, d, v in zip(cells["model"], cells["dataset"], cells["delta"])}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("model", "dataset", "item", "b", "t",
                                                          "run")}
    for mi, model in enumerate(models):
        for di, dataset in enumerate(datasets):
            p_base, p_treat = cell_accuracies(deltas[(model, dataset)], dataset, model)
            latent = rng.random(items)
            for run in range(runs):
                u = latent if runs == 1 else np.where(rng.random(items) < RUN_KEEP, latent,
                                                       rng.random(items))
                v = np.where(rng.random(items) < COUPLING, u, rng.random(items))
                parts["b"].append((u < p_base).astype(np.int8))
                parts["t"].append((v < p_treat).astype(np.int8))
                parts["item"].append(np.arange(items, dtype=np.int32))
                parts["run"].append(np.full(items, run + 1, dtype=np.int8))
                parts["model"].append(np.full(items, mi, dtype=np.int32))
                parts["dataset"].append(np.full(items, di, dtype=np.int32))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    if runs > 1:  # rows ordered model, dataset, item, run
        order = np.lexsort((cat["run"], cat["item"], cat["dataset"], cat["model"]))
        cat = {k: v[order] for k, v in cat.items()}
    columns = {
        "model": pa.DictionaryArray.from_arrays(cat["model"], pa.array(models)),
        "dataset": pa.DictionaryArray.from_arrays(cat["dataset"], pa.array(datasets)),
        "item_id": cat["item"],
    }
    if runs > 1:
        columns["run"] = cat["run"]
    columns["baseline"] = cat["b"]
    columns["treatment"] = cat["t"]
    return pa.table(columns)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write `table` as plain CSV (no quoting: the names hold no commas or quotes)."""
    with path.open("wb") as f:
        f.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a SYNTHETIC per-item results CSV (made-up 0/1 outcomes) of the bundled "
                    "figure's shape: 9 models × 7 datasets, true Δ per cell = the figure's value.")
    parser.add_argument("--items", type=int, default=200, help="items per model × dataset (200)")
    parser.add_argument("--runs", type=int, default=1, help="runs per item; >1 adds a run column")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("-o", "--output", type=Path, default=Path("synthetic_per_item.csv"),
                        help="output path; its name must say 'synthetic'")
    args = parser.parse_args(argv)
    if "synthetic" not in args.output.name.lower():
        parser.error("the output file name must contain 'synthetic' (the data is made up)")
    if args.items < 1 or args.runs < 1:
        parser.error("--items and --runs must be at least 1")
    table = synthetic_items(args.items, args.runs, args.seed)
    write_csv(table, args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({table.num_rows:,} rows, {size / 1e6:.1f} MB, synthetic)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
