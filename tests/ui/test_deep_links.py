"""A link to the app's root with a page's own address parameter opens that page."""

import streamlit as st

from lib.ui.shell import deep_link_page


def _titles(at) -> list[str]:
    return [t.value.replace("\\", "") for t in at.title]  # Markdown escapes dropped


def test_a_profile_link_at_the_root_opens_the_profile(app_test):
    at = app_test(query={"profile": "GPT-4o"})
    assert not at.exception
    assert any("GPT-4o" in t for t in _titles(at)), _titles(at)
    assert at.query_params["profile"] in ("GPT-4o", ["GPT-4o"])
    assert not any("px" in m.value for m in at.markdown), "no code comment shown on the page"


def test_a_findings_link_at_the_root_opens_findings_with_its_threshold(app_test):
    at = app_test(query={"findings_tolerance": "2.5"})
    assert not at.exception
    assert "Findings" in _titles(at), _titles(at)
    assert at.number_input(key="findings_tolerance").value == 2.5


def test_the_root_without_such_parameters_stays_on_the_overview(app_test):
    at = app_test(query={"dataset": "MATH"})
    assert _titles(at) == ["Δ per model and dataset"]


def test_parameters_of_two_pages_open_neither():
    pages = {"profiles": st.Page(lambda: None, title="P", url_path="p"),
             "findings": st.Page(lambda: None, title="F", url_path="f")}
    assert deep_link_page(["profile"], pages) is pages["profiles"]
    assert deep_link_page(["model", "findings_nearly_all"], pages) is pages["findings"]
    assert deep_link_page(["profile", "findings_tolerance"], pages) is None
    assert deep_link_page(["model", "dataset"], pages) is None
