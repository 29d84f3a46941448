"""Names from users' files: column aliases, dataset and model names (numbers written as text are
read by `lib.ingest.numbers`).

Column names and dataset names match case- and punctuation-insensitively ("Δ (%)" is `delta`,
"Human-Eval" is HumanEval); model names match the figure's ignoring case, spaces, hyphens and
underscores (dots are kept: Qwen2.5 is not Qwen25).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import schema
from lib.core.families import ModelParts, model_parts
from lib.core.figure import figure_datasets, figure_models

# --- column names --------------------------------------------------------------------------------

ITEM, RUN = "item", "run"
"""Roles of a per-item file beyond the contract's columns: the item's id, and its run or seed."""

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
    schema.TREATMENT: ("treatment", "treated", "after", "with", "new", "cot", "chainofthought",
                       "experiment"),
    schema.CONDITION: ("condition", "conditions", "method", "methods", "intervention",
                       "interventions", "setting", "settings", "prompt", "prompting",
                       "promptingmethod", "promptstrategy", "variant", "variants", "arm", "arms",
                       "strategy", "strategies", "round", "rounds", "approach", "technique"),
    schema.CATEGORY: ("category", "categories", "group", "modelgroup", "modeltype", "type",
                      "kind", "class", "legend", "legendgroup"),
    schema.CI_LOW: ("cilow", "cilo", "cilower", "lowerci", "ci95low", "ci95lower", "95cilow",
                    "95cilower", "lower", "low", "lo", "lcl", "lowerbound", "lb"),
    schema.CI_HIGH: ("cihigh", "cihi", "ciupper", "upperci", "ci95high", "ci95upper", "95cihigh",
                     "95ciupper", "upper", "high", "hi", "ucl", "upperbound", "ub"),
    schema.N_ITEMS: ("n", "nitems", "items", "numitems", "count", "nexamples", "numexamples",
                     "examples", "samples", "nsamples", "numsamples", "support", "size"),
    ITEM: ("item", "itemid", "id", "question", "questionid", "qid", "example", "exampleid",
           "sample", "sampleid", "problem", "problemid", "instance", "instanceid", "doc", "docid",
           "uid", "promptid"),
    RUN: ("run", "runid", "seed", "trial", "repeat", "repetition", "replicate", "attempt"),
}
"""Per role (a contract column, or `ITEM`, `RUN`), the keys (see `name_key`) of the column
names that mean it; no key means two roles. The one table of both the ordinary shapes and
per-item files. "method", "intervention" and "variant" name the condition (text, e.g. "CoT");
a numeric column of such a name is the treatment's score (`lib.ingest.shapes`)."""

TREATMENT_WHEN_NUMERIC: frozenset[str] = frozenset({"intervention", "interventions", "variant",
                                                    "variants"})
"""Condition keys that name the treatment's score when the column holds numbers."""

_ROLE_OF_KEY: dict[str, str] = {key: role for role, keys in COLUMN_ALIASES.items()
                                for key in keys}

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


def column_role(name: object) -> str | None:
    """The role (`COLUMN_ALIASES`) that `name` stands for, or None."""
    for variant in _key_variants(name_key(name)):
        if variant in _ROLE_OF_KEY:
            return _ROLE_OF_KEY[variant]
    return None


def treatment_when_numeric(name: object) -> bool:
    """Whether `name` stands for the condition as text but for the treatment's score as numbers
    ("intervention", "variant_acc")."""
    return any(v in TREATMENT_WHEN_NUMERIC for v in _key_variants(name_key(name)))


def match_columns(columns: Sequence[str]) -> dict[str, list[str]]:
    """Per role (`COLUMN_ALIASES`), the file's columns that can stand for it (in file order)."""
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


def dataset_lookup() -> dict[str, str]:
    """The figure's datasets and their aliases by `name_key`."""
    lookup = {name_key(name): name for name in figure_datasets()}
    for canonical, keys in DATASET_ALIASES.items():
        lookup.update({key: canonical for key in keys})
    return lookup


def figure_dataset(name: str) -> str | None:
    """The figure's name for dataset `name` (through case, punctuation and aliases), or None."""
    return dataset_lookup().get(name_key(name))


def model_key(name: str) -> str:
    """`name` folded for matching models: case, spaces, hyphens and underscores ignored."""
    return re.sub(r"[\s_\-‐‑–]+", "", unicodedata.normalize("NFKC", name)).casefold()


def figure_model(name: str) -> str | None:
    """The figure's spelling of model `name` ("gpt 4o" is "GPT-4o"), or None."""
    return {model_key(m): m for m in figure_models()}.get(model_key(name))


