"""Export a sentence-transformers model's BERT encoder to ONNX once, without torch, with fused attention.

The graph is built with numpy from the model's safetensors weights and config.json
(rag_app/providers/bert_graph.py). ONNX Runtime's transformer optimizer then fuses each layer's
attention, GELU and layer norms into single kernels, about 1.6x faster on CPU with the same
vectors. The fused graph is kept only if it gives the plain graph's output within 1e-5 on a probe
batch; otherwise (an architecture the optimizer mis-reads) the plain graph is used.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

from rag_app.providers.bert_graph import INPUTS, UnsupportedModel, build, check_config

log = logging.getLogger(__name__)
__all__ = ["INPUTS", "EXPORT_VERSION", "UnsupportedModel", "export", "supported"]
# Bumped whenever the exported graph changes, so cached exports of an older kind are not reused.
EXPORT_VERSION = "numpy-1"
FUSED_TOLERANCE = 1e-5


def supported(model_dir: Path) -> str | None:
    """Why the model at `model_dir` cannot be exported without torch, or None when it can."""
    try:
        check_config(_config(model_dir))
        if not _weight_files(model_dir):
            raise UnsupportedModel("no .safetensors weights (the torch-free exporter reads safetensors)")
    except (UnsupportedModel, OSError, ValueError, KeyError) as err:
        return str(err)
    return None


def export(model_dir: Path, target: Path) -> None:
    """Export the encoder at `model_dir` to `target` (fused when that is exact), atomically.

    Raises:
        UnsupportedModel: not a BERT encoder with safetensors weights.
        OSError: the folder or the target cannot be read or written.
    """
    reason = supported(model_dir)
    if reason:
        raise UnsupportedModel(reason)
    config = _config(model_dir)
    plain = build(config, _weights(model_dir)).SerializeToString()
    graph = _fused(plain, config["num_attention_heads"], config["hidden_size"]) or plain
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(graph)
    partial.replace(target)


def _config(model_dir: Path) -> dict[str, Any]:
    return json.loads((Path(model_dir) / "config.json").read_text())


def _weight_files(model_dir: Path) -> list[Path]:
    return sorted(Path(model_dir).glob("*.safetensors"))


def _weights(model_dir: Path) -> dict[str, Any]:
    """Every tensor of the model's safetensors file(s) (a sharded checkpoint has several)."""
    from safetensors.numpy import load_file

    weights: dict[str, Any] = {}
    for path in _weight_files(model_dir):
        weights.update(load_file(str(path)))
    return weights


def _fused(plain: bytes, heads: int, hidden: int) -> bytes | None:
    """The optimizer's fused graph of the serialised graph `plain`, or None unless it matches `plain`."""
    try:
        import onnx
        from onnxruntime.transformers import optimizer

        options = optimizer.FusionOptions("bert")  # the optimizer's own class (it imports its modules flat)
        # Without symbolic shape inference: it needs sympy (75 MB) and copies the whole model at
        # each pass (1.3 s of CPU against 0.2 s); this graph's fusions are the same without it.
        options.enable_shape_inference = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # opt_level=0: the Python fusions only (level 1 first imports torch, for its version).
            optimized = optimizer.optimize_model(
                onnx.load_from_string(plain),
                model_type="bert",
                num_heads=heads,
                hidden_size=hidden,
                optimization_options=options,
                opt_level=0,
            )
        fused = optimized.model.SerializeToString()
        error = _max_difference(plain, fused)
    except Exception as err:  # the optimizer fails in many ways on graphs it does not know
        log.info("attention fusion not applied (%s): using the plain graph", err)
        return None
    if error > FUSED_TOLERANCE:
        log.info("fused graph differs by %.1e: using the plain graph", error)
        return None
    return fused


def _max_difference(first: bytes, second: bytes) -> float:
    """Largest absolute difference of the two serialised graphs' outputs on a padded probe batch."""
    import numpy as np
    import onnxruntime

    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 5000, size=(3, 40), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[1, 25:] = 0
    mask[2, 7:] = 0
    feeds = {"input_ids": ids * mask, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    outputs = [
        onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
        for graph in (first, second)
    ]
    keep = mask[..., None].astype(bool)  # padded positions are masked out by pooling
    return float(np.abs(np.where(keep, outputs[0] - outputs[1], 0)).max())
