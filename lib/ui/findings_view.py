"""Streamlit pieces of the Findings page: threshold widgets, one finding, the claims, the
interpretation. Text from the table reaches the page escaped, never as HTML."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.analysis.claims import (ClaimCheck, Verdict, check_claims,
                                 verdict_summary)
from lib.analysis.compare import split_combined
from lib.analysis.conditions import (ACROSS_NOTE, across_conditions, comparisons,
                                     condition_labels, has_conditions, too_many_conditions)
from lib.analysis.findings import (Finding, Thresholds, clean, detail_labels, finding_steps,
                                   unchanged_text)
from lib.analysis.interpretation import Interpretation, interpretation
from lib.analysis.report import EXTRA_LABELS, SHARE_COLUMNS, SIGNED_COLUMNS, findings_report
from lib.charts.conditions import chart_width, condition_chart
from lib.charts.findings import chart_layout, chart_rows, finding_chart
from lib.charts.specs import vega_spec, with_rows
from lib.core.figure import figure_table
from lib.ui.state import ActiveTable, fingerprint, remembered
from lib.ui.widgets import P_COLUMNS, draw_spec, p_column, readable_p

TOLERANCE_KEY = "findings_tolerance"
NEARLY_ALL_KEY = "findings_nearly_all"
VERDICT_BADGES = {Verdict.HOLDS: "green", Verdict.PARTLY: "orange", Verdict.FAILS: "red"}


COMPARE_NOTE = ("Compare mode: the findings describe your data alone; pooling its rows with the "
                "figure's would mix two sources. The figure's own are in the expanders at the end.")


def findings_rows(current: ActiveTable) -> tuple[pd.DataFrame, str | None]:
    """The rows the findings describe and a note when that is not the whole active table: in
    compare mode (figure and upload together), the upload's rows."""
    parts = split_combined(current.table)
    if parts is None:
        return current.table, None
    return parts[1], COMPARE_NOTE


def threshold_widgets(defaults: Thresholds = Thresholds()) -> Thresholds:
    """The two judgement calls as sidebar widgets (kept in the page address), with defaults."""
    with st.sidebar:
        st.header("Thresholds")
        tolerance = st.number_input(
            "Unchanged within ± (points)", min_value=0.0, max_value=10.0,
            value=defaults.tolerance, step=0.5, key=TOLERANCE_KEY, bind="query-params",
            help=f"A Δ this close to 0 counts as at the baseline. Default: "
                 f"{defaults.tolerance:g}, as on the model profiles (about the precision of two "
                 f"values read off a plot); 0 counts only a Δ of exactly 0.")
        nearly_all = st.slider(
            "Nearly all: at least this share of a dataset's models", min_value=0.5,
            max_value=1.0, value=defaults.nearly_all, step=0.05, key=NEARLY_ALL_KEY,
            bind="query-params", format="percent",
            help=f"Default: {defaults.nearly_all:.0%}.")
        st.caption(f"Now: {unchanged_text(tolerance)}; nearly all means at least "
                   f"{nearly_all:.0%} of the models.")
    return Thresholds(tolerance=float(tolerance), nearly_all=float(nearly_all))


def detail_columns(frame: pd.DataFrame, y_title: str) -> dict[str, st.column_config.Column]:
    """Column settings for a finding's table: readable names, signed Δ, shares in percent."""
    labels = {**detail_labels(frame), **condition_labels(frame), **EXTRA_LABELS}
    config: dict[str, st.column_config.Column] = {}
    for col in frame.columns:
        label = labels.get(col, col)
        if col in SIGNED_COLUMNS:
            label = label.replace("Δ", y_title)
        if col in P_COLUMNS:
            config[col] = p_column(label)
        elif col in SIGNED_COLUMNS:
            config[col] = st.column_config.NumberColumn(label, format="%+.2f")
        elif col in SHARE_COLUMNS:
            config[col] = st.column_config.NumberColumn(label, format="percent")
        elif col == "sd":
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif (pd.api.types.is_numeric_dtype(frame[col])
              and not pd.api.types.is_bool_dtype(frame[col])):
            config[col] = st.column_config.NumberColumn(label)
        else:
            config[col] = st.column_config.Column(label)
    return config


Charted = tuple[Finding, dict | None]
"""A finding and its chart's Vega-Lite specification (None when it has no chart)."""


def table_findings(table: pd.DataFrame, thresholds: Thresholds, y_title: str,
                   figure: bool) -> list[Charted]:
    """The findings of `table` under `thresholds` (as `all_findings`), each with its chart's
    specification: each computed once per table, axis title and the thresholds it reads, then
    reused (kept for every session only when `figure`, the rows being the bundled figure's)."""
    if clean(table).empty:
        return []
    digest = fingerprint(table)

    def charted(make: Callable[[pd.DataFrame], Finding]) -> Charted:
        finding = make(table)
        if (layout_key := chart_layout(finding)) is not None:  # built once, its rows swapped
            layout = remembered(("finding layout", digest, y_title, layout_key),
                                lambda: vega_spec(finding_chart(finding, table, y_title)),
                                figure=figure)
            return finding, with_rows(layout, chart_rows(finding, table))
        chart = finding_chart(finding, table, y_title)
        return finding, None if chart is None else vega_spec(chart)

    # each finding is kept apart: a threshold change makes only those that read it again
    return [remembered(("finding", key, digest, reads, y_title),
                       lambda make=make: charted(make), figure=figure)
            for key, reads, make in finding_steps(thresholds)]


