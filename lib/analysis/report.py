"""The findings as a Markdown report, with their numbers; for the bundled figure also the
source's claims, checked, and the interpretation. Names from the table are escaped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analysis.claims import ClaimCheck, verdict_summary
from lib.analysis.conditions import ACROSS_NOTE, condition_labels
from lib.analysis.findings import Finding, Thresholds, detail_labels, unchanged_text
from lib.analysis.interpretation import Interpretation
from lib.core.text import escape_markdown
from lib.core import schema
from lib.core.wording import number, p_value, share_text, signed

SHARE_COLUMNS = frozenset({"share_above", "share_same_way", "share_same"})
SIGNED_COLUMNS = frozenset({"delta", "mean_delta", "delta_smaller", "delta_larger", "difference",
                            "min", "max", "mean", "ci_low", "ci_high", "figure_mean",
                            "reported_mean", "mean_common"})
P_COLUMNS = frozenset({schema.P_VALUE, schema.P_ADJUSTED})
"""Columns written as p-values: 3 significant digits, or "< 0.001"."""
EXTRA_LABELS = {"figure_mean": "Mean Δ of the figure", "reported_mean": "Reported average"}


def cell(value: object, column: str = "") -> str:
    """One table cell: numbers rounded, shares as percentages, p-values to 3 significant digits
    (or "< 0.001"), text escaped, empty for NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in P_COLUMNS and isinstance(value, (int, float, np.integer, np.floating)):
        return p_value(float(value))  # "< 0.001": a "<" before a space is never HTML
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        if column in SHARE_COLUMNS:
            return share_text(float(value))
        return signed(float(value), 2) if column in SIGNED_COLUMNS else number(float(value), 2)
    return escape_markdown(value)


def markdown_table(frame: pd.DataFrame) -> str:
    """`frame` as a GitHub-flavoured Markdown table, column names as the page shows them."""
    labels = {**detail_labels(frame), **condition_labels(frame), **EXTRA_LABELS}
    head = [escape_markdown(labels.get(c, c)) for c in frame.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v, c) for v, c in zip(row, frame.columns)) + " |")
    return "\n".join(lines)


def _findings_part(findings: list[Finding]) -> list[str]:
    out: list[str] = []
    for i, f in enumerate(findings, 1):
        out += [f"## {i}. {f.title}", "", f.markdown, ""]
        if not f.detail.empty:
            out += [markdown_table(f.detail), ""]
    return out


def _across_part(findings: list[Finding]) -> list[str]:
    out = ["## Across conditions", "", ACROSS_NOTE, ""]
    for f in findings:
        out += [f"### {f.title}", "", f.markdown, ""]
        if not f.detail.empty:
            out += [markdown_table(f.detail), ""]
    return out


def _claims_part(checks: list[ClaimCheck]) -> list[str]:
    out = ["## The source's claims, checked", "",
           f"{verdict_summary(checks)} Each claim "
           "is restated in our words; the verdict and the evidence are computed from the values.",
           ""]
    for c in checks:
        out += [f"- **{c.verdict.value}** ({c.section} {c.number}): {c.claim}  ",
                f"  {c.evidence}"]
    return out + [""]


def _interpretation_part(interp: Interpretation) -> list[str]:
    out = [f"## {interp.title}", ""]
    for paragraph in interp.paragraphs:
        out += [paragraph, ""]
    return out + [markdown_table(interp.comparison), ""]


def findings_report(findings: list[Finding], *, label: str, thresholds: Thresholds,
                    claims: list[ClaimCheck] | None = None,
                    interpretation: Interpretation | None = None,
                    notice: str | None = None, across: list[Finding] | None = None) -> str:
    """The report as Markdown text: the table it describes, the thresholds, every finding with
    its numbers, then (when given) the findings across conditions, the claims, the
    interpretation and a notice."""
    out = ["# Delta Explorer: findings", "",
           f"Table: {escape_markdown(label)}. Thresholds: {unchanged_text(thresholds.tolerance)}; "
           f"nearly all means at least {share_text(thresholds.nearly_all)} of a dataset's "
           f"models.", ""]
    out += _findings_part(findings)
    if across:
        out += _across_part(across)
    if claims:
        out += _claims_part(claims)
    if interpretation is not None:
        out += _interpretation_part(interpretation)
    if notice:
        out += [notice, ""]
    return "\n".join(out)
