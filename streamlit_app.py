"""Delta Explorer: entry point. Page setup and navigation; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Delta Explorer", page_icon="📊", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon="📊", default=True),
]

st.navigation(PAGES).run()
