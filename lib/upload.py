"""An uploaded file from bytes to a report: read once per distinct file, validated per choice.

`read_upload` and `report_for` are pure; `ingest` reads and validates in one call (what the
benchmark times). `session_upload` and `session_report` keep what a session uses in its own
session state: a rerun then neither reads, hashes, pickles nor validates anything again, and
nothing of an upload goes to a cache shared with other sessions.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import streamlit as st

from lib.problems import Kind, Problem, ReadError, file_label
from lib.readers import DEFAULT_LIMITS, Limits, RawTable, read_table
from lib.shapes import Detection, Mapping, detect
from lib.validation import Options, Report, failed_report, validate

logger = logging.getLogger(__name__)

DIGEST_IN_BACKGROUND_BYTES = 1 << 20
"""From this size, the digest is computed while the file is parsed (hashlib frees the GIL)."""
SESSION_UPLOAD_KEY = "_upload_read"
"""Session-state key of the upload a session is using, with its uploader file id."""
SESSION_REPORTS_KEY = "_upload_reports"
"""Session-state key of the reports of that upload under the last few choices."""
SESSION_REPORTS = 4
"""How many of those reports a session keeps."""


@dataclass(frozen=True)
class Upload:
    """A file as read: its raw table and detected shape, or the problem that stopped it."""

    file: str
    digest: str
    raw: RawTable | None = None
    detection: Detection | None = None
    failure: Problem | None = None

    @property
    def columns(self) -> list[str]:
        """The file's column names (none when it could not be read)."""
        return [] if self.raw is None else list(self.raw.frame.columns)


def file_digest(data: bytes) -> str:
    """A short fingerprint of the file's bytes, for widget keys."""
    return hashlib.sha256(data).hexdigest()[:16]


def read_upload(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> Upload:
    """Read and detect; a file that cannot be read gives an `Upload` carrying its problem."""
    if len(data) < DIGEST_IN_BACKGROUND_BYTES:
        return _read(data, file, limits, lambda: file_digest(data))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return _read(data, file, limits, pool.submit(file_digest, data).result)


def _read(data: bytes, file: str, limits: Limits, digest: Callable[[], str]) -> Upload:
    try:
        raw = read_table(data, file, limits)
        return Upload(file, digest(), raw=raw, detection=detect(raw.frame))
    except ReadError as error:
        return Upload(file, digest(), failure=error.problem)
    except Exception:
        logger.exception("Reading an upload failed")
        return Upload(file, digest(), failure=unexpected(file))


def unexpected(file: str) -> Problem:
    """The problem of a file on which something unexpected failed (the traceback is logged)."""
    return Problem(Kind.UNEXPECTED, "The file could not be read: an unexpected error occurred. "
                   "The table in use is unchanged; check the file against the templates below.",
                   file)


def report_for(upload: Upload, mapping: Mapping | None = None,
               options: Options = Options()) -> Report:
    """The validation report of `upload` under `mapping` (the detected one by default)."""
    if upload.failure is not None or upload.raw is None or upload.detection is None:
        return failed_report(upload.failure)
    try:
        return validate(upload.raw, mapping or upload.detection.mapping, options)
    except Exception:
        logger.exception("Validating an upload failed")
        return failed_report(unexpected(upload.file))


def ingest(data: bytes, file: str, limits: Limits = DEFAULT_LIMITS,
           options: Options = Options()) -> Report:
    """Bytes to a report in one call: read, detect the shape, validate with the detected mapping
    (the clean contract table is `report.table`). The work a new upload costs, without the
    digest that `read_upload` adds for widget keys; the entry point of the ingest benchmark."""
    try:
        raw = read_table(data, file, limits)
        return validate(raw, detect(raw.frame).mapping, options)
    except ReadError as error:
        return failed_report(error.problem)
    except Exception:
        logger.exception("Reading or validating an upload failed")
        return failed_report(unexpected(file))


class UploadedFile(Protocol):
    """What `session_upload` needs of Streamlit's uploaded file."""

    file_id: str
    name: str

    def getvalue(self) -> bytes: ...


def session_upload(file: UploadedFile) -> Upload:
    """The upload of `file`, read once per uploaded file and kept in this session's state: a
    rerun returns it without reading, hashing or copying the bytes (and nothing is pickled into
    a cache shared with other sessions)."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    if kept is not None and kept[0] == file.file_id:
        return kept[1]
    upload = read_upload(file.getvalue(), file_label(file.name))
    st.session_state[SESSION_UPLOAD_KEY] = (file.file_id, upload)
    return upload


def release_upload(file: UploadedFile) -> None:
    """Forget the upload of `file` kept by `session_upload` (once another path holds all it
    needs of it), so that its raw table does not stay in the session's memory."""
    kept = st.session_state.get(SESSION_UPLOAD_KEY)
    if kept is not None and kept[0] == file.file_id:
        del st.session_state[SESSION_UPLOAD_KEY]


def session_report(upload: Upload, mapping: Mapping | None = None,
                   options: Options = Options()) -> Report:
    """`report_for`, remembered in this session's state for the last few choices on the last
    file, so that a rerun with the same mapping and options validates nothing again."""
    kept = [k for k in st.session_state.get(SESSION_REPORTS_KEY, ())
            if k[0] == upload.digest and k[1] == upload.file]
    for _, _, chosen, picked, report in kept:
        if chosen == mapping and picked == options:
            return report
    report = report_for(upload, mapping, options)
    st.session_state[SESSION_REPORTS_KEY] = [*kept[-(SESSION_REPORTS - 1):],
                                             (upload.digest, upload.file, mapping, options, report)]
    return report
