"""Numbers written as text: the one set of rules that reads a number, or a missing value, from a
cell, for a single value and for a whole column.

The rules (the constants below):
- a cell means "no value" when it is None, NaN, or a text in `MISSING_TEXT` once stripped and
  case-folded;
- otherwise a text is cleaned: NFKC, stripped, spaces and no-break spaces removed, each of
  `MINUS_SIGNS` read as "-", one unit of `UNITS` dropped from the end (any case) and the text
  stripped again; with a decimal comma, a text holding "," loses its dots and its comma
  becomes a dot;
- the cleaned text is a number when it is in `INFINITY_TEXT` (±inf) or when Python's `float`
  reads it; anything else is not a number;
- the decimal mark is "," when some text reads as a number with a decimal comma (`COMMA`) and
  none with a decimal point (`DOT`).

`parse_number`, `is_missing` and `detect_decimal` apply them to one value at a time; they are
the definition. `number_text`, `missing`, `decimal_mark`, `column_numbers` and `numeric_share`
apply them to an Arrow string array: ASCII cells made only of the characters of `CLEANABLE`
(digits, signs, separators, spaces, minus signs, units) are cleaned and cast by Arrow, which
reads ASCII decimal numbers to the same float as `float`; every other text cell (Unicode digits,
infinities, anything unusual) is handed to the per-value reader, so the two agree on every
text (tests/ingest/test_numbers.py checks it on random texts).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core.textcells import (ASCII_WHITESPACE, WHITESPACE_CLASS, as_array, last_bytes,
                                text_cells, to_numpy_bool)

# --- the rules -----------------------------------------------------------------------------------

MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—", "–", "?", "#n/a"})
"""Cell texts that mean "no value" (compared after stripping and case folding)."""
MINUS_SIGNS = "−–‒﹣－"
"""Read as a minus: Unicode minus, en dash, figure dash, small and full-width hyphen-minus."""
SPACES = " \u00a0"
"""Removed anywhere in a number: "– 2" is −2, "1 000" is 1000."""
UNITS = ("%", "pp", "pts")
"""Unit suffixes dropped from a number (any case); no unit ends with another."""
INFINITY_TEXT = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "∞",
                           "+∞", "-∞"})
"""Cleaned texts read as an infinite number (case-folded)."""
_DOT_TEMPLATE = r"^[+-]?({d}+\.{d}*|\.{d}+)([eE][+-]?{d}+)?$"
_COMMA_TEMPLATE = r"^[+-]?{d}+,{d}+$"
DOT = _DOT_TEMPLATE.format(d="[0-9]")
"""A cleaned ASCII text written with a decimal point (RE2 and Python)."""
COMMA = _COMMA_TEMPLATE.format(d="[0-9]")
"""A cleaned ASCII text written with a decimal comma (RE2 and Python)."""
_DOT_NUMBER = re.compile(_DOT_TEMPLATE.format(d=r"\d"))
"""`DOT` for any text: Unicode decimal digits count as digits, as `float` reads them."""
_COMMA_NUMBER = re.compile(_COMMA_TEMPLATE.format(d=r"\d"))
"""`COMMA` for any text."""


class NotANumber(ValueError):
    """A cell that holds text that is not a number."""


# --- one value at a time: the definition ---------------------------------------------------------

def is_missing(value: object) -> bool:
    """True for None, NaN, and texts that mean "no value" (NA, n/a, null, -, ...)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_TEXT
    try:
        return bool(value != value)  # pd.NA and friends
    except (TypeError, ValueError):
        return False


def _clean_number_text(text: str, decimal: str) -> str:
    """`text` cleaned for `float` (see the module's rules)."""
    text = unicodedata.normalize("NFKC", text).strip()
    for space in SPACES:
        text = text.replace(space, "")
    for minus in MINUS_SIGNS:
        text = text.replace(minus, "-")
    for unit in UNITS:
        if text.casefold().endswith(unit):
            text = text[: -len(unit)].strip()
            break
    if decimal == "," and "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def parse_number(value: object, decimal: str = ".") -> float:
    """`value` as a float: numbers as they are; texts like "+5%", "−3.5", "3,5" (with
    `decimal=","`) and "inf". Missing values give NaN; anything else raises `NotANumber`."""
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond float's range
            return math.inf if value > 0 else -math.inf
    if is_missing(value):
        return math.nan
    text = _clean_number_text(str(value), decimal)
    if text.casefold() in INFINITY_TEXT:
        return -math.inf if text.startswith("-") else math.inf
    try:
        number = float(text)
    except ValueError:
        raise NotANumber(str(value)) from None
    return math.nan if math.isnan(number) else number


