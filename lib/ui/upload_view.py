"""The widgets of the "Your data" page: mapping form, report, use buttons, comparison, templates.

Every name that comes from a file goes through `escape_markdown` or into a dataframe cell (shown
as text), never into HTML.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.analysis.compare import (DATASET_IN_FILE, DIFFERENCE, FIGURE_DELTA, HOW, MATCH,
                                  MODEL_IN_FILE, NAME, ROLE, SUGGESTION, UPLOAD_DELTA,
                                  apply_names, combined_table, compare_y_title, current_mapping,
                                  matched_upload, name_matches, overlap, shared_pairs,
                                  split_combined)
from lib.charts.compare import shared_pairs_chart
from lib.analysis.filters import default_view
from lib.charts.dotplot import delta_dot_plot
from lib.charts.exports import csv_bytes
from lib.core import schema
from lib.core.figure import figure_datasets, figure_models, figure_table
from lib.core.text import escape_markdown
from lib.core.wording import names
from lib.ingest.columns import match_columns
from lib.ingest.pipeline import Upload
from lib.ingest.problems import MAX_NAME, Kind, clip, problems_frame
from lib.ingest.read.raw import DEFAULT_LIMITS
from lib.ingest.shapes import (DELTA_KIND_TITLES, MAPPED_SHAPES, OPTIONAL_ROLES, REQUIRED_ROLES,
                               ROLE_LABELS, SHAPE_TITLES, DeltaKind, Mapping, Shape,
                               gather_evidence)
from lib.ingest.templates import contract_table, templates
from lib.ingest.validation import DuplicatePolicy, Options, Report
from lib.ui.state import ActiveTable, active, reset_to_figure, set_active
from lib.ui.uploads import UploadedFile
from lib.ui.widgets import delta_columns

NONE = "(none)"
ACCEPTED_TYPES = ["csv", "tsv", "tab", "txt", "psv", "json", "jsonl", "ndjson", "parquet", "pq",
                  "xlsx", "xlsm", "xls", "gz"]
DUPLICATE_CHOICES = {DuplicatePolicy.STOP: "Stop: I will fix the file",
                     DuplicatePolicy.MEAN: "Keep the mean of the repeated values"}
SHOWN_NAMES = 20
PREVIEW_ROWS = 1_000
"""Rows a preview table shows (the whole table goes to every page, not to the preview)."""
UPLOAD_LIMIT_MB = DEFAULT_LIMITS.max_bytes // (1024 * 1024)
"""The uploader refuses larger files itself; the reader checks again (and says why)."""
UPLOADER_KEY = "your_data_file"


def _name(name: object) -> str:
    """A name from the file as shown in a sentence or a picker: cut to a sane length."""
    return clip(name, MAX_NAME)


def _key(upload: Upload, name: str) -> str:
    return f"your_data_{name}_{upload.digest}"


def _listing(items: list[str]) -> str:
    """Names for a line of Markdown: the first `SHOWN_NAMES`, each clipped and escaped, then
    how many more."""
    return names(items, quote=lambda n: escape_markdown(_name(n)), limit=SHOWN_NAMES + 1)


# --- the table in use ----------------------------------------------------------------------------

def use_table(table: ActiveTable | None) -> None:
    """Make `table` (None: the bundled figure) the active table; the filters start over."""
    if table is None:
        reset_to_figure()
    else:
        set_active(table)


def active_banner() -> ActiveTable:
    """What every page shows now, with the switch back to the bundled figure."""
    current = active()
    if current.is_figure:
        st.info("Every page shows the bundled figure. Upload a results file below to explore "
                "it with every page, or to compare it with the figure.")
    else:
        st.success(f"Every page now shows: {escape_markdown(current.label)}")
        st.button("Back to the bundled figure", key="your_data_back", on_click=use_table,
                  args=(None,))
    return current


def read_failure(upload: Upload, current: ActiveTable) -> None:
    """Why the file cannot be read, and that nothing else changed."""
    problem = upload.failure
    st.error(f"**{escape_markdown(upload.file)} cannot be used.** "
             f"{escape_markdown(problem.message)}")
    st.caption(f"Problem: {problem.kind}. The table in use is unchanged: "
               f"{escape_markdown(current.label)}.")


def results_uploader() -> UploadedFile | None:
    """The uploader, and the file in it as the widget keeps it.

    `st.file_uploader` returns a deep copy of its file, and a copied BytesIO copies its bytes:
    a second copy of the whole file (198 MB for the largest) for as long as the page holds it.
    The widget's own value shares its bytes with the server's record of the upload.
    """
    returned = st.file_uploader("Results file", type=ACCEPTED_TYPES, key=UPLOADER_KEY,
                                max_upload_size=UPLOAD_LIMIT_MB,
                                help="CSV, TSV, JSON, JSON Lines, Parquet or Excel (.xlsx).")
    if returned is None:
        return None
    kept = st.session_state.get(UPLOADER_KEY)
    return kept if getattr(kept, "file_id", None) == returned.file_id else returned


# --- the mapping form ----------------------------------------------------------------------------

def _suggestion(role: str, detected: Mapping, columns: list[str]) -> str:
    if role in detected.roles:
        return detected.roles[role]
    matches = match_columns(columns).get(role, [])
    return matches[0] if matches else NONE


def _role_columns(upload: Upload, shape: Shape) -> dict[str, str]:
    """A column picker per role of `shape`, defaulting to the detected or alias-matched column."""
    detected, columns = upload.detection.mapping, upload.columns
    options = [NONE, *columns]
    roles: dict[str, str] = {}
    pickers = st.columns(3)
    for i, role in enumerate(REQUIRED_ROLES[shape] + OPTIONAL_ROLES[shape]):
        required = " (required)" if role in REQUIRED_ROLES[shape] else ""
        chosen = pickers[i % 3].selectbox(
            f"Column for the {ROLE_LABELS[role]}{required}", options,
            index=options.index(_suggestion(role, detected, columns)), format_func=_name,
            key=_key(upload, f"role_{role}"))
        if chosen != NONE:
            roles[role] = chosen
    return roles


def _dataset_columns(upload: Upload, roles: dict[str, str]) -> tuple[str, ...]:
    """The per-dataset columns of a wide table (by default the detected or numeric ones)."""
    numeric = gather_evidence(upload.raw.frame).numeric
    default = list(upload.detection.mapping.dataset_columns) or [
        c for c in upload.columns if numeric[c] and c not in roles.values()]
    return tuple(st.multiselect("Dataset columns (one Δ per model in each)", upload.columns,
                                default=default, format_func=_name, key=_key(upload, "wide")))


def mapping_form(upload: Upload) -> tuple[Mapping, bool]:
    """The column mapping, and whether it may be used: a detected mapping that the app is sure
    of may; an unsure one is shown open and may be used once the user ticks that it is right."""
    detection = upload.detection
    with st.expander("How the columns are read", expanded=not detection.sure):
        if detection.sure:
            st.caption("The shape and columns were recognised. Change them here if they are wrong.")
        else:
            st.warning("The app is not sure how to read this file. Check the mapping below; the "
                       "report updates as you change it.")
            for reason in detection.reasons:
                st.markdown(f"- {escape_markdown(reason)}")
        shapes = list(MAPPED_SHAPES)
        shape = st.radio("Shape of the table", shapes, index=shapes.index(detection.mapping.shape),
                         format_func=SHAPE_TITLES.get, key=_key(upload, "shape"))
        roles = _role_columns(upload, shape)
        wide = _dataset_columns(upload, roles) if shape is Shape.WIDE else ()
        repeated = sorted({c for c in roles.values() if list(roles.values()).count(c) > 1})
        if repeated:
            st.warning(f"Column(s) {_listing(repeated)} are chosen for more than one role.")
        confirmed = detection.sure or st.checkbox(
            "The mapping is right: use it", key=_key(upload, "confirm"),
            help="Check the report and the preview below first.")
    return Mapping(shape, roles, wide), confirmed


def delta_kind_choice(upload: Upload, mapping: Mapping) -> DeltaKind:
    """Absolute points or relative %, asked only when Δ is computed from scores."""
    if mapping.shape is not Shape.SCORES:
        return DeltaKind.POINTS
    kinds = list(DeltaKind)
    return st.radio("Δ from the scores", kinds, format_func=DELTA_KIND_TITLES.get, horizontal=True,
                    key=_key(upload, "kind"),
                    help="The axis title says which one you chose.")


def duplicate_policy(upload: Upload) -> DuplicatePolicy:
    """The duplicate choice as last made (stop until the user says otherwise)."""
    return DuplicatePolicy(st.session_state.get(_key(upload, "dups"), DuplicatePolicy.STOP))


def duplicate_choice(upload: Upload, report: Report) -> None:
    """The choice for repeated model × dataset pairs, shown only when there are some."""
    if not report.duplicate_pairs:
        return
    st.radio(f"{report.duplicate_pairs} model × dataset pair(s) appear more than once. What "
             "should the app do?", list(DUPLICATE_CHOICES), format_func=DUPLICATE_CHOICES.get,
             key=_key(upload, "dups"))


# --- the report ----------------------------------------------------------------------------------

def blocking_summary(report: Report) -> str:
    """Why the file cannot be used, in a sentence or two (escaped)."""
    if report.duplicate_pairs and all(p.kind is Kind.DUPLICATE for p in report.blocking):
        return (f"{report.duplicate_pairs} model × dataset pair(s) appear more than once. Choose "
                "below whether to keep the mean of the repeated values, or fix the file.")
    messages = list(dict.fromkeys(p.message for p in report.blocking))
    return "; ".join(escape_markdown(m) for m in messages[:3]) + "."


def report_summary(report: Report) -> None:
    """The report's counts and whether (and why not) the file can be used."""
    st.subheader("Validation report")
    read, kept, values, found = st.columns(4)
    read.metric("Rows read", f"{report.rows_read:,}")
    kept.metric("Rows kept", f"{report.rows_kept:,}")
    values.metric("Values (model × dataset)", f"{len(report.table):,}" if report.usable else "—")
    found.metric("Problems", f"{len(report.problems) + report.unlisted:,}")
    if not report.usable:
        st.error(f"This file cannot be used yet: {blocking_summary(report)}")
    elif report.problems:
        st.warning("The file can be used, but some rows or values are left out: see the problems "
                   "below.")
    else:
        st.success("No problems found.")


