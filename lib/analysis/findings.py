"""Observations computed from a contract table, each with the numbers and the points behind it.

Every sentence is generated from the table: nothing here knows the bundled figure's values. Each
row of the table is one point (one model on one dataset). Where the table carries `ci_low`/
`ci_high` and `significant` (per-item uploads), findings about single points say whether the
point's interval excludes 0 and whether it is significant after correction (first saying when
the cell has too few items to tell), and counts say how many are significant; everything works
without those columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.analysis.evidence import TOO_SMALL_LABEL, EvidenceWords, caveats, evidence_words
from lib.core import schema
from lib.core.families import size_pairs
from lib.core.figure import category_order, dataset_order, model_order
from lib.core.text import escape_markdown
from lib.core.wording import Quote, count_of, names, number, percent, share_text, signed
from lib.ingest.items.cells import TOO_SMALL

TIE_ATOL = 1e-9
"""Two Δ values closer than this are tied."""
DETAIL_ROWS = 5
"""How many of the highest (lowest) points the gain (drop) finding lists, ties at the cut kept."""

LISTED_PAIRS = 4
"""How many family pairs the scale sentence names (the table lists them all)."""

DETAIL_LABELS: dict[str, str] = {
    "model": "Model", "dataset": "Dataset", "category": "Category", "delta": "Δ", "rank": "Rank",
    "leaders": "Leader(s)", "tied": "Models tied", "ci_low": "CI low", "ci_high": "CI high",
    "p_adjusted": "p (corrected)", "significant": "Significant (corrected)", "above": "Above",
    "at": "At", "below": "Below", "points": "Points", "share_above": "Share above",
    "direction": "Direction", "share_same_way": "Share same way", "qualifies": "Nearly all",
    "significant_same_way": "Of them, significant", "models": "Models",
    "mean_delta": "Mean Δ", "smaller": "Smaller model", "larger": "Larger model",
    "delta_smaller": "Δ smaller", "delta_larger": "Δ larger", "difference": "Difference",
    "higher": "Higher Δ", "scope": "Scope", "above_significant": "Above, significant",
    "below_significant": "Below, significant", "sd": "SD", "min": "Min", "max": "Max",
    "mean": "Mean Δ", TOO_SMALL: TOO_SMALL_LABEL,
}
"""Display names for the columns of the findings' detail tables (see `detail_labels`)."""


def detail_labels(frame: pd.DataFrame) -> dict[str, str]:
    """`DETAIL_LABELS`, with the interval named with its level and significance with its
    correction, as `frame` (a detail table, which keeps its source table's attrs) records them."""
    words = evidence_words(frame)
    return {**DETAIL_LABELS, "ci_low": f"{words.ci} low", "ci_high": f"{words.ci} high",
            "p_adjusted": f"p {words.corrected}",
            "significant": f"Significant {words.corrected}"}


UNCHANGED_TOLERANCE = 1.0
"""The app's one default for "unchanged": a |Δ| of at most 1 point. The bundled figure's values
are read off a published plot to about ±0.5 point each, so the difference of two such readings
is only good to about ±1; a smaller move is not a change the figure can show. Profiles and
Findings both start from it (each page lets the reader change it)."""


@dataclass(frozen=True)
class Thresholds:
    """The judgement calls behind the findings, shown on the page as widgets."""

    tolerance: float = UNCHANGED_TOLERANCE
    """|Δ| at or below this counts as unchanged (at the baseline)."""
    nearly_all: float = 0.8
    """Share of a dataset's models that counts as "nearly all" moving the same way."""


def unchanged_text(tolerance: float) -> str:
    """What counts as unchanged, in words."""
    if tolerance == 0:
        return "only a Δ of exactly 0 counts as unchanged"
    return f"a Δ within ±{number(tolerance)} counts as unchanged"


@dataclass(frozen=True)
class Point:
    """One point of the table a finding singles out."""

    model: str
    dataset: str
    delta: float
    significant: bool | None = None
    """Significant after correction (`significant`), else whether its interval excludes 0;
    None when the table has neither."""
    note: str = ""
    """What the table says about it: "its interval excludes 0; significant after correction"."""


