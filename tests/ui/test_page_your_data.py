"""AppTest of the "Your data" page: upload, report, mapping form, explore, compare, failures."""

from __future__ import annotations

import gzip
import io
import json

import pandas as pd
import pyarrow as pa
import pytest

from lib.analysis.compare import FIGURE_SOURCE, UPLOAD_SOURCE
from lib.core import schema
from lib.core.text import escape_markdown
from lib.ui.state import ACTIVE_KEY

PAGE = "pages/your_data.py"
GOOD = ("model,dataset,delta\nGPT-4o,GSM8K,+10%\nGPT-4o,NewBench,2\nMine,CommonsenseQA,−1.5\n"
        "Mine,MATH,3\n").encode()


def chart_rows(at, index: int = 0) -> pd.DataFrame:
    el = at.get("vega_lite_chart")[index]
    return pa.ipc.open_stream(el.proto.datasets[0].data.data).read_all().to_pandas()


def chart_spec(at, index: int = 0) -> dict:
    return json.loads(at.get("vega_lite_chart")[index].proto.spec)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at, column: str) -> pd.DataFrame:
    """The value of the first dataframe element that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader(key="your_data_file").upload(name, data, mime).run()
    assert not at.exception, at.exception
    return at


def keyed(elements, prefix: str):
    """The element whose key starts with `prefix` (the page adds the file's fingerprint)."""
    return next(e for e in elements if (e.key or "").startswith(prefix))


def active(at):
    return at.session_state[ACTIVE_KEY]


@pytest.fixture
def page(app_test):
    at = app_test(page=PAGE)
    assert not at.exception
    return at


def test_before_an_upload_the_page_offers_templates_and_the_contract(page) -> None:
    assert page.title[0].value == "Your data"
    assert "bundled figure" in page.info[0].value
    downloads = page.get("download_button")
    # a template per shape (the long one also with conditions), the per-item arms template and
    # the per-item example
    assert len(downloads) == 6
    assert any("template-per-item-arms.csv" in d.proto.label for d in downloads)
    assert any("template-methods.csv" in d.proto.label for d in downloads)
    assert "synthetic_per_item.csv" in downloads[-1].proto.label
    assert len(page.table) == 1
    assert not page.get("vega_lite_chart"), "no chart until something other than the figure is used"


def test_upload_shows_the_report_then_explore_makes_it_the_active_table(page) -> None:
    upload(page, "mine.csv", GOOD)
    assert metrics(page) == {"Rows read": "4", "Rows kept": "4", "Values (model × dataset)": "4",
                             "Problems": "0"}
    assert active(page).is_figure, "nothing changes until the user chooses"
    page.button(key="your_data_explore").click().run()
    current = active(page)
    assert not current.is_figure and current.label == "Your data: mine.csv"
    assert len(current.table) == 4
    assert "Every page now shows: Your data" in page.success[0].value
    rows = chart_rows(page)
    assert sorted(rows[schema.DATASET]) == ["CS-QA", "GSM8K", "MATH", "NewBench"]
    assert schema.SOURCE not in rows.columns


def test_the_overview_shows_the_upload_after_explore(page) -> None:
    upload(page, "mine.csv", GOOD)
    page.button(key="your_data_explore").click().run()
    page.switch_page("pages/overview.py").run()
    assert not page.exception
    rows = chart_rows(page)
    assert len(rows) == 4 and set(rows[schema.MODEL]) == {"GPT-4o", "Mine"}
    assert "Your data: mine.csv" in page.caption[0].value.replace("\\", "")
    assert chart_spec(page)["facet"]["sort"][-1] == "NewBench"


def test_compare_draws_both_sources_and_lists_shared_pairs(page) -> None:
    upload(page, "mine.csv", GOOD)
    page.button(key="your_data_compare").click().run()
    current = active(page)
    assert "Compare" in current.label and not current.is_figure
    rows = chart_rows(page)
    assert len(rows) == 63 + 4
    assert list(dict.fromkeys(rows[schema.SOURCE])) == [FIGURE_SOURCE, UPLOAD_SOURCE]
    assert chart_spec(page)["facet"]["sort"][-1] == "NewBench", "a new dataset gets its own facet"
    pairs = frame_with(page, "difference")
    assert pairs[[schema.MODEL, schema.DATASET]].values.tolist() == [["GPT-4o", "GSM8K"]]
    assert pairs["difference"].item() == pytest.approx(10.0 - 7.0)
    page.switch_page("pages/overview.py").run()
    assert len(chart_rows(page)) == 67


def test_overview_filters_start_over_when_the_table_changes(app_test) -> None:
    at = app_test()
    at.multiselect(key="model").set_value(["GPT-4o"]).run()
    at.multiselect(key="category").set_value(["Closed LLM"]).run()
    assert len(chart_rows(at)) == 7
    at.switch_page(PAGE).run()
    upload(at, "mine.csv", GOOD)
    at.button(key="your_data_explore").click().run()
    at.switch_page("pages/overview.py").run()
    assert len(chart_rows(at)) == 4, "a selection made for the figure does not hide the upload"
    at.switch_page(PAGE).run()
    at.button(key="your_data_back").click().run()
    at.switch_page("pages/overview.py").run()
    assert len(chart_rows(at)) == 63


def test_back_to_the_bundled_figure(page) -> None:
    upload(page, "mine.csv", GOOD)
    page.button(key="your_data_explore").click().run()
    page.button(key="your_data_back").click().run()
    assert active(page).is_figure
    assert not page.get("vega_lite_chart")


@pytest.mark.parametrize("bad,message", [
    (b"", "The file is empty (0 bytes)."),
    (b"model,dataset,delta\n", "but no rows of data"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
])
def test_a_failed_upload_keeps_the_previous_table(page, bad: bytes, message: str) -> None:
    upload(page, "mine.csv", GOOD)
    page.button(key="your_data_explore").click().run()
    before = active(page)
    upload(page, "broken.csv", bad)
    assert message in page.error[0].value.replace("\\", "")
    assert active(page) is before
    assert any("The table in use is unchanged: Your data: mine.csv" in c.value.replace("\\", "")
               for c in page.caption)
    page.switch_page("pages/overview.py").run()
    assert len(chart_rows(page)) == 4


def test_an_unusable_file_cannot_be_used(page) -> None:
    upload(page, "bad.csv", b"model,dataset,delta\nA,GSM8K,abc\n")
    assert page.error, "the report says why"
    assert page.button(key="your_data_explore").disabled
    assert page.button(key="your_data_compare").disabled
    assert active(page).is_figure


def test_problems_are_listed_with_file_row_and_column(page) -> None:
    upload(page, "some.csv", b"model,dataset,delta\nA,GSM8K,abc\nB,MATH,1\n,MATH,2\n")
    shown = frame_with(page, "Problem")
    assert shown[["File", "Row", "Column"]].values.tolist() == [["some.csv", 2, "delta"],
                                                                ["some.csv", 4, "model"]]
    assert metrics(page)["Rows kept"] == "1"
    assert not page.button(key="your_data_explore").disabled


def test_an_unsure_mapping_must_be_confirmed_before_use(page) -> None:
    upload(page, "odd.csv", b"who,what,how_much\nGPT-4o,GSM8K,4\nMine,MATH,-1\n")
    assert any("not sure" in w.value for w in page.warning)
    assert keyed(page.radio, "your_data_shape_").value == "long"
    assert keyed(page.selectbox, "your_data_role_model_").value == "who"
    assert metrics(page)["Values (model × dataset)"] == "2"
    assert page.button(key="your_data_explore").disabled, "a guess is not used unchecked"
    keyed(page.checkbox, "your_data_confirm_").check().run()
    page.button(key="your_data_explore").click().run()
    assert active(page).table[[schema.MODEL, schema.DATASET, schema.DELTA]].values.tolist() == [
        ["GPT-4o", "GSM8K", 4.0], ["Mine", "MATH", -1.0]]


def test_the_mapping_form_changes_shape_and_columns(page) -> None:
    upload(page, "swapped.csv", b"first,second,value\nGSM8K,GPT-4o,4\nMATH,Mine,-1\n")
    assert keyed(page.selectbox, "your_data_role_model_").value == "first"
    keyed(page.radio, "your_data_shape_").set_value("wide").run()
    assert keyed(page.multiselect, "your_data_wide_").value == ["value"]
    assert metrics(page)["Values (model × dataset)"] == "2"
    keyed(page.radio, "your_data_shape_").set_value("long").run()
    keyed(page.selectbox, "your_data_role_model_").set_value("second").run()
    keyed(page.selectbox, "your_data_role_dataset_").set_value("first").run()
    keyed(page.checkbox, "your_data_confirm_").check().run()
    assert not page.exception
    page.button(key="your_data_explore").click().run()
    assert active(page).table[[schema.MODEL, schema.DATASET, schema.DELTA]].values.tolist() == [
        ["GPT-4o", "GSM8K", 4.0], ["Mine", "MATH", -1.0]]


def test_mapping_form_can_fix_a_missing_delta(page) -> None:
    upload(page, "scores.csv", b"model,dataset,result\nA,GSM8K,oops\nB,MATH,2\n")
    keyed(page.selectbox, "your_data_role_delta_").set_value("(none)").run()
    assert "missing required column" in page.error[0].value
    keyed(page.selectbox, "your_data_role_delta_").set_value("result").run()
    assert metrics(page)["Rows kept"] == "1"


def test_scores_file_asks_points_or_relative_and_titles_the_axis(page) -> None:
    upload(page, "scores.csv", b"model,dataset,baseline,treatment\nA,GSM8K,50,55\n")
    kind = keyed(page.radio, "your_data_kind_")
    assert kind.value == "points"
    page.button(key="your_data_explore").click().run()
    assert active(page).y_title == "Δ (points)"
    assert active(page).table[schema.DELTA].item() == 5.0
    kind.set_value("relative").run()
    page.button(key="your_data_explore").click().run()
    assert active(page).y_title == "Δ (% relative)"
    assert active(page).table[schema.DELTA].item() == pytest.approx(10.0)
    assert chart_spec(page)["spec"]["layer"][-1]["encoding"]["y"]["title"] == "Δ (% relative)"


def test_duplicates_stop_until_the_user_chooses_the_mean(page) -> None:
    upload(page, "dups.csv", b"model,dataset,delta\nA,GSM8K,1\nA,GSM8K,3\nB,MATH,2\n")
    assert page.button(key="your_data_explore").disabled
    choice = keyed(page.radio, "your_data_dups_")
    choice.set_value("mean").run()
    assert not page.button(key="your_data_explore").disabled
    page.button(key="your_data_explore").click().run()
    table = active(page).table
    assert table.query("model == 'A'")[schema.DELTA].item() == 2.0


def test_names_from_the_file_are_shown_as_text(page) -> None:
    name = "<img src=x onerror=alert(1)>"
    upload(page, "xss.csv", f"model,dataset,delta\n{name},_My_ *Bench*,1\n".encode())
    shown = [m.value for m in page.markdown if m.value.startswith("**Models")]
    assert shown == [f"**Models (1):** {escape_markdown(name)}"]
    assert escape_markdown("_My_ *Bench*") in next(m.value for m in page.markdown
                                                if m.value.startswith("**Datasets"))


def test_a_file_name_with_markdown_is_escaped(page) -> None:
    upload(page, "[click](http://x).csv", b"")
    assert "\\[click\\](http:\u2060//x).csv" in page.error[0].value


def test_each_session_starts_from_the_figure(app_test) -> None:
    first = app_test(page=PAGE)
    upload(first, "mine.csv", GOOD)
    first.button(key="your_data_explore").click().run()
    second = app_test(page=PAGE)
    assert second.session_state[ACTIVE_KEY].is_figure
    assert not first.session_state[ACTIVE_KEY].is_figure


# --- hostile files -----------------------------------------------------------------------------


def test_values_beyond_a_million_are_refused_and_every_page_still_renders(page) -> None:
    data = b"model,dataset,delta\nA,GSM8K,1e308\nB,GSM8K,-1e308\nC,GSM8K,2\nC,MATH,-3\n"
    upload(page, "huge.csv", data)
    problems = frame_with(page, "Problem")
    assert problems["Row"].tolist() == [2, 3]
    assert problems["Column"].tolist() == ["delta", "delta"]
    assert problems["Problem"].str.startswith("value out of range").all()
    page.button(key="your_data_explore").click().run()
    assert active(page).table[schema.DELTA].abs().max() == 3
    for other in ("pages/overview.py", "pages/profiles.py", "pages/findings.py"):
        page.switch_page(other).run()
        assert not page.exception, (other, page.exception)


def test_a_hundred_thousand_identical_rows_give_a_short_report(page) -> None:
    upload(page, "dups.csv", b"model,dataset,delta\n" + b"GPT-4o,GSM8K,4.5\n" * 100_000)
    problems = frame_with(page, "Problem")
    assert len(problems) == 1, "one line per repeated pair, not one per row"
    assert problems["Row"].tolist() == [2]
    assert problems["Problem"][0].endswith("appears 100,000 times (rows 2–100001)")
    assert metrics(page)["Problems"] == "1"


@pytest.fixture
def count_reads(monkeypatch) -> list[str]:
    """Every parse of an upload by the general reader, by file name."""
    import lib.ingest.items.pipeline
    import lib.ingest.read.table
    import lib.ingest.pipeline

    calls: list[str] = []
    real = lib.ingest.read.table.read_table

    def counted(data, file, *args, **kwargs):
        calls.append(file)
        return real(data, file, *args, **kwargs)

    for module in (lib.ingest.read.table, lib.ingest.pipeline, lib.ingest.items.pipeline):
        monkeypatch.setattr(module, "read_table", counted)
    return calls


def _items_table() -> pd.DataFrame:
    return pd.DataFrame({"model": ["GPT-4o"] * 4 + ["Mine"] * 4, "dataset": "GSM8K",
                         "item": list(range(4)) * 2, "baseline": [1, 0, 1, 0] * 2,
                         "treatment": [1, 1, 1, 0, 0, 0, 1, 0]})


def _as(kind: str, table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    if kind == "xlsx":
        table.to_excel(buffer, index=False)
    elif kind == "parquet":
        table.to_parquet(buffer, index=False)
    elif kind == "csv.gz":
        buffer.write(gzip.compress(table.to_csv(index=False).encode()))
    else:
        buffer.write(table.to_json(orient="records").encode())
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "json", "parquet", "csv.gz"])
def test_a_per_item_upload_is_parsed_once(page, count_reads, kind) -> None:
    name = f"items.{kind}"
    upload(page, name, _as(kind, _items_table()), "application/octet-stream")
    assert metrics(page)["Values (model × dataset)"] == "2"
    page.run()
    page.select_slider(key="items_level").set_value(0.9).run()
    page.radio(key="items_correction").set_value("bh").run()
    page.button(key="items_explore").click().run()
    assert not page.exception
    assert len(active(page).table) == 2
    assert count_reads == [name]


@pytest.mark.parametrize("kind", ["xlsx", "json", "parquet", "csv.gz"])
def test_an_ordinary_upload_is_parsed_once(page, count_reads, kind) -> None:
    table = pd.DataFrame({"model": ["GPT-4o", "Mine"], "dataset": "GSM8K", "delta": [1.5, -2.0]})
    name = f"long.{kind}"
    upload(page, name, _as(kind, table), "application/octet-stream")
    page.run()
    page.button(key="your_data_explore").click().run()
    assert not page.exception
    assert active(page).table[schema.DELTA].tolist() == [1.5, -2.0]
    assert count_reads == [name]


def test_a_file_name_with_control_characters_is_kept_as_one_safe_bounded_line(page) -> None:
    name = "evil\x1f\u2028" + "n" * 500 + ".csv"  # Streamlit itself refuses a NUL
    upload(page, name, b"model,dataset,delta\nA,GSM8K,1\n")
    page.button(key="your_data_explore").click().run()
    label = active(page).label
    assert "\x1f" not in label and "\u2028" not in label and "\ufffd" in label
    assert len(label) < 120
