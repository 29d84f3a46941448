"""An uploaded file from bytes to a report: read and detected once, validated per choice.

`ingest` takes any file to its report in one call: the shape registry (`lib.ingest.shapes`)
decides whether it holds per-item outcomes or per-arm scores with n (aggregated with intervals
by `lib.ingest.items`) or a mapped shape (validated by `lib.ingest.validation`). The page splits
the same work so that the user can correct what was guessed: `read_upload` reads a file and
detects its mapped shape, `report_for` validates it under the user's mapping and options, and
the item path keeps its own choices (`lib.ingest.items.pipeline`). The session store that keeps
them per browser session is `lib.ui.uploads`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lib.core import schema
from lib.ingest.items.cells import Settings
from lib.ingest.items.pipeline import ItemUpload, aggregate, item_shape, read_items
from lib.ingest.problems import Kind, Problem, ReadError
from lib.ingest.read.raw import DEFAULT_LIMITS, Limits, RawTable
from lib.ingest.read.table import read_table
from lib.ingest.shapes import MAPPED_SHAPES, Detection, Mapping, Shape, detect
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
        return Upload(file, digest(), raw=raw, detection=detect(raw.frame, MAPPED_SHAPES))
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
           options: Options = Options(), settings: Settings = Settings()) -> Report:
    """Bytes to a report in one call, whatever the file's shape: per-item outcomes and per-arm
    scores with n are aggregated with `settings`, the other shapes are validated with the
    detected mapping and `options` (the clean contract table is `report.table`). The work a new
    upload costs, without the digest that `read_upload` adds for widget keys; the entry point
    of the ingest benchmark."""
    kept: list[RawTable | ReadError] = []

    def read() -> RawTable:  # the file is parsed once, whichever path asks first
        if not kept:
            try:
                kept.append(read_table(data, file, limits))
            except ReadError as error:
                kept.append(error)
        if isinstance(kept[0], ReadError):
            raise kept[0]
        return kept[0]

    try:
        shape = item_shape(data, file, read)
        if shape is not None:
            return item_report(aggregate(read_items(data, file, read, shape), settings))
        raw = read()
        return validate(raw, detect(raw.frame, MAPPED_SHAPES).mapping, options)
    except ReadError as error:
        return failed_report(error.problem)
    except Exception:
        logger.exception("Reading or validating an upload failed")
        return failed_report(unexpected(file))


def item_report(upload: ItemUpload) -> Report:
    """The report of an aggregated per-item (or counts) file, in the form of the others. Its
    rows kept are the items paired (per-item outcomes) or the rows of scores used (counts)."""
    table = upload.table if upload.usable else None
    kept = 0 if table is None else (len(table) if upload.shape is Shape.COUNTS
                                    else int(table[schema.N_ITEMS].sum()))
    return Report(upload.file, upload.rows_read or 0, kept, upload.problems, upload.notes,
                  table=table, shape=upload.shape, y_title=schema.Y_POINTS)
