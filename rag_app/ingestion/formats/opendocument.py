"""OpenDocument text, spreadsheet and presentation (.odt, .ods, .odp), read with odfpy.

Text: headings -> `section`; paragraphs with their footnotes and comments, lists, tables as
`header: value` rows, then the master pages' headers and footers. Spreadsheet: sheet -> section,
rows as `header: value` text (the displayed values). Presentation: one document per slide
(`page`), its title as `section`, with its speaker notes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import Outline, section_docs, table_rows
from rag_app.ingestion.formats.limits import MAX_CELLS, MAX_PAGES, check_zip, read_member, skip
from rag_app.ingestion.formats.sheets import CellCounter

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"


def _open(path: Path):
    """The parsed document, after the archive checks (zip bomb, truncation, ODF encryption)."""
    check_zip(path)
    with zipfile.ZipFile(path) as archive:
        if "META-INF/manifest.xml" in archive.namelist() and b"encryption-data" in read_member(
            archive, "META-INF/manifest.xml"
        ):
            raise skip("encrypted document (password required)")
    from odf.opendocument import load

    try:
        return load(str(path))
    except KeyError as err:  # odfpy reads every file its manifest lists; some writers list missing ones
        raise _Unreadable from err
    except Exception as err:  # odfpy's defusedxml refuses any DTD, even the MathML one of a formula object
        if type(err).__name__ in ("ExternalReferenceForbidden", "DTDForbidden"):
            raise _Unreadable from err
        raise


class _Unreadable(Exception):
    """odfpy cannot open this package; its content.xml is read on its own instead."""


def _paragraphs(path: Path) -> list[tuple[list[str], str]]:
    """The headings and paragraphs of content.xml read directly, as sections (for packages odfpy refuses)."""
    from rag_app.ingestion.formats.common import local
    from rag_app.ingestion.formats.limits import parse_xml

    with zipfile.ZipFile(path) as archive:
        root = parse_xml(read_member(archive, "content.xml"))
    outline = Outline()
    for element in root.iter(f"{{{_TEXT}}}h", f"{{{_TEXT}}}p"):
        parent = element.getparent()
        while parent is not None and local(parent.tag) not in ("p", "h"):
            parent = parent.getparent()
        if parent is not None:  # a note's paragraph: read with the paragraph it is in
            continue
        text = "".join(element.itertext()).strip()
        if local(element.tag) == "h" and text:
            level = element.get(f"{{{_TEXT}}}outline-level") or "1"
            outline.heading(int(level) if level.isdigit() else 1, text)
        else:
            outline.text(text)
    return outline.sections()


def _text(element) -> str:
    from odf import teletype

    return teletype.extractText(element)


def _children(element) -> list:
    return [child for child in element.childNodes if child.nodeType == child.ELEMENT_NODE]


def load_odt(path: Path, source: str, depth: int) -> list[Document]:
    """An OpenDocument text as one document whose sections follow its headings."""
    try:
        document = _open(path)
    except _Unreadable:
        return section_docs(path, source, _paragraphs(path))
    outline = Outline()
    for kind, level, text in _blocks(document.text):
        if kind == "heading":
            outline.heading(level, text)
        else:
            outline.text(text)
    _headers_footers(document, outline)
    return section_docs(path, source, outline.sections())


def _headers_footers(document, outline: Outline) -> None:
    """The master pages' headers and footers, as sections `Header` and `Footer` of `outline`."""
    from odf.style import MasterPage

    for name, tag in (("Header", "header"), ("Footer", "footer")):
        texts: list[str] = []
        for page in document.masterstyles.getElementsByType(MasterPage):
            for part in _children(page):
                if part.qname in ((_STYLE, tag), (_STYLE, f"{tag}-left"), (_STYLE, f"{tag}-first")):
                    texts += [t for _, _, t in _blocks(part) if t not in texts]
        outline.part(name, texts)


