"""lib/ingest/numbers.py: the rules that read a number or a missing value from text, one value at a
time and column-wise, checked on examples and as properties over seeded random cell texts."""

from __future__ import annotations

import math
import random
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lib.ingest.numbers import (INFINITY_TEXT, MINUS_SIGNS, MISSING_TEXT, UNITS, NotANumber,
                                column_numbers, count_numbers, decimal_mark, detect_decimal,
                                is_missing, missing, number_text, numeric_share, parse_number,
                                percent_only)

# --- examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,number", [
    ("5", 5.0), ("+5%", 5.0), ("-3.5", -3.5), ("−3.5", -3.5), ("– 2", -2.0), ("+12.5 pp", 12.5),
    (" 7 ", 7.0), ("1e-2", 0.01), ("２", 2.0), (3, 3.0), (2.5, 2.5), ("\u00a04\u00a0", 4.0),
    ("12PTS", 12.0), ("1 000", 1000.0),
])
def test_numbers_written_as_text(text: object, number: float) -> None:
    assert parse_number(text) == pytest.approx(number)


@pytest.mark.parametrize("text,number", [("3,5", 3.5), ("−0,25%", -0.25), ("1.234,5", 1234.5),
                                         ("7", 7.0)])
def test_decimal_comma(text: str, number: float) -> None:
    assert parse_number(text, decimal=",") == pytest.approx(number)


@pytest.mark.parametrize("text", ["inf", "-Infinity", "∞", math.inf,
                                  pytest.param(10**400, id="10**400"),
                                  pytest.param(-(10**400), id="-10**400")])
def test_infinity_is_read_so_that_it_can_be_reported(text: object) -> None:
    assert math.isinf(parse_number(text))


@pytest.mark.parametrize("text", ["", "  ", "NA", "n/a", "null", "None", "-", None, math.nan])
def test_missing_values_read_as_nan(text: object) -> None:
    assert is_missing(text)
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize("text", ["abc", "3,5", "5 points?", "1.2.3", True, "#DIV/0!"])
def test_non_numbers_raise(text: object) -> None:
    with pytest.raises(NotANumber):
        parse_number(text)


def test_detect_decimal() -> None:
    assert detect_decimal(["3,5", "-1,25", "4"]) == ","
    assert detect_decimal(["3,5", "1.5"]) == "."
    assert detect_decimal(["3", "4"]) == "."
    assert detect_decimal([1.5, "2,5"]) == ","


def test_the_usual_spellings_are_read_column_wise() -> None:
    usual = ["+5%", "−3.5", "– 2", "+12.5 pp", " 7 ", "1e-2", "\u00a04\u00a0", "12PTS",
             "-0.25%", "1 000"]
    values, read = number_text(pa.array(usual)).numbers(".")
    assert read.all()
    assert values.tolist() == [parse_number(t) for t in usual]
    commas = ["3,5", "-0,25%", "1.234,5", "−1,5", "12,0 pp", "0,5", "7", "3,", ",5"]
    values, read = number_text(pa.array(commas)).numbers(",")
    assert read.all()
    assert values.tolist() == [parse_number(t, ",") for t in commas]


def test_numeric_share_ignores_missing_values() -> None:
    assert numeric_share(pd.Series(["1", "", "x", "NA", "+2%"])) == pytest.approx(2 / 3)
    assert numeric_share(pd.Series(["", None], dtype=object)) == 0.0


@pytest.mark.parametrize("texts", [["5%", " 3 % ", ""], ["5%", "3"], ["", " "], ["5%\u3000"],
                                   ["x%", "%"], [None, "1%"]])
def test_percent_only(texts: list) -> None:
    strings = [t for t in texts if isinstance(t, str) and t.strip()]
    expected = bool(strings) and all(t.strip().endswith("%") for t in strings)
    assert percent_only(pa.array(texts, pa.string())) is expected


