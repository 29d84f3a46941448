"""Which columns of a user's table are the model, dataset, item, arms, run, category and n.

Names mean what the app's one alias table says (`lib.ingest.columns.COLUMN_ALIASES`, matched
by `column_role`: "Item ID", "item_id" and "itemid" are the item). One rule is added for the
two arms of a per-item file: an outcome word before or after the arm's name keeps its meaning
("baseline_correct" and "is_correct_base" are the baseline). A per-item file with its arms in
rows names the arm in a condition column (`column_role`: method, arm, variant, prompt, round…)
and the outcome in a column named by an outcome word alone (correct, is_correct, outcome,
score, passed…). The header and first rows of
delimited bytes are read here too, so that the shape detectors (`lib.ingest.shapes`) can judge
a per-item CSV before the whole file is read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from lib.core import schema
from lib.core.textcells import scrub_text
from lib.ingest.columns import (COLUMN_ALIASES, ITEM, RUN, column_role, name_key,
                                treatment_when_numeric)
from lib.ingest.problems import Kind, Problem

OUTCOME_WORDS = ("iscorrect", "correct", "score", "accuracy", "acc", "outcome", "result",
                 "passed", "pass", "solved", "label", "value")
"""Words around an arm's name that keep its meaning ("baseline_correct", "is_correct_base")."""
ARMS = (schema.BASELINE, schema.TREATMENT)
PER_ITEM_ROLES = (schema.MODEL, schema.DATASET, ITEM, schema.BASELINE, schema.TREATMENT)
OUTCOME = "outcome"
"""Role of the outcome column of a per-item file with its arms in rows."""
ARM_ROLES = (schema.MODEL, schema.DATASET, ITEM, schema.CONDITION, OUTCOME)
"""Roles a per-item file with its arms in rows needs: the arm is its condition column."""
COUNTS_ROLES = (schema.MODEL, schema.DATASET, schema.BASELINE, schema.TREATMENT, schema.N_ITEMS)


def item_role(name: object) -> str | None:
    """The role of a column of a per-item or counts file: `column_role`, or an arm when the
    name is an arm's with an outcome word taken off its start or end."""
    role = column_role(name)
    if role == schema.CONDITION and treatment_when_numeric(name):
        return schema.TREATMENT  # an arm of outcomes: numbers
    if role is not None:
        return role
    key = name_key(name)
    for word in OUTCOME_WORDS:
        rests = (key[len(word):] if key.startswith(word) else "",
                 key[: -len(word)] if key.endswith(word) else "")
        for arm in (item_role(rest) for rest in rests if rest):
            if arm in ARMS:
                return arm
    return None


def role_columns(names: Sequence[str]) -> dict[str, str]:
    """Role → the first column (in file order) that stands for it (`item_role`)."""
    found: dict[str, str] = {}
    for name in names:
        role = item_role(name)
        if role is not None and role not in found:
            found[role] = name
    return found


@dataclass(frozen=True)
class PerItemColumns:
    """The column of each role in a per-item table (run and category optional)."""

    model: str
    dataset: str
    item: str
    baseline: str
    treatment: str
    run: str | None = None
    category: str | None = None

    def names(self) -> list[str]:
        """The columns in use."""
        return [v for v in (getattr(self, f.name) for f in fields(self)) if v is not None]


def per_item_columns(names: Sequence[str]) -> PerItemColumns | None:
    """The roles of a per-item table, or None unless model, dataset, item and both arms exist."""
    found = role_columns([str(n) for n in names])
    if not all(r in found for r in PER_ITEM_ROLES):
        return None
    return PerItemColumns(*(found[r] for r in PER_ITEM_ROLES), found.get(RUN),
                          found.get(schema.CATEGORY))


@dataclass(frozen=True)
class ArmColumns:
    """The column of each role in a per-item table with its arms in rows (run and category
    optional): one row per model × dataset × item × arm."""

    model: str
    dataset: str
    item: str
    arm: str
    outcome: str
    run: str | None = None
    category: str | None = None

    def names(self) -> list[str]:
        """The columns in use."""
        return [v for v in (getattr(self, f.name) for f in fields(self)) if v is not None]


def is_outcome_name(name: object) -> bool:
    """Whether `name` is an outcome word alone ("correct", "is_correct", "Score", "passed")."""
    return name_key(name) in OUTCOME_WORDS


def arm_role_columns(names: Sequence[str]) -> dict[str, str]:
    """Role → the first column (in file order) that stands for it in a file with its arms in
    rows: `role_columns`, the first condition column (`column_role`, so that "variant" is the
    arm here, a name, not the treatment's outcome) and the first outcome column."""
    found = {r: c for r, c in role_columns(names).items()
             if r not in (schema.CONDITION, schema.BASELINE, schema.TREATMENT)}
    for name in names:
        if column_role(name) == schema.CONDITION:
            found.setdefault(schema.CONDITION, name)
        elif is_outcome_name(name) and name not in found.values():
            found.setdefault(OUTCOME, name)
    return found