_ASCII_MODEL_SEPARATORS = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x20_-]+"
"""What `model_key` removes from ASCII text (an RE2 pattern)."""


def model_keys(names: Sequence[str]) -> list[str]:
    """`model_key` of each name; ASCII names are folded column-wise."""
    if len(names) < 64:
        return [model_key(name) for name in names]
    text = pa.array(names, type=pa.large_string())
    ascii_only = pc.string_is_ascii(text)
    folded = pc.ascii_lower(pc.replace_substring_regex(text, _ASCII_MODEL_SEPARATORS, ""))
    return [key if plain else model_key(name) for name, key, plain in
            zip(names, folded.to_pylist(), ascii_only.to_pylist())]


def canonical_names(names: Iterable[str], known: dict[str, str],
                    key: Callable[[str], str], keys: Sequence[str] | None = None) -> dict[str, str]:
    """Each distinct name to the one it stands for: `known[key(name)]` if there, else the first
    spelling of that key in `names` (so "MyBench" and "mybench" become one). A name with no
    letters or digits is its own key. `keys`, when given, are `key(name)` of the distinct
    names, in order."""
    distinct = list(dict.fromkeys(names))
    spellings = canonical_spellings(distinct, known, key, keys)
    return dict(zip(distinct, distinct if spellings is None else spellings))


def canonical_spellings(distinct: Sequence[str], known: dict[str, str], key: Callable[[str], str],
                        keys: Sequence[str] | None = None) -> list[str] | None:
    """`canonical_names` of distinct names as a list in their order, or None when every name
    stands for itself."""
    keys = [key(name) for name in distinct] if keys is None else keys
    if len(distinct) >= COLUMN_WISE_NAMES:
        return _spellings_column_wise(distinct, keys, known)
    first: dict[str, str] = {}
    out = []
    for name, k in zip(distinct, keys):
        k = k or name
        out.append(known.get(k) or first.setdefault(k, name))
    return None if out == list(distinct) else out


COLUMN_WISE_NAMES = 256
"""From this many distinct names, canonical spellings are found column-wise."""


def _spellings_column_wise(distinct: Sequence[str], keys: Sequence[str],
                           known: dict[str, str]) -> list[str] | None:
    """`canonical_spellings` with pyarrow.compute."""
    text = pa.array(distinct, type=pa.large_string())
    key_text = pa.array(keys, type=pa.large_string())
    key_text = pc.if_else(pc.equal(key_text, ""), text, key_text)
    found = pc.index_in(key_text, value_set=pa.array(list(known), type=pa.large_string()))
    found = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
    groups = pc.dictionary_encode(key_text).indices.to_numpy(zero_copy_only=False)
    # Keys are numbered by first appearance, so a key is new where its number passes the highest
    # seen before; those positions, in order, are each key's first spelling.
    new = groups > np.maximum.accumulate(np.concatenate([[-1], groups[:-1]]))
    own = np.flatnonzero(new)[groups]
    if (found < 0).all() and (own == np.arange(len(groups))).all():
        return None
    spellings = list(known.values())
    return [spellings[f] if f >= 0 else distinct[g] for f, g in zip(found.tolist(), own.tolist())]


def model_lookup() -> dict[str, str]:
    """The figure's models by `model_key`."""
    return {model_key(m): m for m in figure_models()}


_ASCII_SPACES = "".join(ch for ch in map(chr, range(128)) if ch.isspace())
"""What `str.strip()` removes from ASCII text."""


def dataset_keys(names: Sequence[str]) -> list[str]:
    """`name_key` of each name; ASCII names are folded column-wise."""
    if len(names) < 64:
        return [name_key(name) for name in names]
    text = pa.array(names, type=pa.large_string())
    trimmed = pc.utf8_trim(text, characters=_ASCII_SPACES)
    spelled = pc.replace_substring_regex(trimmed, "\\+$", "plus")
    folded = pc.replace_substring_regex(pc.ascii_lower(spelled), "[^a-z0-9]", "")
    ascii_only = pc.string_is_ascii(text)
    return [key if plain else name_key(name) for name, key, plain in
            zip(names, folded.to_pylist(), ascii_only.to_pylist())]


def dataset_names(names: Iterable[str], keys: Sequence[str] | None = None) -> dict[str, str]:
    """Each distinct dataset name to its canonical spelling (the figure's where it matches).
    `keys`, when given, are `dataset_keys` of the distinct names."""
    distinct = list(dict.fromkeys(names))
    return canonical_names(distinct, dataset_lookup(), name_key,
                           dataset_keys(distinct) if keys is None else keys)


