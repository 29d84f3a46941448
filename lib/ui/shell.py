"""Keeping every page inside the app's own navigation."""

from __future__ import annotations

import runpy
from collections.abc import Iterable, Mapping
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


DEEP_LINK_KEYS: dict[str, str] = {
    "profile": "profiles", "tolerance": "profiles",
    "findings_tolerance": "findings", "findings_nearly_all": "findings",
}
"""Address parameters that only one page reads, and that page: a link to the app's root with
one of them (`/?profile=GPT-4o`) is meant for that page."""


def deep_link_page(keys: Iterable[str], pages: Mapping[str, st.Page]) -> st.Page | None:
    """The page of `pages` (by its name in `DEEP_LINK_KEYS`) that the address parameters
    `keys` are meant for, or None when they name none (or several pages)."""
    wanted = {DEEP_LINK_KEYS[k] for k in keys if k in DEEP_LINK_KEYS}
    return pages.get(wanted.pop()) if len(wanted) == 1 else None


def follow_deep_link(page: st.Page, default: st.Page, pages: Mapping[str, st.Page]) -> None:
    """On the default page, go to the page the address parameters are meant for, keeping them
    all (`/?profile=GPT-4o` opens that profile); elsewhere, nothing."""
    if page.url_path != default.url_path:
        return
    target = deep_link_page(st.query_params.keys(), pages)
    if target is not None:
        st.switch_page(target, query_params={k: st.query_params.get_all(k)
                                             for k in st.query_params.keys()})
