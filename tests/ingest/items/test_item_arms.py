"""Per-item files with several arms per item, in rows: detection, the baseline arm, each arm
against it exactly as the two-arm path computes the pair, correction over cells × arms, and
every bad input with file, row and column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lib.core import schema
from lib.ingest.items import arms as itemarms, peritem, read as itemread
from lib.ingest.items.arms import (BASELINE_ARM, aggregate_arms, baseline_arm, check_arms,
                                   check_arms_csv, summarise_arms)
from lib.ingest.items.cells import (BINARY_METHOD, CI_EXCLUDES_ZERO, SCORES_METHOD, Settings)
from lib.ingest.items.columns import ArmColumns, arm_columns
from lib.ingest.items.pipeline import aggregate, aggregate_items, arms_from_frame, item_shape
from lib.ingest.problems import Effect, Kind
from lib.ingest.shapes import Shape, detect, evidence_of
from lib.ingest.templates import item_templates
from lib.stats import intervals, multiple

FILE = "arms.csv"
STATS = [schema.DELTA, schema.BASELINE, schema.TREATMENT, schema.N_ITEMS, schema.CI_LOW,
         schema.CI_HIGH, schema.P_VALUE, peritem.INTERVAL_METHOD, CI_EXCLUDES_ZERO]


def arms_frame(outcomes: dict[tuple[str, str, str], list[float]], arm_column: str = "method",
               outcome_column: str = "correct") -> pd.DataFrame:
    """Rows model, dataset, item, arm, outcome from {(model, dataset, arm): outcomes by item},
    items q0, q1, … listed item by item (the arms of an item next to each other)."""
    rows = []
    cells = dict.fromkeys((m, d) for m, d, _ in outcomes)
    for model, dataset in cells:
        arms = [a for m, d, a in outcomes if (m, d) == (model, dataset)]
        size = max(len(outcomes[(model, dataset, a)]) for a in arms)
        for item in range(size):
            for arm in arms:
                values = outcomes[(model, dataset, arm)]
                if item < len(values) and values[item] is not None:
                    rows.append((model, dataset, f"q{item}", arm, values[item]))
    return pd.DataFrame(rows, columns=["model", "dataset", "item", arm_column, outcome_column])


def two_arm_path(frame: pd.DataFrame, base: str, treat: str,
                 settings: Settings = Settings()) -> pd.DataFrame:
    """The pair (base, treat) as a two-arm per-item file, aggregated by the two-arm path."""
    keys = ["model", "dataset", "item"] + (["run"] if "run" in frame.columns else [])
    arm = [c for c in frame.columns if c in ("method", "condition")][0]
    outcome = [c for c in frame.columns if c in ("correct", "outcome")][0]
    left = frame[frame[arm] == base].rename(columns={outcome: "baseline"}).drop(columns=arm)
    right = frame[frame[arm] == treat].rename(columns={outcome: "treatment"}).drop(columns=arm)
    pairs = left.merge(right, on=keys, how="inner", sort=False)
    return peritem.aggregate_per_item(pairs, "pair.csv", settings=settings).table


# 3 arms, 2 models × 2 datasets, 0/1 outcomes (12 items per cell).
BINARY = {
    ("A", "X", "base"): [1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0],
    ("A", "X", "CoT"): [1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0],
    ("A", "X", "SC"): [0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1],
    ("A", "Y", "base"): [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    ("A", "Y", "CoT"): [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    ("A", "Y", "SC"): [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
    ("B", "X", "base"): [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    ("B", "X", "CoT"): [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1],
    ("B", "X", "SC"): [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1],
    ("B", "Y", "base"): [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
    ("B", "Y", "CoT"): [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
    ("B", "Y", "SC"): [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
}


def _mcnemar(b: int, c: int) -> float:
    return float(stats.chi2.sf((c - b) ** 2 / (b + c), 1))


# --- detection -----------------------------------------------------------------------------------

def test_the_shape_is_found_from_bytes_frame_and_names():
    frame = arms_frame(BINARY)
    for source in (frame, frame.to_csv(index=False).encode(), list(frame.columns)):
        found = detect(evidence_of(source))
        assert found.sure and found.mapping.shape is Shape.PER_ITEM_ARMS
        assert found.mapping.roles[schema.CONDITION] == "method"
        assert found.mapping.roles["outcome"] == "correct"
    assert item_shape(frame.to_csv(index=False).encode(), FILE) is Shape.PER_ITEM_ARMS


@pytest.mark.parametrize("names, expected", [
    (["model", "dataset", "item", "condition", "outcome", "run"],
     ArmColumns("model", "dataset", "item", "condition", "outcome", "run")),
    (["Model", "Task", "Question ID", "Variant", "is_correct", "Seed", "type"],
     ArmColumns("Model", "Task", "Question ID", "Variant", "is_correct", "Seed", "type")),
    (["llm", "benchmark", "id", "prompt", "Score"],
     ArmColumns("llm", "benchmark", "id", "prompt", "Score")),
    (["model", "dataset", "item", "arm", "passed"],
     ArmColumns("model", "dataset", "item", "arm", "passed")),
])
def test_arm_and_outcome_columns_come_from_the_alias_table(names, expected):
    assert arm_columns(names) == expected


def test_files_of_the_other_shapes_are_read_as_before():
    two_arms = b"model,dataset,item,method,baseline,treatment\nA,X,1,CoT,0,1\n"
    assert detect(evidence_of(two_arms)).mapping.shape is Shape.PER_ITEM
    scores = b"model,dataset,id,method,score\nA,X,1,CoT,62.5\nA,X,2,SC,70\n"
    assert detect(evidence_of(scores)).mapping.shape is Shape.LONG  # scores above 1: not outcomes
    labels = b"model,dataset,item,method,label\nA,X,1,CoT,B\nA,X,2,SC,C\n"
    assert detect(evidence_of(labels)).mapping.shape is not Shape.PER_ITEM_ARMS
    assert detect(evidence_of(["model", "dataset", "method", "correct"])).mapping.shape \
        is not Shape.PER_ITEM_ARMS  # no item column


# --- the baseline arm ----------------------------------------------------------------------------

@pytest.mark.parametrize("arms, expected", [
    (("CoT", "Baseline", "SC"), "Baseline"),
    (("CoT", "base"), "base"),
    (("cot", "No-Method"), "No-Method"),
    (("cot", "no method"), "no method"),
    (("cot", "STANDARD"), "STANDARD"),
    (("cot", "None"), "None"),
    (("cot", "Control_Group".replace("_Group", "")), "Control"),
    (("control", "CoT", "base"), "base"),  # the brief's order: base before control
])
def test_the_default_baseline_is_found_by_name(arms, expected):
    found, note = baseline_arm(arms)
    assert found == expected and "found by its name" in note


def test_without_a_baseline_name_the_first_arm_is_the_baseline_with_a_note():
    found, note = baseline_arm(("round 2", "round 1"))
    assert found == "round 2"
    assert "No arm is named like a baseline" in note and "the first arm" in note


def test_the_users_choice_wins_and_an_unknown_one_falls_back_with_a_note():
    assert baseline_arm(("base", "CoT"), "CoT")[0] == "CoT"
    found, note = baseline_arm(("base", "CoT"), "SC")
    assert found == "base" and "“SC” is not in the file" in note


# --- each arm against the baseline: the two-arm path, exactly ------------------------------------

def test_each_arm_agrees_exactly_with_its_pair_through_the_two_arm_path():
    frame = arms_frame(BINARY)
    result = aggregate_arms(frame, FILE)
    out = result.table
    assert result.problems == [] and out.attrs[BASELINE_ARM] == "base"
    assert result.notes == ["3 arms: base, CoT, SC. Baseline arm: “base”, found by its name; "
                            "another arm can be chosen. Each other arm is compared with it per "
                            "model × dataset on the items both hold."]
    assert len(out) == 4 * 2
    assert list(out[schema.CONDITION]) == ["CoT", "SC"] * 4  # file order, never merged
    for arm in ("CoT", "SC"):
        mine = out[out[schema.CONDITION] == arm].reset_index(drop=True)
        pair = two_arm_path(frame, "base", arm)
        pd.testing.assert_frame_equal(mine[[schema.MODEL, schema.DATASET] + STATS],
                                      pair[[schema.MODEL, schema.DATASET] + STATS],
                                      check_exact=True)


def test_a_small_cell_by_hand():
    out = aggregate_arms(arms_frame(BINARY), FILE).table.set_index(
        [schema.MODEL, schema.DATASET, schema.CONDITION])
    # A × X, CoT against base: base right on 5 of 12, CoT on 9; base only 0, CoT only 4
    row = out.loc[("A", "X", "CoT")]
    assert row[schema.BASELINE] == pytest.approx(500 / 12)
    assert row[schema.TREATMENT] == pytest.approx(900 / 12)
    assert row[schema.DELTA] == pytest.approx(400 / 12)
    assert row[schema.N_ITEMS] == 12
    assert row[schema.P_VALUE] == pytest.approx(_mcnemar(0, 4))
    low, high = intervals.tango_interval(np.array([0]), np.array([4]), np.array([12]), 0.95)
    assert (row[schema.CI_LOW], row[schema.CI_HIGH]) == pytest.approx((100 * low[0],
                                                                        100 * high[0]))
    # A × Y, SC against base: base only 0, SC only 3
    assert out.loc[("A", "Y", "SC"), schema.P_VALUE] == pytest.approx(_mcnemar(0, 3))
    assert out.loc[("A", "X", "CoT"), peritem.INTERVAL_METHOD] == BINARY_METHOD


def test_the_correction_runs_over_all_cells_and_arms_at_once():
    out = aggregate_arms(arms_frame(BINARY), FILE).table
    p = out[schema.P_VALUE].to_numpy()
    m = len(p)
    assert m == 8
    order = np.argsort(p)
    holm = np.maximum.accumulate(np.minimum(1, p[order] * (m - np.arange(m))))
    expected = np.empty(m)
    expected[order] = holm
    assert out[schema.P_ADJUSTED].to_numpy() == pytest.approx(expected)
    # not per arm: correcting each arm's 4 cells alone gives other values
    per_arm = np.concatenate([multiple.adjust(p[out[schema.CONDITION] == arm], "holm")
                              for arm in ("CoT", "SC")])
    assert not np.allclose(np.sort(per_arm), np.sort(out[schema.P_ADJUSTED]))
    bh = aggregate_arms(arms_frame(BINARY), FILE, settings=Settings(correction="bh")).table
    assert bh[schema.P_ADJUSTED].to_numpy() == pytest.approx(multiple.adjust(p, "bh"))


def test_arms_are_never_merged_or_averaged_with_each_other():
    frame = arms_frame(BINARY)
    out = aggregate_arms(frame, FILE).table.set_index(
        [schema.MODEL, schema.DATASET, schema.CONDITION])
    for (model, dataset, arm), values in BINARY.items():
        if arm != "base":
            assert out.loc[(model, dataset, arm), schema.TREATMENT] == pytest.approx(
                100 * np.mean(values))
    # dropping an arm leaves the other arm's values (but the correction) as they were
    alone = aggregate_arms(frame[frame["method"] != "SC"], FILE).table
    kept = out.xs("CoT", level=schema.CONDITION).reset_index()
    assert list(alone[schema.CONDITION]) == ["CoT"] * 4
    pd.testing.assert_frame_equal(alone[STATS], kept[STATS], check_exact=True)


def test_a_new_baseline_is_computed_from_the_checked_arms():
    checked = check_arms(arms_frame(BINARY), FILE)
    by_base = summarise_arms(checked, Settings()).table
    by_cot = summarise_arms(checked, Settings(baseline="CoT")).table
    assert set(by_cot[schema.CONDITION]) == {"base", "SC"}
    assert by_cot.attrs[BASELINE_ARM] == "CoT"
    back = by_cot[by_cot[schema.CONDITION] == "base"].reset_index(drop=True)
    forth = by_base[by_base[schema.CONDITION] == "CoT"].reset_index(drop=True)
    assert list(back[schema.DELTA]) == pytest.approx(list(-forth[schema.DELTA]))
    assert list(back[schema.P_VALUE]) == pytest.approx(list(forth[schema.P_VALUE]))
    assert aggregate_arms(arms_frame(BINARY), FILE, baseline="CoT").table.equals(by_cot)


def test_runs_are_averaged_per_item_first_as_in_the_two_arm_path():
    rng = np.random.default_rng(3)
    rows = []
    for item in range(15):
        for run in (1, 2, 3):
            for arm, p in (("control", 0.4), ("CoT", 0.7), ("SC", 0.6)):
                rows.append(("A", "GSM8K", f"q{item}", run, arm, int(rng.random() < p)))
    frame = pd.DataFrame(rows, columns=["model", "dataset", "item", "run", "condition",
                                        "outcome"])
    result = aggregate_arms(frame, FILE)
    out = result.table
    assert not [p for p in result.problems if p.kind is Kind.REPEATED_ITEM]
    assert list(out[schema.N_ITEMS]) == [15, 15]  # items, not runs
    for arm in ("CoT", "SC"):
        mine = out[out[schema.CONDITION] == arm].reset_index(drop=True)
        pair = two_arm_path(frame, "control", arm)
        assert mine.loc[0, peritem.INTERVAL_METHOD].startswith(SCORES_METHOD)
        pd.testing.assert_frame_equal(mine[STATS], pair[STATS], check_exact=True)


# --- bad input -----------------------------------------------------------------------------------

def test_one_arm_only_says_what_is_needed():
    frame = arms_frame({("A", "X", "CoT"): [1, 0, 1], ("B", "X", "CoT"): [1, 1, 0]})
    result = aggregate_arms(frame, FILE)
    assert result.table is None
    (problem,) = result.problems
    assert problem.kind is Kind.MISSING_ARM and problem.blocking
    assert (problem.file, problem.column) == (FILE, "method")
    assert "one arm “CoT”" in problem.message
    assert "a baseline arm and at least one other arm" in problem.message


def test_cells_without_the_baseline_arm_are_named_and_the_others_kept():
    outcomes = dict(BINARY)
    del outcomes[("B", "Y", "base")]
    frame = arms_frame(outcomes)
    result = aggregate_arms(frame, FILE)
    out = result.table
    assert len(out) == 3 * 2 and ("B", "Y") not in set(zip(out[schema.MODEL],
                                                          out[schema.DATASET]))
    (problem,) = result.problems
    first_row = int(np.flatnonzero((frame["model"] == "B") & (frame["dataset"] == "Y"))[0]) + 2
    assert (problem.kind, problem.row, problem.column, problem.effect) == (
        Kind.MISSING_ARM, first_row, "method", Effect.ROW)
    assert "B × Y has no outcome under the baseline arm “base”" in problem.message
    assert "CoT, SC" in problem.message


def test_items_in_one_arm_only_are_counted_with_an_example_never_paired():
    outcomes = dict(BINARY)
    outcomes[("A", "X", "CoT")] = outcomes[("A", "X", "CoT")][:9] + [None, None, None]
    outcomes[("A", "X", "SC")] = outcomes[("A", "X", "SC")] + [1, 1]  # q12, q13: no baseline
    frame = arms_frame(outcomes)
    result = aggregate_arms(frame, FILE)
    out = result.table.set_index([schema.MODEL, schema.DATASET, schema.CONDITION])
    assert out.loc[("A", "X", "CoT"), schema.N_ITEMS] == 9
    assert out.loc[("A", "X", "SC"), schema.N_ITEMS] == 12
    assert out.loc[("A", "X", "SC"), schema.TREATMENT] == pytest.approx(
        100 * np.mean(BINARY[("A", "X", "SC")]))
    found = {p.message.split(": ", 1)[1].split(" (this row")[0]: p for p in result.problems}
    assert all(p.kind is Kind.UNPAIRED_ITEM and p.column == "item" for p in found.values())
    extra = found["2 item(s) under the arm “SC” have no outcome under the baseline arm “base”"]
    assert frame.loc[extra.row - 2, ["item", "method"]].tolist() == ["q12", "SC"]
    lacking = found["3 item(s) under the baseline arm “base” have no outcome under the arm “CoT”"]
    assert frame.loc[lacking.row - 2, ["item", "method"]].tolist() == ["q9", "base"]
    pair = two_arm_path(frame, "base", "CoT")
    pd.testing.assert_frame_equal(out.xs("CoT", level=schema.CONDITION).reset_index()[STATS],
                                  pair[STATS], check_exact=True)


def test_an_item_repeated_within_an_arm_without_a_run_column_is_averaged_and_named():
    frame = arms_frame({("A", "X", "base"): [0, 1, 0, 1], ("A", "X", "CoT"): [1, 1, 0, 1]})
    repeat = pd.DataFrame([("A", "X", "q2", "CoT", 1)], columns=frame.columns)
    frame = pd.concat([frame, repeat], ignore_index=True)
    result = aggregate_arms(frame, FILE)
    named = [(p.row, p.column, p.effect) for p in result.problems
             if p.kind is Kind.REPEATED_ITEM]
    assert named == [(7, "item", Effect.MERGED), (10, "item", Effect.MERGED)]  # q2 under CoT
    assert "for its model, dataset and arm" in result.problems[0].message
    row = result.table.iloc[0]
    assert row[schema.TREATMENT] == pytest.approx(100 * (1 + 1 + 0.5 + 1) / 4)
    assert any("Outcomes averaged per item and arm" in n for n in result.notes)


def test_arm_names_differing_only_in_case_or_spaces_are_one_arm_with_a_note():
    frame = arms_frame(BINARY)
    cot, sc = (frame.index[frame["method"] == arm] for arm in ("CoT", "SC"))
    frame.loc[cot[1::2], "method"] = "cot "
    frame.loc[sc[1::6], "method"] = "sc"
    frame.loc[sc[2::6], "method"] = "S C"  # another name: a space is not nothing
    frame.loc[sc[5::6], "method"] = "s   c"
    result = aggregate_arms(frame, FILE)
    assert list(result.table[schema.CONDITION][:3]) == ["CoT", "SC", "S C"]
    (note,) = [n for n in result.notes if n.startswith("Arm names matched")]
    assert note == ("Arm names matched (case and spaces: one arm): “cot” → “CoT”; “sc” → “SC”; "
                    "“s   c” → “S C”.")
    out = result.table.set_index([schema.MODEL, schema.DATASET, schema.CONDITION])
    assert out.loc[("A", "X", "CoT"), schema.N_ITEMS] == 12  # all of CoT's rows, merged


def test_the_case_and_space_rule_is_the_condition_rule_of_the_validation():
    from lib.ingest.validation import condition_keys

    assert condition_keys(["CoT", "cot", " COT "]) == ["cot"] * 3
    frame = arms_frame({("A", "X", "Base"): [0, 1], ("A", "X", "CoT"): [1, 1],
                        ("A", "X", "COT"): [1, 0]})
    assert list(aggregate_arms(frame, FILE).table[schema.CONDITION]) == ["CoT"]


def test_an_empty_arm_cell_leaves_its_row_out_and_names_it():
    frame = arms_frame(BINARY)
    frame.loc[4, "method"] = "  "
    frame.loc[7, "method"] = None
    result = aggregate_arms(frame, FILE)
    empty = [(p.row, p.column, p.effect) for p in result.problems if p.kind is Kind.EMPTY_CELL]
    assert empty == [(6, "method", Effect.ROW), (9, "method", Effect.ROW)]
    assert result.table is not None and len(result.table) == 8


def test_a_missing_outcome_column_is_named():
    frame = arms_frame(BINARY).rename(columns={"correct": "answer"})
    result = aggregate_arms(frame, FILE)
    assert result.table is None
    assert [(p.kind, p.message.split(" (")[0]) for p in result.problems] == [
        (Kind.MISSING_COLUMN, "no column for the outcome")]


def test_the_cell_limit_counts_cells_times_arms(monkeypatch):
    monkeypatch.setattr(itemarms, "MAX_CELLS", 11)  # 4 cells × 3 arms = 12
    result = aggregate_arms(arms_frame(BINARY), FILE)
    assert result.table is None
    (problem,) = result.problems
    assert problem.kind is Kind.TOO_MANY_PAIRS and "12 model × dataset × arm" in problem.message
    monkeypatch.setattr(itemarms, "MAX_CELLS", 12)
    assert aggregate_arms(arms_frame(BINARY), FILE).table is not None
    monkeypatch.setattr(itemarms, "MAX_CELLS", 2)  # fewer than the arm names: refused at once
    (problem,) = aggregate_arms(arms_frame(BINARY), FILE).problems
    assert problem.kind is Kind.TOO_MANY_PAIRS and "12 model × dataset × arm" in problem.message


def test_no_item_in_both_arms_blocks_with_a_reason():
    frame = arms_frame({("A", "X", "base"): [1, 0, None, None],
                        ("A", "X", "CoT"): [None, None, 1, 1]})
    result = aggregate_arms(frame, FILE)
    assert result.table is None
    assert [p.kind for p in result.problems if p.blocking] == [Kind.NO_ROWS_LEFT]


# --- the paths agree -----------------------------------------------------------------------------

def test_bytes_in_pieces_and_a_frame_give_the_same_table_and_rows(monkeypatch):
    frame = arms_frame(BINARY).astype({"correct": object})
    frame.loc[5, "correct"] = "maybe"
    data = frame.to_csv(index=False).encode()
    whole = aggregate_arms(frame, FILE)
    monkeypatch.setattr(itemread, "PIECE_BYTES", 200)
    pieces = summarise_arms(check_arms_csv(data, FILE))
    pd.testing.assert_frame_equal(whole.table, pieces.table)
    assert [(p.kind, p.row, p.column) for p in whole.problems] == [
        (p.kind, p.row, p.column) for p in pieces.problems] == [
        (Kind.BAD_OUTCOME, 7, "correct"), (Kind.UNPAIRED_ITEM, 5, "item")]  # q1: base, no SC


def test_the_harness_interface_is_the_upload_path():
    frame = arms_frame(BINARY, arm_column="condition", outcome_column="outcome")
    frame.insert(4, "run", 1)
    uploaded = aggregate_items(frame.to_csv(index=False).encode(), FILE,
                               Settings(baseline="SC"))
    given = aggregate(arms_from_frame(frame, FILE), Settings(baseline="SC"))
    assert given.shape is uploaded.shape is Shape.PER_ITEM_ARMS
    assert given.arms == uploaded.arms == ("base", "CoT", "SC") and given.baseline == "SC"
    pd.testing.assert_frame_equal(given.table, uploaded.table)
    assert given.problems == uploaded.problems == ()


def test_the_template_is_an_arms_file_the_app_reads_without_problems():
    (sample,) = item_templates()
    upload = aggregate_items(sample.table.to_csv(index=False).encode(), sample.file_name,
                             Settings())
    assert upload.usable and upload.shape is Shape.PER_ITEM_ARMS and not upload.problems
    assert upload.baseline == "baseline"
    assert set(upload.table[schema.CONDITION]) == {"CoT", "Self-Refine"}


def test_a_baseline_that_pairs_nothing_keeps_the_arms_for_another_choice():
    frame = arms_frame({("A", "X", "base"): [1, 0, 1], ("A", "X", "CoT"): [1, 1, 1],
                        ("B", "X", "solo"): [1, 0, 0]})
    items = arms_from_frame(frame, FILE)
    upload = aggregate(items, Settings(baseline="solo"))
    assert not upload.usable and upload.baseline == "solo"
    assert upload.arms == ("base", "CoT", "solo")
    assert [p.kind for p in upload.problems if p.blocking] == [Kind.NO_ROWS_LEFT]
    assert aggregate(items, Settings()).usable  # "base", from the same read


def test_other_formats_go_through_the_general_reader_to_the_same_table(tmp_path):
    frame = arms_frame(BINARY)
    data = frame.to_csv(index=False).encode()
    lines = frame.to_json(orient="records", lines=True).encode()
    assert item_shape(lines, "arms.jsonl") is Shape.PER_ITEM_ARMS
    from_csv = aggregate_items(data, FILE, Settings()).table
    from_lines = aggregate_items(lines, "arms.jsonl", Settings()).table
    pd.testing.assert_frame_equal(from_csv, from_lines)


def test_a_category_column_gives_each_model_its_first_category_on_every_arm():
    frame = arms_frame(BINARY)
    frame["group"] = ["" if model == "A" else "Open LLM" for model in frame["model"]]
    out = aggregate_arms(frame, FILE).table
    assert dict(zip(out[schema.MODEL] + "/" + out[schema.CONDITION], out[schema.CATEGORY])) == {
        "A/CoT": schema.UNSPECIFIED_CATEGORY, "A/SC": schema.UNSPECIFIED_CATEGORY,
        "B/CoT": "Open LLM", "B/SC": "Open LLM"}
