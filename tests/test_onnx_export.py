"""The ONNX export: built with numpy from safetensors (no torch), attention fused by ONNX Runtime's
optimizer and kept only when exact, vectors equal to sentence-transformers' within 1e-5."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"
TOLERANCE = 1e-5
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None, reason="needs the torch extra (in the dev extra)"
)


@pytest.fixture(scope="module")
def exported():
    from rag_app.providers.huggingface import bundled_model_path
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    return OnnxSentenceEmbeddings(bundled_model_path())._onnx_file()


@pytest.fixture(scope="module")
def plain():
    """The bundled model's unfused graph, serialised."""
    from rag_app.providers import onnx_export
    from rag_app.providers.bert_graph import build
    from rag_app.providers.huggingface import bundled_model_path

    folder = Path(bundled_model_path())
    return build(onnx_export._config(folder), onnx_export._weights(folder)).SerializeToString()


def test_the_cached_export_has_fused_attention(exported):
    ops = [node.op_type for node in onnx.load(str(exported), load_external_data=False).graph.node]
    assert ops.count("Attention") == 6  # one per layer of all-MiniLM-L6-v2
    assert ops.count("EmbedLayerNormalization") == 1 and ops.count("BiasGelu") == 6
    assert "Softmax" not in ops  # no unfused attention left


def test_a_fused_graph_that_differs_is_not_used(plain, monkeypatch):
    from rag_app.providers import onnx_export

    assert onnx_export._fused(plain, heads=12, hidden=384) is not None
    monkeypatch.setattr(onnx_export, "_max_difference", lambda first, second: 1e-3)
    assert onnx_export._fused(plain, heads=12, hidden=384) is None


def test_a_graph_the_optimizer_cannot_read_keeps_the_plain_graph():
    from rag_app.providers import onnx_export

    assert onnx_export._fused(b"not an onnx graph", heads=12, hidden=384) is None


BLOCKED = ("torch", "transformers", "sentence_transformers", "sympy")  # sympy: torch brings it, not rag_app
NO_TORCH = f"""
import json, sys

class Forbid:  # any import of these fails, as on a machine without the torch extra
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked: " + name)

sys.meta_path.insert(0, Forbid())
try:
    import torch
    sys.exit("the import hook did not block torch")
except ImportError:
    pass
import onnx
from rag_app.providers.huggingface import bundled_model_path
from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

model = OnnxSentenceEmbeddings(bundled_model_path())
vectors = model.embed_documents(json.load(open(sys.argv[1]))["texts"])
ops = [node.op_type for node in onnx.load(str(model._onnx_file())).graph.node]
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in {BLOCKED!r})
print(json.dumps({{"vectors": vectors, "attention": ops.count("Attention"), "loaded": loaded}}))
"""


