"""This session's uploads: each file read once, its reports and aggregations kept per choice.

Everything here lives in the browser session's own state: a rerun neither reads, hashes,
pickles nor validates anything again, and nothing of an upload goes to a cache shared with
other sessions (the bundled per-item example, the same for everyone, is the one cached file).
An ordinary file and a per-item file share the one read (`session_upload`). Evaluation harness
logs, several files at once, are read once per set of files (`session_harness`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import streamlit as st

from lib.ingest.harness.pairing import Choice
from lib.ingest.harness.pipeline import HarnessRead, read_harness
from lib.ingest.harness.upload import HarnessUpload, harness_upload, source_name
from lib.ingest.items.peritem import Settings
from lib.ingest.items.pipeline import (ItemUpload, Reader, aggregate, aggregate_items, item_shape,
                                       read_items)
from lib.ingest.pipeline import Upload, read_upload, report_for
from lib.ingest.problems import ReadError, file_label
from lib.ingest.read.raw import RawTable
from lib.ingest.shapes import Mapping, Shape
from lib.ingest.validation import Options, Report
from lib.ui.memory import release_memory

SESSION_UPLOAD_KEY = "_upload_read"
"""Session-state key of the upload a session is using, with its uploader file id."""
SESSION_REPORTS_KEY = "_upload_reports"
"""Session-state key of the reports of that upload under the last few choices."""
SESSION_REPORTS = 4
"""How many of those reports a session keeps (one only, for a table of `LIGHT_FROM_ROWS`)."""
LIGHT_FROM_ROWS = 1_000_000
"""From this many rows, a session keeps the raw table's first `LIGHT_ROWS` rows once the report
is made (the 4M-row hostile file: 280 MB less for as long as the page shows it), and only the
last report."""
LIGHT_ROWS = 1_000
RELEASE_FROM_BYTES = 32 << 20
"""From this size, what the read left free is handed back to the system before the file is
validated (`release_memory`): the blocks the reader's threads freed stay resident, the
validation would not reuse them, and its peak would start that much higher (60 MB for the
198 MB hostile file, measured in the server)."""


class UploadedFile(Protocol):
    """What `session_upload` needs of Streamlit's uploaded file."""

    file_id: str
    name: str

    def getvalue(self) -> bytes: ...


def session_upload(file: UploadedFile) -> Upload:
    """The upload of `file`, read once per uploaded file and kept in this session's state: a
    rerun returns it without reading, hashing or copying the bytes (and nothing is pickled into
    a cache shared with other sessions). Once a large file has its report, the kept upload's raw
    table holds only its first rows (`LIGHT_FROM_ROWS`); `complete_upload` reads it again."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    if kept is not None and kept[0] == file.file_id:
        return kept[1]
    return complete_upload(file)


def complete_upload(file: UploadedFile) -> Upload:
    """The upload of `file` with its whole raw table: the one kept, or read (again, when only
    the first rows of a large file were kept) and kept."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    if kept is not None and kept[0] == file.file_id and kept[2]:
        return kept[1]
    data = file.getvalue()
    upload = read_upload(data, file_label(file.name))
    if len(data) >= RELEASE_FROM_BYTES:
        release_memory()
    st.session_state[SESSION_UPLOAD_KEY] = (file.file_id, upload, True)
    return upload


def _keep_light(file: UploadedFile, upload: Upload) -> None:
    """Keep only the first `LIGHT_ROWS` rows of a large upload's raw table (what the mapping
    form looks at), its report made: the whole table is read again from the file's bytes, which
    the uploader holds anyway, only when another mapping needs a new report."""
    if upload.raw is None or len(upload.raw.frame) < LIGHT_FROM_ROWS:
        return
    light = replace(upload, raw=replace(upload.raw, frame=upload.raw.frame.head(LIGHT_ROWS)))
    st.session_state[SESSION_UPLOAD_KEY] = (file.file_id, light, False)
    release_memory()


def release_upload(file: UploadedFile) -> None:
    """Forget the upload of `file` kept by `session_upload` (once another path holds all it
    needs of it), so that its raw table does not stay in the session's memory."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    if kept is not None and kept[0] == file.file_id:
        del st.session_state[SESSION_UPLOAD_KEY]


FORGET_RELEASE_ROWS = 1_000_000
"""Forgetting an upload of this many rows or more hands the freed memory back at once."""


def forget_uploads() -> None:
    """Forget what this session kept of the files in the Your data uploaders (the raw table, the
    reports, the per-item reads, the harness logs read), called when another page runs.
    Streamlit drops the uploaded files themselves when their page is left, so nothing kept for
    them can be used again; the table in use (`lib.ui.state`) is kept. For a large file this is most of the session's memory (for
    the 4M-row hostile file, about 280 MB of raw table), which a closed browser tab would
    otherwise hold for Streamlit's reconnect window."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    rows = 0 if kept is None or kept[1].raw is None else len(kept[1].raw.frame)
    harness = SESSION_HARNESS_KEY in st.session_state
    found = False
    for key in (SESSION_UPLOAD_KEY, SESSION_REPORTS_KEY, SESSION_ITEMS_KEY, SESSION_HARNESS_KEY):
        if key in st.session_state:
            del st.session_state[key]
            found = True
    if found and (rows >= FORGET_RELEASE_ROWS or harness):
        release_memory()