@dataclass(frozen=True)
class Finding:
    """One observation: a title, a sentence made from the numbers, the numbers, the points."""

    key: str
    title: str
    statement: str
    """The sentence as plain text."""
    markdown: str
    """The same sentence for Markdown, every name from the table escaped."""
    numbers: dict[str, object]
    """The headline numbers behind the sentence."""
    detail: pd.DataFrame
    """The table behind the sentence (one row per dataset, category, model, ...)."""
    points: tuple[Point, ...] = field(default=())
    """The individual points the finding singles out (empty when it is about aggregates)."""


Say = Callable[[Quote], str]


def _finding(key: str, title: str, say: Say, numbers: dict[str, object], detail: pd.DataFrame,
             points: tuple[Point, ...] = ()) -> Finding:
    """A Finding whose sentence is rendered twice: plain, and with names Markdown-escaped."""
    return Finding(key=key, title=title, statement=say(str), markdown=say(escape_markdown),
                   numbers=numbers, detail=detail.reset_index(drop=True), points=points)


def clean(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with a finite Δ."""
    finite = np.isfinite(table[schema.DELTA].to_numpy(dtype="float64"))
    return table.loc[finite].reset_index(drop=True)


def significance(table: pd.DataFrame) -> pd.Series | None:
    """Per row: True if significant, False if not, None if unknown; None for a table without
    intervals. Uses `significant` (corrected across cells) where present, else the interval."""
    if schema.SIGNIFICANT in table.columns:
        values = [None if pd.isna(v) else bool(v) for v in table[schema.SIGNIFICANT]]
        return pd.Series(values, index=table.index, dtype=object)
    if schema.CI_LOW in table.columns and schema.CI_HIGH in table.columns:
        values = [None if pd.isna(lo) or pd.isna(hi) else bool(lo > 0 or hi < 0)
                  for lo, hi in zip(table[schema.CI_LOW], table[schema.CI_HIGH])]
        return pd.Series(values, index=table.index, dtype=object)
    return None


def significance_words(table: pd.DataFrame, verb: bool = False) -> str:
    """How the table's significance reads in a sentence ("significant after Holm correction",
    or "with 95% intervals excluding 0"); with `verb`, as a predicate ("are ...", "have ...")."""
    words = evidence_words(table)
    if schema.SIGNIFICANT in table.columns:
        return f"{'are ' if verb else ''}significant {words.corrected}"
    return (f"have {words.interval}s excluding 0" if verb
            else f"with {words.interval}s excluding 0")


def point_note(row: dict | pd.Series, words: EvidenceWords) -> str:
    """What a row's interval and significance say, in words ("" without either), after what
    qualifies them: "too few items to tell; its 95% interval includes 0; not significant after
    Holm correction"."""
    parts = caveats(row)
    if pd.notna(row.get(schema.CI_LOW)) and pd.notna(row.get(schema.CI_HIGH)):
        parts.append(f"its {words.excludes_zero(row[schema.CI_LOW] > 0 or row[schema.CI_HIGH] < 0)}")
    if pd.notna(row.get(schema.SIGNIFICANT)):
        parts.append(words.significant(bool(row[schema.SIGNIFICANT])))
    return "; ".join(parts)


def points_of(rows: pd.DataFrame) -> tuple[Point, ...]:
    """The rows as Points, with their significance where the table has it."""
    sig = significance(rows)
    flags = [None] * len(rows) if sig is None else list(sig)
    words = evidence_words(rows)
    return tuple(
        Point(model=str(r[schema.MODEL]), dataset=str(r[schema.DATASET]),
              delta=float(r[schema.DELTA]), significant=flag, note=point_note(r, words))
        for r, flag in zip(rows.to_dict("records"), flags)
    )


def direction(delta: pd.Series, tolerance: float = 0.0) -> pd.Series:
    """"above", "at" or "below" the baseline per value, |Δ| ≤ tolerance counting as "at"."""
    out = np.where(delta > tolerance, "above", np.where(delta < -tolerance, "below", "at"))
    return pd.Series(out, index=delta.index, dtype=object)


