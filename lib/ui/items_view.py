"""The per-item part of the "Your data" page: interval settings, the baseline arm (files with
several arms per item), the report, the use buttons. The evaluation harness section
(`lib.ui.harness_view`) uses the same widgets under its own keys (`key`).

Names from the file reach the page only escaped, as dataframe cells or as picker options (text),
never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.analysis.compare import combined_table, compare_y_title, matched_upload
from lib.analysis.evidence import caveat_columns, evidence_words, methods_text
from lib.charts.exports import csv_bytes
from lib.core import schema
from lib.core.figure import DATA_DIR, figure_table
from lib.core.text import escape_markdown
from lib.ingest.items.cells import CI_TEST_DISAGREE
from lib.ingest.items.peritem import Settings
from lib.ingest.items.pipeline import ItemUpload
from lib.ingest.problems import MAX_NAME, clip, problems_frame
from lib.ingest.shapes import Shape
from lib.ingest.templates import item_templates
from lib.stats.multiple import CORRECTIONS
from lib.ui.state import ActiveTable
from lib.ui.upload_view import UPLOADER_KEY, preview, use_table
from lib.ui.uploads import cached_aggregate_items
from lib.ui.widgets import delta_columns, readable_p

LEVELS = (0.8, 0.9, 0.95, 0.99)
EXAMPLE_FILE = DATA_DIR / "examples" / "synthetic_per_item.csv"
BASELINE_KEY = "items_baseline"
"""Widget key (followed by the uploaded file's id) of the baseline arm picker."""


def _baseline_key() -> str:
    """The baseline arm picker's key for the file in the uploader: a new file starts on its own
    default."""
    return f"{BASELINE_KEY}_{getattr(st.session_state.get(UPLOADER_KEY), 'file_id', '')}"


def chosen_baseline() -> str | None:
    """The baseline arm chosen for the file in the uploader (None: not chosen yet)."""
    return st.session_state.get(_baseline_key())


def baseline_choice(upload: ItemUpload) -> None:
    """The baseline arm of a file with several arms per item: a picker listing the arms,
    starting on the arm in use. A new choice is computed from what was read, not read again
    (the next run's `interval_settings` carries it)."""
    if len(upload.arms) < 2 or upload.baseline not in upload.arms:
        return
    st.selectbox("Baseline arm", list(upload.arms), index=upload.arms.index(upload.baseline),
                 format_func=lambda arm: clip(arm, MAX_NAME), key=_baseline_key(),
                 help="Every other arm is compared with this one, per model and dataset, on the "
                      "items both arms hold. By default it is the arm named like a baseline "
                      "(base, baseline, standard, none, control), else the first in the file.")


def interval_settings(key: str = "items") -> Settings:
    """Level and correction across cells, chosen by the user (defaults: 95%, Holm), and the
    baseline arm chosen for a file with several arms per item (only for the default `key`, the
    per-item file's widgets); the caption says which correction is on."""
    with st.expander("Interval settings", expanded=False):
        middle, right = st.columns(2)
        level = middle.select_slider("Interval level", LEVELS, value=0.95,
                                     format_func=lambda v: f"{v:.0%}", key=f"{key}_level")
        correction = right.radio("Correction across cells", list(CORRECTIONS),
                                 format_func=CORRECTIONS.get, key=f"{key}_correction")
    settings = Settings(level=float(level), correction=correction,
                        baseline=chosen_baseline() if key == "items" else None)
    st.caption(f"Intervals: {settings.level:.0%}. Correction across all cells (every "
               "model × dataset, and every treatment arm or run where there are several): "
               f"{CORRECTIONS[settings.correction]}; a point is filled when its corrected "
               f"p-value is below {settings.threshold:g}.")
    return settings


def method_label(upload: ItemUpload, settings: Settings) -> str:
    """Short description of how the intervals were made, for labels and captions."""
    kind = "unpaired approximation" if upload.shape is Shape.COUNTS else "per-item"
    if upload.baseline is not None:
        kind += f", each arm against the baseline arm “{clip(upload.baseline, MAX_NAME)}”"
    return (f"{kind}; {settings.level:.0%} intervals; "
            f"{CORRECTIONS[settings.correction].split(' (')[0]}")


def item_report(upload: ItemUpload, key: str = "items", noun: str = "file",
                arm: str = "arm") -> None:
    """Counts, how the intervals and tests were made (cells too small to tell counted),
    problems with file, row and column, and notes on how the file was read. With the default
    `key` a file with several arms gets the baseline arm picker; `noun` and `arm` name the
    upload and its arms in the report ("logs", "run" for harness logs)."""
    st.subheader("Validation report")
    if key == "items":
        baseline_choice(upload)
    rows, cells, significant, problems = st.columns(4)
    rows.metric("Rows read" if noun == "file" else "Item outcomes read",
                f"{upload.rows_read:,}" if upload.rows_read is not None else "—")
    values = f"Values (model × dataset × {arm})" if upload.arms else "Values (model × dataset)"
    cells.metric(values, f"{len(upload.table):,}" if upload.usable else "—")
    if upload.usable and schema.SIGNIFICANT in upload.table.columns:
        significant.metric(f"Significant {evidence_words(upload.table).corrected}",
                           f"{int(upload.table[schema.SIGNIFICANT].sum()):,}")
    problems.metric("Problems", f"{len(upload.problems):,}")
    if upload.shape is Shape.COUNTS:
        st.info("This file gives per-arm scores with item counts but no per-item outcomes: its "
                "intervals use an unpaired approximation (Newcombe), wider than a paired "
                "analysis would give, and labelled as such in the tooltips.")
    methods = methods_text(upload.table) if upload.usable else None
    if methods:
        st.caption(methods)
    these = "This file" if noun == "file" else f"These {noun}"
    if not upload.usable:
        st.error(f"{these} cannot be used: {escape_markdown(_first_blocking(upload))}")
    elif upload.problems:
        left = "rows were left out or averaged" if noun == "file" else \
            "files, runs or items were left out"
        st.warning(f"The {noun} can be used, but some {left}: see below.")
    else:
        st.success("Per-item results found and aggregated; no problems.")
    if upload.problems:
        st.dataframe(problems_frame(list(upload.problems)), hide_index=True,
                     key=f"{key}_problems")
    if upload.notes:
        with st.expander(f"How the {noun} {'was' if noun == 'file' else 'were'} read"):
            for note in upload.notes:
                st.markdown(f"- {escape_markdown(note)}")


def _first_blocking(upload: ItemUpload) -> str:
    blocking = [p for p in upload.problems if p.blocking] or list(upload.problems)
    return blocking[0].describe() if blocking else f"{upload.file}: no usable rows"


def item_columns(table: pd.DataFrame, y_title: str) -> dict[str, st.column_config.Column]:
    """Column settings for an aggregated per-item table (`delta_columns`: human labels, the
    interval named with its level, significance with its correction), hiding whether interval
    and test disagree where no cell's do."""
    columns = delta_columns(y_title, table)
    if CI_TEST_DISAGREE not in caveat_columns(table):
        columns[CI_TEST_DISAGREE] = None
    return columns


def item_buttons(upload: ItemUpload, settings: Settings, key: str = "items",
                 method: str | None = None) -> None:
    """Explore or compare the aggregated table (disabled when nothing came out); `method`
    describes its intervals in the table's label (default: `method_label`)."""
    if upload.usable:
        with st.expander("Preview of the aggregated table"):
            preview(readable_p(upload.table), item_columns(upload.table, schema.Y_POINTS),
                    f"{key}_preview")
    method = method or method_label(upload, settings)
    explore, compare = st.columns(2)
    explore.button("Explore my data", key=f"{key}_explore", type="primary",
                   disabled=not upload.usable, width="stretch",
                   help="Every page shows your aggregated table, with its intervals.",
                   on_click=lambda: use_table(explore_items(upload, method)))
    compare.button("Compare with the figure", key=f"{key}_compare", disabled=not upload.usable,
                   width="stretch", help="Your points beside the figure's, marked as yours.",
                   on_click=lambda: use_table(compare_items(upload, method)))


def explore_items(upload: ItemUpload, method: str) -> ActiveTable:
    """The aggregated upload as the active table."""
    return ActiveTable(upload.table, label=f"Your data: {upload.file} ({method})",
                       is_figure=False, y_title=schema.Y_POINTS)


def compare_items(upload: ItemUpload, method: str) -> ActiveTable:
    """The figure and the aggregated upload together, its names matched with the figure's."""
    return ActiveTable(combined_table(figure_table(), matched_upload(upload.table)),
                       label=f"Compare: the bundled figure and your data ({upload.file}, {method})",
                       is_figure=False, y_title=compare_y_title(schema.Y_POINTS))


def per_item_templates() -> None:
    """The per-item shape explained, its synthetic example to download, and a one-click try."""
    def load() -> None:
        settings = Settings()
        upload = cached_aggregate_items(EXAMPLE_FILE.read_bytes(), EXAMPLE_FILE.name, settings)
        use_table(explore_items(upload, method_label(upload, settings)))

    st.markdown("**Per-item results, for intervals and significance**")
    st.caption("One row per model × dataset × item: `model`, `dataset`, an item id (`item`, "
               "`item_id`, `id`, `question`), and the item's `baseline` and `treatment` outcome "
               "(0/1, true/false, or a score in [0, 1]); an optional `run` or `seed` column is "
               "averaged per item. Each model × dataset gets Tango's score interval and the "
               "asymptotic McNemar test for 0/1 outcomes, or the t interval and the paired "
               "t-test for averaged scores; a cell with too few items or changed outcomes says "
               "so. Per-arm scores with `n` and no items also work, with an unpaired "
               "approximation. The example below is synthetic: made-up outcomes for "
               "9 models × 7 datasets × 200 items whose true Δ follow the figure.")
    st.caption("Several arms per item: one row per model × dataset × item × arm, with the arm "
               "in a `method`, `arm`, `condition`, `variant` or `prompt` column and the outcome "
               "in a `correct`, `is_correct`, `outcome` or `score` column. The baseline arm is "
               "the one named `base`, `baseline`, `standard`, `none` or `control` (else the "
               "first), and can be changed after the upload. Each other arm gets its Δ against "
               "it on the items both arms hold, with its interval; the correction runs over "
               "every model × dataset × arm, and the pages show one arm at a time.")
    download, example = st.columns(2)
    for sample in item_templates():
        download.download_button(f"Download {sample.file_name}", csv_bytes(sample.table),
                                 file_name=sample.file_name, mime="text/csv", on_click="ignore",
                                 key=f"items_template_{sample.file_name}", width="stretch",
                                 help=sample.description)
    download.download_button(f"Download {EXAMPLE_FILE.name}", EXAMPLE_FILE.read_bytes(),
                             file_name=EXAMPLE_FILE.name, mime="text/csv", on_click="ignore",
                             key="items_example_csv", width="stretch")
    example.button("Try the synthetic per-item example", key="items_example", on_click=load,
                   width="stretch", help="Loads the example as your data, with its intervals.")
