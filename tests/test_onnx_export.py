"""The ONNX export: attention fused by ONNX Runtime's optimizer, and kept only when exact."""

from __future__ import annotations

import shutil

import onnx
import pytest


@pytest.fixture(scope="module")
def exported():
    from rag_app.providers.huggingface import bundled_model_path
    from rag_app.providers.onnx_embeddings import OnnxSentenceEmbeddings

    return OnnxSentenceEmbeddings(bundled_model_path())._onnx_file()


def test_the_cached_export_has_fused_attention(exported):
    ops = [node.op_type for node in onnx.load(str(exported), load_external_data=False).graph.node]
    assert ops.count("Attention") == 6  # one per layer of all-MiniLM-L6-v2
    assert "Softmax" not in ops  # no unfused attention left


def test_a_fused_graph_that_differs_is_not_used(exported, tmp_path, monkeypatch):
    from rag_app.providers import onnx_export

    plain = tmp_path / "plain.onnx"
    shutil.copy(exported, plain)
    monkeypatch.setattr(onnx_export, "_max_difference", lambda first, second: 1e-3)
    assert onnx_export._fuse(plain, tmp_path / "fused.onnx", heads=12, hidden=384) is False
    assert not (tmp_path / "fused.onnx").exists() and plain.exists()


def test_a_graph_the_optimizer_cannot_read_keeps_the_plain_export(tmp_path):
    from rag_app.providers import onnx_export

    plain = tmp_path / "plain.onnx"
    plain.write_bytes(b"not an onnx graph")
    assert onnx_export._fuse(plain, tmp_path / "fused.onnx", heads=12, hidden=384) is False
    assert not (tmp_path / "fused.onnx").exists()


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
