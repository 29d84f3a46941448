"""lib/analysis/conditions.py: findings across conditions, on a small table computed by hand.

TABLE (conditions A, B, C; Δ):

    dataset  model  A    B    C        common models  mean A  mean B  mean C
    X        m1     2    1    5        m1 (C has      2       1       5
             m2     4    4    .        only m1)
             m3    -1    3    .
    Y        m1     1    3    .        m1, m2, m3     4/3     2/3     .
             m2     3    1    .
             m3     0   -2    .
    Z        m1     1    1    .        m1, m2         1.5     0.5     .   (m1 tied A/B)
             m2     2    0    .
    W        m1     1    2    .        m1, m2         1.5     1.5     .   (tie of means)
             m2     2    1    .
    V        m1     7    .    .        one condition: not compared

Per model (common datasets): m1 X only (the one dataset with C); m2 X, Y, Z, W; m3 X, Y.
"""

from __future__ import annotations

import math

import pandas as pd
import re

import pytest

from lib.analysis import conditions as cond
from lib.analysis.compare import FIGURE_SOURCE, UPLOAD_SOURCE
from lib.analysis.findings import Thresholds
from lib.analysis.report import findings_report
from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown

VALUES = {
    "X": {"m1": (2, 1, 5), "m2": (4, 4, None), "m3": (-1, 3, None)},
    "Y": {"m1": (1, 3, None), "m2": (3, 1, None), "m3": (0, -2, None)},
    "Z": {"m1": (1, 1, None), "m2": (2, 0, None)},
    "W": {"m1": (1, 2, None), "m2": (2, 1, None)},
    "V": {"m1": (7, None, None)},
}


def build(names: dict[str, str] | None = None) -> pd.DataFrame:
    """TABLE as a contract table; `names` renames models, datasets or conditions."""
    rename = names or {}
    rows = [{"model": rename.get(m, m), "dataset": rename.get(d, d),
             "condition": rename.get(c, c), "delta": float(v)}
            for d, per_model in VALUES.items() for m, values in per_model.items()
            for c, v in zip("ABC", values) if v is not None]
    return schema.conform(pd.DataFrame(rows))


@pytest.fixture
def table() -> pd.DataFrame:
    return build()


def by(frame: pd.DataFrame, group: str, condition: str) -> pd.Series:
    key = frame.columns[0]
    return frame.loc[(frame[key] == group) & (frame[schema.CONDITION] == condition)].iloc[0]


def test_per_dataset_the_conditions_are_compared_on_the_common_models(table):
    compared = cond.compare_conditions(table, schema.DATASET)
    assert list(dict.fromkeys(compared[schema.DATASET])) == ["X", "Y", "Z", "W", "V"]
    x_a, x_c = by(compared, "X", "A"), by(compared, "X", "C")
    assert (x_a["conditions"], x_a["measured"], x_a["common"]) == (3, 3, 1)  # C: m1 only
    assert (x_c["measured"], x_c["mean_common"], x_c["best_for"]) == (1, 5.0, 1)
    assert x_a["mean_common"] == 2.0 and not x_a["highest"] and x_c["highest"]
    y_a, y_b = by(compared, "Y", "A"), by(compared, "Y", "B")
    assert y_a["common"] == 3
    assert y_a["mean_common"] == pytest.approx(4 / 3) and y_b["mean_common"] == pytest.approx(2 / 3)
    assert (y_a["best_for"], y_b["best_for"]) == (2, 1)  # m2, m3 / m1
    z_a, z_b = by(compared, "Z", "A"), by(compared, "Z", "B")
    assert (z_a["best_for"], z_b["best_for"], z_a["tied_units"]) == (2, 1, 1)  # m1 tied: each
    w_a, w_b = by(compared, "W", "A"), by(compared, "W", "B")
    assert w_a["highest"] and w_b["highest"] and w_a["mean_common"] == w_b["mean_common"] == 1.5
    v = compared.loc[compared[schema.DATASET] == "V"]
    assert len(v) == 1 and v.iloc[0]["conditions"] == 1 and v.iloc[0]["common"] == 0
    assert math.isnan(v.iloc[0]["mean_common"])


def test_per_model_the_conditions_are_compared_on_the_common_datasets(table):
    compared = cond.compare_conditions(table, schema.MODEL)
    bests = {g.group: g for g in cond.group_bests(compared, schema.MODEL)}
    assert (bests["m1"].common, bests["m1"].best, bests["m1"].mean) == (1, ("C",), 5.0)
    m2 = bests["m2"]
    assert (m2.common, m2.best, m2.mean) == (4, ("A",), 2.75)  # A (4+3+2+2)/4, B (4+1+0+1)/4
    assert m2.best_for == {"A": 4, "B": 1} and m2.tied_units == 1  # X: 4 = 4
    assert by(compared, "m2", "B")["mean_common"] == 1.5
    m3 = bests["m3"]
    assert (m3.common, m3.best, m3.mean, m3.best_for) == (2, ("B",), 0.5, {"A": 1, "B": 1})


