"""What an upload is: its format (from its first bytes, then its name), its text encoding (and
its text, whole or converted to UTF-8 a piece at a time), and the file inside a gzip file
(unpacked in pieces, within the size limit)."""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Callable
from pathlib import PurePath

import numpy as np
import pyarrow as pa

from lib.ingest.problems import Kind, ReadError, clip
from lib.ingest.read.raw import Format, fail, size_phrase

JSON_LINES_EXTENSIONS = (".jsonl", ".ndjson")
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
GZIP_MAGIC = b"\x1f\x8b"
BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with a byte-order mark"
SAVE_AS_UTF8 = "Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
KNOWN_FORMATS = "CSV, TSV or other delimited text, JSON, JSON Lines, Parquet or Excel .xlsx"


def file_extension(file: str) -> str:
    """The file's extension, of the file inside for a gzip file ("a.tsv.gz" gives ".tsv")."""
    return PurePath(inner_name(file)).suffix.lower()


def sniff_format(data: bytes, file: str) -> Format:
    """The file's format, from its first bytes first and its name second."""
    ext = file_extension(file)
    if data.startswith(PARQUET_MAGIC):
        return Format.PARQUET
    if data.startswith(ZIP_MAGIC):
        if ext in (".ods", ".numbers", ".zip"):
            raise fail(Kind.UNSUPPORTED, f"{clip(ext)} files are not supported. Export the "
                       "sheet as CSV or Excel .xlsx and upload that.", file)
        return Format.EXCEL
    if data.startswith(OLE_MAGIC):
        raise fail(Kind.UNSUPPORTED, "This is an old Excel .xls workbook or a password-protected "
                   "one, which the app cannot open. Save it as .xlsx (without a password) or as "
                   "CSV and upload that.", file)
    if data.startswith(GZIP_MAGIC):  # `read_table` unpacks gzip before it asks
        raise fail(Kind.UNSUPPORTED, "This gzip file holds another gzip file. Unpack it and "
                   "upload the file inside.", file)
    if ext in JSON_LINES_EXTENSIONS:
        return Format.JSON_LINES
    if ext == ".json":
        return Format.JSON
    return Format.DELIMITED


GZIP_PIECE = 1 << 20
"""Compressed bytes handed to zlib at once while unpacking."""


def inner_name(file: str) -> str:
    """The name of the file inside a gzip file: "results.csv.gz" holds "results.csv"."""
    return file[:-3] if file.lower().endswith(".gz") else file


def gunzip(data: bytes, file: str, limit: int) -> bytes:
    """The bytes of a gzip file unpacked (all its members), or `ReadError` when they are not
    gzip or would be more than `limit` bytes: unpacking stops there, so a small file that
    unpacks to gigabytes costs no more than `limit`."""
    out = bytearray()
    rest = memoryview(data)
    try:
        while rest.nbytes and bytes(rest[:2]) == GZIP_MAGIC:
            unpack = zlib.decompressobj(wbits=31)
            while rest.nbytes and not unpack.eof:
                piece, rest = rest[:GZIP_PIECE], rest[GZIP_PIECE:]
                out += unpack.decompress(piece, limit + 1 - len(out))
                while unpack.unconsumed_tail and len(out) <= limit:
                    out += unpack.decompress(unpack.unconsumed_tail, limit + 1 - len(out))
                if len(out) > limit:
                    raise fail(Kind.TOO_LARGE, f"The gzip file unpacks to more than "
                               f"{size_phrase(limit)}, the limit for a file.", file)
            if not unpack.eof:
                raise fail(Kind.UNREADABLE, "The gzip file is cut short: its end is missing. "
                           "Upload the whole file, or the file inside it.", file)
            rest = memoryview(unpack.unused_data) if unpack.unused_data else rest
    except zlib.error:
        raise fail(Kind.UNREADABLE, "The gzip file is damaged and cannot be unpacked. Upload "
                   "the file inside it instead.", file) from None
    if rest.nbytes and any(bytes(rest)):
        raise fail(Kind.UNREADABLE, "The gzip file has data after its end that is not gzip. "
                   "Upload the file inside it instead.", file)
    return bytes(out)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes sit on one side of mostly-ASCII text, else None."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
                                "\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
"""Characters of the Unicode categories Cc, Cs and Co, but tab, carriage return and line feed."""


def looks_binary(text: str) -> bool:
    """True when more than 1 % of the first 10,000 characters are control characters."""
    sample = text[:10_000]
    if not sample:
        return False
    controls = len(CONTROL_CHARACTERS.findall(sample))
    return controls / len(sample) > 0.01


