"""Cells of text handled column-wise with pyarrow.compute: the text cells of a column apart from
the others, blank cells, names as codes, and the unsafe characters that never belong in a name.

Each function gives, for every cell, exactly what the per-value rule gives (`str.strip`, the
name of a cell, `UNSAFE_CHARACTERS`): where a pattern cannot be decided column-wise with
certainty (unusual characters, cells that are not text), it hands those cells to the per-value
rule. Text cells travel as an Arrow string array (chunked as read, never copied into one piece)
with a null wherever the cell is something else (a number from JSON or Excel, None, NaN).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PY_WHITESPACE = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
"""Every character that Python's `str.strip()` removes."""
ASCII_WHITESPACE = "".join(ch for ch in PY_WHITESPACE if ch.isascii())
WHITESPACE_CLASS = "".join(f"\\x{{{ord(ch):x}}}" for ch in PY_WHITESPACE)
"""`PY_WHITESPACE` as the inside of an RE2 character class."""


def as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous Arrow array."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def to_numpy_bool(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean array as numpy, nulls read as False."""
    if mask.null_count:
        mask = pc.fill_null(mask, False)
    return as_array(mask).to_numpy(zero_copy_only=False)


Strings = pa.Array | pa.ChunkedArray
"""An Arrow string array, in one piece or in chunks."""


@dataclass(frozen=True)
class TextCells:
    """One column's cells: the text ones as Arrow strings (null elsewhere), the others as
    they are."""

    strings: Strings
    other_at: np.ndarray
    """Positions of the cells that are not text."""
    other_values: np.ndarray
    """Those cells' values (object)."""

    def __len__(self) -> int:
        return len(self.strings)


def _is_text_dtype(dtype: object) -> bool:
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype)
    return isinstance(dtype, pd.StringDtype)


def text_cells(values: pd.Series) -> TextCells:
    """`values` split into text cells (an Arrow string array) and the other cells."""
    dtype = values.dtype
    if _is_text_dtype(dtype) or (isinstance(dtype, pd.CategoricalDtype)
                                 and pd.api.types.infer_dtype(dtype.categories) == "string"):
        strings = pa.array(values, from_pandas=True)
        if pa.types.is_dictionary(strings.type):
            strings = as_array(strings).dictionary_decode()
        other_at = np.flatnonzero(to_numpy_bool(pc.is_null(strings))) if strings.null_count \
            else np.zeros(0, dtype=np.int64)
        return TextCells(strings, other_at, np.full(len(other_at), None, dtype=object))
    raw = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=False) in ("string", "empty"):
        return TextCells(pa.array(raw, type=pa.large_string()), np.zeros(0, dtype=np.int64),
                         np.zeros(0, dtype=object))
    is_text = np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=len(raw))
    strings = pa.array(np.where(is_text, raw, None), type=pa.large_string())
    other_at = np.flatnonzero(~is_text)
    return TextCells(strings, other_at, raw[other_at])


def stripped(strings: Strings) -> Strings:
    """`str.strip()` of every string (nulls stay null)."""
    return pc.utf8_trim(strings, characters=PY_WHITESPACE)


_STARTS_WHITESPACE = np.zeros(256, dtype=bool)
_STARTS_WHITESPACE[[ch.encode()[0] for ch in PY_WHITESPACE]] = True
"""First bytes (UTF-8) of the whitespace characters."""


