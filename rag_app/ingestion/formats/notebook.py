"""Jupyter notebooks (.ipynb), read with nbformat: markdown cells (their headings -> `section`),
code cells, and their outputs as text."""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import section_docs
from rag_app.ingestion.formats.limits import MAX_PAGES, skip


def load_ipynb(path: Path, source: str, depth: int) -> list[Document]:
    """A notebook as Markdown: its cells in order, code fenced, text outputs after their cell."""
    import nbformat

    from rag_app.ingestion.text import markdown_sections

    notebook = nbformat.reads(path.read_text(encoding="utf-8", errors="replace"), as_version=4)
    if len(notebook.cells) > MAX_PAGES * 10:
        raise skip(f"{len(notebook.cells)} cells, more than {MAX_PAGES * 10}")
    language = notebook.metadata.get("kernelspec", {}).get("language", "")
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code" and cell.source.strip():
            parts.append(f"```{language}\n{cell.source}\n```")
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain") or ""
                text = "".join(text) if isinstance(text, list) else text
                if text.strip():
                    parts.append(f"Output:\n{text.strip()}")
    return section_docs(path, source, markdown_sections("\n\n".join(parts)))
