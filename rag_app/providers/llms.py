"""The configured language model (None for the extractive answerer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.config import Settings
from rag_app.providers.registry import llm_provider

if TYPE_CHECKING:
    from langchain_core.language_models import BaseLanguageModel


def chat_model(settings: Settings) -> BaseLanguageModel | None:
    """The LangChain chat model or LLM selected by RAG_LLM (None: the extractive answerer).

    Raises:
        ConfigError: an unknown provider, a missing key or a missing extra.
    """
    spec = llm_provider(settings.llm)
    assert spec.llm is not None  # llm_provider() only returns providers with an LLM
    return spec.llm(settings)
