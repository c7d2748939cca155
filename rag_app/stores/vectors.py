"""Two reads each store answers its own way: a search by vector with cosine similarities, and
the stored vectors of chunks by id (so a chunk found by keywords gets a cosine without being
embedded again)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore


def search_by_vector(store: VectorStore, vector: list[float], k: int) -> list[tuple[Document, float]]:
    """The `k` chunks nearest `vector`, each with its cosine similarity (higher is closer)."""
    relevance = store._select_relevance_score_fn()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Relevance scores must be between")
        found = store.similarity_search_by_vector_with_relevance_scores(vector, k=k)  # type: ignore[attr-defined]
    return [(doc, float(relevance(score))) for doc, score in found]


def stored_vectors(store: VectorStore, ids: Sequence[str]) -> dict[str, list[float]]:
    """The stored embedding of each of `ids` that exists."""
    if not ids:
        return {}
    if hasattr(store, "embeddings_by_ids"):
        return store.embeddings_by_ids(list(ids))
    got = store.get(ids=list(ids), include=["embeddings"])  # type: ignore[attr-defined]
    return dict(zip(got["ids"], got["embeddings"]))
