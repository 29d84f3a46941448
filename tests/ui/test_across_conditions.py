"""AppTest: the Findings page's section "Across conditions" and the Model profiles' section "Per
condition", for a table of several conditions (METHODS of tests/ingest/test_conditions.py); both
absent for the bundled figure; names from the table shown literally.

METHODS, Δ per model × dataset × method:

    GPT-3.5  GSM8K  CoT 2.1  Self-Refine -1.4  CRITIC 3.0
    GPT-3.5  MATH   CoT 1.0  Self-Refine  0.5  CRITIC -2.0
    GPT-4o   GSM8K  CoT 0.4  Self-Refine -0.2  CRITIC 1.1
    GPT-4o   MATH   CoT 3.3  Self-Refine  2.2  CRITIC 0.0

By hand: GSM8K mean over both models CoT 1.25, Self-Refine -0.8, CRITIC 2.05 (CRITIC highest for
both models); MATH CoT 2.15, Self-Refine 1.35, CRITIC -1.0 (CoT highest for both). GPT-3.5's means
over its 2 datasets: CoT 1.55, Self-Refine -0.45, CRITIC 0.5.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from lib.analysis.compare import combined_table
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from lib.ingest.pipeline import ingest
from lib.ui.findings_view import ACROSS_TITLE
from lib.ui.profile_view import PER_CONDITION_TITLE
from lib.ui.state import ACTIVE_KEY, CONDITION_KEY, ActiveTable
from tests.ingest.test_conditions import METHODS

FINDINGS, PROFILES = "pages/findings.py", "pages/profiles.py"
ACROSS_TITLES = ["Which condition helps most on each dataset", "How often conditions agree in sign",
                 "The best condition for each model"]


def open_page(page: str, table: pd.DataFrame, query: dict | None = None):
    """`page` with `table` as this session's table, set before the first run."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.session_state[ACTIVE_KEY] = ActiveTable(table=table, label="methods.csv",
                                               is_figure=False, y_title=schema.Y_AS_GIVEN)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def methods() -> pd.DataFrame:
    return ingest(METHODS, "methods.csv").table


def texts(at) -> list[str]:
    return [str(m.value) for m in at.markdown]


def frame_with(at, column: str, first: str | None = None) -> pd.DataFrame:
    """The one table shown with `column` (and `first` as its first column, when given)."""
    (found,) = [d.value for d in at.dataframe if column in d.value.columns
                and (first is None or d.value.columns[0] == first)]
    return found


def chart_rows(el) -> pd.DataFrame:
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def test_findings_show_the_section_with_the_hand_computed_numbers():
    at = open_page(FINDINGS, methods(), query={"findings_tolerance": "0"})  # counted at exactly 0
    assert ACROSS_TITLE in [h.value for h in at.header]
    assert [s.value for s in at.subheader][-3:] == ACROSS_TITLES
    shown = " ".join(texts(at))
    assert "GSM8K: “CRITIC”, +2.05 over 2 models, the highest Δ for 2 of them" in shown
    assert "MATH: “CoT”, +2.15 over 2 models, the highest Δ for 2 of them" in shown
    assert "“CoT” for 2 models (GPT-3.5 +1.55 over 2 datasets; GPT-4o +1.85 over" in shown
    assert ("Of the 4 model × dataset pairs measured under two or more conditions, 0 (0%) have "
            "all their conditions on the same side of the baseline; 3 have one condition above "
            "the baseline and another below; 1 has some conditions unchanged") in shown
    compared = frame_with(at, "mean_common", schema.DATASET)
    gsm8k = compared.loc[compared[schema.DATASET] == "GSM8K"].set_index(schema.CONDITION)
    assert gsm8k["mean_common"].round(6).to_dict() == {"CoT": 1.25, "Self-Refine": -0.8,
                                                       "CRITIC": 2.05}
    assert gsm8k["best_for"].to_dict() == {"CoT": 0, "Self-Refine": 0, "CRITIC": 2}
    pairs = frame_with(at, "share_same").set_index(["first", "second"])
    assert pairs.loc[("Self-Refine", "CRITIC"), ["same", "opposite", "one_unchanged"]].tolist() \
        == [0, 3, 1]
    heat = [chart_rows(c) for c in at.get("vega_lite_chart")]
    heat = [r for r in heat if "mean_common" in r.columns]
    assert len(heat) == 1 and len(heat[0]) == 6


def test_the_section_does_not_follow_the_condition_picker():
    cot = open_page(FINDINGS, methods())
    critic = open_page(FINDINGS, methods(), query={CONDITION_KEY: "CRITIC"})
    assert critic.selectbox(key=CONDITION_KEY).value == "CRITIC"

    def section(at) -> list[str]:
        return [t for t in texts(at) if "over 2 models" in t or "pairs measured" in t]

    assert section(cot) == section(critic) and len(section(cot)) == 2


