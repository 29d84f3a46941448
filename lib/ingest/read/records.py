"""JSON and JSON Lines to a raw table.

JSON is read as a list of records, an object of equal-length columns, or an object holding one
list of records; nested objects become dotted columns, as `pd.json_normalize` makes them. The
text is parsed one value at a time from pieces of at most `JSON_PIECE` characters, so that no
document costs more memory than its records, and nesting, values and rows are bounded.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from json.decoder import scanstring

import numpy as np
import pandas as pd

from lib.ingest.problems import Effect, Kind, Problem, ReadError, names_phrase
from lib.ingest.read.raw import (DEFAULT_LIMITS, ROW_INDEX, Format, Limits, RawTable, check_columns,
                                 check_row_problems, clean_header, fail, size_phrase, too_many_rows)

JSON_SHAPES = ('a list of records, [{"model": …, "dataset": …, "delta": …}, …], an '
               'object of columns, {"model": […], "dataset": […], "delta": […]}, or an object '
               "holding one list of records")
JSON_PIECE = 4 * 1024 * 1024
"""Characters of JSON parsed at once: the longest record, value or JSON Lines line the app reads.
Parsing a piece costs at most a few dozen times its size in memory, whatever it holds."""
JSON_DEPTH = 32
"""Nesting of objects and lists the app reads (a table needs two or three levels)."""
JSON_VALUES = 20_000_000
"""Values (cells) the app keeps from one JSON file: about 1 GB of Python objects at worst."""
JSON_INT_DIGITS = 300
"""Longer integers are read as floats (inf beyond the float range), as no cell needs more."""
JSON_BATCH = 1 << 16
"""Records kept as tuples before they are moved into columns."""
JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
ELEMENT_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
CONTAINERS = frozenset((dict, list))


def _json_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= JSON_INT_DIGITS else float(digits)


def _json_decoder() -> json.JSONDecoder:
    """A decoder of its own for each file: its scanner's memo is not shared between threads."""
    return json.JSONDecoder(parse_int=_json_int)


class _TooDeep(ReadError):
    """JSON nested deeper than `JSON_DEPTH` (a JSON Lines reader leaves the line out)."""


def _too_deep(file: str, where: str) -> ReadError:
    return _TooDeep(Problem(Kind.UNSUPPORTED, f"The JSON nests lists or objects more than "
                            f"{JSON_DEPTH} levels deep ({where}); a table needs two or three. "
                            f"The app reads {JSON_SHAPES}.", file, effect=Effect.FILE))


