"""Retrievers that keep each chunk's relevance score in its metadata.

LangChain's `VectorStoreRetriever` drops the scores it computes, and its `EnsembleRetriever`
(with `BM25Retriever` from langchain-community) returns fused ranks without them; sources show a
score, so these small retrievers keep it: `metadata["score"]` is the cosine similarity between
question and chunk (higher is more similar) whichever way the chunk was found.
"""

from __future__ import annotations

import warnings

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore

from rag_app.retrieval.similarity import cosine, tokenize

RRF_K = 60  # the usual reciprocal-rank-fusion constant


def _scored(doc: Document, score: float) -> Document:
    return Document(page_content=doc.page_content, metadata={**doc.metadata, "score": float(score)}, id=doc.id)


def _similarity_search(vectorstore: VectorStore, query: str, k: int) -> list[tuple[Document, float]]:
    with warnings.catch_warnings():
        # Cosine similarity is in [-1, 1]; LangChain warns below 0, which is not a fault here.
        warnings.filterwarnings("ignore", message="Relevance scores must be between")
        return vectorstore.similarity_search_with_relevance_scores(query, k=k)


class ScoredRetriever(BaseRetriever):
    """Top-k chunks by vector similarity, each with `metadata["score"]`."""

    vectorstore: VectorStore
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [_scored(doc, score) for doc, score in _similarity_search(self.vectorstore, query, self.k)]


class HybridRetriever(BaseRetriever):
    """Vector and BM25 rankings fused by reciprocal rank fusion; scores stay cosine similarities.

    The BM25 index is built in memory from `documents` (every chunk of the store).
    """

    vectorstore: VectorStore
    documents: list[Document]
    k: int = 4
    fetch_k: int = 20
    bm25: object = None

    def model_post_init(self, context: object) -> None:
        from rank_bm25 import BM25Okapi

        self.bm25 = BM25Okapi([tokenize(d.page_content) or [""] for d in self.documents])

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        dense = _similarity_search(self.vectorstore, query, self.fetch_k)
        scores = self.bm25.get_scores(tokenize(query))  # type: ignore[attr-defined]
        top = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[: self.fetch_k]
        sparse = [self.documents[i] for i in top if scores[i] > 0]

        fused: dict[str, float] = {}
        by_id: dict[str, Document] = {}
        cosine: dict[str, float] = {}
        for rank, (doc, score) in enumerate(dense):
            key = doc.id or doc.page_content
            fused[key] = fused.get(key, 0.0) + 1 / (RRF_K + rank + 1)
            by_id[key], cosine[key] = doc, score
        for rank, doc in enumerate(sparse):
            key = doc.id or doc.page_content
            fused[key] = fused.get(key, 0.0) + 1 / (RRF_K + rank + 1)
            by_id.setdefault(key, doc)
        best = sorted(fused, key=fused.__getitem__, reverse=True)[: self.k]
        missing = [key for key in best if key not in cosine]
        if missing:
            cosine |= self._cosines(query, [by_id[key] for key in missing], missing)
        return [_scored(by_id[key], cosine[key]) for key in best]

    def _cosines(self, query: str, docs: list[Document], keys: list[str]) -> dict[str, float]:
        """Cosine similarity of chunks that only BM25 found (so every score means the same)."""
        embeddings = self.vectorstore.embeddings
        if embeddings is None:
            return dict.fromkeys(keys, 0.0)
        q = embeddings.embed_query(query)
        vectors = embeddings.embed_documents([d.page_content for d in docs])
        return {key: cosine(q, v) for key, v in zip(keys, vectors)}
