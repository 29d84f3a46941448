"""lib/charts/specs.py: a chart's spec built once draws the same chart as `st.altair_chart`."""

from __future__ import annotations

import json

import numpy as np

import pandas as pd
import pyarrow as pa
import pytest

from lib.analysis.findings import Thresholds, all_findings, finding_steps
from lib.charts.dotplot import delta_dot_plot
from lib.charts.findings import HIGHLIGHT_KEYS, finding_chart, highlight_chart, highlight_rows
from lib.charts.specs import vega_spec, with_rows
from lib.core import schema
from lib.core.figure import figure_table


def _charts():
    table = figure_table()
    found = all_findings(table, Thresholds(tolerance=1.0))
    return [delta_dot_plot(table)] + [c for f in found if (c := finding_chart(f, table, "Δ"))]


def _drawn(mode: str) -> list:
    """The chart elements of an app that draws every chart either way."""
    from streamlit.testing.v1 import AppTest

    def app(mode: str) -> None:
        import streamlit as st

        from lib.charts.specs import vega_spec
        from tests.charts.test_specs import _charts

        for i, chart in enumerate(_charts()):
            if mode == "altair":
                st.altair_chart(chart, key=f"c{i}", width="stretch")
            else:
                st.vega_lite_chart(vega_spec(chart), key=f"c{i}", width="stretch")

    at = AppTest.from_function(app, args=(mode,), default_timeout=60)
    at.run()
    assert not at.exception
    return at.get("vega_lite_chart")


def _rows(dataset) -> pd.DataFrame:
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()


def test_a_kept_spec_draws_what_altair_chart_draws():
    altair, kept = _drawn("altair"), _drawn("spec")
    assert len(altair) == len(kept) == 9
    for a, b in zip(altair, kept):
        spec = b.proto.spec
        assert len(a.proto.datasets) == len(b.proto.datasets) >= 1
        for da, db in zip(a.proto.datasets, b.proto.datasets):
            spec = spec.replace(db.name, da.name)  # only the datasets' names differ
            assert _rows(da).equals(_rows(db))
        assert spec == a.proto.spec
        assert (a.proto.theme, a.proto.use_container_width) == (b.proto.theme,
                                                               b.proto.use_container_width)


def test_rows_are_named_by_their_content():
    table = figure_table()
    first, again = vega_spec(delta_dot_plot(table)), vega_spec(delta_dot_plot(table.copy()))
    assert list(first["datasets"]) == list(again["datasets"])
    other = table.assign(delta=table["delta"] + 1)
    assert list(vega_spec(delta_dot_plot(other))["datasets"]) != list(first["datasets"])
    json.dumps({k: v for k, v in first.items() if k != "datasets"})  # the rest is plain JSON


def test_with_rows_is_the_chart_built_for_those_rows():
    table = figure_table()
    found = [f for f in all_findings(table) if f.key in HIGHLIGHT_KEYS]
    layout = vega_spec(highlight_chart(table, found[0], "Δ"))
    for finding in found[1:]:
        built = vega_spec(highlight_chart(table, finding, "Δ"))
        swapped = with_rows(layout, highlight_rows(table, finding))
        assert swapped["data"] == built["data"]
        assert {k: v for k, v in swapped.items() if k != "datasets"} == {
            k: v for k, v in built.items() if k != "datasets"}
        (rows,) = swapped["datasets"].values()
        (expected,) = built["datasets"].values()
        assert rows.equals(expected)
    with pytest.raises(ValueError):
        with_rows({"datasets": {"a": table}, "layer": []}, table)


def test_finding_steps_are_all_findings_in_order_with_what_they_read():
    table = figure_table()
    for thresholds in (Thresholds(), Thresholds(tolerance=2.0, nearly_all=0.6)):
        steps = finding_steps(thresholds)
        found = all_findings(table, thresholds)
        assert [key for key, _reads, _make in steps] == [f.key for f in found]
        assert [make(table).statement for _k, _r, make in steps] == [f.statement for f in found]
        reads = {key: r for key, r, _make in steps}
        assert reads["leaders"] == reads["volatility"] == ()
        assert reads["same_direction"] == (thresholds.tolerance, thresholds.nearly_all)
    # a finding that does not list a threshold as read does not change with it
    low, high = Thresholds(tolerance=0.0), Thresholds(tolerance=5.0)
    for (key, reads, make_low), (_k, _r, make_high) in zip(finding_steps(low),
                                                            finding_steps(high)):
        if not reads:
            assert make_low(table).statement == make_high(table).statement, key


