"""Ollama (OLLAMA_BASE_URL): embeddings and chat, streamed token by token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

    from rag_app.config import Settings


def embeddings(settings: Settings) -> Embeddings:
    from langchain_ollama import OllamaEmbeddings

    return OllamaEmbeddings(
        model=settings.embedding_model or SPEC.embedding_model,
        base_url=settings.ollama_base_url,
        client_kwargs={"timeout": settings.request_timeout},
    )


def chat(settings: Settings) -> BaseLanguageModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=settings.llm_model or SPEC.llm_model,
        base_url=settings.ollama_base_url,
        temperature=settings.llm_temperature,
        client_kwargs={"timeout": settings.request_timeout},
    )


SPEC = ProviderSpec(
    name="ollama",
    label="Ollama",
    embeddings=embeddings,
    embedding_model="mxbai-embed-large",
    llm=chat,
    llm_model="llama3.2",
    url_var="OLLAMA_BASE_URL",
    url_setting="ollama_base_url",
    default_url="http://localhost:11434",
)
