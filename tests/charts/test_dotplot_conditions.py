"""The Δ dot plot of several conditions: one point per model × dataset × condition, side by side
in the model's band (xOffset), shaped by condition; one condition draws exactly as before."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import altair as alt
import pandas as pd
import pytest

from lib.analysis.compare import FIGURE_SOURCE, UPLOAD_SOURCE, combined_table
from lib.analysis.filters import of_condition, of_conditions, table_conditions
from lib.charts.dotplot import (CONDITION_SHAPES, NO_CONDITION_LABEL, SELECTION, SLOT,
                                delta_dot_plot, facet_layout)
from lib.charts.exports import export_spec
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.textcells import UNSAFE_CHARACTERS
from lib.ingest.pipeline import ingest
from tests.charts.test_charts import layers, spec_of
from tests.charts.test_exports_safety import run_python
from tests.ingest.test_conditions import METHODS

SCRIPT_NAME = "</script><script>alert(1)</script>"
CONTROL_NAME = "Co\x07T"


@pytest.fixture(scope="module")
def methods() -> pd.DataFrame:
    return ingest(METHODS, "methods.csv").table


def chart_data(spec: dict) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][spec["data"]["name"]])


def test_several_conditions_stand_side_by_side_shaped_by_condition(methods):
    conditions = table_conditions(methods)
    assert conditions == ["CoT", "Self-Refine", "CRITIC"]
    enc = layers(spec_of(methods))["points"]["encoding"]
    assert enc["xOffset"]["field"] == schema.CONDITION
    assert enc["xOffset"]["scale"]["domain"] == conditions
    assert enc["x"]["field"] == schema.MODEL and enc["x"]["scale"]["type"] == "band"
    assert enc["shape"]["field"] == schema.CONDITION and enc["shape"]["title"] == "Condition"
    assert enc["shape"]["scale"]["domain"] == conditions
    assert enc["shape"]["scale"]["range"] == list(CONDITION_SHAPES[:3])
    assert enc["color"]["field"] == schema.MODEL  # colour still by model
    tips = {t["field"]: t["title"] for t in enc["tooltip"]}
    assert tips[schema.CONDITION] == "Condition"
    assert tips[schema.CATEGORY] == "Category"  # the category stays findable


def test_one_point_per_model_dataset_and_condition_never_a_mean(methods):
    two = of_conditions(methods, ["CoT", "CRITIC"])
    spec = spec_of(two)
    data = chart_data(spec)
    keys = [schema.MODEL, schema.DATASET, schema.CONDITION]
    assert len(data) == len(two) == 8
    assert not data.duplicated(keys).any()
    drawn = data.set_index(keys)[schema.DELTA]
    assert drawn.to_dict() == two.set_index(keys)[schema.DELTA].to_dict()
    assert drawn[("GPT-4o", "MATH", "CoT")] == 3.3 and drawn[("GPT-4o", "MATH", "CRITIC")] == 0.0
    points = layers(spec)["points"]
    assert "transform" not in points and "aggregate" not in json.dumps(points["encoding"])
    assert layers(spec)["points"]["encoding"]["shape"]["scale"]["domain"] == ["CoT", "CRITIC"]


def test_intervals_follow_the_offset_and_the_legend_still_picks_a_model(methods):
    table = methods.assign(ci_low=methods[schema.DELTA] - 1, ci_high=methods[schema.DELTA] + 1)
    spec = spec_of(table)
    roles = layers(spec)
    assert roles["interval"]["encoding"]["xOffset"] == roles["points"]["encoding"]["xOffset"]
    assert roles["interval"]["encoding"]["x"] == roles["points"]["encoding"]["x"]
    [param] = spec["params"]
    assert param["name"] == SELECTION and param["bind"] == "legend"
    assert param["select"] == {"type": "point", "fields": [schema.MODEL]}
    assert param["views"] == [roles["points"]["name"]]


@pytest.mark.parametrize("case", ["upload", "figure", "compared"])
def test_one_condition_draws_exactly_as_a_table_without_conditions(methods, case):
    if case == "upload":
        one = of_condition(methods, "Self-Refine")
        bare = one.drop(columns=schema.CONDITION)
    elif case == "figure":
        bare = figure_table()
        one = bare.assign(**{schema.CONDITION: "only"})
    else:
        upload = of_condition(methods, "CRITIC")
        one = combined_table(figure_table(), upload)
        bare = combined_table(figure_table(), upload.drop(columns=schema.CONDITION))
    assert table_conditions(one) and schema.CONDITION not in bare.columns
    assert spec_of(one) == spec_of(bare)
    enc = layers(spec_of(one))["points"]["encoding"]
    assert enc["shape"]["field"] == schema.CATEGORY
    assert enc.get("xOffset", {}).get("field") in (None, schema.SOURCE)


def test_an_upload_of_several_conditions_beside_the_figure(methods):
    table = combined_table(figure_table(), of_conditions(methods, ["CoT", "CRITIC"]))
    spec = spec_of(table)
    enc = layers(spec)["points"]["encoding"]
    assert enc["xOffset"]["field"] == SLOT and enc["xOffset"]["scale"]["domain"] == [0, 1, 2]
    assert enc["strokeWidth"]["field"] == schema.SOURCE  # the upload still hollow
    assert enc["shape"]["scale"]["domain"] == [schema.NO_CONDITION, "CoT", "CRITIC"]
    assert f"'{NO_CONDITION_LABEL}'" in enc["shape"]["legend"]["labelExpr"]
    data = chart_data(spec)
    slots = data.groupby([schema.SOURCE, schema.CONDITION])[SLOT].unique()
    assert slots.map(len).eq(1).all()  # one slot per source × condition
    assert slots.map(lambda s: s[0]).to_dict() == {
        (FIGURE_SOURCE, schema.NO_CONDITION): 0, (UPLOAD_SOURCE, "CoT"): 1,
        (UPLOAD_SOURCE, "CRITIC"): 2}
    mine = data[data[schema.SOURCE] == UPLOAD_SOURCE]
    assert len(mine) == 8 and not mine.duplicated(
        [schema.MODEL, schema.DATASET, schema.CONDITION]).any()
    assert len(data) == 63 + 8


def test_several_conditions_widen_the_facets_in_fewer_columns():
    figure = figure_table()
    three = pd.concat([figure.assign(condition=c) for c in ("A", "B", "C")], ignore_index=True)
    one, many = spec_of(figure), spec_of(three)
    assert (one["columns"], one["spec"]["width"]) == facet_layout(7)
    assert many["columns"] < one["columns"] and many["spec"]["width"] > one["spec"]["width"]
    assert many["columns"] * many["spec"]["width"] <= 700
    assert facet_layout(7, min_width=300) == (2, 300)
    assert facet_layout(3, min_width=5000) == (1, 700)


def hostile_table() -> pd.DataFrame:
    rows = [{"model": m, "dataset": d, "condition": c, "delta": v}
            for m, d, c, v in [("A", "X", SCRIPT_NAME, 1.0), ("A", "X", CONTROL_NAME, -2.0),
                               ("B", "X", SCRIPT_NAME, 3.0), ("B", "X", CONTROL_NAME, 0.5)]]
    return schema.conform(pd.DataFrame(rows))


def test_hostile_condition_names_are_scrubbed_in_the_export_spec():
    spec = export_spec(delta_dot_plot(hostile_table()))
    text = json.dumps(spec)
    assert "\x07" not in text and "\\u0007" not in text
    enc = layers(spec)["points"]["encoding"]
    assert enc["shape"]["scale"]["domain"] == [SCRIPT_NAME, "Co\ufffdT"]
    assert set(chart_data(spec)[schema.CONDITION]) == {SCRIPT_NAME, "Co\ufffdT"}


def test_chart_files_of_hostile_conditions_in_a_subprocess():
    """vl-convert aborts its process on some text: drawn in a subprocess, as the other
    export safety tests do."""
    done = run_python("""
        import json
        from lib.charts.dotplot import delta_dot_plot
        from lib.charts.exports import chart_html, chart_png, chart_svg
        from tests.charts.test_dotplot_conditions import hostile_table
        chart = delta_dot_plot(hostile_table())
        png, svg, html = chart_png(chart), chart_svg(chart), chart_html(chart)
        print(json.dumps({"png": png[:8].hex(), "svg": svg.decode(), "html": html.decode()}))
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert bytes.fromhex(out["png"]) == b"\x89PNG\r\n\x1a\n"
    root = ET.fromstring(out["svg"])
    texts = {t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {SCRIPT_NAME, "Co\ufffdT", "Condition"} <= texts  # the legend names both, literally
    assert not any(UNSAFE_CHARACTERS.search(t) for t in texts)
    html = out["html"]
    assert "alert(1)" in html  # the name is there, as data ...
    assert "<script>alert" not in html.lower()  # ... never as a live script
    assert html.lower().count("<script") == html.lower().count("</script") == 2
    assert "\x07" not in html


def test_a_chart_file_of_several_conditions_is_drawn_from_the_chart(methods):
    from lib.charts.exports import chart_svg

    svg = chart_svg(delta_dot_plot(methods)).decode("utf-8")
    root = ET.fromstring(svg)
    texts = {t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"CoT", "Self-Refine", "CRITIC", "Condition"} <= texts
    with alt.data_transformers.disable_max_rows():
        assert len(chart_data(delta_dot_plot(methods).to_dict())) == 12
