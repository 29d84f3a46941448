"""Names an attacker might put in a results file, and what a Markdown renderer sees of text:
shared by the tests of exports and of names shown on the pages."""

from __future__ import annotations

import json
import re

from lib.core.text import WORD_JOINER

SCRIPT = "</script><script>alert(1)</script>"
CONTROL = ["A\x00B", "C\x1fD", "E\x85F", "G\ufffeH", "I\u2028J"]
"""Characters that abort the chart renderer (NUL, \\x1f, U+FFFE) or upset it (\\x85, U+2028)."""
LINKS = ["https://evil.example/x", "www.evil.com", "a@b.co"]
"""Names that GitHub-flavoured Markdown would turn into links."""
MODELS = CONTROL + [SCRIPT] + LINKS + ["Plain"]
DATASETS = ["GSM8K", "x\x00<!--", "</script>", "http://d.example"]


def hostile_rows() -> list[dict[str, object]]:
    """One row per model and dataset, Δ varied so that every finding has something to say."""
    return [{"model": m, "dataset": d, "delta": float((i * 5 + j * 3) % 11 - 5)}
            for i, m in enumerate(MODELS) for j, d in enumerate(DATASETS)]


def hostile_json() -> bytes:
    """`hostile_rows` as a JSON upload (JSON can spell every control character)."""
    return json.dumps(hostile_rows()).encode("utf-8")


GFM_LINK_LITERALS = re.compile(r"(?i)(?:https?://|www\.)[-.\w]+|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
"""The bare links GitHub-flavoured Markdown finds in text (remark-gfm's and cmark-gfm's autolink
literals: `http(s)://`, `www.`, e-mail addresses)."""


def resolved(markdown: str) -> str:
    """The text a Markdown renderer sees once backslash escapes are resolved."""
    return re.sub(r"\\(.)", r"\1", markdown)


def readable(markdown: str) -> str:
    """What a reader sees: the resolved text without the invisible word joiners."""
    return resolved(markdown).replace(WORD_JOINER, "")
