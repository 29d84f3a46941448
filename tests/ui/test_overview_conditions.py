"""AppTest: the Overview shows one condition (the first by default) or several side by side,
picked in the sidebar and kept in the page address; the other pages, one condition at a time,
open on a condition picked there and the Overview on theirs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.analysis.compare import combined_table
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from lib.ingest.pipeline import ingest
from lib.ui.state import (ACTIVE_KEY, CONDITION_KEY, CONDITIONS_KEY, ActiveTable)
from tests.ingest.test_conditions import METHODS
from tests.ui.test_page_conditions import chart_rows, with_methods

KEYS = [schema.MODEL, schema.DATASET, schema.CONDITION]


@pytest.fixture(scope="module")
def methods() -> pd.DataFrame:
    return ingest(METHODS, "methods.csv").table


def values_of(table: pd.DataFrame, conditions: list[str]) -> dict[tuple[str, str, str], float]:
    """Δ per model × dataset × condition of `conditions`, as in the file."""
    rows = table[table[schema.CONDITION].isin(conditions)]
    return rows.set_index(KEYS)[schema.DELTA].to_dict()


def drawn(at) -> dict[tuple[str, str, str], float]:
    """The Overview chart's Δ per model × dataset × condition: one value each, or it fails. A
    chart of one condition carries no condition column: its rows are the one picked."""
    rows = chart_rows(at)
    if schema.CONDITION not in rows.columns:
        [only] = picker(at).value
        rows = rows.assign(**{schema.CONDITION: only})
    assert not rows.duplicated(KEYS).any()
    return rows.set_index(KEYS)[schema.DELTA].to_dict()


def chart_spec(at) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def caption(at) -> str:
    return at.caption[0].value


def picker(at):
    return at.multiselect(key=CONDITIONS_KEY)


def test_the_overview_opens_on_the_first_condition_as_before(app_test, methods):
    at = with_methods(app_test, "pages/overview.py")
    assert picker(at).options == ["CoT", "Self-Refine", "CRITIC"]
    assert picker(at).value == ["CoT"]
    rows = chart_rows(at)
    assert len(rows) == 4 and schema.CONDITION not in rows.columns  # drawn as one table
    assert rows.set_index([schema.MODEL, schema.DATASET])[schema.DELTA].to_dict() == {
        (m, d): v for (m, d, _), v in values_of(methods, ["CoT"]).items()}
    assert escape_markdown("condition: CoT") + ". " in caption(at)
    assert chart_spec(at)["spec"]["layer"][-1]["encoding"]["shape"]["field"] == schema.CATEGORY
    assert not [s for s in at.selectbox if s.key == CONDITION_KEY]  # one picker, not two


def test_two_conditions_are_drawn_side_by_side_each_with_its_own_values(app_test, methods):
    at = with_methods(app_test, "pages/overview.py")
    picker(at).set_value(["CRITIC", "CoT"]).run()
    assert not at.exception
    assert drawn(at) == values_of(methods, ["CoT", "CRITIC"])  # 8 points, none a mean
    assert drawn(at)[("GPT-3.5", "MATH", "CRITIC")] == -2.0
    assert drawn(at)[("GPT-3.5", "MATH", "CoT")] == 1.0
    enc = chart_spec(at)["spec"]["layer"][-1]["encoding"]
    assert enc["xOffset"]["field"] == enc["shape"]["field"] == schema.CONDITION
    assert enc["shape"]["scale"]["domain"] == ["CoT", "CRITIC"]  # the table's order
    assert escape_markdown("conditions: CoT and CRITIC") + ". " in caption(at)
    assert "side by side" in caption(at)
    shown = at.dataframe[0].value  # "Values shown" keeps the condition of every row
    assert len(shown) == 8 and set(shown[schema.CONDITION]) == {"CoT", "CRITIC"}


def test_the_choice_lives_in_the_address(app_test, methods):
    at = with_methods(app_test, "pages/overview.py",
                      query={CONDITIONS_KEY: ["Self-Refine", "CRITIC"]})
    assert picker(at).value == ["Self-Refine", "CRITIC"]
    assert drawn(at) == values_of(methods, ["Self-Refine", "CRITIC"])
    at.run()  # a rerun keeps it
    assert picker(at).value == ["Self-Refine", "CRITIC"]
    assert drawn(at) == values_of(methods, ["Self-Refine", "CRITIC"])


def test_a_pick_written_to_the_address_opens_the_same_view(app_test, methods):
    at = with_methods(app_test, "pages/overview.py")
    picker(at).set_value(["CoT", "Self-Refine"]).run()
    at.switch_page("pages/findings.py").run()
    at.switch_page("pages/overview.py").run()  # the picker comes back with its value ...
    address = at.query_params[CONDITIONS_KEY]  # ... written to the address
    assert sorted(address) == ["CoT", "Self-Refine"]
    again = with_methods(app_test, "pages/overview.py", query={CONDITIONS_KEY: address})
    assert sorted(picker(again).value) == ["CoT", "Self-Refine"]
    assert drawn(again) == drawn(at) == values_of(methods, ["CoT", "Self-Refine"])


@pytest.mark.parametrize("address, expected", [
    (["<b>nope</b>"], ["CoT"]),
    (["nope", "CRITIC"], ["CRITIC"]),
    ([""], []),
])
def test_unknown_values_in_the_address_fall_back_without_an_error(app_test, address, expected):
    at = with_methods(app_test, "pages/overview.py", query={CONDITIONS_KEY: address})
    assert not at.exception and picker(at).value == expected
    if expected:
        assert set(chart_rows(at)[schema.DELTA]) and len(chart_rows(at)) == 4
    else:  # an emptied picker: nothing drawn, and the way out said
        assert not at.get("vega_lite_chart")
        assert any("Widen the selection in the sidebar" in i.value for i in at.info)


def test_a_single_condition_address_of_another_page_opens_the_overview_on_it(app_test):
    at = with_methods(app_test, "pages/overview.py", query={CONDITION_KEY: "CRITIC"})
    assert picker(at).value == ["CRITIC"]
    assert {c for _, _, c in drawn(at)} == {"CRITIC"}
    assert CONDITION_KEY not in at.query_params  # read once, then the Overview's own name


def test_other_pages_open_on_the_first_pick_and_the_overview_keeps_its_picks(app_test):
    at = with_methods(app_test, "pages/overview.py")
    picker(at).set_value(["CRITIC", "Self-Refine"]).run()
    for page in ("pages/profiles.py", "pages/findings.py"):  # the first in the table's order
        at.switch_page(page).run()
        assert not at.exception and at.selectbox(key=CONDITION_KEY).value == "Self-Refine"
    at.selectbox(key=CONDITION_KEY).set_value("CRITIC").run()  # another of the Overview's picks
    at.switch_page("pages/overview.py").run()
    assert picker(at).value == ["CRITIC", "Self-Refine"]
    assert {c for _, _, c in drawn(at)} == {"Self-Refine", "CRITIC"}
    at.switch_page("pages/profiles.py").run()
    assert at.selectbox(key=CONDITION_KEY).value == "CRITIC"  # still its own, still picked


def test_a_condition_picked_elsewhere_and_not_on_the_overview_is_what_it_opens_on(app_test,
                                                                                  methods):
    at = with_methods(app_test, "pages/overview.py")
    picker(at).set_value(["CoT", "CRITIC"]).run()
    at.switch_page("pages/findings.py").run()
    assert at.selectbox(key=CONDITION_KEY).value == "CoT"
    at.selectbox(key=CONDITION_KEY).set_value("Self-Refine").run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception and picker(at).value == ["Self-Refine"]
    assert drawn(at) == values_of(methods, ["Self-Refine"])
    picker(at).set_value(["Self-Refine", "CoT"]).run()  # and the picker still answers
    assert drawn(at) == values_of(methods, ["CoT", "Self-Refine"])


def test_back_to_the_figure_with_several_conditions_picked(app_test):
    at = with_methods(app_test, "pages/overview.py", query={CONDITIONS_KEY: ["CoT", "CRITIC"]})
    assert len(chart_rows(at)) == 8
    at.button(key="sidebar_back_to_figure").click().run()
    assert not at.exception
    assert len(chart_rows(at)) == 63
    assert not [m for m in at.multiselect if m.key == CONDITIONS_KEY]


def test_a_table_of_one_condition_has_no_picker(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    one = b"Model,Benchmark,Method,Delta\nA,X,CoT,1.5\nB,X,CoT,-2\n"
    table = ingest(one, "one.csv").table
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state[ACTIVE_KEY] = ActiveTable(table=table, label="one.csv", is_figure=False)
    at.run()
    assert not at.exception
    assert not [m for m in at.multiselect if m.key == CONDITIONS_KEY]
    assert len(chart_rows(at)) == 2


def test_an_upload_of_several_conditions_beside_the_figure(app_test, methods):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.query_params[CONDITIONS_KEY] = ["CoT", "CRITIC"]
    at.session_state[ACTIVE_KEY] = ActiveTable(
        table=combined_table(figure_table(), methods), label="methods.csv beside the figure",
        is_figure=False)
    at.run()
    assert not at.exception
    rows = chart_rows(at)
    assert len(rows) == 63 + 8
    assert set(rows[schema.CONDITION]) == {schema.NO_CONDITION, "CoT", "CRITIC"}
    mine = rows[rows[schema.CONDITION] != schema.NO_CONDITION]
    assert mine.set_index(KEYS)[schema.DELTA].to_dict() == values_of(methods, ["CoT", "CRITIC"])
