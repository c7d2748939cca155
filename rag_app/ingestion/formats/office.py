"""Word (.docx) and PowerPoint (.pptx), read with python-docx and python-pptx.

Word: the body in order (headings -> `section`, tables as `header: value` rows, text boxes), then
footnotes, endnotes, comments, headers and footers as sections of their own. python-docx opens the
package and names the styles; the paragraphs' text is read from their XML so that text boxes, content
controls and hyperlinks are kept (python-docx's `paragraph.text` drops them; bench/formats.md).
PowerPoint: one document per slide, `page` = slide number, `section` = its title, with every text
frame, table, grouped shape, the speaker notes and the slide's comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import Outline, local, section_docs, table_rows
from rag_app.ingestion.formats.limits import MAX_PAGES, check_zip, parse_xml, skip

_HEADING = re.compile(r"^(?:heading|überschrift|titre|titolo|título)\s*(\d)$", re.IGNORECASE)
_PARTS = {
    "footnotes": "Footnotes",
    "endnotes": "Endnotes",
    "comments": "Comments",
    "header": "Header",
    "footer": "Footer",
    "diagramData": "Diagrams",
}


def load_docx(path: Path, source: str, depth: int) -> list[Document]:
    """A Word document as one document whose sections follow its headings."""
    check_zip(path)
    import docx

    document = docx.Document(str(path))
    styles = {style.style_id: (style.name or "") for style in document.styles}
    outline = Outline()
    for kind, level, text in _blocks(document.element.body, styles):
        if kind == "heading":
            outline.heading(level, text)
        else:
            outline.text(text)
    extra: dict[str, list[str]] = {}
    for rel in document.part.rels.values():
        kind = rel.reltype.rsplit("/", 1)[-1]
        if rel.is_external or kind not in _PARTS:
            continue
        texts = extra.setdefault(_PARTS[kind], [])
        root = parse_xml(rel.target_part.blob)
        found = (  # SmartArt keeps its text in DrawingML runs, the other parts in Word paragraphs
            [n.text for n in root.iter() if local(n.tag) == "t" and n.text]
            if kind == "diagramData"
            else [text for _, _, text in _blocks(root, styles)]
        )
        texts += [t for t in dict.fromkeys(found) if t not in texts]  # a header on every section is kept once
    for name in _PARTS.values():
        outline.part(name, extra.get(name, []))
    props = document.core_properties
    return section_docs(path, source, outline.sections(), **({"title": props.title} if props.title else {}))


def _blocks(element, styles: dict[str, str]) -> Iterator[tuple[str, int, str]]:
    """("heading", level, text), ("text", 0, text) for the paragraphs and tables below `element`, in order."""
    for child in element:
        tag = local(child.tag)
        if tag == "p":
            text = _paragraph_text(child)
            level = _heading_level(child, styles)
            if text.strip():
                yield ("heading", level, text.strip()) if level else ("text", 0, text)
            for box in child.iter(f"{{{_W}}}txbxContent"):
                if not _inside(box, child, "Fallback"):
                    yield from _blocks(box, styles)
        elif tag == "tbl":
            rows = []
            for row in child.iter(f"{{{_W}}}tr"):
                rows.append(
                    [
                        " ".join(_paragraph_text(p) for p in cell.iter(f"{{{_W}}}p")).strip()
                        for cell in row
                        if local(cell.tag) == "tc"
                    ]
                )
            yield ("text", 0, table_rows(rows))
        elif tag in (
            "sdt",
            "sdtContent",
            "customXml",
            "ftr",
            "hdr",
            "footnote",
            "endnote",
            "comment",
            "body",
            "smartTag",
        ):
            yield from _blocks(child, styles)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph_text(p) -> str:
    """A paragraph's text with tabs and breaks, leaving out text boxes (read as blocks of their own),
    the fallback copies of drawings and deleted text."""
    out = []
    for node in p.iter(f"{{{_W}}}t", f"{{{_W}}}tab", f"{{{_W}}}br", f"{{{_W}}}cr", f"{{{_W}}}noBreakHyphen"):
        if _inside(node, p, "txbxContent") or _inside(node, p, "Fallback"):
            continue
        name = local(node.tag)
        out.append(
            node.text or "" if name == "t" else "\t" if name == "tab" else "-" if name == "noBreakHyphen" else "\n"
        )
    return "".join(out)


def _inside(node, stop, name: str) -> bool:
    """Whether `node` lies inside an element called `name` below `stop`."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if local(parent.tag) == name:
            return True
        parent = parent.getparent()
    return False


