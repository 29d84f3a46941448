"""Draws the Δ dot plot of a synthetic table, `?models=300&datasets=40`, for the chart-scale
benchmark (the browser's drawing time of a large chart)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from benchmarks.synthetic import long_table  # noqa: E402
from lib.charts.dotplot import delta_dot_plot  # noqa: E402

models = int(st.query_params.get("models", "300"))
datasets = int(st.query_params.get("datasets", "40"))
st.altair_chart(delta_dot_plot(long_table(models, datasets)))
