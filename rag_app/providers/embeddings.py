"""The configured embedding model, guarded: retries where its client does not, one-line errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langchain_core.embeddings import Embeddings

from rag_app.config import Settings
from rag_app.errors import ProviderError, RagError
from rag_app.providers.errors import provider_error
from rag_app.providers.registry import embedding_provider


def make_embeddings(settings: Settings) -> Embeddings:
    """The configured `Embeddings` instance.

    Raises:
        ConfigError: an unknown provider or a missing key.
        ProviderError: the model cannot be loaded.
    """
    spec = embedding_provider(settings.embeddings)
    assert spec.embeddings is not None  # embedding_provider() only returns providers with embeddings
    return GuardedEmbeddings(spec.embeddings(settings), settings)


class GuardedEmbeddings(Embeddings):
    """Delegates to a provider's Embeddings: retries 429/5xx with backoff where the client does
    not, and turns failures into one-line ProviderErrors."""

    def __init__(self, inner: Embeddings, settings: Settings) -> None:
        self.inner = inner
        self.settings = settings
        self.spec = embedding_provider(settings.embeddings)

    def _call(self, method: Callable[[], Any]) -> Any:
        attempts = 1 if self.spec.retries_itself else self.settings.max_retries + 1
        for attempt in range(attempts):
            try:
                return method()
            except RagError:
                raise
            except Exception as err:
                status = getattr(err, "status_code", None)
                transient = status == 429 or (isinstance(status, int) and status >= 500)
                if not transient or attempt == attempts - 1:
                    raise provider_error(err, "embeddings", self.spec.name, self.settings) from err
                time.sleep(min(0.5 * 2**attempt, 8.0))
        raise AssertionError("unreachable")

    def prefetch(self) -> None:
        """Start loading the model in the background, where the provider can (the bundled ONNX
        model); otherwise nothing."""
        prefetch = getattr(self.inner, "prefetch", None)
        if prefetch is not None:
            prefetch()

    def _checked(self, vector: Any) -> list[float]:
        if vector and isinstance(vector[0], list):
            raise ProviderError(
                f"{self.spec.label} embeddings returned one vector per token, not per text: "
                "the server's model has no pooling; use a sentence-embedding model (RAG_EMBEDDING_MODEL)"
            )
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._checked(v) for v in self._call(lambda: self.inner.embed_documents(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self._checked(self._call(lambda: self.inner.embed_query(text)))