def _heading_level(p, styles: dict[str, str]) -> int:
    """1-9 for a heading paragraph (by its style's name, or an outline level), 0 otherwise."""
    ppr = p.find(f"{{{_W}}}pPr")
    if ppr is None:
        return 0
    style = ppr.find(f"{{{_W}}}pStyle")
    if style is not None:
        name = styles.get(style.get(f"{{{_W}}}val"), style.get(f"{{{_W}}}val") or "")
        if name.lower() == "title":
            return 1
        match = _HEADING.match(name.strip())
        if match:
            return int(match.group(1))
    outline = ppr.find(f"{{{_W}}}outlineLvl")
    if outline is not None and (outline.get(f"{{{_W}}}val") or "").isdigit():
        level = int(outline.get(f"{{{_W}}}val")) + 1
        return level if level <= 9 else 0
    return 0


def load_pptx(path: Path, source: str, depth: int) -> list[Document]:
    """One document per slide: its text, tables, notes and comments; `page` and `section` (the title)."""
    check_zip(path)
    from pptx import Presentation

    presentation = Presentation(str(path))
    if len(presentation.slides) > MAX_PAGES:
        raise skip(f"{len(presentation.slides)} slides, more than {MAX_PAGES}")
    from pptx.enum.shapes import PP_PLACEHOLDER

    not_notes = (PP_PLACEHOLDER.SLIDE_IMAGE, PP_PLACEHOLDER.SLIDE_NUMBER)
    docs = []
    for number, slide in enumerate(presentation.slides, start=1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
        texts = [t for shape in slide.shapes for t in _shape_texts(shape)]
        if slide.has_notes_slide:  # the notes, and any other text on the notes page (its header, footer)
            notes = [
                t.strip()
                for shape in slide.notes_slide.shapes
                if not (shape.is_placeholder and shape.placeholder_format.type in not_notes)
                for t in _shape_texts(shape)
                if t.strip()
            ]
            if notes:
                texts.append("Notes: " + "\n".join(notes))
        for rel in slide.part.rels.values():
            kind = rel.reltype.rsplit("/", 1)[-1].lower()
            if not rel.is_external and ("comment" in kind or kind == "diagramdata"):  # comments, SmartArt text
                found = [
                    " ".join(n.text.split())
                    for n in parse_xml(rel.target_part.blob).iter()
                    if local(n.tag) in ("text", "t") and n.text
                ]
                texts.extend(f"Comment: {c}" if "comment" in kind else c for c in found if c)
        content = "\n\n".join(t for t in texts if t.strip())
        metadata = {"source": source, "page": number, **({"section": title} if title else {})}
        docs.append(Document(page_content=content, metadata=metadata))
    return docs


def _shape_texts(shape) -> Iterator[str]:
    """The text in one shape: its text frame, its table's rows, the shapes of a group."""
    from pptx.shapes.group import GroupShape

    if isinstance(shape, GroupShape):
        for inner in shape.shapes:
            yield from _shape_texts(inner)
        return
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        yield shape.text_frame.text
    if getattr(shape, "has_table", False) and shape.has_table:
        yield table_rows([[cell.text.strip() for cell in row.cells] for row in shape.table.rows])
    if getattr(shape, "has_chart", False) and shape.has_chart and shape.chart.has_title:
        yield shape.chart.chart_title.text_frame.text
