"""Chroma: embedded and persistent under `RAG_PERSIST_DIR`, or a Chroma server (`RAG_CHROMA_HOST`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from rag_app.config import Settings
from rag_app.errors import RagError, first_line


def open_chroma(settings: Settings, embeddings: Embeddings) -> VectorStore:
    """A `langchain_chroma.Chroma` over a cosine-space collection (relevance = cosine similarity)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

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
            raise RagError(f"cannot reach the Chroma server at {where}: {first_line(err)}") from None
    else:
        path = (settings.persist_dir / "chroma").resolve()  # chromadb caches clients by path string
        try:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as err:  # chromadb wraps sqlite and Rust errors in its own types
            raise RagError(f"cannot open the Chroma store at {path}: {first_line(err)}") from None
    try:
        return Chroma(
            client=client,
            collection_name=settings.collection,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
    except Exception as err:
        raise RagError(f"cannot open Chroma collection {settings.collection!r}: {first_line(err)}") from None
