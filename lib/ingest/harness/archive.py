"""The files of an upload of harness output: plain files, gzip files, .zip and .tar(.gz)
archives of an output folder, unpacked in memory within limits on members, bytes and nesting.

Nothing is written to disk. Every failure becomes a `Problem` naming the upload (and the member);
the other uploads are still read.
"""

from __future__ import annotations

import io
import logging
import tarfile
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from lib.ingest.problems import Effect, Kind, Problem, ReadError, clip
from lib.ingest.read.raw import DEFAULT_LIMITS, fail, size_phrase
from lib.ingest.read.sniff import GZIP_MAGIC, ZIP_MAGIC, gunzip

logger = logging.getLogger(__name__)

MAX_MEMBERS = 20_000
"""Files an archive may hold (an output folder of 5 runs × 10 tasks × 2 models holds ~100)."""
MAX_BYTES = DEFAULT_LIMITS.max_bytes
"""Bytes all files of one reading may unpack to, together: the limit of one gzip file."""
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError,
              EOFError, NotImplementedError, RuntimeError, UnicodeDecodeError)
"""What zipfile raises for a damaged archive or member (zlib's own error among them)."""
USEFUL_NAMES = (".json", ".jsonl", ".eval")


@dataclass(frozen=True)
class Member:
    """One file of the upload, unpacked (but an Inspect `.eval` log, itself a zip)."""

    path: str
    """Where it is, as a user would name it: “out.zip/gpt2/results_….json” (gzip stripped)."""
    data: bytes

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)


class Budget:
    """The bytes unpacked so far, shared by every file of one reading."""

    def __init__(self, limit: int = MAX_BYTES) -> None:
        self.limit, self.used = limit, 0

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)

    def take(self, n_bytes: int, file: str) -> None:
        self.used += n_bytes
        if self.used > self.limit:
            raise too_large(file, self.limit)


def too_large(file: str, limit: int) -> ReadError:
    return fail(Kind.TOO_LARGE, f"The files unpack to more than {size_phrase(limit)}, the "
                "limit for one upload. Upload fewer runs at a time.", file)


def _archive_kind(name: str, data: bytes) -> str | None:
    lower = name.lower()
    if lower.endswith(".eval"):
        return None
    if lower.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    if lower.endswith(".tar"):
        return "tar"
    if lower.endswith(".zip") or data.startswith(ZIP_MAGIC):
        return "zip"
    return None


def unpack(uploads: Sequence[tuple[str, bytes]],
           budget: Budget | None = None) -> tuple[list[Member], list[Problem], list[str]]:
    """The files of the uploads (name, bytes), the problems of those that cannot be read, and
    notes (files skipped). Archives are opened one level deep; gzip files are unpacked."""
    budget = budget or Budget()
    members: list[Member] = []
    problems: list[Problem] = []
    skipped: list[str] = []
    for name, data in uploads:
        try:
            kind = _archive_kind(name, data)
            if kind is None:
                member = _plain(name, data, budget, name)
                if member is not None:
                    members.append(member)
                else:
                    skipped.append(name)
                continue
            if kind == "tar.gz":
                data = _gunzip(data, name, budget)
                kind = "tar"
            elif kind == "tar":
                budget.take(len(data), name)
            found = _zip_members(name, data, budget) if kind == "zip" \
                else _tar_members(name, data, budget)
            members += [m for m in found if m is not None]
            skipped += [f"{name}/…" for m in found if m is None][:1]
        except ReadError as error:
            problems.append(error.problem)
        except Exception:  # noqa: BLE001 — one upload's surprise must not cost the others
            problems.append(unexpected(name))
    notes = [f"{len(skipped):,} file(s) are neither JSON, JSON Lines nor .eval logs and were "
             f"not read (the first: {clip(skipped[0])})."] if skipped else []
    return members, problems, notes


def _gunzip(data: bytes, file: str, budget: Budget) -> bytes:
    try:
        out = gunzip(data, file, budget.left)
    except ReadError as error:
        if error.problem.kind is Kind.TOO_LARGE:
            raise too_large(file, budget.limit) from None
        raise
    budget.take(len(out), file)
    return out


