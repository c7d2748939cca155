"""Split documents into chunks with LangChain's RecursiveCharacterTextSplitter."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag_app.config import Settings


def make_splitter(settings: Settings) -> RecursiveCharacterTextSplitter:
    """The splitter for `settings`; every chunk gets a `start_index` in its metadata."""
    return RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        add_start_index=True,
    )