def test_column_numbers_tell_numbers_missing_values_and_other_text_apart() -> None:
    texts = [" 1 ", "−1", "n/a", "NA", "-", "—", "x", "inf", "2,5", None, "50%", "1e400",
             "+nan"]
    values, absent = column_numbers(number_text(pa.array(texts)), ",")
    assert values[[0, 1, 8, 10]].tolist() == [1.0, -1.0, 2.5, 50.0]
    assert math.isinf(values[7]) and math.isinf(values[11])
    assert absent.tolist() == [False, False, True, True, True, True, False, False, False, True,
                               False, False, True]
    assert np.isnan(values[absent]).all() and math.isnan(values[6])


# --- a generator of cell texts -------------------------------------------------------------------

PY_SPACES = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
"""Every character `str.strip` removes."""
SIGNS = ["", "", "+", "-", *MINUS_SIGNS]
UNIT_SPELLINGS = ["", "", "", *UNITS, "PP", "Pts", "PTS", " %", " pp", "\t%"]
UNICODE_DIGITS = ["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "൦൧൨൩൪൫൬൭൮൯"]
JUNK_ALPHABET = ("0123456789+-.,eE%pPtTsS naifINF∞_#/?()[]$€£'\"\t\u00a0\u3000\u2009\x00\x1f"
                 "\x85\u2028\ufffd\u0301ſK😀ß" + MINUS_SIGNS + "".join(UNICODE_DIGITS))


def random_case(rng: random.Random, text: str) -> str:
    return "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text)


def random_float(rng: random.Random) -> float:
    """A finite float of any magnitude, often a round one."""
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([0.0, -0.0, 1.0, 100.0, 0.5, 5e-324, sys.float_info.max])
    if roll < 0.4:
        return float(rng.randint(-10**6, 10**6))
    if roll < 0.7:
        return rng.uniform(-100, 100)
    return math.copysign(10 ** rng.uniform(-300, 300), rng.random() - 0.5)


def python_spelling(rng: random.Random, x: float) -> str:
    """`x` formatted by Python in one of its usual ways."""
    return rng.choice([repr, str, "{:.17g}".format, "{:e}".format, "{:.3E}".format,
                       "{:g}".format, lambda v: f"{v:.{rng.randint(0, 8)}f}"])(x)


def spelled_number(rng: random.Random) -> str:
    """A number in one of the spellings the app promises (it may still not be one: a sign
    before a sign, a unit after an exponent)."""
    text = python_spelling(rng, abs(random_float(rng)))
    if rng.random() < 0.2 and "e" not in text.lower():
        text = text.replace(".", ",")
    if rng.random() < 0.1:
        digits = rng.choice(UNICODE_DIGITS)
        text = "".join(digits[int(ch)] if ch.isdigit() else ch for ch in text)
    pad = lambda: rng.choice(["", "", " ", "\u00a0", "\t", "\u3000", "  "])  # noqa: E731
    return (pad() + rng.choice(SIGNS) + pad() + text + pad() + random_case(rng, rng.choice(
        UNIT_SPELLINGS)) + pad())


def missing_marker(rng: random.Random) -> str:
    """A text meaning "no value", in any case, between any spaces."""
    pad = lambda: "".join(rng.choice(PY_SPACES) for _ in range(rng.randint(0, 2)))  # noqa: E731
    return pad() + random_case(rng, rng.choice(sorted(MISSING_TEXT))) + pad()


def cell_text(rng: random.Random) -> str:
    """Any text a cell may hold."""
    roll = rng.random()
    if roll < 0.45:
        return spelled_number(rng)
    if roll < 0.55:
        return missing_marker(rng)
    if roll < 0.62:
        return rng.choice(SIGNS) + random_case(rng, rng.choice(sorted(INFINITY_TEXT)).lstrip(
            "+-")) + rng.choice(["", " ", "%"])
    if roll < 0.68:  # huge exponents and very long numbers
        return rng.choice([f"1e{rng.randint(300, 10**6)}", f"-2.5E-{rng.randint(300, 10**6)}",
                           "9" * rng.randint(300, 5000), "0." + "3" * rng.randint(20, 5000),
                           "1" + "0" * 400 + ".5e-400", "1e" + "9" * 50])
    if roll < 0.7:
        return "".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(1000, 20000)))
    return "".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(0, 8)))


def cell_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [cell_text(rng) for _ in range(n)]