def _where(points: tuple[Point, ...], quote: Quote) -> str:
    """"A and B on D1; C on D2", or per point with its significance when the table has it."""
    if any(p.note for p in points):
        return "; ".join(f"{quote(p.model)} on {quote(p.dataset)}"
                         + (f" ({p.note})" if p.note else "") for p in points)
    by_dataset: dict[str, list[str]] = {}
    for p in points:
        by_dataset.setdefault(p.dataset, []).append(p.model)
    return "; ".join(f"{names(models, quote)} on {quote(ds)}" for ds, models in by_dataset.items())


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in the figure's dataset order, then model order (stable for display and ties)."""
    ds_rank = {d: i for i, d in enumerate(dataset_order(table))}
    m_rank = {m: i for i, m in enumerate(model_order(table))}
    key = table[schema.DATASET].map(ds_rank) * (len(m_rank) + 1) + table[schema.MODEL].map(m_rank)
    return table.assign(_key=key).sort_values("_key", kind="stable").drop(columns="_key")


def _detail_columns(rows: pd.DataFrame) -> list[str]:
    """Model, dataset, Δ, plus the interval columns and the too-small flag the table carries."""
    extra = [c for c in (schema.CI_LOW, schema.CI_HIGH, schema.P_ADJUSTED, schema.SIGNIFICANT,
                         TOO_SMALL) if c in rows.columns]
    return [schema.MODEL, schema.DATASET, schema.DELTA] + extra


# --- dataset dependence -------------------------------------------------------------------------

def dataset_leaders(table: pd.DataFrame) -> Finding:
    """Which model has the largest Δ on each dataset (ties: every tied model leads), and how
    many distinct models lead somewhere."""
    t = _ordered(clean(table))
    rows, leads, led = [], [], {}
    for ds in dataset_order(t):
        sub = t[t[schema.DATASET] == ds]
        top = sub[schema.DELTA].max()
        tied = sub[np.isclose(sub[schema.DELTA], top, rtol=0, atol=TIE_ATOL)]
        leads.append(tied)
        for m in dict.fromkeys(tied[schema.MODEL]):
            led[m] = led.get(m, 0) + 1
        rows.append({"dataset": ds, "leaders": ", ".join(dict.fromkeys(tied[schema.MODEL])),
                     "delta": float(top), "tied": int(tied[schema.MODEL].nunique())})
    n_ds = len(rows)
    most = max(led.values())
    most_leading = [m for m in model_order(t) if led.get(m) == most]
    everywhere = [m for m in most_leading if most == n_ds]
    tied_datasets = sum(r["tied"] > 1 for r in rows)

    def say(q: Quote) -> str:
        if n_ds == 1:
            return (f"Only one dataset ({q(rows[0]['dataset'])}) is present; "
                    f"{names(most_leading, q)} {'has' if len(most_leading) == 1 else 'share'} "
                    f"the largest Δ there ({signed(rows[0]['delta'])}).")
        if everywhere:
            verb = "has" if len(everywhere) == 1 else "share"
            return (f"{names(everywhere, q)} {verb} the largest Δ on every one of the {n_ds} "
                    f"datasets, so the lead does not depend on the dataset.")
        ties = (f"; {tied_datasets} of the {n_ds} datasets have a tie at the top"
                if tied_datasets else "")
        return (f"{len(led)} different models have the largest Δ on at least one of the {n_ds} "
                f"datasets, so no single model leads everywhere; {names(most_leading, q)} "
                f"{'leads' if len(most_leading) == 1 else 'each lead'} on the most, "
                f"{count_of(most, n_ds)}{ties}.")

    numbers = {"datasets": n_ds, "distinct_leaders": len(led), "most_leads": most,
               "most_leading": tuple(most_leading), "tied_datasets": tied_datasets,
               "leads": dict(led)}
    points = points_of(pd.concat(leads)) if leads else ()
    return _finding("leaders", "Dataset dependence: who leads where", say, numbers,
                    pd.DataFrame(rows), points)


# --- largest gains and drops --------------------------------------------------------------------

