"""lib/analysis/findings.py: each finding on the bundled figure against values worked out by hand from the
seed, and on small synthetic tables that make it come out the other way."""

from __future__ import annotations

import ast
import re
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.analysis.findings import (
    Thresholds, all_findings, baseline_share, category_trends, dataset_leaders, largest_drops,
    largest_gains, same_direction, scale_within_family, significance, volatility,
)
from lib.core import schema
from lib.core.figure import figure_table
from tests.conftest import ROOT

EXACT = Thresholds(tolerance=0.0)
"""Only a Δ of exactly 0 unchanged: the tests written for counts at the baseline itself."""
DATASETS = ["HotpotQA", "CS-QA", "AQUA", "GSM8K", "MATH", "GPQA", "HumanEval"]
SEED = {  # the seed's "Detailed Analysis", typed in by hand, one row per model
    "LLaMA3.1-8B": [-4, -2, -9, -3, -7, 3, -22],
    "LLaMA3.1-70B": [5, 1, 0, 5, -18, 8, -16],
    "Qwen2.5-7B": [-2, -19, 3, -3, -6, 5, -16],
    "Qwen2.5-72B": [6, 7, 0, 3, -3, 6, -24],
    "Claude3.5": [7, 3, -17, 2, 2, -16, -4],
    "GPT-3.5": [5, 2, 10, 18, 5, -9, -4],
    "GPT-4o": [7, 3, -4, 7, 4, -9, -12],
    "QWQ-32B": [1, -4, 10, 3, 2, -7, -4],
    "DeepSeek-V3": [1, -8, 10, 18, -11, 0, -12],
}
OPEN = ["LLaMA3.1-8B", "LLaMA3.1-70B", "Qwen2.5-7B", "Qwen2.5-72B"]
CLOSED = ["Claude3.5", "GPT-3.5", "GPT-4o", "QWQ-32B"]


def table(rows: dict[str, list[float]], datasets: list[str] | None = None,
          categories: dict[str, str] | None = None) -> pd.DataFrame:
    """A contract table from {model: [Δ per dataset]}."""
    datasets = datasets or [f"D{i}" for i in range(len(next(iter(rows.values()))))]
    records = [{"model": m, "dataset": d, "delta": float(v),
                "category": (categories or {}).get(m, "Group")}
               for m, values in rows.items() for d, v in zip(datasets, values)]
    return schema.conform(pd.DataFrame(records))


@pytest.fixture(scope="module")
def fig() -> pd.DataFrame:
    return figure_table()


def test_the_bundled_table_is_the_seed(fig):
    for model, values in SEED.items():
        got = fig[fig.model == model].set_index("dataset").delta.reindex(DATASETS)
        assert list(got) == values, model


# --- dataset dependence -------------------------------------------------------------------------

def test_leaders_on_the_figure(fig):
    f = dataset_leaders(fig)
    leaders = dict(zip(f.detail.dataset, f.detail.leaders))
    assert leaders == {
        "HotpotQA": "Claude3.5, GPT-4o", "CS-QA": "Qwen2.5-72B",
        "AQUA": "GPT-3.5, QWQ-32B, DeepSeek-V3", "GSM8K": "GPT-3.5, DeepSeek-V3",
        "MATH": "GPT-3.5", "GPQA": "LLaMA3.1-70B", "HumanEval": "Claude3.5, GPT-3.5, QWQ-32B"}
    assert list(f.detail.delta) == [7, 7, 10, 18, 5, 8, -4]
    assert f.numbers["distinct_leaders"] == 7
    assert f.numbers["most_leading"] == ("GPT-3.5",) and f.numbers["most_leads"] == 4
    assert f.numbers["tied_datasets"] == 4
    assert f.statement.startswith("7 different models have the largest Δ")
    assert "no single model leads everywhere" in f.statement
    assert len(f.points) == 13


def test_leaders_when_one_model_leads_everywhere():
    f = dataset_leaders(table({"A": [5, 6, 7], "B": [1, 2, 3]}))
    assert f.numbers["distinct_leaders"] == 1
    assert f.statement == ("A has the largest Δ on every one of the 3 datasets, so the lead does "
                           "not depend on the dataset.")


