"""AppTest of the overview page: chart data follows the filters and the URL; downloads offered."""

import json

import pandas as pd
import pyarrow as pa

from lib.core import schema
from lib.ui.state import ACTIVE_KEY, ActiveTable


def chart_rows(at) -> pd.DataFrame:
    el = at.get("vega_lite_chart")[0]
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def chart_spec(at) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def test_bundled_figure_draws_all_63_points(app_test):
    at = app_test()
    assert not at.exception
    rows = chart_rows(at)
    assert len(rows) == 63
    assert chart_spec(at)["facet"]["field"] == "dataset"
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 63


def test_filters_change_the_charts_data(app_test):
    at = app_test()
    at.multiselect(key="model").set_value(["GPT-4o", "DeepSeek-V3"]).run()
    assert set(chart_rows(at)[schema.MODEL]) == {"GPT-4o", "DeepSeek-V3"}
    at.multiselect(key="dataset").set_value(["GSM8K", "HumanEval"]).run()
    rows = chart_rows(at)
    assert len(rows) == 4 and set(rows[schema.DATASET]) == {"GSM8K", "HumanEval"}
    assert chart_spec(at)["facet"]["sort"] == ["GSM8K", "HumanEval"]
    at.multiselect(key="category").set_value(["Reasoning LLM"]).run()
    assert set(chart_rows(at)[schema.MODEL]) == {"DeepSeek-V3"}


def test_url_parameters_open_the_same_view(app_test):
    at = app_test(query={"model": ["GPT-4o", "Claude3.5"], "dataset": ["MATH"]})
    assert not at.exception
    rows = chart_rows(at)
    assert sorted(rows[schema.MODEL]) == ["Claude3.5", "GPT-4o"]
    assert set(rows[schema.DATASET]) == {"MATH"}


def test_unknown_url_values_are_ignored(app_test):
    at = app_test(query={"model": ["GPT-4o", "NoSuchModel"], "category": ["Bogus"],
                         "dataset": ["<script>"]})
    assert not at.exception
    assert at.multiselect(key="model").value == ["GPT-4o"]
    assert len(chart_rows(at)) > 0


def test_empty_selection_says_so_instead_of_drawing(app_test):
    at = app_test()
    at.multiselect(key="dataset").set_value([]).run()
    assert not at.exception
    assert not at.get("vega_lite_chart")
    assert "No rows match" in at.info[0].value


def test_four_downloads_are_offered(app_test):
    at = app_test()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Data (CSV)", "Chart (PNG)", "Chart (SVG)", "Chart (HTML)"]


def test_an_uploaded_table_is_drawn_and_its_name_is_escaped(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    table = schema.conform(pd.DataFrame({
        "model": ["**bold**", "m2"], "dataset": ["GSM8K", "NewSet"], "delta": [40.0, -2.0],
    }))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state[ACTIVE_KEY] = ActiveTable(table, label="Your data: **x**.csv",
                                               is_figure=False, y_title="Δ (points)")
    at.run()
    assert not at.exception
    assert len(chart_rows(at)) == 2
    spec = chart_spec(at)
    assert spec["spec"]["layer"][1]["encoding"]["y"]["scale"]["domain"] == [-30, 40]
    assert spec["spec"]["layer"][1]["encoding"]["y"]["title"] == "Δ (points)"
    assert "\\*\\*x\\*\\*" in at.caption[0].value


def test_many_models_start_on_the_strongest_twenty(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    rows = [{"model": f"m{i:03d}", "dataset": d, "delta": (i % 50) - 10.0}
            for i in range(300) for d in ("A", "B")]
    table = schema.conform(pd.DataFrame(rows))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state[ACTIVE_KEY] = ActiveTable(table, label="many", is_figure=False)
    at.run()
    assert not at.exception
    shown = at.multiselect(key="model").value
    assert len(shown) == 20
    assert set(chart_rows(at)[schema.MODEL]) == set(shown)
    # |Δ| is largest (39) for i % 50 == 49, i.e. m049, m099, ..., m299
    assert {"m049", "m099", "m149", "m199", "m249", "m299"} <= set(shown)
    assert any("300 models" in c.value for c in at.sidebar.caption)


def test_every_page_offers_the_way_back_to_the_figure(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    table = schema.conform(pd.DataFrame({"model": ["m"], "dataset": ["d"], "delta": [1.0]}))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state[ACTIVE_KEY] = ActiveTable(table, label="Your data: x.csv", is_figure=False)
    at.run()
    assert len(chart_rows(at)) == 1
    at.button(key="sidebar_back_to_figure").click().run()
    assert not at.exception
    assert len(chart_rows(at)) == 63
    assert all(b.key != "sidebar_back_to_figure" for b in at.button)