class _JsonText:
    """A JSON document parsed one value at a time, each from a piece of at most `JSON_PIECE`
    characters, so that no value costs more memory than its piece can make."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.scan = _json_decoder().scan_once
        self.start, self.piece = 0, text[:JSON_PIECE]

    def skip(self, pos: int) -> int:
        """The position of the first character from `pos` that is not JSON whitespace."""
        return JSON_WHITESPACE.match(self.text, pos).end()

    def char(self, pos: int) -> str:
        return self.text[pos:pos + 1]

    def invalid(self, message: str, pos: int) -> ReadError:
        """“The file is not valid JSON: … at line L, column C.” for an error at `pos`."""
        line = self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        return fail(Kind.UNREADABLE, f"The file is not valid JSON: {message} at line {line:,}, "
                    f"column {column:,}.", self.file)

    def _cut(self, pos: int) -> None:
        self.start, self.piece = pos, self.text[pos:pos + JSON_PIECE]

    def value(self, pos: int) -> tuple[object, int]:
        """The value that starts at `pos` and the position after it."""
        if not self.start <= pos <= self.start + JSON_PIECE // 2:
            self._cut(pos)
        while True:
            last = self.start + len(self.piece) >= len(self.text)
            try:
                value, end = self.scan(self.piece, pos - self.start)
            except StopIteration as stop:
                error: tuple[str, int] | None = ("Expecting value", stop.value)
            except json.JSONDecodeError as caught:
                error = (caught.msg, caught.pos)
            except RecursionError:
                raise _too_deep(self.file, f"line {self.text.count(chr(10), 0, pos) + 1:,}") \
                    from None
            else:
                if end < len(self.piece) or last:  # a number may have been cut at the end
                    return value, self.start + end
                error = None
            if error is not None and (last or (error[1] < len(self.piece) - 16 and not
                                               error[0].startswith("Unterminated string"))):
                raise self.invalid(error[0], self.start + error[1])
            if pos == self.start:
                raise fail(Kind.UNSUPPORTED, f"The JSON holds a value longer than "
                           f"{size_phrase(JSON_PIECE)} (from line "
                           f"{self.text.count(chr(10), 0, pos) + 1:,}), longer than any record "
                           f"of a table. The app reads {JSON_SHAPES}.", self.file)
            self._cut(pos)

    def array(self, pos: int, visit: Callable[[object, int], None]) -> int:
        """`visit(value, its position)` for each element of the array at `pos`; the position
        after the array."""
        text, scan, separator = self.text, self.scan, ELEMENT_SEPARATOR.match
        pos = self.skip(pos + 1)
        if text[pos:pos + 1] == "]":
            return pos + 1
        while True:
            start, piece = self.start, self.piece
            offset = pos - start
            value = None
            if 0 <= offset <= JSON_PIECE // 2:  # the common case, inline: a value well inside
                try:
                    value, end = scan(piece, offset)
                except (StopIteration, json.JSONDecodeError, RecursionError):
                    end = -1  # `value` says what it is
                if 0 <= end < len(piece):
                    end += start
                else:
                    value, end = self.value(pos)
            else:
                value, end = self.value(pos)
            visit(value, pos)
            after = separator(text, end)
            if after is None:
                raise self.invalid("Expecting ',' delimiter", self.skip(end))
            if after.group(1) == "]":
                return after.start(1) + 1
            pos = after.end()

    def members(self, pos: int, visit: Callable[[str, int], int]) -> int:
        """`visit(key, position of its value)`, which returns the position after the value, for
        each member of the object at `pos`; the position after the object."""
        pos = self.skip(pos + 1)
        if self.char(pos) == "}":
            return pos + 1
        while True:
            if self.char(pos) != '"':
                raise self.invalid("Expecting property name enclosed in double quotes", pos)
            try:
                key, end = scanstring(self.text, pos + 1, True)
            except json.JSONDecodeError as error:
                raise self.invalid(error.msg, error.pos) from None
            pos = self.skip(end)
            if self.char(pos) != ":":
                raise self.invalid("Expecting ':' delimiter", pos)
            pos = self.skip(visit(key, self.skip(pos + 1)))
            after = self.char(pos)
            if after == "}":
                return pos + 1
            if after != ",":
                raise self.invalid("Expecting ',' delimiter", pos)
            pos = self.skip(pos + 1)
            if self.char(pos) != '"':
                raise self.invalid("Expecting property name enclosed in double quotes", pos)


def _depth(value: object, limit: int) -> int:
    """How deep lists and objects nest in `value` (0 for a scalar), counted up to `limit` + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            if level > limit:
                return level
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


class _Budget:
    """The values kept from one JSON file so far, shared by everything that keeps some."""

    def __init__(self, file: str) -> None:
        self.file, self.values = file, 0

    def count(self, values: int) -> None:
        self.values += values
        if self.values > JSON_VALUES:
            raise fail(Kind.TOO_LARGE, f"The JSON holds more than {JSON_VALUES:,} values; the "
                       "app reads at most that many from JSON. Save the table as CSV or Parquet "
                       "and upload that.", self.file)


