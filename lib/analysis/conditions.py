"""Findings across the conditions of a table (methods, rounds, prompts), each condition's Δ kept
apart: nothing here averages conditions into one value per model × dataset.

Conditions are compared only on what they share:

- on a dataset, on its *common models*: the models measured there under every condition
  measured there;
- for a model, on its *common datasets*: the datasets it has under every one of its conditions.

A condition "has the highest mean Δ" over those common units (ties within `TIE_ATOL` are all
named), and is "best for" a unit when its Δ there is the unit's highest (a unit whose highest Δ
is shared counts for each tied condition). No test between conditions is run: a higher mean Δ
ranks conditions, it does not show that one is better. Intervals and significance, where the
table has them, are each value's own against the baseline (`lib.analysis.evidence`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations, groupby

import numpy as np
import pandas as pd

from lib.analysis.evidence import evidence_words
from lib.analysis.filters import table_conditions
from lib.analysis.findings import (TIE_ATOL, Finding, Thresholds, clean, detail_labels, direction,
                                   significance, significance_words, unchanged_text)
from lib.core import schema
from lib.core.figure import dataset_order, model_order
from lib.core.text import escape_markdown
from lib.core.wording import Quote, count_of, names, percent, plural, signed
from lib.ingest.items.cells import TOO_SMALL

LISTED = 8
"""How many datasets, models or condition pairs a sentence names before "and N more"."""

EVIDENCE = (schema.CI_LOW, schema.CI_HIGH, schema.P_ADJUSTED, schema.SIGNIFICANT, TOO_SMALL)
"""Columns a model's values per condition carry when the table has them."""

ACROSS_NOTE = ("Computed from every condition of the table, each condition's values kept apart: "
               "conditions are compared only on the models (or datasets) measured under all of "
               "them, never averaged into one value per model and dataset. A higher mean Δ ranks "
               "the conditions; no test compares them with one another.")
"""What the section across conditions says before its findings, on the page and in the report."""

BY_DATASET, BY_MODEL, AGREEMENT = "conditions_by_dataset", "conditions_by_model", "agreement"
"""Keys of the three findings across conditions."""


def condition_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of `table` with a condition and a finite Δ (rows without a condition, such as the
    figure's beside a compared upload, are left out); the table's attrs are kept."""
    if schema.CONDITION not in table.columns:
        out = table.iloc[0:0]
    else:
        out = clean(table.loc[(table[schema.CONDITION] != schema.NO_CONDITION).to_numpy()])
    out.attrs = dict(table.attrs)
    return out


MAX_CONDITIONS = 20
"""Conditions the comparisons across conditions take at most: every pair of conditions is
compared, and the charts give each condition a column, a color and a shape."""


def too_many_conditions(table: pd.DataFrame, limit: int = MAX_CONDITIONS) -> str | None:
    """Why the conditions of `table` are not compared with one another (more than `limit`), or
    None when they can be."""
    count = len(table_conditions(table))
    if count <= limit:
        return None
    return (f"The table has {count:,} conditions; conditions are compared with one another for "
            f"tables of up to {limit} conditions. The condition picker shows each of them.")


def has_conditions(table: pd.DataFrame) -> bool:
    """Whether `table` holds two or more conditions (else nothing here applies)."""
    return len(table_conditions(table)) >= 2


# --- one model, every condition -----------------------------------------------------------------

def model_conditions(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """`model`'s Δ per dataset × condition, one row each (datasets in the figure's order,
    conditions in the table's), with the evidence columns (`EVIDENCE`) the table has, and
    `highest`: whether the condition has the model's highest Δ on that dataset (ties: each)."""
    rows = condition_rows(table)
    rows = rows.loc[(rows[schema.MODEL] == model).to_numpy()]
    columns = [schema.DATASET, schema.CONDITION, schema.DELTA,
               *(c for c in EVIDENCE if c in rows.columns)]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "highest"])
    ds_rank = {d: i for i, d in enumerate(dataset_order(rows))}
    cond_rank = {c: i for i, c in enumerate(table_conditions(rows))}
    out = rows[columns].assign(_d=rows[schema.DATASET].map(ds_rank),
                               _c=rows[schema.CONDITION].map(cond_rank))
    out = out.sort_values(["_d", "_c"], kind="stable").drop(columns=["_d", "_c"])
    top = out.groupby(schema.DATASET, sort=False)[schema.DELTA].transform("max")
    out["highest"] = np.isclose(out[schema.DELTA], top, rtol=0, atol=TIE_ATOL)
    out = out.reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


