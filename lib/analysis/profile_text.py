"""The written profile: a few plain sentences, each computed from the numbers of one model.

Sentences are plain text (names unescaped); the page escapes them before showing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from lib.analysis.evidence import EvidenceWords, evidence_words
from lib.analysis.profiles import KeyFigures, Reference
from lib.core import schema
from lib.core.families import parse_size, sibling
from lib.core.wording import names, number, plural, signed


def tolerance_note(figures: KeyFigures) -> str:
    """What improved, hurt and unchanged mean at the figures' tolerance (and what is missing)."""
    tol = number(figures.tolerance)
    note = (f"Improved means Δ above +{tol}, hurt below -{tol}, unchanged within ±{tol}. "
            "The default of 1 point is about how precisely a value can be read off a plot "
            "such as the source figure.")
    if figures.missing:
        note += f" Not measured: {names(figures.missing, limit=4)}."
    return note


def level_sentence(figures: KeyFigures, category: str) -> str:
    """How many datasets the model has, and its mean and median Δ."""
    if figures.missing:
        coverage = f"{figures.measured} of {plural(figures.total, 'dataset')}"
    else:
        coverage = f"all {figures.total} datasets" if figures.total > 1 else "the one dataset"
    return (f"{figures.model} ({category}) has a Δ on {coverage}: "
            f"mean {signed(figures.mean)}, median {signed(figures.median)}.")


def split_sentence(figures: KeyFigures) -> str:
    """Where the model gains, loses and stays level, at the tolerance."""
    tol = number(figures.tolerance)
    gains = f"gains on {names(figures.improved, limit=6)}" if figures.improved else "gains nowhere"
    losses = f"loses on {names(figures.hurt, limit=6)}" if figures.hurt else "loses nowhere"
    clauses = [gains, losses]
    if figures.unchanged:
        clauses.append(f"is level on {names(figures.unchanged, limit=6)}")
    body = f"{', '.join(clauses[:-1])} and {clauses[-1]}"
    return f"Counting |Δ| ≤ {tol} as unchanged, it {body}."


def _others_losing(matrix: pd.DataFrame, model: str, dataset: str,
                   tolerance: float) -> tuple[int, int]:
    """(other models losing more than the tolerance on `dataset`, other models measured there)."""
    others = matrix[dataset].drop(index=model).dropna()
    return int((others < -tolerance).sum()), len(others)


def worst_sentence(figures: KeyFigures, matrix: pd.DataFrame, stand: pd.DataFrame) -> str | None:
    """The largest drop and whether the other models drop there too."""
    worst = figures.worst
    if worst is None:
        return None
    if worst.delta >= -figures.tolerance:
        return (f"It never loses more than {number(figures.tolerance)}; "
                f"its lowest Δ is {signed(worst.delta)} on {worst.dataset}.")
    losing, measured = _others_losing(matrix, figures.model, worst.dataset, figures.tolerance)
    head = f"Its largest drop is on {worst.dataset} ({signed(worst.delta)})"
    if measured == 0:
        return head + "; no other model was measured there."
    median = signed(stand.set_index(schema.DATASET).at[worst.dataset, "others_median"])
    if measured == 1:
        other = "loses too" if losing else "does not lose"
        return f"{head}, where the one other model measured there {other} ({median})."
    if losing == measured:
        return (f"{head}, where all {measured} other models lose too "
                f"(their median is {median}): a drop the whole field shares.")
    if losing == 0:
        return (f"{head}, where none of the {measured} other models loses "
                f"(their median is {median}): a drop of its own.")
    return (f"{head}, where {losing} of the {plural(measured, 'other model')} lose too "
            f"(their median is {median}).")


def best_sentence(figures: KeyFigures, stand: pd.DataFrame) -> str | None:
    """The largest gain and the model's rank there."""
    best = figures.best
    if best is None or (figures.worst is not None and best.dataset == figures.worst.dataset
                        and figures.measured == 1):
        return None
    row = stand.set_index(schema.DATASET).loc[best.dataset]
    rank = f", rank {int(row['rank'])} of {int(row['ranked'])} there" if row["ranked"] > 1 else ""
    if best.delta <= figures.tolerance:
        return (f"It never gains more than {number(figures.tolerance)}; "
                f"its highest Δ is {signed(best.delta)} on {best.dataset}{rank}.")
    return f"Its largest gain is on {best.dataset} ({signed(best.delta)}){rank}."