def arm_columns(names: Sequence[str]) -> ArmColumns | None:
    """The roles of a per-item table with its arms in rows, or None unless model, dataset,
    item, an arm column and an outcome column exist and no column pair is a baseline and a
    treatment (then the arms are in columns: `per_item_columns`)."""
    names = [str(n) for n in names]
    if per_item_columns(names) is not None:
        return None
    found = arm_role_columns(names)
    if not all(r in found for r in ARM_ROLES):
        return None
    return ArmColumns(*(found[r] for r in ARM_ROLES), found.get(RUN), found.get(schema.CATEGORY))


@dataclass(frozen=True)
class CountsColumns:
    """The column of each role in a long table of per-arm scores with n (no item column)."""

    model: str
    dataset: str
    baseline: str
    treatment: str
    n: str
    category: str | None = None


def counts_columns(names: Sequence[str], allow_item: bool = False) -> CountsColumns | None:
    """The roles of a per-arm scores table with n, or None.

    Also None if a column looks like an item id, unless `allow_item` (it is then a row id).
    """
    found = role_columns([str(n) for n in names])
    if (ITEM in found and not allow_item) or not all(r in found for r in COUNTS_ROLES):
        return None
    return CountsColumns(*(found[r] for r in COUNTS_ROLES), found.get(schema.CATEGORY))


def strip_bom(data: bytes) -> memoryview:
    """`data` without a UTF-8 byte order mark, as a zero-copy view."""
    view = memoryview(data)
    return view[3:] if data[:3] == b"\xef\xbb\xbf" else view


LINE_END = re.compile(rb"\r\n?|\n")
"""A line end: LF, CRLF or a lone CR (as pyarrow's CSV reader reads them)."""
SEP_LINE = re.compile(rb"sep=.\s*$", re.IGNORECASE)
"""Excel's optional first line naming the delimiter (`sep=;`)."""


def first_line(data: bytes, start: int = 0) -> tuple[bytes, int]:
    """(the line of `data` that begins at `start`, where the next line begins), looking at most
    64 kB ahead; a line without an end runs to the end of what was looked at."""
    window = bytes(data[start:start + 65536])
    end = LINE_END.search(window)
    if end is None:
        return window, start + len(window)
    return window[:end.start()], start + end.end()


def has_sep_line(data: bytes) -> bool:
    """Whether the text starts with Excel's `sep=` line."""
    return SEP_LINE.match(first_line(strip_bom(data))[0].strip()) is not None


def csv_header(data: bytes) -> tuple[list[str], str]:
    """(column names, delimiter) of delimited text, from its first line (after a `sep=` line).

    Never raises: undecodable bytes become U+FFFD, and characters that never belong in a name
    too (`lib.core.textcells.scrub_text`)."""
    body = strip_bom(data)
    line, after = first_line(body)
    if SEP_LINE.match(line.strip()):
        line, _ = first_line(body, after)
    first = scrub_text(line.decode("utf-8", "replace"))
    delimiter = max(",;\t|", key=first.count)
    try:
        names = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), [])
    except csv.Error:
        names = first.split(delimiter)
    return [n.strip() for n in names], delimiter


def csv_head(data: bytes, size: int = 16384) -> pd.DataFrame | None:
    """The first rows of delimited bytes (their first `size` bytes after the header, cut at a
    line end) as a frame of text, or None when pyarrow cannot parse them."""
    names, delimiter = csv_header(data)
    body = strip_bom(data)
    _, start = first_line(body)
    if has_sep_line(data):
        _, start = first_line(body, start)
    head = bytes(body[start:start + size])
    if len(body) > start + size:
        head = head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]
    try:
        table = pacsv.read_csv(pa.py_buffer(head), read_options=pacsv.ReadOptions(
            column_names=names), parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}))
    except (pa.ArrowException, ValueError):
        return None
    unique = table.rename_columns([str(i) for i in range(table.num_columns)])
    return unique.to_pandas(types_mapper=pd.ArrowDtype).set_axis(names, axis=1)


def missing_roles(names: Sequence[str], roles: Sequence[str], file: str) -> list[Problem]:
    """Problems stopping `file`, one per role without a column."""
    arms = OUTCOME in roles
    found = (arm_role_columns if arms else role_columns)([str(n) for n in names])
    return [Problem(Kind.MISSING_COLUMN, f"no column for the {_role_name(r, arms)} (a name such "
                    f"as {', '.join(_examples(r))})", file) for r in roles if r not in found]


def _role_name(role: str, arms: bool) -> str:
    return "arm" if arms and role == schema.CONDITION else role


def _examples(role: str) -> tuple[str, ...]:
    """The first few names of a role (the outcome's: its words)."""
    if role == OUTCOME:
        return ("correct", "is_correct", "outcome", "score")
    return COLUMN_ALIASES[role][:4] if role != schema.CONDITION else ("arm", "method",
                                                                     "condition", "variant")
