"""Model families from names: "LLaMA3.1-8B" is the 8B size of the "LLaMA3.1" family."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_SIZED = re.compile(r"^(?P<family>.*?\S)[\s_-]*(?P<size>\d+(?:\.\d+)?)\s*(?P<unit>[bBmM])$")


@dataclass(frozen=True)
class Sized:
    """A model name split into its family and its size in billions of parameters."""

    model: str
    family: str
    size_b: float


def parse_size(model: str) -> Sized | None:
    """Family and size of a name ending in a parameter count ("Qwen2.5-72B"), else None."""
    match = _SIZED.match(model.strip())
    if not match:
        return None
    size = float(match["size"]) / (1000.0 if match["unit"] in "mM" else 1.0)
    return Sized(model=model, family=match["family"].casefold(), size_b=size)


def family_groups(models: Iterable[str]) -> dict[str, list[Sized]]:
    """Families with two or more sizes among `models`, each list sorted small to large."""
    groups: dict[str, list[Sized]] = {}
    for model in models:
        sized = parse_size(model)
        if sized is not None:
            groups.setdefault(sized.family, []).append(sized)
    return {f: sorted(v, key=lambda s: s.size_b) for f, v in groups.items() if len(v) > 1}


def sibling(model: str, models: Iterable[str]) -> str | None:
    """The nearest other size of `model`'s family among `models` (the larger on a tie), or None."""
    me = parse_size(model)
    if me is None:
        return None
    others = [s for s in family_groups(models).get(me.family, []) if s.model != model]
    if not others:
        return None
    return min(others, key=lambda s: (abs(s.size_b - me.size_b), -s.size_b)).model


def size_pairs(models: Iterable[str]) -> list[tuple[str, str]]:
    """(smaller, larger) pairs of adjacent sizes within each family, in family order."""
    pairs: list[tuple[str, str]] = []
    for members in family_groups(models).values():
        pairs.extend((a.model, b.model) for a, b in zip(members, members[1:]))
    return pairs


# --- parts of a model name, for matching an upload's names with the figure's ---------------------

_PART = re.compile(r"\d+(?:\.\d+)*(?:x\d+(?:\.\d+)?)?[bm](?![a-z])|\d+(?:\.\d+)*|[^\W\d_]+")
_DATE = re.compile(r"(?<!\d)(?:\d{4}[-_./]\d{2}[-_./]\d{2}|\d{8}|\d{6})(?!\d)")
RELEASE_WORDS: frozenset[str] = frozenset({
    "turbo", "instruct", "chat", "it", "hf", "latest", "preview"})
"""Words that name a release or tuning of a model, not another model: GPT-3.5-Turbo is the
GPT-3.5 of a figure that gives no release. Not "mini", "o", "pro", "base" or "coder": those are
other models."""
VENDOR_WORDS: frozenset[str] = frozenset({
    "meta", "openai", "anthropic", "google", "microsoft", "mistralai", "alibaba"})
"""Leading words that name the maker, not the model ("Meta-Llama-3.1-8B" is Llama 3.1 8B)."""


@dataclass(frozen=True)
class ModelParts:
    """A model name in parts: the words and version numbers that say which model it is
    (`core`), its size tokens ("72b"), and the release words and dates left out of `core`."""

    core: tuple[str, ...]
    sizes: tuple[str, ...]
    release: tuple[str, ...]


@lru_cache(maxsize=4096)
def model_parts(model: str) -> ModelParts:
    """`model` split into parts, case ignored: "claude-3-5-sonnet-20240620" has the core
    ("claude", "3.5", "sonnet") and the release ("20240620",); "Qwen2.5-72B-Instruct" the core
    ("qwen", "2.5"), the size ("72b",) and the release ("instruct",). Two bare one-digit numbers
    in a row are one version ("3-5" is 3.5); a number of four digits or more is a release date;
    a leading maker's name and a hub prefix ("meta-llama/") are left out."""
    text = unicodedata.normalize("NFKC", model).casefold().rsplit("/", 1)[-1]
    release = [d for d in _DATE.findall(text)]
    text = _DATE.sub(" ", text)
    tokens = _PART.findall(text)
    core: list[str] = []
    sizes: list[str] = []
    for token in tokens:
        if token in RELEASE_WORDS or (token.isdigit() and len(token) >= 4):
            release.append(token)
        elif token[-1] in "bm" and token[0].isdigit():
            sizes.append(token)
        elif (token.isdigit() and len(token) == 1 and core and core[-1].isdigit()
              and len(core[-1]) == 1):
            core[-1] = f"{core[-1]}.{token}"
        else:
            core.append(token)
    while len(core) > 1 and core[0] in VENDOR_WORDS:
        core.pop(0)
    return ModelParts(tuple(core), tuple(sizes), tuple(release))