def test_leaders_when_two_models_tie_everywhere():
    f = dataset_leaders(table({"A": [5, 6], "B": [5, 6], "C": [0, 0]}))
    assert f.statement.startswith("A and B share the largest Δ on every one of the 2 datasets")


# --- gains and drops ----------------------------------------------------------------------------

def test_largest_gain_is_a_tie_of_two(fig):
    f = largest_gains(fig)
    assert f.numbers["value"] == 18 and f.numbers["count"] == 2
    assert {(p.model, p.dataset) for p in f.points} == {("GPT-3.5", "GSM8K"),
                                                          ("DeepSeek-V3", "GSM8K")}
    assert f.statement == ("The largest gain, +18, is shared by 2 points: GPT-3.5 and "
                           "DeepSeek-V3 on GSM8K.")
    # the table lists the top five with the ties at the cut: 18, 18, then three at +10
    assert list(f.detail["rank"]) == [1, 1, 3, 3, 3]
    assert list(f.detail.delta) == [18, 18, 10, 10, 10]


def test_largest_drop_is_single(fig):
    f = largest_drops(fig)
    assert f.numbers["value"] == -24 and f.numbers["count"] == 1
    assert f.points[0].model == "Qwen2.5-72B" and f.points[0].dataset == "HumanEval"
    assert f.statement == "The largest drop is -24: Qwen2.5-72B on HumanEval."
    assert list(f.detail.delta) == [-24, -22, -19, -18, -17]


def test_ties_at_the_cut_are_kept():
    f = largest_drops(table({"A": [-9, -5, -5, -5, -5, -5, -5, 1]}))
    assert list(f.detail.delta) == [-9] + [-5] * 6


def test_no_gain_and_no_drop():
    down = table({"A": [-3, -5], "B": [-2, -8]})
    assert largest_gains(down).statement == ("No point lies above the baseline; the highest Δ "
                                             "is -2 (B on D0).")
    assert not largest_gains(down).numbers["exists"]
    up = table({"A": [3, 5], "B": [2, 8]})
    assert largest_drops(up).statement == ("No point lies below the baseline; the lowest Δ is "
                                           "+2 (B on D0).")
    assert largest_gains(up).statement == "The largest gain is +8: B on D1."


def test_gains_within_tolerance_do_not_count_as_gains():
    t = table({"A": [0.5, -3]})
    assert largest_gains(t).numbers["exists"]
    assert not largest_gains(t, tolerance=1.0).numbers["exists"]


def test_significance_from_intervals_and_from_the_corrected_flag():
    t = table({"A": [10, -12, 1], "B": [4, -2, 0]})
    assert significance(t) is None
    assert "interval" not in largest_drops(t).statement
    with_ci = t.assign(ci_low=t.delta - 3, ci_high=t.delta + 3)
    assert largest_drops(with_ci).statement == ("The largest drop is -12: A on D1 (its interval "
                                                "excludes 0).")
    wide = t.assign(ci_low=t.delta - 20, ci_high=t.delta + 20)
    assert "(its interval includes 0)" in largest_drops(wide).statement
    flagged = wide.assign(significant=[True, False, False, False, False, False])
    assert ("(its interval includes 0; not significant after correction)"
            in largest_drops(flagged).statement)
    assert largest_drops(flagged).points[0].significant is False
    assert largest_gains(flagged).points[0].significant is True


def test_significance_counts_in_direction_findings():
    t = table({"A": [-10, 5], "B": [-12, 6], "C": [-1, 7]})
    t = t.assign(ci_low=t.delta - 2, ci_high=t.delta + 2)
    f = same_direction(t, EXACT)
    assert "3 of 3 below the baseline, 2 of them with intervals excluding 0" in f.statement
    b = baseline_share(t)
    assert "3 of those above and 2 of those below have intervals excluding 0" in b.statement


# --- the same way -------------------------------------------------------------------------------

