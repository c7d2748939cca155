"""A retriever that keeps each chunk's relevance score in its metadata.

LangChain's `VectorStoreRetriever` drops the scores it computes; sources show them, so this
small retriever asks the store for (document, relevance) pairs and keeps both.
"""

from __future__ import annotations

import warnings

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore


class ScoredRetriever(BaseRetriever):
    """Top-k chunks by relevance (higher = more similar), each with `metadata["score"]`."""

    vectorstore: VectorStore
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        with warnings.catch_warnings():
            # Cosine similarity is in [-1, 1]; LangChain warns below 0, which is not a fault here.
            warnings.filterwarnings("ignore", message="Relevance scores must be between")
            pairs = self.vectorstore.similarity_search_with_relevance_scores(query, k=self.k)
        return [
            Document(page_content=doc.page_content, metadata={**doc.metadata, "score": float(score)}, id=doc.id)
            for doc, score in pairs
        ]
