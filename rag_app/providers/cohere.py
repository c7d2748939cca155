"""Cohere (COHERE_API_KEY, COHERE_BASE_URL): embeddings (extra: `pip install 'rag_app[cohere]'`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.errors import ConfigError
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.config import Settings


def embeddings(settings: Settings) -> Embeddings:
    key = SPEC.key(settings)
    if not key:
        raise ConfigError("RAG_EMBEDDINGS=cohere needs COHERE_API_KEY")
    try:
        from langchain_cohere import CohereEmbeddings
    except ImportError as err:  # the cohere SDK and fastavro: 18 MB that only this provider uses
        raise ConfigError("RAG_EMBEDDINGS=cohere needs langchain-cohere: pip install 'rag_app[cohere]'") from err

    return CohereEmbeddings(
        model=settings.embedding_model or SPEC.embedding_model,
        cohere_api_key=key,
        base_url=settings.cohere_base_url or None,
        max_retries=settings.max_retries,
        request_timeout=settings.request_timeout,
    )


SPEC = ProviderSpec(
    name="cohere",
    label="Cohere",
    embeddings=embeddings,
    embedding_model="embed-multilingual-v3.0",
    key_var="COHERE_API_KEY",
    key_setting="cohere_api_key",
    url_var="COHERE_BASE_URL",
    url_setting="cohere_base_url",
    default_url="https://api.cohere.com",
    retries_itself=True,
)
