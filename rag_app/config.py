"""Settings: read once from the environment and `.env`, validated, immutable.

A real environment variable wins over `.env`. Every variable is documented in `.env.example`.
Provider names are checked by their registries, which know the valid names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rag_app.errors import ConfigError

STORES = ("chroma", "deeplake")
RETRIEVERS = ("hybrid", "vector")
EMBEDDING_BACKENDS = ("onnx", "torch")


def _str(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, "").strip() or default


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = _str(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _str(env, name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = _str(env, name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no")


def _headers(env: Mapping[str, str], name: str) -> dict[str, str]:
    """`Key: value; Key2: value2` -> dict (values may be secrets: never echoed)."""
    raw = _str(env, name)
    headers: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, value = part.partition(":")
        if not sep or not key.strip():
            raise ConfigError(f"{name} must look like 'Header: value; Other: value'")
        headers[key.strip()] = value.strip()
    return headers


@dataclass(frozen=True)
class Settings:
    """Every rag_app setting; build with `Settings.from_env()`."""

    vector_store: str = "chroma"
    persist_dir: Path = Path(".rag_app")
    collection: str = "rag_app"
    embeddings: str = "huggingface"
    embedding_model: str = ""
    embedding_device: str = "cpu"
    embedding_backend: str = "onnx"
    embedding_batch_size: int = 32
    llm: str = "extractive"
    llm_model: str = ""
    llm_temperature: float = 0.0
    chunk_size: int = 1500
    chunk_overlap: int = 300
    top_k: int = 5
    max_file_mb: int = 50
    retriever: str = "hybrid"
    min_score: float = 0.6
    lexical_weight: float = 0.5
    request_timeout: float = 60.0
    max_retries: int = 2
    openai_api_key: str = field(default="", repr=False)
    openai_base_url: str = ""
    ollama_base_url: str = "http://localhost:11434"
    cohere_api_key: str = field(default="", repr=False)
    cohere_base_url: str = ""
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_headers: dict[str, str] = field(default_factory=dict, repr=False)
    deeplake_dataset_path: str = ""
    activeloop_token: str = field(default="", repr=False)
    debug: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Validated settings from `env` (default: `os.environ` after loading `.env`)."""
        if env is None:
            load_dotenv_file()
            env = os.environ
        deeplake_path = _str(env, "DEEPLAKE_DATASET_PATH")
        store = _str(env, "RAG_VECTOR_STORE", "deeplake" if deeplake_path else "chroma").lower()
        if store not in STORES:
            raise ConfigError(f"unknown RAG_VECTOR_STORE {store!r}: choose one of {', '.join(STORES)}")
        settings = cls(
            vector_store=store,
            persist_dir=Path(_str(env, "RAG_PERSIST_DIR", ".rag_app")).expanduser(),
            collection=_str(env, "RAG_COLLECTION", "rag_app"),
            embeddings=_str(env, "RAG_EMBEDDINGS", "huggingface").lower(),
            embedding_model=_str(env, "RAG_EMBEDDING_MODEL"),
            embedding_device=_str(env, "RAG_EMBEDDING_DEVICE", "cpu"),
            embedding_backend=_str(env, "RAG_EMBEDDING_BACKEND", "onnx").lower(),
            embedding_batch_size=_int(env, "RAG_EMBEDDING_BATCH_SIZE", 32, 1),
            llm=_str(env, "RAG_LLM", "extractive").lower(),
            llm_model=_str(env, "RAG_LLM_MODEL"),
            llm_temperature=_float(env, "RAG_LLM_TEMPERATURE", 0.0),
            chunk_size=_int(env, "RAG_CHUNK_SIZE", 1500, 1),
            chunk_overlap=_int(env, "RAG_CHUNK_OVERLAP", 300, 0),
            top_k=_int(env, "RAG_TOP_K", 5, 1),
            max_file_mb=_int(env, "RAG_MAX_FILE_MB", 50, 1),
            retriever=_str(env, "RAG_RETRIEVER", "hybrid").lower(),
            min_score=_float(env, "RAG_MIN_SCORE", 0.6),
            lexical_weight=_float(env, "RAG_LEXICAL_WEIGHT", 0.5),
            request_timeout=_float(env, "RAG_REQUEST_TIMEOUT", 60.0),
            max_retries=_int(env, "RAG_MAX_RETRIES", 2, 0),
            openai_api_key=_str(env, "OPENAI_API_KEY"),
            openai_base_url=_str(env, "OPENAI_BASE_URL"),
            ollama_base_url=_str(env, "OLLAMA_BASE_URL", "http://localhost:11434"),
            cohere_api_key=_str(env, "COHERE_API_KEY"),
            cohere_base_url=_str(env, "COHERE_BASE_URL"),
            chroma_host=_str(env, "RAG_CHROMA_HOST"),
            chroma_port=_int(env, "RAG_CHROMA_PORT", 8000, 1),
            chroma_ssl=_bool(env, "RAG_CHROMA_SSL"),
            chroma_headers=_headers(env, "RAG_CHROMA_HEADERS"),
            deeplake_dataset_path=deeplake_path,
            activeloop_token=_str(env, "ACTIVELOOP_TOKEN"),
            debug=_bool(env, "RAG_DEBUG"),
        )
        if settings.chunk_overlap >= settings.chunk_size:
            raise ConfigError(
                f"RAG_CHUNK_OVERLAP={settings.chunk_overlap} must be smaller than RAG_CHUNK_SIZE={settings.chunk_size}"
            )
        if settings.retriever not in RETRIEVERS:
            raise ConfigError(f"unknown RAG_RETRIEVER {settings.retriever!r}: choose one of {', '.join(RETRIEVERS)}")
        if settings.embedding_backend not in EMBEDDING_BACKENDS:
            raise ConfigError(
                f"unknown RAG_EMBEDDING_BACKEND {settings.embedding_backend!r}: choose one of {', '.join(EMBEDDING_BACKENDS)}"
            )
        if settings.request_timeout <= 0:
            raise ConfigError(f"RAG_REQUEST_TIMEOUT={settings.request_timeout} must be positive")
        if settings.vector_store == "deeplake" and not settings.deeplake_dataset_path:
            raise ConfigError(
                "RAG_VECTOR_STORE=deeplake needs DEEPLAKE_DATASET_PATH (a folder, mem://name or hub://org/name)"
            )
        return settings


def openai_client_options(settings: Settings, selector: str) -> dict[str, object]:
    """Connection options shared by OpenAI embeddings and chat; `selector` is e.g. "RAG_LLM=openai"."""
    if not settings.openai_api_key and not settings.openai_base_url:
        raise ConfigError(f"{selector} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    return {
        "api_key": settings.openai_api_key or "unused",  # local OpenAI-compatible servers need no key
        "base_url": settings.openai_base_url or None,
        "timeout": settings.request_timeout,
        "max_retries": settings.max_retries,
    }


def load_dotenv_file(path: str | os.PathLike[str] | None = None) -> None:
    """Load `.env` (from the current directory up) without overriding the real environment.

    A line python-dotenv cannot parse is a ConfigError naming the file and line, rather than
    a warning the user may miss.
    """
    import io
    import logging

    from dotenv import find_dotenv, load_dotenv

    dotenv_path = str(path) if path else find_dotenv(usecwd=True)
    if not dotenv_path:
        return
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("dotenv.main")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        load_dotenv(dotenv_path, override=False)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    problem = log.getvalue().strip().splitlines()
    if problem:
        raise ConfigError(f"{dotenv_path}: {problem[0]}")
