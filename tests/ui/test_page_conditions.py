"""AppTest: a table of several conditions is shown one condition at a time on every page (the
Overview: one by default, or several side by side, tests/ui/test_overview_conditions.py), the
condition kept in the page address; never an average over conditions."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.core.text import escape_markdown
from lib.ingest.pipeline import ingest
from lib.ui.state import ACTIVE_KEY, CONDITION_KEY, CONDITIONS_KEY, ActiveTable
from tests.ingest.test_conditions import METHODS

PAGES = ("pages/overview.py", "pages/profiles.py", "pages/findings.py")


def chart_rows(at) -> pd.DataFrame:
    el = at.get("vega_lite_chart")[0]
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def drawn(at) -> dict[tuple[str, str], float]:
    """The Overview chart's Δ per model × dataset: one value each, or the test fails."""
    rows = chart_rows(at)
    assert not rows.duplicated([schema.MODEL, schema.DATASET]).any()
    return rows.set_index([schema.MODEL, schema.DATASET])[schema.DELTA].to_dict()


def with_methods(app_test, page: str, query: dict | None = None):
    """`page` with METHODS as this session's table, set before the first run (so that no
    filter of the figure's carries over, as `set_active` ensures in the app)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    table = ingest(METHODS, "methods.csv").table
    at.session_state[ACTIVE_KEY] = ActiveTable(table=table, label="methods.csv",
                                               is_figure=False, y_title=schema.Y_AS_GIVEN)
    if page != "pages/overview.py":  # the entry point runs the Overview first: the address
        at.run()  # is the other page's, as a link to it would give it
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page == "pages/overview.py":
        at.run()
    else:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def picked(at, page: str) -> str:
    """The one condition `page` shows: its selectbox's, or the Overview's single pick."""
    if page == "pages/overview.py":
        [only] = at.multiselect(key=CONDITIONS_KEY).value
        return only
    return at.selectbox(key=CONDITION_KEY).value


def test_the_overview_shows_one_condition_and_the_picker_changes_it(app_test):
    at = with_methods(app_test, "pages/overview.py")
    picker = at.multiselect(key=CONDITIONS_KEY)
    assert picker.options == ["CoT", "Self-Refine", "CRITIC"] and picker.value == ["CoT"]
    assert drawn(at) == {("GPT-3.5", "GSM8K"): 2.1, ("GPT-3.5", "MATH"): 1.0,
                         ("GPT-4o", "GSM8K"): 0.4, ("GPT-4o", "MATH"): 3.3}  # CoT, not a mean
    assert len(at.dataframe[0].value) == 4
    picker.set_value(["Self-Refine"]).run()
    assert drawn(at) == {("GPT-3.5", "GSM8K"): -1.4, ("GPT-3.5", "MATH"): 0.5,
                         ("GPT-4o", "GSM8K"): -0.2, ("GPT-4o", "MATH"): 2.2}
    assert any(escape_markdown("condition: Self-Refine") in c.value for c in at.caption)
    for page in PAGES[1:]:  # the next pages open on the condition picked
        at.switch_page(page).run()
        assert not at.exception and at.selectbox(key=CONDITION_KEY).value == "Self-Refine"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_the_condition_in_the_address(app_test, page):
    at = with_methods(app_test, page, query={CONDITION_KEY: "CRITIC"})
    assert picked(at, page) == "CRITIC"
    text = " ".join(str(m.value) for m in [*at.markdown, *at.caption])
    assert "CRITIC" in text


def test_profiles_read_the_chosen_condition(app_test):
    at = with_methods(app_test, "pages/profiles.py",
                      query={CONDITION_KEY: "CRITIC", "profile": "GPT-3.5"})
    best = next(m for m in at.metric if m.label.startswith("Best"))
    worst = next(m for m in at.metric if m.label.startswith("Worst"))
    assert (best.label, best.value) == ("Best: GSM8K", "+3")   # CRITIC: +3.0 and -2.0
    assert (worst.label, worst.value) == ("Worst: MATH", "-2")


def test_findings_read_the_chosen_condition(app_test):
    at = with_methods(app_test, "pages/findings.py", query={CONDITION_KEY: "Self-Refine"})
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("The largest gain is +2.2") for t in texts), texts
    assert not any("+3.3" in t for t in texts)  # CoT's largest gain


def test_an_unknown_condition_in_the_address_falls_back(app_test):
    at = with_methods(app_test, "pages/overview.py", query={CONDITION_KEY: "<b>nope</b>"})
    assert picked(at, "pages/overview.py") == "CoT"
    assert drawn(at)[("GPT-4o", "MATH")] == 3.3


def test_the_figure_has_no_condition_picker(app_test):
    at = app_test()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == CONDITION_KEY]
    assert not [m for m in at.multiselect if m.key == CONDITIONS_KEY]
    assert len(chart_rows(at)) == 63
