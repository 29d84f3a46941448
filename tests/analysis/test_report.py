"""lib/analysis/report.py: the Markdown report carries every finding with its numbers, the claims and the
interpretation for the figure, and stays well-formed whatever the names in an upload are."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib.analysis.claims import check_claims
from lib.analysis.findings import Thresholds, all_findings
from lib.analysis.interpretation import TITLE, interpretation, upload_notice
from lib.analysis.report import cell, findings_report, markdown_table
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from tests.hostile_names import GFM_LINK_LITERALS, readable, resolved

HOSTILE = ["*bold*_x_", "[click](http://evil.example)", "<script>alert(1)</script>",
           "# Heading", "a|b|c", "`code`", "1. item", "$x^2$"]


@pytest.fixture(scope="module")
def figure_report() -> str:
    t = figure_table()
    exact = Thresholds(tolerance=0.0)  # the hand-computed counts are at exactly 0
    return findings_report(all_findings(t, exact), label="Bundled figure", thresholds=exact,
                           claims=check_claims(t), interpretation=interpretation(t))


def hostile_table() -> pd.DataFrame:
    rows = [{"model": m, "dataset": d, "delta": float(v), "category": "Group [1]"}
            for i, m in enumerate(HOSTILE)
            for d, v in (("D|one", i - 3), ("#two", 5 - i), ("three*", 2 * (i % 3) - 2))]
    return schema.conform(pd.DataFrame(rows))


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_the_figure_report_has_every_part(figure_report):
    t = figure_table()
    for f in all_findings(t, Thresholds(tolerance=0.0)):
        assert f.title in figure_report
        assert f.markdown in figure_report
    assert "## The source's claims, checked" in figure_report
    assert "Of the 22 claims checked, 16 hold, 5 hold in part and 1 does not hold." in figure_report
    assert figure_report.count("- **") == 22
    assert "- **does not hold** (Key observation 5): Most points lie above the baseline." \
        in figure_report
    assert f"## {TITLE}" in figure_report
    assert "only a Δ of exactly 0 counts as unchanged" in figure_report
    assert "| HumanEval | 0 | 0 | 9 | 9 | 0% | below | 100% | yes |" in figure_report
    assert "| all datasets | 31 | 3 | 29 | 63 | 49% |" in figure_report
    assert "| MATH | -3.56 | -2.53 | -1.03 |" in figure_report


def test_every_table_row_has_as_many_cells_as_its_header(figure_report):
    blocks = re.findall(r"((?:^\|.*\|$\n?)+)", figure_report, flags=re.M)
    assert len(blocks) == 9  # eight findings and the comparison with the reported averages
    for block in blocks:
        lines = block.strip().splitlines()
        assert len({unescaped_pipes(line) for line in lines}) == 1, lines[0]


def test_an_upload_report_has_the_notice_and_no_claims():
    t = hostile_table()
    text = findings_report(all_findings(t), label="Your data: [x](y).csv",
                           thresholds=Thresholds(tolerance=1.0, nearly_all=0.9),
                           notice=upload_notice(len(t)))
    assert "claims, checked" not in text and TITLE not in text
    assert upload_notice(len(t)) in text
    assert "a Δ within ±1 counts as unchanged; nearly all means at least 90%" in text
    assert r"Table: Your data: \[x\](y).csv." in text


def test_names_from_an_upload_cannot_break_the_markdown():
    t = hostile_table()
    text = findings_report(all_findings(t), label="<b>label</b>", thresholds=Thresholds())
    for name in HOSTILE + ["D|one", "#two", "three*"]:
        assert escape_markdown(name) in text, name
        assert name not in text.replace(escape_markdown(name), ""), name
    assert "[click](" not in text and "<script>" not in text and "<b>" not in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert all(re.match(r"^#{1,2} ", h) for h in headings)
    assert not any("Heading" in h for h in headings)
    for block in re.findall(r"((?:^\|.*\|$\n?)+)", text, flags=re.M):
        lines = block.strip().splitlines()
        assert len({unescaped_pipes(line) for line in lines}) == 1
    assert not any(re.match(r"^\s*(\d+\.|[-*+]) ", line) and "**" not in line
                   for line in text.splitlines()), "no name starts a list"


def test_cells():
    assert cell(True) == "yes" and cell(False) == "no"
    assert cell(float("nan")) == "" and cell(None) == ""
    assert cell(0.4923, "share_above") == "49%"
    assert cell(-3.5555, "mean_delta") == "-3.56" and cell(18.0, "delta") == "+18"
    assert cell(11.2059, "sd") == "11.21" and cell(7, "points") == "7"
    assert cell("a|b") == r"a\|b"
    table = markdown_table(pd.DataFrame({"model": ["x"], "delta": [1.0]}))
    assert table.splitlines() == ["| Model | Δ |", "|---|---|", "| x | +1 |"]


def test_no_name_becomes_a_link_or_breaks_a_row_in_the_report():
    links = ["https://evil.example/x", "www.evil.com", "a@b.co"]
    rows = [{"model": m, "dataset": d, "delta": float((i * 5 + j * 3) % 11 - 5)}
            for i, m in enumerate(links + ["two\rlines", "Plain"])
            for j, d in enumerate(["http://d.example", "e@f.io", "D3"])]
    t = schema.conform(pd.DataFrame(rows))
    text = findings_report(all_findings(t), label="Your data: www.label.com",
                           thresholds=Thresholds())
    assert GFM_LINK_LITERALS.findall(" ".join(links)), "the pattern does find bare links"
    assert GFM_LINK_LITERALS.findall(resolved(text)) == []
    shown = readable(text)
    for name in links + ["http://d.example", "e@f.io", "www.label.com", "two lines"]:
        assert name in shown, name
    for block in re.findall(r"((?:^\|.*\|$\n?)+)", text, flags=re.M):
        lines = block.strip().splitlines()
        assert len({unescaped_pipes(line) for line in lines}) == 1
    assert "\r" not in text


def test_the_report_reads_as_plain_text(figure_report):
    """Names stand as they are written where Markdown would not misread them: GPT-3.5, not
    GPT\\-3\\.5."""
    assert "GPT-3.5" in figure_report and "Qwen2.5-72B" in figure_report
    assert "\\-" not in figure_report and "\\." not in figure_report


def test_p_values_in_the_report_read_as_on_the_page():
    from lib.analysis.report import cell
    from lib.core import schema
    assert cell(1e-11, schema.P_ADJUSTED) == "< 0.001"
    assert cell(0.023456, schema.P_VALUE) == "0.0235"
    assert cell(0.023456, "sd") == "0.02", "other numbers keep two decimals"
