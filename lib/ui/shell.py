"""Keeping every page inside the app's own navigation."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st

from lib.ui.streamlit_private import pages_directory_mode

ENTRYPOINT = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def ensure_app_navigation() -> None:
    """Run the entry point instead of this page when Streamlit started the page on its own.

    A folder named `pages/` beside the entry point makes Streamlit start in its legacy
    folder mode until the entry point's `st.navigation` has run once. If the first request a
    fresh server gets is a deep link (`/findings?...`), it would run that page file directly,
    without the app's page setup and navigation. Here the entry point runs instead (its
    navigation then runs this page as usual), and the direct run stops.
    """
    if pages_directory_mode():
        runpy.run_path(str(ENTRYPOINT), run_name="__main__")
        st.stop()