def test_the_tolerance_reaches_the_agreement():
    at = open_page(FINDINGS, methods(), query={"findings_tolerance": "1.0"})
    pairs = frame_with(at, "share_same").set_index(["first", "second"])
    # within ±1: CoT/Self-Refine agree on GPT-3.5 MATH, GPT-4o GSM8K and GPT-4o MATH
    assert pairs.loc[("CoT", "Self-Refine"), ["same", "opposite"]].tolist() == [3, 1]


def test_profiles_show_each_condition_apart_and_name_the_best():
    at = open_page(PROFILES, methods(), query={"profile": "GPT-3.5"})
    assert PER_CONDITION_TITLE in [s.value for s in at.subheader]
    assert escape_markdown(
        "Its best condition is “CoT”: mean Δ +1.55 over the 2 datasets it has under all 3 of "
        "its conditions (“Self-Refine” -0.45, “CRITIC” +0.5).") in texts(at)
    rows = frame_with(at, "highest")
    values = rows.set_index([schema.DATASET, schema.CONDITION])[schema.DELTA].to_dict()
    assert values == {("GSM8K", "CoT"): 2.1, ("GSM8K", "Self-Refine"): -1.4,
                      ("GSM8K", "CRITIC"): 3.0, ("MATH", "CoT"): 1.0,
                      ("MATH", "Self-Refine"): 0.5, ("MATH", "CRITIC"): -2.0}
    assert rows.loc[rows["highest"], schema.CONDITION].tolist() == ["CRITIC", "CoT"]
    charts = [chart_rows(c) for c in at.get("vega_lite_chart")]
    drawn = [c for c in charts if schema.CONDITION in c.columns]
    assert len(drawn) == 1 and len(drawn[0]) == 6


def test_the_bundled_figure_shows_neither_section(app_test):
    at = app_test(page=FINDINGS)
    assert not at.exception and ACROSS_TITLE not in [h.value for h in at.header]
    assert not any(s.value in ACROSS_TITLES for s in at.subheader)
    at = app_test(page=PROFILES)
    assert not at.exception and PER_CONDITION_TITLE not in [s.value for s in at.subheader]


def test_a_compared_upload_is_analysed_alone_and_the_figure_source_has_no_section():
    joined = combined_table(figure_table(), methods())
    at = open_page(FINDINGS, joined)
    compared = frame_with(at, "mean_common", schema.DATASET)
    assert set(compared[schema.DATASET]) == {"GSM8K", "MATH"}  # not the figure's 7
    at = open_page(PROFILES, joined, query={"profile": "GPT-4o"})
    assert PER_CONDITION_TITLE in [s.value for s in at.subheader]
    at.radio(key="profile_source").set_value("Figure").run()
    assert not at.exception and PER_CONDITION_TITLE not in [s.value for s in at.subheader]


def test_names_with_markdown_and_html_are_shown_literally():
    odd = {"CoT": "<b>CoT</b>", "Self-Refine": "*Self*_Refine_", "GPT-3.5": "[GPT](http://x.y)"}
    table = methods()
    for col in (schema.CONDITION, schema.MODEL):
        table[col] = table[col].replace(odd)
    for page, query in ((FINDINGS, {}), (PROFILES, {"profile": "[GPT](http://x.y)"})):
        at = open_page(page, table, query)
        shown = texts(at)
        assert not any("<b>" in t or re.search(r"(?<!\\)\]\(http", t) or "*Self*" in t
                       for t in shown), shown
        joined = " ".join(shown)
        assert escape_markdown("<b>CoT</b>") in joined
        assert escape_markdown("*Self*_Refine_") in joined
    rows = frame_with(at, "highest")
    assert "<b>CoT</b>" in set(rows[schema.CONDITION])  # the table holds the text as it is


def test_too_many_conditions_are_named_not_compared():
    from lib.analysis.conditions import MAX_CONDITIONS, too_many_conditions
    from tests.analysis.test_conditions_analysis import many_conditions

    table = many_conditions(MAX_CONDITIONS + 1)
    why = too_many_conditions(table)
    at = open_page(FINDINGS, table)
    assert ACROSS_TITLE in [h.value for h in at.header]
    assert why in [i.value for i in at.info]
    assert not any(s.value in ACROSS_TITLES for s in at.subheader)
    at = open_page(PROFILES, table, {"profile": "m"})
    assert PER_CONDITION_TITLE in [s.value for s in at.subheader]
    assert why in [i.value for i in at.info]
