"""Showing user-supplied text safely: never as HTML, never as Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^])")


def escape_markdown(text: object) -> str:
    """`text` with every character that Streamlit's Markdown would interpret backslash-escaped,
    so a name from a file shows literally inside `st.markdown`, `st.caption`, labels, etc."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text)).replace("\n", " ")
