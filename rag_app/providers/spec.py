"""What rag_app knows about one provider, in one place: how to build it and how to talk about it.

Registries, `doctor`, error messages and secret redaction all read these specs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

    from rag_app.config import Settings


@dataclass(frozen=True)
class ProviderSpec:
    """One provider of embeddings and/or LLMs.

    Attributes:
        name: the value of RAG_EMBEDDINGS / RAG_LLM that selects it.
        label: its name for people ("OpenAI").
        embeddings: factory of its LangChain `Embeddings`, or None when it has none.
        embedding_model: the default embedding model.
        llm: factory of its LangChain chat model or LLM (returning None means "no model").
        llm_model: the default LLM.
        key_var / key_setting: the variable and Settings field of its API key (a secret).
        url_var / url_setting / default_url: where its server is, and the default.
        retries_itself: its client retries 429 and 5xx answers (RAG_MAX_RETRIES is passed to it).
    """

    name: str
    label: str
    embeddings: Callable[[Settings], Embeddings] | None = None
    embedding_model: str = ""
    llm: Callable[[Settings], BaseLanguageModel | None] | None = None
    llm_model: str = ""
    key_var: str | None = None
    key_setting: str | None = None
    url_var: str | None = None
    url_setting: str | None = None
    default_url: str = ""
    retries_itself: bool = False

    def url(self, settings: Settings) -> str:
        """The server URL in use ("" for local providers)."""
        configured = getattr(settings, self.url_setting, "") if self.url_setting else ""
        return configured or self.default_url

    def key(self, settings: Settings) -> str:
        """The API key in use ("" when none is set or needed)."""
        return _secret(getattr(settings, self.key_setting, "")) if self.key_setting else ""


def _secret(value: Any) -> str:
    """The plain text of a secret (or of a plain string)."""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")
