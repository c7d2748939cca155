"""Provider failures as one clear line: which provider, what went wrong, which variable to fix.

The client libraries (openai, ollama, cohere, httpx) raise their own exception types; this module
reads their status code and class name instead of importing them, and never includes a secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rag_app.config import Settings
from rag_app.errors import RagError, first_line

SECRET_VARIABLES = ("OPENAI_API_KEY", "COHERE_API_KEY", "ACTIVELOOP_TOKEN", "RAG_CHROMA_HEADERS")


@dataclass(frozen=True)
class Provider:
    label: str
    key_var: str | None
    url_var: str | None


PROVIDERS = {
    "openai": Provider("OpenAI", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "ollama": Provider("Ollama", None, "OLLAMA_BASE_URL"),
    "cohere": Provider("Cohere", "COHERE_API_KEY", "COHERE_BASE_URL"),
    "huggingface": Provider("Hugging Face", None, None),
    "llamacpp": Provider("llama.cpp", None, None),
}


def redact(text: str) -> str:
    """`text` with every configured secret (and each Chroma header value) replaced by ***."""
    secrets: list[str] = []
    for name in SECRET_VARIABLES:
        value = os.environ.get(name, "")
        if name == "RAG_CHROMA_HEADERS":
            secrets += [part.partition(":")[2].strip() for part in value.split(";")]
        else:
            secrets.append(value.strip())
    for secret in sorted(filter(lambda s: len(s) >= 4, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _url(settings: Settings, name: str) -> str:
    if name == "openai":
        return settings.openai_base_url or "https://api.openai.com/v1"
    if name == "ollama":
        return settings.ollama_base_url
    if name == "cohere":
        return settings.cohere_base_url or "https://api.cohere.com"
    return ""


def provider_error(err: BaseException, role: str, name: str, settings: Settings) -> RagError:
    """A RagError explaining `err`, raised while `role` ("embeddings" or "LLM") provider `name` worked."""
    if isinstance(err, RagError):
        return err
    provider = PROVIDERS.get(name, Provider(name, None, None))
    model_var = "RAG_EMBEDDING_MODEL" if role == "embeddings" else "RAG_LLM_MODEL"
    status = getattr(err, "status_code", None) or getattr(getattr(err, "response", None), "status_code", None)
    kind = type(err).__name__
    url = _url(settings, name)
    where = f"{provider.label} {role}"
    if status in (401, 403):
        fix = f"check {provider.key_var}" if provider.key_var else "check the server's credentials"
        return RagError(f"{where}: the server rejected the API key ({status}): {fix}")
    if status == 404:
        hint = " (pull it with `ollama pull MODEL`)" if name == "ollama" else ""
        return RagError(f"{where}: model or endpoint not found (404) at {url}: check {model_var}{hint}")
    if status == 429:
        return RagError(
            f"{where}: still rate limited (429) after {settings.max_retries} retries: wait, or raise RAG_MAX_RETRIES"
        )
    if "Timeout" in kind or isinstance(err, TimeoutError):
        return RagError(
            f"{where}: no answer from {url} within {settings.request_timeout:g}s: raise RAG_REQUEST_TIMEOUT"
            + (f" or check {provider.url_var}" if provider.url_var else "")
        )
    if "Connect" in kind or isinstance(err, ConnectionError):
        fix = f": check {provider.url_var}" if provider.url_var else ""
        return RagError(f"{where}: cannot reach {url}{fix}")
    detail = first_line(err)[:300]
    prefix = f"server error {status}: " if status else ""
    return RagError(redact(f"{where} failed: {prefix}{detail}"))
