"""Model families from names, and escaping of user text for Markdown."""

import re

import pytest

from lib.core.families import family_groups, parse_size, sibling, size_pairs
from lib.core.figure import figure_models
from lib.core.text import escape_markdown


def test_sizes_are_read_from_names():
    assert parse_size("LLaMA3.1-8B").size_b == 8
    assert parse_size("Qwen2.5-72B").family == parse_size("qwen2.5 7b").family
    assert parse_size("tiny-350M").size_b == pytest.approx(0.35)
    assert parse_size("GPT-4o") is None and parse_size("Claude3.5") is None


def test_figure_families_pair_the_two_sizes():
    models = list(figure_models())
    assert size_pairs(models) == [("LLaMA3.1-8B", "LLaMA3.1-70B"), ("Qwen2.5-7B", "Qwen2.5-72B")]
    assert sibling("LLaMA3.1-8B", models) == "LLaMA3.1-70B"
    assert sibling("Qwen2.5-72B", models) == "Qwen2.5-7B"
    assert sibling("QWQ-32B", models) is None  # alone in its family
    assert sibling("GPT-4o", models) is None


def test_nearest_size_is_the_sibling():
    models = ["Fam-1B", "Fam-8B", "Fam-70B"]
    assert sibling("Fam-8B", models) == "Fam-1B"
    assert sibling("Fam-70B", models) == "Fam-8B"
    assert [len(v) for v in family_groups(models).values()] == [3]


@pytest.mark.parametrize("raw", ["<img src=x onerror=alert(1)>", "**bold**", ":red[x]", "$x^2$",
                                 "[link](http://x)", "# head", "a_b_c"])
def test_escaped_text_has_no_active_markdown(raw):
    out = escape_markdown(raw)
    for ch in "<>*[]$#_":
        assert ch not in out.replace("\\" + ch, "")
    assert not re.search(r":[\w/]", out), "a colon before a word is joined, never an icon"
