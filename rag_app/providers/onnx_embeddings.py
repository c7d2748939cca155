"""A sentence-transformers model run through ONNX Runtime: same vectors, a fraction of the start-up.

Importing torch and sentence-transformers costs about 5 s of every `ask`; ONNX Runtime and
`tokenizers` load in well under a second. The model (a local sentence-transformers folder, such
as the bundled all-MiniLM-L6-v2) is exported to ONNX once with torch, cached, and from then on
embedded with mean pooling and L2 normalisation exactly as sentence-transformers does
(tests compare the two). LangChain has no ONNX Runtime `Embeddings` for local folders that
needs no hub access, hence this class.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from rag_app.errors import RagError, first_line

log = logging.getLogger(__name__)  # the CLI shows rag_app's INFO notices on stderr; the library prints nothing
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Padded tokens per batch: at 256 tokens a chunk, 8 at a time. Activations grow with batch x
# length (32 x 256 peaked at 1.1 GB; 8 x 256 at 0.56 GB, as fast on 2 cores: bench/speed.md).
TOKEN_BUDGET = 2048


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag_app" / "onnx"


class OnnxSentenceEmbeddings(Embeddings):
    """Mean-pooled, normalised sentence embeddings of a local sentence-transformers model."""

    def __init__(self, model_dir: str, batch_size: int = 32) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        config = json.loads((self.model_dir / "sentence_bert_config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # The arena keeps the largest batch's activations (about 1 GB at 32 x 256 tokens) for
        # the life of the process; without it peak memory follows the batch being encoded.
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(str(self._onnx_file()), options, providers=["CPUExecutionProvider"])

    def _onnx_file(self) -> Path:
        """The cached ONNX export of the model, made on first use."""
        weights = next(self.model_dir.glob("*.safetensors"), None) or next(self.model_dir.glob("*.bin"), None)
        if weights is None:
            raise RagError(f"no model weights in {self.model_dir}")
        stat = weights.stat()
        key = hashlib.sha256(f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        target = cache_dir() / key / "model.onnx"
        if not target.exists():
            log.info("preparing the embedding model for fast start-up (once)…")
            try:
                _export(self.model_dir, target)
            except Exception as err:  # torch/onnx export failures come in many types
                raise RagError(
                    f"cannot export {self.model_dir} to ONNX ({first_line(err)}): set RAG_EMBEDDING_BACKEND=torch"
                ) from None
        return target

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        # Longest first, so each batch pads to similar lengths; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors: list[Any] = [None] * len(texts)
        for batch in self._batches(texts, order):
            encodings = self.tokenizer.encode_batch([texts[i] for i in batch])
            feeds = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(hidden.dtype)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, vector in zip(batch, pooled):
                vectors[i] = vector.tolist()
        return vectors

    def _batches(self, texts: list[str], order: list[int]) -> Iterator[list[int]]:
        """Runs of `order` (longest text first) of at most `batch_size` texts and TOKEN_BUDGET
        padded tokens: long chunks go a few at a time, so peak memory stays bounded."""
        start = 0
        while start < len(order):
            longest = max(1, len(self.tokenizer.encode(texts[order[start]]).ids))
            size = max(1, min(self.batch_size, TOKEN_BUDGET // longest))
            yield order[start : start + size]
            start += size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]


def _export(model_dir: Path, target: Path) -> None:
    """Export the transformer to ONNX with torch (once), written atomically."""
    import warnings

    import torch
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir))
    model.eval()
    example = torch.ones((1, 8), dtype=torch.int64)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            (example, example, torch.zeros_like(example)),
            str(partial),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target)
