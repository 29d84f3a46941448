"""JSON documents and JSON Lines of harness output, parsed with the guards of the JSON reader:
UTF-8 only, a bounded nesting, and a message naming the file (and line) for anything else."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from lib.ingest.problems import Effect, Kind, Problem, ReadError
from lib.ingest.read.raw import fail


def _text(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(Kind.ENCODING, f"The file is not UTF-8 text (byte {error.start + 1:,}); "
                   "the harnesses write UTF-8 JSON. Upload the file as the harness wrote it.",
                   file) from None


def line_error(kind: Kind, message: str, file: str, line: int | None) -> ReadError:
    """The error that refuses a file, naming the line of a JSON Lines file when known."""
    return ReadError(Problem(kind, message, file, row=line, effect=Effect.FILE))


def too_deep(file: str, line: int | None = None) -> ReadError:
    where = f" on line {line:,}" if line is not None else ""
    return line_error(Kind.UNSUPPORTED, f"The JSON{where} nests lists or objects too deeply "
                      "to be read; the harnesses' logs never do.", file, line)


def parse_json(data: bytes, file: str, what: str) -> object:
    """The JSON value of a whole file (`what` it should be, for the message when it is not)."""
    text = _text(data, file)
    try:
        return json.loads(text)
    except RecursionError:
        raise too_deep(file) from None
    except json.JSONDecodeError as error:
        raise fail(Kind.UNREADABLE, f"The file is not valid JSON: {error.msg} at line "
                   f"{error.lineno:,}, column {error.colno:,}. Upload {what} as the harness "
                   "wrote it.", file) from None


def parse_document(data: bytes, file: str, what: str) -> dict:
    """The JSON object of a whole file; `ReadError` when it is not JSON or not an object."""
    value = parse_json(data, file, what)
    if not isinstance(value, dict):
        raise fail(Kind.UNSUPPORTED, f"The file is JSON but not {what}: it holds "
                   f"{type(value).__name__ if value is not None else 'null'}, not an object.",
                   file)
    return value


def json_lines(data: bytes, file: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line, read one line at a time; `ReadError`
    naming the line for a line that is not UTF-8 or not a JSON object."""
    loads = json.loads
    for number, line in enumerate(io.BytesIO(data), start=1):
        if not line.strip():
            continue
        try:
            value = loads(line)
        except RecursionError:
            raise too_deep(file, number) from None
        except UnicodeDecodeError:
            raise line_error(Kind.ENCODING, f"Line {number:,} is not UTF-8 text; the harnesses "
                             "write UTF-8. Upload the file as the harness wrote it.", file,
                             number) from None
        except json.JSONDecodeError as error:
            raise line_error(Kind.UNREADABLE, f"Line {number:,} is not valid JSON "
                             f"({error.msg}, column {error.colno:,}): the file may be cut "
                             "short or not a samples file.", file, number) from None
        if not isinstance(value, dict):
            raise line_error(Kind.UNSUPPORTED, f"Line {number:,} is JSON but not an object: "
                             "a samples file holds one object per line.", file, number)
        yield number, value