# --- comparing conditions on common units -------------------------------------------------------

def _grid(rows: pd.DataFrame, group: str, unit: str, conditions: list[str],
          values: pd.Series) -> pd.DataFrame:
    """`values` as (group, unit) × condition; repeated cells (which the contract does not
    expect) averaged; NaN where a unit was not measured under a condition."""
    frame = pd.DataFrame({group: rows[group].to_numpy(), unit: rows[unit].to_numpy(),
                          schema.CONDITION: rows[schema.CONDITION].to_numpy(),
                          "value": values.to_numpy(dtype="float64")})
    grid = frame.pivot_table(index=[group, unit], columns=schema.CONDITION, values="value",
                             aggfunc="mean", sort=False)
    return grid.reindex(columns=conditions).astype("float64")


SIGNIFICANT_COMMON, EXCLUDES_ZERO_COMMON = "significant_common", "excludes_zero_common"
"""Count columns of `compare_conditions`: significant after correction (the table's
`significant`), or with an interval excluding 0 (a table with intervals only)."""


def _evidence_column(rows: pd.DataFrame) -> str | None:
    """Which count of `compare_conditions` the rows support, or None."""
    if schema.SIGNIFICANT in rows.columns:
        return SIGNIFICANT_COMMON
    if schema.CI_LOW in rows.columns and schema.CI_HIGH in rows.columns:
        return EXCLUDES_ZERO_COMMON
    return None


def _significance(rows: pd.DataFrame) -> pd.Series | None:
    """Per row 1.0 (significant), 0.0 (not) or NaN (unknown), as `findings.significance` reads
    it; None for a table without intervals or significance."""
    sig = significance(rows)
    if sig is None:
        return None
    return pd.Series([np.nan if s is None else float(s) for s in sig], index=rows.index)