def test_humaneval_is_the_one_sided_dataset(fig):
    f = same_direction(fig)
    assert f.numbers["which"] == ("HumanEval",)
    assert f.numbers["counts"] == {"HumanEval": (9, 9, "below")}
    assert f.statement == ("On 1 of 7 datasets at least 80% of the models move the same way: "
                           "HumanEval (9 of 9 below the baseline).")
    assert {p.dataset for p in f.points} == {"HumanEval"} and len(f.points) == 9


def test_nearly_all_is_a_parameter(fig):
    # 7 of 9 models gain on HotpotQA and on GSM8K: 78%, in at 75%, out at the default 80%
    f = same_direction(fig, Thresholds(nearly_all=0.75, tolerance=0.0))
    assert f.numbers["which"] == ("HotpotQA", "GSM8K", "HumanEval")
    assert f.numbers["counts"]["HotpotQA"] == (7, 9, "above")
    assert same_direction(fig, Thresholds(nearly_all=1.0)).numbers["which"] == ("HumanEval",)


def test_no_one_sided_dataset():
    f = same_direction(table({"A": [1, -1], "B": [-2, 2], "C": [3, 4]}), EXACT)
    assert f.numbers["datasets"] == 0
    assert f.statement == ("On none of the 2 datasets do at least 80% of the models move the same "
                           "way; the most one-sided is D0 (2 of 3 above the baseline).")


# --- categories ---------------------------------------------------------------------------------

def test_category_trends_on_the_figure(fig):
    f = category_trends(fig)
    open_values = [v for m in OPEN for v in SEED[m]]
    closed_values = [v for m in CLOSED for v in SEED[m]]
    assert f.numbers["means"]["Open LLM"] == pytest.approx(statistics.mean(open_values))
    assert f.numbers["means"]["Closed LLM"] == pytest.approx(statistics.mean(closed_values))
    assert f.numbers["means"]["Reasoning LLM"] == pytest.approx(-2 / 7)
    assert f.numbers["above"] == {"Open LLM": 11, "Closed LLM": 17, "Reasoning LLM": 3}
    assert f.numbers["points"] == {"Open LLM": 28, "Closed LLM": 28, "Reasoning LLM": 7}
    assert (f.numbers["highest"], f.numbers["lowest"]) == ("Closed LLM", "Open LLM")
    assert f.statement == ("Closed LLM has the highest mean Δ (+0.0, 61% of its points above) "
                           "and Open LLM the lowest (-3.6, 39% of its points above).")


def test_category_trends_reversed_and_single():
    cats = {"A": "Open", "B": "Closed"}
    f = category_trends(table({"A": [5, 6], "B": [-1, 2]}, categories=cats))
    assert (f.numbers["highest"], f.numbers["lowest"]) == ("Open", "Closed")
    one = category_trends(table({"A": [5, -6], "B": [1, 2]}))
    assert one.statement == ("All points are in one category, Group: mean Δ +0.5, 75% of the "
                             "points above the baseline.")


# --- scale --------------------------------------------------------------------------------------

def test_scale_on_the_figure(fig):
    f = scale_within_family(fig)
    wins = {pair: sum(SEED[pair[1]][i] > SEED[pair[0]][i] for i in range(7))
            for pair in [("LLaMA3.1-8B", "LLaMA3.1-70B"), ("Qwen2.5-7B", "Qwen2.5-72B")]}
    assert wins == {("LLaMA3.1-8B", "LLaMA3.1-70B"): 6, ("Qwen2.5-7B", "Qwen2.5-72B"): 5}
    assert f.numbers["pairs"] == {k: (v, 7) for k, v in wins.items()}
    assert (f.numbers["larger_higher"], f.numbers["comparisons"], f.numbers["ties"]) == (11, 14, 0)
    assert "11 of 14 comparisons" in f.statement
    assert f.statement.endswith("so bigger is better more often than not, but not uniformly.")
    exceptions = {(p.model, p.dataset) for p in f.points}
    assert exceptions == {("LLaMA3.1-8B", "MATH"), ("LLaMA3.1-70B", "MATH"),
                          ("Qwen2.5-7B", "AQUA"), ("Qwen2.5-72B", "AQUA"),
                          ("Qwen2.5-7B", "HumanEval"), ("Qwen2.5-72B", "HumanEval")}


