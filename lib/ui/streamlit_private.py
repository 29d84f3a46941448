"""The two places where the app relies on Streamlit internals, kept together, each with a test
that fails loudly when a Streamlit release changes it (tests/ui/test_streamlit_private.py).

Neither has a public equivalent in Streamlit 1.5x: nothing public says whether the server still
runs in its legacy `pages/` folder mode, and the lock Streamlit holds while it swaps Altair's
process-wide data transformer is module-private.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

_FALLBACK_LOCK = threading.Lock()


def pages_directory_mode() -> bool:
    """Whether Streamlit runs a page of `pages/` on its own, before the entry point's
    `st.navigation` has run once (a fresh server's first request being a deep link)."""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(getattr(PagesManager, "uses_pages_directory", False))


def altair_lock() -> AbstractContextManager[object]:
    """The lock `st.altair_chart` holds while Altair's data transformer is switched to
    Streamlit's; a lock of our own when this Streamlit has none by that name."""
    try:
        from streamlit.elements.vega_charts import _altair_globals_lock
    except ImportError:
        return _FALLBACK_LOCK
    return _altair_globals_lock
