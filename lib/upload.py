"""An uploaded file from bytes to a report: read once per distinct file, validated per choice.

`read_upload` is pure; `cached_read_upload` memoises it with `st.cache_data`, keyed on the
file's bytes and name (the same bytes give the same result for anyone, so sharing the memo
reveals nothing). The result that a session uses lives in its own session state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from lib.problems import Problem, ReadError
from lib.readers import DEFAULT_LIMITS, Limits, RawTable, read_table
from lib.shapes import Detection, Mapping, detect
from lib.validation import Options, Report, failed_report, validate


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
    digest = file_digest(data)
    try:
        raw = read_table(data, file, limits)
    except ReadError as error:
        return Upload(file, digest, failure=error.problem)
    return Upload(file, digest, raw=raw, detection=detect(raw.frame))


cached_read_upload = st.cache_data(read_upload, max_entries=16, ttl=3600,
                                   show_spinner="Reading the file…")
"""`read_upload` memoised on the file's bytes and name (a few files, for an hour)."""


def report_for(upload: Upload, mapping: Mapping | None = None,
               options: Options = Options()) -> Report:
    """The validation report of `upload` under `mapping` (the detected one by default)."""
    if upload.failure is not None or upload.raw is None or upload.detection is None:
        return failed_report(upload.failure)
    return validate(upload.raw, mapping or upload.detection.mapping, options)