def report_details(report: Report) -> None:
    """Every problem with its file, row and column; then notes on how the file was read."""
    if report.problems:
        st.dataframe(problems_frame(list(report.problems)), hide_index=True,
                     key="your_data_problems")
        if report.unlisted:
            st.caption(f"… and {report.unlisted:,} more problems, not listed.")
    with st.expander("How the file was read"):
        for note in report.notes:
            st.markdown(f"- {escape_markdown(note)}")


def show_contents(report: Report) -> None:
    """The models and datasets found (as text) and a preview of the clean table."""
    table = report.table
    models = schema.ordered_unique(table[schema.MODEL])
    datasets = schema.ordered_unique(table[schema.DATASET])
    st.markdown(f"**Models ({len(models):,}):** {_listing(models)}")
    st.markdown(f"**Datasets ({len(datasets):,}):** {_listing(datasets)}")
    with st.expander("Preview of the table"):
        preview(table, delta_columns(report.y_title), "your_data_preview")


def preview(table: pd.DataFrame, columns: dict[str, st.column_config.Column], key: str) -> None:
    """The first PREVIEW_ROWS rows of `table`, saying so when there are more."""
    st.dataframe(table.head(PREVIEW_ROWS), column_config=columns, hide_index=True, key=key)
    if len(table) > PREVIEW_ROWS:
        st.caption(f"The first {PREVIEW_ROWS:,} of {len(table):,} rows.")