def decimal_evidence(values: Iterable[object]) -> tuple[bool, bool]:
    """(some text reads as a number with a decimal comma, some with a decimal point)."""
    comma = dot = False
    for value in values:
        if isinstance(value, str):
            text = _clean_number_text(value, ".")
            comma = comma or bool(_COMMA_NUMBER.match(text))
            dot = dot or bool(_DOT_NUMBER.match(text))
    return comma, dot


def detect_decimal(values: Iterable[object]) -> str:
    """"," when text numbers use a decimal comma ("3,5") and none a decimal point, else "."."""
    comma, dot = decimal_evidence(values)
    return "," if comma and not dot else "."


def count_numbers(values: Iterable[object], decimal: str = ".") -> tuple[int, int]:
    """(non-missing values, those of them that read as numbers)."""
    total = good = 0
    for value in values:
        if is_missing(value):
            continue
        total += 1
        try:
            parse_number(value, decimal)
            good += 1
        except NotANumber:
            pass
    return total, good


# --- a column at a time --------------------------------------------------------------------------

PLAIN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
"""ASCII decimal numbers: both Python's `float` and Arrow's cast read them, to the same value."""
_UNIT_LETTERS = "".join(sorted({ch for unit in UNITS for ch in unit if ch.isalpha()}))
CLEANABLE = ("^[0-9\\x{a0} +\\-.,eE%" + _UNIT_LETTERS + _UNIT_LETTERS.upper() + MINUS_SIGNS
             + "]*$")
"""Cells whose cleaning (NFKC, strip, spaces, minus signs, unit) the string kernels below
mimic exactly: NFKC changes none of these characters but the no-break space and the small and
full-width hyphen-minus, and those are removed or read as a minus anyway."""
MISSING_ASCII = sorted(t for t in MISSING_TEXT if t.isascii())
_NUMBER_LETTERS = {ch for text in (*MISSING_TEXT, *INFINITY_TEXT, *UNITS, "e") for ch in text}
NEVER_IN_NUMBERS = "[" + "".join(ch + ch.upper() for ch in string.ascii_lowercase
                                 if ch not in _NUMBER_LETTERS) + "]"
"""ASCII letters that no number, infinity, unit or missing-value text has: a cell with one is
not a number whatever else it holds."""
EMPTY_POSITIONS = np.zeros(0, dtype=np.int64)


def _float(strings: pa.Array) -> np.ndarray:
    """The strings cast to float64, in one piece of Arrow's memory (a numpy view of it)."""
    return as_array(pc.cast(strings, pa.float64())).to_numpy(zero_copy_only=False)


def _plain(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values, mask) of the cells that are plain finite numbers; NaN elsewhere."""
    try:
        values = _float(strings)
    except pa.ArrowInvalid:
        values = np.full(len(strings), np.nan)
        maybe = pc.and_(pc.string_is_ascii(strings), pc.invert(pc.or_(
            pc.ends_with(strings, "%"), pc.or_(pc.match_substring(strings, " "),
                                               pc.match_substring(strings, ",")))))
        at = np.flatnonzero(to_numpy_bool(maybe))
        if len(at):
            text = strings.take(pa.array(at))
            ok = to_numpy_bool(pc.match_substring_regex(text, PLAIN))
            if ok.any():
                values[at[ok]] = _float(text.filter(pa.array(ok)))
    read = np.isfinite(values)
    return (values if read.all() else np.where(read, values, np.nan)), read


def _any_match(text: pa.Array, literal: str, pattern: str, probe: int = 4096) -> bool:
    """True when a string contains `literal` and matches `pattern` (which implies `literal`);
    the first `probe` strings are tried alone first."""
    for part in (text.slice(0, probe), text):
        candidates = part.filter(pc.match_substring(part, literal))
        if len(candidates) and pc.any(pc.match_substring_regex(candidates, pattern)).as_py():
            return True
        if len(part) == len(text):
            break
    return False


def _where(text: pa.Array, mask: pa.Array,
           change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`text` with `change` applied to the strings where `mask` holds (only those are touched)."""
    if not pc.any(mask).as_py():
        return text
    return pc.replace_with_mask(text, mask, as_array(change(text.filter(mask))))


