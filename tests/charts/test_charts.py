"""The Δ dot plot's Vega-Lite spec: layers, facets, axis, legend, tooltips, styles."""

import altair as alt
import pandas as pd
import pytest

from lib.charts.dotplot import (AXIS_ROOM, COLUMN_SPACING, FACET_WIDTH, LEGEND_ROOM, MAX_FACET_COLUMNS,
                                NARROW, SELECTION, delta_dot_plot, facet_layout, plot_layout,
                                y_domain, y_ticks)
from lib.core import schema
from lib.core.figure import figure_styles, figure_table
from lib.core.styles import BASELINE_COLOR, BASELINE_LABEL, PALETTE, PENTAGON

DATASETS = ["HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]


def spec_of(table: pd.DataFrame, **kwargs) -> dict:
    with alt.data_transformers.disable_max_rows():
        return delta_dot_plot(table, **kwargs).to_dict()


def layers(spec: dict) -> dict[str, dict]:
    """The inner layers keyed by role: rule (baseline), interval, points."""
    out = {}
    for layer in spec["spec"]["layer"]:
        mark = layer["mark"]["type"]
        if mark == "point":
            out["points"] = layer
        elif "y2" in layer["encoding"]:
            out["interval"] = layer
        else:
            out["rule"] = layer
    return out


@pytest.fixture(scope="module")
def spec() -> dict:
    return spec_of(figure_table())


def test_points_and_baseline_rule_layers(spec):
    roles = layers(spec)
    assert set(roles) == {"points", "rule"}
    assert [lay["mark"]["type"] for lay in spec["spec"]["layer"]] == ["rule", "point"]
    rule = roles["rule"]
    assert rule["encoding"]["y"] == {"datum": 0}
    assert rule["mark"]["color"] == BASELINE_COLOR
    assert rule["encoding"]["strokeDash"]["scale"]["range"] == [[6, 4]]
    # one baseline per facet: the rule aggregates the rows of its dataset into one
    assert rule["transform"][0]["aggregate"] == [{"op": "count", "as": "points"}]
    assert rule["transform"][0]["groupby"] == [schema.DATASET]


def test_faceted_by_dataset_in_the_figures_order(spec):
    assert spec["facet"]["field"] == schema.DATASET
    assert spec["facet"]["sort"] == DATASETS
    assert spec["columns"] == 7
    assert spec["facet"]["header"]["labelOrient"] == "bottom"


def test_the_data_is_the_table_once_at_the_top(spec):
    rows = spec["datasets"][spec["data"]["name"]]
    assert len(rows) == 63
    assert "data" not in spec["spec"]


def test_y_axis_from_minus_30_to_30_every_10(spec):
    y = layers(spec)["points"]["encoding"]["y"]
    assert y["title"] == "Δ (%)"
    assert y["scale"]["domain"] == [-30, 30]
    assert y["axis"]["values"] == [-30, -20, -10, 0, 10, 20, 30]


def test_y_domain_grows_with_the_data():
    table = figure_table()
    table.loc[0, schema.DELTA] = 42.0
    table.loc[1, schema.DELTA] = -31.0
    y = layers(spec_of(table))["points"]["encoding"]["y"]
    assert y["scale"]["domain"] == [-40, 50]
    assert y["axis"]["values"] == [-40, -30, -20, -10, 0, 10, 20, 30, 40, 50]


def test_domain_and_ticks_helpers():
    assert y_domain([1, 2]) == (-30, 30)
    assert y_domain([float("nan"), 35.5]) == (-30, 40)
    ticks = y_ticks((-300, 500))
    assert len(ticks) <= 13 and 0 in ticks and ticks == sorted(ticks)
    assert facet_layout(7)[0] == 7
    assert facet_layout(40)[0] == 8


@pytest.mark.parametrize("n", range(1, 41))
@pytest.mark.parametrize("plot_width", [290, 330, 700, 1400, 2300])
def test_facets_fit_the_width_in_balanced_rows(n, plot_width):
    columns, width = facet_layout(n, plot_width)
    rows = -(-n // columns)
    assert columns * width + (columns - 1) * COLUMN_SPACING <= max(plot_width, FACET_WIDTH[0])
    assert width >= FACET_WIDTH[0]
    assert rows * columns - n < rows, "the last row is short by less than one per row"
    if rows > 1:  # no more rows than the width needs
        fits = (plot_width + COLUMN_SPACING) // (FACET_WIDTH[0] + COLUMN_SPACING)
        assert rows == -(-n // min(fits, MAX_FACET_COLUMNS))


def test_nine_datasets_come_as_five_and_four():
    assert facet_layout(9)[0] == 5
    assert facet_layout(17, 700)[0] == 6  # 6 + 6 + 5, not 8 + 8 + 1


@pytest.mark.parametrize("container", [360, 420, 640, 1024, 1600, 2560])
def test_the_chart_fits_its_container(container):
    columns, width = facet_layout(7, plot_layout(container)[0])
    legend = 0 if container < NARROW else LEGEND_ROOM
    assert columns * width + (columns - 1) * COLUMN_SPACING + AXIS_ROOM + legend <= container
    assert plot_layout(container)[1] == ("bottom" if container < NARROW else "right")


def test_tooltip_fields(spec):
    tips = layers(spec)["points"]["encoding"]["tooltip"]
    assert [t["field"] for t in tips] == [schema.MODEL, schema.CATEGORY, schema.DATASET,
                                          schema.DELTA]
    assert tips[3]["format"] == "+.1f"


def test_each_model_has_the_figures_color(spec):
    color = layers(spec)["points"]["encoding"]["color"]
    styles = figure_styles()
    assert color["field"] == schema.MODEL
    assert color["scale"]["domain"] == list(styles["model"])
    assert color["scale"]["range"] == list(styles["color"])


def test_each_category_has_its_shape(spec):
    shape = layers(spec)["points"]["encoding"]["shape"]
    assert shape["field"] == schema.CATEGORY
    assert shape["scale"]["domain"] == ["Open LLM", "Closed LLM", "Reasoning LLM"]
    assert shape["scale"]["range"] == ["circle", PENTAGON, "diamond"]


def test_legend_names_models_categories_and_baseline(spec):
    enc = layers(spec)["points"]["encoding"]
    assert enc["color"]["title"] == "Model"
    assert enc["shape"]["title"] == "Category"
    assert layers(spec)["rule"]["encoding"]["strokeDash"]["scale"]["domain"] == [BASELINE_LABEL]


def test_legend_click_highlights_a_model_everywhere(spec):
    points = layers(spec)["points"]
    [param] = spec["params"]  # Altair lifts the layer's parameter to the top, naming its view
    assert param["views"] == [points["name"]]
    assert param["name"] == SELECTION
    assert param["select"] == {"type": "point", "fields": [schema.MODEL]}
    assert param["bind"] == "legend"
    fill = points["encoding"]["fillOpacity"]
    assert fill["condition"] == {"param": SELECTION, "value": 1.0}
    assert fill["value"] < 0.5


def test_models_and_datasets_outside_the_figure_still_draw():
    table = pd.DataFrame({
        schema.MODEL: ["GPT-4o", "MyModel", "MyModel", "Other"],
        schema.DATASET: ["GSM8K", "GSM8K", "MyBench", "MyBench"],
        schema.DELTA: [1.0, 2.0, -3.0, 4.0],
        schema.CATEGORY: ["Closed LLM", "Mine", "Mine", "Unspecified"],
    })
    spec = spec_of(table)
    enc = layers(spec)["points"]["encoding"]
    assert enc["color"]["scale"]["domain"] == ["GPT-4o", "MyModel", "Other"]
    assert enc["color"]["scale"]["range"][1:] == [PALETTE[0], PALETTE[1]]
    assert enc["shape"]["scale"]["range"] == [PENTAGON, "square", "triangle-up"]
    assert spec["facet"]["sort"] == ["GSM8K", "MyBench"]


def test_compared_upload_is_hollow_with_its_own_legend_entry():
    figure = figure_table().assign(source="Figure")
    mine = figure_table().head(5).assign(source="Yours")
    enc = layers(spec_of(pd.concat([figure, mine])))["points"]["encoding"]
    assert enc["strokeWidth"]["field"] == schema.SOURCE
    assert enc["strokeWidth"]["scale"]["domain"] == ["Figure", "Yours"]
    assert enc["fillOpacity"]["condition"]["scale"]["range"] == [1.0, 0.0]
    assert "Yours (hollow)" in enc["strokeWidth"]["legend"]["labelExpr"]


def test_intervals_draw_behind_points_and_significance_fills():
    table = figure_table().assign(ci_low=lambda t: t.delta - 3, ci_high=lambda t: t.delta + 3)
    table["significant"] = (table.ci_low > 0) | (table.ci_high < 0)
    spec = spec_of(table)
    roles = layers(spec)
    assert roles["interval"]["encoding"]["y"]["field"] == schema.CI_LOW
    assert roles["interval"]["encoding"]["y2"]["field"] == schema.CI_HIGH
    assert [lay["mark"]["type"] for lay in spec["spec"]["layer"]] == ["rule", "rule", "point"]
    enc = roles["points"]["encoding"]
    assert enc["strokeWidth"]["field"] == schema.SIGNIFICANT
    tips = [t["field"] for t in enc["tooltip"]]
    assert schema.CI_LOW in tips and schema.CI_HIGH in tips