def session_report(file: UploadedFile, mapping: Mapping | None = None,
                   options: Options = Options()) -> Report:
    """`report_for` of `file`'s upload, remembered in this session's state for the last few
    choices on the last file, so that a rerun with the same mapping and options validates
    nothing again. A large file's raw table is then kept light (`_keep_light`)."""
    upload = session_upload(file)
    kept = [k for k in st.session_state.get(SESSION_REPORTS_KEY, ())
            if k[0] == upload.digest and k[1] == upload.file]
    for _, _, chosen, picked, report in kept:
        if chosen == mapping and picked == options:
            return report
    if not st.session_state[SESSION_UPLOAD_KEY][2]:
        with st.spinner("Reading the file again for the new choice…"):
            upload = complete_upload(file)
    report = report_for(upload, mapping, options)
    rows = 0 if report.table is None else len(report.table)
    keep = SESSION_REPORTS if rows < LIGHT_FROM_ROWS else 1
    older = kept[len(kept) - (keep - 1):] if keep > 1 else []
    st.session_state[SESSION_REPORTS_KEY] = [*older,
                                             (upload.digest, upload.file, mapping, options, report)]
    _keep_light(file, upload)
    return report


cached_aggregate_items = st.cache_data(aggregate_items, max_entries=8, ttl=3600,
                                       show_spinner="Aggregating per-item results…")
"""`aggregate_items` memoised on the bytes, name and settings (a few files, for an hour); used
for the bundled example, which every session may load."""

SESSION_ITEMS_KEY = "items_upload_memo"
SESSION_ITEMS = 4
"""Aggregations (one per settings) a session keeps for its file."""


def _memo(file: UploadedFile) -> dict:
    """This session's memo of `file`: its shape, what was read, its aggregations (a new file
    replaces the previous one's)."""
    memo = st.session_state.get(SESSION_ITEMS_KEY)
    if memo is None or memo.get("file_id") != file.file_id:
        memo = {"file_id": file.file_id, "results": {}}
        st.session_state[SESSION_ITEMS_KEY] = memo
    return memo


def _session_reader(file: UploadedFile) -> Reader:
    """The general reader through the session's upload (`session_upload`): the file
    is parsed once, whichever path then uses it."""
    def read() -> RawTable:
        upload = complete_upload(file)
        if upload.failure is not None:
            raise ReadError(upload.failure)
        return upload.raw
    return read


def session_item_shape(file: UploadedFile) -> Shape | None:
    """`item_shape` of an uploaded file, worked out once per file and kept in this session's
    state: a rerun neither reads nor hashes the bytes again."""
    memo = _memo(file)
    if "shape" not in memo:
        memo["shape"] = item_shape(file.getvalue(), file_label(file.name), _session_reader(file))
    return memo["shape"]


def session_items(file: UploadedFile, settings: Settings) -> ItemUpload:
    """`aggregate` of an uploaded file: read once per file, aggregated once per settings (the
    last few are kept), all in this session's state (nothing of it goes to a cache shared with
    other sessions)."""
    memo = _memo(file)
    if "read" not in memo:
        with st.spinner("Reading per-item results…"):
            memo["read"] = read_items(file.getvalue(), file_label(file.name), _session_reader(file),
                                      memo.get("shape"))
        release_upload(file)  # the checked items hold what is needed; the raw table can go
    results = memo["results"]
    if settings not in results:
        with st.spinner("Aggregating per-item results…"):
            results[settings] = aggregate(memo["read"], settings)
        for old in list(results)[:-SESSION_ITEMS]:
            del results[old]
    return results[settings]


SESSION_HARNESS_KEY = "_harness_read"
"""Session-state key of the harness logs read: the uploaded files' ids, the `HarnessRead`, and
its aggregations per choice."""
SESSION_HARNESS = 4
"""Aggregations (one per choice and settings) a session keeps for its harness logs."""


def _harness_memo(files: Sequence[UploadedFile]) -> dict:
    """This session's memo of the harness files: read once per set of uploaded files (a new
    set replaces the previous one's)."""
    ids = tuple(f.file_id for f in files)
    memo = st.session_state.get(SESSION_HARNESS_KEY)
    if memo is None or memo["ids"] != ids:
        with st.spinner("Reading the evaluation harness logs…"):
            read = read_harness([(f.name, f.getvalue()) for f in files])
        memo = {"ids": ids, "read": read, "source": source_name([f.name for f in files]),
                "results": {}}
        st.session_state[SESSION_HARNESS_KEY] = memo
    return memo


def session_harness(files: Sequence[UploadedFile]) -> HarnessRead:
    """`read_harness` of the uploaded files, once per set of files, kept in this session's
    state: a new choice of score or runs reads nothing again."""
    return _harness_memo(files)["read"]


def session_harness_upload(files: Sequence[UploadedFile], choice: Choice,
                           settings: Settings) -> HarnessUpload:
    """`harness_upload` of the files' read under `choice` and `settings`, computed once per
    choice (the last few are kept) in this session's state."""
    memo = _harness_memo(files)
    results = memo["results"]
    key = (choice, settings)
    if key not in results:
        with st.spinner("Pairing the runs item by item…"):
            results[key] = harness_upload(memo["read"], choice, settings, memo["source"])
        for old in list(results)[:-SESSION_HARNESS]:
            del results[old]
    return results[key]


def forget_harness() -> None:
    """Forget the harness logs read (their uploader was emptied), and give the memory back."""
    if st.session_state.pop(SESSION_HARNESS_KEY, None) is not None:
        release_memory()
