"""AppTest of pages/profiles.py: every model renders, the URL picks the model, the pickers work,
a heatmap click opens a profile, and uploaded tables of any shape work."""

from __future__ import annotations

import json
import statistics
import time

import pandas as pd
import pyarrow as pa
import pytest

from lib.core import schema
from lib.core.figure import figure_table
from lib.core.text import escape_markdown
from lib.ui.state import ACTIVE_KEY, ActiveTable

PAGE = "pages/profiles.py"
FIGURE = figure_table()
MODELS = list(dict.fromkeys(FIGURE[schema.MODEL]))


def open_page(app_test, query: dict | None = None, table: pd.DataFrame | None = None,
              label: str = "Test upload"):
    """The profile page, on the bundled figure or on `table` as this session's upload."""
    at = app_test(query=None if table is not None else query)
    if table is not None:  # the upload first: a root link would open the figure's profile
        at.session_state[ACTIVE_KEY] = ActiveTable(table=schema.conform(table), label=label,
                                                   is_figure=False)
        for key, value in (query or {}).items():
            at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frames(at) -> dict[str, pd.DataFrame]:
    """The rows of every chart on the page, by dataset name."""
    out = {}
    for chart in at.get("vega_lite_chart"):
        for ds in chart.proto.datasets:
            out[ds.name] = pa.ipc.open_stream(ds.data.data).read_all().to_pandas()
    return out


def table_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def click_heatmap(at, model: str) -> None:
    """Send what the browser sends when a heatmap cell is clicked: the selection, once per
    category panel (the page dedupes it)."""
    chart = next(c for c in at.get("vega_lite_chart")
                 if any(d.name == "heatmap_cells" for d in c.proto.datasets))
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"profile_cell": [{"model": model}] * 3}})
    at._run(states)


@pytest.mark.parametrize("model", MODELS)
def test_every_bundled_model_renders(app_test, model: str) -> None:
    at = open_page(app_test, query={"profile": model})
    assert at.title[0].value == escape_markdown(model)
    assert at.selectbox(key="profile").value == model
    values = FIGURE.loc[FIGURE[schema.MODEL] == model, schema.DELTA].tolist()
    shown = metrics(at)
    assert float(shown["Mean Δ"]) == pytest.approx(statistics.mean(values), abs=0.05)
    assert float(shown["Median Δ"]) == statistics.median(values)
    assert int(shown["Improved"]) == sum(v > 1 for v in values)
    assert int(shown["Hurt"]) == sum(v < -1 for v in values)
    assert int(shown["Unchanged"]) == sum(abs(v) <= 1 for v in values)
    rows = frames(at)
    assert rows["standing_model"][schema.DELTA].tolist() == values
    assert len(rows["heatmap_cells"]) == 63
    assert set(rows["heatmap_cells"].loc[rows["heatmap_cells"]["current"], schema.MODEL]) == {model}
    assert any("In words" in h.value for h in at.subheader)


def test_llama_8b_page_shows_the_hand_computed_figures(app_test) -> None:
    at = open_page(app_test, query={"profile": "LLaMA3.1-8B"})
    assert metrics(at) == {"Mean Δ": "-6.3", "Median Δ": "-4", "Best: GPQA": "+3",
                           "Worst: HumanEval": "-22", "Improved": "1", "Hurt": "6",
                           "Unchanged": "0"}
    words = next(m.value for m in at.markdown if "has a Δ" in m.value)
    assert escape_markdown("Against its larger sibling LLaMA3.1-70B") in words
    assert table_with(at, "rank_text")["rank_text"].tolist()[0] == "9 of 9"


def test_the_url_picks_the_model_and_a_bad_one_falls_back(app_test) -> None:
    at = open_page(app_test, query={"profile": "GPT-4o"})
    assert at.title[0].value == escape_markdown("GPT-4o")
    at = open_page(app_test, query={"profile": "No such model"})
    assert at.title[0].value == escape_markdown(MODELS[0])


def test_picking_a_model_in_the_sidebar(app_test) -> None:
    # (The browser writes a picked value into the URL itself: see the e2e test.)
    at = open_page(app_test)
    at.selectbox(key="profile").select("Qwen2.5-72B").run()
    assert at.title[0].value == escape_markdown("Qwen2.5-72B")
    assert at.selectbox(key="compare::Qwen2.5-72B").value.name == "Qwen2.5-7B"