def test_sign_agreement_overall_and_per_pair(table):
    found = cond.agreement(table)
    # 10 pairs with >= 2 conditions (m1 on V has one); m3 X opposite; m2 Z and m3 Y hold a 0
    assert (found.pairs, found.agreeing, found.opposite, found.partly) == (10, 7, 1, 2)
    assert found.agree == {"above": 7, "at": 0, "below": 0}
    assert found.opposite_significant is None
    pairs = cond.pair_agreement(table).set_index(["first", "second"])
    assert pairs.loc[("A", "B"), ["pairs", "same", "opposite", "one_unchanged"]].tolist() == \
        [10, 7, 1, 2]
    assert pairs.loc[("A", "B"), "share_same"] == pytest.approx(0.7)
    assert pairs.loc[("A", "C"), ["pairs", "same"]].tolist() == [1, 1]
    assert pairs.loc[("B", "C"), ["pairs", "same"]].tolist() == [1, 1]


def test_the_tolerance_moves_values_to_unchanged(table):
    found = cond.agreement(table, tolerance=1.0)
    # only m2 X (4, 4: both above) and m1 Z (1, 1: both within ±1) agree; none opposite
    assert found.agree == {"above": 1, "at": 1, "below": 0}
    assert (found.opposite, found.partly) == (0, 8)
    pairs = cond.pair_agreement(table, tolerance=1.0).set_index(["first", "second"])
    assert pairs.loc[("A", "B"), ["same", "opposite", "one_unchanged"]].tolist() == [2, 0, 8]


def test_the_sentences_say_the_hand_computed_numbers(table):
    by_dataset, agreement, by_model = cond.across_conditions(table, Thresholds(tolerance=0.0))
    text = by_dataset.statement
    assert "X: “C”, +5 over 1 model;" in text  # one common model: no "for k of them"
    assert "Y: “A”, +1.33 over 3 models, the highest Δ for 2 of them" in text
    assert "Z: “A”, +1.5 over 2 models, the highest Δ for 2 of them (1 model with a tie" in text
    assert "W: “A” and “B” tie at +1.5 over 2 models" in text
    assert "highest mean Δ is “A” on 3, “C” on 1 and “B” on 1 (1 tie counted for each" in text
    assert "1 dataset with one condition only: not compared." in text
    assert "significan" not in text.lower()  # no intervals: nothing about them
    assert by_dataset.numbers["tally"] == {"A": 3, "C": 1, "B": 1}
    assert by_dataset.numbers["best"]["W"] == ("A", "B")
    assert agreement.statement.startswith(
        "Of the 10 model × dataset pairs measured under two or more conditions, 7 (70%) have "
        "all their conditions on the same side of the baseline: 7 above, 0 below, 0 unchanged; "
        "1 has one condition above the baseline and another below; 2 have some conditions "
        "unchanged and the others on one side.")
    assert "“A” and “B” on 7 of 10; “A” and “C” on 1 of 1; “B” and “C” on 1 of 1." in \
        agreement.statement
    assert by_model.numbers["tally"] == {"C": 1, "A": 1, "B": 1}
    assert "“C” for 1 model (m1 +5 over 1 dataset)" in by_model.statement
    assert "“A” for 1 model (m2 +2.75 over 4 datasets)" in by_model.statement
    assert "not above the baseline" not in by_model.statement
    counts = by_model.numbers["counts"]
    assert counts.to_dict("list") == {"condition": ["A", "B", "C"], "alone": [1, 1, 1],
                                      "shared": [0, 0, 0]}


def test_a_tolerance_says_when_even_the_best_condition_does_not_help(table):
    by_model = cond.best_by_model(table, tolerance=1.0)
    assert ("For m3 even the best condition's mean Δ is not above the baseline "
            "(a Δ within ±1 counts as unchanged).") in by_model.statement
    by_dataset = cond.best_by_dataset(table, tolerance=2.0)
    assert "Y: “A”, +1.33 over 3 models, which counts as unchanged" in by_dataset.statement


def test_ties_of_means_are_named_and_counted_per_condition():
    t = build()
    t = t.loc[t[schema.DATASET] == "W"]  # A and B: mean 1.5 each
    f = cond.best_by_model(pd.concat([t.assign(model="solo")]), 0.0)
    assert f.numbers["tied"] == ("solo",) and f.numbers["best"]["solo"] == ("A", "B")
    assert "solo has a tie at the top, counted for each tied condition" in f.statement
    counts = f.numbers["counts"].set_index(schema.CONDITION)
    assert counts.loc["A", "shared"] == counts.loc["B", "shared"] == 1


