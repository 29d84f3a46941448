"""Showing user-supplied text safely: never as HTML, never as Markdown, never as a link."""

from __future__ import annotations

import re

from lib.core.textcells import scrub_text

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]#|<>~$&])")
"""Characters Markdown (GitHub-flavoured, and Streamlit's: `$` for maths) may read anywhere in a
line: escapes, code, emphasis, links and images (`!`, `(` and `)` mean nothing without `[`),
headings' closing `#`, tables, HTML and autolinks, strikethrough, maths, entities."""
_LINE_START = re.compile(r"^(\s*)([-+=])|^(\s*\d+)([.)])")
"""What Markdown reads only at the start of a line, where the text may stand: a list item
(`-`, `+`, `1.`, `1)`), a rule or a heading underline (`---`, `===`). Elsewhere `-`, `.`, `+`,
`=` and `)` are plain text, and stay unescaped so that GPT-3.5 reads as GPT-3.5 in plain text
too."""
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
    """`text` for inside `st.markdown`, `st.caption`, labels, a Markdown report, etc.: it shows
    literally, on one line, and never as a link, an icon, HTML or formatting. Unsafe characters
    become U+FFFD (`scrub_text`), line breaks become spaces, every character Markdown would
    interpret where it stands is backslash-escaped (`_MARKDOWN_SPECIALS` anywhere,
    `_LINE_START` at the start) and no other, and an invisible word joiner goes where a bare
    link or an icon would start (`_JOINS`)."""
    joined = _JOINS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", scrub_text(str(text))))
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", joined)
    return _LINE_START.sub(lambda m: (f"{m[1]}\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"),
                           escaped, count=1)