@pytest.mark.parametrize("table", ["figure", "conditions"])
def test_a_layout_with_other_rows_is_the_chart_of_other_thresholds(table):
    from lib.charts.findings import chart_layout, chart_rows

    t = figure_table() if table == "figure" else figure_table().assign(delta=lambda d: -d.delta)
    layouts: dict[tuple, dict] = {}
    seen = set()
    for tolerance in (0.0, 0.5, 2.0, 5.0, 9.0):
        for nearly_all in (0.6, 0.8, 1.0):
            for finding in all_findings(t, Thresholds(tolerance, nearly_all)):
                key = chart_layout(finding)
                if key is None:
                    continue
                built = vega_spec(finding_chart(finding, t, "Δ"))
                layout = layouts.setdefault((finding.key, key), built)
                swapped = with_rows(layout, chart_rows(finding, t))
                assert {k: v for k, v in swapped.items() if k != "datasets"} == {
                    k: v for k, v in built.items() if k != "datasets"}, finding.key
                (rows,) = swapped["datasets"].values()
                (expected,) = built["datasets"].values()
                assert rows.equals(expected)
                seen.add(finding.key)
    assert seen == {"leaders", "gains", "drops", "same_direction", "categories", "scale",
                    "baseline"}


def test_a_model_condition_layout_with_another_model_s_rows_is_that_model_s_chart():
    from lib.analysis.conditions import model_conditions
    from lib.charts.conditions import (model_condition_chart, model_condition_layout,
                                       model_condition_rows)

    rng = np.random.default_rng(3)
    table = pd.DataFrame([{"model": f"M{m}", "dataset": f"D{d}", "category": "G",
                           "condition": c, "delta": float(rng.normal(0, 5))}
                          for m in range(4) for d in range(3) for c in ("a", "b")
                          if not (m == 3 and d == 2)])
    table = schema.conform(table).assign(ci_low=lambda t: t.delta - 1,
                                         ci_high=lambda t: t.delta + 1)
    layouts: dict[tuple, dict] = {}
    for model in ("M0", "M1", "M2", "M3"):
        rows = model_conditions(table, model)
        built = vega_spec(model_condition_chart(rows, ["a", "b"], y_title="Δ", ci="90% CI"))
        layout = layouts.setdefault(model_condition_layout(rows, ["a", "b"]), built)
        swapped = with_rows(layout, model_condition_rows(rows))
        assert {k: v for k, v in swapped.items() if k != "datasets"} == {
            k: v for k, v in built.items() if k != "datasets"}, model
        (got,), (expected,) = swapped["datasets"].values(), built["datasets"].values()
        assert got.equals(expected)
    assert len(layouts) == 2  # M3 lacks a dataset: a layout of its own


@pytest.mark.parametrize("model, reference", [
    ("GPT-4o", "Claude3.5"), ("a.b[0]", 'say "hi"'), ("Δ model ✓", "Mean of the 3 others"),
    ("quantitative", "delta")])
def test_a_layout_with_stand_ins_given_names_is_the_chart_built_with_them(model, reference):
    from lib.charts.profiles import comparison_chart
    from lib.charts.specs import stand_in, with_names

    datasets, domain = ("D1", "D2", "D3"), (-20.0, 20.0)
    markers = (("#1a9e8f", "circle"), ("#888888", "M0,-1L1,1L-1,1Z"))
    slots = (stand_in("m"), stand_in("r"))
    slot_markers = ((stand_in("mc"), stand_in("ms")), (stand_in("rc"), stand_in("rs")))
    layout = comparison_chart(datasets, domain, *slots, slot_markers, y_title="Δ").to_dict()
    names = dict(zip(slots + slot_markers[0] + slot_markers[1],
                     (model, reference, *markers[0], *markers[1])))
    built = comparison_chart(datasets, domain, model, reference, markers, y_title="Δ").to_dict()
    assert with_names(layout, names) == built
    assert "\x00" not in json.dumps(with_names(layout, names))