def compare_conditions(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The conditions compared within each dataset (`by` = dataset; units: its models) or each
    model (`by` = model; units: its datasets): one row per group × condition measured in it.

    Columns: the group; `condition`; `conditions` (how many are measured in the group);
    `measured` (units with a Δ under this condition); `common` (units with a Δ under every
    condition of the group: 0 for a group of one condition); `mean_common` (the condition's mean
    Δ over the common units); `highest` (that mean is the group's highest, ties each);
    `best_for` (common units where the condition's Δ is the unit's highest, ties each);
    `tied_units` (common units whose highest Δ is shared); and, when the table has them,
    `significant_common` (common units whose Δ under this condition is significant after the
    table's correction) or, with intervals only, `excludes_zero_common` (… whose interval
    excludes 0), as `findings.significance` reads them.
    Groups in the figure's order, conditions in the table's.
    """
    unit = schema.MODEL if by == schema.DATASET else schema.DATASET
    rows = condition_rows(table)
    conditions = table_conditions(rows)
    columns = [by, schema.CONDITION, "conditions", "measured", "common", "mean_common", "highest",
               "best_for", "tied_units"]
    if rows.empty or not conditions:
        return pd.DataFrame(columns=columns)
    grid = _grid(rows, by, unit, conditions, rows[schema.DELTA])
    keys = grid.index.get_level_values(by)
    measured = grid.notna()
    present = measured.groupby(keys, sort=False).any()
    present_rows = present.reindex(keys).to_numpy()
    n_present = present_rows.sum(axis=1)
    common = (measured.to_numpy() | ~present_rows).all(axis=1) & (n_present >= 2)
    values = np.where(common[:, None], grid.to_numpy(), np.nan)
    masked = pd.DataFrame(values, index=grid.index, columns=conditions)
    top = masked.max(axis=1).to_numpy()
    best = np.isclose(values, top[:, None], rtol=0, atol=TIE_ATOL) & ~np.isnan(values)
    per_group = {
        "present": present,
        "measured": measured.groupby(keys, sort=False).sum(),
        "mean_common": masked.groupby(keys, sort=False).mean(),
        "best_for": pd.DataFrame(best, index=grid.index, columns=conditions)
        .groupby(keys, sort=False).sum(),
    }
    sig, evidence = _significance(rows), _evidence_column(rows)
    if sig is not None and evidence is not None:
        sig_grid = _grid(rows, by, unit, conditions, sig).reindex(grid.index)
        hits = (sig_grid.to_numpy() > 0.5) & common[:, None]
        per_group[evidence] = pd.DataFrame(
            hits, index=grid.index, columns=conditions).groupby(keys, sort=False).sum()
        columns.append(evidence)
    counts = pd.DataFrame({"common": common, "tied_units": common & (best.sum(axis=1) > 1)},
                          index=keys).groupby(level=0, sort=False).sum()
    long = pd.concat({name: frame.stack(future_stack=True) for name, frame in per_group.items()},
                     axis=1)
    long.index.names = [by, schema.CONDITION]
    long = long.reset_index()
    long = long.loc[long.pop("present").astype(bool)].copy()
    long["conditions"] = long[by].map(present.sum(axis=1)).astype(int)
    long["common"] = long[by].map(counts["common"]).astype(int)
    long["tied_units"] = long[by].map(counts["tied_units"]).astype(int)
    group_top = long.groupby(by, sort=False)["mean_common"].transform("max")
    long["highest"] = np.isclose(long["mean_common"], group_top, rtol=0, atol=TIE_ATOL)
    for col in ("measured", "best_for", SIGNIFICANT_COMMON, EXCLUDES_ZERO_COMMON):
        if col in long.columns:
            long[col] = long[col].astype(int)
    order = (dataset_order if by == schema.DATASET else model_order)(rows)
    rank = {g: i for i, g in enumerate(order)}
    cond_rank = {c: i for i, c in enumerate(conditions)}
    long = long.assign(_g=long[by].map(rank), _c=long[schema.CONDITION].map(cond_rank))
    long = long.sort_values(["_g", "_c"], kind="stable")[columns].reset_index(drop=True)
    long.attrs = dict(table.attrs)
    return long


# --- sign agreement -----------------------------------------------------------------------------

SIDES = ("above", "at", "below")
SIGN = {"above": 1.0, "at": 0.0, "below": -1.0}


def _directions(rows: pd.DataFrame, conditions: list[str], tolerance: float) -> pd.DataFrame:
    """(model, dataset) × condition: +1 above the baseline, 0 unchanged (|Δ| ≤ tolerance), -1
    below, NaN where not measured."""
    sides = direction(rows[schema.DELTA], tolerance).map(SIGN)
    return _grid(rows, schema.MODEL, schema.DATASET, conditions, sides)


def pair_agreement(table: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """Per pair of conditions (`first`, `second`, in the table's order), over the model ×
    dataset pairs measured under both (`pairs`): on how many both values lie on the same side of
    the baseline (`same`: both above, both below, or both unchanged at `tolerance`), on
    opposite sides (`opposite`), or one unchanged and the other not (`one_unchanged`);
    `share_same` = same / pairs. Pairs of conditions that share no model × dataset are left out.
    """
    rows = condition_rows(table)
    conditions = table_conditions(rows)
    columns = ["first", "second", "pairs", "same", "opposite", "one_unchanged", "share_same"]
    if len(conditions) < 2:
        return pd.DataFrame(columns=columns)
    signs = _directions(rows, conditions, tolerance).to_numpy()
    up, flat, down = ((signs == s).astype("float64") for s in (1.0, 0.0, -1.0))
    measured = (~np.isnan(signs)).astype("float64")
    # condition × condition counts over the model × dataset pairs, as matrix products
    both, same, opposite = (measured.T @ measured, up.T @ up + flat.T @ flat + down.T @ down,
                            up.T @ down + down.T @ up)
    out = []
    for i, j in combinations(range(len(conditions)), 2):
        n = int(both[i, j])
        if n == 0:
            continue
        agree, apart = int(same[i, j]), int(opposite[i, j])
        out.append({"first": conditions[i], "second": conditions[j], "pairs": n, "same": agree,
                    "opposite": apart, "one_unchanged": n - agree - apart,
                    "share_same": agree / n})
    detail = pd.DataFrame(out, columns=columns)
    detail.attrs = dict(table.attrs)
    return detail


@dataclass(frozen=True)
class Agreement:
    """How the conditions of each model × dataset pair measured under two or more of them
    move Δ, at a tolerance (|Δ| ≤ tolerance is unchanged)."""

    pairs: int
    """Model × dataset pairs measured under two or more conditions."""
    agree: dict[str, int]
    """Of them, those whose every condition is on one side: {"above": n, "at": n, "below": n}."""
    opposite: int
    """Those where one condition is above the baseline and another below."""
    partly: int
    """The rest: some conditions unchanged, the others all on one side."""
    opposite_significant: int | None
    """Of `opposite`, those where a value above and a value below are both significant (or
    have intervals excluding 0); None for a table without either."""

    @property
    def agreeing(self) -> int:
        """Pairs whose every condition is on the same side."""
        return sum(self.agree.values())


def agreement(table: pd.DataFrame, tolerance: float = 0.0) -> Agreement:
    """Over the model × dataset pairs measured under two or more conditions: on how many all
    conditions lie on the same side of the baseline, on opposite sides, or partly unchanged."""
    rows = condition_rows(table)
    conditions = table_conditions(rows)
    if len(conditions) < 2:
        return Agreement(0, dict.fromkeys(SIDES, 0), 0, 0, None)
    grid = _directions(rows, conditions, tolerance)
    grid = grid.loc[grid.notna().sum(axis=1) >= 2]
    ups, downs, flat = (grid == 1).any(axis=1), (grid == -1).any(axis=1), (grid == 0).any(axis=1)
    opposite = ups & downs
    agree = {"above": int((ups & ~downs & ~flat).sum()), "at": int((flat & ~ups & ~downs).sum()),
             "below": int((downs & ~ups & ~flat).sum())}
    sig = _significance(rows)
    hits = None
    if sig is not None:
        sig_grid = _grid(rows, schema.MODEL, schema.DATASET, conditions, sig).reindex(grid.index)
        strong = sig_grid > 0.5
        hits = int((((grid == 1) & strong).any(axis=1) & ((grid == -1) & strong).any(axis=1)
                    & opposite).sum())
    return Agreement(pairs=len(grid), agree=agree, opposite=int(opposite.sum()),
                     partly=len(grid) - sum(agree.values()) - int(opposite.sum()),
                     opposite_significant=hits)


# --- the findings -------------------------------------------------------------------------------

Say = Callable[[Quote], str]


def have(count: int) -> str:
    """"has" for one, "have" for any other count."""
    return "has" if count == 1 else "have"


def every(count: int) -> str:
    """"both" for two, "all 3" for more: how many conditions a phrase counts."""
    return "both" if count == 2 else f"all {count}"


def quoted(q: Quote) -> Quote:
    """How a condition enters a sentence: in quotation marks (“CoT”, “2”), so that a round
    number or a prompt reads as a name; `q` inside them."""
    return lambda name: f"“{q(name)}”"


def _finding(key: str, title: str, say: Say, numbers: dict[str, object],
             detail: pd.DataFrame) -> Finding:
    """A Finding whose sentence is rendered twice: plain, and with names Markdown-escaped."""
    return Finding(key=key, title=title, statement=say(str), markdown=say(escape_markdown),
                   numbers=numbers, detail=detail.reset_index(drop=True))


def _more(items: list[str], word: str) -> str:
    """"; and 3 more datasets" beyond `LISTED` items (empty otherwise)."""
    hidden = len(items) - LISTED
    return f"; and {plural(hidden, 'more ' + word)} (see the table)" if hidden > 0 else ""


@dataclass(frozen=True)
class GroupBest:
    """The conditions of one dataset (or model) compared on its common units."""

    group: str
    conditions: int
    """Conditions measured in the group."""
    common: int
    """Units measured under all of them."""
    best: tuple[str, ...]
    """The condition(s) with the highest mean Δ over the common units (empty if none)."""
    mean: float
    """That mean (NaN without common units)."""
    best_for: dict[str, int]
    """Per condition, the common units where its Δ is the unit's highest (ties: each)."""
    tied_units: int
    """Common units whose highest Δ is shared by two or more conditions."""
    significant: dict[str, int] | None
    """Per condition, the common units whose Δ under it is significant (or has an interval
    excluding 0); None for a table without either."""


def group_bests(compared: pd.DataFrame, by: str) -> list[GroupBest]:
    """`compare_conditions(table, by)` per group, for the groups measured under two or more
    conditions, in its order."""
    evidence = next((c for c in (SIGNIFICANT_COMMON, EXCLUDES_ZERO_COMMON)
                     if c in compared.columns), None)
    out = []
    # plain records: a pandas selection per group costs ~1 ms, and there may be 2,000 models
    for group, records in groupby(compared.to_dict("records"), key=lambda r: r[by]):
        rows = list(records)
        first = rows[0]
        if int(first["conditions"]) < 2:
            continue
        top = [r for r in rows if r["highest"]]
        out.append(GroupBest(
            group=str(group), conditions=int(first["conditions"]), common=int(first["common"]),
            best=tuple(r[schema.CONDITION] for r in top),
            mean=float(top[0]["mean_common"]) if top else float("nan"),
            best_for={r[schema.CONDITION]: int(r["best_for"]) for r in rows},
            tied_units=int(first["tied_units"]),
            significant=({r[schema.CONDITION]: int(r[evidence]) for r in rows}
                         if evidence else None)))
    return out


def _side_note(mean: float, tolerance: float) -> str:
    """", which is below the baseline" or ", which counts as unchanged" for a highest mean at
    or below the tolerance (empty above it)."""
    if mean > tolerance:
        return ""
    return ", which is below the baseline" if mean < -tolerance else ", which counts as unchanged"


def _best_clause(g: GroupBest, unit: str, q: Quote, words: str | None, tolerance: float) -> str:
    """"GSM8K: CRITIC, +2.1 over 2 models, the highest Δ for 2 of them (…)"."""
    if g.common == 0:
        return (f"{q(g.group)}: no {unit} is measured under {every(g.conditions)} of its "
                "conditions")
    units = plural(g.common, unit)
    if len(g.best) > 1:
        head = f"{q(g.group)}: {names(g.best, quoted(q))} tie at {mean_text(g.mean)} over {units}"
    else:
        head = f"{q(g.group)}: {quoted(q)(g.best[0])}, {mean_text(g.mean)} over {units}"
    text = head + _side_note(g.mean, tolerance)
    if len(g.best) == 1 and g.common > 1:
        text += f", the highest Δ for {g.best_for[g.best[0]]} of them"
    if g.tied_units:
        text += f" ({plural(g.tied_units, unit)} with a tie at the top)"
    if words and g.significant is not None and len(g.best) == 1:
        text += f"; {count_of(g.significant[g.best[0]], g.common)} of its values {words}"
    return text


def mean_text(value: float) -> str:
    """A mean Δ in a sentence: signed, two decimals ("+2.05")."""
    return signed(value, 2)


def _tally(bests: list[GroupBest]) -> dict[str, int]:
    """Per condition, the groups where it has (or shares) the highest mean Δ."""
    tally: dict[str, int] = {}
    for g in bests:
        for c in g.best:
            tally[c] = tally.get(c, 0) + 1
    return dict(sorted(tally.items(), key=lambda kv: -kv[1]))


def _count_words(rows: pd.DataFrame) -> str | None:
    """How a count of significant values reads ("significant after Holm correction", "with 95%
    intervals excluding 0"); None for rows without either."""
    return significance_words(rows) if _evidence_column(rows) else None


def best_counts(bests: list[GroupBest], conditions: list[str]) -> pd.DataFrame:
    """Per condition (in the given order), the groups of `bests` where it alone has the highest
    mean Δ (`alone`) and where it shares it with another (`shared`)."""
    alone = {c: sum(g.best == (c,) for g in bests) for c in conditions}
    shared = {c: sum(c in g.best and len(g.best) > 1 for g in bests) for c in conditions}
    return pd.DataFrame({schema.CONDITION: conditions, "alone": [alone[c] for c in conditions],
                         "shared": [shared[c] for c in conditions]})


NO_TEST = ("These counts are of each value against the baseline: no test compares the "
           "conditions with one another.")


def best_by_dataset(table: pd.DataFrame, tolerance: float = 0.0,
                    compared: pd.DataFrame | None = None) -> Finding:
    """Per dataset, the condition with the highest mean Δ over the models measured under every
    condition measured there, and for how many of them each condition gives the highest Δ.
    `compared`: `compare_conditions(table, "dataset")` when the caller has it already."""
    if compared is None:
        compared = compare_conditions(table, schema.DATASET)
    bests = group_bests(compared, schema.DATASET)
    ranked = [g for g in bests if g.best]
    tally = _tally(ranked)
    words = _count_words(condition_rows(table))
    single = compared[schema.DATASET].nunique() - len(bests) if len(compared) else 0

    def say(q: Quote) -> str:
        if not bests:
            return ("No dataset is measured under two or more conditions, so the conditions "
                    "cannot be compared on any dataset.")
        shown = "; ".join(_best_clause(g, "model", q, words, tolerance) for g in bests[:LISTED])
        text = ("On each dataset, the conditions are compared on the models measured under "
                f"every condition measured there. Highest mean Δ: {shown}"
                f"{_more([g.group for g in bests], 'dataset')}.")
        if tally:
            parts = [f"{quoted(q)(c)} on {n}" for c, n in tally.items()]
            ties = sum(len(g.best) > 1 for g in ranked)
            text += (f" Of the {plural(len(ranked), 'dataset')} compared, the highest mean Δ is "
                     f"{names(parts, conjunction='and')}"
                     + (f" ({plural(ties, 'tie')} counted for each tied condition)" if ties else "")
                     + ".")
        if single:
            text += f" {plural(single, 'dataset')} with one condition only: not compared."
        return text + (f" {NO_TEST}" if words else "")

    numbers = {"datasets": len(bests), "ranked": len(ranked), "single": single,
               "best": {g.group: g.best for g in bests}, "mean": {g.group: g.mean for g in bests},
               "common": {g.group: g.common for g in bests}, "tally": tally,
               "conditions": table_conditions(condition_rows(table))}
    return _finding(BY_DATASET, "Which condition helps most on each dataset", say, numbers,
                    compared)


def best_by_model(table: pd.DataFrame, tolerance: float = 0.0,
                  compared: pd.DataFrame | None = None) -> Finding:
    """Per model, the condition with the highest mean Δ over the datasets it has under every
    one of its conditions (ties: each), and how many models each condition is best for.
    `compared`: `compare_conditions(table, "model")` when the caller has it already."""
    if compared is None:
        compared = compare_conditions(table, schema.MODEL)
    bests = group_bests(compared, schema.MODEL)
    ranked = [g for g in bests if g.best]
    tally = _tally(ranked)
    tied = [g.group for g in ranked if len(g.best) > 1]
    single = compared[schema.MODEL].nunique() - len(bests) if len(compared) else 0
    unmatched = len(bests) - len(ranked)

    def for_models(condition: str, q: Quote) -> str:
        mine = [g for g in ranked if condition in g.best]
        listed = "; ".join(f"{q(g.group)} {mean_text(g.mean)} over {plural(g.common, 'dataset')}"
                           for g in mine[:4])
        more = f"; and {len(mine) - 4} more" if len(mine) > 4 else ""
        return f"{quoted(q)(condition)} for {plural(len(mine), 'model')} ({listed}{more})"

    def say(q: Quote) -> str:
        if not ranked:
            return ("No model has a dataset measured under all of two or more conditions, so "
                    "no model's conditions can be compared.")
        text = ("For each model, its conditions are compared on the datasets it has under "
                f"every one of them. Of the {plural(len(ranked), 'model')} compared, the highest "
                f"mean Δ is {names([for_models(c, q) for c in tally], conjunction='and')}.")
        if tied:
            text += (f" {names(tied, q, limit=LISTED)} "
                     f"{'has' if len(tied) == 1 else 'have'} a tie at the top, counted for each "
                     "tied condition.")
        low = [g.group for g in ranked if g.mean <= tolerance]
        if low:
            text += (f" For {names(low, q, limit=LISTED)} even the best condition's mean Δ is "
                     f"not above the baseline ({unchanged_text(tolerance)}).")
        if single or unmatched:
            text += (f" Not compared: {plural(single + unmatched, 'model')} measured under one "
                     "condition only or without a dataset under all of its conditions.")
        return text

    numbers = {"models": len(ranked), "tally": tally, "tied": tuple(tied),
               "best": {g.group: g.best for g in bests}, "mean": {g.group: g.mean for g in bests},
               "common": {g.group: g.common for g in bests}, "not_compared": single + unmatched,
               "counts": best_counts(ranked, table_conditions(condition_rows(table)))}
    return _finding(BY_MODEL, "The best condition for each model", say, numbers, compared)


def sign_agreement(table: pd.DataFrame, tolerance: float = 0.0) -> Finding:
    """How often all conditions of a model × dataset pair move Δ the same way, overall and per
    pair of conditions (`agreement`, `pair_agreement`)."""
    found = agreement(table, tolerance)
    detail = pair_agreement(table, tolerance)
    rows = condition_rows(table)

    def say(q: Quote) -> str:
        if found.pairs == 0:
            return ("No model × dataset pair is measured under two or more conditions, so "
                    "their agreement cannot be counted.")
        a, n = found.agreeing, found.pairs
        sides = found.agree
        split = (f": {sides['above']} above, {sides['below']} below, {sides['at']} unchanged"
                 if a else "")
        text = (f"Of the {plural(n, 'model × dataset pair')} measured under two or more "
                f"conditions, {a} ({percent(a, n)}) {have(a)} all their conditions on the same "
                f"side of the baseline{split}; {found.opposite} {have(found.opposite)} one "
                "condition above the baseline and another below")
        if found.opposite_significant is not None and found.opposite:
            text += (f" (on {count_of(found.opposite_significant, found.opposite)}, a value "
                     f"above and a value below both {significance_words(rows, verb=True)})")
        text += (f"; {found.partly} {have(found.partly)} some conditions unchanged and the "
                 f"others on one side. Here {unchanged_text(tolerance)}.")
        if len(detail) > 1:
            parts = [f"{quoted(q)(r.first)} and {quoted(q)(r.second)} on "
                     f"{count_of(r.same, r.pairs)}"
                     for r in detail.iloc[:LISTED].itertuples()]
            text += (f" Per pair of conditions, both on the same side (or both unchanged): "
                     f"{'; '.join(parts)}"
                     f"{_more(list(detail['first']), 'pair')}.")
        return text

    numbers = {"pairs": found.pairs, "agreeing": found.agreeing, "agree": dict(found.agree),
               "opposite": found.opposite, "partly": found.partly,
               "opposite_significant": found.opposite_significant,
               "by_pair": {(r.first, r.second): (r.same, r.pairs) for r in detail.itertuples()},
               "conditions": table_conditions(rows)}
    return _finding(AGREEMENT, "How often conditions agree in sign", say, numbers, detail)


def comparisons(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`compare_conditions` of `table` by dataset and by model: what the findings across
    conditions compute first, whatever the thresholds."""
    return {by: compare_conditions(table, by) for by in (schema.DATASET, schema.MODEL)}


def across_conditions(table: pd.DataFrame, thresholds: Thresholds = Thresholds(),
                      compared: Mapping[str, pd.DataFrame] | None = None) -> list[Finding]:
    """The findings across conditions for `table` (all its conditions), in the page's order;
    empty for a table of fewer than two conditions or more than `MAX_CONDITIONS`. `compared`:
    the table's `comparisons` when the caller keeps them (they do not change with the
    thresholds)."""
    rows = condition_rows(table)
    if not has_conditions(rows) or too_many_conditions(rows) is not None:
        return []
    tol, compared = thresholds.tolerance, compared or {}
    return [best_by_dataset(table, tol, compared.get(schema.DATASET)),
            sign_agreement(table, tol),
            best_by_model(table, tol, compared.get(schema.MODEL))]


# --- one model's best condition, in words -------------------------------------------------------

def model_best(table: pd.DataFrame, model: str) -> GroupBest | None:
    """`model`'s conditions compared on its common datasets; None when it has fewer than two
    conditions."""
    rows = condition_rows(table)
    rows = rows.loc[(rows[schema.MODEL] == model).to_numpy()]
    found = group_bests(compare_conditions(rows, schema.MODEL), schema.MODEL)
    return found[0] if found else None


def best_condition_sentence(table: pd.DataFrame, model: str) -> str:
    """One plain-text sentence naming `model`'s best condition: the highest mean Δ over the
    datasets it has under every one of its conditions, with the others' means and, where the
    table has them, how many of the best condition's values are significant."""
    rows = condition_rows(table)
    mine = rows.loc[(rows[schema.MODEL] == model).to_numpy()]
    conditions = table_conditions(mine)
    if len(conditions) < 2:
        only = f" ({quoted(str)(conditions[0])})" if conditions else ""
        return f"{model} is measured under one condition only{only}: there is nothing to compare."
    if len(conditions) > MAX_CONDITIONS:
        return (f"{model} is measured under {len(conditions):,} conditions; conditions are "
                f"compared with one another for up to {MAX_CONDITIONS}.")
    compared = compare_conditions(mine, schema.MODEL)  # once: it is model_best's too
    found = group_bests(compared, schema.MODEL)
    best = found[0] if found else None
    if best is None or not best.best:
        return (f"No dataset has {model} under {every(len(conditions))} of its conditions, so "
                "its conditions cannot be compared on the same datasets.")
    compared = compared.set_index(schema.CONDITION)
    name = quoted(str)
    others = [f"{name(c)} {mean_text(compared.at[c, 'mean_common'])}" for c in conditions
              if c not in best.best]
    under = f"it has under {every(len(conditions))} of its conditions"
    over = (f"over the {plural(best.common, 'dataset')} {under}" if best.common > 1
            else f"on the one dataset {under}")
    if len(best.best) > 1:
        text = (f"{names(best.best, name)} share its highest mean Δ, {mean_text(best.mean)}, "
                f"{over}")
    else:
        text = f"Its best condition is {name(best.best[0])}: mean Δ {mean_text(best.mean)} {over}"
    text += f" ({', '.join(others)})" if others else ""
    if best.significant is not None and len(best.best) == 1:
        return (f"{text}; {count_of(best.significant[best.best[0]], best.common)} of its values "
                f"under {name(best.best[0])} {significance_words(mine, verb=True)}. {NO_TEST}")
    return text + "."


# --- column names as the page and the report show them ------------------------------------------

CONDITION_LABELS: dict[str, str] = {
    "condition": "Condition", "conditions": "Conditions", "measured": "Measured",
    "common": "Common", "mean_common": "Mean Δ over the common", "highest": "Highest mean",
    "best_for": "Highest Δ for", "tied_units": "Tied at the top", "first": "Condition",
    "second": "Other condition", "pairs": "Model × dataset pairs", "same": "Same side",
    "opposite": "Opposite sides", "one_unchanged": "One unchanged", "share_same": "Share same side",
}
"""Display names for the columns of the findings across conditions."""


def condition_labels(frame: pd.DataFrame) -> dict[str, str]:
    """`findings.detail_labels` with the columns of the findings across conditions; the units
    (models or datasets) from `frame`'s first column, the interval named with its level and
    significance with its correction, as `frame` (which keeps its table's attrs) records them."""
    if not {schema.CONDITION, "first"} & set(frame.columns):
        return detail_labels(frame)
    unit = "models" if len(frame.columns) and frame.columns[0] == schema.DATASET else "datasets"
    words = evidence_words(frame)
    return {**detail_labels(frame), **CONDITION_LABELS,
            "measured": f"{unit.capitalize()} measured", "common": f"Common {unit}",
            "mean_common": f"Mean Δ over the common {unit}",
            "best_for": f"Highest Δ for ({unit})", "tied_units": f"{unit.capitalize()} tied",
            SIGNIFICANT_COMMON: f"Of the common, significant {words.corrected}",
            EXCLUDES_ZERO_COMMON: f"Of the common, {words.interval} excludes 0"}
