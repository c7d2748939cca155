"""Questions in, answers with sources out: a LangChain RetrievalQA chain over the store."""

from __future__ import annotations

import warnings
from typing import Any

from langchain_core.documents import Document

from rag_app import stores
from rag_app.config import Settings
from rag_app.errors import ConfigError, RagError
from rag_app.providers.embeddings import make_embeddings, model_name
from rag_app.providers.errors import provider_error

MAX_QUESTION_CHARS = 10_000
MAX_K = 1000
EMPTY_STORE = "nothing ingested yet: run `python -m rag_app ingest PATH` first"


def source_entry(rank: int, doc: Document) -> dict[str, Any]:
    """One retrieved chunk in the shape `search` and `ask` print as JSON."""
    page = doc.metadata.get("page")
    return {
        "rank": rank,
        "score": round(float(doc.metadata.get("score", 0.0)), 4),
        "source": str(doc.metadata.get("source", "?")),
        "page": int(page) if page is not None else None,
        "text": doc.page_content,
    }


def check_question(text: str, what: str = "question") -> str:
    """`text` stripped, or a ConfigError when it is empty or unreasonably long."""
    text = text.strip()
    if not text:
        raise ConfigError(f"the {what} is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise ConfigError(f"the {what} is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return text


class QA:
    """The configured store, retriever and answerer, opened once for any number of questions."""

    def __init__(self, settings: Settings, k: int | None = None) -> None:
        k = settings.top_k if k is None else k
        if k < 1:
            raise ConfigError(f"k must be at least 1, not {k}")
        catalog = stores.catalog(settings)
        chunks, _ = catalog.counts()
        if chunks == 0:
            raise RagError(EMPTY_STORE)
        catalog.check_model(model_name(settings))
        self.settings = settings
        self.k = min(k, chunks, MAX_K)
        self.catalog = catalog
        self.embeddings = make_embeddings(settings)
        self.vectorstore = stores.open_vectorstore(settings, self.embeddings)
        self._chain: Any = None
        self._retriever: Any = None

    @property
    def retriever(self) -> Any:
        """Hybrid (BM25 + vector, fused) or vector-only, per RAG_RETRIEVER; built once."""
        if self._retriever is None:
            from rag_app.retrieval.retrievers import HybridRetriever, ScoredRetriever

            if self.settings.retriever == "hybrid":
                from rag_app.stores.batched import BatchedStore

                documents = BatchedStore(self.vectorstore).get_by_ids(self.catalog.keys())
                self._retriever = HybridRetriever(vectorstore=self.vectorstore, documents=documents, k=self.k)
            else:
                self._retriever = ScoredRetriever(vectorstore=self.vectorstore, k=self.k)
        return self._retriever

    def search(self, query: str) -> dict[str, Any]:
        """The top-k chunks for `query`, most similar first."""
        query = check_question(query, "query")
        docs = self.retriever.invoke(query)
        return {"query": query, "results": [source_entry(i, d) for i, d in enumerate(docs, start=1)]}

    def ask(self, question: str) -> dict[str, Any]:
        """The answer to `question` from the retrieved chunks, with those chunks as sources."""
        question = check_question(question)
        try:
            result = self.chain.invoke({"query": question})
        except Exception as err:
            raise provider_error(err, "LLM", self.settings.llm, self.settings) from err
        docs = result.get("source_documents", [])
        return {
            "question": question,
            "answer": str(result["result"]).strip(),
            "sources": [source_entry(i, d) for i, d in enumerate(docs, start=1)],
        }

    @property
    def chain(self) -> Any:
        """RetrievalQA over the scored retriever, with the configured answerer."""
        if self._chain is None:
            from langchain_classic.chains import RetrievalQA
            from langchain_core._api import LangChainDeprecationWarning

            from rag_app.providers.llms import make_answerer

            with warnings.catch_warnings():
                # RetrievalQA is deprecated upstream in favour of agents; it is still the
                # documented chain for this job and its warning means nothing to a user.
                warnings.simplefilter("ignore", LangChainDeprecationWarning)
                self._chain = RetrievalQA(
                    combine_documents_chain=make_answerer(self.settings, self.embeddings),
                    retriever=self.retriever,
                    return_source_documents=True,
                )
        return self._chain