def _extreme(table: pd.DataFrame, gain: bool, tolerance: float) -> Finding:
    t = _ordered(clean(table))
    value = t[schema.DELTA].max() if gain else t[schema.DELTA].min()
    tied = t[np.isclose(t[schema.DELTA], value, rtol=0, atol=TIE_ATOL)]
    points = points_of(tied)
    ranked = t.sort_values(schema.DELTA, ascending=not gain, kind="stable")
    cut = ranked[schema.DELTA].iloc[min(DETAIL_ROWS, len(ranked)) - 1]
    keep = ranked[schema.DELTA] >= cut if gain else ranked[schema.DELTA] <= cut
    detail = ranked.loc[keep, _detail_columns(ranked)].copy()
    ranks = detail[schema.DELTA].rank(ascending=not gain, method="min").astype(int)
    detail.insert(0, "rank", ranks)
    word, side = ("gain", "above") if gain else ("drop", "below")
    exists = value > tolerance if gain else value < -tolerance

    def say(q: Quote) -> str:
        where = _where(points, q)
        if not exists:
            extreme = "highest" if gain else "lowest"
            return (f"No point lies {side} the baseline; the {extreme} Δ is {signed(value)} "
                    f"({where}).")
        if len(points) == 1:
            return f"The largest {word} is {signed(value)}: {where}."
        return (f"The largest {word}, {signed(value)}, is shared by {len(points)} points: "
                f"{where}.")

    numbers = {"value": float(value), "count": len(points), "exists": bool(exists),
               "significant": tuple(p.significant for p in points)}
    key, title = ("gains", "Largest gains") if gain else ("drops", "Largest drops")
    return _finding(key, title, say, numbers, detail, points)


