"""Helpers the format loaders share: a heading outline, tables as `header: value` rows, documents."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from langchain_core.documents import Document


class Outline:
    """A document's text cut at its headings, as `(heading path, text starting with its heading)`."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self._sections: list[tuple[list[str], list[str]]] = [([], [])]

    def heading(self, level: int, text: str) -> None:
        """Start a section under heading `text` at `level` (1 = top)."""
        self._stack = [(lvl, t) for lvl, t in self._stack if lvl < level] + [(level, text)]
        self._sections.append(([t for _, t in self._stack], [text]))

    def text(self, text: str) -> None:
        """Add a block of text to the current section (blank text is dropped)."""
        if text.strip():
            self._sections[-1][1].append(text.strip())

    def part(self, name: str, texts: Iterable[str]) -> None:
        """A section of its own at the end, such as `Footnotes` or `Header`, when any of `texts` has words."""
        body = [t.strip() for t in texts if t.strip()]
        if body:
            self._stack = []
            self._sections.append(([name], [name, *body]))

    def sections(self) -> list[tuple[list[str], str]]:
        """The sections with any text (a heading followed at once by a subheading is kept: its words count)."""
        return [(path, "\n\n".join(body)) for path, body in self._sections if body]


def section_docs(path: Path, source: str, sections: list[tuple[list[str], str]], **metadata: str) -> list[Document]:
    """One document of `sections`, with their offsets for the splitter (rag_app.ingestion.loaders)."""
    from rag_app.ingestion.loaders import SourceFile, _section_docs

    return _section_docs(SourceFile(path, source), sections, **metadata)


def cell_text(value: object) -> str:
    """A cell's value as a person reads it: `3` for 3.0, dates without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text[:-9] if text.endswith(" 00:00:00") else text.strip()


def table_rows(rows: Iterable[list[str]]) -> str:
    """Rows as lines of `header: value; header: value`, the first row with any text naming the columns,
    so that a row answers a question on its own; rows without text are dropped."""
    header: list[str] | None = None
    lines = []
    for row in rows:
        if not any(row):
            continue
        if header is None:
            header = row
            lines.append(" | ".join(v for v in row if v))
            continue
        pairs = [
            f"{header[i] if i < len(header) and header[i] else f'column {i + 1}'}: {v}" for i, v in enumerate(row) if v
        ]
        lines.append("; ".join(pairs))
    return "\n".join(lines)


def local(tag: object) -> str:
    """An XML element's name without its namespace (`w:p` -> `p`)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