def is_utf8(data: bytes) -> bool:
    """True when `data` is valid UTF-8 (checked by Arrow, without decoding it in Python)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


WINDOWS_1252 = "Windows-1252 (Latin-1)"
UTF16_NO_BOM = "UTF-16 (no byte-order mark)"
WINDOWS_1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
"""The bytes that are no character in Windows-1252."""
TEXT_PIECE = 1 << 20
"""Bytes decoded at once when a file's text is converted to UTF-8 (`utf8_text`)."""


def text_encoding(data: bytes, file: str) -> tuple[str, str]:
    """The codec and the name of the file's text encoding (see `decode_text`), or `ReadError`.

    UTF-8 and Windows-1252 are checked here without decoding (their bytes then decode without
    error); an encoding named by a byte-order mark or by NUL bytes is checked as it is decoded.
    """
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            return codec, name
    if b"\x00" in data[:4096]:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise _binary(file)
        return codec, UTF16_NO_BOM
    if is_utf8(data):
        return "utf-8", UTF8
    found = [at for at in map(data.find, WINDOWS_1252_UNDEFINED) if at >= 0]
    if found:
        at = min(found)
        line = data.count(b"\n", 0, at) + 1
        raise fail(Kind.ENCODING, f"The file is neither UTF-8 nor Windows-1252 (Latin-1) "
                   f"text: it is not valid UTF-8, and byte 0x{data[at]:02x} (row {line:,}, "
                   f"position {at:,} of the file) is not a character in Windows-1252. "
                   f"{SAVE_AS_UTF8}", file)
    return "cp1252", WINDOWS_1252


def _not_valid(name: str, file: str) -> ReadError:
    """The error of bytes that do not decode in the encoding `name` said they were in."""
    if name == UTF16_NO_BOM:
        return fail(Kind.ENCODING, f"The file looks like UTF-16 but is not valid UTF-16. "
                    f"{SAVE_AS_UTF8}", file)
    return fail(Kind.ENCODING, f"The file starts with a {name} byte-order mark but its bytes "
                f"are not valid {name}. {SAVE_AS_UTF8}", file)


def _binary(file: str) -> ReadError:
    return fail(Kind.UNREADABLE, "The file holds binary data, not text, and is not a format "
                f"the app knows ({KNOWN_FORMATS}).", file)


C1_START, C1_BYTES = 0x80, 0x20
"""Bytes 0x80 to 0x9f: the only ones that Windows-1252 and Latin-1 decode differently."""
C1_CHECK = 16 << 20
"""Bytes looked at at once for those (the check's temporary arrays are that long)."""


def _latin1_alike(data: bytes | memoryview) -> bool:
    """True when `data` has no byte of 0x80 to 0x9f: as Windows-1252, it is then Latin-1 text,
    which Python decodes at a quarter of the cost, without a temporary second copy."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return not any(((codes[start:start + C1_CHECK] - C1_START) < C1_BYTES).any()
                   for start in range(0, len(codes), C1_CHECK))


def _decoder(codec: str) -> Callable[[bytes | memoryview, bool], str]:
    """decode(piece, last) of `codec`, for a text given in consecutive pieces."""
    decode = codecs.getincrementaldecoder(codec)().decode
    if codec != "cp1252":
        return decode
    return lambda piece, last: str(piece, "latin-1") if _latin1_alike(piece) else \
        decode(piece, last)


def decode_text(data: bytes, file: str) -> tuple[str, str]:
    """The file's text and the name of the encoding used.

    UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32 with a byte-order mark, UTF-16
    without one when its NUL bytes give it away, and Windows-1252 (a superset of the printable
    Latin-1) as a fallback. Binary data and text in none of these raise `ReadError`.
    """
    codec, name = text_encoding(data, file)
    if codec == "cp1252" and _latin1_alike(data):
        codec = "latin-1"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise _not_valid(name, file) from None
    if looks_binary(text):
        raise _binary(file)
    return text, name


def utf8_text(data: bytes, file: str) -> tuple[bytearray, str]:
    """The file's text as `decode_text` gives it, but encoded in UTF-8, and the name of the
    file's encoding. Converted `TEXT_PIECE` bytes at a time: besides the file and the result,
    only a piece of the text is held at once."""
    codec, name = text_encoding(data, file)
    decode = _decoder(codec)
    view = memoryview(data)
    out = bytearray()
    for start in range(0, len(data), TEXT_PIECE):
        try:
            text = decode(view[start:start + TEXT_PIECE], start + TEXT_PIECE >= len(data))
        except UnicodeDecodeError:
            raise _not_valid(name, file) from None
        if not start and looks_binary(text):  # its first 10,000 characters, as `decode_text`
            raise _binary(file)
        out += text.encode("utf-8")
    return out, name