def test_compare_picker_defaults_to_the_sibling_and_switches(app_test) -> None:
    at = open_page(app_test, query={"profile": "LLaMA3.1-8B"})
    picker = at.selectbox(key="compare::LLaMA3.1-8B")
    assert picker.value.name == "LLaMA3.1-70B"
    compared = table_with(at, "difference")
    assert compared["reference"].tolist() == [5, 1, 0, 5, -18, 8, -16]
    assert compared["difference"].tolist() == [-9, -3, -9, -8, 11, -5, -6]
    mean = next(o for o in picker.options if o.startswith("Mean of the other Open LLM"))
    picker.select_index(list(picker.options).index(mean)).run()
    compared = table_with(at, "difference")
    # Open LLMs other than 8B on HotpotQA: 70B +5, Qwen2.5-7B -2, Qwen2.5-72B +6 -> 3
    assert compared["reference"].tolist()[0] == pytest.approx((5 - 2 + 6) / 3)
    assert compared["difference"].tolist()[0] == pytest.approx(-4 - 3)
    assert frames(at)["compare_points"]["who"].unique().tolist() == [
        "LLaMA3.1-8B", "Mean of the other Open LLM models (3)"]


def test_category_mean_is_the_default_without_a_sibling(app_test) -> None:
    at = open_page(app_test, query={"profile": "GPT-4o"})
    assert at.selectbox(key="compare::GPT-4o").value.label == \
        "Mean of the other Closed LLM models (3)"
    at = open_page(app_test, query={"profile": "DeepSeek-V3"})
    assert at.selectbox(key="compare::DeepSeek-V3").value.label == "Mean of all other models (8)"


def test_tolerance_changes_the_counts(app_test) -> None:
    at = open_page(app_test, query={"profile": "LLaMA3.1-8B"})
    at.number_input(key="tolerance").set_value(2.0).run()
    shown = metrics(at)
    assert (shown["Improved"], shown["Hurt"], shown["Unchanged"]) == ("1", "5", "1")
    assert any("±2" in c.value for c in at.caption)


def test_a_heatmap_click_opens_that_profile(app_test) -> None:
    at = open_page(app_test, query={"profile": "LLaMA3.1-8B"})
    click_heatmap(at, "Claude3.5")
    assert not at.exception
    assert at.title[0].value == escape_markdown("Claude3.5")
    assert at.selectbox(key="profile").value == "Claude3.5"
    assert at.query_params["profile"] in ("Claude3.5", ["Claude3.5"])   # set by the server
    click_heatmap(at, "Qwen2.5-7B")
    assert at.title[0].value == escape_markdown("Qwen2.5-7B")


def test_summary_table_links_to_each_profile(app_test) -> None:
    at = open_page(app_test)
    summary = table_with(at, "link")
    assert summary["link"].tolist() == [f"?profile={m}" for m in MODELS]


# Uploaded tables ------------------------------------------------------------------------------

def test_one_dataset(app_test) -> None:
    table = pd.DataFrame({"model": ["A-7B", "A-70B", "B"], "dataset": ["X"] * 3,
                          "delta": [1.0, -3.0, 5.0]})
    at = open_page(app_test, table=table)
    assert metrics(at)["Best: X"] == "+1" and metrics(at)["Worst: X"] == "+1"
    assert at.selectbox(key="compare::A-7B").value.name == "A-70B"


def test_one_model(app_test) -> None:
    table = pd.DataFrame({"model": ["Solo"] * 3, "dataset": ["X", "Y", "Z"],
                          "delta": [1.0, -3.0, 5.0]})
    at = open_page(app_test, table=table)
    assert any("only model" in i.value for i in at.info)
    assert len(frames(at)["heatmap_cells"]) == 3


def test_missing_pairs_show_as_missing(app_test) -> None:
    table = pd.DataFrame({"model": ["A", "A", "B", "B", "C"], "dataset": ["X", "Y", "X", "Z", "Z"],
                          "delta": [1.0, -3.0, 5.0, 2.0, -8.0]})
    at = open_page(app_test, table=table, query={"profile": "A"})
    assert metrics(at)["Mean Δ"] == "-1"            # (1 - 3) / 2: Z is left out, not 0
    cells = frames(at)["heatmap_cells"].set_index(["model", "dataset"])
    assert pd.isna(cells.loc[("A", "Z"), "delta"]) and cells.loc[("A", "Z"), "label"] == "–"
    assert table_with(at, "rank_text")["rank_text"].tolist()[-1] == "not measured"
    assert any(escape_markdown("Not measured: Z.") in c.value for c in at.caption)


