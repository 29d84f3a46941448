"""An uploaded file from bytes to a report: read and detected once, validated per choice.

`read_upload` reads a file and detects its shape, `report_for` validates it under the user's
mapping and options, and `ingest` does both in one call (what the benchmark times). The session
store that keeps them per browser session is `lib.ui.uploads`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lib.ingest.problems import Kind, Problem, ReadError
from lib.ingest.read.raw import DEFAULT_LIMITS, Limits, RawTable
from lib.ingest.read.table import read_table
from lib.ingest.shapes import Detection, Mapping, detect
from lib.ingest.validation import Options, Report, failed_report, validate

logger = logging.getLogger(__name__)

DIGEST_IN_BACKGROUND_BYTES = 1 << 20
"""From this size, the digest is computed while the file is parsed (hashlib frees the GIL)."""


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