def model_names(names: Iterable[str], keys: Sequence[str] | None = None) -> dict[str, str]:
    """Each distinct model name to its canonical spelling (the figure's where it matches).
    `keys`, when given, are `model_keys` of the distinct names."""
    distinct = list(dict.fromkeys(names))
    return canonical_names(distinct, model_lookup(), model_key,
                           model_keys(distinct) if keys is None else keys)


# --- matching an upload's names with the figure's ------------------------------------------------

APPLY_SCORE = 0.9
"""A suggestion at least this sure, and the only one that sure, is applied by default."""

EDITION_WORDS: frozenset[str] = frozenset({"sonnet", "haiku", "opus"})
"""Words naming an edition that a figure's name may leave out ("Claude3.5" for Claude 3.5
Sonnet): suggested, never applied, as the figure does not say which edition it drew."""

SAME_NAME, ALIAS, SAME_VERSION = ("same name", "another name of the same benchmark",
                                  "same family and version")
EDITION, NO_SIZE, VARIANT = ("the figure's name does not say which edition",
                             "your name does not say which size",
                             "a subset or variant of the benchmark?")


@dataclass(frozen=True)
class NameMatch:
    """What an upload's name stands for in the figure: `figure` when applied by default, else
    None; the best `suggestion` (the applied name, a name to check, or None), its `score` in
    [0, 1], and `how` it was found (or why it is not applied)."""

    name: str
    figure: str | None
    suggestion: str | None
    score: float
    how: str


def _decide(name: str, scored: list[tuple[float, str, str]]) -> NameMatch:
    """The match of `name` from (score, figure name, how) candidates: the best one, applied
    when it reaches `APPLY_SCORE` and no other candidate scores the same."""
    if not scored:
        return NameMatch(name, None, None, 0.0, "no figure name is near")
    scored.sort(key=lambda c: -c[0])
    score, best, how = scored[0]
    tied = [c[1] for c in scored if c[0] == score]
    if len(tied) > 1:
        return NameMatch(name, None, best, score,
                         f"{how}: could be {' or '.join(tied)}, so none is applied")
    return NameMatch(name, best if score >= APPLY_SCORE else None, best, score, how)


def _model_score(mine: ModelParts, theirs: ModelParts) -> tuple[float, str] | None:
    """How surely two models' parts name the same model, or None when they name different
    ones (another version, size or model word: GPT-4 is not GPT-4o, Qwen2.5-7B not -72B)."""
    if mine.sizes != theirs.sizes:
        if not mine.sizes and mine.core == theirs.core:
            return 0.5, NO_SIZE
        return None
    if mine.core == theirs.core:
        return 0.9, SAME_VERSION
    extra = mine.core[len(theirs.core):]
    if (mine.core[:len(theirs.core)] == theirs.core and extra
            and set(extra) <= EDITION_WORDS):
        return 0.6, EDITION
    return None


def match_model(name: str, figure_names: Sequence[str] | None = None) -> NameMatch:
    """The figure's model that `name` stands for (`NameMatch`): the same name through case,
    spaces, hyphens and underscores (`model_key`, the rule of every upload) is sure; the same
    family, version and size with release words or dates left out ("GPT-3.5-Turbo",
    "gpt-3.5-turbo-0613" for GPT-3.5) is applied when only one figure model fits; a name
    without the size, or with an edition the figure leaves out, is only suggested."""
    figure_names = list(figure_models() if figure_names is None else figure_names)
    key = model_key(name)
    for known in figure_names:
        if model_key(known) == key:
            return NameMatch(name, known, known, 1.0, SAME_NAME)
    mine = model_parts(name)
    scored = []
    for known in figure_names:
        found = _model_score(mine, model_parts(known))
        if found is not None:
            scored.append((found[0], known, found[1]))
    return _decide(name, scored)


def match_dataset(name: str, figure_names: Sequence[str] | None = None) -> NameMatch:
    """The figure's dataset that `name` stands for (`NameMatch`): the same name through case and
    punctuation, or an alias of the one alias table (`DATASET_ALIASES`: CommonSenseQA is
    CS-QA), is sure; a name that begins with a figure dataset's name or alias ("MATH-500",
    "GPQA Diamond", "HumanEval+") is only suggested: a subset is another test set."""
    figure_names = list(figure_datasets() if figure_names is None else figure_names)
    key = name_key(name)
    lookup = {k: v for k, v in dataset_lookup().items() if v in figure_names}
    lookup.update({name_key(n): n for n in figure_names})
    if key in lookup:
        known = lookup[key]
        return NameMatch(name, known, known, 1.0,
                         SAME_NAME if name_key(known) == key else ALIAS)
    scored = {}
    for alias, known in lookup.items():
        if len(alias) >= 3 and key.startswith(alias):
            scored[known] = (0.5, known, VARIANT)
    return _decide(name, list(scored.values()))