# --- using the table -----------------------------------------------------------------------------

def explore_table(report: Report) -> ActiveTable:
    """The upload as the active table of every page."""
    return ActiveTable(report.table, label=f"Your data: {report.file}", is_figure=False,
                       y_title=report.y_title)


def compare_table(report: Report) -> ActiveTable:
    """The figure and the upload together, the upload marked as yours, its names matched with
    the figure's where the match is sure (`name_matches`; the user may change them)."""
    return ActiveTable(combined_table(figure_table(), matched_upload(report.table, report.renamed)),
                       label=f"Compare: the bundled figure and your data ({report.file})",
                       is_figure=False, y_title=compare_y_title(report.y_title))


def use_buttons(report: Report, confirmed: bool = True) -> None:
    """Explore or compare; both disabled while the file cannot be used or its mapping is
    unconfirmed."""
    if report.usable and not confirmed:
        st.info("Check the mapping under “How the columns are read”, then tick “The mapping "
                "is right” to use the file.")
    ready = report.usable and confirmed
    explore, compare = st.columns(2)
    explore.button("Explore my data", key="your_data_explore", type="primary",
                   disabled=not ready, width="stretch",
                   help="Every page of the app shows your table instead of the figure.",
                   on_click=lambda: use_table(explore_table(report)))
    compare.button("Compare with the figure", key="your_data_compare",
                   disabled=not ready, width="stretch",
                   help="Your points beside the figure's, marked as yours.",
                   on_click=lambda: use_table(compare_table(report)))


def _pair_columns() -> dict[str, st.column_config.Column]:
    return {
        schema.MODEL: st.column_config.TextColumn("Model"),
        schema.DATASET: st.column_config.TextColumn("Dataset"),
        schema.CONDITION: st.column_config.TextColumn("Condition"),
        FIGURE_DELTA: st.column_config.NumberColumn("Figure Δ", format="%+.1f"),
        UPLOAD_DELTA: st.column_config.NumberColumn("Your Δ", format="%+.1f"),
        DIFFERENCE: st.column_config.NumberColumn("Yours − figure", format="%+.1f"),
    }