def claims_and_interpretation(table: pd.DataFrame | None,
                              figure: bool) -> tuple[list[ClaimCheck], Interpretation]:
    """The source's claims checked against `table` and the interpretation of it (None: the
    bundled figure), computed once per table."""
    rows = figure_table() if table is None else table
    return remembered(("claims", fingerprint(rows)),
                      lambda: (check_claims(rows), interpretation(rows)),
                      figure=figure or table is None)


def show_finding(index: int, finding: Finding, spec: dict | None, y_title: str) -> None:
    """One finding: its title, its sentence, its chart (`spec`) and its numbers."""
    with st.container(border=True):
        st.subheader(f"{index}. {finding.title}")
        st.markdown(finding.markdown)
        if spec is not None:
            draw_spec(spec, key=f"finding_chart_{finding.key}", width="stretch")
        with st.expander("The numbers behind it"):
            st.dataframe(readable_p(finding.detail),
                         column_config=detail_columns(finding.detail, y_title),
                         hide_index=True)


ACROSS_TITLE = "Across conditions"


def conditions_findings(table: pd.DataFrame, thresholds: Thresholds, y_title: str,
                        figure: bool) -> list[Charted]:
    """The findings across the conditions of `table`, each with its chart's specification:
    computed once per table, thresholds and axis title (see `table_findings`)."""
    digest = fingerprint(table)

    def spec_of(finding: Finding) -> dict | None:
        """Its chart, kept by what `condition_chart` reads: most do not change with the
        tolerance, only their sentences do."""
        counts = finding.numbers.get("counts")
        reads = (finding.key, fingerprint(finding.detail), repr(finding.numbers.get("conditions")),
                 None if counts is None else fingerprint(counts), y_title)
        return remembered(
            ("across chart", *reads),
            lambda: None if (c := condition_chart(finding, y_title)) is None else vega_spec(c),
            figure=figure)

    def build() -> list[Charted]:
        compared = remembered(("comparisons", digest), lambda: comparisons(table),
                              figure=figure)  # the same for every threshold
        return [(f, spec_of(f)) for f in across_conditions(table, thresholds, compared)]

    # across_conditions reads the tolerance alone: "nearly all" does not make them again
    return remembered(("across", digest, thresholds.tolerance, y_title), build, figure=figure)


def report_bytes(findings: list[Finding], **parts: object) -> bytes:
    """The findings report (`findings_report`) as UTF-8, written when its button is clicked."""
    return findings_report(findings, **parts).encode("utf-8")


def show_across_conditions(table: pd.DataFrame, thresholds: Thresholds,
                           y_title: str, figure: bool = False) -> list[Finding]:
    """For a table of two or more conditions (`table` holds all of them), the section across
    conditions: each finding with its sentence, its chart and its numbers, or why there is none
    (too many conditions). Returns the findings shown (empty otherwise)."""
    if not has_conditions(table):
        return []
    st.header(ACROSS_TITLE)
    if (why := too_many_conditions(table)) is not None:
        st.info(why)
        return []
    st.caption(ACROSS_NOTE)
    charted = conditions_findings(table, thresholds, y_title, figure)
    for finding, spec in charted:
        with st.container(border=True):
            st.subheader(finding.title)
            st.markdown(finding.markdown)
            if spec is not None:
                draw_spec(spec, key=f"condition_chart_{finding.key}", width=chart_width(finding))
            with st.expander("The numbers behind it"):
                st.dataframe(readable_p(finding.detail),
                             column_config=detail_columns(finding.detail, y_title),
                             hide_index=True)
    return [finding for finding, _spec in charted]


def show_claims(checks: list[ClaimCheck]) -> None:
    """The source's claims, each with its verdict badge, our restatement and the evidence."""
    st.markdown(verdict_summary(checks) + " Each claim is restated in our words; the verdict "
                "and the evidence are computed from the values.")
    for check in checks:
        badge = f":{VERDICT_BADGES[check.verdict]}-badge[{check.verdict.value}]"
        st.markdown(f"{badge} **{check.section} {check.number}.** {check.claim}  \n"
                    f"{check.evidence}")


def show_interpretation(interp: Interpretation) -> None:
    """The written interpretation and the comparison with the reported averages."""
    st.caption("Our reading of the figure and the findings: interpretation, not a computed "
               "result. The numbers in it are computed.")
    for paragraph in interp.paragraphs:
        st.markdown(paragraph)
    st.dataframe(interp.comparison, hide_index=True,
                 column_config=detail_columns(interp.comparison, "Δ"))
