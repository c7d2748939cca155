"""Generic XML: the text of its elements, one line each, parsed without entity expansion or network
access and with a depth limit (rag_app.ingestion.formats.limits)."""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.limits import parse_xml


def load_xml(path: Path, source: str, depth: int) -> list[Document]:
    """An XML file's text content (element text and tails), one line per element that holds text."""
    root = parse_xml(path.read_bytes())
    lines = []
    for element in root.iter():
        for text in (element.text if isinstance(element.tag, str) else None, element.tail):
            if text and text.strip():
                lines.append(" ".join(text.split()))
    return [Document(page_content="\n".join(lines), metadata={"source": source})]
