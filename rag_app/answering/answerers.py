"""The combine-documents chain RetrievalQA answers with: an LLM with our prompt, or the extractive answerer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.config import Settings
from rag_app.providers.llms import chat_model

if TYPE_CHECKING:
    from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

PROMPT_TEMPLATE = """Answer the question using only the numbered sources below. Cite the sources \
you use by their number in square brackets, like [1] or [2][3]. If the sources do not say, answer \
"I don't know." and nothing else. Keep the answer short.

Sources:
{context}

Question: {question}
Answer:"""
SOURCE_TEMPLATE = "[{number}] {source}\n{page_content}"
"""How each retrieved chunk is shown to the LLM: numbered in the order of the answer's sources."""


def make_answerer(
    settings: Settings, embeddings: Embeddings, llm: BaseLanguageModel | None = None
) -> BaseCombineDocumentsChain:
    """RetrievalQA's combine-documents chain: "stuff" with our prompt, or the extractive answerer.

    Args:
        settings: the settings in use.
        embeddings: the embedding model (the extractive answerer compares sentences with it).
        llm: the LLM to answer with; by default the one RAG_LLM selects (none: extractive).

    Raises:
        ConfigError: RAG_LLM names no known provider, or the provider lacks a key or an extra.
    """
    llm = llm if llm is not None else chat_model(settings)
    if llm is None:
        from rag_app.answering.extractive import ExtractiveAnswerChain

        return ExtractiveAnswerChain(
            embeddings=embeddings, min_score=settings.min_score, lexical_weight=settings.lexical_weight
        )
    from rag_app.answering.citing import CitingStuffChain

    return CitingStuffChain.from_llm(llm, PROMPT_TEMPLATE, SOURCE_TEMPLATE)