class _Columns:
    """Records (or columns) gathered column by column, as `pd.json_normalize` would lay them out:
    nested objects become dotted columns, a key missing from a record an empty cell.

    Records with the same keys in the same order (the usual case) are kept as tuples and moved
    into the columns a batch at a time, where equal values of a batch share one object."""

    def __init__(self, file: str, limits: Limits, budget: _Budget | None = None) -> None:
        self.file, self.limits = file, limits
        self.budget = budget or _Budget(file)
        self.columns: dict[str, list] = {}
        self.rows = 0
        self.keys: tuple[str, ...] = ()
        self.batch: list[tuple] = []

    def add(self, record: object, row: int = 0) -> None:
        """Append one record (numbered `row`, for messages; by default the next number)."""
        if type(record) is not dict:
            raise fail(Kind.UNSUPPORTED, f"The JSON list holds something other than records. "
                       f"The app reads {JSON_SHAPES}.", self.file)
        if self.rows >= self.limits.max_rows:
            raise too_many_rows(self.file, self.limits)
        values = tuple(record.values())
        if not CONTAINERS.isdisjoint(map(type, values)):
            record = _flattened(record, self.file, row or self.rows + 1)
            values = tuple(record.values())
        budget = self.budget
        budget.values += len(values)
        if budget.values > JSON_VALUES:
            budget.count(0)
        keys = tuple(record)
        if keys != self.keys or len(self.batch) >= JSON_BATCH:
            self.flush()
            self.keys = keys
        self.batch.append(values)
        self.rows += 1

    def flush(self) -> None:
        """Move the batch into the columns (each column then has one value per record)."""
        batch, columns = self.batch, self.columns
        if not batch:
            return
        done = self.rows - len(batch)
        for key, values in zip(self.keys, zip(*batch)):
            column = columns.get(key)
            if column is None:
                column = self._column(key, done)
            column.extend(_shared(values))
        if len(self.keys) < len(columns):
            for column in columns.values():
                if len(column) == done:
                    column.extend(itertools.repeat(None, len(batch)))
        batch.clear()

    def _column(self, key: str, length: int) -> list:
        if len(self.columns) >= self.limits.max_columns:
            raise fail(Kind.TOO_MANY_COLUMNS, f"The records have more than "
                       f"{self.limits.max_columns:,} different keys (columns); the limit is "
                       f"{self.limits.max_columns:,}.", self.file)
        column = self.columns[key] = [None] * length
        return column

    def add_column(self, key: str, values: list) -> None:
        """One column of an object of columns (a key given twice keeps its last list), its values
        counted already."""
        if key not in self.columns:
            self._column(key, 0)
        self.columns[key] = _shared(values)

    def frame(self, numbers: Sequence[int] | None = None) -> tuple[pd.DataFrame, list[str]]:
        """The cells as a frame (NaN read as empty), rows numbered from 1 or by `numbers`; and
        the notes on the column names."""
        self.flush()
        names, notes = clean_header(list(self.columns))
        frame = pd.DataFrame({i: pd.Series(values, dtype=object)
                              for i, values in enumerate(self.columns.values())}, dtype=object)
        frame = frame.where(frame.notna(), None)
        frame.columns = names
        index = np.arange(1, len(frame) + 1) if numbers is None else np.asarray(numbers)
        frame.index = pd.Index(index, name=ROW_INDEX)
        return frame, notes


def _shared(values: Sequence[object]) -> list:
    """`values` as a list in which equal strings (names repeated row after row) are one object.
    Only a column of strings (and empty cells) is shared: 1, 1.0 and True are equal keys."""
    if set(map(type, values)) <= TEXT_KINDS:
        memo: dict = {}
        return list(map(memo.setdefault, values, values))
    return list(values)


TEXT_KINDS = {str, type(None)}


