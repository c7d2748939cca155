"""`models bench`: which models are measured, how (fakes and a fake clock), hosted models over
loopback, and one quick run on the real bundled model."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag_app.config import Settings
from rag_app.errors import ProviderError
from rag_app.tools import models_bench
from rag_app.tools.models_bench import Target, corpus_chunks, measure, read_corpus, targets
from tests.fake_providers import DIMENSION, FakeProviders


@pytest.fixture
def server():
    fake = FakeProviders()
    yield fake
    fake.close()


def _bundled_copy(tmp_path: Path) -> Path:
    """A local model folder: links to the bundled model's files (the ONNX export is shared by the real path)."""
    from rag_app.providers.huggingface import bundled_model_path

    source = Path(bundled_model_path())
    copy = tmp_path / "my-minilm"
    copy.mkdir()
    for item in source.iterdir():
        (copy / item.name).symlink_to(item)
    return copy


def test_targets_bundled_twice_given_folders_and_only_configured_hosted_models(workdir, tmp_path, monkeypatch):
    monkeypatch.setattr(models_bench, "cuda_present", lambda: False)
    folder = _bundled_copy(tmp_path)
    plain = targets(Settings.from_env({}), [str(folder)])
    assert [(t.backend, t.device) for t in plain] == [("onnx", "cpu"), ("torch", "cpu"), ("onnx", "cpu")]
    assert plain[0].settings.embedding_backend == "onnx" and plain[1].settings.embedding_backend == "torch"
    assert plain[2].name == str(folder) and plain[2].settings.embedding_model == str(folder)

    hosted = targets(
        Settings.from_env(
            {"OPENAI_API_KEY": "sk-x-123456", "OLLAMA_BASE_URL": "http://127.0.0.1:9", "RAG_EMBEDDING_BATCH_SIZE": "7"}
        )
    )
    names = [t.name for t in hosted]
    assert names[2:] == ["openai:text-embedding-3-small", "ollama:mxbai-embed-large"]  # no Cohere key: no Cohere
    assert all(t.settings.embedding_batch_size == 7 for t in hosted)  # the other settings are kept
    assert hosted[2].settings.embeddings == "openai" and hosted[2].path is None and hosted[2].device == "remote"

    fake = targets(Settings.from_env({"RAG_EMBEDDINGS": "fake", "RAG_EMBEDDING_MODEL": "32"}))
    assert [t.name for t in fake][2:] == ["fake:32"]  # the configured model is measured too

    monkeypatch.setattr(models_bench, "cuda_present", lambda: True)
    gpu = targets(Settings.from_env({}))
    assert [(t.backend, t.device) for t in gpu] == [("onnx", "cpu"), ("torch", "cpu"), ("torch", "cuda")]


def test_without_the_torch_extra_only_the_onnx_path_is_measured(workdir, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sentence_transformers" else real(name, *a)
    )
    monkeypatch.setattr(models_bench, "cuda_present", lambda: True)
    assert [(t.backend, t.device) for t in targets(Settings.from_env({}))] == [("onnx", "cpu")]


def test_a_missing_model_folder_is_a_config_error(workdir):
    from rag_app.errors import ConfigError

    with pytest.raises(ConfigError, match="--model ./nope: no such model folder"):
        targets(Settings.from_env({}), ["./nope"])


class _Model:
    """An Embeddings stand-in that counts its calls."""

    def __init__(self) -> None:
        self.queries = 0
        self.documents: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return [0.0] * 5

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += texts
        return [[0.0] * 5 for _ in texts]


def test_measure_times_load_median_latency_and_throughput(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"x" * 1234)
    model = _Model()
    # Clock readings, in order: load start/end, each run's start/end, throughput start/end.
    ticks = iter([0.0, 2.5] + list(itertools.chain.from_iterable((10.0, 10.0 + d) for d in (0.003, 0.001, 0.010))))
    ticks = itertools.chain(ticks, [20.0, 22.0])
    target = Target("m", "onnx", "cpu", Settings.from_env({}), str(tmp_path))
    result = measure(target, 3, ["a", "b", "c", "d"], build=lambda s: model, clock=lambda: next(ticks))
    assert result.error is None and result.size_bytes == 1234 and result.dimension == 5
    assert result.load_s == 2.5 and result.latency_ms == pytest.approx(3.0) and result.runs == 3
    assert result.chunks_per_s == pytest.approx(2.0) and result.chunks == 4 and result.chunk_chars == 1
    assert model.queries == 3 + 3 and model.documents == ["a", "b", "c", "d"]  # 3 warm-up queries, 3 timed


def test_a_model_that_fails_is_a_row_with_its_error():
    def broken(settings):
        raise ProviderError("cannot reach Ollama at http://127.0.0.1:9")

    result = measure(Target("ollama:x", "ollama", "remote", Settings.from_env({})), 2, ["a"], build=broken)
    assert result.error == "cannot reach Ollama at http://127.0.0.1:9" and result.latency_ms is None


