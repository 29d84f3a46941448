"""A page for the browser tests: link-like and hostile names through every way the app writes a
name into Markdown (escaped with `escape_markdown`), the Markdown report rendered by Streamlit's
GFM renderer, and a chart download that fails when clicked."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from lib.analysis.findings import Thresholds, all_findings  # noqa: E402
from lib.analysis.report import findings_report  # noqa: E402
from lib.core import schema# noqa: E402
from lib.core.text import escape_markdown as esc  # noqa: E402
from lib.ui.widgets import download_buttons  # noqa: E402
from tests.hostile_names import LINKS, MODELS, hostile_rows  # noqa: E402

# Names each written through every element below (a bare string here would be shown: magic).
SHOWN = LINKS + ["mailto:c@d.org", "ftp://evil.example/y", "x-www.evil.com", ":material/home:",
                 ":streamlit:", "Qwen:7b"]

for i, name in enumerate(SHOWN):
    with st.container(key=f"name_{i}"):
        st.markdown(f"Model: {esc(name)}")
        st.caption(f"Dataset {esc(name)} · {esc(name)}")
        st.title(esc(name), anchor=False)
        st.metric(f"Best: {esc(name)}", "+1")
        st.radio(f"Compare {esc(name)} with", [name], format_func=esc)
        st.error(f"**{esc(name)} cannot be used.**")

with st.container(key="report"):
    table = schema.conform(pd.DataFrame(hostile_rows()))
    st.markdown(findings_report(all_findings(table), label=f"Your data: {MODELS[-2]}",
                                thresholds=Thresholds()))

with st.container(key="failing_export"):
    # A small view, so the buttons are enabled, and a chart too large to export: the file
    # fails only once clicked.
    view = table.head(3)
    too_big = pd.DataFrame({"x": range(6000), "y": range(6000)})
    download_buttons(view, alt.Chart(too_big).mark_point().encode(x="x:Q", y="y:Q"),
                     name="failing")