def test_one_models_values_and_its_best_condition(table):
    rows = cond.model_conditions(table, "m1")
    assert list(rows[schema.DATASET]) == ["X", "X", "X", "Y", "Y", "Z", "Z", "W", "W", "V"]
    assert list(rows[schema.CONDITION][:3]) == ["A", "B", "C"]
    assert rows.loc[rows["highest"], [schema.DATASET, schema.CONDITION]].values.tolist() == [
        ["X", "C"], ["Y", "B"], ["Z", "A"], ["Z", "B"], ["W", "B"], ["V", "A"]]
    assert cond.best_condition_sentence(table, "m1") == (
        "Its best condition is “C”: mean Δ +5 on the one dataset it has under all 3 of its "
        "conditions (“A” +2, “B” +1).")
    assert cond.best_condition_sentence(table, "m2") == (
        "Its best condition is “A”: mean Δ +2.75 over the 4 datasets it has under both of its "
        "conditions (“B” +1.5).")
    single = table.assign(  # the rows of A become another model's
        model=table[schema.MODEL].where(table[schema.CONDITION] != "A", "only-A"))
    assert cond.best_condition_sentence(single, "only-A") == (
        "only-A is measured under one condition only (“A”): there is nothing to compare.")


def test_a_model_whose_conditions_share_no_dataset():
    t = schema.conform(pd.DataFrame({"model": ["m", "m", "n", "n"], "dataset": ["X", "Y", "X", "X"],
                                     "condition": ["A", "B", "A", "B"],
                                     "delta": [1.0, 2.0, 3.0, 4.0]}))
    assert cond.best_condition_sentence(t, "m").startswith(
        "No dataset has m under both of its conditions")
    f = cond.best_by_model(t)
    assert f.numbers["best"]["m"] == () and f.numbers["not_compared"] == 1
    assert "Not compared: 1 model" in f.statement


def test_significance_is_counted_per_value_never_between_conditions(table):
    t = table.copy()
    t[schema.SIGNIFICANT] = False
    hits = [("m2", "Y", "A"), ("m3", "X", "A"), ("m3", "X", "B")]
    for m, d, c in hits:
        t.loc[(t.model == m) & (t.dataset == d) & (t.condition == c), schema.SIGNIFICANT] = True
    t.attrs = {"level": 0.95, "correction": "holm"}
    by_dataset, agreement, _ = cond.across_conditions(t, Thresholds(tolerance=0.0))
    compared = by_dataset.detail
    assert by(compared, "Y", "A")[cond.SIGNIFICANT_COMMON] == 1
    assert by(compared, "X", "A")[cond.SIGNIFICANT_COMMON] == 0  # m3 is not common on X
    assert "Y: “A”, +1.33 over 3 models, the highest Δ for 2 of them; 1 of 3 of its values " \
           "significant after Holm correction" in by_dataset.statement
    assert cond.NO_TEST in by_dataset.statement
    assert "significantly" not in by_dataset.statement and "better" not in by_dataset.statement
    assert agreement.numbers["opposite_significant"] == 1  # m3 X: -1 and +3, both significant
    assert ("1 has one condition above the baseline and another below (on 1 of 1, a value above "
            "and a value below both are significant after Holm correction)") in agreement.statement
    assert cond.best_condition_sentence(t, "m2").endswith(
        "(“B” +1.5); 1 of 4 of its values under “A” are significant after Holm correction. "
        + cond.NO_TEST)
    labels = cond.condition_labels(compared)
    assert labels[cond.SIGNIFICANT_COMMON] == "Of the common, significant after Holm correction"
    assert labels["common"] == "Common models"


def test_intervals_alone_are_counted_as_excluding_zero(table):
    t = table.assign(ci_low=table.delta - 1.5, ci_high=table.delta + 1.5)
    compared = cond.compare_conditions(t, schema.DATASET)
    assert cond.SIGNIFICANT_COMMON not in compared.columns
    # B on Y: m1 3 ± 1.5 and m3 -2 ± 1.5 exclude 0, m2 1 ± 1.5 does not
    assert by(compared, "Y", "B")[cond.EXCLUDES_ZERO_COMMON] == 2
    statement = cond.best_by_dataset(t).statement
    assert "of its values with intervals excluding 0" in statement
    assert cond.condition_labels(compared)[cond.EXCLUDES_ZERO_COMMON] == \
        "Of the common, interval excludes 0"
    rows = cond.model_conditions(t, "m1")
    assert {schema.CI_LOW, schema.CI_HIGH} <= set(rows.columns)


def test_the_bundled_figure_gives_nothing():
    figure = figure_table()
    assert not cond.has_conditions(figure)
    assert cond.across_conditions(figure) == []
    assert cond.compare_conditions(figure, schema.DATASET).empty
    assert cond.pair_agreement(figure).empty and cond.agreement(figure).pairs == 0
    assert cond.model_conditions(figure, "GPT-4o").empty


