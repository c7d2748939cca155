"""The providers rag_app knows, looked up by name, and the secrets they hold.

Each provider is one module with one `SPEC`; the modules import their integration package only
when a factory is called, so looking a provider up costs nothing.
"""

from __future__ import annotations

import os
import re
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
URL_VARIABLES = (
    "RAG_CATALOG_URL",
    "RAG_POSTGRES_URL",
    "OPENAI_BASE_URL",
    "OLLAMA_BASE_URL",
    "COHERE_BASE_URL",
    "RAG_CHROMA_HOST",
    "DEEPLAKE_DATASET_PATH",
)
# `scheme://user:PASSWORD@` or `scheme://TOKEN@` in any URL.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/@:?#]*)(?::([^\s/@?#]*))?@")
# A query (or DSN) parameter whose name looks secret: `?key=`, `&api_key=`, `password=`, `X-Amz-Signature=`.
_SECRET_PARAM = re.compile(
    r"(?i)(?<![^\s?&;'\"(])([\w.\-]*(?:key|token|secret|pass|pwd|sig|auth|credential|session)[\w.\-]*)=([^&\s#'\")]+)"
)


def secrets(settings: Settings | None = None) -> list[str]:
    """Every secret value in use: API keys and tokens from `settings` and from the environment, and the
    passwords and secret-looking query values in the URLs rag_app is configured with."""
    values = [os.environ.get(s.key_var, "") for s in PROVIDERS.values() if s.key_var]
    for name in SECRET_VARIABLES:
        raw = os.environ.get(name, "")
        values += [part.partition(":")[2] for part in raw.split(";")] if name == "RAG_CHROMA_HEADERS" else [raw]
    urls = [os.environ.get(name, "") for name in URL_VARIABLES]
    if settings is not None:
        urls += [settings.catalog_url.get_secret_value(), settings.postgres_url.get_secret_value()]
        urls += [settings.openai_base_url, settings.ollama_base_url]
        urls += [settings.cohere_base_url, settings.chroma_host, settings.deeplake_dataset_path]
        values += [s.key(settings) for s in PROVIDERS.values()]
        values += [_secret(settings.activeloop_token), _secret(settings.api_key), *settings.chroma_headers.values()]
    values += [secret for url in urls for secret in _url_secrets(url)]
    return sorted({v.strip() for v in values if len(v.strip()) >= 4}, key=len, reverse=True)


def _url_secrets(url: str) -> list[str]:
    """The password (or token) in a URL's user part and its secret-looking query values."""
    found = [match[3] if match[3] is not None else match[2] for match in _USERINFO.finditer(url)]
    return found + [match[2] for match in _SECRET_PARAM.finditer(url)]


def redact(text: str, settings: Settings | None = None) -> str:
    """`text` with every secret replaced by ***: the secrets in use (see `secrets`), and in any URL
    its password (`scheme://user:***@`) and secret-looking query values (`?key=***`).

    Every surface passes what it shows through this: CLI errors, `doctor`, `stats`, HTTP and MCP
    errors, the server's log.

    Args:
        text: what is about to be shown or logged.
        settings: the settings in use (their secrets too); None: the environment's only.

    Returns:
        The text, secrets replaced.
    """
    for secret in secrets(settings):
        text = text.replace(secret, "***")
    text = _USERINFO.sub(lambda m: f"{m[1]}{m[2]}:***@" if m[3] is not None else f"{m[1]}***@", text)
    return _SECRET_PARAM.sub(_hide_value, text)


def _hide_value(match: re.Match[str]) -> str:
    """`name=***`, keeping the punctuation that ends a sentence or a clause after the value."""
    value = match[2]
    return f"{match[1]}=***{value[len(value.rstrip(':,.;')) :]}"
