"""Findings: observations computed from the active table; for the bundled figure also the
source's claims, checked, and our interpretation; all of it as a Markdown report."""

import streamlit as st

from lib.analysis.claims import check_claims
from lib.analysis.filters import too_many_models
from lib.analysis.findings import all_findings
from lib.analysis.interpretation import TITLE, interpretation, upload_notice
from lib.analysis.report import findings_report
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from lib.ui.findings_view import (
    findings_rows, show_across_conditions, show_claims, show_finding, show_interpretation,
    threshold_widgets,
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
findings = all_findings(table, thresholds)
if not findings:
    st.info("The active table has no values to compute findings from.")
    st.stop()

for number, finding in enumerate(findings, 1):
    show_finding(number, finding, table, current.y_title)

# every condition of the table, each kept apart (the findings above are of the one picked)
across = show_across_conditions(findings_rows(active())[0], thresholds, current.y_title)

if current.is_figure:
    claims, interp, notice = check_claims(current.table), interpretation(current.table), None
    st.header("The source's claims, checked")
    show_claims(claims)
    st.header(TITLE)
    show_interpretation(interp)
else:
    claims, interp, notice = None, None, upload_notice(len(table))
    st.header("The source's claims and the interpretation")
    st.info(notice)
    with st.expander("The source's claims, checked against the bundled figure"):
        show_claims(check_claims(figure_table()))
    with st.expander(f"{TITLE}, of the bundled figure"):
        show_interpretation(interpretation(figure_table()))

st.header("Report")
report = findings_report(findings, label=current.label, thresholds=thresholds, claims=claims,
                         interpretation=interp, notice=notice, across=across)
st.download_button("Findings report (Markdown)", report.encode("utf-8"),
                   file_name="delta-findings.md", mime="text/markdown", on_click="ignore")