def _clean(strings: pa.Array) -> pa.Array:
    """`_clean_number_text(text, ".")` of strings matching `CLEANABLE`."""
    text = as_array(strings)
    text = _where(text, pc.match_substring(text, " "), lambda t: pc.replace_substring(t, " ", ""))
    text = _where(text, pc.invert(pc.string_is_ascii(text)), lambda t: pc.replace_substring_regex(
        pc.replace_substring_regex(t, "\\x{a0}", ""), f"[{MINUS_SIGNS}]", "-"))
    return _without_unit(text)


def _packed(text: bytes) -> int:
    return int.from_bytes(text, "big")


def _unit_lengths(text: pa.Array) -> np.ndarray:
    """Per ASCII string, the length of the unit of `UNITS` it ends with (any case), else 0."""
    lower = last_bytes(text, 3) | _packed(b"   ")  # ASCII letters in lower case
    cut = np.zeros(len(text), dtype=np.int8)
    for unit in UNITS:
        size = len(unit)
        tail = lower & ((1 << (8 * size)) - 1)
        cut[tail == _packed(unit.encode()) | _packed(b" " * size)] = size
    return cut


def _without_unit(text: pa.Array) -> pa.Array:
    """ASCII strings without their unit suffix (one of `UNITS`, any case)."""
    text = as_array(text)
    cut = _unit_lengths(text)
    if not len(cut) or not cut.any():
        return text
    if (cut == cut[0]).all():
        return pc.utf8_slice_codeunits(text, 0, -int(cut[0]))
    for length in sorted({len(unit) for unit in UNITS}):
        text = _where(text, pa.array(cut == length),
                      lambda t, end=-length: pc.utf8_slice_codeunits(t, 0, end))
    return text


