"""Text in another encoding than UTF-8: its encoding found without decoding, converted to UTF-8 a
piece at a time (`lib.ingest.read.sniff.utf8_text`), read as the same table."""

from __future__ import annotations

import codecs
import tracemalloc

import pytest

from lib.ingest.problems import Kind, ReadError
from lib.ingest.read import sniff
from lib.ingest.read.raw import Format
from lib.ingest.read.sniff import decode_text, text_encoding, utf8_text
from lib.ingest.read.table import read_table

TEXT = ("model,dataset,delta\r\nCafé-7B,Über-Bench,1.5\nŽiga “quoted”,€-set — long,-2\n"
        "Ωmega,日本語,3\n")
"""Letters of Latin-1, of Windows-1252 only (“ ” € — Ž) and beyond both (Ω, 日本語)."""
WESTERN = TEXT.replace("Ωmega,日本語", "Omega,Nihongo")
"""The same, in Windows-1252's characters."""


def _encoded(name: str) -> bytes:
    if name == "utf-16-le, no byte-order mark":
        return TEXT.encode("utf-16-le")
    if name == "utf-16-be, no byte-order mark":
        return TEXT.encode("utf-16-be")
    if name == "cp1252":
        return WESTERN.encode("cp1252")
    if name == "latin-1":
        return WESTERN.replace("“", '"').replace("”", '"').replace("€", "E").replace(
            "—", "-").replace("Ž", "Z").encode("latin-1")
    return TEXT.encode(name)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le, no byte-order mark",
             "utf-16-be, no byte-order mark", "cp1252", "latin-1"]


@pytest.mark.parametrize("piece", [1, 3, 7, 1 << 20])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_utf8_text_is_the_decoded_text_in_utf8(monkeypatch, encoding: str, piece: int) -> None:
    """Whatever the pieces cut (inside a character of UTF-16 or UTF-32, between a byte of
    0x80-0x9f and the next), the bytes are those of `decode_text`'s text."""
    monkeypatch.setattr(sniff, "TEXT_PIECE", piece)
    data = _encoded(encoding)
    text, name = decode_text(data, "f.csv")
    converted, converted_name = utf8_text(data, "f.csv")
    assert converted.decode("utf-8") == text
    assert converted_name == name


def test_windows_1252_letters_are_not_read_as_latin_1() -> None:
    """Latin-1 is the shortcut only for bytes without 0x80-0x9f."""
    data = "€ “x” — Ž".encode("cp1252")
    assert decode_text(data, "f.csv")[0] == "€ “x” — Ž"
    assert utf8_text(data, "f.csv")[0].decode("utf-8") == "€ “x” — Ž"


def test_the_encoding_is_found_without_decoding(monkeypatch) -> None:
    """UTF-8 and Windows-1252 are told apart by checking the bytes (no failed decoding, which
    would hold the text and a copy of the bytes)."""
    calls: list[str] = []
    real = bytes.decode

    class Spy(bytes):
        def decode(self, *args, **kwargs):
            calls.append(args[0] if args else "utf-8")
            return real(self, *args, **kwargs)

    assert text_encoding(Spy(WESTERN.encode("cp1252")), "f.csv") == ("cp1252",
                                                                      sniff.WINDOWS_1252)
    assert text_encoding(Spy(TEXT.encode()), "f.csv") == ("utf-8", sniff.UTF8)
    assert calls == []


def test_an_undefined_windows_1252_byte_is_named_with_its_row_and_position() -> None:
    data = "model,dataset,delta\nCafé,x,1\n".encode("cp1252") + b"M\x9d,x,1\nN\x81,y,2\n"
    with pytest.raises(ReadError) as caught:
        read_table(data, "f.csv")
    problem, at = caught.value.problem, data.index(0x9D)
    assert problem.kind is Kind.ENCODING
    assert f"byte 0x9d (row 3, position {at:,} of the file)" in problem.message


def test_utf16_broken_in_a_later_piece_is_refused_with_its_encoding(monkeypatch) -> None:
    monkeypatch.setattr(sniff, "TEXT_PIECE", 16)
    data = codecs.BOM_UTF16_LE + "model,dataset,delta\nA,B,1\n".encode("utf-16-le") + \
        b"\x00\xd8a\x00"  # a high surrogate without its low one
    with pytest.raises(ReadError) as caught:
        read_table(data, "f.csv")
    assert caught.value.problem.kind is Kind.ENCODING
    assert "not valid UTF-16" in caught.value.problem.message


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_converted_file_is_read_as_the_same_table(encoding: str) -> None:
    utf8 = read_table(WESTERN.encode("utf-8"), "f.csv")
    other = read_table(WESTERN.encode(encoding), "f.csv")
    assert other.frame.equals(utf8.frame)
    assert other.notes[1:] == utf8.notes[1:]
    name = "UTF-16" if encoding == "utf-16" else sniff.WINDOWS_1252
    assert other.notes[0] == f"Text encoding: {name}."


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-16-le", "utf-32"])
def test_a_converted_file_takes_the_fast_path(monkeypatch, encoding: str) -> None:
    """UTF-16 without a byte-order mark too, although its ASCII text is valid UTF-8 (NUL
    bytes and all)."""
    import lib.ingest.read.table as table

    text = "model,dataset,delta\nA-7B,GSM8K,1.5\nB,MATH,-2\n"
    expected = read_table(text.encode(), "f.csv").frame

    def slow(*args: object, **kwargs: object) -> None:
        raise AssertionError("read by the slow reader")

    monkeypatch.setattr(table, "read_delimited", slow)
    assert read_table(text.encode(encoding), "f.csv").frame.equals(expected)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_converted_json_and_blank_text(encoding: str) -> None:
    """A .csv whose text starts with “[” after blank lines is JSON; blank text is empty."""
    raw = read_table('\r\n  \n[{"model": "Café", "dataset": "x", "delta": 1}]'.encode(encoding),
                     "f.csv")
    assert raw.format is Format.JSON
    assert raw.frame.loc[1, "model"] == "Café"
    with pytest.raises(ReadError) as caught:
        read_table(" \r\n\t\n\n".encode(encoding), "f.csv")
    assert caught.value.problem.kind is Kind.EMPTY_FILE


def test_the_whole_text_is_never_held_beside_the_converted_bytes() -> None:
    """Python's allocations while a 4 MB Windows-1252 file is converted: the result and a
    piece, not the text as well (which would be twice the file)."""
    data = ("model,dataset,delta\n" + "Café-model,set,1.25\n" * 200_000).encode("cp1252")
    tracemalloc.start()
    try:
        converted, _ = utf8_text(data, "f.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(converted) > len(data)
    assert peak < 1.5 * len(converted)