def _plain(path: str, data: bytes, budget: Budget, shown: str,
           counted: bool = False) -> Member | None:
    """A file that is not an archive: unpacked when gzip, None when of no use here. Its bytes
    count toward the budget unless `counted` (a member of a tar file already counted)."""
    lower = path.lower()
    if lower.endswith(".gz") or data.startswith(GZIP_MAGIC):
        data = _gunzip(data, shown, budget)
        path = path[:-3] if lower.endswith(".gz") else path
    elif not counted and not lower.endswith(".eval"):  # its members are counted when read
        budget.take(len(data), shown)
    if not path.lower().endswith(USEFUL_NAMES):
        return None
    return Member(path, data)


def _nested(outer: str, inner: str) -> ReadError:
    return fail(Kind.UNSUPPORTED, f"The archive holds another archive ({clip(inner)}); the app "
                "opens one level only. Upload the inner archive itself, or the folder "
                "unpacked.", outer)


def _check_count(count: int, file: str) -> None:
    if count > MAX_MEMBERS:
        raise fail(Kind.TOO_LARGE, f"The archive holds {count:,} files or more; the app reads "
                   f"at most {MAX_MEMBERS:,}. Upload the runs you compare only.", file)


def _zip_members(name: str, data: bytes, budget: Budget) -> list[Member | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except ZIP_ERRORS:
        raise fail(Kind.UNREADABLE, "The zip archive is damaged or cut short and cannot be "
                   "opened. Make it again from the output folder and upload it.", name) from None
    _check_count(len(infos), name)
    declared = sum(i.file_size for i in infos)
    if declared > budget.left:
        raise too_large(name, budget.limit)
    out: list[Member | None] = []
    for info in infos:
        inner = f"{name}/{info.filename}"
        if _archive_kind(info.filename, b"") is not None:
            raise _nested(name, info.filename)
        if not info.filename.lower().endswith(USEFUL_NAMES + (".gz",)):
            out.append(None)
            continue
        try:
            with archive.open(info) as source:
                raw = source.read(budget.left + 1)
        except ZIP_ERRORS:
            raise fail(Kind.UNREADABLE, f"A file in the zip archive ({clip(info.filename)}) "
                       "is damaged and cannot be unpacked.", name) from None
        if len(raw) > budget.left:
            raise too_large(name, budget.limit)
        out.append(_plain(inner, raw, budget, inner))
    return out


def _tar_members(name: str, data: bytes, budget: Budget) -> list[Member | None]:
    out: list[Member | None] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            count = 0
            for info in archive:
                count += 1
                _check_count(count, name)
                if not info.isfile():
                    continue
                inner = f"{name}/{info.name}"
                if _archive_kind(info.name, b"") is not None:
                    raise _nested(name, info.name)
                if not info.name.lower().endswith(USEFUL_NAMES + (".gz",)):
                    out.append(None)
                    continue
                source = archive.extractfile(info)
                raw = source.read() if source is not None else b""
                out.append(_plain(inner, raw, budget, inner, counted=True))
    except ReadError:
        raise
    except (tarfile.TarError, zlib.error, OSError, ValueError, EOFError, UnicodeDecodeError):
        raise fail(Kind.UNREADABLE, "The tar archive is damaged or cut short and cannot be "
                   "opened. Make it again from the output folder and upload it.", name) from None
    return out


UNEXPECTED = ("The file could not be read: an unexpected error occurred. Check that it is "
              "output of lm-evaluation-harness or Inspect AI as the tool wrote it.")


def unexpected(file: str) -> Problem:
    """The problem of a file whose reading failed in a way no check foresaw; called while that
    exception is handled, it logs the traceback (the user sees the message only)."""
    logger.exception("Unexpected failure reading harness output (%s)", clip(file))
    return Problem(Kind.UNEXPECTED, UNEXPECTED, file, effect=Effect.FILE)


def problem(kind: Kind, message: str, file: str, line: int | None = None,
            effect: Effect = Effect.FILE) -> Problem:
    """A problem of a harness file (at a line of a JSON Lines file when `line` is given)."""
    return Problem(kind, message, file, row=line, effect=effect)
