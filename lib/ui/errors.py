"""Uncaught errors of a page: a short message with a reference for the user, the traceback with
the same reference in the server's log.

Streamlit's own control flow passes through untouched: `st.stop`, `st.rerun` and
`st.switch_page` raise `ScriptControlException`s, which derive from `BaseException` and so are
never caught here, and `FragmentHandledException` (a fragment's error, already shown inside the
fragment) is raised again for Streamlit's runner to handle.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import streamlit as st
from streamlit.errors import FragmentHandledException
from streamlit.logger import get_logger

LOGGER = get_logger(__name__)
"""Streamlit's console logger setup: the server's log (on Community Cloud, "Manage app")."""

STREAMLIT_SIGNALS: tuple[type[Exception], ...] = (FragmentHandledException,)
"""`Exception` subclasses that Streamlit raises for its runner to handle, never a failure."""

HEADLINE = "Something went wrong while showing this page"
MESSAGE = (HEADLINE + ", and it stopped here. The table in use is unchanged: pick a page in the "
           "sidebar or reload this one to go on. If it happens again, quote the reference "
           "**{reference}** when you report it.")


def error_reference() -> str:
    """A short random reference (8 hex characters) tying the user's message to the log entry."""
    return secrets.token_hex(4)


def report_error(error: Exception) -> str:
    """Log `error` with its traceback under a new reference, show the user a short message with
    that reference (nothing of the error itself), and return the reference."""
    reference = error_reference()
    LOGGER.error("Uncaught error in a page, reference %s", reference, exc_info=error)
    st.error(MESSAGE.format(reference=reference), icon="⚠️")
    return reference


def run_guarded(body: Callable[[], object]) -> None:
    """Run `body` (a page); an uncaught exception is reported by `report_error` and the run
    stops there, as Streamlit stops it on an error: widget values and `st.session_state`,
    the active table included, stay as they were.
    """
    try:
        body()
    except STREAMLIT_SIGNALS:
        raise
    except Exception as error:  # noqa: BLE001 - every failure of a page ends here
        report_error(error)
        st.stop()
