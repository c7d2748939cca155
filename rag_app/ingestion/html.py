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

from bs4 import BeautifulSoup, CData, NavigableString, Tag

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
_PERMALINKS = {"#", "¶", "§", "🔗"}
_CELL_BLOCKS = ["p", "div", "pre", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6"]


def _is_prose(tag: Tag) -> bool:
    """Whether the tag holds a page's worth of text that is not links (a section whose id happens
    to be `contents`, as Sphinx names the section under a "Contents" heading)."""
    text = len("".join(tag.get_text().split()))
    links = sum(len("".join(a.get_text().split())) for a in tag.find_all("a"))
    return text - links >= _PROSE_CHARS and links < 0.3 * text


def _is_navigation(tag: Tag) -> bool:
    """Whether the tag's role, id or class names navigation (unless it holds a page's worth of
    prose), or it is a short Next/Previous bar, or a list, table or division whose text is nearly
    all links (a table of contents)."""
    if tag.get("role") in ("navigation", "banner", "contentinfo", "search"):
        return not _is_prose(tag)
    words = {str(tag.get("id", "")).lower()} | {str(c).lower() for c in tag.get("class") or []}
    if words & _NAV_WORDS or any(w.startswith(("nav-", "nav_", "toc-", "toc_", "skip-")) for w in words):
        return not _is_prose(tag)
    if "navigation" in str(tag.get("summary", "")).lower():
        return True
    if tag.name not in _LINK_LISTS:
        return False
    text = tag.get_text()
    if len(text) < 300 and _NAV_TEXT.match(text):
        return True
    links = tag.find_all("a")
    return len(links) >= 3 and sum(len(a.get_text().strip()) for a in links) > 0.8 * len("".join(text.split()))


def _clean(text: str) -> str:
    return " ".join(text.split())


class _Walker:
    """Collects (kind, level, text) blocks: kind is `h` (heading), `p` (a paragraph or row) or `pre`."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int, str]] = []
        self.line: list[str] = []
        self.prefix = ""

    def flush(self) -> None:
        """End the paragraph being collected; its `<br>` lines are unwrapped like plain text."""
        lines = [_clean(line) for line in "".join(self.line).split(_BR)]
        text = unwrap("\n".join(lines)).strip() if len(lines) > 1 else lines[0]
        if text:
            self.blocks.append(("p", 0, self.prefix + text))
        self.line, self.prefix = [], ""

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if type(child) in (NavigableString, CData):
                self.line.append(str(child))
                continue
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag: Tag) -> None:
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
        elif name == "tr" and not tag.find(_CELL_BLOCKS):
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
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


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
    for tag in reversed(soup.find_all(True)):  # innermost first: a menu goes before the layout table holding it
        # `tag.decomposed` reads a missing `_decomposed` through Tag.__getattr__, a subtree search in
        # beautifulsoup4 4.15 (an epub chapter took 2.6 s); decompose() sets it in the instance dict.
        if tag.__dict__.get("_decomposed"):
            continue
        if _is_navigation(tag) or (tag.name == "a" and tag.get_text().strip() in _PERMALINKS):
            tag.decompose()
    walker = _Walker()
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