def standing_sentence(stand: pd.DataFrame) -> str | None:
    """Above or below the others' median, and where it ranks first or last."""
    shared = stand.loc[stand[schema.DELTA].notna() & (stand["others_n"] > 0)]
    if shared.empty:
        return None
    above = int((shared["vs_median"] > 0).sum())
    below = int((shared["vs_median"] < 0).sum())
    level = len(shared) - above - below
    text = (f"It is above the other models' median on {above} of "
            f"{plural(len(shared), 'dataset')}, below it on {below}"
            + (f" and level with it on {level}" if level else ""))
    def marked(rows: pd.DataFrame) -> list[str]:
        return [f"{d} (tied)" if t else str(d) for d, t in zip(rows[schema.DATASET], rows["tied"])]

    first = marked(shared.loc[shared["rank"] == 1])
    last = marked(shared.loc[shared["rank"] + shared["tied"] == shared["ranked"]])
    extremes = []
    if first:
        extremes.append(f"the highest Δ of all models on {names(first, limit=4)}")
    if last:
        extremes.append(f"the lowest on {names(last, limit=4)}")
    if extremes:
        text += f"; it has {' and '.join(extremes)}"
    return text + "."


def reference_phrase(model: str, reference: Reference) -> str:
    """'its larger sibling X', 'X', or the label of a mean, for use after 'Against'."""
    if reference.kind != "model":
        return f"the {reference.label[0].lower()}{reference.label[1:]}"
    if sibling(model, [model, reference.name]) == reference.name:
        mine, theirs = parse_size(model), parse_size(reference.name)
        if mine is not None and theirs is not None and mine.size_b != theirs.size_b:
            size = "larger" if theirs.size_b > mine.size_b else "smaller"
            return f"its {size} sibling {reference.name}"
    return reference.name


def comparison_sentence(model: str, reference: Reference, compared: pd.DataFrame,
                        tolerance: float) -> str | None:
    """How the model stands against the reference on the datasets both have."""
    shared = compared.dropna(subset=["difference"])
    if shared.empty:
        return f"It shares no dataset with {reference_phrase(model, reference)}."
    diff = shared["difference"]
    higher, lower = int((diff > tolerance).sum()), int((diff < -tolerance).sum())
    level = len(shared) - higher - lower
    widest = shared.loc[diff.abs().idxmax()]
    parts = f"higher on {higher} of {plural(len(shared), 'shared dataset')}, lower on {lower}"
    if level:
        parts += f" and within {number(tolerance)} on {level}"
    mean = float(diff.mean())
    on_average = (f"on average it is {number(abs(mean))} {'higher' if mean > 0 else 'lower'}"
                  if round(mean, 1) != 0 else "on average the two are level")
    gap = ("" if math.isclose(float(widest["difference"]), 0.0)
           else f"; the widest gap is on {widest[schema.DATASET]} ({signed(widest['difference'])})")
    return f"Against {reference_phrase(model, reference)}, it is {parts}; {on_average}{gap}."


def significance_sentence(significant: Mapping[str, bool], words: EvidenceWords) -> str | None:
    """On how many datasets the model's Δ is significant after the table's correction (only
    when the table says)."""
    if not significant:
        return None
    hits = [d for d, s in significant.items() if s]
    where = f" ({names(hits, limit=4)})" if hits else ""
    return (f"Its Δ is significant {words.corrected} on {len(hits)} of "
            f"{plural(len(significant), 'dataset')} with a test{where}.")


def missing_sentence(figures: KeyFigures) -> str | None:
    """The datasets the model was not measured on."""
    if not figures.missing:
        return None
    return f"It has no value for {names(figures.missing, limit=4)}: shown as missing, not as 0."


def written_profile(figures: KeyFigures, category: str, matrix: pd.DataFrame,
                    stand: pd.DataFrame, reference: Reference | None = None,
                    compared: pd.DataFrame | None = None,
                    significant: Mapping[str, bool] | None = None,
                    words: EvidenceWords | None = None) -> list[str]:
    """The profile's sentences in reading order; every one is computed from the arguments."""
    if figures.measured == 0:
        return [f"{figures.model} ({category}) has no Δ value in this table."]
    sentences = [
        level_sentence(figures, category),
        split_sentence(figures),
        worst_sentence(figures, matrix, stand),
        best_sentence(figures, stand),
        standing_sentence(stand),
        (comparison_sentence(figures.model, reference, compared, figures.tolerance)
         if reference is not None and compared is not None else None),
        significance_sentence(significant or {}, words or evidence_words(pd.DataFrame())),
        missing_sentence(figures),
    ]
    return [s for s in sentences if s]
