"""lib/core/text.py: a name written into Markdown shows literally, on one line, and never as a link."""

from __future__ import annotations

import re

import pytest

from lib.core.text import WORD_JOINER, escape_markdown
from tests.hostile_names import GFM_LINK_LITERALS, readable, resolved

LINK_NAMES = ["https://evil.example/x", "www.evil.com", "a@b.co", "WWW.EVIL.COM",
              "mailto:c@d.org", "http://x.example/a_b?c=d", "x-www.evil.com", "ftp://e.example",
              "see https://evil.example and www.b.org or a.b+c@d.e.f"]


def test_the_pattern_finds_the_links_it_should():
    assert len(GFM_LINK_LITERALS.findall(" ".join(LINK_NAMES[:3]))) == 3


@pytest.mark.parametrize("name", LINK_NAMES)
def test_a_link_like_name_reads_the_same_and_is_no_link(name):
    shown = escape_markdown(name)
    assert GFM_LINK_LITERALS.search(resolved(shown)) is None
    assert readable(shown) == name


@pytest.mark.parametrize("name", [":material/home:", ":streamlit:", "Qwen:7b"])
def test_no_icon_shortcode_survives(name):
    shown = escape_markdown(name)
    assert not re.search(r":[\w/]", resolved(shown)) and readable(shown) == name


@pytest.mark.parametrize("name", ["GPT-4o", "Your data: results.csv", "Llama 3.1 (70B)", "Δ"])
def test_ordinary_names_get_no_word_joiner(name):
    assert WORD_JOINER not in escape_markdown(name) and readable(escape_markdown(name)) == name


@pytest.mark.parametrize("name,line", [("a\nb", "a b"), ("a\r\nb", "a b"), ("a\rb", "a b"),
                                       ("a\n\n# H", "a  # H")])
def test_every_line_break_becomes_a_space(name, line):
    shown = escape_markdown(name)
    assert "\n" not in shown and "\r" not in shown and readable(shown) == line


def test_unsafe_characters_become_the_replacement_character():
    assert readable(escape_markdown("A\x00B\x1fC\u2028D\ufffeE")) == "A\ufffdB\ufffdC\ufffdD\ufffdE"


@pytest.mark.parametrize("name", ["GPT-3.5", "Qwen2.5-72B", "Llama 3.1 (70B)", "CS-QA", "a=b",
                                  "v1.2+cu", "Claude 3.5 Sonnet!", "{x}", "a^2"])
def test_plain_names_stay_as_they_are(name):
    """Only what Markdown would read is escaped: a report reads well as plain text too."""
    assert escape_markdown(name) == name


@pytest.mark.parametrize("name", ["- item", "+ item", "  - item", "1. first", "12) twelfth",
                                  "---", "===", "= x"])
def test_what_markdown_reads_at_a_line_start_is_escaped_there(name):
    shown = escape_markdown(name)
    assert shown != name and readable(shown) == name
    assert re.match(r"^\s*(\d+\\[.)]|\\[-+=])", shown), shown
    assert escape_markdown("x " + name) == "x " + name.replace("\\", ""), "mid-line: plain"


@pytest.mark.parametrize("name", ["*a*", "_a_", "`a`", "[a](b)", "<b>", "a|b", "~~a~~", "$a$",
                                  "&amp;", "# a", "a #", "\\*"])
def test_what_markdown_reads_anywhere_is_escaped_everywhere(name):
    shown = escape_markdown("x " + name)
    assert readable(shown) == "x " + name
    unescaped = re.sub(r"\\.", "", shown)
    assert not set(unescaped) & set("*_`[]<>|~$&#\\"), shown
