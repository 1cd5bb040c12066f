"""A tiny document model (headings, paragraphs, lists, tables, images) rendered to Markdown and HTML.

Every piece of text in a document is plain text, whoever wrote it: the report's own sentences,
scenario names and descriptions from a user's file, arm names. Each renderer escapes it for its
format (``html.escape`` for HTML, :func:`escape_markdown` for Markdown), so a scenario called
``evil*_[x](http://a)|<b>`` reads as exactly that in both files and never becomes a link, a tag,
emphasis or a broken table. The HTML is self-contained (inline style, images given to :meth:`Document.html` embedded as
data URIs, no internet needed).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

# Characters that can start inline markup anywhere in a line (CommonMark and GitHub's extensions:
# emphasis, code, links and images, raw HTML and autolinks, table cells, strikethrough, math,
# entity references, headings' closing sequences) and the backslash itself.
_ALWAYS = set("\\`*[]<|~$&#")
# Characters that start a block when they open a line: quotes, lists, setext and thematic rules.
_LINE_START = re.compile(r"^(\s*)([>+=-]|\d+[.)])")


def escape_markdown(text: str, line_start: bool = True) -> str:
    """``text`` as Markdown that renders as exactly ``text`` (line breaks become spaces).

    Backslash escapes, added only where a character could become markup, so ordinary prose stays
    readable: ``_`` between two letters or digits cannot start emphasis and is left alone (arm
    names such as ``learning_space`` stay greppable), and ``(`` only matters right after ``]``.
    ``line_start``: the text opens a line (a paragraph, a list item), where ``- ``, ``> `` or
    ``1. `` would start a block; not so in a table cell or after a heading's ``#``.
    """
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text))
    out = []
    for i, char in enumerate(text):
        if char in _ALWAYS:
            out.append("\\" + char)
        elif char == "_":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif char == "(" and i and text[i - 1] == "]":
            out.append("\\(")
        else:
            out.append(char)
    escaped = "".join(out)
    match = _LINE_START.match(escaped) if line_start else None
    if match:  # "- x", "+ x", "> x", "1. x" would open a list, a quote or a heading rule
        marker = match.group(2)
        escaped = f"{match.group(1)}{marker[:-1]}\\{marker[-1]}{escaped[match.end():]}"
    return escaped


@dataclass
class Block:
    kind: str          # "h1", "h2", "p", "ul", "table", "img"
    content: object    # text, list of items, (header, rows) or (header, rows, numbers), or (file, caption)


class Document:
    """A title and blocks of plain text, rendered to Markdown or to self-contained HTML."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: list[Block] = [Block("h1", title)]

    def add(self, kind: str, content) -> None:
        self.blocks.append(Block(kind, content))

    def markdown(self) -> str:
        e = escape_markdown

        def inline(text) -> str:
            return escape_markdown(text, line_start=False)

        parts = []
        for b in self.blocks:
            if b.kind == "h1":
                parts.append(f"# {inline(b.content)}")
            elif b.kind == "h2":
                parts.append(f"## {inline(b.content)}")
            elif b.kind == "p":
                parts.append(e(b.content))
            elif b.kind == "ul":
                parts.append("\n".join(f"- {e(item)}" for item in b.content))
            elif b.kind == "table":
                header, rows = b.content[:2]
                lines = ["| " + " | ".join(inline(h) for h in header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(inline(c) for c in row) + " |" for row in rows]
                parts.append("\n".join(lines))
            elif b.kind == "img":
                name, caption = b.content
                parts.append(f"![{inline(caption)}]({name})\n\n*{inline(caption)}*")  # our file names
        return "\n\n".join(parts) + "\n"

    def html(self, images: Mapping[str, bytes] | None = None) -> str:
        """The document as one HTML page.

        ``images`` maps an image block's file name to its PNG bytes: those images are embedded as
        ``data:image/png;base64,`` URIs, so the page is one file that can be sent on its own. An
        image not in ``images`` is linked by its file name. A table given as ``(header, rows,
        True)`` holds numbers with intervals: its cells do not wrap, and it scrolls sideways when
        it is wider than the page.
        """
        images = images or {}
        e = html.escape
        body = []
        for b in self.blocks:
            if b.kind in ("h1", "h2"):
                body.append(f"<{b.kind}>{e(str(b.content))}</{b.kind}>")
            elif b.kind == "p":
                body.append(f"<p>{e(str(b.content))}</p>")
            elif b.kind == "ul":
                body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in b.content) + "</ul>")
            elif b.kind == "table":
                header, rows = b.content[:2]
                numbers = len(b.content) > 2 and b.content[2]
                head = "".join(f"<th>{e(h)}</th>" for h in header)
                cells = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
                table = f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
                if numbers:
                    table = f'<div class="numbers">{table}</div>'
                body.append(table)
            elif b.kind == "img":
                name, caption = b.content
                data = images.get(name)
                src = f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" if data else e(name)
                body.append(f'<figure><img src="{src}" alt="{e(caption)}"><figcaption>{e(caption)}'
                            f"</figcaption></figure>")
        return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{e(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
                + "\n".join(body) + "\n</body>\n</html>\n")


CSS = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
       "line-height:1.45;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:0.9em}"
       "th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:right}"
       "th:first-child,td:first-child{text-align:left}thead{background:#f3f3f3}"
       "figure{margin:1.5em 0}img{max-width:100%;height:auto}figcaption{color:#555;font-size:0.9em}"
       ".numbers{overflow-x:auto;max-width:100%}.numbers table{margin:0}.numbers td{white-space:nowrap}"
       ".numbers{margin:1em 0}")