def test_three_hundred_models(app_test) -> None:
    rows = [(f"model-{i}", f"set{j}", float((i * 13 + j * 7) % 31 - 15), f"group{i % 4}")
            for i in range(300) for j in range(8)]
    table = pd.DataFrame(rows, columns=["model", "dataset", "delta", "category"])
    at = open_page(app_test, table=table, query={"profile": "model-123"})
    assert at.title[0].value == escape_markdown("model-123")
    assert len(frames(at)["heatmap_cells"]) == 2400
    assert table_with(at, "rank_text")["rank_text"].str.endswith("of 300").all()
    start = time.perf_counter()
    at.selectbox(key="profile").select("model-7").run()
    assert time.perf_counter() - start < 5     # generous: a shared 2-core machine
    assert not at.exception


def test_intervals_and_significance_are_shown_when_present(app_test) -> None:
    table = FIGURE.assign(ci_low=FIGURE[schema.DELTA] - 2.5, ci_high=FIGURE[schema.DELTA] + 2.5)
    table["significant"] = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    # a corrected test can disagree with the interval: HumanEval's interval excludes 0 but its
    # (made-up) corrected p does not pass; the page must not call either the other
    worst_cell = (table[schema.MODEL] == "LLaMA3.1-8B") & (table[schema.DATASET] == "HumanEval")
    table.loc[worst_cell, "significant"] = False
    table.attrs.update(level=0.9, correction="holm")
    at = open_page(app_test, table=table, query={"profile": "LLaMA3.1-8B"})
    shown = table_with(at, "rank_text")
    assert {"ci_low", "ci_high", "significant"} <= set(shown.columns)
    best = next(m for m in at.metric if m.label.startswith("Best"))
    worst = next(m for m in at.metric if m.label.startswith("Worst"))
    assert best.proto.delta == "significant after Holm correction"         # +3 ± 2.5
    assert worst.proto.delta == "not significant after Holm correction"    # -22 ± 2.5
    assert "ci_low" in frames(at)["standing_model"].columns
    # |Δ| > 2.5 everywhere but CS-QA (-2), and HumanEval made not significant: 5 of 7
    assert any(escape_markdown("Its Δ is significant after Holm correction on 5 of 7 datasets")
               in m.value for m in at.markdown)
    assert not any("excludes 0" in m.value for m in at.markdown)


def test_names_are_shown_literally(app_test) -> None:
    table = pd.DataFrame({"model": ["**bold** [x](http://e.com)", "<b>html</b>", "a_b_c"],
                          "dataset": ["$x$ `y`", "#h", "#h"], "delta": [1.0, -3.0, 5.0]})
    at = open_page(app_test, table=table, query={"profile": "<b>html</b>"})
    assert at.title[0].value == escape_markdown("<b>html</b>")
    assert "Worst: " + escape_markdown("#h") in metrics(at)
    words = next(m.value for m in at.markdown if "has a Δ" in m.value)
    assert escape_markdown("$x$ `y`") in words and "<b>" not in words


def test_a_joined_table_never_blends_its_sources(app_test) -> None:
    yours = FIGURE.loc[FIGURE[schema.MODEL] == "GPT-4o"].assign(delta=1.0)
    joined = pd.concat([FIGURE.assign(source="Figure"), yours.assign(source="Yours")],
                       ignore_index=True)
    at = open_page(app_test, table=joined, query={"profile": "GPT-4o"})
    assert at.radio(key="profile_source").value == "Yours"
    assert metrics(at)["Mean Δ"] == "+1"                   # your rows only, not a blend
    assert len(frames(at)["heatmap_cells"]) == 7
    at.radio(key="profile_source").set_value("Figure").run()
    assert not at.exception
    assert at.selectbox(key="profile").value == "GPT-4o"
    assert metrics(at)["Mean Δ"] == "-0.6"                 # the figure's -4/7
    assert len(frames(at)["heatmap_cells"]) == 63
