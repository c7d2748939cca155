"""Settings: read once from the environment and `.env`, checked, immutable.

A real environment variable wins over `.env`. Every variable is documented in `.env.example`.
Provider names are checked by the provider registry, which knows the valid names.

Plain Python rather than pydantic-settings: every command builds these first, and importing
pydantic-settings and building its model took 0.3 s of a `stats` meant to answer in 0.3 s
(bench/install.md). Each variable is one `Var` below: its type's parser, default and bounds.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag_app.errors import ConfigError

STORES = ("chroma", "deeplake", "postgres")
RETRIEVERS = ("hybrid", "vector")
EMBEDDING_BACKENDS = ("onnx", "torch")
PREFIXES = ("RAG_", "OPENAI_", "COHERE_", "OLLAMA_", "DEEPLAKE_", "ACTIVELOOP_")
TRUE, FALSE = ("1", "true", "t", "yes", "y", "on"), ("0", "false", "f", "no", "n", "off")


def default_persist_dir() -> Path:
    """`./.rag_app` when it exists here, else the per-user data folder (`$XDG_DATA_HOME/rag_app`,
    by default `~/.local/share/rag_app`), so commands run from any folder find the same store."""
    here = Path(".rag_app")
    if here.is_dir():
        return here
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "rag_app"


class Secret:
    """A secret (an API key, a URL with a password): shown as `**********`, read with `get_secret_value()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str = "") -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({str(self)!r})"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


Parser = Callable[[str, Any], Any]  # (variable name, value given) -> the setting's value; raises ConfigError


def _text(variable: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{variable}={value!r} is not text")
    return value.strip()


def _lower(variable: str, value: Any) -> str:
    return _text(variable, value).lower()


def _nonempty(variable: str, value: Any) -> str:
    text = _text(variable, value)
    if not text:
        raise ConfigError(f"{variable} must not be empty")
    return text


def _choice(*choices: str) -> Parser:
    def parse(variable: str, value: Any) -> str:
        chosen = _lower(variable, value)
        if chosen not in choices:
            raise ConfigError(f"unknown {variable} {chosen!r}: choose one of {', '.join(choices)}")
        return chosen

    return parse


def _number(whole: bool, ge: float | None = None, gt: float | None = None) -> Parser:
    def parse(variable: str, value: Any) -> int | float:
        number = _as_number(value, whole)
        if number is None:
            raise ConfigError(f"{variable}={value!r} is not {'a whole number' if whole else 'a number'}")
        if ge is not None and number < ge:
            raise ConfigError(f"{variable}={value} must be at least {ge:g}")
        if gt is not None and number <= gt:
            raise ConfigError(f"{variable}={value} must be greater than {gt:g}")
        return number

    return parse


def _as_number(value: Any, whole: bool) -> int | float | None:
    """`value` (text or a number) as an int (`whole`: only when it has no fraction) or a float; None if it is not one."""
    if isinstance(value, str):
        try:
            return int(value.strip()) if whole else float(value.strip())
        except ValueError:
            if not whole:
                return None
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not whole:
        return float(value)
    return int(value) if isinstance(value, int) or value.is_integer() else None


def _flag(variable: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool) or text in TRUE + FALSE:
        return value if isinstance(value, bool) else text in TRUE
    raise ConfigError(f"{variable}={value!r} is not a boolean: use 1/0, true/false, yes/no")


def _path(variable: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{variable}={value!r} is not a path")
    return Path(value.strip() if isinstance(value, str) else value).expanduser()


def _optional_path(variable: str, value: Any) -> Path | None:
    return None if value is None else _path(variable, value)


def _secret(variable: str, value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if hasattr(value, "get_secret_value"):  # pydantic's SecretStr
        value = value.get_secret_value()
    return Secret(_text(variable, value))


def _catalog_url(variable: str, value: Any) -> Secret:
    """sqlite or postgresql, the dialects SQLRecordManager supports (the URL itself is never echoed)."""
    secret = _secret(variable, value)
    url = secret.get_secret_value()
    if url and not url.split("://", 1)[0].startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"{variable}: must be a sqlite:/// or postgresql+psycopg:// URL"
            " (LangChain's SQLRecordManager supports no other)"
        )
    return secret


def _origins(variable: str, value: Any) -> str:
    """Each entry an http(s) origin (raises ConfigError naming the variable)."""
    from rag_app.server.guard import origins_setting

    text = _text(variable, value)
    origins_setting(text)
    return text


def _headers(variable: str, value: Any) -> dict[str, str]:
    """`Key: value; Key2: value2` -> dict (values may be secrets: never echoed)."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    headers: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in _text(variable, value).split(";"))):
        key, sep, header = part.partition(":")
        if not sep or not key.strip():
            raise ConfigError(f"{variable}: must look like 'Header: value; Other: value'")
        headers[key.strip()] = header.strip()
    return headers


@dataclass(frozen=True)
class Var:
    """One setting: the environment variable it is read from, its parser, and its default
    (`factory` makes a default that depends on the machine or must not be shared)."""

    variable: str
    parse: Parser
    default: Any = None
    factory: Callable[[], Any] | None = None
    shown: bool = True  # False: not in repr (values that may be secrets)


def _whole(ge: int) -> Parser:
    return _number(True, ge=ge)


VARS: dict[str, Var] = {
    "vector_store": Var("RAG_VECTOR_STORE", _choice(*STORES), "chroma"),
    "persist_dir": Var("RAG_PERSIST_DIR", _path, factory=default_persist_dir),
    "collection": Var("RAG_COLLECTION", _nonempty, "rag_app"),
    "embeddings": Var("RAG_EMBEDDINGS", _lower, "huggingface"),
    "embedding_model": Var("RAG_EMBEDDING_MODEL", _text, ""),
    "embedding_device": Var("RAG_EMBEDDING_DEVICE", _text, "cpu"),
    "embedding_backend": Var("RAG_EMBEDDING_BACKEND", _choice(*EMBEDDING_BACKENDS), "onnx"),
    "embedding_batch_size": Var("RAG_EMBEDDING_BATCH_SIZE", _whole(1), 32),
    "llm": Var("RAG_LLM", _lower, "extractive"),
    "llm_model": Var("RAG_LLM_MODEL", _text, ""),
    "llm_temperature": Var("RAG_LLM_TEMPERATURE", _number(False), 0.0),
    "chunk_size": Var("RAG_CHUNK_SIZE", _whole(1), 1500),
    "chunk_overlap": Var("RAG_CHUNK_OVERLAP", _whole(0), 300),
    "top_k": Var("RAG_TOP_K", _whole(1), 5),
    "max_file_mb": Var("RAG_MAX_FILE_MB", _whole(1), 50),
    "max_upload_files": Var("RAG_MAX_UPLOAD_FILES", _whole(1), 20),
    "max_embed_inputs": Var("RAG_MAX_EMBED_INPUTS", _whole(1), 2048),
    "max_embed_chars": Var("RAG_MAX_EMBED_CHARS", _whole(1), 1_000_000),
    "api_key": Var("RAG_API_KEY", _secret, Secret()),
    "retriever": Var("RAG_RETRIEVER", _choice(*RETRIEVERS), "hybrid"),
    "min_score": Var("RAG_MIN_SCORE", _number(False), 0.6),
    "lexical_weight": Var("RAG_LEXICAL_WEIGHT", _number(False), 0.5),
    "request_timeout": Var("RAG_REQUEST_TIMEOUT", _number(False, gt=0), 60.0),
    "max_retries": Var("RAG_MAX_RETRIES", _whole(0), 2),
    "openai_api_key": Var("OPENAI_API_KEY", _secret, Secret()),
    "openai_base_url": Var("OPENAI_BASE_URL", _text, ""),
    "ollama_base_url": Var("OLLAMA_BASE_URL", _text, "http://localhost:11434"),
    "cohere_api_key": Var("COHERE_API_KEY", _secret, Secret()),
    "cohere_base_url": Var("COHERE_BASE_URL", _text, ""),
    "chroma_host": Var("RAG_CHROMA_HOST", _text, ""),
    "chroma_port": Var("RAG_CHROMA_PORT", _whole(1), 8000),
    "chroma_ssl": Var("RAG_CHROMA_SSL", _flag, False),
    "chroma_headers": Var("RAG_CHROMA_HEADERS", _headers, factory=dict, shown=False),
    "catalog_url": Var("RAG_CATALOG_URL", _catalog_url, Secret()),
    "postgres_url": Var("RAG_POSTGRES_URL", _secret, Secret()),
    "source_root": Var("RAG_SOURCE_ROOT", _optional_path, None),
    "deeplake_dataset_path": Var("DEEPLAKE_DATASET_PATH", _text, ""),
    "activeloop_token": Var("ACTIVELOOP_TOKEN", _secret, Secret()),
    "allowed_origins": Var("RAG_ALLOWED_ORIGINS", _origins, ""),
    "mcp_ingest_roots": Var("RAG_MCP_INGEST_ROOTS", _text, ""),
    "debug": Var("RAG_DEBUG", _flag, False),
}
_ALIASES = {var.variable: name for name, var in VARS.items()}


class Settings:
    """Every rag_app setting, immutable; build with `Settings.from_env()`.

    `Settings(**values)` takes values by setting name (`chunk_size=300`) or variable name
    (`RAG_CHUNK_SIZE="300"`) over the environment and `.env`, as `from_env()` reads them.

    Raises:
        ConfigError: a value is invalid (one line naming the variable).
        TypeError: a name that is no setting.
    """

    vector_store: str
    persist_dir: Path
    collection: str
    embeddings: str
    embedding_model: str
    embedding_device: str
    embedding_backend: str
    embedding_batch_size: int
    llm: str
    llm_model: str
    llm_temperature: float
    chunk_size: int
    chunk_overlap: int
    top_k: int
    max_file_mb: int
    max_upload_files: int
    max_embed_inputs: int
    max_embed_chars: int
    api_key: Secret
    retriever: str
    min_score: float
    lexical_weight: float
    request_timeout: float
    max_retries: int
    openai_api_key: Secret
    openai_base_url: str
    ollama_base_url: str
    cohere_api_key: Secret
    cohere_base_url: str
    chroma_host: str
    chroma_port: int
    chroma_ssl: bool
    chroma_headers: dict[str, str]
    catalog_url: Secret
    postgres_url: Secret
    source_root: Path | None
    deeplake_dataset_path: str
    activeloop_token: Secret
    allowed_origins: str
    mcp_ingest_roots: str
    debug: bool
    given: frozenset[str]
    """The names of the settings given (in the environment, `.env` or as values), not defaulted."""

    def __init__(self, **values: Any) -> None:
        self._fill({**_present(environment()), **values})

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
        settings = cls.__new__(cls)
        settings._fill(_present(environment() if env is None else env))
        return settings

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (by setting name), checked again.

        Raises:
            ConfigError: a changed value is invalid.
        """
        settings = type(self).__new__(type(self))
        settings._fill({name: getattr(self, name) for name in VARS} | changes)
        object.__setattr__(settings, "given", self.given | set(changes))
        return settings

    def _fill(self, values: dict[str, Any]) -> None:
        values = {_ALIASES.get(key, key): value for key, value in values.items()}
        unknown = sorted(set(values) - set(VARS))
        if unknown:
            raise TypeError(f"not a rag_app setting: {', '.join(unknown)}")
        if values.get("deeplake_dataset_path") and not values.get("vector_store"):
            values["vector_store"] = "deeplake"  # Deep Lake is the default store once its path is set
        for name, var in VARS.items():
            if name in values:
                value = var.parse(var.variable, values[name])
            else:
                value = var.factory() if var.factory else var.default
            object.__setattr__(self, name, value)
        object.__setattr__(self, "given", frozenset(values))
        self._check()

    def _check(self) -> None:
        if self.chunk_overlap >= self.chunk_size:
            raise ConfigError(
                f"RAG_CHUNK_OVERLAP={self.chunk_overlap} must be smaller than RAG_CHUNK_SIZE={self.chunk_size}"
            )
        if self.vector_store == "postgres" and not self.postgres_url.get_secret_value().startswith("postgresql"):
            raise ConfigError(
                "RAG_VECTOR_STORE=postgres needs RAG_POSTGRES_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/DB"
            )
        if self.vector_store == "deeplake" and not self.deeplake_dataset_path:
            raise ConfigError(
                "RAG_VECTOR_STORE=deeplake needs DEEPLAKE_DATASET_PATH (a folder, mem://name or hub://org/name)"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are immutable: use replace({name}=...)")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in VARS)

    __hash__ = None  # type: ignore[assignment]  # chroma_headers is a dict

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, var in VARS.items() if var.shown)
        return f"Settings({shown})"


def _present(env: Mapping[str, str]) -> dict[str, str]:
    """The variables of `env` that Settings reads, less the empty ones (an empty variable is unset)."""
    return {key: value for key, value in env.items() if key in _ALIASES and value.strip()}


def variable_names() -> list[str]:
    """Every environment variable Settings reads."""
    return list(_ALIASES)


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
