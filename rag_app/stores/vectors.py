"""Reads each store answers its own way: a search by vector with cosine similarities, the stored
vectors of chunks by id (so a chunk found by keywords gets a cosine without being embedded
again), and a random sample of chunks with their vectors (for `map`)."""

from __future__ import annotations

import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class StoredSample:
    """Chunks read from a store with their stored vectors, in one order; `total` is the store's size."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    vectors: Any  # a float32 numpy array, one row per chunk
    total: int


def sample_stored(store: VectorStore, limit: int, seed: int = 0) -> StoredSample:
    """Up to `limit` chunks chosen at random (uniformly, repeatably for one `seed`), with their vectors.

    Only the sample is read with its texts and vectors: Deep Lake picks rows by offset; Chroma
    reads its ids alone (about 0.2 s per 100,000) and then the chosen ids, a slice at a time.
    """
    import numpy as np

    if hasattr(store, "sample_rows"):
        return StoredSample(*store.sample_rows(limit, seed))
    from rag_app.stores.batched import batch_limit, slices

    every = store.get(include=[])["ids"]  # type: ignore[attr-defined]
    chosen = random.Random(seed).sample(every, min(limit, len(every)))
    ids: list[str] = []
    texts: list[str] = []
    metadatas: list[dict] = []
    vectors = []
    for part in slices(chosen, batch_limit(store)):
        got = store.get(ids=list(part), include=["embeddings", "documents", "metadatas"])  # type: ignore[attr-defined]
        ids += got["ids"]
        texts += got["documents"]
        metadatas += [dict(m or {}) for m in got["metadatas"]]
        vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
    return StoredSample(ids, texts, metadatas, matrix, len(every))
