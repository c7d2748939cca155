"""Questions in, answers with sources out: a LangChain RetrievalQA chain over the store.

`QA` opens the configured embeddings, store and retriever once; chains for each `k` are built
from them on demand. RagService keeps one QA per state of the store and replaces it when the
store changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from rag_app import stores
from rag_app.config import Settings
from rag_app.errors import RagError, StoreError, first_line
from rag_app.providers.embeddings import make_embeddings
from rag_app.stores.catalog import Catalog
from rag_app.stores.filters import Filter


class StoreGuard(BaseRetriever):
    """Delegates to a retriever; a failure of the store under it is reported as a StoreError
    (and so is never mistaken for a failure of the LLM that runs after it)."""

    inner: BaseRetriever
    where: str

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        try:
            return self.inner.invoke(query, config={"callbacks": run_manager.get_child()})
        except RagError:
            raise
        except Exception as err:
            raise StoreError(f"searching {self.where} failed: {first_line(err)}") from err


class QA:
    """The configured store, retriever and answerer, opened once for any number of questions.

    Args:
        settings: the settings in use.
        k: chunks per question for `retriever` and `chain` (default RAG_TOP_K).
        fresh: open a new store client, so that writes made by other processes are seen.
        embeddings: the configured embedding model, if already loaded.
    """

    def __init__(
        self, settings: Settings, k: int | None = None, fresh: bool = False, embeddings: Embeddings | None = None
    ) -> None:
        self.settings = settings
        self.k = k or settings.top_k
        self.catalog: Catalog = stores.catalog(settings)
        self.embeddings = embeddings or make_embeddings(settings)
        self.vectorstore = stores.open_vectorstore(settings, self.embeddings, fresh=fresh)
        self._base: Any = None
        self._chains: dict[int, Any] = {}
        self._condense: Any = None

    @cached_property
    def llm(self) -> Any:
        """The configured LLM, made once and shared by the answer and the condense step (None: extractive)."""
        from rag_app.providers.llms import chat_model

        return chat_model(self.settings)

    @property
    def retriever(self) -> BaseRetriever:
        """The retriever at this QA's `k`."""
        return self.retriever_for(self.k)

    @property
    def chain(self) -> Any:
        """The RetrievalQA chain at this QA's `k`."""
        return self.chain_for(self.k)

    def retriever_for(self, k: int, filter: Filter | None = None) -> BaseRetriever:
        """Hybrid (BM25 + vector, fused) or vector-only, per RAG_RETRIEVER, returning `k` chunks
        (only chunks that `filter` lets through: evaluated in the store and the keyword index)."""
        if self._base is None:
            from rag_app.retrieval.retrievers import build_retriever

            self._base = build_retriever(self.settings, self.catalog, self.vectorstore, k)
        metadata = filter.metadata(self.catalog) if filter else None
        inner = (
            self._base
            if (self._base.k, metadata) == (k, None)
            else self._base.model_copy(update={"k": k, "filter": metadata})
        )
        return StoreGuard(inner=inner, where=f"{self.settings.vector_store} at {stores.location(self.settings)}")

    def chain_for(self, k: int, filter: Filter | None = None) -> Any:
        """RetrievalQA over the retriever at `k`, with the configured answerer (built once per `k`
        without a filter, and for each question with one)."""
        if filter:
            return self._chain(self.retriever_for(k, filter))
        if k not in self._chains:
            self._chains[k] = self._chain(self.retriever_for(k))
        return self._chains[k]

    def _chain(self, retriever: BaseRetriever) -> Any:
        from langchain_classic.chains import RetrievalQA
        from langchain_core._api import LangChainDeprecationWarning

        from rag_app.answering.answerers import make_answerer

        with warnings.catch_warnings():
            # RetrievalQA is deprecated upstream in favour of agents; it is still the
            # documented chain for this job and its warning means nothing to a user.
            warnings.simplefilter("ignore", LangChainDeprecationWarning)
            return RetrievalQA(
                combine_documents_chain=make_answerer(self.settings, self.embeddings, self.llm),
                retriever=retriever,
                return_source_documents=True,
            )

    def standalone(self, question: str, history: Sequence[tuple[str, str]]) -> str | None:
        """`question` rewritten by the LLM to stand without `history`; None when there is no
        history or no LLM (the extractive answerer answers each question alone)."""
        if not history or self.llm is None:
            return None
        from rag_app.answering.conversation import condense_chain, standalone_question

        if self._condense is None:
            self._condense = condense_chain(self.llm)
        return standalone_question(self._condense, question, history)
