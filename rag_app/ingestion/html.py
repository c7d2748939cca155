"""The main text of an HTML page, cut at its headings, with BeautifulSoup.

Navigation goes (`<nav>`, `<header>`, `<footer>`, tables of contents, "Next / Previous / Up"
bars, elements whose role, class or id says navigation), scripts and styles too. Inline elements
flow into their sentence (`must have <var>nargs</var> elements` stays one line), block elements
break lines, `<br>`-wrapped lines are joined like hard-wrapped text, `<pre>` keeps its lines, a table row becomes `cell | cell`. Each heading starts a
section whose heading path goes into the metadata; the page `<title>` goes there too, never into
the text. Measured against trafilatura and html2text on bench/realdocs (bench/quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag

from rag_app.ingestion.text import unwrap

_DROP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg", "template"]
_BR = "\u2028"  # a <br> inside a paragraph, kept apart from the markup's own line breaks
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {
    "p", "div", "section", "article", "main", "body", "blockquote", "ul", "ol", "dl", "dt", "dd", "li",
    "table", "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "address", "details", "summary",
    "fieldset", "center", "hr", "caption", "html",
}  # fmt: skip
_NAV_WORDS = {"nav", "navigation", "navbar", "navheader", "navfooter", "toc", "gtoc", "breadcrumb", "breadcrumbs"}
_NAV_WORDS |= {"sidebar", "menu", "header", "footer", "skip", "skiplink", "pagination", "contents"}
_NAV_TEXT = re.compile(r"^\s*(?:\[?(?:next|previous|prev|up|home|contents|index)\]?\s*[:|»«<>]).*", re.I | re.S)
_LINK_LISTS = {"ul", "ol", "dl", "table", "div", "p", "tr", "td"}
"""Where a Next/Previous bar or a table of contents (a block that is nearly all links) is looked for."""
_PROSE_CHARS = 2000
_SHORT = 300
_PERMALINKS = {"#", "¶", "§", "🔗"}
_CELL_BLOCKS = ["p", "div", "pre", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6"]


_STRINGS = (NavigableString, CData)
"""The strings `get_text()` joins (no comments, no doctype)."""


@dataclass(slots=True)
class _Text:
    """What navigation detection needs of a tag's `get_text()`, summed up from its children, so a
    page costs one pass however deeply it nests (asking each tag for its text is quadratic in depth)."""

    chars: int = 0
    solid: int = 0
    """Characters that are not white space."""
    lead: int = 0
    """White space before the first solid character (all of it when there is none); `trail` after the last."""
    trail: int = 0
    links: int = 0
    """`<a>` elements inside, and their solid characters and stripped length."""
    link_solid: int = 0
    link_stripped: int = 0
    short: str | None = ""
    """The text itself while it is short (under _SHORT characters), else None."""
    blocks: bool = False
    """Holds a block that keeps a table row from being one line (_CELL_BLOCKS)."""

    @property
    def stripped(self) -> int:
        """`len(get_text().strip())`."""
        return self.chars - self.lead - self.trail if self.solid else 0

    @classmethod
    def of_string(cls, text: str) -> _Text:
        solid = len("".join(text.split()))
        lead, trail = (len(text) - len(text.lstrip()), len(text) - len(text.rstrip())) if solid else (len(text),) * 2
        return cls(len(text), solid, lead, trail, short=text if len(text) < _SHORT else None)

    @classmethod
    def of_tag(cls, tag: Tag, known: dict[int, _Text]) -> _Text:
        """From the tag's children: strings, and tags whose `_Text` is in `known` (taken out of it)."""
        total = cls()
        parts = []
        for child in tag.contents:
            if isinstance(child, Tag):
                part = known.pop(id(child), None) or cls()
                if child.name == "a":
                    total.links += 1
                    total.link_solid += part.solid
                    total.link_stripped += part.stripped
                total.blocks = total.blocks or part.blocks or child.name in _CELL_BLOCKS
            elif type(child) in _STRINGS:
                part = cls.of_string(child)
            else:
                continue
            parts.append(part)
            total.chars += part.chars
            total.solid += part.solid
            total.links += part.links
            total.link_solid += part.link_solid
            total.link_stripped += part.link_stripped
        total.lead = _edge(parts, "lead")
        total.trail = _edge(reversed(parts), "trail")
        total.short = "".join(p.short or "" for p in parts) if total.chars < _SHORT else None
        return total


def _edge(parts: Iterable[_Text], side: str) -> int:
    """The white space at one end of the joined parts."""
    space = 0
    for part in parts:
        if part.solid:
            return space + getattr(part, side)
        space += part.chars
    return space


def _is_prose(text: _Text) -> bool:
    """Whether the tag holds a page's worth of text that is not links (a section whose id happens
    to be `contents`, as Sphinx names the section under a "Contents" heading)."""
    return text.solid - text.link_solid >= _PROSE_CHARS and text.link_solid < 0.3 * text.solid