def test_one_condition_gives_nothing(table):
    assert cond.across_conditions(table.loc[table[schema.CONDITION] == "A"]) == []


def test_the_figure_beside_an_upload_is_left_out(table):
    figure = figure_table().assign(condition=schema.NO_CONDITION, source=FIGURE_SOURCE)
    joined = pd.concat([figure, table.assign(source=UPLOAD_SOURCE)], ignore_index=True)
    alone = cond.compare_conditions(table, schema.DATASET)
    pd.testing.assert_frame_equal(cond.compare_conditions(joined, schema.DATASET), alone)
    assert cond.agreement(joined) == cond.agreement(table)


def test_names_reach_markdown_escaped_and_plain_text_unchanged():
    odd = {"A": "*bold*", "B": "<b>B</b>", "m1": "[m1](http://x.y)", "Y": "Y_|set"}
    f_dataset, f_agree, f_model = cond.across_conditions(build(odd))
    for f in (f_dataset, f_agree, f_model):
        for name in ("*bold*", "<b>B</b>"):
            assert name in f.statement and escape_markdown(name) in f.markdown
        assert "<b>" not in f.markdown and not re.search(r"(?<!\\)\]\(", f.markdown)
    assert escape_markdown("Y_|set") in f_dataset.markdown and "Y_|set" in f_dataset.statement
    assert escape_markdown("[m1](http://x.y)") in f_model.markdown


def test_the_report_gets_the_section_with_escaped_names():
    table = build({"A": "*bold*", "m2": "a|b"})
    across = cond.across_conditions(table)
    report = findings_report([], label="t.csv", thresholds=Thresholds(), across=across)
    assert "## Across conditions" in report and cond.ACROSS_NOTE in report
    for f in across:
        assert f"### {f.title}" in report and f.markdown in report
    assert "| Dataset | Condition | Conditions | Models measured | Common models |" in report
    assert "| Condition | Other condition | Model × dataset pairs |" in report
    assert "\\*bold\\*" in report and "a\\|b" in report and "| *bold* |" not in report
    assert "| X | C | 3 | 1 | 1 | +5 | yes | 1 | 0 |" in report
    plain = findings_report([], label="t.csv", thresholds=Thresholds())
    assert "Across conditions" not in plain


def many_conditions(count: int) -> pd.DataFrame:
    """Two models on one dataset under `count` conditions, Δ = the condition's number."""
    return schema.conform(pd.DataFrame(
        [{"model": m, "dataset": "X", "condition": f"c{i}", "delta": float(i)}
         for m in ("m", "n") for i in range(count)]))


def test_more_conditions_than_the_limit_are_not_compared():
    limit = cond.MAX_CONDITIONS
    assert cond.too_many_conditions(many_conditions(limit)) is None
    assert len(cond.across_conditions(many_conditions(limit))) == 3
    many = many_conditions(limit + 1)
    assert cond.too_many_conditions(many) == (
        f"The table has {limit + 1} conditions; conditions are compared with one another for "
        f"tables of up to {limit} conditions. The condition picker shows each of them.")
    assert cond.across_conditions(many) == []
    assert cond.best_condition_sentence(many, "m") == (
        f"m is measured under {limit + 1} conditions; conditions are compared with one another "
        f"for up to {limit}.")


def test_every_pair_of_conditions_is_counted_at_the_limit():
    pairs = cond.pair_agreement(many_conditions(cond.MAX_CONDITIONS))
    n = cond.MAX_CONDITIONS
    assert len(pairs) == n * (n - 1) // 2 and (pairs["pairs"] == 2).all()
    # c0 is 0 (unchanged), every other condition above: c0 with another is one unchanged
    with_c0 = pairs.loc[pairs["first"] == "c0"]
    assert (with_c0["one_unchanged"] == 2).all() and (pairs.loc[pairs["first"] != "c0", "same"]
                                                      == 2).all()


def test_conditions_that_share_nothing_are_not_compared():
    t = schema.conform(pd.DataFrame({"model": ["m", "n"], "dataset": ["X", "Y"],
                                     "condition": ["A", "B"], "delta": [1.0, -2.0]}))
    by_dataset, agreement, by_model = cond.across_conditions(t)
    assert by_dataset.statement == ("No dataset is measured under two or more conditions, so the "
                                    "conditions cannot be compared on any dataset.")
    assert agreement.statement == ("No model × dataset pair is measured under two or more "
                                   "conditions, so their agreement cannot be counted.")
    assert by_model.statement.startswith("No model has a dataset measured under all of two")
    assert agreement.detail.empty and by_model.numbers["models"] == 0
