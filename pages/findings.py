"""Findings: observations computed from the active table; for the bundled figure also the
source's claims, checked, and our interpretation; all of it as a Markdown report."""

from functools import partial

import streamlit as st

from lib.analysis.filters import too_many_models
from lib.analysis.interpretation import TITLE, upload_notice
from lib.core.text import escape_markdown
from lib.ui.findings_view import (
    claims_and_interpretation, findings_rows, report_bytes, show_across_conditions, show_claims,
    show_finding, show_interpretation, table_findings, threshold_widgets,
)
from lib.ui.shell import ensure_app_navigation
from lib.ui.state import active, condition_view

ensure_app_navigation()

current = condition_view(active())
st.title("Findings")
st.caption(f"Computed from: {escape_markdown(current.label)}. Every sentence below is generated "
           "from the values of this table; the thresholds in the sidebar change what counts as "
           "unchanged and as nearly all.")

if (limit := too_many_models(current.table, "Findings")) is not None:
    st.info(limit)
    st.stop()

table, scope_note = findings_rows(current)
if scope_note:
    st.caption(scope_note)
thresholds = threshold_widgets()
charted = table_findings(table, thresholds, current.y_title, current.is_figure)
findings = [finding for finding, _spec in charted]
if not findings:
    st.info("The active table has no values to compute findings from.")
    st.stop()

for number, (finding, spec) in enumerate(charted, 1):
    show_finding(number, finding, spec, current.y_title)

# every condition of the table, each kept apart (the findings above are of the one picked)
whole = findings_rows(active())[0]
across = show_across_conditions(whole, thresholds, current.y_title, current.is_figure)

if current.is_figure:
    claims, interp = claims_and_interpretation(current.table, figure=True)
    notice = None
    st.header("The source's claims, checked")
    show_claims(claims)
    st.header(TITLE)
    show_interpretation(interp)
else:
    claims, interp, notice = None, None, upload_notice(len(table))
    st.header("The source's claims and the interpretation")
    st.info(notice)
    figure_claims, figure_interp = claims_and_interpretation(None, figure=True)
    with st.expander("The source's claims, checked against the bundled figure"):
        show_claims(figure_claims)
    with st.expander(f"{TITLE}, of the bundled figure"):
        show_interpretation(figure_interp)

st.header("Report")
report = partial(report_bytes, findings, label=current.label, thresholds=thresholds,
                 claims=claims, interpretation=interp, notice=notice, across=across)
st.download_button("Findings report (Markdown)", report, file_name="delta-findings.md",
                   mime="text/markdown", on_click="ignore")  # the report is written when clicked
