"""lib/analysis/evidence.py: intervals named with their level, significance with its correction,
and the two never worded as each other; cells too small to tell, or whose interval and test
disagree, say so wherever they are read."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.analysis.evidence import (DISAGREE_LABEL, TOO_SMALL_LABEL, caveat_columns,
                                   evidence_words, level_text, methods_text)
from lib.analysis.findings import all_findings, detail_labels, point_note
from lib.analysis.profile_text import written_profile
from lib.analysis.profiles import (default_reference, delta_matrix, key_figures,
                                   model_categories, reference_options, significance, standing)
from lib.charts.dotplot import delta_dot_plot
from lib.core import schema
from lib.ingest.items.cells import (BINARY_METHOD, CI_TEST_DISAGREE, TOO_SMALL, TOO_SMALL_NOTE,
                                    Settings)
from lib.ingest.items.unpaired import UNPAIRED_METHOD
from lib.ingest.items.pipeline import aggregate_items
from lib.ui.items_view import EXAMPLE_FILE
from lib.ui.profile_view import standing_columns, standing_table


@pytest.mark.parametrize(("level", "text"), [(0.95, "95%"), (0.9, "90%"), (0.995, "99.5%"),
                                             (0.8, "80%"), (1.0, None), (0, None), ("x", None),
                                             (None, None)])
def test_level_text(level, text):
    assert level_text(level) == text


def test_words_follow_the_tables_attrs():
    table = pd.DataFrame()
    assert (evidence_words(table).ci, evidence_words(table).corrected) == ("CI", "after correction")
    table.attrs.update(level=0.9, correction="bh")
    words = evidence_words(table)
    assert words.ci == "90% CI" and words.interval == "90% interval"
    assert words.significant(True) == "significant after Benjamini–Hochberg correction"
    assert words.significant(False) == "not significant after Benjamini–Hochberg correction"
    assert words.excludes_zero(False) == "90% interval includes 0"
    table.attrs["correction"] = "none"
    assert evidence_words(table).significant(True) == "significant without correction"


@pytest.fixture(scope="module", params=[(0.95, "holm"), (0.9, "bh")])
def example(request):
    level, correction = request.param
    settings = Settings(level=level, correction=correction)
    return aggregate_items(EXAMPLE_FILE.read_bytes(), EXAMPLE_FILE.name, settings).table


def test_no_cell_of_the_example_contradicts_itself(example):
    """Every cell's note says what its own numbers show: the interval part from ci_low/ci_high,
    the significance part from the corrected p-value; the issue found 15 of 63 cells where the
    profile called a significant cell's interval one that "excludes 0" while it held 0."""
    words = evidence_words(example)
    level = level_text(example.attrs["level"])
    disagree = 0
    for row in example.to_dict("records"):
        excludes = row[schema.CI_LOW] > 0 or row[schema.CI_HIGH] < 0
        significant = row[schema.P_ADJUSTED] < example.attrs["alpha"]
        note = point_note(row, words)
        assert f"its {level} interval {'excludes' if excludes else 'includes'} 0" in note
        assert note.endswith(words.significant(significant))
        disagree += excludes != significant
    assert disagree > 0, "the example must hold cells where the two statements differ"


def test_profiles_word_significance_by_the_correction(example):
    matrix, cats = delta_matrix(example), model_categories(example)
    words = evidence_words(example)
    for model in matrix.index:
        flags = significance(example, model)
        figures = key_figures(matrix, model, 1.0, flags)
        options = reference_options(model, cats, list(matrix.index))
        text = " ".join(written_profile(figures, cats[model], matrix, standing(matrix, model),
                                        default_reference(model, options), None, flags, words))
        hits = sum(flags.values())
        assert f"significant {words.corrected} on {hits} of" in text
        assert "interval excludes 0" not in text


def test_labels_tooltips_and_findings_carry_the_level(example):
    level = level_text(example.attrs["level"])
    words = evidence_words(example)
    spec = json.dumps(delta_dot_plot(example).to_dict(), ensure_ascii=False)
    assert f"{level} CI low" in spec and f"Significant {words.corrected}" in spec
    assert "95% CI" not in spec or level == "95%"
    findings = [f for f in all_findings(example) if schema.CI_LOW in f.detail.columns]
    assert findings
    for finding in findings:
        labels = detail_labels(finding.detail)
        assert labels[schema.CI_LOW] == f"{level} CI low"
        assert labels[schema.SIGNIFICANT] == f"Significant {words.corrected}"


