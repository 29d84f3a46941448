"""What the pages compute from the active table is kept per table (lib/ui/state.remembered): a
rerun computes nothing again, any change of what a result depends on (table, condition,
thresholds, interval level, tolerance, filters) computes it again, and the page then shows
exactly what a new session opened on the same state shows. An upload's results stay in its
session; only the bundled figure's are kept for every session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.core import schema
from lib.ui.state import ACTIVE_KEY, FIGURE_BUILT, MEMO_KEY, ActiveTable, Memo, fingerprint

FINDINGS, PROFILES, OVERVIEW = "pages/findings.py", "pages/profiles.py", "pages/overview.py"


def upload_table(seed: int = 0, level: float | None = None) -> pd.DataFrame:
    """6 models × 4 datasets × 2 conditions with intervals and significance."""
    rng = np.random.default_rng(seed)
    rows = [{"model": f"M{m}", "dataset": f"D{d}", "category": f"G{m % 2}",
             "condition": c, "delta": float(np.round(rng.normal(0, 6), 1))}
            for m in range(6) for d in range(4) for c in ("base", "tuned")]
    t = schema.conform(pd.DataFrame(rows))
    t = t.assign(ci_low=t.delta - 2.0, ci_high=t.delta + 2.0, significant=t.delta.abs() > 2.0)
    if level is not None:
        t.attrs["level"] = level
    return t


def session(page: str, table: pd.DataFrame | None = None, query: dict | None = None):
    """A new session on `page`, with `table` as its upload (else the bundled figure)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if table is not None:
        at.session_state[ACTIVE_KEY] = ActiveTable(table=table, label="results.csv",
                                                   is_figure=False)
    if page != OVERVIEW:  # the entry point runs the Overview first, then the page's address
        at.run()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page == OVERVIEW:
        at.run()
    else:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at) -> tuple:
    """Everything a page shows that comes from the table: texts, metrics, tables, charts."""
    texts = tuple(e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                       "info") for e in getattr(at, kind))
    metrics = tuple((m.label, m.value) for m in at.metric)
    frames = tuple((df.value.to_json(), df.proto.columns) for df in at.dataframe)
    charts = tuple((c.proto.spec, tuple((d.name, d.data.data) for d in c.proto.datasets))
                   for c in at.get("vega_lite_chart"))
    return texts, metrics, frames, charts


def memo(at):
    return at.session_state[MEMO_KEY]


# --- a rerun computes nothing again -----------------------------------------------------------

@pytest.mark.parametrize("page", [FINDINGS, PROFILES, OVERVIEW])
def test_a_rerun_is_served_from_the_session_store(page):
    at = session(page, upload_table())
    before, kept = shown(at), memo(at)
    misses, hits = kept.misses, kept.hits
    assert misses > 0
    at.run()
    assert memo(at).misses == misses and memo(at).hits > hits
    assert shown(at) == before


def test_the_figure_is_computed_once_for_every_session():
    first = session(FINDINGS)
    built = len(FIGURE_BUILT)
    assert built > 0 and MEMO_KEY not in first.session_state  # nothing in the session
    second = session(FINDINGS)
    assert len(FIGURE_BUILT) == built  # every result came from the first session's
    assert shown(second) == shown(first)


def test_an_upload_is_never_kept_for_other_sessions():
    table = upload_table()
    FIGURE_BUILT.clear()
    at = session(FINDINGS, table)
    session(PROFILES, table)
    session(OVERVIEW, table)
    digests = {fingerprint(table)} | {
        fingerprint(table.loc[table.condition == c]) for c in ("base", "tuned")}
    for key in FIGURE_BUILT:  # only the bundled figure's claims, shown beside an upload
        assert key.startswith("('claims', ") and not any(d in key for d in digests), key
        assert "M0" not in key and "D0" not in key
    assert len(memo(at).entries) > 0


def test_the_session_store_keeps_at_most_its_limits():
    store = Memo(limit=3, budget=10_000)
    frame = pd.DataFrame({"x": np.arange(500, dtype="float64")})  # 4,000 bytes and an index
    for i in range(3):
        store.get(i, lambda: frame.copy())
    assert list(store.entries) == [1, 2] and store.bytes <= 10_000  # the budget, oldest first
    for i in range(3, 8):
        store.get(i, lambda: "small")
    assert len(store.entries) == 3  # the count
    big = pd.DataFrame({"x": np.arange(5_000, dtype="float64")})
    assert store.get("big", lambda: big) is big and "big" not in store.entries  # too large
    assert store.misses == 9 and store.get(7, lambda: "other") == "small" and store.hits == 1


# --- a change computes again, and shows what a new session shows ---------------------------------

def assert_as_new(at, page: str, table: pd.DataFrame | None, query: dict) -> None:
    fresh = session(page, table, query)
    assert shown(at) == shown(fresh)


@pytest.mark.parametrize("key, value, query", [
    ("findings_tolerance", 1.5, {"findings_tolerance": "1.5"}),
    ("findings_nearly_all", 0.6, {"findings_nearly_all": "0.6"}),
])
def test_findings_thresholds_compute_again(key, value, query):
    table = upload_table()
    at = session(FINDINGS, table)
    misses = memo(at).misses
    widget = at.number_input(key=key) if key == "findings_tolerance" else at.slider(key=key)
    widget.set_value(value).run()
    assert memo(at).misses > misses
    assert_as_new(at, FINDINGS, table, query)


