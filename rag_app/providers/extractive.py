"""The offline default answerer: no model at all (rag_app/answering/extractive.py quotes sentences)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from rag_app.config import Settings


def llm(settings: Settings) -> None:
    """No model: the answer is the best-matching retrieved sentence."""
    return None


SPEC = ProviderSpec(name="extractive", label="extractive answerer", llm=llm)
