"""Vector stores, looked up by `RAG_VECTOR_STORE` in `BACKENDS`; each backend is one adapter module.

Every backend implements the contract in `stores.contract`; nothing outside the adapters knows
which backend is in use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rag_app.config import STORES, Settings
from rag_app.stores.catalog import Catalog

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.stores.contract import BackendModule, StoreBackend


def _chroma_location(settings: Settings) -> str:
    if settings.chroma_host:
        scheme = "https" if settings.chroma_ssl else "http"
        return f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"
    return str((settings.persist_dir / "chroma").resolve())


def _deeplake_location(settings: Settings) -> str:
    path = settings.deeplake_dataset_path
    return path if "://" in path else str(Path(path).expanduser().resolve())


def _postgres_location(settings: Settings) -> str:
    from rag_app.stores.catalog_db import shown

    return shown(settings.postgres_url.get_secret_value())


@dataclass(frozen=True)
class Backend:
    """One backend: its name, where a store of it lives (for people and the catalog; no secrets),
    its adapter module (imported only when a store is opened), and the module that reads the
    store's state (the adapter, unless a lighter one does it: `stats` should import little)."""

    name: str
    location: Callable[[Settings], str]
    module: str
    state_module: str = ""
    database: Callable[[Settings], str] | None = None  # a SQL database the catalog can share (its URL)

    @property
    def adapter(self) -> BackendModule:
        return cast("BackendModule", import_module(self.module))

    def read_state(self, settings: Settings) -> tuple[str, int]:
        """(identity, chunk count) of the configured store, read from the store."""
        return cast("BackendModule", import_module(self.state_module or self.module)).read_state(settings)


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("chroma", _chroma_location, "rag_app.stores.chroma", "rag_app.stores.chroma_client"),
        Backend("deeplake", _deeplake_location, "rag_app.stores.deeplake"),
        Backend(
            "postgres",
            _postgres_location,
            "rag_app.stores.postgres",
            database=lambda settings: settings.postgres_url.get_secret_value(),
        ),
    )
}
assert set(BACKENDS) == set(STORES)


def backend(settings: Settings) -> Backend:
    """The configured backend."""
    return BACKENDS[settings.vector_store]


def location(settings: Settings) -> str:
    """Where the configured store lives, for people and for the catalog namespace (no secrets)."""
    return backend(settings).location(settings)


def catalog(settings: Settings) -> Catalog:
    """The catalog (chunk records, embedding model) of the configured store and collection: in
    RAG_CATALOG_URL, else the store's own database (PostgreSQL), else SQLite in RAG_PERSIST_DIR."""
    namespace = f"{settings.vector_store}:{location(settings)}:{settings.collection}"
    url = settings.catalog_url.get_secret_value()
    database = backend(settings).database
    if not url and database is not None:
        url = database(settings)
    return Catalog(settings.persist_dir.resolve(), namespace, url)


def open_vectorstore(settings: Settings, embeddings: Embeddings | None, fresh: bool = False) -> StoreBackend:
    """The configured store, opened (created on its first write): a LangChain VectorStore that
    implements `StoreBackend`.

    Args:
        settings: which store.
        embeddings: the model the store embeds queries (and new texts) with; None to read and delete only.
        fresh: see writes that other processes made since this process first opened the store.

    Raises:
        StoreError: the store cannot be reached or opened.
        ConfigError: credentials the store needs are missing.
    """
    return backend(settings).adapter.open_store(settings, embeddings, fresh)