def test_nearly_all_computes_only_the_finding_that_reads_it():
    at = session(FINDINGS, upload_table())
    misses = memo(at).misses
    at.slider(key="findings_nearly_all").set_value(0.6).run()
    assert memo(at).misses == misses + 1  # "nearly all": one finding, nothing else


@pytest.mark.parametrize("page", [FINDINGS, PROFILES])
def test_another_condition_computes_again(page):
    table = upload_table()
    at = session(page, table)
    misses = memo(at).misses
    at.selectbox(key="condition").set_value("tuned").run()
    assert memo(at).misses > misses
    assert_as_new(at, page, table, {"condition": "tuned"})


@pytest.mark.parametrize("page", [FINDINGS, PROFILES, OVERVIEW])
def test_another_table_computes_again(page):
    at = session(page, upload_table(seed=0))
    misses = memo(at).misses
    other = upload_table(seed=1)
    at.session_state[ACTIVE_KEY] = ActiveTable(table=other, label="results.csv",
                                               is_figure=False)
    at.run()
    assert memo(at).misses > misses
    assert_as_new(at, page, other, {})


@pytest.mark.parametrize("page", [FINDINGS, PROFILES])
def test_another_interval_level_computes_again(page):
    at = session(page, upload_table(level=0.95))
    misses = memo(at).misses
    other = upload_table(level=0.9)  # the same values, computed at another level
    at.session_state[ACTIVE_KEY] = ActiveTable(table=other, label="results.csv",
                                               is_figure=False)
    at.run()
    assert memo(at).misses > misses
    assert_as_new(at, page, other, {})
    assert any("90%" in text for text in shown(at)[0] + tuple(map(str, shown(at)[2])))


def test_profile_tolerance_and_model_show_what_a_new_session_shows():
    table = upload_table()
    at = session(PROFILES, table)
    at.number_input(key="tolerance").set_value(3.0).run()
    assert_as_new(at, PROFILES, table, {"tolerance": "3.0"})
    misses = memo(at).misses
    at.selectbox(key="profile").set_value("M3").run()
    assert memo(at).misses > misses
    assert_as_new(at, PROFILES, table, {"tolerance": "3.0", "profile": "M3"})


def test_overview_filters_compute_again():
    table = upload_table()
    at = session(OVERVIEW, table)
    misses = memo(at).misses
    at.multiselect(key="dataset").set_value(["D0", "D2"]).run()
    assert memo(at).misses > misses
    assert_as_new(at, OVERVIEW, table, {"dataset": ["D0", "D2"]})


# --- the fingerprint ---------------------------------------------------------------------------

def test_the_fingerprint_follows_values_types_attributes_and_rows():
    table = upload_table()
    base = fingerprint(table)
    assert fingerprint(table.copy()) == base
    changed = table.copy()
    changed.loc[3, "delta"] += 0.1
    assert fingerprint(changed) != base
    assert fingerprint(table.iloc[:-1]) != base
    assert fingerprint(table.astype({"delta": "float32"})) != base
    leveled = table.copy()
    leveled.attrs["level"] = 0.9
    assert fingerprint(leveled) != base
    assert fingerprint(table.rename(columns={"delta": "change"})) != base


def test_the_findings_across_conditions_read_no_share_threshold():
    """They are kept per tolerance alone (lib/ui/findings_view.conditions_findings)."""
    from lib.analysis.conditions import across_conditions
    from lib.analysis.findings import Thresholds

    table = upload_table()
    for tolerance in (0.0, 2.0):
        first = across_conditions(table, Thresholds(tolerance, nearly_all=0.55))
        second = across_conditions(table, Thresholds(tolerance, nearly_all=0.95))
        assert [f.statement for f in first] == [f.statement for f in second]
        assert all(a.detail.equals(b.detail) for a, b in zip(first, second))


def test_a_table_s_markers_are_drawn_in_one_child_process(monkeypatch):
    from lib.ui import profile_view

    calls = []
    real = profile_view.specs_svg
    monkeypatch.setattr(profile_view, "specs_svg", lambda specs: calls.append(specs) or real(specs))
    profile_view._drawn_markers().clear()
    markers = [("#4e79a7", "circle"), ("#f28e2b", "square"), ("#4e79a7", "circle")]
    drawn = profile_view.draw_markers(markers)
    assert len(calls) == 1 and len(calls[0]) == 2  # the repeated marker drawn once
    assert all(drawn[m].lstrip().startswith("<svg") and m[0] in drawn[m] for m in markers)
    assert profile_view.marker_svg(*markers[1]) == drawn[markers[1]]
    assert len(calls) == 1  # kept: nothing drawn again


def test_the_heatmap_rows_of_a_table_with_the_open_row_are_those_built_for_it():
    from lib.charts.profiles import heatmap_frame
    from lib.ui.profile_view import profile_data

    data = profile_data(upload_table())
    base = heatmap_frame(data.matrix, data.categories)
    for model in data.models:
        built = heatmap_frame(data.matrix, data.categories, model)
        assert base.assign(current=base[schema.MODEL] == model).equals(built)


def test_kept_comparisons_give_the_same_findings_across_conditions():
    from lib.analysis.conditions import across_conditions, comparisons
    from lib.analysis.findings import Thresholds

    table = upload_table()
    kept = comparisons(table)
    for tolerance in (0.0, 1.0, 4.0):
        own = across_conditions(table, Thresholds(tolerance))
        given = across_conditions(table, Thresholds(tolerance), kept)
        assert [f.markdown for f in own] == [f.markdown for f in given]
        assert all(a.detail.equals(b.detail) for a, b in zip(own, given))
