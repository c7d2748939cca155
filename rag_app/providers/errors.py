"""Provider failures as one clear line: which provider, what went wrong, which variable to fix.

The client libraries (openai, ollama, cohere, httpx) raise their own exception types; this module
reads their status code and class name instead of importing them, and never includes a secret.
"""

from __future__ import annotations

from rag_app.config import Settings
from rag_app.errors import ProviderError, RagError, first_line
from rag_app.providers.registry import PROVIDERS, redact
from rag_app.providers.spec import ProviderSpec


def provider_error(err: BaseException, role: str, name: str, settings: Settings) -> RagError:
    """A one-line error explaining `err`, raised while provider `name` worked as `role`.

    Args:
        err: what the client library raised.
        role: "embeddings" or "LLM".
        name: the provider's name (RAG_EMBEDDINGS or RAG_LLM).
        settings: the settings in use (for URLs, limits and the secrets to hide).

    Returns:
        `err` itself when it is already a RagError, else a ProviderError.
    """
    if isinstance(err, RagError):
        return err
    spec = PROVIDERS.get(name, ProviderSpec(name=name, label=name))
    model_var = "RAG_EMBEDDING_MODEL" if role == "embeddings" else "RAG_LLM_MODEL"
    status = getattr(err, "status_code", None) or getattr(getattr(err, "response", None), "status_code", None)
    kind = type(err).__name__
    url = spec.url(settings)
    where = f"{spec.label} {role}"
    if status in (401, 403):
        fix = f"check {spec.key_var}" if spec.key_var else "check the server's credentials"
        return ProviderError(f"{where}: the server rejected the API key ({status}): {fix}")
    if status == 404:
        hint = " (pull it with `ollama pull MODEL`)" if name == "ollama" else ""
        return ProviderError(f"{where}: model or endpoint not found (404) at {url}: check {model_var}{hint}")
    if status == 429:
        return ProviderError(
            f"{where}: still rate limited (429) after {settings.max_retries} retries: wait, or raise RAG_MAX_RETRIES"
        )
    if "Timeout" in kind or isinstance(err, TimeoutError):
        return ProviderError(
            f"{where}: no answer from {url} within {settings.request_timeout:g}s: raise RAG_REQUEST_TIMEOUT"
            + (f" or check {spec.url_var}" if spec.url_var else "")
        )
    if "Connect" in kind or isinstance(err, ConnectionError):
        fix = f": check {spec.url_var}" if spec.url_var else ""
        return ProviderError(f"{where}: cannot reach {url}{fix}")
    detail = first_line(err)[:300]
    prefix = f"server error {status}: " if status else ""
    return ProviderError(redact(f"{where} failed: {prefix}{detail}", settings))