def _first_view(table: pd.DataFrame) -> pd.DataFrame:
    """What the page's chart draws: the Overview's default view, said in a caption when it
    leaves models out (a chart of thousands of models is neither readable nor quick)."""
    view = default_view(table)
    if len(view) < len(table):
        shown, total = view[schema.MODEL].nunique(), table[schema.MODEL].nunique()
        st.caption(f"The chart shows the {shown} of {total:,} models with the largest mean |Δ|; "
                   "the Overview lets you pick others.")
    return view


EDITABLE_NAMES = 40
"""Names whose match the page offers to change (the others are listed in a table)."""
NO_MATCH = ""
ROLE_NAMES = {schema.MODEL: "Model", schema.DATASET: "Dataset"}


def _match_note(row: pd.Series) -> str:
    """How a name was matched, or what is suggested for it, in plain words."""
    if row[MATCH]:
        return str(row[HOW])
    if row[SUGGESTION]:
        return f"Suggested: {row[SUGGESTION]} ({row[HOW]}); not applied"
    return "No match: your name is kept"


MATCHES_KEY = "_your_data_name_matches"
"""The session's last `name_matches` and the fingerprint of the names and cells it is of."""


def _name_matches(upload: pd.DataFrame) -> pd.DataFrame:
    """`name_matches` of the upload, found once per upload and session (a page's reruns reuse
    them: with thousands of names they take about a second)."""
    columns = [c for c in (MODEL_IN_FILE, DATASET_IN_FILE, schema.CONDITION) if c in upload]
    fingerprint = (len(upload), int(pd.util.hash_pandas_object(upload[columns], index=False)
                                    .sum()))
    kept = st.session_state.get(MATCHES_KEY)
    if kept is None or kept[0] != fingerprint:
        kept = (fingerprint, name_matches(upload))
        st.session_state[MATCHES_KEY] = kept
    return kept[1]


def names_editor(current: ActiveTable, upload: pd.DataFrame) -> ActiveTable:
    """Every name of the upload with the figure's name it is matched with, each one changeable;
    the table in use follows the choice, unless two names would then share one figure name on a
    dataset (refused, saying why). Returns the table in use."""
    matches = _name_matches(upload)
    mapping = current_mapping(upload)
    digest = hashlib.sha256("\n".join(matches[NAME]).encode()).hexdigest()[:12]
    chosen: dict[str, dict[str, str]] = {schema.MODEL: {}, schema.DATASET: {}}
    unsure = bool(((matches[MATCH] == NO_MATCH) & (matches[SUGGESTION] != "")).any())
    with st.expander("Names matched with the figure's", expanded=unsure):
        st.caption("Your names are matched with the figure's ignoring case, spaces and "
                   "punctuation, by the benchmarks' other names, and by family and version "
                   "(GPT-3.5-Turbo is the figure's GPT-3.5). A match that is not sure is only "
                   "suggested. Change any match here; a name without one is kept as it is.")
        head = st.columns([1, 3, 3, 5])
        for column, title in zip(head, ("Of", "Your name", "The figure's name", "How")):
            column.markdown(f"**{title}**")
        for i, row in matches.head(EDITABLE_NAMES).iterrows():
            role, name = row[ROLE], row[NAME]
            options = [NO_MATCH, *(figure_models() if role == schema.MODEL
                                   else figure_datasets())]
            now = mapping[role].get(name, name)
            what, mine, theirs, how = st.columns([1, 3, 3, 5])
            what.text(ROLE_NAMES[role])
            mine.text(_name(name))
            pick = theirs.selectbox(
                f"The figure's name for {escape_markdown(_name(name))}", options,
                index=options.index(now) if now in options else 0,
                format_func=lambda o: o or "(none: keep yours)", label_visibility="collapsed",
                key=f"your_data_match_{digest}_{i}")
            how.text(_match_note(row))
            if pick != NO_MATCH:
                chosen[role][name] = pick
        rest = matches.iloc[EDITABLE_NAMES:]
        if len(rest):
            st.caption(f"{len(rest):,} more names, kept as matched:")
            st.dataframe(rest.assign(**{HOW: rest.apply(_match_note, axis=1),
                                        ROLE: rest[ROLE].map(ROLE_NAMES)})[
                [ROLE, NAME, MATCH, HOW]], hide_index=True, key="your_data_more_names",
                column_config={ROLE: "Of", NAME: st.column_config.TextColumn("Your name"),
                               MATCH: st.column_config.TextColumn("The figure's name"),
                               HOW: "How"})
            for row in rest.itertuples(index=False):
                if getattr(row, MATCH):
                    chosen[getattr(row, ROLE)][getattr(row, NAME)] = getattr(row, MATCH)
    wanted = {role: {a: b for a, b in names.items() if a != b} for role, names in chosen.items()}
    if wanted == mapping:
        return current
    try:
        matched = apply_names(upload, wanted)
    except ValueError as refused:
        st.error(f"{escape_markdown(str(refused))} The names in use are unchanged.")
        return current
    updated = replace(current, table=combined_table(figure_table(), matched))
    use_table(updated)
    return updated