def scalar(text: object, decimal: str) -> float | str:
    """`parse_number`, with "not a number" as a value."""
    try:
        return parse_number(text, decimal)
    except NotANumber:
        return "not a number"


def same(a: float, b: float) -> bool:
    """Equal floats, sign of zero included (NaN equals NaN)."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(
        1, b))


# --- properties ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(2))
def test_the_column_wise_reading_is_the_per_value_reading(seed: int) -> None:
    """Every cell the column-wise reader reads is what `parse_number` reads; the cells it leaves
    are exactly those `parse_number` does not read as a finite number, or unusual ones (not
    ASCII, or with characters beyond the usual spellings) that go to `parse_number` anyway."""
    texts = cell_texts(seed, 3000)
    reading = number_text(pa.array(texts))
    exotic = set(reading.rest_at.tolist()) - set(reading.cleanable_at.tolist())
    for decimal in (".", ","):
        values, read = reading.numbers(decimal)
        for i, text in enumerate(texts):
            expected = scalar(text, decimal)
            finite = isinstance(expected, float) and math.isfinite(expected)
            if read[i]:
                assert finite and same(values[i], expected), (text, values[i], expected)
            else:
                assert math.isnan(values[i])
                assert not (finite and i not in exotic), (text, expected)
    gone = missing(pa.array(texts))
    for text, flag in zip(texts, gone):
        assert flag == (text.isascii() and is_missing(text)), text


@pytest.mark.parametrize("seed", range(2))
def test_the_decimal_mark_is_found_alike_column_wise(seed: int) -> None:
    rng = random.Random(seed)
    pool = cell_texts(seed + 100, 2000)
    for _ in range(200):
        column = rng.sample(pool, rng.randint(0, 12))
        assert decimal_mark([number_text(pa.array(column, pa.string()))]) == detect_decimal(
            column), column


def test_the_numeric_share_is_the_per_value_share() -> None:
    rng = random.Random(0)
    pool = [*cell_texts(200, 1000), 3, 2.5, -1, math.nan, math.inf, None, True, 1e400]
    for _ in range(150):
        values = [rng.choice(pool) for _ in range(rng.randint(0, 40))]
        total, good = count_numbers(values, detect_decimal(values))
        expected = good / total if total else 0.0
        assert numeric_share(pd.Series(values, dtype=object)) == expected, values
        texts = [v for v in values if isinstance(v, str)]
        total, good = count_numbers(texts, detect_decimal(texts))
        assert numeric_share(pd.Series(texts, dtype="str")) == (good / total if total else 0.0)


@pytest.mark.parametrize("seed", range(3))
def test_a_number_formatted_by_python_reads_back_the_same(seed: int) -> None:
    rng = random.Random(seed)
    floats = [random_float(rng) for _ in range(3000)]
    for spell in (repr, "{:.17g}".format, "{:.17e}".format):
        texts = [spell(x) for x in floats]
        assert all(same(parse_number(t), x) for t, x in zip(texts, floats))
        values, read = number_text(pa.array(texts)).numbers(".")
        assert read.all() and all(same(v, x) for v, x in zip(values, floats))
    decorated, commas, expected = [], [], []
    for x in floats:
        text = python_spelling(rng, abs(x))
        number = float(text)
        sign = rng.choice(["-", *MINUS_SIGNS]) if math.copysign(1, x) < 0 else rng.choice(["", "+"])
        unit = rng.choice(UNIT_SPELLINGS)
        pad = rng.choice(["", " ", "\u00a0"])
        decorated.append(f"{pad}{sign}{text}{unit}{pad}")
        commas.append(decorated[-1].replace(".", ","))
        expected.append(-number if sign and sign != "+" else number)
    for texts, decimal in ((decorated, "."), (commas, ",")):
        assert all(same(parse_number(t, decimal), x) for t, x in zip(texts, expected))
        values, read = number_text(pa.array(texts)).numbers(decimal)
        assert all(same(v, x) for v, x, ok in zip(values, expected, read) if ok)
        assert read.mean() > 0.9


@pytest.mark.parametrize("seed", range(2))
def test_column_numbers_are_the_per_value_reading(seed: int) -> None:
    """`column_numbers` gives every cell what `parse_number` gives it (±inf included), NaN for
    text that is not a number, and marks as absent exactly the cells `parse_number` reads as
    NaN (missing values) and nulls."""
    texts = [*cell_texts(seed + 400, 3000), None, None, "\u3000-\u3000", " – ", "ｎａ", "－",
             "－1", "１.２.３", "１e999", "٣,٥", "ｘ1", "9" * 400, "1.2.3", "1e5e5"]
    random.Random(seed).shuffle(texts)
    reading = number_text(pa.array(texts, pa.string()))
    for decimal in (".", ",", decimal_mark([reading])):
        values, absent = column_numbers(reading, decimal)
        for text, value, gone in zip(texts, values.tolist(), absent.tolist()):
            expected = scalar(text, decimal)
            if expected == "not a number":
                assert math.isnan(value) and not gone, text
            else:
                assert same(value, expected) and gone == math.isnan(expected), (text, value)


def test_thousands_separators_with_a_decimal_comma() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        x = round(rng.uniform(-1e9, 1e9), 2)
        text = f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", rng.choice(".  "))
        assert parse_number(text, ",") == x, text


@pytest.mark.parametrize("seed", range(2))
def test_missing_markers_are_missing_whatever_their_case_and_spaces(seed: int) -> None:
    rng = random.Random(seed)
    texts = [missing_marker(rng) for _ in range(3000)]
    assert all(is_missing(t) and math.isnan(parse_number(t)) for t in texts)
    assert all(math.isnan(parse_number(t, ",")) for t in texts)
    assert count_numbers(texts) == (0, 0)
    assert numeric_share(pd.Series(texts)) == 0.0
    ascii_only = [t for t in texts if t.isascii()]
    assert missing(pa.array(ascii_only)).all()


def comma_number(rng: random.Random) -> str:
    return f"{rng.choice(SIGNS)}{rng.randint(0, 999)},{rng.randint(0, 99):02d}" + rng.choice(
        UNIT_SPELLINGS)


def dot_number(rng: random.Random) -> str:
    return rng.choice([f"{rng.uniform(-99, 99):.{rng.randint(1, 4)}f}", f"{rng.randint(0, 9)}.",
                       f".{rng.randint(0, 9)}", f"{rng.random():.2e}"]) + rng.choice(
        UNIT_SPELLINGS)


def neutral_text(rng: random.Random) -> str:
    """A cell that says nothing about the decimal mark."""
    return rng.choice([str(rng.randint(-999, 999)) + rng.choice(UNIT_SPELLINGS),
                       missing_marker(rng), "abc", "n.a.", "1,2,3", "1.2.3", "3,", ",5", "",
                       f"{rng.randint(1, 9)}e{rng.randint(0, 9)}", "inf", "−7"])


@pytest.mark.parametrize("seed", range(2))
def test_a_decimal_comma_only_when_the_evidence_says_so(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        n_comma, n_dot = rng.choice([0, 0, 1, 3]), rng.choice([0, 0, 1, 3])
        column = ([comma_number(rng) for _ in range(n_comma)] + [dot_number(rng) for _ in range(
            n_dot)] + [neutral_text(rng) for _ in range(rng.randint(0, 5))])
        rng.shuffle(column)
        expected = "," if n_comma and not n_dot else "."
        assert detect_decimal(column) == expected, column
        assert decimal_mark([number_text(pa.array(column, pa.string()))]) == expected, column


@pytest.mark.parametrize("seed", range(2))
def test_nothing_raises_but_not_a_number(seed: int) -> None:
    texts = cell_texts(seed + 300, 3000)
    others = [None, math.nan, pd.NA, True, np.float64(2.5), np.int64(3), b"1", 1e400, object()]
    for value in [*texts, *others]:
        for decimal in (".", ","):
            result = scalar(value, decimal)
            assert isinstance(result, float) or result == "not a number"
        is_missing(value)
    detect_decimal(texts + others)
    count_numbers(texts + others, ",")
    numeric_share(pd.Series(texts + others, dtype=object))
    reading = number_text(pa.array(texts + [None]))
    decimal_mark([reading])
    reading.numbers(",")
    missing(pa.array(texts))
    percent_only(pa.array(texts))