@dataclass(frozen=True)
class NumberText:
    """One column of text read as numbers as far as the decimal mark does not matter."""

    strings: pa.Array
    values: np.ndarray
    """float64: the plain numbers, NaN elsewhere."""
    read: np.ndarray
    """True where `values` holds the cell's number (a plain finite number)."""
    rest_at: np.ndarray
    """Positions of the text cells not read."""
    cleanable_at: np.ndarray
    """Positions, among those, of the cells `CLEANABLE` covers."""
    cleaned: pa.Array | None
    """Their text after cleaning (before the decimal comma is applied)."""

    def has_plain_dot(self, probe: int = 4096) -> bool:
        """True when a plain number has a decimal point (so the decimal mark is a point)."""
        for end in dict.fromkeys((min(probe, len(self.read)), len(self.read))):
            dotted = to_numpy_bool(pc.match_substring(self.strings.slice(0, end), "."))
            if (dotted & self.read[:end]).any():
                return True
        return False

    def decimal_evidence(self) -> tuple[bool, bool]:
        """(a cell reads as a number with a decimal comma, one with a decimal point), among the
        cells not read; as `decimal_evidence` finds them."""
        comma = dot = False
        if self.cleaned is not None and len(self.cleaned):
            dot = _any_match(self.cleaned, ".", DOT)
            comma = not dot and _any_match(self.cleaned, ",", COMMA)
        exotic = np.setdiff1d(self.rest_at, self.cleanable_at, assume_unique=True)
        if len(exotic) and not dot:
            text = self.strings.take(pa.array(exotic))
            plausible = pc.and_(  # a number has a digit, and an ASCII digit if it is ASCII
                pc.invert(pc.match_substring_regex(text, NEVER_IN_NUMBERS)),
                pc.or_(pc.invert(pc.string_is_ascii(text)),
                       pc.match_substring_regex(text, "[0-9]")))
            candidates = pc.unique(text.filter(pc.fill_null(plausible, False)))
            more_comma, more_dot = decimal_evidence(candidates.to_pylist())
            comma, dot = comma or more_comma, dot or more_dot
        return comma, dot

    def cast_text(self, decimal: str) -> pa.Array:
        """The cleaned text of the cleanable cells as it is cast, with decimal mark `decimal`."""
        text = self.cleaned
        if decimal == "," and text is not None:
            text = _where(text, pc.match_substring(text, ","), lambda t: pc.replace_substring(
                pc.replace_substring(t, ".", ""), ",", "."))
        return text

    def numbers(self, decimal: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, read) with the cleanable cells read too, using decimal mark `decimal`."""
        values, read = self.values, self.read
        if self.cleaned is None or not len(self.cleaned):
            return values, read
        found, ok = _plain(self.cast_text(decimal))
        if not ok.any():
            return values, read
        at = self.cleanable_at[ok]
        values, read = values.copy(), read.copy()
        values[at] = found[ok]
        read[at] = True
        return values, read


def number_text(strings: pa.Array) -> NumberText:
    """The first, decimal-independent reading of a column of text cells (nulls are not text)."""
    values, read = _plain(strings)
    rest = ~read & ~to_numpy_bool(pc.is_null(strings)) if strings.null_count else ~read
    if read.all() or not rest.any():
        return NumberText(strings, values, read, EMPTY_POSITIONS, EMPTY_POSITIONS, None)
    rest_at = np.flatnonzero(rest)
    rest_text = strings if len(rest_at) == len(strings) else strings.take(pa.array(rest_at))
    cleanable = to_numpy_bool(pc.match_substring_regex(rest_text, CLEANABLE))
    cleaned = _clean(rest_text if cleanable.all() else rest_text.filter(pa.array(cleanable)))
    return NumberText(strings, values, read, rest_at, rest_at[cleanable], cleaned)


def decimal_mark(columns: Iterable[NumberText]) -> str:
    """"," when text numbers use a decimal comma and none a decimal point, else "." (as
    `detect_decimal` over every text cell of `columns`)."""
    columns = list(columns)
    if any(c.has_plain_dot() for c in columns):
        return "."
    comma = False
    for column in columns:
        more_comma, dot = column.decimal_evidence()
        if dot:
            return "."
        comma = comma or more_comma
    return "," if comma else "."


def missing(strings: pa.Array) -> np.ndarray:
    """True where an ASCII cell means "no value" (`is_missing`); False for other cells, which
    `is_missing` may still call missing ("—")."""
    folded = pc.ascii_lower(pc.utf8_trim(strings, characters=ASCII_WHITESPACE))
    found = pc.and_(pc.string_is_ascii(strings),
                    pc.is_in(folded, value_set=pa.array(MISSING_ASCII, type=strings.type)))
    return to_numpy_bool(found)


def column_numbers(reading: NumberText, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, absent) of every cell of `reading`'s column, by the rules with decimal mark
    `decimal`: `values` holds each cell's number as `parse_number` reads it (±inf included) and
    NaN where there is none; `absent` is True where the cell means "no value" (`is_missing`, nulls
    too), so NaN without `absent` is a text that is not a number.

    Column-wise as far as `NumberText` and `missing` go; the distinct texts left (unusual ones,
    and those that are not numbers but have no letter `NEVER_IN_NUMBERS` names) are read one by
    one with `parse_number`."""
    values, read = reading.numbers(decimal)
    strings = reading.strings
    absent = to_numpy_bool(pc.is_null(strings)) if strings.null_count else np.zeros(
        len(values), dtype=bool)
    at = reading.rest_at[~read[reading.rest_at]]
    if not len(at):
        return values, absent
    values = values.copy()
    text = strings.take(pa.array(at))
    gone = missing(text)
    absent[at[gone]] = True
    maybe = ~gone & ~to_numpy_bool(pc.match_substring_regex(text, NEVER_IN_NUMBERS))
    if maybe.any() and reading.cleaned is not None and len(reading.cleaned):
        maybe &= ~_never_numbers(reading, read, decimal)[at]
    other = maybe & ~to_numpy_bool(pc.string_is_ascii(text))
    if other.any():
        found, done = _normalized(text.filter(pa.array(other)), decimal)
        where = np.flatnonzero(other)
        values[at[where[done]]] = found[done]
        maybe[where[done]] = False
    if not maybe.any():
        return values, absent
    at, text = at[maybe], text.filter(pa.array(maybe))
    encoded = pc.dictionary_encode(text)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    found = np.full(len(encoded.dictionary), np.nan)
    blank = np.zeros(len(found), dtype=bool)
    for k, value in enumerate(encoded.dictionary.to_pylist()):
        try:
            found[k] = parse_number(value, decimal)
        except NotANumber:
            continue
        blank[k] = math.isnan(found[k])
    values[at] = found[codes]
    absent[at] |= blank[codes]
    return values, absent


