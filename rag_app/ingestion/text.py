"""Clean plain text for retrieval and answers: hard-wrapped paragraphs joined, hyphenation at line
ends undone, Markdown cut at its headings, and a PDF's running headers, footers and
table-of-contents leaders dropped.

Written here, not taken from a library: the extractors on PyPI (trafilatura, html2text, pysbd)
work on HTML or on sentences, and none unwraps a licence text while keeping its centred title,
lists, tables and indented code lines as they are.
"""

from __future__ import annotations

import re
from collections import Counter

_LIST_ITEM = re.compile(r"^\s*(?:[-*+•◦‣]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\d+(?:\.\d+)+\.?)\s+\S")
_TABULAR = re.compile(r"\S {3,}\S|\||^\s*[-=+_*~.]{3,}\s*$|^\s*>")
_HYPHEN_END = re.compile(r"(?<=[a-z]{2})-$")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATX_START = re.compile(r"#{1,6}\s")
"""A line that `_ATX` matches: with no line break in it, one that starts like this."""
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]^]+\]:\s*<?\S+>?\s*(?:\"[^\"]*\")?\s*$")
_DOT_LEADER = re.compile(r"(?:\s?\.){4}\s*[0-9ivxlc]+\s*$", re.IGNORECASE)
"""A TOC entry's end; four dots, not four or more, find the same lines without quadratic backtracking."""
_DIGITS = re.compile(r"\d+")


