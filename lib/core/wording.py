"""Numbers and names as words: the small formatting shared by findings, claims and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Quote = Callable[[str], str]
"""How a name enters a sentence: `str` for plain text, `escape_markdown` for Markdown."""


def number(value: float, digits: int = 1) -> str:
    """`value` rounded to `digits` decimals, trailing zeros dropped ("18", "2.5", "0")."""
    text = f"{round(float(value), digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if float(text) == 0 else text


def signed(value: float, digits: int = 1) -> str:
    """`value` with its sign ("+18", "-24", "0"), rounded like `number`; a value that is not 0
    but rounds to 0 keeps its sign ("+0.0")."""
    if float(value) == 0.0:
        return "0"
    text = number(value, digits)
    if text == "0":
        return f"{float(value):+.{digits}f}"
    return text if text.startswith("-") else f"+{text}"


P_FLOOR = 0.001
"""p-values below this are written "< 0.001": more digits claim a precision a test does not
have."""


def p_value(p: float | None) -> str:
    """A p-value for reading: 3 significant digits ("0.0123", "0.5", "1"), "< 0.001" below
    `P_FLOOR`, "n/a" when missing."""
    if p is None or p != p:
        return "n/a"
    if float(p) < P_FLOOR:
        return f"< {P_FLOOR:g}"
    return f"{float(p):.3g}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 dataset', '3 datasets'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def percent(part: float, whole: float) -> str:
    """`part / whole` as a whole percentage, with one decimal where rounding would hide the side
    of 50% ("49.6%" rather than "50%")."""
    if whole == 0:
        return "n/a"
    share = 100.0 * part / whole
    half = 50.0
    rounded = f"{share:.0f}"
    return f"{share:.1f}%" if float(rounded) == half and share != half else f"{rounded}%"


def share_text(share: float) -> str:
    """A share in [0, 1] as a whole percentage ("80%")."""
    return percent(share, 1.0)


def names(items: Iterable[str], quote: Quote = str, conjunction: str = "and",
          limit: int | None = None) -> str:
    """Items joined for a sentence: "a", "a and b", "a, b and c"; each passed through `quote`.
    Beyond `limit` items: "a, b, c and 5 more"."""
    items = list(items)
    if not items:
        return "none"
    if limit is not None and len(items) > limit:
        shown = max(1, limit - 1)  # only the names shown are quoted: there may be 200,000
        return (f"{', '.join(quote(i) for i in items[:shown])} {conjunction} "
                f"{len(items) - shown:,} more")
    quoted = [quote(i) for i in items]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def count_of(part: int, whole: int) -> str:
    """"k of n"."""
    return f"{part} of {whole}"
