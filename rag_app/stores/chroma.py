"""Chroma: embedded and persistent under `RAG_PERSIST_DIR`, or a Chroma server (`RAG_CHROMA_HOST`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag_app.config import Settings
from rag_app.errors import StoreError, first_line

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import VectorStore


def open_chroma(settings: Settings, embeddings: Embeddings, fresh: bool = False) -> VectorStore:
    """A `langchain_chroma.Chroma` over a cosine-space collection (relevance = cosine similarity).

    Args:
        settings: where the store is (RAG_PERSIST_DIR, or RAG_CHROMA_HOST for a server).
        embeddings: the model for queries and new texts.
        fresh: for the embedded store, drop this process's cached client for the folder first:
            chromadb keeps one per path, whose vector index does not see other processes' writes.

    Raises:
        StoreError: the server cannot be reached, or the folder or collection cannot be opened.
    """
    from langchain_chroma import Chroma

    client = open_client(settings, fresh)
    try:
        return Chroma(
            client=client,
            collection_name=settings.collection,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
    except Exception as err:
        raise StoreError(f"cannot open Chroma collection {settings.collection!r}: {first_line(err)}") from err


def open_client(settings: Settings, fresh: bool = False) -> Any:
    """The chromadb client: an HttpClient for RAG_CHROMA_HOST (checked with a heartbeat), else
    a PersistentClient in RAG_PERSIST_DIR/chroma (see `open_chroma` for `fresh`).

    Raises:
        StoreError: the server cannot be reached, or the folder cannot be opened.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=settings.chroma_headers or None,
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as err:  # chromadb raises plain ValueError/httpx errors for a dead server
            raise StoreError(f"cannot reach the Chroma server at {where}: {first_line(err)}") from err
    else:
        path = (settings.persist_dir / "chroma").resolve()  # chromadb caches clients by path string
        try:
            path.mkdir(parents=True, exist_ok=True)
            if fresh:
                _forget_cached_client(str(path))
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as err:  # chromadb wraps sqlite and Rust errors in its own types
            raise StoreError(f"cannot open the Chroma store at {path}: {first_line(err)}") from err
    return client


def read_state(settings: Settings) -> tuple[str, int]:
    """(collection id, chunk count) of the configured collection; ("", 0) when it does not exist.

    Raises:
        StoreError: the store cannot be reached or read.
    """
    client = open_client(settings, fresh=True)  # what is on disk now, not this process's cached view
    try:
        collection = client.get_collection(settings.collection)
    except Exception as err:  # chromadb.errors.NotFoundError, or ValueError in older clients
        if "does not exist" in str(err) or type(err).__name__ == "NotFoundError":
            return "", 0
        raise StoreError(f"cannot read Chroma collection {settings.collection!r}: {first_line(err)}") from err
    return str(collection.id), int(collection.count())


def _forget_cached_client(path: str) -> None:
    """Make the next PersistentClient for `path` load the store anew (chromadb has no public way
    to refresh one path: `clear_system_cache()` would drop every path's client)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
