"""OpenAI, or any OpenAI-compatible server (OPENAI_BASE_URL): embeddings and chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

    from rag_app.config import Settings


def client_options(settings: Settings, selector: str) -> dict[str, Any]:
    """Connection options shared by OpenAI embeddings and chat; `selector` is e.g. "RAG_LLM=openai".

    Raises:
        ConfigError: neither a key nor a server URL is set.
    """
    key = SPEC.key(settings)
    if not key and not settings.openai_base_url:
        raise ConfigError(f"{selector} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    return {
        "api_key": key or "unused",  # local OpenAI-compatible servers need no key
        "base_url": settings.openai_base_url or None,
        "timeout": settings.request_timeout,
        "max_retries": settings.max_retries,
    }


def embeddings(settings: Settings) -> Embeddings:
    options = client_options(settings, "RAG_EMBEDDINGS=openai")
    from langchain_openai import OpenAIEmbeddings

    return OpenAIEmbeddings(
        model=settings.embedding_model or SPEC.embedding_model,
        # Send strings: the default token check downloads tiktoken's encoding file first,
        # which fails offline, and OpenAI-compatible servers expect strings anyway.
        check_embedding_ctx_length=False,
        chunk_size=settings.embedding_batch_size,
        **options,
    )


def chat(settings: Settings) -> BaseLanguageModel:
    options = client_options(settings, "RAG_LLM=openai")
    from langchain_openai import ChatOpenAI

    # streaming=True: tokens reach callbacks as they come (invoke still returns the whole answer).
    return ChatOpenAI(
        model=settings.llm_model or SPEC.llm_model, temperature=settings.llm_temperature, streaming=True, **options
    )


SPEC = ProviderSpec(
    name="openai",
    label="OpenAI",
    embeddings=embeddings,
    embedding_model="text-embedding-3-small",
    llm=chat,
    llm_model="gpt-4o-mini",
    key_var="OPENAI_API_KEY",
    key_setting="openai_api_key",
    url_var="OPENAI_BASE_URL",
    url_setting="openai_base_url",
    default_url="https://api.openai.com/v1",
    retries_itself=True,
)