def _flagged() -> pd.DataFrame:
    """Three cells of one dataset: plain, too small, and interval and test disagreeing."""
    table = schema.conform(pd.DataFrame({
        schema.MODEL: ["A", "B", "C"], schema.DATASET: "GSM8K", schema.DELTA: [3.0, 60.0, 4.0],
        schema.CI_LOW: [1.0, 20.0, 0.5], schema.CI_HIGH: [5.0, 90.0, 8.0],
        schema.P_ADJUSTED: [0.01, 0.2, 0.09], schema.SIGNIFICANT: [True, False, False],
        TOO_SMALL: [False, True, False], CI_TEST_DISAGREE: [False, False, True],
        schema.INTERVAL_METHOD: [BINARY_METHOD, f"{BINARY_METHOD}; {TOO_SMALL_NOTE}",
                                 UNPAIRED_METHOD]}))
    table.attrs.update(level=0.9, correction="holm")
    return table


def test_point_notes_say_too_few_items_and_disagreement_before_the_evidence():
    table = _flagged()
    words = evidence_words(table)
    plain, small, split = (point_note(r, words) for r in table.to_dict("records"))
    assert plain == "its 90% interval excludes 0; significant after Holm correction"
    assert small == ("too few items to tell; its 90% interval excludes 0; "
                     "not significant after Holm correction")
    assert split.startswith("its interval and test disagree; its 90% interval excludes 0")
    assert point_note({schema.DELTA: 1.0, TOO_SMALL: float("nan")}, words) == ""
    gains = [f for f in all_findings(table) if f.key == "gains"][0]
    assert "B on GSM8K (too few items to tell;" in gains.statement
    assert detail_labels(gains.detail)[TOO_SMALL] == TOO_SMALL_LABEL


def test_the_flags_are_shown_where_they_say_something():
    table = _flagged()
    assert caveat_columns(table) == [TOO_SMALL, CI_TEST_DISAGREE]
    assert caveat_columns(table.assign(**{CI_TEST_DISAGREE: False})) == [TOO_SMALL]
    assert caveat_columns(table.drop(columns=[TOO_SMALL, CI_TEST_DISAGREE])) == []
    tips = {t["field"]: t["title"] for t in
            delta_dot_plot(table).to_dict()["spec"]["layer"][-1]["encoding"]["tooltip"]}
    assert tips[TOO_SMALL] == TOO_SMALL_LABEL and tips[CI_TEST_DISAGREE] == DISAGREE_LABEL
    quiet = delta_dot_plot(table.assign(**{CI_TEST_DISAGREE: False})).to_dict()
    assert CI_TEST_DISAGREE not in json.dumps(quiet)
    text = methods_text(table)
    assert f"{BINARY_METHOD} (2 cells)" in text and f"{UNPAIRED_METHOD} (1 cell)" in text
    assert f"{TOO_SMALL_LABEL}: 1 cell" in text and f"{DISAGREE_LABEL}: 1 cell" in text
    assert methods_text(table.drop(columns=[schema.INTERVAL_METHOD])) is None


def test_the_profile_standing_table_carries_the_flags():
    table = _flagged()
    for model, small in (("A", False), ("B", True)):
        stand = standing(delta_matrix(table), model)
        shown = standing_table(stand, table, model)
        assert shown[TOO_SMALL].tolist() == [small]
        assert CI_TEST_DISAGREE in shown.columns
    shown = standing_table(stand, table.assign(**{CI_TEST_DISAGREE: False}), "B")
    assert CI_TEST_DISAGREE not in shown.columns
    labels = standing_columns("Δ", evidence_words(table))
    assert labels[TOO_SMALL]["label"] == TOO_SMALL_LABEL


def test_the_example_says_its_method_and_its_too_small_cells(example):
    text = methods_text(example)
    assert text.startswith(f"Intervals and tests: {BINARY_METHOD} ({len(example)} cells).")
    small = int(example[TOO_SMALL].sum())
    assert (f"{TOO_SMALL_LABEL}: {small} cell" in text) == (small > 0)
