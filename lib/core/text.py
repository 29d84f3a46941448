"""Showing user-supplied text safely: never as HTML, never as Markdown, never as a link."""

from __future__ import annotations

import re

from lib.core.textcells import scrub_text

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n]")
WORD_JOINER = "\u2060"
"""An invisible character that joins its neighbours (no space, no line break)."""
_JOINS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=[\w/])|(?=@)")
"""Where a renderer finds something in the text after escapes are resolved, so that a backslash
cannot stop it: GitHub-flavoured Markdown's bare links (`www.x`, `scheme://x`, `a@b.co`; in
remark-gfm for Streamlit, cmark-gfm on GitHub) and Streamlit's icons (`:material/name:`,
`:streamlit:`). A word joiner between `www` and `.`, after a colon that a letter, digit or `/`
follows, and before every `@` stops them all and stays invisible."""


def escape_markdown(text: object) -> str:
    """`text` for inside `st.markdown`, `st.caption`, labels, etc.: it shows literally, on one
    line, and never as a link or an icon. Unsafe characters become U+FFFD (`scrub_text`), every
    character Markdown would interpret is backslash-escaped, line breaks become spaces, and an
    invisible word joiner goes where a bare link or an icon would start (`_JOINS`)."""
    joined = _JOINS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", scrub_text(str(text))))
    return _MARKDOWN_SPECIALS.sub(r"\\\1", joined)
