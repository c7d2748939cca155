"""The providers rag_app knows, looked up by name, and the secrets they hold.

Each provider is one module with one `SPEC`; the modules import their integration package only
when a factory is called, so looking a provider up costs nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rag_app.errors import ConfigError
from rag_app.providers import cohere, extractive, fake, huggingface, llamacpp, ollama, openai
from rag_app.providers.spec import ProviderSpec, _secret

if TYPE_CHECKING:
    from rag_app.config import Settings

PROVIDERS: dict[str, ProviderSpec] = {
    m.SPEC.name: m.SPEC for m in (huggingface, openai, ollama, cohere, llamacpp, extractive, fake)
}


def embedding_provider(name: str) -> ProviderSpec:
    """The provider selected by RAG_EMBEDDINGS=`name`.

    Raises:
        ConfigError: no provider of that name has embeddings (the message lists those that do).
    """
    return _lookup(name, "RAG_EMBEDDINGS", [s.name for s in PROVIDERS.values() if s.embeddings])


def model_name(settings: Settings) -> str:
    """The embedding model in use, as recorded in a store: `provider:model`.

    Raises:
        ConfigError: RAG_EMBEDDINGS names no known provider.
    """
    spec = embedding_provider(settings.embeddings)
    return f"{spec.name}:{settings.embedding_model or spec.embedding_model}"


def llm_provider(name: str) -> ProviderSpec:
    """The provider selected by RAG_LLM=`name`.

    Raises:
        ConfigError: no provider of that name has an LLM (the message lists those that do).
    """
    return _lookup(name, "RAG_LLM", [s.name for s in PROVIDERS.values() if s.llm])


def _lookup(name: str, variable: str, valid: list[str]) -> ProviderSpec:
    if name not in valid:
        raise ConfigError(f"unknown {variable} {name!r}: choose one of {', '.join(sorted(valid))}")
    return PROVIDERS[name]


SECRET_VARIABLES = ("ACTIVELOOP_TOKEN", "RAG_CHROMA_HEADERS", "RAG_API_KEY")


def secrets(settings: Settings | None = None) -> list[str]:
    """Every secret value in use: API keys and tokens from `settings` and from the environment."""
    values = [os.environ.get(s.key_var, "") for s in PROVIDERS.values() if s.key_var]
    for name in SECRET_VARIABLES:
        raw = os.environ.get(name, "")
        values += [part.partition(":")[2] for part in raw.split(";")] if name == "RAG_CHROMA_HEADERS" else [raw]
    values.append(_url_password(os.environ.get("RAG_CATALOG_URL", "")))
    if settings is not None:
        values.append(_url_password(settings.catalog_url.get_secret_value()))
        values += [s.key(settings) for s in PROVIDERS.values()]
        values += [_secret(settings.activeloop_token), _secret(settings.api_key), *settings.chroma_headers.values()]
    return sorted({v.strip() for v in values if len(v.strip()) >= 4}, key=len, reverse=True)


def _url_password(url: str) -> str:
    """The password in a database URL (`scheme://user:PASSWORD@host/db`), "" when it has none."""
    userinfo = url.partition("://")[2].rpartition("@")[0]
    return userinfo.partition(":")[2]


def redact(text: str, settings: Settings | None = None) -> str:
    """`text` with every secret in use replaced by ***."""
    for secret in secrets(settings):
        text = text.replace(secret, "***")
    return text
