"""Retrievers that keep each chunk's relevance score in its metadata.

LangChain's `VectorStoreRetriever` drops the scores it computes, and its `EnsembleRetriever`
(with `BM25Retriever` from langchain-community) returns fused ranks without them; sources show a
score, so these small retrievers keep it: `metadata["score"]` is the cosine similarity between
question and chunk (higher is more similar) whichever way the chunk was found.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from rag_app.config import Settings
from rag_app.retrieval.keyword_index import KeywordIndex, keyword_index
from rag_app.retrieval.keyword_sync import bring_in_step
from rag_app.retrieval.similarity import cosine
from rag_app.stores.catalog import Catalog
from rag_app.stores.contract import MetadataFilter, StoreBackend

VECTOR_WEIGHT = 0.65  # share of cosine in the fused score, tuned on half the SQuAD articles (bench/quality.md)


def _scored(doc: Document, score: float) -> Document:
    return Document(page_content=doc.page_content, metadata={**doc.metadata, "score": float(score)}, id=doc.id)


class ScoredRetriever(BaseRetriever):
    """Top-k chunks by vector similarity (matching `filter`), each with `metadata["score"]`."""

    vectorstore: StoreBackend
    k: int = 4
    filter: MetadataFilter | None = None

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        vector = self.vectorstore.embeddings.embed_query(query)  # type: ignore[attr-defined]
        return [_scored(doc, score) for doc, score in self.vectorstore.search_by_vector(vector, self.k, self.filter)]


class HybridRetriever(BaseRetriever):
    """Vector and BM25 (keyword index) results fused by a weighted sum; scores stay cosines.

    Both sides bring their `fetch_k` best. Every candidate gets both scores: a cosine (from its
    stored vector when only the keyword side found it) and a BM25 score (asked of the keyword
    index for chunks only the vector side found). The fused score is
    `VECTOR_WEIGHT * cosine + (1 - VECTOR_WEIGHT) * bm25 / best bm25` (bench/fusion.py).
    """

    vectorstore: StoreBackend
    keywords: KeywordIndex
    k: int = 4
    fetch_k: int = 20
    filter: MetadataFilter | None = None

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        # The keyword side needs no vector: it runs in a thread while this one embeds the query and
        # searches the store (SQLite, the model and the store's client release the GIL).
        keyword_search = _pool().submit(self.keywords.search, query, self.fetch_k, self.filter)
        vector = self.vectorstore.embeddings.embed_query(query)  # type: ignore[attr-defined]
        dense = self.vectorstore.search_by_vector(vector, self.fetch_k, self.filter)
        cosines = {doc.id: score for doc, score in dense}
        # Likewise the BM25 scores of the vector side's chunks, while the store reads the keyword side's vectors.
        keyword_scores = _pool().submit(self.keywords.scores, query, list(cosines))
        sparse = keyword_search.result()
        by_id = {doc.id: doc for doc, _ in sparse} | {doc.id: doc for doc, _ in dense}
        bm25 = {doc.id: score for doc, score in sparse}
        stored = self.vectorstore.stored_vectors([key for key in bm25 if key not in cosines])
        cosines |= {key: cosine(vector, v) for key, v in stored.items()}
        bm25 = keyword_scores.result() | bm25
        ranked = fuse({key: cosines.get(key, 0.0) for key in by_id}, bm25)
        return [_scored(by_id[key], cosines.get(key, 0.0)) for key in ranked[: self.k]]


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The threads keyword searches run in, beside their query's vector search (made on first use)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-keywords")


def fuse(cosines: dict[str, float], bm25: dict[str, float], weight: float = VECTOR_WEIGHT) -> list[str]:
    """Candidate ids (the keys of `cosines`), best first by `weight * cosine + (1 - weight) *
    bm25 / best bm25`; a candidate without a BM25 score matched none of the query's words."""
    best = max(bm25.values(), default=0.0) or 1.0
    fused = {key: weight * cos + (1 - weight) * bm25.get(key, 0.0) / best for key, cos in cosines.items()}
    return sorted(fused, key=fused.__getitem__, reverse=True)


def build_retriever(settings: Settings, catalog: Catalog, vectorstore: StoreBackend, k: int) -> BaseRetriever:
    """The retriever RAG_RETRIEVER names: hybrid (keyword index + vectors) or vector-only.

    The keyword index is opened, not built: it catches up with the catalog's change log (chunks
    other machines stored or removed), and is reconciled with the records only when their counts
    still differ (an index that never synced, or an ingest killed mid-way).
    """
    if settings.retriever != "hybrid":
        return ScoredRetriever(vectorstore=vectorstore, k=k)
    keywords = keyword_index(catalog)
    bring_in_step(keywords, catalog, vectorstore)
    return HybridRetriever(vectorstore=vectorstore, keywords=keywords, k=k)
