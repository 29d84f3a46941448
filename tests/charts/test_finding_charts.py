"""lib/charts/findings.py: each finding's chart is a valid Vega-Lite spec that draws its points."""

from __future__ import annotations

import pandas as pd
import pytest
import vl_convert as vlc

from lib.analysis.findings import all_findings, scale_within_family
from lib.charts.findings import HIGHLIGHT_KEYS, finding_chart, highlight_chart
from lib.core import schema
from lib.core.figure import figure_table


def chart_data(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def findings():
    return {f.key: f for f in all_findings(figure_table())}


@pytest.mark.parametrize("key", ["leaders", "gains", "drops", "same_direction", "categories",
                                 "scale", "baseline", "volatility"])
def test_every_chart_renders(findings, key):
    chart = finding_chart(findings[key], figure_table(), "Δ (%)")
    png = vlc.vegalite_to_png(chart.to_json(), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("key", HIGHLIGHT_KEYS)
def test_highlight_charts_mark_exactly_the_finding_points(findings, key):
    f = findings[key]
    data = chart_data(finding_chart(f, figure_table()))
    assert len(data) == 63
    picked = set(zip(data.loc[data.concerned, "model"], data.loc[data.concerned, "dataset"]))
    assert picked == {(p.model, p.dataset) for p in f.points}


def test_highlight_chart_has_a_baseline_and_colors_only_the_concerned(findings):
    spec = highlight_chart(figure_table(), findings["drops"]).to_dict()
    rule, points = spec["layer"]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["y"] == {"datum": 0}
    assert points["encoding"]["color"]["condition"]["test"] == "datum.concerned"


def test_aggregate_charts_plot_the_finding_table(findings):
    cats = chart_data(finding_chart(findings["categories"], figure_table()))
    assert list(cats.category) == ["Open LLM", "Closed LLM", "Reasoning LLM"]
    spread = chart_data(finding_chart(findings["volatility"], figure_table()))
    assert spread.model.iloc[0] == "DeepSeek-V3" and spread.model.iloc[-1] == "QWQ-32B"
    share = chart_data(finding_chart(findings["baseline"], figure_table()))
    assert list(share.scope) == ["all datasets", "without HumanEval"]
    scale = finding_chart(findings["scale"], figure_table()).to_dict()
    assert scale["facet"]["field"] == "pair" and scale["columns"] == 1  # fits a phone


def test_no_scale_chart_without_families():
    t = schema.conform(pd.DataFrame({"model": ["A", "B"], "dataset": ["D", "D"],
                                     "delta": [1.0, 2.0]}))
    assert finding_chart(scale_within_family(t), t) is None
