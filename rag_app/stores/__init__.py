"""Vector stores, looked up by `RAG_VECTOR_STORE`; each backend lives in its own module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rag_app.config import STORES, Settings
from rag_app.stores.catalog import Catalog

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import VectorStore


def _chroma(settings: Settings, embeddings: Embeddings, fresh: bool) -> VectorStore:
    from rag_app.stores.chroma import open_chroma

    return open_chroma(settings, embeddings, fresh=fresh)


def _deeplake(settings: Settings, embeddings: Embeddings, fresh: bool) -> VectorStore:
    from rag_app.stores.deeplake import open_deeplake

    return open_deeplake(settings, embeddings)


OPENERS: dict[str, Callable[[Settings, Embeddings, bool], VectorStore]] = {"chroma": _chroma, "deeplake": _deeplake}
assert set(OPENERS) == set(STORES)


def location(settings: Settings) -> str:
    """Where the configured store lives, for people and for the catalog namespace (no secrets)."""
    if settings.vector_store == "deeplake":
        path = settings.deeplake_dataset_path
        return path if "://" in path else str(Path(path).expanduser().resolve())
    if settings.chroma_host:
        scheme = "https" if settings.chroma_ssl else "http"
        return f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"
    return str((settings.persist_dir / "chroma").resolve())


def catalog(settings: Settings) -> Catalog:
    """The catalog (chunk records, embedding model) of the configured store and collection."""
    namespace = f"{settings.vector_store}:{location(settings)}:{settings.collection}"
    return Catalog(settings.persist_dir.resolve(), namespace, settings.catalog_url.get_secret_value())


def open_vectorstore(settings: Settings, embeddings: Embeddings, fresh: bool = False) -> VectorStore:
    """The configured LangChain VectorStore, opened (created if new).

    Args:
        settings: which store.
        embeddings: the model the store embeds queries (and new texts) with.
        fresh: see writes that other processes made since this process first opened the store.

    Raises:
        StoreError: the store cannot be reached or opened.
        ConfigError: credentials the store needs are missing.
    """
    return OPENERS[settings.vector_store](settings, embeddings, fresh)
