"""Chroma: embedded and persistent under `RAG_PERSIST_DIR`, or a Chroma server (`RAG_CHROMA_HOST`)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from typing import Any

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app.config import Settings
from rag_app.errors import StoreError, first_line
from rag_app.stores.chroma_client import open_client, read_state
from rag_app.stores.contract import MetadataFilter, StoredSample, matches_nothing

__all__ = ["ChromaStore", "open_store", "read_state"]

_NO_SUCH_ID = "rag_app:refresh"  # deleting it changes nothing


def open_store(settings: Settings, embeddings: Embeddings | None, fresh: bool = False) -> ChromaStore:
    """A `ChromaStore` over a cosine-space collection (relevance = cosine similarity).

    Args:
        settings: where the store is (RAG_PERSIST_DIR, or RAG_CHROMA_HOST for a server).
        embeddings: the model for queries and new texts.
        fresh: make searches see what other processes wrote since this process opened the store.
            An embedded Chroma applies its write log to the vector index it holds in memory only
            when it writes: a delete of an id that cannot exist makes it catch up.

    Raises:
        StoreError: the server cannot be reached, or the folder or collection cannot be opened.
    """
    client = open_client(settings)
    try:
        store = ChromaStore(client, settings.collection, embeddings)
        if fresh and not settings.chroma_host:
            store.delete([_NO_SUCH_ID])
    except Exception as err:
        raise StoreError(f"cannot open Chroma collection {settings.collection!r}: {first_line(err)}") from err
    return store


class ChromaStore(Chroma):
    """LangChain's Chroma, answering rag_app's store contract through chromadb's public API."""

    def __init__(self, client: Any, name: str, embeddings: Embeddings | None) -> None:
        super().__init__(
            client=client,
            collection_name=name,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self.client = client
        self.name = name
        self._handle: Any = None

    @property
    def collection(self) -> Any:
        """The chromadb collection (made again after `delete_collection`, as LangChain's Chroma does)."""
        if self._handle is None:
            self._handle = self.client.get_or_create_collection(self.name, configuration={"hnsw": {"space": "cosine"}})
        return self._handle

    def delete_collection(self) -> None:
        """Drop the collection (open the store again to write: a new collection, with another id)."""
        super().delete_collection()
        self._handle = None

    @property
    def batch_limit(self) -> int:
        return int(self.client.get_max_batch_size())

    def loading(self) -> contextlib.AbstractContextManager[None]:
        """Nothing deferred: the index follows each write."""
        return contextlib.nullcontext()

    def transaction(self, catalog: Any) -> contextlib.AbstractContextManager[bool]:
        """No transaction shared with the catalog: each write commits on its own (yields False)."""
        return contextlib.nullcontext(False)

    def identity(self) -> str:
        return str(self.collection.id)

    def count(self) -> int:
        return int(self.collection.count())

    def search_by_vector(
        self, vector: list[float], k: int, filter: MetadataFilter | None = None
    ) -> list[tuple[Document, float]]:
        """Nearest chunks with their cosine similarity (1 - Chroma's cosine distance)."""
        if matches_nothing(filter):
            return []
        found = self.collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=chroma_where(filter),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (Document(page_content=text or "", metadata=dict(meta or {}), id=key), 1.0 - float(distance))
            for key, text, meta, distance in zip(
                found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0]
            )
        ]

    def stored_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return {key: [float(x) for x in vector] for key, vector in zip(got["ids"], got["embeddings"])}

    def sample(self, limit: int, seed: int = 0) -> StoredSample:
        """Chroma reads its ids alone (about 0.2 s per 100,000), then the chosen ids, a slice at a time."""
        import numpy as np

        every = self.collection.get(include=[])["ids"]
        chosen = random.Random(seed).sample(every, min(limit, len(every)))
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict] = []
        vectors = []
        for start in range(0, len(chosen), self.batch_limit):
            got = self.collection.get(
                ids=chosen[start : start + self.batch_limit], include=["embeddings", "documents", "metadatas"]
            )
            ids += got["ids"]
            texts += got["documents"]
            metadatas += [dict(m or {}) for m in got["metadatas"]]
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return StoredSample(ids, texts, metadatas, matrix, len(every))


def chroma_where(filter: MetadataFilter | None) -> dict[str, Any] | None:
    """A metadata filter in Chroma's `where` syntax (several conditions joined by `$and`)."""
    if not filter:
        return None
    conditions = [{key: value} for key, value in filter.items()]
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
