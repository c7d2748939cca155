"""The ONNX graph of a BERT encoder, built from its `config.json` and weights with numpy: no torch.

The graph computes what Hugging Face's `BertModel` computes (eager attention) and returns its
`last_hidden_state`: word + position + token-type embeddings and LayerNorm, then per layer
self-attention with the padding mask, a residual LayerNorm, the erf GELU feed-forward and another
residual LayerNorm. Nodes are laid out the way a torch export lays them out, the pattern ONNX
Runtime's transformer optimizer recognises and fuses (rag_app/providers/onnx_export.py).
bge, e5, gte and the MiniLM sentence-transformers models share this architecture.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"
OPSET = 17


class UnsupportedModel(ValueError):
    """The model is not a BERT encoder this module can build (the message says what differs)."""


def check_config(config: dict[str, Any]) -> None:
    """Raise UnsupportedModel unless `config` describes an encoder `build` reproduces exactly.

    Raises:
        UnsupportedModel: another architecture, activation or position embedding.
    """
    kind = config.get("model_type")
    if kind != "bert":
        raise UnsupportedModel(f"model type {kind!r} (the torch-free exporter builds BERT encoders)")
    if config.get("hidden_act", "gelu") != "gelu":
        raise UnsupportedModel(f"activation {config.get('hidden_act')!r} (only the erf GELU)")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise UnsupportedModel(f"position embeddings {config.get('position_embedding_type')!r}")
    if config["hidden_size"] % config["num_attention_heads"]:
        raise UnsupportedModel("hidden size not a multiple of the attention heads")


def build(config: dict[str, Any], weights: dict[str, np.ndarray]) -> Any:
    """The ONNX model (opset 17) of the BERT encoder `config` with `weights` (Hugging Face names).

    Args:
        config: the model's config.json.
        weights: tensors by name, as in the model's safetensors file (a `bert.` prefix is allowed).

    Returns:
        An `onnx.ModelProto` with inputs input_ids, attention_mask, token_type_ids (int64,
        batch x tokens) and output last_hidden_state (float32, batch x tokens x hidden).

    Raises:
        UnsupportedModel: the config is not a supported BERT, or a weight is missing.
    """
    check_config(config)
    return _Builder(config, weights).model()


class _Builder:
    def __init__(self, config: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.config = config
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
        self.weights = {name[len(prefix) :]: value for name, value in weights.items() if name.startswith(prefix)}
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.count = 0
        self.eps = float(config.get("layer_norm_eps", 1e-12))

    def weight(self, name: str, transpose: bool = False) -> str:
        """An initializer holding weight `name` as float32 (transposed for a MatMul)."""
        try:
            value = self.weights[name]
        except KeyError:
            raise UnsupportedModel(f"weight {name} missing") from None
        value = np.asarray(value, dtype=np.float32)
        return self.constant(np.ascontiguousarray(value.T if transpose else value), name)

    def constant(self, value: np.ndarray, name: str | None = None) -> str:
        name = name or f"const_{len(self.initializers)}"
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        self.count += 1
        output = f"{op_type}_{self.count}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [output], name=output, **attributes))
        return output

    def linear(self, x: str, prefix: str) -> str:
        # Add(bias, MatMul): a torch export's order, which the optimizer's patterns expect.
        return self.op(
            "Add", self.weight(f"{prefix}.bias"), self.op("MatMul", x, self.weight(f"{prefix}.weight", True))
        )

    def layer_norm(self, x: str, prefix: str) -> str:
        return self.op(
            "LayerNormalization",
            x,
            self.weight(f"{prefix}.weight"),
            self.weight(f"{prefix}.bias"),
            axis=-1,
            epsilon=self.eps,
        )

    def embeddings(self) -> str:
        positions = self.config["max_position_embeddings"]
        tokens = self.op("Gather", self.op("Shape", "input_ids"), self.constant(np.array(1, np.int64)), axis=0)
        ends = self.op("Unsqueeze", tokens, self.constant(np.array([0], np.int64)))
        position_ids = self.op(
            "Slice",
            self.constant(np.arange(positions, dtype=np.int64)[None, :]),
            self.constant(np.array([0], np.int64)),
            ends,
            self.constant(np.array([1], np.int64)),
            self.constant(np.array([1], np.int64)),
        )
        words = self.op("Gather", self.weight("embeddings.word_embeddings.weight"), "input_ids")
        types = self.op("Gather", self.weight("embeddings.token_type_embeddings.weight"), "token_type_ids")
        where = self.op("Gather", self.weight("embeddings.position_embeddings.weight"), position_ids)
        return self.layer_norm(self.op("Add", self.op("Add", words, types), where), "embeddings.LayerNorm")

    def mask_bias(self) -> str:
        """(1 - mask) x the lowest float32, broadcast over heads and query positions, as BERT does."""
        mask = self.op("Unsqueeze", "attention_mask", self.constant(np.array([1], np.int64)))
        mask = self.op("Cast", self.op("Unsqueeze", mask, self.constant(np.array([2], np.int64))), to=1)
        inverted = self.op("Sub", self.constant(np.array(1.0, np.float32)), mask)
        return self.op("Mul", inverted, self.constant(np.array(np.finfo(np.float32).min, np.float32)))

    def attention(self, x: str, mask_bias: str, prefix: str) -> str:
        heads = self.config["num_attention_heads"]
        hidden = self.config["hidden_size"]
        size = hidden // heads
        split = self.constant(np.array([0, 0, heads, size], np.int64))

        def project(name: str, perm: list[int]) -> str:
            return self.op("Transpose", self.op("Reshape", self.linear(x, f"{prefix}.self.{name}"), split), perm=perm)

        query = project("query", [0, 2, 1, 3])
        key = project("key", [0, 2, 3, 1])
        value = project("value", [0, 2, 1, 3])
        scores = self.op("Div", self.op("MatMul", query, key), self.constant(np.array(math.sqrt(size), np.float32)))
        probs = self.op("Softmax", self.op("Add", scores, mask_bias), axis=-1)
        context = self.op("Transpose", self.op("MatMul", probs, value), perm=[0, 2, 1, 3])
        context = self.op("Reshape", context, self.constant(np.array([0, 0, hidden], np.int64)))
        return self.layer_norm(
            self.op("Add", self.linear(context, f"{prefix}.output.dense"), x), f"{prefix}.output.LayerNorm"
        )

    def feed_forward(self, x: str, prefix: str) -> str:
        inner = self.linear(x, f"{prefix}.intermediate.dense")
        erf = self.op("Erf", self.op("Div", inner, self.constant(np.array(math.sqrt(2.0), np.float32))))
        gelu = self.op(
            "Mul",
            self.op("Mul", inner, self.op("Add", erf, self.constant(np.array(1.0, np.float32)))),
            self.constant(np.array(0.5, np.float32)),
        )
        out = self.op("Add", self.linear(gelu, f"{prefix}.output.dense"), x)
        return self.layer_norm(out, f"{prefix}.output.LayerNorm")

    def model(self) -> Any:
        from onnx import TensorProto

        helper = self.helper
        x = self.embeddings()
        bias = self.mask_bias()
        for layer in range(self.config["num_hidden_layers"]):
            prefix = f"encoder.layer.{layer}"
            x = self.feed_forward(self.attention(x, bias, f"{prefix}.attention"), prefix)
        self.nodes[-1].output[0] = OUTPUT
        inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in INPUTS]
        output = helper.make_tensor_value_info(
            OUTPUT, TensorProto.FLOAT, ["batch", "tokens", self.config["hidden_size"]]
        )
        graph = helper.make_graph(self.nodes, "bert", inputs, [output], self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="pytorch")
        # "pytorch": the layout a torch export has, which the optimizer checks for (it warns otherwise).
        model.ir_version = 8  # opset 17's IR version: any ONNX Runtime that runs opset 17 reads it
        return model
