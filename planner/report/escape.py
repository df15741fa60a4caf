"""Text from a model or board file (tensor names, region names, descriptions) made safe for
the reports that a browser or a markdown renderer displays.

Names come from files people download, so they may hold control characters (NUL, BEL, CR,
terminal escapes), raw HTML (``<img onerror=...>``) or markdown links
(``[x](javascript:...)``). Control and unprintable characters are written as escapes
(``\\x00``) in every format; HTML gets its characters escaped; markdown gets ``<``, ``>``,
the ``](`` of links, backslashes and pipes neutralised, so a name is always shown as the text it
is and never becomes a link, HTML or a table cell of its own.
"""

from __future__ import annotations

import html

from planner.validate.refusal import escape as printable


def html_text(text: str, quote: bool = True) -> str:
    """``text`` for an HTML page (also inside attributes and SVG)."""
    return html.escape(printable(text), quote=quote)


#: Markdown characters that would start raw HTML or end a table cell.
_MARKDOWN = str.maketrans({"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;"})


def markdown_text(text: str) -> str:
    """``text`` as plain text inside markdown prose or a table cell (shapes keep their
    brackets: only ``](``, which makes a link, is broken up)."""
    return printable(text).translate(_MARKDOWN).replace("](", "]\\(")


__all__ = ["html_text", "markdown_text"]