def _blocks(element, level: int = 0) -> Iterator[tuple[str, int, str]]:
    """("heading", level, text), ("text", 0, text) for the blocks below `element`, in order."""
    if level > 100:
        raise skip("document nested too deeply")
    for child in _children(element):
        if child.qname == (_TEXT, "h"):
            outline = child.attributes.get((_TEXT, "outline-level"))
            text = _text(child).strip()
            if text:
                yield "heading", int(outline) if str(outline or "").isdigit() else 1, text
        elif child.qname == (_TEXT, "p"):
            yield "text", 0, _text(child)
        elif child.qname == (_TABLE, "table"):
            yield "text", 0, table_rows(_rows(child, CellCounter()))
        else:
            yield from _blocks(child, level + 1)


def _rows(table, counter: CellCounter) -> Iterator[list[str]]:
    """A table's rows as lists of cell text, with repeated rows and cells expanded while they hold text."""

    def cells(row) -> list[str]:
        values: list[str] = []
        for cell in _children(row):
            if cell.qname not in ((_TABLE, "table-cell"), (_TABLE, "covered-table-cell")):
                continue
            text = " ".join(_text(cell).split())
            repeat = int(cell.attributes.get((_TABLE, "number-columns-repeated")) or 1)
            values += [text] * (min(repeat, 1000) if text else min(repeat, 1))
        while values and not values[-1]:
            values.pop()
        return values

    def walk(element) -> Iterator[list[str]]:
        for child in _children(element):
            if child.qname == (_TABLE, "table-row"):
                values = cells(child)
                repeat = int(child.attributes.get((_TABLE, "number-rows-repeated")) or 1)
                for _ in range(min(repeat, MAX_CELLS) if values else 1):
                    yield values
            elif child.qname in ((_TABLE, "table-header-rows"), (_TABLE, "table-rows"), (_TABLE, "table-row-group")):
                yield from walk(child)

    yield from counter.rows(walk(table))


def load_ods(path: Path, source: str, depth: int) -> list[Document]:
    """An OpenDocument spreadsheet: sheet -> section, rows as `header: value` text."""
    try:
        document = _open(path)
    except _Unreadable:
        return section_docs(path, source, _paragraphs(path))
    counter = CellCounter()
    sections = []
    tables = [t for t in _children(document.spreadsheet) if t.qname == (_TABLE, "table")]
    if len(tables) > MAX_PAGES:
        raise skip(f"{len(tables)} sheets, more than {MAX_PAGES}")
    for table in tables:
        name = str(table.attributes.get((_TABLE, "name")) or "")
        text = table_rows(_rows(table, counter))
        if text:
            sections.append(([name] if name else [], f"{name}\n\n{text}" if name else text))
    outline = Outline()
    _headers_footers(document, outline)
    return section_docs(path, source, sections + outline.sections())


def load_odp(path: Path, source: str, depth: int) -> list[Document]:
    """One document per slide: its text, tables and speaker notes; `page` and `section` (its title)."""
    try:
        document = _open(path)
    except _Unreadable:
        return section_docs(path, source, _paragraphs(path))
    pages = [p for p in _children(document.presentation) if p.qname == (_DRAW, "page")]
    if len(pages) > MAX_PAGES:
        raise skip(f"{len(pages)} slides, more than {MAX_PAGES}")
    docs = []
    for number, page in enumerate(pages, start=1):
        title, texts, notes = "", [], []
        for child in _children(page):
            if child.qname == (_PRESENTATION, "notes"):
                notes += [t for _, _, t in _blocks(child)]
                continue
            blocks = [t for _, _, t in _blocks(child)]
            if child.attributes.get((_PRESENTATION, "class")) == "title" and not title:
                title = " ".join(" ".join(blocks).split())
            texts += blocks
        note = "\n".join(t for t in notes if t.strip())
        content = "\n\n".join([t for t in texts if t.strip()] + ([f"Notes: {note}"] if note else []))
        metadata = {"source": source, "page": number, **({"section": title} if title else {})}
        docs.append(Document(page_content=content, metadata=metadata))
    return docs
