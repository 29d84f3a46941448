"""Run settings as short text: what a condition label may say about a run."""

from __future__ import annotations

import hashlib
import json

from lib.ingest.problems import clip

SHORT = 40
"""Longer values (templates, prompts) are shown by a digest: “version 1a2b3c”."""


def short(value: object) -> str:
    """A setting's value as short, safe text."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    else:
        text = str(value)
    if len(text) > SHORT:
        return "version " + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:6]
    return clip(text, SHORT)


def flat(prefix: str, values: object) -> dict[str, str]:
    """`{prefix key: short(value)}` for each item of a dict (empty for anything else)."""
    if not isinstance(values, dict):
        return {}
    return {f"{prefix}{clip(k, SHORT)}": short(v) for k, v in values.items() if v is not None}


def parse_args(args: object) -> dict[str, object]:
    """Model or generation arguments as a dict: given as one, or as “a=1,b=2” (the harness's
    command-line form)."""
    if isinstance(args, dict):
        return dict(args)
    if not isinstance(args, str):
        return {}
    out: dict[str, object] = {}
    for part in args.split(","):
        if part.strip():
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out
