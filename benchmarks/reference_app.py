"""The framework's floor: a Streamlit app that only draws the same 63-point chart."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from lib.charts.dotplot import delta_dot_plot  # noqa: E402
from lib.core.figure import figure_table  # noqa: E402

st.altair_chart(delta_dot_plot(figure_table()))
