"""rag_app: ask questions about your own documents.

    from rag_app import RagService

    service = RagService()              # settings from the environment and .env
    service.ingest(["data/"])
    answer = service.ask("When was Michael Jordan born?")
    print(answer.answer, [s.source for s in answer.sources])

Names are loaded on first use, so `import rag_app` stays instant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "RagService": "rag_app.service",
    "Settings": "rag_app.config",
    "Answer": "rag_app.results",
    "SearchResult": "rag_app.results",
    "Source": "rag_app.results",
    "IngestReport": "rag_app.results",
    "SourceInfo": "rag_app.results",
    "Stats": "rag_app.results",
    "Deleted": "rag_app.results",
    "RagError": "rag_app.errors",
    "ConfigError": "rag_app.errors",
    "StoreError": "rag_app.errors",
    "EmptyStoreError": "rag_app.errors",
    "NotFoundError": "rag_app.errors",
    "BusyError": "rag_app.errors",
    "ProviderError": "rag_app.errors",
}
__all__ = [
    "RagService",
    "Settings",
    "Answer",
    "SearchResult",
    "Source",
    "IngestReport",
    "SourceInfo",
    "Stats",
    "Deleted",
    "RagError",
    "ConfigError",
    "StoreError",
    "EmptyStoreError",
    "NotFoundError",
    "BusyError",
    "ProviderError",
    "__version__",
]

if TYPE_CHECKING:
    from rag_app.config import Settings
    from rag_app.errors import (
        BusyError,
        ConfigError,
        EmptyStoreError,
        NotFoundError,
        ProviderError,
        RagError,
        StoreError,
    )
    from rag_app.results import Answer, Deleted, IngestReport, SearchResult, Source, SourceInfo, Stats
    from rag_app.service import RagService


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag_app' has no attribute {name!r}")