def comparison_view(current: ActiveTable, figure: pd.DataFrame, upload: pd.DataFrame) -> None:
    """The names matched, the combined chart, what the two share, and the shared pairs."""
    st.subheader("Your data beside the figure")
    if MODEL_IN_FILE in upload.columns:
        current = names_editor(current, upload)
        figure, upload = split_combined(current.table)
    found = overlap(figure, upload)
    st.caption("Filled markers are the figure's, hollow markers are yours; each model has its "
               "own color, the figure's models the figure's. Datasets the figure lacks get "
               "panels of their own.")
    if "relative" in current.y_title:
        st.warning("Your Δ is relative (%) while the figure's is most likely in accuracy points: "
                   "the two are not on the same scale.")
    st.altair_chart(delta_dot_plot(_first_view(current.table), y_title=current.y_title),
                    key="your_data_compare_chart")
    lines = [f"{found.shared_pairs} model × dataset pair(s) are in both."]
    if found.new_datasets:
        lines.append(f"Datasets only in your file: {_listing(list(found.new_datasets))}.")
    if found.new_models:
        lines.append(f"Models only in your file: {_listing(list(found.new_models))}.")
    st.markdown(" ".join(lines))
    pairs = shared_pairs(figure, upload)
    if pairs.empty:
        st.info("No model × dataset pair is in both tables, so there is nothing to set side by "
                "side. Change the matches under “Names matched with the figure's” if a name of "
                "yours stands for one of the figure's.")
        return
    st.dataframe(pairs, column_config=_pair_columns(), hide_index=True,
                 key="your_data_pairs")
    st.altair_chart(shared_pairs_chart(pairs), key="your_data_pairs_chart", width="content")
    st.download_button("Shared pairs (CSV)", csv_bytes(pairs), file_name="shared-pairs.csv",
                       mime="text/csv", on_click="ignore", key="your_data_pairs_csv")


def active_view(current: ActiveTable) -> None:
    """The chart every page now starts from: the comparison, or the upload on its own."""
    if current.is_figure:
        return
    parts = split_combined(current.table)
    if parts is not None:
        comparison_view(current, *parts)
        return
    st.subheader("Your data")
    st.altair_chart(delta_dot_plot(_first_view(current.table), y_title=current.y_title),
                    key="your_data_chart")
    st.page_link("pages/overview.py", label="Open it in the overview, with filters and downloads")


# --- templates -----------------------------------------------------------------------------------

def templates_section() -> None:
    """A sample file per shape, the accepted formats, and the contract in a short table."""
    st.subheader("Templates and the data contract")
    st.markdown("Accepted files: CSV, TSV and other delimited text (comma, semicolon, tab or "
                "pipe; a decimal comma is recognised), JSON, JSON Lines, Parquet and Excel "
                "(.xlsx), each also gzip-compressed (.csv.gz, …). Text in UTF-8 (with or without "
                "a byte-order mark), UTF-16 or Windows-1252, with any line ends. Column and "
                "dataset names are matched ignoring case and punctuation: CommonsenseQA, CSQA "
                "and CS-QA are the same benchmark.")
    samples = templates()
    for column, sample in zip(st.columns(len(samples)), samples):
        with column:
            st.markdown(f"**{sample.title}**")
            st.caption(sample.description)
            st.download_button(f"Download {sample.file_name}", csv_bytes(sample.table),
                               file_name=sample.file_name, mime="text/csv", on_click="ignore",
                               key=f"your_data_template_{sample.file_name}", width="stretch")
    st.table(contract_table().set_index("Column"))


def current_options(upload: Upload, mapping: Mapping) -> Options:
    """The user's choices for this file: how Δ is computed and what to do with repeats."""
    return Options(delta_kind_choice(upload, mapping), duplicate_policy(upload))
