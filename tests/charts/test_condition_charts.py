"""lib/charts/conditions.py: the charts across conditions are valid Vega-Lite specifications that
draw exactly the numbers of their finding (TABLE of tests/analysis/test_conditions_analysis.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import vl_convert as vlc

from lib.analysis import conditions as cond
from lib.analysis.findings import Thresholds
from lib.charts import conditions as charts
from lib.core import schema
from lib.core.styles import BASELINE_COLOR
from tests.analysis.test_conditions_analysis import build


def chart_data(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


def layers(spec: dict) -> list[dict]:
    return spec["layer"]


@pytest.fixture(scope="module")
def findings() -> dict[str, object]:
    # counted at exactly 0, as the hand counts below are
    return {f.key: f for f in cond.across_conditions(build(), Thresholds(tolerance=0.0))}


@pytest.mark.parametrize("key", [cond.BY_DATASET, cond.AGREEMENT, cond.BY_MODEL])
def test_every_chart_renders(findings, key):
    chart = charts.condition_chart(findings[key], "Δ (points)")
    png = vlc.vegalite_to_png(chart.to_json(), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_heatmap_holds_each_compared_dataset_and_outlines_the_highest(findings):
    f = findings[cond.BY_DATASET]
    data = chart_data(charts.condition_chart(f))
    assert list(dict.fromkeys(data[schema.DATASET])) == ["X", "Y", "Z", "W"]  # V: one condition
    cell = data.set_index([schema.DATASET, schema.CONDITION])
    assert cell.loc[("Y", "A"), "label"] == "+1.33" and cell.loc[("X", "C"), "label"] == "+5"
    outlined = set(cell.index[cell["highest"]])
    assert outlined == {("X", "C"), ("Y", "A"), ("Z", "A"), ("W", "A"), ("W", "B")}
    spec = charts.condition_chart(f).to_dict()
    x = layers(spec)[1]["encoding"]["x"]
    assert x["sort"] == ["A", "B", "C"]  # the table's order
    assert any(layer.get("transform") == [{"filter": "datum.highest"}] for layer in layers(spec))


def test_the_heatmap_keeps_the_tables_condition_order_when_a_dataset_lacks_one():
    # the figure's GSM8K comes first among datasets, but has no A; A is the table's first
    t = schema.conform(pd.DataFrame({
        "model": ["m", "m", "m", "m", "n", "n"],
        "dataset": ["Y", "Y", "GSM8K", "GSM8K", "GSM8K", "GSM8K"],
        "condition": ["A", "B", "B", "C", "B", "C"], "delta": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}))
    f = cond.best_by_dataset(t)
    assert list(dict.fromkeys(f.detail[schema.DATASET])) == ["GSM8K", "Y"]
    assert f.numbers["conditions"] == ["A", "B", "C"]
    spec = charts.condition_chart(f).to_dict()
    assert layers(spec)[1]["encoding"]["x"]["sort"] == ["A", "B", "C"]


def test_the_agreement_bars_add_up_to_the_pairs_of_each_pair_of_conditions(findings):
    data = chart_data(charts.condition_chart(findings[cond.AGREEMENT]))
    ab = data.loc[data["pair"] == "A and B"].set_index("side")["count"].to_dict()
    assert ab == {"same": 7, "one_unchanged": 2, "opposite": 1}
    assert data.groupby("pair")["count"].sum().to_dict() == {"A and B": 10, "A and C": 1,
                                                               "B and C": 1}


def test_the_best_counts_bars_keep_ties_apart():
    t = build()
    t = t.loc[t[schema.DATASET] == "W"].assign(model="solo")  # A and B: mean 1.5 each
    f = cond.best_by_model(t)
    data = chart_data(charts.condition_chart(f)).set_index([schema.CONDITION, "how"])["models"]
    assert data[("A", "shared")] == data[("B", "shared")] == 1
    assert data[("A", "alone")] == data[("B", "alone")] == 0


def test_the_model_chart_puts_conditions_side_by_side_over_a_baseline():
    rows = cond.model_conditions(build(), "m1")
    spec = charts.model_condition_chart(rows, ["A", "B", "C"], y_title="Δ (points)").to_dict()
    zero, points = layers(spec)
    assert zero["mark"]["type"] == "rule" and zero["mark"]["color"] == BASELINE_COLOR
    assert zero["data"]["values"] == [{"zero": 0}]
    enc = points["encoding"]
    assert enc["xOffset"]["field"] == schema.CONDITION and enc["color"]["field"] == schema.CONDITION
    assert enc["shape"]["scale"]["domain"] == ["A", "B", "C"]
    assert enc["color"]["scale"]["range"][:3] == list(charts.condition_styles("ABC")[0])
    assert enc["y"]["title"] == "Δ (points)"
    data = chart_data(charts.model_condition_chart(rows, ["A", "B", "C"]))
    assert len(data) == 10
    assert data.set_index([schema.DATASET, schema.CONDITION])[schema.DELTA][("X", "C")] == 5.0


def test_the_model_chart_draws_intervals_where_the_table_has_them():
    t = build()
    rows = cond.model_conditions(t.assign(ci_low=t.delta - 1, ci_high=t.delta + 1), "m2")
    spec = charts.model_condition_chart(rows, ["A", "B", "C"], ci="95% CI").to_dict()
    zero, interval, points = layers(spec)
    assert interval["mark"]["type"] == "rule"
    assert interval["encoding"]["y"]["field"] == schema.CI_LOW
    assert interval["encoding"]["y2"]["field"] == schema.CI_HIGH
    assert "95% CI low" in [t["title"] for t in points["encoding"]["tooltip"]]


def test_names_are_data_never_field_names():
    odd = {"A": "a.b[0]", "B": "<b>x</b>", "m1": "m 'quoted'"}
    f = {x.key: x for x in cond.across_conditions(build(odd))}
    for key in (cond.BY_DATASET, cond.AGREEMENT, cond.BY_MODEL):
        png = vlc.vegalite_to_png(charts.condition_chart(f[key]).to_json(), scale=1)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    rows = cond.model_conditions(build(odd), "m 'quoted'")
    chart = charts.model_condition_chart(rows, ["a.b[0]", "<b>x</b>", "C"])
    assert set(chart_data(chart)[schema.CONDITION]) == {"a.b[0]", "<b>x</b>", "C"}
    assert vlc.vegalite_to_png(chart.to_json(), scale=1)[:4] == b"\x89PNG"


def test_nothing_to_draw_gives_no_chart():
    t = schema.conform(pd.DataFrame({"model": ["m", "n"], "dataset": ["X", "Y"],
                                     "condition": ["A", "B"], "delta": [1.0, 2.0]}))
    f = {x.key: x for x in cond.across_conditions(t)}
    assert all(charts.condition_chart(x) is None for x in f.values())


def test_many_pairs_of_conditions_are_drawn_as_a_matrix():
    from tests.analysis.test_conditions_analysis import many_conditions

    few = {x.key: x for x in cond.across_conditions(many_conditions(6))}[cond.AGREEMENT]
    assert len(few.detail) == charts.MAX_PAIR_BARS
    assert "pair" in chart_data(charts.condition_chart(few)).columns
    assert charts.chart_width(few) == "stretch"
    many = {x.key: x for x in cond.across_conditions(many_conditions(7))}[cond.AGREEMENT]
    chart = charts.condition_chart(many)
    data = chart_data(chart)
    assert len(data) == 2 * 21  # both halves of the 7 × 7 matrix
    spec = chart.to_dict()
    assert layers(spec)[0]["encoding"]["x"]["sort"] == [f"c{i}" for i in range(7)]
    assert charts.chart_width(many) == "content"
    png = vlc.vegalite_to_png(chart.to_json(), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