def largest_gains(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """The highest Δ and every point tied at it (or, with no gain at all, the highest Δ)."""
    return _extreme(table, gain=True, tolerance=tolerance)


def largest_drops(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """The lowest Δ and every point tied at it (or, with no drop at all, the lowest Δ)."""
    return _extreme(table, gain=False, tolerance=tolerance)


# --- datasets where (nearly) all models move the same way ---------------------------------------

def direction_counts(table: pd.DataFrame, by: str, tolerance: float = 0.0) -> pd.DataFrame:
    """Points above, at and below the baseline per value of `by`, with totals and share above."""
    t = clean(table)
    order = {schema.DATASET: dataset_order, schema.MODEL: model_order,
             schema.CATEGORY: category_order}[by](t)
    counts = (pd.crosstab(t[by], direction(t[schema.DELTA], tolerance))
              .reindex(index=order, columns=["above", "at", "below"], fill_value=0))
    counts = counts.astype(int)
    counts["points"] = counts.sum(axis=1)
    counts["share_above"] = counts["above"] / counts["points"]
    counts.index.name = by
    counts.columns.name = None
    return counts.reset_index()


def same_direction(table: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> Finding:
    """Datasets where at least `nearly_all` of the points lie on one side of the baseline."""
    t = clean(table)
    counts = direction_counts(t, schema.DATASET, thresholds.tolerance)
    up, down = counts["above"] / counts["points"], counts["below"] / counts["points"]
    counts["direction"] = np.where(down > up, "below", "above")
    counts["share_same_way"] = np.maximum(up, down)
    counts["qualifies"] = counts["share_same_way"] >= thresholds.nearly_all - TIE_ATOL
    sig = significance(t)
    dirs = direction(t[schema.DELTA], thresholds.tolerance)
    if sig is not None:
        counts["significant_same_way"] = [
            int(sum(bool(s) for s in sig[(t[schema.DATASET] == ds) & (dirs == d)]))
            for ds, d in zip(counts[schema.DATASET], counts["direction"])]
    hits = counts[counts["qualifies"]]
    n_ds = len(counts)
    one_sided = set(zip(hits[schema.DATASET], hits["direction"]))
    concerned = t[[(ds, d) in one_sided for ds, d in zip(t[schema.DATASET], dirs)]]
    level = share_text(thresholds.nearly_all)

    def one(r: pd.Series, q: Quote) -> str:
        moved = r[r["direction"]]
        where = "above" if r["direction"] == "above" else "below"
        text = f"{q(r[schema.DATASET])} ({count_of(moved, r['points'])} {where} the baseline"
        if "significant_same_way" in r:
            text += f", {r['significant_same_way']} of them {significance_words(t)}"
        return text + ")"

    def say(q: Quote) -> str:
        if hits.empty:
            best = counts.loc[counts["share_same_way"].idxmax()]
            return (f"On none of the {n_ds} datasets do at least {level} of the models move the "
                    f"same way; the most one-sided is {one(best, q)}.")
        listed = "; ".join(one(r, q) for _, r in hits.iterrows())
        return (f"On {count_of(len(hits), n_ds)} datasets at least {level} of the models move "
                f"the same way: {listed}.")

    numbers = {"datasets": len(hits), "of": n_ds, "nearly_all": thresholds.nearly_all,
               "which": tuple(hits[schema.DATASET]),
               "counts": {r[schema.DATASET]: (int(r[r["direction"]]), int(r["points"]),
                                              r["direction"]) for _, r in hits.iterrows()}}
    return _finding("same_direction", "Datasets where (nearly) all models move the same way",
                    say, numbers, counts, points_of(_ordered(concerned)))


# --- category trends ----------------------------------------------------------------------------

def category_trends(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """Mean Δ and share of points above the baseline per category (the legend's groups)."""
    t = clean(table)
    counts = direction_counts(t, schema.CATEGORY, tolerance)
    grouped = t.groupby(schema.CATEGORY, sort=False)
    counts.insert(1, "models", counts[schema.CATEGORY].map(grouped[schema.MODEL].nunique()))
    counts.insert(2, "mean_delta", counts[schema.CATEGORY].map(grouped[schema.DELTA].mean()))
    best = counts.loc[counts["mean_delta"].idxmax()]
    worst = counts.loc[counts["mean_delta"].idxmin()]

    def part(r: pd.Series) -> str:
        return f"{signed(r['mean_delta'])}, {percent(r['above'], r['points'])} of its points above"

    def say(q: Quote) -> str:
        if len(counts) == 1:
            return (f"All points are in one category, {q(best[schema.CATEGORY])}: mean Δ "
                    f"{signed(best['mean_delta'])}, {percent(best['above'], best['points'])} "
                    f"of the points above the baseline.")
        if np.isclose(best["mean_delta"], worst["mean_delta"], rtol=0, atol=TIE_ATOL):
            return (f"All {len(counts)} categories have the same mean Δ, "
                    f"{signed(best['mean_delta'])}.")
        return (f"{q(best[schema.CATEGORY])} has the highest mean Δ ({part(best)}) and "
                f"{q(worst[schema.CATEGORY])} the lowest ({part(worst)}).")

    numbers = {"categories": len(counts), "highest": best[schema.CATEGORY],
               "lowest": worst[schema.CATEGORY],
               "means": dict(zip(counts[schema.CATEGORY], counts["mean_delta"])),
               "above": dict(zip(counts[schema.CATEGORY], counts["above"])),
               "points": dict(zip(counts[schema.CATEGORY], counts["points"]))}
    return _finding("categories", "Category trends", say, numbers, counts)


# --- scale within a family ----------------------------------------------------------------------

def scale_comparisons(table: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """One row per (smaller, larger) family pair × shared dataset: both Δ and who is higher."""
    t = clean(table)
    grid = t.pivot_table(index=schema.MODEL, columns=schema.DATASET, values=schema.DELTA,
                         aggfunc="mean")
    rows, datasets = [], dataset_order(t)
    for small, large in size_pairs(model_order(t)):
        for ds in datasets:
            a, b = grid.at[small, ds], grid.at[large, ds]
            if pd.isna(a) or pd.isna(b):
                continue
            diff = float(b - a)
            result = "larger" if diff > tolerance else "smaller" if diff < -tolerance else "tie"
            rows.append({"smaller": small, "larger": large, "dataset": ds, "delta_smaller": a,
                         "delta_larger": b, "difference": diff, "higher": result})
    columns = ["smaller", "larger", "dataset", "delta_smaller", "delta_larger", "difference",
               "higher"]
    return pd.DataFrame(rows, columns=columns)


def scale_within_family(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """On how many shared datasets the larger model of a family has the larger Δ."""
    comp = scale_comparisons(table, tolerance)
    n = len(comp)
    wins = int((comp["higher"] == "larger").sum())
    losses = int((comp["higher"] == "smaller").sum())
    ties = n - wins - losses
    per_pair = [(s, l, int((g["higher"] == "larger").sum()), len(g))
                for (s, l), g in comp.groupby(["smaller", "larger"], sort=False)]
    exceptions = comp[comp["higher"] != "larger"]
    pairs_out = {(m, r.dataset) for r in exceptions.itertuples() for m in (r.smaller, r.larger)}
    t = clean(table)
    concerned = t[[(m, d) in pairs_out for m, d in zip(t[schema.MODEL], t[schema.DATASET])]]

    def say(q: Quote) -> str:
        if n == 0:
            return ("No model family appears in two sizes on a shared dataset, so the effect "
                    "of scale cannot be checked here.")
        pairs = "; ".join(f"{q(s)} vs {q(l)}: {count_of(w, k)}"
                          for s, l, w, k in per_pair[:LISTED_PAIRS])
        if len(per_pair) > LISTED_PAIRS:
            pairs += f"; and {len(per_pair) - LISTED_PAIRS} more pairs"
        tie_note = f", {ties} equal within the tolerance" if ties else ""
        if wins == n:
            verdict = "bigger is better on every comparison here"
        elif wins > n / 2:
            verdict = "bigger is better more often than not, but not uniformly"
        elif losses == n:
            verdict = "the smaller model has the larger Δ every time"
        else:
            verdict = "bigger is not better more often than not"
        return (f"The larger model of a family has the larger Δ on {count_of(wins, n)} "
                f"comparisons ({pairs}){tie_note}, so {verdict}.")

    numbers = {"comparisons": n, "larger_higher": wins, "smaller_higher": losses, "ties": ties,
               "pairs": {(s, l): (w, k) for s, l, w, k in per_pair}}
    return _finding("scale", "Scale within a family", say, numbers, comp,
                    points_of(_ordered(concerned)))


# --- above, at and below the baseline -----------------------------------------------------------

def _share_row(label: str, dirs: pd.Series, sig: pd.Series | None) -> dict[str, object]:
    row: dict[str, object] = {"scope": label}
    row.update({side: int((dirs == side).sum()) for side in ("above", "at", "below")})
    row["points"] = len(dirs)
    row["share_above"] = row["above"] / row["points"] if row["points"] else np.nan
    if sig is not None:
        row["above_significant"] = int(sum(bool(s) for s in sig[dirs == "above"]))
        row["below_significant"] = int(sum(bool(s) for s in sig[dirs == "below"]))
    return row


def most_negative_dataset(table: pd.DataFrame) -> tuple[str, float]:
    """The dataset with the lowest mean Δ (the first in order on a tie) and that mean."""
    t = clean(table)
    means = t.groupby(schema.DATASET, sort=False)[schema.DELTA].mean().reindex(dataset_order(t))
    return str(means.idxmin()), float(means.min())


def baseline_share(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """Points above, at and below the baseline, overall and without the most negative dataset."""
    t = clean(table)
    dirs, sig = direction(t[schema.DELTA], tolerance), significance(t)
    worst, worst_mean = most_negative_dataset(t)
    keep = t[schema.DATASET] != worst
    all_row = _share_row("all datasets", dirs, sig)
    rest_row = _share_row(f"without {worst}", dirs[keep],
                          None if sig is None else sig[keep])
    single = t[schema.DATASET].nunique() == 1
    detail = pd.DataFrame([all_row] if single else [all_row, rest_row])
    at_word = "at it" if tolerance == 0 else f"within {number(tolerance)} of it"

    def say(q: Quote) -> str:
        a, n = all_row["above"], all_row["points"]
        majority = ("a majority" if a > n / 2 else "fewer than half")
        text = (f"{count_of(a, n)} points ({percent(a, n)}) lie above the baseline, "
                f"{all_row['at']} {at_word} and {all_row['below']} below, so {majority} "
                f"lie above")
        if sig is not None:
            text += (f"; {all_row['above_significant']} of those above and "
                     f"{all_row['below_significant']} of those below "
                     f"{significance_words(t, verb=True)}")
        if not single:
            a2, n2 = rest_row["above"], rest_row["points"]
            text += (f"; without {q(worst)}, the dataset with the lowest mean Δ "
                     f"({signed(worst_mean)}), {count_of(a2, n2)} ({percent(a2, n2)}) lie above")
        return text + "."

    numbers = {"above": all_row["above"], "at": all_row["at"], "below": all_row["below"],
               "points": all_row["points"],
               "majority_above": all_row["above"] > all_row["points"] / 2,
               "without": None if single else worst, "worst_mean": worst_mean,
               "above_without": None if single else rest_row["above"],
               "points_without": None if single else rest_row["points"]}
    return _finding("baseline", "Above, at and below the baseline", say, numbers, detail)


# --- volatility ---------------------------------------------------------------------------------

def spread_by_model(table: pd.DataFrame) -> pd.DataFrame:
    """Per model with two or more points: SD (n-1) of Δ across datasets, min, max, mean, count,
    from the most to the least volatile."""
    t = clean(table)
    g = t.groupby(schema.MODEL, sort=False)[schema.DELTA]
    out = pd.DataFrame({"points": g.size(), "sd": g.std(ddof=1), "min": g.min(), "max": g.max(),
                        "mean": g.mean()}).reindex(model_order(t))
    out = out[out["points"] >= 2]
    out.index.name = schema.MODEL
    out = out.reset_index().sort_values("sd", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def volatility(table: pd.DataFrame) -> Finding:
    """The most and the least volatile models: the spread (SD) of Δ across datasets."""
    t = clean(table)
    spread = spread_by_model(t)
    top = spread[np.isclose(spread["sd"], spread["sd"].max(), rtol=0, atol=TIE_ATOL)] \
        if len(spread) else spread
    low = spread[np.isclose(spread["sd"], spread["sd"].min(), rtol=0, atol=TIE_ATOL)] \
        if len(spread) else spread

    def part(rows: pd.DataFrame) -> str:
        r = rows.iloc[0]
        return f"SD {number(r['sd'])}, from {signed(r['min'])} to {signed(r['max'])}"

    def say(q: Quote) -> str:
        if spread.empty:
            return "No model has Δ on two or more datasets, so its spread cannot be measured."
        if len(spread) == 1:
            return (f"Only {q(top.iloc[0][schema.MODEL])} has Δ on two or more datasets "
                    f"({part(top)}).")
        if len(top) == len(spread):
            return f"All {len(spread)} models vary equally across datasets ({part(top)})."
        most = names(top[schema.MODEL], q)
        least = names(low[schema.MODEL], q)
        return (f"{most} {'varies' if len(top) == 1 else 'vary'} most across datasets "
                f"({part(top)}) and {least} least ({part(low)}).")

    concerned = t[t[schema.MODEL].isin(list(top[schema.MODEL]) + list(low[schema.MODEL]))]
    numbers = {"models": len(spread), "most": tuple(top[schema.MODEL]),
               "least": tuple(low[schema.MODEL]),
               "most_sd": float(top["sd"].iloc[0]) if len(top) else np.nan,
               "least_sd": float(low["sd"].iloc[0]) if len(low) else np.nan}
    return _finding("volatility", "Most and least volatile models", say, numbers, spread,
                    points_of(_ordered(concerned)))


Step = tuple[str, tuple[float, ...], Callable[[pd.DataFrame], Finding]]
"""One finding of `all_findings`: its key, the thresholds it reads, and what makes it."""


def finding_steps(thresholds: Thresholds = Thresholds()) -> list[Step]:
    """The findings of `all_findings` as steps, in the page's order: a caller that keeps each
    finding may reuse it until the table or the thresholds it reads change."""
    tol = thresholds.tolerance
    return [
        ("leaders", (), dataset_leaders),
        ("gains", (tol,), lambda t: largest_gains(t, tol)),
        ("drops", (tol,), lambda t: largest_drops(t, tol)),
        ("same_direction", (tol, thresholds.nearly_all),
         lambda t: same_direction(t, thresholds)),
        ("categories", (tol,), lambda t: category_trends(t, tol)),
        ("scale", (tol,), lambda t: scale_within_family(t, tol)),
        ("baseline", (tol,), lambda t: baseline_share(t, tol)),
        ("volatility", (), volatility),
    ]


def all_findings(table: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> list[Finding]:
    """Every finding for `table`, in the page's order; empty for a table without finite Δ."""
    if clean(table).empty:
        return []
    return [make(table) for _key, _reads, make in finding_steps(thresholds)]
