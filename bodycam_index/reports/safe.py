"""Output safety for report cells: control characters made visible, long cells capped, Markdown escaped.

Values in a report come from files and CAD exports nobody vetted: a file name can carry an ESC/OSC sequence that
retitles or rewrites the auditor's terminal, a CAD field can carry HTML or a Markdown link. Every renderer passes
cell text through these functions.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidirectional overrides that can
#: reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: Characters that open emphasis, code, links, images or table columns inside a cell (line-start syntax such as
#: `#` or `-` cannot occur: a cell never starts a line).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~])")
TERMINAL_CELL_LIMIT = 200


def _show(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Control characters written as `\\x1b`-style escapes, so they are seen and never acted on."""
    return _CONTROL.sub(_show, text)


def cap(text: str, limit: int = TERMINAL_CELL_LIMIT) -> str:
    """At most `limit` characters; a longer cell says how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit:,} chars)"


def markdown_cell(text: str) -> str:
    """A table-cell-safe Markdown literal: no HTML, no links, no emphasis, no column break, one line."""
    text = visible(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