def test_the_export_needs_no_torch_and_gives_sentence_transformers_vectors(tmp_path):
    """In a process where torch cannot be imported, a fresh export embeds the probe texts as
    SentenceTransformer.encode did (the stored reference, checked against torch below)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(REFERENCE)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["loaded"] == [] and result["attention"] == 6  # fused, as with torch installed
    reference = np.array(json.loads(REFERENCE.read_text())["vectors"])
    assert np.abs(np.array(result["vectors"]) - reference).max() < TOLERANCE
    assert list(tmp_path.glob("rag_app/onnx/*/model.onnx"))  # the export went to the cache given


@needs_torch
def test_the_reference_vectors_are_sentence_transformers_own(exported):
    from sentence_transformers import SentenceTransformer

    from rag_app.providers.huggingface import bundled_model_path
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    reference = json.loads(REFERENCE.read_text())
    encoded = SentenceTransformer(bundled_model_path(), device="cpu").encode(
        reference["texts"], normalize_embeddings=True
    )
    assert np.abs(encoded - np.array(reference["vectors"])).max() < 1e-6
    onnx_vectors = np.array(OnnxSentenceEmbeddings(bundled_model_path()).embed_documents(reference["texts"]))
    assert np.abs(onnx_vectors - encoded).max() < TOLERANCE


def _sentence_model(folder: Path, pooling: str, **config) -> Path:
    """A small random BERT saved as a sentence-transformers folder (as bge, e5 and gte are laid out)."""
    import torch
    from transformers import BertConfig, BertModel

    from rag_app.providers.huggingface import bundled_model_path

    torch.manual_seed(0)
    BertModel(BertConfig(**config)).eval().save_pretrained(folder)  # model.safetensors + config.json
    bundled = Path(bundled_model_path())
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(bundled / name, folder / name)
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128, "do_lower_case": False}))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {
                "word_embedding_dimension": config["hidden_size"],
                "pooling_mode_cls_token": pooling == "cls",
                "pooling_mode_mean_tokens": pooling == "mean",
            }
        )
    )
    return folder


@needs_torch
@pytest.mark.parametrize(
    "pooling, config",
    [
        ("cls", {"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 96}),
        ("mean", {"hidden_size": 48, "num_attention_heads": 3, "num_hidden_layers": 3, "layer_norm_eps": 1e-5}),
    ],
)
def test_other_bert_encoders_match_sentence_transformers(tmp_path, monkeypatch, pooling, config):
    from sentence_transformers import SentenceTransformer

    from rag_app.config import Settings
    from rag_app.providers import huggingface
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = _sentence_model(tmp_path / "model", pooling, **{"intermediate_size": 128, **config})
    texts = json.loads(REFERENCE.read_text())["texts"]
    expected = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    model = huggingface.embeddings(Settings.from_env({"RAG_EMBEDDING_MODEL": str(folder)}))
    assert isinstance(model, OnnxSentenceEmbeddings) and model.pooling == pooling
    assert np.abs(np.array(model.embed_documents(texts)) - expected).max() < TOLERANCE


def test_an_architecture_the_exporter_does_not_know_names_the_torch_extra(tmp_path, monkeypatch):
    from rag_app.config import Settings
    from rag_app.errors import ConfigError
    from rag_app.providers import huggingface
    from rag_app.providers.onnx_export import supported

    folder = tmp_path / "roberta"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "roberta", "hidden_size": 8}))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"")
    assert "roberta" in supported(folder)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import -> ImportError: no torch extra
    with pytest.raises(ConfigError, match=r"needs torch and sentence-transformers: pip install 'rag_app\[torch\]'"):
        huggingface.embeddings(Settings.from_env({"RAG_EMBEDDING_MODEL": str(folder)}))


def test_the_torch_backend_without_the_extra_is_one_line(workdir, docs, run, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    monkeypatch.setenv("RAG_EMBEDDING_BACKEND", "torch")
    result = run("ingest", str(docs))
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.splitlines()[-1] == (
        "error: RAG_EMBEDDING_BACKEND=torch needs torch and sentence-transformers: pip install 'rag_app[torch]'"
    )


def test_prefetch_opens_the_session_in_the_background_and_embedding_waits_for_it(exported):
    import time

    from rag_app.providers.huggingface import bundled_model_path
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    model = OnnxSentenceEmbeddings(bundled_model_path())
    model.prefetch()
    deadline = time.monotonic() + 60
    while model._session is None and time.monotonic() < deadline:  # nothing embeds: the thread opens it
        time.sleep(0.01)
    assert model._session is not None
    vector = model.embed_query("When was Super Bowl 50 played?")
    assert vector == OnnxSentenceEmbeddings(bundled_model_path()).embed_query("When was Super Bowl 50 played?")


def test_a_session_that_fails_in_the_background_is_reported_at_the_first_embedding(exported, monkeypatch):
    import onnxruntime

    from rag_app.providers.huggingface import bundled_model_path
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    def broken(*args, **kwargs):
        raise RuntimeError("cannot allocate the arena")

    monkeypatch.setattr(onnxruntime, "InferenceSession", broken)
    model = OnnxSentenceEmbeddings(bundled_model_path())
    model.prefetch()
    with pytest.raises(RuntimeError, match="cannot allocate the arena"):
        model.embed_query("anything")


def test_a_hub_id_of_a_bert_encoder_is_downloaded_and_runs_on_onnx(tmp_path, monkeypatch):
    from rag_app.config import Settings
    from rag_app.providers import huggingface
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    fetched = []
    bundled = Path(huggingface.bundled_model_path())
    monkeypatch.setattr(huggingface, "_download", lambda repo: fetched.append(repo) or bundled)  # the hub, offline
    model = huggingface.embeddings(Settings.from_env({"RAG_EMBEDDING_MODEL": "BAAI/bge-small-en-v1.5"}))
    assert fetched == ["BAAI/bge-small-en-v1.5"] and isinstance(model, OnnxSentenceEmbeddings)


def test_a_hub_id_that_cannot_be_downloaded_is_one_line(tmp_path, monkeypatch):
    from rag_app.config import Settings
    from rag_app.errors import ProviderError
    from rag_app.providers import huggingface

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # nothing cached
    with pytest.raises(ProviderError, match=r"^cannot download embedding model 'BAAI/bge-small-en-v1.5' from the Hug"):
        huggingface.embeddings(Settings.from_env({"RAG_EMBEDDING_MODEL": "BAAI/bge-small-en-v1.5"}))
