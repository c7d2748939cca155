"""Manual pages (roff sources such as `xz.1`), rendered to text by groff (Debian's `groff-base`) as
`man` shows them; the page's sections (NAME, SYNOPSIS, …) -> `section`."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import Outline, section_docs
from rag_app.ingestion.formats.tools import run_tool

_SECTION = re.compile(r"^[A-Z][A-Z0-9 ,/&()-]{1,60}$")


def load_man(path: Path, source: str, depth: int) -> list[Document]:
    """A man page as text, cut at its section headings."""
    command = ["groff", "-t", "-mandoc", "-Tutf8", "-P", "-cbou", "-rLL=200n", "-rHY=0", str(path)]
    text = run_tool(command, "groff-base", "rendering man pages")
    outline = Outline()
    paragraph: list[str] = []
    for line in text.splitlines():
        if _SECTION.match(line):
            outline.text("\n".join(paragraph))
            paragraph = []
            outline.heading(1, line.strip())
        elif line.strip():
            paragraph.append(line.strip())
        else:
            outline.text("\n".join(paragraph))
            paragraph = []
    outline.text("\n".join(paragraph))
    return section_docs(path, source, outline.sections())
