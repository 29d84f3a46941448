"""Names and values from users' files: column aliases, dataset and model names, numbers as text.

Column names and dataset names match case- and punctuation-insensitively ("Δ (%)" is `delta`,
"Human-Eval" is HumanEval); model names match the figure's ignoring case, spaces, hyphens and
underscores (dots are kept: Qwen2.5 is not Qwen25). Numbers may carry a sign, a percent sign,
a Unicode minus or a decimal comma.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from lib import schema
from lib.figure import figure_datasets, figure_models

# --- column names --------------------------------------------------------------------------------

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    schema.MODEL: ("model", "models", "modelname", "modelid", "llm", "llmname", "system", "engine",
                   "checkpoint"),
    schema.DATASET: ("dataset", "datasets", "datasetname", "benchmark", "benchmarks",
                     "benchmarkname", "bench", "task", "taskname", "tasks", "eval", "evaluation",
                     "testset", "suite"),
    schema.DELTA: ("delta", "deltas", "diff", "difference", "change", "gain", "improvement",
                   "effect", "uplift", "lift", "deltavsbaseline"),
    schema.BASELINE: ("baseline", "base", "before", "control", "reference", "vanilla", "original",
                      "without", "baseprompt", "direct", "standard"),
    schema.TREATMENT: ("treatment", "treated", "after", "intervention", "with", "method", "new",
                       "cot", "chainofthought", "variant", "experiment"),
    schema.CATEGORY: ("category", "categories", "group", "modelgroup", "modeltype", "type",
                      "kind", "class", "legend", "legendgroup"),
    schema.CI_LOW: ("cilow", "cilo", "cilower", "lowerci", "ci95low", "ci95lower", "95cilow",
                    "95cilower", "lower", "low", "lo", "lcl", "lowerbound", "lb"),
    schema.CI_HIGH: ("cihigh", "cihi", "ciupper", "upperci", "ci95high", "ci95upper", "95cihigh",
                     "95ciupper", "upper", "high", "hi", "ucl", "upperbound", "ub"),
    schema.N_ITEMS: ("n", "nitems", "items", "numitems", "count", "nexamples", "numexamples",
                     "examples", "samples", "nsamples", "numsamples", "support", "size"),
}
"""Per contract column, the keys (see `name_key`) of the names that mean it."""

METRIC_SUFFIXES: tuple[str, ...] = ("percent", "pct", "points", "pts", "pp", "accuracy", "acc",
                                    "score", "scores", "value", "mean", "avg")
"""Trailing words that do not change what a column means ("baseline_acc" is the baseline)."""

AGGREGATE_KEYS: frozenset[str] = frozenset({"avg", "average", "mean", "overall", "total", "all",
                                            "macroavg", "microavg", "median"})
"""Names of summary columns in a wide table; they are not datasets."""


def name_key(name: object) -> str:
    """`name` folded for matching: Δ and a trailing + spelled out (HumanEval+ is not HumanEval),
    accents and case dropped, only letters and digits kept."""
    text = str(name).strip()
    text = text[:-1] + "plus" if text.endswith("+") else text
    text = text.replace("Δ", "delta").replace("δ", "delta").replace("∆", "delta")
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def _key_variants(key: str) -> list[str]:
    """`key` and `key` with trailing metric words taken off, one by one."""
    variants = [key]
    changed = True
    while changed:
        changed = False
        for suffix in METRIC_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                variants.append(key)
                changed = True
    return variants


def column_role(name: str) -> str | None:
    """The contract column that `name` stands for, or None."""
    for variant in _key_variants(name_key(name)):
        for role, aliases in COLUMN_ALIASES.items():
            if variant in aliases:
                return role
    return None


def match_columns(columns: Sequence[str]) -> dict[str, list[str]]:
    """Per contract column, the file's columns that can stand for it (in file order)."""
    matches: dict[str, list[str]] = {}
    for column in columns:
        role = column_role(column)
        if role is not None:
            matches.setdefault(role, []).append(column)
    return matches


def is_aggregate_column(name: str) -> bool:
    """True for summary columns of a wide table (Average, Mean, Overall, ...)."""
    return name_key(name) in AGGREGATE_KEYS


def unit_hint(name: str) -> str | None:
    """"%" or "points" when a column name says its unit ("Δ (%)", "delta_pp"), else None."""
    if "%" in name or re.search(r"(pct|percent)$", name_key(name)):
        return "%"
    if re.search(r"(pp|pts|points)$", name_key(name)):
        return "points"
    return None


# --- dataset and model names ---------------------------------------------------------------------