def test_corpus_chunks_are_about_a_thousand_characters(tmp_path):
    built_in = corpus_chunks(10)
    assert len(built_in) == 10 and all(700 <= len(c) <= 1000 for c in built_in)
    passages = tmp_path / "corpus.jsonl"
    passages.write_text("\n".join(f'{{"id": {i}, "text": "{"word " * 140}"}}' for i in range(20)))
    texts = read_corpus(passages)
    assert len(texts) == 20
    chunks = corpus_chunks(5, texts)
    assert all(900 <= len(c) <= 1000 for c in chunks)  # 700-character passages joined into full chunks
    (tmp_path / "bad.jsonl").write_text('{"title": "no text"}\n')
    from rag_app.errors import ConfigError

    with pytest.raises(ConfigError, match="must be a JSON object with a `text` field"):
        read_corpus(tmp_path / "bad.jsonl")


def test_cli_table_and_json_with_hosted_models_over_loopback(fake_env, server, run, monkeypatch):
    """The fake provider (configured) and OpenAI and Ollama (their URLs set) measured; the bundled
    rows are replaced by a cheap fake so this test stays about the table."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
    real_targets = models_bench.targets
    monkeypatch.setattr(models_bench, "targets", lambda settings, models: real_targets(settings, models)[2:])
    data = run("models", "bench", "--runs", "4", "--chunks", "3", "--json")
    assert data.code == 0, data.err
    rows = {r["name"]: r for r in data.json()}
    assert list(rows) == ["openai:text-embedding-3-small", "ollama:mxbai-embed-large", "fake:256"]
    assert (
        rows["openai:text-embedding-3-small"]["dimension"] == DIMENSION == rows["ollama:mxbai-embed-large"]["dimension"]
    )
    assert rows["fake:256"]["dimension"] == 256 and all(r["runs"] == 4 and r["chunks"] == 3 for r in rows.values())
    openai_calls = [r for r in server.requests if r["path"] == "/v1/embeddings"]
    assert len(openai_calls) == 3 + 4 + 1  # warm-up, timed queries, one call of 3 chunks
    assert openai_calls[-1]["body"]["input"] == corpus_chunks(3)

    table = run("models", "bench", "--runs", "2", "--chunks", "2")
    lines = table.out.splitlines()
    assert lines[0].split() == ["model", "backend", "device", "size", "dim", "load", "Hello", "World", "chunks/s"]
    assert lines[1].split()[:5] == ["openai:text-embedding-3-small", "openai", "remote", "—", str(DIMENSION)]
    load, s, latency, ms, throughput = lines[1].split()[-5:]
    assert (s, ms) == ("s", "ms") and float(latency) > 0 and float(throughput) > 0
    assert "median of 2 queries" in table.out


def test_cli_a_failing_provider_exits_1_with_its_error(fake_env, run, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("OLLAMA_BASE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("RAG_MAX_RETRIES", "0")
    real_targets = models_bench.targets
    monkeypatch.setattr(models_bench, "targets", lambda settings, models: real_targets(settings, models)[2:])
    result = run("models", "bench", "--runs", "1", "--chunks", "1")
    assert result.code == 1
    assert result.out.splitlines()[1].split()[:4] == ["ollama:mxbai-embed-large", "ollama", "remote", "—"]
    assert result.err.startswith("ollama:mxbai-embed-large (ollama): ") and "Traceback" not in result.err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--runs", "0"], "error: --runs must be at least 1, not 0"),
        (["--chunks", "0"], "error: the number of chunks must be at least 1, not 0"),
        (["--model", "./missing-model"], "error: --model ./missing-model: no such model folder"),
        (["--corpus", "missing.jsonl"], "error: cannot read the corpus missing.jsonl"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(fake_env, run, argv, message):
    result = run("models", "bench", *argv)
    assert result.code == 2 and result.err.startswith(message) and result.err.count("\n") == 1


def test_real_bundled_model_onnx_torch_and_a_local_folder(workdir, tmp_path, run, monkeypatch):
    monkeypatch.setattr(models_bench, "cuda_present", lambda: False)
    folder = _bundled_copy(tmp_path)
    result = run("models", "bench", "--runs", "3", "--chunks", "4", "--model", str(folder), "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert [(r["backend"], r["device"]) for r in rows] == [("onnx", "cpu"), ("torch", "cpu"), ("onnx", "cpu")]
    for row in rows:
        assert row["error"] is None and row["dimension"] == 384 and row["runs"] == 3 and row["chunks"] == 4
        assert 80e6 < row["size_bytes"] < 120e6  # the folder's weights and tokenizer, links followed
        assert row["latency_ms"] > 0 and row["chunks_per_s"] > 0 and row["load_s"] > 0
        assert 700 <= row["chunk_chars"] <= 1000