def test_scale_tolerance_turns_a_one_point_lead_into_a_tie(fig):
    f = scale_within_family(fig, tolerance=1.0)  # Qwen2.5 on GPQA: 6 vs 5
    assert (f.numbers["larger_higher"], f.numbers["ties"]) == (10, 1)
    assert "1 equal within the tolerance" in f.statement


def test_scale_the_other_way_and_without_families():
    always = table({"M-7B": [1, 2, 3], "M-70B": [4, 5, 6]})
    assert scale_within_family(always).statement.endswith("so bigger is better on every "
                                                          "comparison here.")
    never = table({"M-7B": [4, 5, 6], "M-70B": [1, 2, 3]})
    assert scale_within_family(never).statement.endswith("so the smaller model has the larger Δ "
                                                         "every time.")
    none = scale_within_family(table({"GPT-4o": [1, 2], "Claude": [3, 4]}))
    assert none.numbers["comparisons"] == 0
    assert "cannot be checked" in none.statement


# --- baseline share -----------------------------------------------------------------------------

def test_baseline_share_on_the_figure(fig):
    values = [v for row in SEED.values() for v in row]
    above, at, below = (sum(v > 0 for v in values), sum(v == 0 for v in values),
                        sum(v < 0 for v in values))
    assert (above, at, below) == (31, 3, 29)
    f = baseline_share(fig)
    assert (f.numbers["above"], f.numbers["at"], f.numbers["below"]) == (31, 3, 29)
    assert f.numbers["majority_above"] is False
    assert f.numbers["without"] == "HumanEval"
    assert (f.numbers["above_without"], f.numbers["points_without"]) == (31, 54)
    assert f.statement == ("31 of 63 points (49%) lie above the baseline, 3 at it and 29 below, "
                           "so fewer than half lie above; without HumanEval, the dataset with the "
                           "lowest mean Δ (-12.7), 31 of 54 (57%) lie above.")


def test_baseline_share_with_a_tolerance(fig):
    f = baseline_share(fig, tolerance=1.0)  # three values of +1 join the three zeros
    assert (f.numbers["above"], f.numbers["at"], f.numbers["below"]) == (28, 6, 29)
    assert "6 within 1 of it" in f.statement


def test_baseline_share_the_other_way():
    f = baseline_share(table({"A": [3, 4, -5], "B": [2, 5, 6]}))
    assert f.numbers["majority_above"] is True
    assert "so a majority lie above" in f.statement
    assert f.numbers["without"] == "D2"
    single = baseline_share(table({"A": [3], "B": [-2]}))
    assert single.numbers["without"] is None and "without" not in single.statement


# --- volatility ---------------------------------------------------------------------------------

def test_volatility_on_the_figure(fig):
    sds = {m: statistics.stdev(v) for m, v in SEED.items()}
    f = volatility(fig)
    assert f.numbers["most"] == (max(sds, key=sds.get),) == ("DeepSeek-V3",)
    assert f.numbers["least"] == (min(sds, key=sds.get),) == ("QWQ-32B",)
    assert f.numbers["most_sd"] == pytest.approx(sds["DeepSeek-V3"])
    assert f.statement == ("DeepSeek-V3 varies most across datasets (SD 11.2, from -12 to +18) "
                           "and QWQ-32B least (SD 5.7, from -7 to +10).")
    assert list(f.detail.model)[:3] == ["DeepSeek-V3", "Qwen2.5-72B", "LLaMA3.1-70B"]


def test_volatility_the_other_way_and_edge_cases():
    f = volatility(table({"Calm": [1, 1, 2], "Wild": [-20, 20, 0]}))
    assert f.numbers["most"] == ("Wild",) and f.numbers["least"] == ("Calm",)
    flipped = volatility(table({"Calm": [-20, 20, 0], "Wild": [1, 1, 2]}))
    assert flipped.numbers["most"] == ("Calm",)
    assert "cannot be measured" in volatility(table({"A": [1], "B": [2]})).statement
    assert volatility(table({"A": [1, 3], "B": [5, 7]})).statement.startswith("All 2 models vary "
                                                                              "equally")


# --- all of them --------------------------------------------------------------------------------

