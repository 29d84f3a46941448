"""The Streamlit internals the app relies on (lib.ui.streamlit_private) are still there and still
mean what the app takes them to mean. A failure here means a Streamlit upgrade changed them:
read the module's docstring before upgrading."""

from __future__ import annotations

import inspect

import streamlit

from lib.ui.streamlit_private import altair_lock, pages_directory_mode


def test_pages_manager_still_says_whether_the_pages_folder_runs_on_its_own() -> None:
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory"), (
        f"Streamlit {streamlit.__version__} has no PagesManager.uses_pages_directory: deep links "
        "on a fresh server may run a page without the app's navigation (lib/ui/shell.py)")
    assert pages_directory_mode() in (True, False)
    # What the flag does in a real server (a deep link on a fresh server still gets the app's
    # navigation) is checked in a browser: tests/e2e/test_e2e_deep_links.py.


def test_the_altair_lock_is_the_one_streamlit_holds_while_it_draws() -> None:
    from streamlit.elements import vega_charts

    assert hasattr(vega_charts, "_altair_globals_lock"), (
        f"Streamlit {streamlit.__version__} renamed its Altair lock: chart files could take "
        "another session's data (lib/charts/exports.py)")
    assert altair_lock() is vega_charts._altair_globals_lock
    assert "with _altair_globals_lock" in inspect.getsource(vega_charts)
