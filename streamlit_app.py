"""Delta Explorer: entry point. Page setup and navigation; each page lives in pages/."""

import streamlit as st

from lib.ui.errors import run_guarded
from lib.ui.memory import prepare_process
from lib.ui.shell import follow_deep_link
from lib.ui.uploads import forget_uploads
from lib.ui.widgets import table_switch

prepare_process()
st.set_page_config(page_title="Delta Explorer", page_icon="📊", layout="wide")

PAGES = [
    OVERVIEW := st.Page("pages/overview.py", title="Overview", icon="📊", default=True),
    PROFILES := st.Page("pages/profiles.py", title="Model profiles", icon="🔎"),
    FINDINGS := st.Page("pages/findings.py", title="Findings", icon="📝"),
    YOUR_DATA := st.Page("pages/your_data.py", title="Your data", icon="📤"),
]

page = st.navigation(PAGES)
follow_deep_link(page, OVERVIEW, {"profiles": PROFILES, "findings": FINDINGS})
if page.url_path != YOUR_DATA.url_path:  # Your data's uploader, and its file, are gone
    forget_uploads()


def show_page() -> None:
    """The sidebar's table switch, then the chosen page."""
    table_switch()
    page.run()


run_guarded(show_page)
