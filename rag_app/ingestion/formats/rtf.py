"""Rich Text Format (.rtf), reduced to its text with striprtf. striprtf drops footnotes, headers,
footers, comments and text boxes with the other RTF "destinations" (font tables, pictures); their
groups are turned into plain paragraphs first so that their text is kept."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.limits import skip

_KEPT = re.compile(rb"\{(?:\\\*)?\\(footnote|header[lrf]?|footer[lrf]?|annotation|dptxbxtext)(?![a-z])")


def load_rtf(path: Path, source: str, depth: int) -> list[Document]:
    """An RTF file's text, in one document."""
    from striprtf.striprtf import rtf_to_text

    data = path.read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise skip("not an RTF file (no {\\rtf header)")
    text = rtf_to_text(_KEPT.sub(rb"{\\par ", data).decode("latin-1"), errors="replace")
    return [Document(page_content=text, metadata={"source": source})]