def _never_numbers(reading: NumberText, read: np.ndarray, decimal: str) -> np.ndarray:
    """True at the ASCII cleanable cells left unread whose cleaned text is not `PLAIN` (so that
    `float` cannot read it either: they are not numbers); the others left unread may still be
    numbers beyond float's range, or missing values ("–")."""
    left = ~read[reading.cleanable_at]
    at = reading.cleanable_at[left]
    out = np.zeros(len(read), dtype=bool)
    if len(at):
        plain = to_numpy_bool(pc.match_substring_regex(
            reading.cast_text(decimal).filter(pa.array(left)), PLAIN))
        ascii_ = to_numpy_bool(pc.string_is_ascii(reading.strings.take(pa.array(at))))
        out[at[ascii_ & ~plain]] = True
    return out


def _normalized(text: pa.Array, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, done) of texts read column-wise after NFKC, which `parse_number` applies first
    (Unicode digits, full-width signs): done where the text is a finite number (its value) or
    certainly not a number (NaN); the others are left to `parse_number`."""
    norm = as_array(pc.utf8_normalize(text, form="NFKC"))
    reading = number_text(norm)
    values, read = reading.numbers(decimal)
    never = to_numpy_bool(pc.match_substring_regex(norm, NEVER_IN_NUMBERS))
    if reading.cleaned is not None and len(reading.cleaned):
        never |= _never_numbers(reading, read, decimal)
    return values, read | (never & ~missing(norm))


def percent_only(strings: pa.Array, probe: int = 1024) -> bool:
    """True when some text cell is not blank and every such cell ends with "%" once stripped."""
    def verdict(part: pa.Array) -> tuple[bool, bool]:
        """(a cell is not blank, a cell is not blank and does not end with "%")."""
        plain_pct = pc.fill_null(pc.ends_with(part, "%"), False)
        some = bool(pc.any(plain_pct).as_py())
        part = part.filter(pc.invert(plain_pct))
        if not len(part):
            return some, False
        blank = to_numpy_bool(pc.match_substring_regex(part, f"^[{WHITESPACE_CLASS}]*$"))
        text = ~blank & ~to_numpy_bool(pc.is_null(part))
        pct = to_numpy_bool(pc.match_substring_regex(part, f"%[{WHITESPACE_CLASS}]*$"))
        return some or bool(text.any()), bool((text & ~pct).any())

    if len(strings) > probe:
        _, other = verdict(strings.slice(0, probe))
        if other:
            return False
    some, other = verdict(strings)
    return some and not other


def numeric_share(values: pd.Series) -> float:
    """The share of the non-missing cells that read as numbers with the column's own decimal
    mark (0 when all are missing): `count_numbers(values, detect_decimal(values))`,
    column-wise."""
    cells = text_cells(values)
    reading = number_text(cells.strings)
    decimal = decimal_mark([reading])
    _, read = reading.numbers(decimal)
    good = total = int(read.sum())
    left = [*cells.other_values]
    if len(reading.rest_at):
        text = cells.strings.take(pa.array(reading.rest_at))
        rest = ~read[reading.rest_at]
        gone = missing(text)
        never = to_numpy_bool(pc.match_substring_regex(text, NEVER_IN_NUMBERS)) & ~gone
        total += int((never & rest).sum())
        left += text.filter(pa.array(rest & ~gone & ~never)).to_pylist()
    more_total, more_good = count_numbers(left, decimal)
    total, good = total + more_total, good + more_good
    return good / total if total else 0.0
