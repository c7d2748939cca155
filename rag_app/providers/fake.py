"""Deterministic stand-ins for tests: hash-based embeddings and a scripted LLM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.errors import ConfigError
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseLanguageModel

    from rag_app.config import Settings


def embeddings(settings: Settings) -> Embeddings:
    """`DeterministicFakeEmbedding`; RAG_EMBEDDING_MODEL is the dimension."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    size = settings.embedding_model or SPEC.embedding_model
    if not size.isdigit() or int(size) < 1:
        raise ConfigError(f"RAG_EMBEDDINGS=fake takes RAG_EMBEDDING_MODEL as a dimension, not {size!r}")
    return DeterministicFakeEmbedding(size=int(size))


def llm(settings: Settings) -> BaseLanguageModel:
    """`FakeListLLM`; RAG_LLM_MODEL holds its answers, separated by `|`."""
    from langchain_core.language_models import FakeListLLM

    return FakeListLLM(responses=(settings.llm_model or "fake answer").split("|"))


SPEC = ProviderSpec(name="fake", label="fake", embeddings=embeddings, embedding_model="256", llm=llm)
