"""p-values for reading: three significant digits, or "< 0.001"."""

import math

import pytest

from lib.core.wording import P_FLOOR, p_value


@pytest.mark.parametrize("p,text", [
    (1e-11, "< 0.001"), (0.000999, "< 0.001"), (0.001, "0.001"), (0.0123456, "0.0123"),
    (0.04999, "0.05"), (0.5, "0.5"), (0.123456, "0.123"), (1.0, "1"),
])
def test_three_significant_digits_or_below_the_floor(p, text):
    assert p_value(p) == text


@pytest.mark.parametrize("p", [None, math.nan])
def test_a_missing_p_value_says_so(p):
    assert p_value(p) == "n/a"


def test_never_scientific_notation():
    for exponent in range(-12, 1):
        text = p_value(10.0 ** exponent)
        assert "e" not in text
        assert text.startswith("<") == (10.0 ** exponent < P_FLOOR)
