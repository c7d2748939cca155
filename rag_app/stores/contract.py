"""What rag_app asks of a vector store, on the model of Haystack's `DocumentStore` protocol.

A backend is one adapter module (`stores/chroma.py`, `stores/deeplake.py`, `stores/postgres.py`)
named once in `stores.backends.BACKENDS`. Its open store is a LangChain `VectorStore` (so
`langchain_core.indexing.index` writes to it and LangChain's standard tests run on it) that also
answers the reads below the same way on every backend: relevance is always the cosine
similarity (higher is closer), and a metadata filter is evaluated inside the store.

Filters are dicts of metadata key to a value (equality) or to `{"$in": [values]}` (any of them);
every condition must hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    from rag_app.config import Settings
    from rag_app.stores.catalog import Catalog

MetadataFilter = dict[str, Any]


def matches_nothing(filter: MetadataFilter | None) -> bool:
    """Whether a filter lets nothing through (an `$in` with no values: a glob that matched no file)."""
    return any(isinstance(v, dict) and v.get("$in") == [] for v in (filter or {}).values())


@dataclass(frozen=True)
class StoredSample:
    """Chunks read from a store with their stored vectors, in one order; `total` is the store's size."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    vectors: Any  # a float32 numpy array, one row per chunk
    total: int


@runtime_checkable
class StoreBackend(Protocol):
    """An open store (a LangChain VectorStore that also answers these)."""

    @property
    def batch_limit(self) -> int:
        """The most items the store takes in one add, delete or read by id."""
        ...

    def identity(self) -> str:
        """The store's own id ("" before its first write); another id means another store."""
        ...

    def count(self) -> int:
        """How many chunks the store holds (a count, not a scan)."""
        ...

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Upsert by id (`ids` in kwargs win over the documents' own)."""
        ...

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete by id; unknown ids are ignored."""
        ...

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The chunks of the ids that exist."""
        ...

    def search_by_vector(
        self, vector: list[float], k: int, filter: MetadataFilter | None = None
    ) -> list[tuple[Document, float]]:
        """The `k` chunks nearest `vector` that match `filter`, each with its cosine similarity."""
        ...

    def stored_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored embedding of each of `ids` that exists."""
        ...

    def sample(self, limit: int, seed: int = 0) -> StoredSample:
        """Up to `limit` chunks chosen at random (repeatably for one `seed`), with their vectors."""
        ...

    def delete_collection(self) -> None:
        """Delete every chunk, and the store itself; open it again to write (a new store, with another identity)."""
        ...

    def loading(self) -> AbstractContextManager[None]:
        """A block of many writes (an ingest): the store may defer index upkeep to its end
        (PostgreSQL builds its HNSW index once after loading an empty collection)."""
        ...

    def transaction(self, catalog: Catalog) -> AbstractContextManager[bool]:
        """A block whose store writes and `catalog` writes commit together, all or none; it yields
        whether they do. A store that cannot share the catalog's transaction (Chroma, Deep Lake, or a
        catalog in another database) yields False: each write commits on its own, and the next ingest
        repairs a crash between them (ingestion.resync)."""
        ...


class BackendModule(Protocol):
    """What each adapter module offers (looked up by `RAG_VECTOR_STORE`)."""

    def open_store(self, settings: Settings, embeddings: Embeddings | None, fresh: bool = False) -> StoreBackend:
        """The configured store, opened (created on its first write).

        Args:
            settings: which store.
            embeddings: the model for queries and new texts (None: reads by vector and deletes only).
            fresh: see what other processes wrote since this process first opened the store.

        Raises:
            StoreError: the store cannot be reached or opened.
            ConfigError: credentials the store needs are missing.
        """
        ...

    def read_state(self, settings: Settings) -> tuple[str, int]:
        """(identity, chunk count) of the configured store, read from the store; ("", 0) before its first write."""
        ...
