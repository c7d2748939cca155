"""Split documents into chunks with LangChain's RecursiveCharacterTextSplitter, each chunk
labelled with the section of the file it comes from and headed by its document's title and section.

A chunk cut from the middle of a document often never names what it is about ("The game was
played on February 7, 2016"). Its header line (`Super Bowl 50`, `Installation › Linux`) is
embedded and keyword-indexed with it, so a question naming the subject finds it (on the SQuAD
sample: hit@5 0.975 → 0.983, bench/quality.md). The header is kept in `metadata["header"]`;
sources show the chunk without it, and the extractive answerer reads it as a heading, never as
an answer."""

from __future__ import annotations

import json
from collections.abc import Iterable

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag_app.config import Settings
from rag_app.ingestion.headers import HEADER_END, SEP, header_of


class SectionSplitter(RecursiveCharacterTextSplitter):
    """RecursiveCharacterTextSplitter that turns a document's `sections` (JSON `[[offset, "A › B"],
    …]`, from the loaders) into each chunk's `section`: the heading path of the one section the
    chunk lies in, or the path the sections it spans share (the first one's when they share none);
    a chunk that spans sections also gets their `headings` (JSON list)."""

    def split_documents(self, documents: Iterable[Document]) -> list[Document]:
        chunks: list[Document] = []
        for document in documents:  # source code (metadata `language`) is cut at its classes and functions
            language = document.metadata.get("language")
            chunks += (
                self._code_splitter(language).split_documents([document])
                if language
                else super().split_documents([document])
            )
        for chunk in chunks:
            marks = chunk.metadata.pop("sections", None)
            if marks:
                start, length = chunk.metadata.get("start_index", 0), len(chunk.page_content)
                inside = _inside(json.loads(marks), start, length)
                section = section_of(json.loads(marks), start, length)
                if section:
                    chunk.metadata["section"] = section
                if len(inside) > 1:  # the headings in the chunk, for the answerer to tell them from text
                    chunk.metadata["headings"] = json.dumps([p.split(SEP)[-1] for p in inside if p], ensure_ascii=False)
            header = header_of(chunk.metadata)
            if header and not chunk.page_content.startswith(header):
                chunk.page_content = f"{header}{HEADER_END}{chunk.page_content}"
                chunk.metadata["header"] = header
        return chunks

    def _code_splitter(self, language: str) -> RecursiveCharacterTextSplitter:
        """LangChain's language-aware splitter with this splitter's sizes."""
        from langchain_text_splitters import Language

        return RecursiveCharacterTextSplitter.from_language(
            Language(language), chunk_size=self._chunk_size, chunk_overlap=self._chunk_overlap, add_start_index=True
        )


def section_of(marks: list[list], start: int, length: int) -> str:
    """The heading path for the text at [start, start + length) given where sections begin.

    Args:
        marks: `[offset, "A › B"]` for each section, in order.
        start: where the chunk starts in the document.
        length: the chunk's length.

    Returns:
        The path ("" when the chunk lies before any heading).
    """
    inside = _inside(marks, start, length)
    if not inside:
        return ""
    parts = [path.split(SEP) if path else [] for path in inside]
    common = []
    for level in zip(*parts):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return SEP.join(common) or inside[0]


def _inside(marks: list[list], start: int, length: int) -> list[str]:
    """The heading paths of the sections that [start, start + length) overlaps."""
    return [path for i, (offset, path) in enumerate(marks) if offset < start + length and _end(marks, i) > start]


def _end(marks: list[list], i: int) -> float:
    return marks[i + 1][0] if i + 1 < len(marks) else float("inf")


def make_splitter(settings: Settings) -> RecursiveCharacterTextSplitter:
    """The splitter for `settings`; every chunk gets a `start_index` (and a `section`) in its metadata."""
    return SectionSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        add_start_index=True,
    )
