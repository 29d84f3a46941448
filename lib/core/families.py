"""Model families from names: "LLaMA3.1-8B" is the 8B size of the "LLaMA3.1" family."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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