def wrap_width(lines: list[str]) -> int:
    """The width the text was wrapped at: the 90th percentile of its non-blank line lengths."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if len(lengths) < 4:
        return 10**6  # too little text to tell: join nothing
    return max(40, lengths[int(0.9 * (len(lengths) - 1))])


def _keeps_line(line: str) -> bool:
    """A line that is not part of flowing text: a list item, a table row, a rule, a quote or code."""
    return bool(_LIST_ITEM.match(line) or _TABULAR.search(line))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


class _Line:
    """An output line, kept in pieces while hard-wrapped lines join it, so joining stays linear.

    Joining only ever looks at the line's start, its end, its length and whether its first
    piece is a table row, a rule or a quote: a joined line is none of those (neither piece was,
    and a join adds one space or removes a hyphen), so each is kept up to date without reading
    the whole line again.
    """

    __slots__ = ("pieces", "length", "indent", "tabular", "start", "end")

    def __init__(self, line: str) -> None:
        self.pieces = [line]
        self.length = len(line.strip())
        self.indent = _indent(line)
        self.tabular = bool(_TABULAR.search(line))
        self.start, self.end = line[:8], line[-8:]

    def join(self, tail: str) -> None:
        """Append `tail` (a stripped, non-empty line): after a space, or in place of the hyphen
        that split a word across the break."""
        whole = self.indent + self.length <= 8  # `start` holds the whole line
        if _HYPHEN_END.search(self.end) and tail[:1].islower():
            self.pieces[-1] = self.pieces[-1][:-1]
            start, end, self.length = self.start[:-1], self.end[:-1], self.length - 1
        else:
            start, end, tail = self.start, self.end, " " + tail
        if whole:
            self.start = (start + tail)[:8]
        self.end = (end + tail)[-8:]
        self.pieces.append(tail)
        self.length += len(tail)

    def text(self) -> str:
        return "".join(self.pieces)


def _joins(previous: _Line, line: str, width: int, markdown: bool) -> bool:
    """Whether `line` continues the hard-wrapped line `previous`."""
    return (
        (markdown or previous.length >= 0.6 * width)
        and not (previous.end.endswith(":") and not line.lstrip()[:1].islower())
        and _indent(line) < previous.indent + 4
        and not previous.tabular
        and not _keeps_line(line)
        and not _ATX_START.match(previous.start)
        and not _SETEXT.match(line)
    )


def unwrap(text: str, markdown: bool = False, width: int | None = None) -> str:
    """`text` with each hard-wrapped paragraph on one line.

    A line joins the one before it when that one was long (at least 60% of the wrap width, so it
    was wrapped, not ended; in Markdown any line of a paragraph) and does not end in a colon
    (unless the line goes on in lower case), and the line is not a list item (it may
    continue one), a table row, a rule, more deeply indented or code; a
    word hyphenated across the break is joined without its hyphen. Blank lines, short lines
    (titles, a paragraph's last line), lists, tables and fenced code stay as they are.
    Time is linear in the text's length, however long its paragraphs.

    Args:
        text: plain text or Markdown.
        markdown: the lines of a paragraph join whatever their length, and lines indented by
            four spaces after a blank line are code; in plain text indentation is only layout.
        width: the width the text was wrapped at (default: measured on `text`; a PDF page
            is measured with its whole document, `wrap_width`).

    Returns:
        The text with the same blank lines and fewer line breaks.
    """
    lines = text.expandtabs(8).splitlines()
    width = width or wrap_width(lines)
    out: list[_Line | str] = []  # a line that nothing can join stays a plain string
    in_fence = in_code = False
    previous_blank = True
    for raw in lines:
        line = raw.rstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append(_Line(line))
            previous_blank = False
            continue
        if in_fence:
            out.append(line)
            continue
        if not line.strip() or (markdown and _LINK_DEFINITION.match(line)):
            out.append("")  # a Markdown link definition (`[name]: https://…`) is markup, not text
            previous_blank, in_code = True, False
            continue
        if markdown and (in_code or previous_blank) and line.startswith("    ") and not _LIST_ITEM.match(line):
            out.append(_Line(line))
            in_code, previous_blank = True, False
            continue
        in_code = False
        last = out[-1] if out else None
        if not previous_blank and isinstance(last, _Line) and last.length and _joins(last, line, width, markdown):
            last.join(line.strip())
        else:
            out.append(_Line(line))
        previous_blank = False
    return "\n".join(line if isinstance(line, str) else line.text() for line in out)


def markdown_sections(text: str, atx: bool = True) -> list[tuple[list[str], str]]:
    """`text` cut at its headings: (heading path, the section's text starting with its heading).

    Args:
        text: Markdown or plain text.
        atx: `# Heading` lines are headings (Markdown); setext headings (a line underlined
            with `===` or `---`) always are.

    Returns:
        The sections in order; text before the first heading has an empty path.
    """
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None
        if not in_fence:
            match = _ATX.match(line) if atx else None
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if match:
                heading = (len(match.group(1)), match.group(2).strip())
            elif line.strip() and not _LIST_ITEM.match(line) and _SETEXT.match(nxt) and len(nxt.strip()) >= 3:
                heading = (1 if nxt.strip()[0] == "=" else 2, line.strip())
                i += 1
        if heading and heading[1]:
            level, title = heading
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            sections.append(([t for _, t in stack], [title]))
        else:
            sections[-1][1].append(line)
        i += 1
    found = []
    for path, body in sections:
        head, rest = (body[0], "\n".join(body[1:]).strip()) if path else ("", "\n".join(body).strip())
        if rest:
            found.append((path, f"{head}\n\n{rest}" if head else rest))
    return found


def strip_page_furniture(pages: list[str]) -> list[str]:
    """PDF page texts without the running headers and footers and the TOC dot leaders.

    One of the first or last two lines of a page is a running header or footer when it is
    short (80 characters at most) and, with its digits ignored, starts or ends at least half of
    the pages (of three or more); a line ending
    in a dot leader and a page number (`2.1 Naming . . . . 3`) is a table-of-contents entry.

    Args:
        pages: the text of each page, in order.

    Returns:
        The pages' texts, cleaned, in the same order.
    """

    def key(line: str) -> str:
        return _DIGITS.sub("#", " ".join(line.split())).lower()

    split = [page.splitlines() for page in pages]
    repeated: set[str] = set()
    if len(pages) >= 3:
        edges: Counter[str] = Counter()
        for lines in split:
            content = [line for line in lines if line.strip()]
            edges.update({key(line) for line in content[:2] + content[-2:] if len(line.strip()) <= 80})
        repeated = {k for k, n in edges.items() if n >= max(3, len(pages) / 2)}
    cleaned = []
    for lines in split:
        content = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(content[:2] + content[-2:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not (i in edge and key(line) in repeated) and not _DOT_LEADER.search(line)
        ]
        cleaned.append("\n".join(kept))
    return cleaned