def _is_navigation(tag: Tag, text: _Text) -> bool:
    """Whether the tag's role, id or class names navigation (unless it holds a page's worth of
    prose), or it is a short Next/Previous bar, or a list, table or division whose text is nearly
    all links (a table of contents)."""
    if tag.get("role") in ("navigation", "banner", "contentinfo", "search"):
        return not _is_prose(text)
    words = {str(tag.get("id", "")).lower()} | {str(c).lower() for c in tag.get("class") or []}
    if words & _NAV_WORDS or any(w.startswith(("nav-", "nav_", "toc-", "toc_", "skip-")) for w in words):
        return not _is_prose(text)
    if "navigation" in str(tag.get("summary", "")).lower():
        return True
    if tag.name not in _LINK_LISTS:
        return False
    if text.short is not None and _NAV_TEXT.match(text.short):
        return True
    return text.links >= 3 and text.link_stripped > 0.8 * text.solid


def _is_permalink(tag: Tag, text: _Text) -> bool:
    """An `<a>` that is only a `¶`, `#`, `§` or 🔗 (a heading's link to itself)."""
    return tag.name == "a" and 0 < text.stripped <= 2 and (text.short or tag.get_text()).strip() in _PERMALINKS


def _drop_navigation(soup: BeautifulSoup) -> set[int]:
    """Remove navigation and permalinks, innermost first (a menu goes before the layout table
    holding it); returns the ids of the table rows left that hold no block (one line each)."""
    tags = soup.find_all(True)
    known: dict[int, _Text] = {}
    rows: set[int] = set()
    for tag in reversed(tags):  # every tag comes after its descendants
        text = _Text.of_tag(tag, known)
        if _is_navigation(tag, text) or _is_permalink(tag, text):
            tag.decompose()
            continue
        known[id(tag)] = text
        if tag.name == "tr" and not text.blocks:
            rows.add(id(tag))
    return rows


def _clean(text: str) -> str:
    return " ".join(text.split())


class _Walker:
    """Collects (kind, level, text) blocks: kind is `h` (heading), `p` (a paragraph or row) or `pre`.

    Args:
        rows: ids of the table rows that become one `cell | cell` line.
    """

    def __init__(self, rows: set[int]) -> None:
        self.blocks: list[tuple[str, int, str]] = []
        self.line: list[str] = []
        self.prefix = ""
        self.rows = rows

    def flush(self) -> None:
        """End the paragraph being collected; its `<br>` lines are unwrapped like plain text."""
        lines = [_clean(line) for line in "".join(self.line).split(_BR)]
        text = unwrap("\n".join(lines)).strip() if len(lines) > 1 else lines[0]
        if text:
            self.blocks.append(("p", 0, self.prefix + text))
        self.line, self.prefix = [], ""

    def walk(self, node: Tag) -> None:
        """Collect the blocks below `node`, depth first with a stack of its own (no recursion
        limit, however deeply the page nests); a block element ends a paragraph where it starts and ends."""
        stack: list[tuple[Iterator[PageElement], bool]] = [(iter(node.children), False)]
        while stack:
            children, block = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if block:
                    self.flush()
            elif type(child) in _STRINGS:
                self.line.append(str(child))
            elif isinstance(child, Tag):
                inside = self.element(child)
                if inside is not None:
                    stack.append((iter(child.children), inside))

    def element(self, tag: Tag) -> bool | None:
        """Take in `tag`; returns None when its content is taken too, else whether it is a block to walk into."""
        name = tag.name
        if name in _HEADINGS:
            self.flush()
            text = _clean(tag.get_text(" "))
            if text:
                self.blocks.append(("h", _HEADINGS[name], text))
        elif name == "pre":
            self.flush()
            text = tag.get_text().strip("\n")
            if text.strip():
                self.blocks.append(("pre", 0, text))
        elif name == "tr" and id(tag) in self.rows:
            self.flush()
            cells = [_clean(cell.get_text(" ")) for cell in tag.find_all(["td", "th"], recursive=False)]
            self.line = [" | ".join(c for c in cells if c)]
            self.flush()
        elif name == "br":
            self.line.append(_BR)
        elif name in _BLOCKS or name in ("td", "th"):
            self.flush()
            if name == "li":
                self.prefix = "- "
            return True
        else:
            return False
        return None


def html_sections(html: str) -> tuple[str | None, list[tuple[list[str], str]]]:
    """The page title and its sections: (heading path, text that starts with the heading).

    Args:
        html: the page's markup.

    Returns:
        The `<title>` (None without one) and the sections in order; text before the first
        heading has an empty path.
    """
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag else None
    for tag in soup(["head", *_DROP]):
        tag.decompose()
    walker = _Walker(_drop_navigation(soup))
    walker.walk(soup)
    walker.flush()
    stack: list[tuple[int, str]] = []
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    for kind, level, text in walker.blocks:
        if kind == "h":
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, text)]
            sections.append(([t for _, t in stack], [text]))
        else:
            sections[-1][1].append(text)
    return title or None, [(path, "\n\n".join(body)) for path, body in sections if len(body) > (1 if path else 0)]