def test_all_findings_and_empty_tables(fig):
    found = all_findings(fig)
    assert [f.key for f in found] == ["leaders", "gains", "drops", "same_direction",
                                      "categories", "scale", "baseline", "volatility"]
    assert all(f.statement.endswith(".") and f.title for f in found)
    assert all_findings(fig.iloc[0:0]) == []
    assert all_findings(fig.assign(delta=np.nan)) == []


def test_markdown_escapes_names_from_the_table():
    t = table({"*x*_[a](b)": [5, -3], "ok": [1, 2]}, datasets=["#D|1", "D2"])
    f = largest_gains(t)
    assert f.statement == "The largest gain is +5: *x*_[a](b) on #D|1."
    assert f.markdown == r"The largest gain is +5: \*x\*\_\[a\](b) on \#D\|1."


SIGNED = re.compile(r"(?<![\w.])[+-]\d+(?:\.\d+)?")
UNSIGNED = re.compile(r"(?<![\w.+-])\d+(?:\.\d+)?(?![\w.]\d)")


def test_statements_follow_the_data_when_every_delta_doubles(fig):
    """No number in a sentence is typed in: doubling every Δ doubles every signed number (and
    every SD), and leaves every count and share as it was."""
    # at a tolerance of 0: a fixed tolerance of 1 would count other points as unchanged
    before = {f.key: f.statement for f in all_findings(fig, EXACT)}
    after = {f.key: f.statement for f in all_findings(fig.assign(delta=fig.delta * 2), EXACT)}
    assert after["gains"] == ("The largest gain, +36, is shared by 2 points: GPT-3.5 and "
                              "DeepSeek-V3 on GSM8K.")
    assert after["drops"] == "The largest drop is -48: Qwen2.5-72B on HumanEval."
    assert "(SD 22.4, from -24 to +36)" in after["volatility"]
    assert "(-25.3)" in after["baseline"]
    for key in before:
        old = [float(x) for x in SIGNED.findall(before[key])]
        new = [float(x) for x in SIGNED.findall(after[key])]
        assert len(old) == len(new), key
        assert all(abs(n - 2 * o) <= 0.15 + 1e-9 for o, n in zip(old, new)), (key, old, new)
        old_u = [float(x) for x in UNSIGNED.findall(SIGNED.sub("", before[key]))]
        new_u = [float(x) for x in UNSIGNED.findall(SIGNED.sub("", after[key]))]
        expected = [2 * o if key == "volatility" else o for o in old_u]
        assert new_u == pytest.approx(expected, abs=0.15), (key, old_u, new_u)


NUMBER_TOKEN = re.compile(r"^[+\-−±~]?\d+(?:[.,]\d+)?%?$")
SENTENCE_MODULES = ["lib/analysis/findings.py", "lib/analysis/claims.py", "lib/analysis/interpretation.py", "lib/analysis/report.py",
                    "lib/ui/findings_view.py", "lib/charts/findings.py", "lib/core/wording.py",
                    "pages/findings.py"]


def _literal_numbers(path: Path) -> list[str]:
    """Number-like words inside string literals of `path`, outside docstrings, format specs and
    module-level ALL_CAPS constants (the reference values, each documented). "0" is allowed: it
    names the baseline, a definition rather than a value."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            if names and all(n.isupper() for n in names):
                skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # attribute docstrings
        if isinstance(node, ast.keyword) and node.arg == "format":
            skip.add(id(node.value))  # a chart's number format, such as ".0%"
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip.update(id(n) for n in ast.walk(node.format_spec))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for word in node.value.split():
                token = word.strip("()[],;:.!?“”\"'")
                if NUMBER_TOKEN.match(token) and token != "0":
                    found.append(token)
    return found


@pytest.mark.parametrize("path", SENTENCE_MODULES)
def test_no_number_is_typed_into_a_sentence(path):
    assert _literal_numbers(ROOT / path) == []


def test_the_literal_scan_catches_a_typed_number(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""Doc 12."""\nLIMIT = "7 ok"\n\n'
                   'def f(x):\n    return f"{x:.1f} of 63, at 0"\n')
    assert _literal_numbers(bad) == ["63"]
