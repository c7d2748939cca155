"""`models bench`: size on disk, dimension, load time, latency and throughput of embedding models.

The models measured are the bundled default (through the ONNX path and the torch
sentence-transformers path, and on a GPU when one is present), any local model folder asked
for, the hosted models whose key or URL is configured, and the configured model itself when it
is none of those. Each is built with rag_app's own provider code, so the figures are those of
`ingest` and `ask`.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError, RagError, first_line

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.config import Settings

HELLO = "Hello World"
WARM_UP = 3
CHUNK_CHARS = 1000
# Built-in chunks when no corpus is given: plain prose of the length rag_app's splitter makes.
_PROSE = (
    "The printing press changed how knowledge travelled. Before it, a book was copied by hand, "
    "and a monastery might take a year to produce a single Bible. After Gutenberg's workshop in "
    "Mainz began printing around 1450, a press could turn out hundreds of identical pages a day. "
    "Printers spread along the trade routes of Europe, and within fifty years millions of books "
    "were in circulation. Cheaper books meant that more people learned to read, that scholars in "
    "distant cities could argue over the same text, and that errors, once corrected, stayed "
    "corrected. Coffee followed a similar path of trade. The earliest credible evidence of coffee "
    "drinking comes from the Sufi shrines of Yemen in the fifteenth century, where it helped "
    "worshippers stay awake through night-time devotions. From there it reached Mecca and Cairo, "
    "then Constantinople, where the first coffeehouse opened in 1554. Venetian merchants brought "
    "it to Europe, and by the late seventeenth century London had hundreds of coffeehouses in which "
    "merchants, writers and scientists met to trade news. The solar system formed about 4.6 billion "
    "years ago from the collapse of a cloud of gas and dust. Most of the mass gathered at the centre "
    "to form the Sun, while the rest flattened into a disc in which the planets grew. The four inner "
    "planets are small and rocky; the four outer ones are giants of gas and ice. Between Mars and "
    "Jupiter lies the asteroid belt, and far beyond Neptune the Kuiper belt holds icy bodies such as "
    "Pluto. Spacecraft have now visited every planet, and the Voyager probes, launched in 1977, have "
    "left the heliosphere and entered interstellar space, still sending back faint signals. Rivers "
    "shape the land they cross. A young river cuts a steep valley; an old one meanders across a wide "
    "plain, depositing silt that makes the soil rich. Many early civilisations grew along rivers: the "
    "Nile, the Tigris and Euphrates, the Indus and the Yellow River all fed farms and carried trade."
)


@dataclass(frozen=True)
class Target:
    """One model to measure, as the settings that select it.

    Attributes:
        name: what the table calls it (a model name or a folder).
        backend: `onnx`, `torch`, or the hosted provider's name.
        device: `cpu`, `cuda`, or `remote` for a hosted model.
        settings: the settings that build it with rag_app's provider code.
        path: its local folder, for the size on disk (None for hosted models).
    """

    name: str
    backend: str
    device: str
    settings: Settings
    path: str | None = None


@dataclass(frozen=True)
class ModelBench:
    """The figures of one model; `error` is set (and the figures None) when it could not be measured."""

    name: str
    backend: str
    device: str
    size_bytes: int | None
    dimension: int | None = None
    load_s: float | None = None
    latency_ms: float | None = None  # median embed_query("Hello World") over `runs` calls
    runs: int = 0
    chunks_per_s: float | None = None
    chunks: int = 0
    chunk_chars: int = 0  # mean characters per chunk
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def cuda_present() -> bool:
    """An NVIDIA GPU is visible to this machine (read without importing torch)."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


def folder_size(path: str | Path) -> int:
    """Bytes of every file under `path` (links followed once, as the model loader reads them)."""
    root = Path(path)
    if root.is_file():
        return root.stat().st_size
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def targets(settings: Settings, models: Sequence[str] = ()) -> list[Target]:
    """The models `models bench` measures for `settings`.

    Args:
        settings: the configuration; its other values (batch size, timeouts, URLs) are kept.
        models: local model folders (or hub ids) to measure as well.

    Returns:
        The bundled default on ONNX and, with the torch extra, on torch (and CUDA when a GPU is present), each
        of `models`, each hosted provider whose key or URL is set, and the configured model when
        it is none of those.

    Raises:
        ConfigError: a model folder given does not exist.
    """
    from rag_app.providers.huggingface import BUNDLED_MODEL, bundled_model_path
    from rag_app.providers.registry import PROVIDERS

    def with_(**update: Any) -> Settings:
        return settings.replace(**update)

    bundled = bundled_model_path()
    local = {"embeddings": "huggingface", "embedding_model": ""}
    found = [
        Target(BUNDLED_MODEL, "onnx", "cpu", with_(**local, embedding_backend="onnx", embedding_device="cpu"), bundled)
    ]
    if importlib.util.find_spec("sentence_transformers") is not None:  # the torch extra is installed
        torch = with_(**local, embedding_backend="torch", embedding_device="cpu")
        found.append(Target(BUNDLED_MODEL, "torch", "cpu", torch, bundled))
        if cuda_present():
            cuda = with_(**local, embedding_backend="torch", embedding_device="cuda")
            found.append(Target(BUNDLED_MODEL, "torch", "cuda", cuda))
    for model in models:
        folder = Path(model).expanduser()
        is_path = folder.is_absolute() or model.startswith((".", "~")) or folder.exists()
        if is_path and not folder.is_dir():
            raise ConfigError(f"--model {model}: no such model folder")
        onnx = is_path and (folder / "tokenizer.json").exists()
        chosen = with_(embeddings="huggingface", embedding_model=str(folder) if is_path else model)
        found.append(Target(model, "onnx" if onnx else "torch", "cpu", chosen, str(folder) if is_path else None))
    for name in ("openai", "ollama", "cohere"):
        spec = PROVIDERS[name]
        configured = bool(spec.key(settings)) or (spec.url_setting in settings.given)
        if configured or settings.embeddings == name:
            model = settings.embedding_model if settings.embeddings == name else ""
            found.append(
                Target(
                    f"{name}:{model or spec.embedding_model}",
                    name,
                    "remote",
                    with_(embeddings=name, embedding_model=model),
                )
            )
    if settings.embeddings not in ("huggingface", "openai", "ollama", "cohere") or (
        settings.embeddings == "huggingface" and settings.embedding_model not in ("", BUNDLED_MODEL, *models)
    ):
        folder = Path(settings.embedding_model).expanduser() if settings.embedding_model else None
        path = str(folder) if folder is not None and folder.is_dir() else None
        backend = settings.embedding_backend if settings.embeddings == "huggingface" else settings.embeddings
        spec = PROVIDERS.get(settings.embeddings)
        name = f"{settings.embeddings}:{settings.embedding_model or (spec.embedding_model if spec else '')}"
        found.append(Target(name, backend, settings.embedding_device, settings, path))
    return found