def _flattened(record: dict, file: str, row: int) -> dict:
    """`record` with its nested objects as dotted keys, as `pd.json_normalize` makes them (keys
    of scalars first, then the nested ones in order), without recursion; lists stay values."""
    out = {k: v for k, v in record.items() if type(v) is not dict}
    nested: dict[str, object] = {}
    stack = [("", iter([(k, v) for k, v in record.items() if type(v) is dict]))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            name = f"{prefix}.{key}" if prefix else key
            if type(value) is dict:
                if len(stack) >= JSON_DEPTH:
                    raise _too_deep(file, f"record {row:,}")
                stack.append((name, iter(value.items())))
                break
            if type(value) is list and _depth(value, JSON_DEPTH - len(stack)) > \
                    JSON_DEPTH - len(stack):
                raise _too_deep(file, f"record {row:,}")
            nested[name] = value
        else:
            stack.pop()
    for key, value in out.items():
        if type(value) is list and _depth(value, JSON_DEPTH - 1) > JSON_DEPTH - 1:
            raise _too_deep(file, f"record {row:,}")
    out.update(nested)
    return out


class _ListMember:
    """One list in a JSON object: its records, or its other values (a column)."""

    def __init__(self, file: str, limits: Limits, budget: _Budget) -> None:
        self.records = _Columns(file, limits, budget)
        self.budget = budget
        self.values: list = []
        self.file, self.limits = file, limits
        self.count = 0
        self.mixed = False

    def __len__(self) -> int:
        return self.count

    def add(self, value: object, pos: int) -> None:
        self.count += 1
        if self.count > self.limits.max_rows:
            raise too_many_rows(self.file, self.limits)
        if self.mixed:
            return
        if type(value) is dict:
            if self.values:
                self.mixed = True
                return
            self.records.add(value, self.count)
            return
        if self.records.rows:
            self.mixed = True
            return
        if type(value) is list and _depth(value, JSON_DEPTH) > JSON_DEPTH:
            raise _too_deep(self.file, f"element {self.count:,} of a list")
        budget = self.budget
        budget.values += 1
        if budget.values > JSON_VALUES:
            budget.count(0)
        self.values.append(value)


def read_json(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """A JSON document to a raw table; rows are numbered by record, from 1.

    The app reads a list of objects, an object of equal-length columns, or an object with
    exactly one list of objects in it (e.g. {"results": [...]}). A file of one JSON value per
    line is read as JSON Lines. The document is parsed one record at a time, within the limits.
    """
    if not text.strip():
        raise fail(Kind.EMPTY_FILE, "The file has no data: it holds only whitespace.", file)
    if _json_lines_inside(text):
        return read_json_lines(text, file, limits)
    doc = _JsonText(text, file)
    pos = doc.skip(0)
    note = "Read as JSON; rows are numbered by record, from 1."
    first = doc.char(pos)
    if first == "[":
        records = _Columns(file, limits)
        end = doc.array(pos, lambda value, _: records.add(value))
        if doc.skip(end) < len(text):
            return read_json_lines(text, file, limits)
        if not records.rows:
            raise fail(Kind.EMPTY_FILE, "The JSON holds an empty list: no records.", file)
        return _json_table(records, file, Format.JSON, [note])
    if first == "{":
        lists: dict[str, _ListMember] = {}
        others: set[str] = set()
        budget = _Budget(file)

        def member(key: str, at: int) -> int:
            if doc.char(at) == "[":
                others.discard(key)
                lists[key] = _ListMember(file, limits, budget)
                return doc.array(at, lists[key].add)
            lists.pop(key, None)
            others.add(key)
            return doc.value(at)[1]

        end = doc.members(pos, member)
        if doc.skip(end) < len(text):
            return read_json_lines(text, file, limits)
        return _json_table(_json_object(lists, others, file, limits), file, Format.JSON, [note])
    value_end = doc.value(pos)[1]
    if doc.skip(value_end) < len(text):
        return read_json_lines(text, file, limits)
    raise fail(Kind.UNSUPPORTED, f"The JSON is not laid out as a table. The app reads "
               f"{JSON_SHAPES}.", file)


def _json_lines_inside(text: str) -> bool:
    """True when the first line is a whole JSON value and more follows: JSON Lines."""
    first_end = text.find("\n", 0, JSON_PIECE)
    if first_end < 0 or JSON_WHITESPACE.match(text, first_end).end() == len(text):
        return False
    line = text[:first_end].strip(" \t\r")
    try:
        _json_decoder().decode(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _json_object(lists: dict[str, _ListMember], others: set[str], file: str,
                 limits: Limits) -> _Columns:
    """The records of a JSON object: its equal-length columns, or its one list of records."""
    columns = [m for m in lists.values() if not m.mixed and not m.records.rows]
    if lists and not others and len(columns) == len(lists) \
            and len({len(m) for m in columns}) == 1:
        if not len(columns[0]):
            raise fail(Kind.HEADER_ONLY, f"The JSON names columns "
                       f"({names_phrase(list(lists), 8)}) but holds no values.", file)
        table = _Columns(file, limits, columns[0].budget)
        for key, values in lists.items():
            table.add_column(key, values.values)
        table.rows = len(columns[0])
        return table
    record_lists = [m for m in lists.values() if not m.mixed and m.records.rows]
    if len(record_lists) == 1:
        return record_lists[0].records
    raise fail(Kind.UNSUPPORTED, f"The JSON is not laid out as a table. The app reads "
               f"{JSON_SHAPES}.", file)


def _json_table(records: _Columns, file: str, fmt: Format, notes: Sequence[str],
                numbers: Sequence[int] | None = None,
                problems: Sequence[Problem] = ()) -> RawTable:
    records.flush()
    if not records.columns:
        raise fail(Kind.EMPTY_FILE, "The records are all empty objects: no columns.", file)
    check_columns(len(records.columns), file, records.limits)
    frame, header_notes = records.frame(numbers)
    return RawTable(frame, file, fmt, records.rows + len(problems), (*notes, *header_notes),
                    tuple(problems))


def read_json_lines(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> RawTable:
    """JSON Lines (one object per line) to a raw table; rows are numbered by line.

    Lines end in \\n (or \\r\\n; in \\r alone when the file has no \\n). A line that is not a
    JSON object, or longer than `JSON_PIECE`, is listed as a problem and left out.
    """
    records = _Columns(file, limits)
    numbers: list[int] = []
    problems: list[Problem] = []
    scan = _json_decoder().scan_once
    messages: dict[str, str] = {}
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    number = 0
    for piece in _line_pieces(text, newline):
        for line in piece.split(newline):
            number += 1
            if len(line) > JSON_PIECE:
                value, message = None, f"the line is longer than {size_phrase(JSON_PIECE)}, " \
                                       "longer than any record"
            else:
                try:  # the usual line: one object, no space around it
                    value, after = scan(line, 0)
                except (StopIteration, json.JSONDecodeError, RecursionError):
                    after = -1
                if after == len(line):
                    message = None
                else:
                    value, message = _json_line(line, scan)
                    if value is None and message is None:
                        continue  # a blank line
            if type(value) is dict:
                if records.rows + len(problems) >= limits.max_rows:
                    raise too_many_rows(file, limits)
                try:
                    records.add(value, number)
                except _TooDeep:
                    message = JSON_LINE_TOO_DEEP
                else:
                    numbers.append(number)
                    continue
            if records.rows + len(problems) >= limits.max_rows:
                raise too_many_rows(file, limits)
            check_row_problems(len(problems), file, "lines of the file are not JSON objects")
            message = message or "the line is not a JSON object ({…})"
            message = messages.setdefault(message, message)
            problems.append(Problem(Kind.UNREADABLE, message, file, number, None, Effect.ROW))
    if not records.rows and not problems:
        raise fail(Kind.EMPTY_FILE, "The file has no data: it holds only blank lines.", file)
    if not records.rows:
        raise fail(Kind.UNREADABLE, "No line of the file is a JSON object: it is neither JSON "
                   "Lines nor JSON.", file)
    return _json_table(records, file, Format.JSON_LINES,
                       ["Read as JSON Lines; rows are numbered by line."], numbers, problems)


JSON_LINE_TOO_DEEP = f"the line nests lists or objects more than {JSON_DEPTH} levels deep"


def _line_pieces(text: str, newline: str, size: int = 1 << 22) -> Iterator[str]:
    """`text` in pieces of about `size` characters, each ending where a line ends (the last
    piece's last line may be empty): split, they give the lines of `text` one by one."""
    start, n = 0, len(text)
    while True:
        end = text.find(newline, min(start + size, n))
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _json_line(line: str, scan: Callable[[str, int], tuple[object, int]]) \
        -> tuple[object, str | None]:
    """(value, None) for a line of JSON with space around it, (None, why) for a line that is not
    JSON, and (None, None) for a blank line."""
    first = JSON_WHITESPACE.match(line).end()
    if first == len(line) or not line.strip():
        return None, None
    try:
        value, after = scan(line, first)
        if JSON_WHITESPACE.match(line, after).end() != len(line):
            raise json.JSONDecodeError("Extra data", line, after)
    except StopIteration:
        return None, "the line is not valid JSON (Expecting value)"
    except json.JSONDecodeError as error:
        return None, f"the line is not valid JSON ({error.msg})"
    except RecursionError:
        return None, JSON_LINE_TOO_DEEP
    return value, None