DATASET_ALIASES: dict[str, tuple[str, ...]] = {
    "HotpotQA": ("hotpotqa", "hotpot"),
    "CS-QA": ("csqa", "commonsenseqa", "commonsense"),
    "AQUA": ("aqua", "aquarat"),
    "GSM8K": ("gsm8k", "gsm"),
    "MATH": ("math", "competitionmath", "hendrycksmath"),
    "GPQA": ("gpqa",),
    "HumanEval": ("humaneval", "openaihumaneval"),
}
"""The figure's datasets and the keys of other names for the same benchmark. Subsets such as
MATH-500 or GPQA Diamond are deliberately not aliases: they are different test sets."""


def _dataset_lookup() -> dict[str, str]:
    lookup = {name_key(name): name for name in figure_datasets()}
    for canonical, keys in DATASET_ALIASES.items():
        lookup.update({key: canonical for key in keys})
    return lookup


def figure_dataset(name: str) -> str | None:
    """The figure's name for dataset `name` (through case, punctuation and aliases), or None."""
    return _dataset_lookup().get(name_key(name))


def model_key(name: str) -> str:
    """`name` folded for matching models: case, spaces, hyphens and underscores ignored."""
    return re.sub(r"[\s_\-‐‑–]+", "", unicodedata.normalize("NFKC", name)).casefold()


def figure_model(name: str) -> str | None:
    """The figure's spelling of model `name` ("gpt 4o" is "GPT-4o"), or None."""
    return {model_key(m): m for m in figure_models()}.get(model_key(name))


def canonical_names(names: Iterable[str], known: dict[str, str],
                    key: Callable[[str], str]) -> dict[str, str]:
    """Each distinct name to the one it stands for: `known[key(name)]` if there, else the first
    spelling of that key in `names` (so "MyBench" and "mybench" become one). A name with no
    letters or digits is its own key."""
    first: dict[str, str] = {}
    out: dict[str, str] = {}
    for name in dict.fromkeys(names):
        k = key(name) or name
        out[name] = known.get(k) or first.setdefault(k, name)
    return out


def dataset_names(names: Iterable[str]) -> dict[str, str]:
    """Each distinct dataset name to its canonical spelling (the figure's where it matches)."""
    return canonical_names(names, _dataset_lookup(), name_key)


def model_names(names: Iterable[str]) -> dict[str, str]:
    """Each distinct model name to its canonical spelling (the figure's where it matches)."""
    return canonical_names(names, {model_key(m): m for m in figure_models()}, model_key)


# --- numbers -------------------------------------------------------------------------------------

MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—", "–", "?", "#n/a"})
"""Cell texts that mean "no value" (compared after stripping and case folding)."""
MINUS_SIGNS = "−–‒﹣－"
"""Read as a minus: Unicode minus, en dash, figure dash, small and full-width hyphen-minus."""
INFINITY_TEXT = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "∞",
                           "+∞", "-∞"})
_DOT_NUMBER = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")


class NotANumber(ValueError):
    """A cell that holds text that is not a number."""


def is_missing(value: object) -> bool:
    """True for None, NaN, and texts that mean "no value" (NA, n/a, null, -, ...)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_TEXT
    try:
        return bool(value != value)  # pd.NA and friends
    except (TypeError, ValueError):
        return False


def _clean_number_text(text: str, decimal: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().replace("\u00a0", "").replace(" ", "")
    for minus in MINUS_SIGNS:
        text = text.replace(minus, "-")
    for unit in ("%", "pp", "pts"):
        if text.casefold().endswith(unit):
            text = text[: -len(unit)]
            break
    if decimal == ",":
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
    return text


def parse_number(value: object, decimal: str = ".") -> float:
    """`value` as a float: numbers as they are; texts like "+5%", "−3.5", "3,5" (with
    `decimal=","`) and "inf". Missing values give NaN; anything else raises `NotANumber`."""
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, (int, float)):
        return float(value)
    if is_missing(value):
        return math.nan
    text = _clean_number_text(str(value), decimal)
    if text.casefold() in INFINITY_TEXT:
        return -math.inf if text.startswith("-") else math.inf
    try:
        number = float(text)
    except ValueError:
        raise NotANumber(str(value)) from None
    if math.isnan(number):
        return math.nan
    return number


def detect_decimal(values: Iterable[object]) -> str:
    """"," when text numbers use a decimal comma ("3,5") and none a decimal point, else "."."""
    commas = dots = 0
    for value in values:
        if isinstance(value, str):
            text = _clean_number_text(value, ".")
            commas += bool(_COMMA_NUMBER.match(text))
            dots += bool(_DOT_NUMBER.match(text))
    return "," if commas and not dots else "."


def numeric_share(values: Iterable[object], decimal: str = ".") -> float:
    """Share of the non-missing values that read as numbers (0 when all are missing)."""
    total = good = 0
    for value in values:
        if is_missing(value):
            continue
        total += 1
        try:
            parse_number(value, decimal)
            good += 1
        except NotANumber:
            pass
    return good / total if total else 0.0
