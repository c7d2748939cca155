"""The combine-documents chain RetrievalQA answers with: an LLM with our prompt, or the extractive answerer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.config import Settings
from rag_app.providers.llms import chat_model

if TYPE_CHECKING:
    from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

PROMPT_TEMPLATE = """Answer the question using only the context below. If the context does not \
contain the answer, say "I don't know." Keep the answer short.

Context:
{context}

Question: {question}
Answer:"""


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
    from langchain_classic.chains.question_answering import load_qa_chain
    from langchain_core.prompts import PromptTemplate

    return load_qa_chain(llm, chain_type="stuff", prompt=PromptTemplate.from_template(PROMPT_TEMPLATE))
