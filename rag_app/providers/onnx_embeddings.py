"""A sentence-transformers model run through ONNX Runtime: same vectors, a fraction of the start-up.

Importing torch and sentence-transformers costs about 5 s of every `ask`, and torch is not part of
the default install; ONNX Runtime and `tokenizers` load in well under a second. The model (a
sentence-transformers folder with a BERT encoder, such as the bundled all-MiniLM-L6-v2, bge, e5
or gte) is exported to ONNX once, without torch, with fused attention
(rag_app/providers/onnx_export.py), cached, and from then on embedded with the model's pooling
(mean or CLS) and L2 normalisation exactly as sentence-transformers does (tests compare the two).
LangChain has no ONNX Runtime `Embeddings` for local folders that needs no hub access, hence this class.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from rag_app.errors import RagError, first_line
from rag_app.providers.onnx_export import EXPORT_VERSION, export

TORCH_EXTRA = "pip install 'rag_app[torch]' and set RAG_EMBEDDING_BACKEND=torch"

log = logging.getLogger(__name__)  # the CLI shows rag_app's INFO notices on stderr; the library prints nothing
# Padded tokens per batch: at 256 tokens a chunk, 8 at a time. Activations grow with batch x
# length (32 x 256 peaked at 1.1 GB); 1,024 to 8,192 were tried, 2,048 was fastest on 2 cores.
TOKEN_BUDGET = 2048


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag_app" / "onnx"


def default_threads() -> int:
    """The cores this process may run on (ONNX Runtime's own default counts physical cores)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pooling(model_dir: Path) -> str:
    """How the sentence-transformers folder `model_dir` pools its tokens: "mean" or "cls".

    A folder without modules.json is a plain Hugging Face model, which sentence-transformers pools
    by the mean.

    Raises:
        RagError: another pooling (max, weighted mean, last token...), which this class does not do.
    """
    modules = model_dir / "modules.json"
    if not modules.exists():
        return "mean"
    folder = next((m["path"] for m in json.loads(modules.read_text()) if m["type"].endswith(".Pooling")), None)
    if folder is None:
        return "mean"
    config = json.loads((model_dir / folder / "config.json").read_text())
    modes = sorted(k.removeprefix("pooling_mode_") for k, v in config.items() if k.startswith("pooling_mode_") and v)
    if modes == ["mean_tokens"]:
        return "mean"
    if modes == ["cls_token"]:
        return "cls"
    raise RagError(
        f"{model_dir} pools by {'+'.join(modes) or 'nothing'}: the ONNX path does mean or CLS; {TORCH_EXTRA}"
    )


class OnnxSentenceEmbeddings(Embeddings):
    """Pooled, normalised sentence embeddings of a local sentence-transformers model.

    Args:
        model_dir: a sentence-transformers folder (config, tokenizer.json, weights).
        batch_size: most texts in one run of the model (TOKEN_BUDGET bounds it further).
        threads: ONNX Runtime intra-op threads (default: the cores this process may use).
    """

    def __init__(self, model_dir: str, batch_size: int = 32, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self.pooling = pooling(self.model_dir)
        settings = self.model_dir / "sentence_bert_config.json"
        config = json.loads(settings.read_text()) if settings.exists() else {}
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length") or 512))
        self.tokenizer.no_padding()  # each batch is padded to its own longest text below
        self.threads = threads or default_threads()
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def session(self) -> Any:
        """The ONNX Runtime session, opened at the first text to embed (an ingest that embeds
        nothing, such as a re-ingest of unchanged files, never pays for it)."""
        with self._lock:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3
                options.intra_op_num_threads = self.threads
                # The arena keeps the largest batch's activations for the life of the session;
                # TOKEN_BUDGET bounds that batch. Without the arena, malloc's heap fragments over
                # the varying batch shapes and grows (340 -> 510 MB over 2,300 chunks; 350 flat).
                self._session = onnxruntime.InferenceSession(
                    str(self._onnx_file()), options, providers=["CPUExecutionProvider"]
                )
            return self._session

    @session.setter
    def session(self, session: Any) -> None:
        self._session = session

    def prefetch(self) -> None:
        """Open the session in a background thread, so that it loads while the caller goes on
        (a cold `search` imports its store client meanwhile). The first text to embed waits for it.

        ONNX Runtime builds the session without holding the GIL, so on two cores the load
        overlaps Python's imports. Python modules are imported here first: two threads importing
        numpy at once can see it half-initialised. A failure in the thread is left for the first
        embedding to meet again and report.
        """
        if self._session is not None:
            return
        import onnxruntime  # noqa: F401  (in the caller's thread, see above)

        self._onnx_file()  # an export, when one is needed, logs and runs here

        def open_session() -> None:
            try:
                self.session  # noqa: B018  (the property opens it)
            except Exception:  # noqa: S110  (met again, and reported, at the first embedding)
                pass

        threading.Thread(target=open_session, name="onnx-session", daemon=True).start()

    def _onnx_file(self) -> Path:
        """The cached ONNX export of the model, made on first use."""
        weights = next(iter(sorted(self.model_dir.glob("*.safetensors"))), None)
        if weights is None:
            raise RagError(f"no .safetensors weights in {self.model_dir}: {TORCH_EXTRA}")
        stat = weights.stat()
        identity = f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{EXPORT_VERSION}"
        target = cache_dir() / hashlib.sha256(identity.encode()).hexdigest()[:16] / "model.onnx"
        if not target.exists():
            log.info("preparing the embedding model for fast start-up (once)…")
            try:
                export(self.model_dir, target)
            except Exception as err:  # onnx and the optimizer fail in many types
                raise RagError(f"cannot export {self.model_dir} to ONNX ({first_line(err)}): {TORCH_EXTRA}") from err
        return target

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        # Longest first, so each batch pads to similar lengths; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        vectors: list[Any] = [None] * len(texts)
        for batch in self._batches([len(encodings[i].ids) for i in order]):
            rows = [encodings[order[i]] for i in batch]
            width = max(1, len(rows[0].ids))
            feeds = {name: np.zeros((len(rows), width), dtype=np.int64) for name in ("input_ids", "attention_mask")}
            for row, encoding in enumerate(rows):
                feeds["input_ids"][row, : len(encoding.ids)] = encoding.ids
                feeds["attention_mask"][row, : len(encoding.ids)] = 1
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
            hidden = self.session.run(None, feeds)[0]
            if self.pooling == "cls":
                pooled = hidden[:, 0].copy()
            else:
                mask = feeds["attention_mask"][..., None].astype(hidden.dtype)
                pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, vector in zip(batch, pooled.tolist()):
                vectors[order[i]] = vector
        return vectors

    def _batches(self, lengths: list[int]) -> Iterator[range]:
        """Runs of positions in `lengths` (longest first) of at most `batch_size` texts and
        TOKEN_BUDGET padded tokens: long texts go a few at a time, so peak memory stays bounded."""
        start = 0
        while start < len(lengths):
            size = max(1, min(self.batch_size, TOKEN_BUDGET // max(1, lengths[start])))
            yield range(start, min(len(lengths), start + size))
            start += size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