def corpus_chunks(count: int, texts: Sequence[str] = (), size: int = CHUNK_CHARS) -> list[str]:
    """`count` chunks of about `size` characters, cut from `texts` (built-in prose when empty).

    Raises:
        ConfigError: count < 1, or the texts hold no words.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if count < 1:
        raise ConfigError(f"the number of chunks must be at least 1, not {count}")
    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=0)
    # Texts are joined first, so short passages (SQuAD's are about 700 characters) make full chunks.
    pieces = [p for p in splitter.split_text(" ".join(texts or [_PROSE])) if p.strip()]
    if not pieces:
        raise ConfigError("the corpus holds no text to cut into chunks")
    return [pieces[i % len(pieces)] for i in range(count)]


def read_corpus(path: str | Path) -> list[str]:
    """The texts of a corpus file: the `text` field of each JSON Lines record, or the whole file.

    Raises:
        ConfigError: the file cannot be read, or a JSON Lines record has no `text`.
    """
    import json

    try:
        content = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the corpus {path}: {first_line(err)}") from err
    if not str(path).endswith(".jsonl"):
        return [content]
    try:
        return [str(json.loads(line)["text"]) for line in content.splitlines() if line.strip()]
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{path}: every line must be a JSON object with a `text` field") from err


def measure(
    target: Target,
    runs: int,
    chunks: Sequence[str],
    build: Callable[[Settings], Embeddings] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> ModelBench:
    """Build `target`'s model and time it.

    Args:
        target: the model.
        runs: how many "Hello World" queries the median latency is taken over (after a warm-up of 3).
        chunks: the texts embedded in one `embed_documents` call for the throughput.
        build: makes the model from settings (default: rag_app's `make_embeddings`).
        clock: seconds, monotonic.

    Returns:
        The figures; a model that cannot be built or called gets `error` (one line) instead.

    Raises:
        ConfigError: runs < 1 or no chunks.
    """
    if runs < 1:
        raise ConfigError(f"--runs must be at least 1, not {runs}")
    if not chunks:
        raise ConfigError("give at least one chunk to measure throughput on")
    if build is None:
        from rag_app.providers.embeddings import make_embeddings as build
    size = folder_size(target.path) if target.path else None
    figures = ModelBench(target.name, target.backend, target.device, size)
    try:
        start = clock()
        model = build(target.settings)
        load = clock() - start
        dimension = len(model.embed_query(HELLO))
        for _ in range(WARM_UP - 1):
            model.embed_query(HELLO)
        latencies = []
        for _ in range(runs):
            start = clock()
            model.embed_query(HELLO)
            latencies.append(clock() - start)
        start = clock()
        model.embed_documents(list(chunks))
        elapsed = clock() - start
    except RagError as err:
        return ModelBench(**{**figures.to_dict(), "error": first_line(err)})
    return ModelBench(
        **{
            **figures.to_dict(),
            "dimension": dimension,
            "load_s": load,
            "latency_ms": statistics.median(latencies) * 1000,
            "runs": runs,
            "chunks_per_s": len(chunks) / elapsed if elapsed > 0 else None,
            "chunks": len(chunks),
            "chunk_chars": round(sum(len(c) for c in chunks) / len(chunks)),
        }
    )


def bench(
    settings: Settings,
    models: Sequence[str] = (),
    runs: int = 20,
    chunks: Sequence[str] | None = None,
    progress: Callable[[Target], None] | None = None,
) -> list[ModelBench]:
    """Measure every model of `targets(settings, models)`, one after the other.

    Args:
        settings: the configuration.
        models: extra local model folders (or hub ids).
        runs: "Hello World" queries per model for the median latency.
        chunks: texts for the throughput (default: 64 built-in chunks of about 1,000 characters).
        progress: called with each target before it is measured.

    Raises:
        ConfigError: runs < 1, an empty chunk list, or a model folder that does not exist.
    """
    chunks = corpus_chunks(64) if chunks is None else list(chunks)
    if runs < 1:
        raise ConfigError(f"--runs must be at least 1, not {runs}")
    results = []
    for target in targets(settings, models):
        if progress:
            progress(target)
        results.append(measure(target, runs, chunks))
    return results