def _buffers(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a string array, as numpy views."""
    _, offsets_buffer, data_buffer = strings.buffers()
    offset_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type, count=len(strings) + 1,
                            offset=strings.offset * np.dtype(offset_type).itemsize)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None and \
        data_buffer.size else np.zeros(1, dtype=np.uint8)
    return offsets, data


def last_bytes(strings: Strings, k: int) -> np.ndarray:
    """The last `k` (at most 4) bytes of each string packed in a uint32, the last byte lowest;
    missing bytes of shorter strings are 0."""
    if isinstance(strings, pa.ChunkedArray):
        parts = [last_bytes(chunk, k) for chunk in strings.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    offsets, data = _buffers(strings)
    ends = offsets[1:]
    lengths = ends - offsets[:-1]
    out = np.zeros(len(strings), dtype=np.uint32)
    for j in range(1, k + 1):
        byte = data[np.maximum(ends - j, 0)].astype(np.uint32)
        out |= np.where(lengths >= j, byte, 0) << (8 * (j - 1))
    return out


def _may_be_blank(strings: Strings) -> np.ndarray:
    """True where a string is null, empty, or starts with a byte that can begin whitespace."""
    if isinstance(strings, pa.ChunkedArray):
        parts = [_may_be_blank(chunk) for chunk in strings.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    offsets, data = _buffers(strings)
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    maybe = (offsets[1:] == offsets[:-1]) | _STARTS_WHITESPACE[first]
    if strings.null_count:
        maybe |= to_numpy_bool(pc.is_null(strings))
    return maybe


def blank(strings: Strings) -> np.ndarray:
    """True where the string is empty or only whitespace (`not s.strip()`), or null."""
    out = _may_be_blank(strings)
    if out.any():
        at = np.flatnonzero(out)
        candidates = as_array(strings).take(pa.array(at))
        out[at] = ~to_numpy_bool(pc.greater(pc.binary_length(stripped(candidates)), 0))
    return out


# --- codes: a column as distinct values and one code per cell -------------------------------------

@dataclass(frozen=True)
class Codes:
    """A column as its distinct values and, per cell, the position of its value among them."""

    codes: np.ndarray
    values: list
    source: pa.Array | None = None
    """The cells' own text when `values[codes]` is just that (every cell text, none changed)."""
    ordered: bool = False
    """True when `values` are in order of first appearance among the cells."""
    keys: list | None = None
    """Matching keys of `values`, when worked out ahead."""

    def at(self, positions: np.ndarray | None) -> np.ndarray:
        """The codes of the cells at `positions` (None: every cell)."""
        return self.codes if positions is None else self.codes[positions]


def _run_starts(strings: Strings) -> np.ndarray:
    """Positions where a run of equal strings starts (a null always starts one)."""
    n = len(strings)
    same = to_numpy_bool(pc.equal(strings.slice(1), strings.slice(0, n - 1))) if n > 1 else \
        np.zeros(0, dtype=bool)
    return np.concatenate([[0], np.flatnonzero(~same) + 1]) if n else np.zeros(0, np.int64)


def _dictionary(strings: Strings, probe: int = 1024) -> tuple[np.ndarray, pa.Array]:
    """(index of each string in the dictionary, -1 for null; the distinct strings, in order of
    first appearance). Runs of equal strings (a file sorted by model) are encoded once each."""
    if len(strings) > 4 * probe and len(_run_starts(strings.slice(0, probe))) < probe // 4:
        starts = _run_starts(strings)
        if len(starts) < len(strings) // 4:
            indices, dictionary = _encoded(strings.take(pa.array(starts)))
            return np.repeat(indices, np.diff(np.append(starts, len(strings)))), dictionary
    return _encoded(strings)


def _encoded(strings: Strings) -> tuple[np.ndarray, pa.Array]:
    """`_dictionary` by Arrow's hash encoder alone."""
    encoded = pc.dictionary_encode(strings)
    if isinstance(encoded, pa.ChunkedArray):
        # The chunks share one growing dictionary: the last holds every value.
        parts = encoded.chunks or [pa.DictionaryArray.from_arrays(
            pa.array([], pa.int32()), pa.array([], strings.type))]
        dictionary = max((c.dictionary for c in parts), key=len)
        indices = pa.chunked_array([c.indices for c in parts], type=parts[0].indices.type)
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return as_array(indices).to_numpy(zero_copy_only=False), dictionary


def _recode(parts: list[list], part_codes: list[np.ndarray],
            n: int, positions: list[np.ndarray]) -> Codes:
    """Codes for `n` cells from several groups of cells, each with its own list of values."""
    merged: dict = {}
    codes = np.empty(n, dtype=np.int64)
    for values, local, where in zip(parts, part_codes, positions):
        remap = np.fromiter((merged.setdefault(v, len(merged)) for v in values), dtype=np.int64,
                            count=len(values))
        codes[where] = remap[local] if len(values) else local
    return Codes(codes, list(merged))


def name_codes(values: pd.Series) -> Codes:
    """Each cell as a name: its text stripped, "" for None and NaN, `str(value)` stripped for
    anything else (the per-value rule of the validation)."""
    cells = text_cells(values)
    n = len(cells)
    indices, dictionary = _dictionary(cells.strings)
    names = stripped(dictionary)
    unchanged = bool(pc.all(pc.equal(names, dictionary)).as_py()) if len(dictionary) else False
    if unchanged:
        codes, distinct = indices, dictionary
    else:
        local, distinct = _dictionary(names)
        codes = local[indices] if len(dictionary) else np.zeros(n, dtype=np.int64)
    if not len(cells.other_at):
        return Codes(codes, distinct.to_pylist(), cells.strings if unchanged else None, True)
    others = [_name(v) for v in cells.other_values]
    is_text = np.ones(n, dtype=bool)
    is_text[cells.other_at] = False
    text_at = np.flatnonzero(is_text)
    return _recode([distinct.to_pylist(), others],
                   [codes[text_at], np.arange(len(others))], n, [text_at, cells.other_at])


def _name(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def mapped_codes(values: pd.Series, read: Callable[[object], object]) -> Codes:
    """Each cell through `read`, called once per distinct text and once per other cell."""
    cells = text_cells(values)
    n = len(cells)
    indices, dictionary = _dictionary(cells.strings)
    text_at = np.flatnonzero(indices >= 0)
    return _recode([[read(v) for v in dictionary.to_pylist()],
                    [read(v) for v in cells.other_values]],
                   [indices[text_at], np.arange(len(cells.other_at))], n,
                   [text_at, cells.other_at])


def first_seen(codes: np.ndarray) -> np.ndarray:
    """The distinct codes in order of first appearance."""
    return pd.unique(codes)


def string_column(values: list, codes: np.ndarray) -> pa.Array:
    """`values[code]` for each code, as an Arrow string array (None gives null)."""
    if len(values) == 1 and values[0] is not None:
        return constant_strings(values[0], len(codes))
    return pa.array(values, type=pa.large_string()).take(pa.array(codes))


def constant_strings(value: str, n: int) -> pa.Array:
    """`value` `n` times, as an Arrow string array (in Arrow's memory pool)."""
    return pc.fill_null(pa.nulls(n, pa.large_string()), value)


# --- characters that are never part of a name -----------------------------------------------------

REPLACEMENT_CHARACTER = "\ufffd"
"""What an unsafe character in a cell becomes (shown as �)."""
UNSAFE_CLASS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\x{2028}\\x{2029}\\x{fffe}\\x{ffff}"
"""The inside of an RE2 character class: control characters (C0 but tab, line feed and
carriage return; DEL; C1), the line and paragraph separators U+2028 and U+2029, and the
noncharacters U+FFFE and U+FFFF. None of them belongs in a model or dataset name: a renderer
(vl-convert) aborts the process on those XML 1.0 forbids, and Vega's expression parser (in the
browser too) rejects a chart whose sort order holds U+2028 or U+2029."""
UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
"""The same characters for Python strings, plus lone surrogates (JSON can spell them,
UTF-8 cannot hold them)."""


def scrub_text(value: str) -> str:
    """`value` with every unsafe character replaced by U+FFFD."""
    return UNSAFE_CHARACTERS.sub(REPLACEMENT_CHARACTER, value)


_UNSAFE_FIRST_BYTES = np.zeros(256, dtype=bool)
_UNSAFE_FIRST_BYTES[[*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xEF]] = True
"""Bytes that start an unsafe character in UTF-8 (and a few safe ones: 0xC2 and 0xEF also
start other characters of U+0080-U+00BF and U+F000-U+FFFF)."""


SCAN_BYTES = 1 << 20
"""Bytes compared at once when scanning a column (small enough to stay in the CPU cache)."""


def _may_be_unsafe(strings: Strings) -> np.ndarray:
    """True where a string holds a byte that can start an unsafe character (never a miss)."""
    if isinstance(strings, pa.ChunkedArray):
        parts = [_may_be_unsafe(chunk) for chunk in strings.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    out = np.zeros(len(strings), dtype=bool)
    if not len(strings):
        return out
    offsets, data = _buffers(strings)
    first, last = int(offsets[0]), int(offsets[-1])
    for start in range(first, last, SCAN_BYTES):
        piece = data[start:min(start + SCAN_BYTES, last)]
        # One comparison finds the bytes below 0x20 (wrapped round) and from 0x7F up.
        hits = np.flatnonzero((piece - np.uint8(0x20)) >= np.uint8(0x5F))
        if len(hits):
            hits = hits[_UNSAFE_FIRST_BYTES[piece[hits]]] + start
            out[np.searchsorted(offsets, hits, side="right") - 1] = True
    return out


def scrub_strings(strings: Strings) -> tuple[Strings, np.ndarray]:
    """Every unsafe character in an Arrow string array replaced by U+FFFD, and a boolean mask of
    the strings that held one (nulls stay null). Column-wise: the bytes are scanned once with
    numpy, only the few strings with a suspect byte go through the regular expression, and only
    the chunks holding one are copied."""
    if isinstance(strings, pa.ChunkedArray):
        parts = [scrub_strings(chunk) for chunk in strings.chunks]
        if not parts:
            return strings, np.zeros(0, dtype=bool)
        found = np.concatenate([mask for _, mask in parts])
        if not found.any():
            return strings, found
        return pa.chunked_array([chunk for chunk, _ in parts], strings.type), found
    found = _may_be_unsafe(strings)
    if not found.any():
        return strings, found
    at = np.flatnonzero(found)
    suspects = strings.take(pa.array(at))
    pattern = f"[{UNSAFE_CLASS}]"
    unsafe = to_numpy_bool(pc.match_substring_regex(suspects, pattern))
    found[:] = False
    found[at[unsafe]] = True
    if not unsafe.any():
        return strings, found
    replaced = pc.replace_substring_regex(suspects.filter(pa.array(unsafe)), pattern,
                                          REPLACEMENT_CHARACTER)
    return pc.replace_with_mask(strings, pa.array(found), replaced), found


def scrub_cells(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """`values` with every unsafe character in its text cells replaced by U+FFFD (the other
    cells as they are), and a boolean mask of the cells changed. Column-wise through
    `scrub_strings`; one value at a time only in a column holding text that Arrow cannot
    take (lone surrogates, which JSON can spell)."""
    try:
        cells = text_cells(values)
    except UnicodeEncodeError:
        return _scrub_each(values)
    scrubbed, found = scrub_strings(cells.strings)
    if not found.any():
        return values, found
    if _is_text_dtype(values.dtype):
        return pd.Series(scrubbed, index=values.index, name=values.name, dtype=values.dtype), found
    out = values.to_numpy(dtype=object, copy=True)
    at = np.flatnonzero(found)
    out[at] = as_array(scrubbed).take(pa.array(at)).to_pylist()
    return pd.Series(out, index=values.index, name=values.name, dtype=object), found


def _scrub_each(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """`scrub_cells` one value at a time."""
    out = values.to_numpy(dtype=object, copy=True)
    found = np.zeros(len(out), dtype=bool)
    for i, value in enumerate(out):
        if isinstance(value, str) and UNSAFE_CHARACTERS.search(value):
            out[i], found[i] = scrub_text(value), True
    return pd.Series(out, index=values.index, name=values.name, dtype=object), found
