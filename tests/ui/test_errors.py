"""No traceback reaches a user: a page that raises shows a short message with a reference, the
traceback goes to the server's log, the active table stays, and Streamlit's own control flow
(st.stop, st.rerun, st.switch_page, a fragment's handled error) passes through untouched."""

from __future__ import annotations

import logging
import re
import tomllib

import pytest
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.testing.v1 import AppTest

import lib.charts.dotplot
from lib.core import schema
from lib.core.figure import figure_table
import lib.ui.errors
from lib.ui.state import ACTIVE_KEY, ActiveTable
import lib.ui.widgets
from tests.conftest import ROOT

SECRET = "/srv/private/delta_explorer/lib/secret_module.py"
"""Text only the raised exception carries: it must appear in the log and nowhere on the page."""
REFERENCE = re.compile(r"\*\*([0-9a-f]{8})\*\*")


def page_text(at: AppTest) -> str:
    """Every element and block the run produced, as text (their full protobuf messages)."""
    return "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None))


@pytest.fixture
def server_log(page_errors):
    """What the error logger wrote in the test; expected here, so not a failure."""
    yield page_errors
    page_errors.clear()


def failing_chart(*_args, **_kwargs):
    raise RuntimeError(f"cannot draw: File \"{SECRET}\", line 3")


def an_upload() -> ActiveTable:
    table = figure_table().head(12).copy()
    table[schema.DELTA] = table[schema.DELTA] + 1.0
    return ActiveTable(table, label="My upload", is_figure=False)


def test_a_failing_page_shows_a_reference_and_no_details(app_test, monkeypatch, server_log):
    monkeypatch.setattr(lib.charts.dotplot, "delta_dot_plot", failing_chart)
    at = app_test()
    assert not at.exception, "the error is handled, not shown as an exception"
    assert len(at.error) == 1
    message = at.error[0].value
    found = REFERENCE.search(message)
    assert found, message
    assert "table in use is unchanged" in message
    shown = page_text(at)
    for leak in (SECRET, "secret_module", "Traceback", 'File "', "RuntimeError", str(ROOT),
                 "cannot draw"):
        assert leak not in shown, leak
    # the log has the same reference and the whole traceback
    assert len(server_log) == 1
    record = server_log[0]
    assert found.group(1) in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert SECRET in logging.Formatter().format(record)
    # the page stopped where it failed: nothing after the chart was drawn
    assert not at.get("vega_lite_chart") and not at.dataframe


def test_each_error_gets_its_own_reference(app_test, monkeypatch, server_log):
    monkeypatch.setattr(lib.charts.dotplot, "delta_dot_plot", failing_chart)
    at = app_test()
    first = REFERENCE.search(at.error[0].value).group(1)
    at.run()
    second = REFERENCE.search(at.error[0].value).group(1)
    assert first != second


def test_the_active_table_survives_a_page_error(app_test, monkeypatch, server_log):
    at = app_test()
    mine = an_upload()
    at.session_state[ACTIVE_KEY] = mine
    monkeypatch.setattr(lib.charts.dotplot, "delta_dot_plot", failing_chart)
    at.run()
    assert len(at.error) == 1
    assert at.session_state[ACTIVE_KEY] is mine
    monkeypatch.undo()
    at.run()
    assert not at.error and not at.exception
    assert "Showing: My upload" in at.caption[0].value
    assert len(at.get("vega_lite_chart")) == 1


def test_the_sidebars_filters_survive_a_page_error_before_them(app_test, monkeypatch,
                                                              server_log):
    at = app_test()
    at.multiselect(key="model").set_value(["GPT-4o"]).run()
    monkeypatch.setattr(lib.ui.widgets, "sidebar_filters", failing_chart)
    at.run()
    assert len(at.error) == 1 and not at.multiselect
    monkeypatch.undo()
    at.run()
    assert at.multiselect(key="model").value == ["GPT-4o"]


def test_switch_page_from_inside_a_page_passes_through(app_test, monkeypatch):
    import streamlit as st

    def switch(*_args, **_kwargs):
        st.switch_page("pages/findings.py")

    monkeypatch.setattr(lib.charts.dotplot, "delta_dot_plot", switch)
    at = app_test()
    assert not at.error and not at.exception
    assert at.title[0].value == "Findings"


def widget_script() -> None:
    import streamlit as st

    from lib.ui.errors import run_guarded

    def body() -> None:
        if st.session_state.get("fail"):
            raise RuntimeError("before the widget")
        st.number_input("Resamples", value=1000, key="resamples")

    run_guarded(body)


def test_widget_values_survive_a_page_error_before_the_widget(server_log):
    """As when Streamlit itself stops a run on an error: widgets the failed run did not reach
    keep their values (a completed run would drop them)."""
    at = AppTest.from_function(widget_script, default_timeout=30)
    at.run()
    at.number_input(key="resamples").set_value(4000).run()
    at.session_state.fail = True
    at.run()
    assert len(at.error) == 1 and not at.number_input
    at.session_state.fail = False
    at.run()
    assert at.number_input(key="resamples").value == 4000


def guarded_script() -> None:
    import streamlit as st

    from lib.ui.errors import run_guarded

    def body() -> None:
        st.session_state.runs = st.session_state.get("runs", 0) + 1
        if st.session_state.get("mode") == "stop":
            st.stop()
        if st.session_state.get("mode") == "rerun" and st.session_state.runs == 1:
            st.rerun()
        if st.session_state.get("mode") == "fragment":
            @st.fragment
            def part() -> None:
                raise ValueError("inside a fragment")

            part()
        st.write("body finished")

    run_guarded(body)
    st.write("after the guard")


@pytest.mark.parametrize("mode", ["stop", "rerun", "fragment"])
def test_streamlit_control_flow_passes_through(mode, server_log):
    at = AppTest.from_function(guarded_script, default_timeout=30)
    at.session_state.mode = mode
    at.run()
    assert not at.error, "the guard reported nothing"
    assert not server_log
    texts = [m.value for m in at.markdown]
    if mode == "stop":
        assert texts == [] and not at.exception
    elif mode == "rerun":
        assert at.session_state.runs == 2
        assert texts == ["body finished", "after the guard"] and not at.exception
    else:
        # Streamlit shows the fragment's error itself and stops the run, as without the guard
        assert len(at.exception) == 1
        assert "body finished" not in texts


def test_an_error_outside_the_guard_shows_no_details():
    """The config's showErrorDetails: Streamlit's own message, with no type, text or trace."""
    def script() -> None:
        raise RuntimeError("/srv/private/path.py leaked")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert len(at.exception) == 1
    shown = page_text(at)
    assert "/srv/private" not in shown and "RuntimeError" not in shown
    assert not at.exception[0].stack_trace


def test_the_config_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    value = config["client"]["showErrorDetails"]
    assert value == ShowErrorDetailsConfigOptions.NONE.value
