"""Settings: read once from the environment and `.env`, validated, immutable (pydantic-settings).

A real environment variable wins over `.env`. Every variable is documented in `.env.example`.
Provider names are checked by the provider registry, which knows the valid names.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_serializer, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from rag_app.errors import ConfigError

STORES = ("chroma", "deeplake", "postgres")
RETRIEVERS = ("hybrid", "vector")
EMBEDDING_BACKENDS = ("onnx", "torch")
PREFIXES = ("RAG_", "OPENAI_", "COHERE_", "OLLAMA_", "DEEPLAKE_", "ACTIVELOOP_")
# Set while Settings.from_env(mapping) builds: the mapping is then the only source.
_ONLY_GIVEN: ContextVar[bool] = ContextVar("rag_app_only_given", default=False)


def default_persist_dir() -> Path:
    """`./.rag_app` when it exists here, else the per-user data folder (`$XDG_DATA_HOME/rag_app`,
    by default `~/.local/share/rag_app`), so commands run from any folder find the same store."""
    here = Path(".rag_app")
    if here.is_dir():
        return here
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "rag_app"


def _var(name: str, default: Any = None, **constraints: Any) -> Any:
    """A setting read from the environment variable `name`."""
    return Field(default, validation_alias=name, **constraints)


class Settings(BaseSettings):
    """Every rag_app setting; build with `Settings.from_env()` (or pass values by variable name)."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        case_sensitive=True,
        env_ignore_empty=True,
        str_strip_whitespace=True,
        populate_by_name=True,
    )

    vector_store: Literal["chroma", "deeplake", "postgres"] = _var("RAG_VECTOR_STORE", "chroma")
    persist_dir: Path = Field(default_factory=default_persist_dir, validation_alias="RAG_PERSIST_DIR")
    collection: str = _var("RAG_COLLECTION", "rag_app", min_length=1)
    embeddings: str = _var("RAG_EMBEDDINGS", "huggingface")
    embedding_model: str = _var("RAG_EMBEDDING_MODEL", "")
    embedding_device: str = _var("RAG_EMBEDDING_DEVICE", "cpu")
    embedding_backend: Literal["onnx", "torch"] = _var("RAG_EMBEDDING_BACKEND", "onnx")
    embedding_batch_size: int = _var("RAG_EMBEDDING_BATCH_SIZE", 32, ge=1)
    llm: str = _var("RAG_LLM", "extractive")
    llm_model: str = _var("RAG_LLM_MODEL", "")
    llm_temperature: float = _var("RAG_LLM_TEMPERATURE", 0.0)
    chunk_size: int = _var("RAG_CHUNK_SIZE", 1500, ge=1)
    chunk_overlap: int = _var("RAG_CHUNK_OVERLAP", 300, ge=0)
    top_k: int = _var("RAG_TOP_K", 5, ge=1)
    max_file_mb: int = _var("RAG_MAX_FILE_MB", 50, ge=1)
    max_upload_files: int = _var("RAG_MAX_UPLOAD_FILES", 20, ge=1)
    max_embed_inputs: int = _var("RAG_MAX_EMBED_INPUTS", 2048, ge=1)
    max_embed_chars: int = _var("RAG_MAX_EMBED_CHARS", 1_000_000, ge=1)
    api_key: SecretStr = _var("RAG_API_KEY", SecretStr(""))
    retriever: Literal["hybrid", "vector"] = _var("RAG_RETRIEVER", "hybrid")
    min_score: float = _var("RAG_MIN_SCORE", 0.6)
    lexical_weight: float = _var("RAG_LEXICAL_WEIGHT", 0.5)
    request_timeout: float = _var("RAG_REQUEST_TIMEOUT", 60.0, gt=0)
    max_retries: int = _var("RAG_MAX_RETRIES", 2, ge=0)
    openai_api_key: SecretStr = _var("OPENAI_API_KEY", SecretStr(""))
    openai_base_url: str = _var("OPENAI_BASE_URL", "")
    ollama_base_url: str = _var("OLLAMA_BASE_URL", "http://localhost:11434")
    cohere_api_key: SecretStr = _var("COHERE_API_KEY", SecretStr(""))
    cohere_base_url: str = _var("COHERE_BASE_URL", "")
    chroma_host: str = _var("RAG_CHROMA_HOST", "")
    chroma_port: int = _var("RAG_CHROMA_PORT", 8000, ge=1)
    chroma_ssl: bool = _var("RAG_CHROMA_SSL", False)
    chroma_headers: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, validation_alias="RAG_CHROMA_HEADERS", repr=False
    )
    catalog_url: SecretStr = _var("RAG_CATALOG_URL", SecretStr(""))
    postgres_url: SecretStr = _var("RAG_POSTGRES_URL", SecretStr(""))
    source_root: Path | None = _var("RAG_SOURCE_ROOT", None)
    deeplake_dataset_path: str = _var("DEEPLAKE_DATASET_PATH", "")
    activeloop_token: SecretStr = _var("ACTIVELOOP_TOKEN", SecretStr(""))
    allowed_origins: str = _var("RAG_ALLOWED_ORIGINS", "")
    mcp_ingest_roots: str = _var("RAG_MCP_INGEST_ROOTS", "")
    debug: bool = _var("RAG_DEBUG", False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The process environment, then `.env`; only the given values inside `from_env(mapping)`."""
        return (init_settings,) if _ONLY_GIVEN.get() else (init_settings, env_settings, dotenv_settings)

    @model_validator(mode="before")
    @classmethod
    def _store_follows_deeplake_path(cls, values: Any) -> Any:
        """Deep Lake is the default store once DEEPLAKE_DATASET_PATH is set."""
        if isinstance(values, dict) and values.get("DEEPLAKE_DATASET_PATH") and not values.get("RAG_VECTOR_STORE"):
            return {**values, "RAG_VECTOR_STORE": "deeplake"}
        return values

    @field_validator("vector_store", "embeddings", "llm", "retriever", "embedding_backend", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("persist_dir", "source_root", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("catalog_url", mode="after")
    @classmethod
    def _catalog_dialect(cls, value: SecretStr) -> SecretStr:
        """sqlite or postgresql, the dialects SQLRecordManager supports (the URL itself is never echoed)."""
        url = value.get_secret_value()
        if url and not url.split("://", 1)[0].startswith(("sqlite", "postgresql")):
            raise ValueError(
                "must be a sqlite:/// or postgresql+psycopg:// URL (LangChain's SQLRecordManager supports no other)"
            )
        return value

    @field_validator("allowed_origins", mode="after")
    @classmethod
    def _origins(cls, value: str) -> str:
        """Each entry an http(s) origin (raises ConfigError naming the variable)."""
        from rag_app.server.guard import origins_setting

        origins_setting(value)
        return value

    @field_validator("chroma_headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        """`Key: value; Key2: value2` -> dict (values may be secrets: never echoed)."""
        if not isinstance(value, str):
            return value
        headers: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in value.split(";"))):
            key, sep, header = part.partition(":")
            if not sep or not key.strip():
                raise ValueError("must look like 'Header: value; Other: value'")
            headers[key.strip()] = header.strip()
        return headers

    @field_serializer("chroma_headers")
    def _hide_header_values(self, headers: dict[str, str]) -> dict[str, str]:
        return dict.fromkeys(headers, "**********")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP={self.chunk_overlap} must be smaller than RAG_CHUNK_SIZE={self.chunk_size}"
            )
        if self.vector_store == "postgres" and not self.postgres_url.get_secret_value().startswith("postgresql"):
            raise ValueError(
                "RAG_VECTOR_STORE=postgres needs RAG_POSTGRES_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/DB"
            )
        if self.vector_store == "deeplake" and not self.deeplake_dataset_path:
            raise ValueError(
                "RAG_VECTOR_STORE=deeplake needs DEEPLAKE_DATASET_PATH (a folder, mem://name or hub://org/name)"
            )
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Validated settings.

        Args:
            env: variables to read; by default the process environment plus `.env` (found from
                the current directory upwards), where the environment wins.

        Returns:
            The settings.

        Raises:
            ConfigError: a value is invalid (one line naming the variable), or `.env` cannot be parsed.
        """
        if env is None:
            return cls._build(_env_file=find_dotenv_file())
        token = _ONLY_GIVEN.set(True)
        try:
            return cls._build(**{k: v for k, v in env.items() if k in _ALIASES and v.strip()})
        finally:
            _ONLY_GIVEN.reset(token)

    @classmethod
    def _build(cls, **values: Any) -> Settings:
        try:
            return cls(**values)
        except ValidationError as err:
            raise ConfigError(_explain(err)) from err


def variable_names() -> list[str]:
    """Every environment variable Settings reads."""
    return list(_ALIASES)


_ALIASES = {str(f.validation_alias): name for name, f in Settings.model_fields.items()}


def unknown_variables(env: Mapping[str, str]) -> list[str]:
    """Warnings for variables with rag_app's prefixes that no setting reads, with a close match.

    Args:
        env: the variables to check (the environment, `.env` included).

    Returns:
        One line per unknown `RAG_*` variable (other prefixes only when they look misspelt).
    """
    known = variable_names()
    warnings = []
    for name in sorted(env):
        if name in known or not name.startswith(PREFIXES):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        if close:
            warnings.append(f"{name} is not a rag_app setting: did you mean {close[0]}?")
        elif name.startswith("RAG_"):
            warnings.append(f"{name} is not a rag_app setting (see .env.example)")
    return warnings


_MESSAGES = {
    "int_parsing": "{name}={value!r} is not a whole number",
    "int_from_float": "{name}={value!r} is not a whole number",
    "float_parsing": "{name}={value!r} is not a number",
    "bool_parsing": "{name}={value!r} is not a boolean: use 1/0, true/false, yes/no",
    "greater_than_equal": "{name}={value} must be at least {ge}",
    "greater_than": "{name}={value} must be greater than {gt}",
    "string_too_short": "{name} must not be empty",
    "literal_error": "unknown {name} {value!r}: choose one of {expected}",
}


def _explain(err: ValidationError) -> str:
    """The first validation error as one line naming the variable."""
    first = err.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    context = first.get("ctx") or {}
    template = _MESSAGES.get(first["type"])
    if template and name:
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return template.format(**{**context, "name": name, "value": first["input"], "expected": expected})
    message = str(context.get("error", first["msg"])).removeprefix("Value error, ")
    return f"{name}: {message}" if name else message


def find_dotenv_file() -> str | None:
    """`.env` from the current directory upwards, checked for syntax; None when there is none.

    Raises:
        ConfigError: a line python-dotenv cannot parse, naming the file and line (rather than a
            warning the user may miss).
    """
    import io
    import logging

    from dotenv import dotenv_values, find_dotenv

    path = find_dotenv(usecwd=True)
    if not path:
        return None
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("dotenv.main")
    logger.addHandler(handler)
    try:
        dotenv_values(path)
    finally:
        logger.removeHandler(handler)
    problem = log.getvalue().strip().splitlines()
    if problem:
        raise ConfigError(f"{path}: {problem[0]}")
    return path


def environment() -> dict[str, str]:
    """The variables Settings.from_env() reads: `.env` overlaid by the process environment."""
    from dotenv import dotenv_values

    path = find_dotenv_file()
    values = {k: v for k, v in (dotenv_values(path) if path else {}).items() if v is not None}
    return {**values, **os.environ}
