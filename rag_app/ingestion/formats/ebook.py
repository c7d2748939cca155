"""EPUB e-books, read with ebooklib: the chapters in reading order (the spine), each an HTML page
read like any HTML file (rag_app.ingestion.html), its headings -> `section`."""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import section_docs
from rag_app.ingestion.formats.limits import MAX_PAGES, check_zip, skip


def load_epub(path: Path, source: str, depth: int) -> list[Document]:
    """An e-book as one document; each chapter's headings (or its title) give the sections."""
    check_zip(path)
    import ebooklib
    from ebooklib import epub

    from rag_app.ingestion.html import html_sections

    book = epub.read_epub(str(path), options={"ignore_ncx": True})
    titles = book.get_metadata("DC", "title")
    chapters = [book.get_item_with_id(item_id) for item_id, _ in book.spine]
    chapters = [c for c in chapters if c is not None and c.get_type() == ebooklib.ITEM_DOCUMENT]
    if len(chapters) > MAX_PAGES:
        raise skip(f"{len(chapters)} chapters, more than {MAX_PAGES}")
    sections: list[tuple[list[str], str]] = []
    for chapter in chapters:
        html = chapter.get_content().decode("utf-8", "replace")
        title, parts = html_sections(html)
        for heading_path, text in parts:
            sections.append((heading_path or ([title] if title else []), text))
    metadata = {"title": titles[0][0]} if titles and titles[0][0] else {}
    return section_docs(path, source, sections, **metadata)
