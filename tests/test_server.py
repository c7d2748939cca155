"""The HTTP API through Starlette's TestClient: every route, its errors, auth, uploads and 409s."""

from __future__ import annotations

import base64
import json
import struct
import threading

import pytest
from fastapi.testclient import TestClient

from rag_app import RagService
from rag_app.server.app import create_app
from rag_app.stores import catalog

MJ = "When was Michael Jordan born?"
BASE = "http://127.0.0.1:8000"


def client_for() -> TestClient:
    """A client of the app as `serve` runs it on 127.0.0.1:8000, addressing it by that address."""
    return TestClient(create_app(RagService(), "127.0.0.1", 8000), base_url=BASE, raise_server_exceptions=False)


@pytest.fixture
def client(fake_env):
    return client_for()


@pytest.fixture
def loaded(client, docs):
    client.app.state.service.ingest([docs])
    return client


def events(text: str) -> list[tuple[str | None, object]]:
    """(event name, parsed data) of each Server-Sent Event in `text`."""
    parsed = []
    for block in text.strip().split("\n\n"):
        name, data = None, None
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        parsed.append((name, data if data == "[DONE]" else json.loads(data)))
    return parsed


def assert_error(response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == status
    assert message in body["error"]["message"] and "Traceback" not in response.text


def test_health_needs_nothing(client):
    assert client.get("/health").json() == {"status": "ok", "version": "0.2.0"}


def test_stats_search_and_ask_keep_the_cli_shapes(loaded):
    stats = loaded.get("/v1/stats").json()
    assert (stats["chunks"], stats["sources"], stats["embedding_model"], stats["dimension"]) == (5, 4, "fake:256", 256)
    found = loaded.post("/v1/search", json={"query": "Michael Jordan", "k": 2}).json()
    assert found["query"] == "Michael Jordan" and [r["rank"] for r in found["results"]] == [1, 2]
    assert set(found["results"][0]) == {"rank", "score", "source", "page", "text", "section"}
    answer = loaded.post("/v1/ask", json={"question": MJ, "k": 3}).json()
    assert answer["answer"] == "Michael Jordan was born on 17 February 1963." and len(answer["sources"]) == 3
    assert answer == loaded.app.state.service.ask(MJ, k=3).to_dict() | {"standalone_question": None}


def test_ask_streams_pieces_then_sources_then_done(loaded):
    response = loaded.post("/v1/ask", json={"question": MJ, "k": 2, "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    names = [name for name, _ in stream]
    assert names[-2:] == ["sources", "done"] and set(names[:-2]) == {"piece"}
    done = stream[-1][1]
    assert "".join(data["text"] for name, data in stream if name == "piece") == done["answer"]
    assert stream[-2][1] == done["sources"] and len(done["sources"]) == 2


@pytest.mark.parametrize("stream", [False, True])
def test_ask_errors_have_statuses_even_when_streaming(client, docs, stream):
    assert_error(client.post("/v1/ask", json={"question": MJ, "stream": stream}), 404, "nothing ingested yet")
    client.app.state.service.ingest([docs])
    assert_error(
        client.post("/v1/ask", json={"question": "   ", "stream": stream}), 400, "question: must contain some text"
    )
    assert_error(client.post("/v1/ask", json={"question": MJ, "k": 0, "stream": stream}), 422, "k:")
    assert_error(client.post("/v1/ask", json={"k": 2, "stream": stream}), 422, "question: Field required")


def test_malformed_json_is_400_and_a_wrong_method_405(loaded):
    bad = loaded.post("/v1/search", content=b'{"query": ', headers={"content-type": "application/json"})
    assert_error(bad, 400, "not valid JSON")
    assert_error(loaded.get("/v1/search"), 405, "Method Not Allowed")
    assert_error(loaded.get("/v1/nothing-here"), 404, "Not Found")


def test_upload_then_ask_list_and_delete(client, fake_env):
    files = [
        ("files", ("../../../etc/passwd.txt", b"Grace Hopper was born in 1906 in New York City.")),
        ("files", ("notes/okapi.md", b"# Okapi\nThe okapi is a giraffid from the Congo.")),
    ]
    response = client.post("/v1/documents", files=files)
    assert response.status_code == 200, response.text
    assert response.json()["files_read"] == 2 and response.json()["added"] == 2
    uploads = client.app.state.service.settings.persist_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["okapi.md", "passwd.txt"]
    assert not (fake_env.parent / "etc").exists()
    assert client.get("/v1/documents").json() == [
        {"source": "okapi.md", "chunks": 1},
        {"source": "passwd.txt", "chunks": 1},
    ]
    found = client.post("/v1/search", json={"query": "Grace Hopper 1906", "k": 2}).json()["results"]
    assert any("Grace Hopper" in r["text"] for r in found)

    assert client.delete("/v1/documents/passwd.txt").json() == {"source": "passwd.txt", "chunks": 1}
    assert not (uploads / "passwd.txt").exists()
    assert client.get("/v1/documents").json() == [{"source": "okapi.md", "chunks": 1}]
    assert_error(client.delete("/v1/documents/passwd.txt"), 404, "no ingested source matches 'passwd.txt'")


def test_responses_name_no_server_path(client):
    response = client.post("/v1/documents", files=[("files", ("a.txt", b"Text.")), ("files", ("b.txt", b""))])
    assert response.json()["skipped"] == [{"name": "b.txt", "reason": "empty file"}]
    assert str(client.app.state.service.settings.persist_dir.resolve()) not in response.text


@pytest.mark.parametrize(
    "files, status, message",
    [
        ([("song.mp3", b"ID3")], 400, "unsupported file type for 'song.mp3'"),
        ([("..", b"x")], 400, "not a usable file name"),
        ([("a/x.txt", b"1"), ("b/x.txt", b"2")], 400, "two files are named 'x.txt'"),
        ([("empty.txt", b"")], 422, "nothing could be read: empty.txt: empty file"),
        ([(f"f{n}.txt", b"x") for n in range(4)], 413, "4 files in one request; the limit is 3 (RAG_MAX_UPLOAD_FILES)"),
        ([("big.txt", b"word " * 250_000)], 413, "big.txt is 1.2 MiB; the limit is 1 MiB (RAG_MAX_FILE_MB)"),
    ],
)
def test_bad_uploads_are_refused_and_write_nothing(fake_env, monkeypatch, files, status, message):
    monkeypatch.setenv("RAG_MAX_UPLOAD_FILES", "3")
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    client = client_for()
    assert_error(client.post("/v1/documents", files=[("files", f) for f in files]), status, message)
    assert not list((client.app.state.service.settings.persist_dir / "uploads").glob("*"))


def test_a_body_over_every_limit_is_413_before_it_is_read_whole(fake_env, monkeypatch):
    monkeypatch.setenv("RAG_MAX_UPLOAD_FILES", "1")
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    client = client_for()
    huge = [("files", (f"f{n}.txt", b"x" * 2**20)) for n in range(3)]  # 3 MiB against a 2 MiB body limit
    assert_error(client.post("/v1/documents", files=huge), 413, "the request is too large")
    assert_error(client.post("/v1/search", content=b"x" * (5 * 2**20)), 413, "the request is too large")
    assert not list((client.app.state.service.settings.persist_dir / "uploads").glob("*"))


def test_a_second_ingest_gets_409_while_questions_are_answered(loaded):
    holding, release = threading.Event(), threading.Event()

    def ingest_in_progress():  # what a running ingest (this server's or another process's) holds
        with catalog(loaded.app.state.service.settings).writing():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=ingest_in_progress)
    writer.start()
    try:
        assert holding.wait(10)
        busy = loaded.post("/v1/documents", files=[("files", ("late.txt", b"Arrives during an ingest."))])
        assert_error(busy, 409, "another ingest is writing")
        assert_error(loaded.delete("/v1/documents/coffee.html"), 409, "another ingest is writing")
        assert loaded.post("/v1/ask", json={"question": MJ}).status_code == 200
        assert loaded.post("/v1/search", json={"query": "coffee"}).status_code == 200
    finally:
        release.set()
        writer.join()
    assert loaded.post("/v1/documents", files=[("files", ("late.txt", b"Arrives after it."))]).status_code == 200


def test_a_real_concurrent_upload_gets_409(loaded, monkeypatch):
    """Two uploads at once through the app: one ingests, the other is told the store is busy."""
    service = loaded.app.state.service
    entered, release = threading.Event(), threading.Event()
    real_ingest = service.ingest

    def slow_ingest(paths, **kwargs):
        entered.set()
        release.wait(30)
        return real_ingest(paths, **kwargs)

    monkeypatch.setattr(service, "ingest", slow_ingest)
    first: list = []
    thread = threading.Thread(
        target=lambda: first.append(loaded.post("/v1/documents", files=[("files", ("one.txt", b"First upload."))]))
    )
    thread.start()
    try:
        assert entered.wait(10)
        second = loaded.post("/v1/documents", files=[("files", ("two.txt", b"Second upload."))])
        assert_error(second, 409, "another ingest is writing")
        assert loaded.post("/v1/ask", json={"question": MJ}).status_code == 200
    finally:
        release.set()
        thread.join()
    assert first[0].status_code == 200 and first[0].json()["added"] == 1


def test_api_key_guards_every_v1_route(fake_env, docs, monkeypatch):
    monkeypatch.setenv("RAG_API_KEY", "rk-test-7f3a9c21")
    client = client_for()
    client.app.state.service.ingest([docs])
    routes = [
        ("get", "/v1/stats", {}),
        ("post", "/v1/search", {"json": {"query": "x"}}),
        ("post", "/v1/ask", {"json": {"question": "x"}}),
        ("get", "/v1/documents", {}),
        ("post", "/v1/documents", {"files": [("files", ("a.txt", b"a"))]}),
        ("delete", "/v1/documents/coffee.html", {}),
        ("post", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": "x"}]}}),
        ("post", "/v1/embeddings", {"json": {"input": "x"}}),
        ("get", "/v1/models", {}),
    ]
    for method, path, kwargs in routes:
        missing = getattr(client, method)(path, **kwargs)
        assert_error(missing, 401, "this server needs an API key")
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = getattr(client, method)(path, headers={"Authorization": "Bearer rk-test-wrong"}, **kwargs)
        assert_error(wrong, 401, "wrong API key")
        assert "rk-test-7f3a9c21" not in missing.text + wrong.text
    good = {"Authorization": "Bearer rk-test-7f3a9c21"}
    for method, path, kwargs in routes:
        assert getattr(client, method)(path, headers=good, **kwargs).status_code == 200, path
    assert client.get("/health").status_code == 200 and client.get("/").status_code == 200  # the page asks for it


def test_an_unexpected_failure_is_a_plain_500_with_no_traceback_or_secret(loaded, monkeypatch, caplog):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-0123456789abcdef")

    def broken():
        raise RuntimeError("boom with sk-live-0123456789abcdef inside")

    monkeypatch.setattr(loaded.app.state.service, "stats", broken)
    response = loaded.get("/v1/stats")
    assert_error(response, 500, "internal error")
    assert "boom" not in response.text and "sk-live" not in response.text
    assert "sk-live" not in caplog.text and "RuntimeError" in caplog.text  # the server's log says what failed


def test_store_and_provider_failures_are_503(loaded, monkeypatch):
    from rag_app.errors import ProviderError, StoreError

    def failing(error):
        def fail(*args, **kwargs):
            raise error

        return fail

    monkeypatch.setattr(loaded.app.state.service, "search", failing(StoreError("the store is unreachable")))
    assert_error(loaded.post("/v1/search", json={"query": "x"}), 503, "the store is unreachable")
    monkeypatch.setattr(loaded.app.state.service, "embed", failing(ProviderError("OpenAI embeddings: rate limited")))
    assert_error(loaded.post("/v1/embeddings", json={"input": "x"}), 503, "rate limited")


def test_chat_completions_answer_with_sources(loaded):
    body = {
        "model": "rag_app",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": MJ}],
    }
    reply = loaded.post("/v1/chat/completions", json={**body, "k": 2}).json()
    assert reply["object"] == "chat.completion" and reply["model"] == "rag_app"
    content = reply["choices"][0]["message"]["content"]
    assert content.startswith("Michael Jordan was born on 17 February 1963.\n\nSources:\n1. ")
    assert len(reply["sources"]) == 2 and reply["sources"][0]["source"] in content
    assert reply["choices"][0]["finish_reason"] == "stop"
    parts = [{"type": "text", "text": MJ}, {"type": "image_url", "image_url": {"url": "x"}}]
    multi = loaded.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": parts}]})
    assert multi.json()["choices"][0]["message"]["content"].startswith("Michael Jordan")


def test_chat_completions_stream_as_openai_chunks(loaded):
    body = {"model": "rag_app", "stream": True, "messages": [{"role": "user", "content": MJ}]}
    stream = events(loaded.post("/v1/chat/completions", json=body).text)
    assert stream[-1] == (None, "[DONE]")
    chunks = [data for _, data in stream[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text.startswith("Michael Jordan was born on 17 February 1963.\n\nSources:\n1. ")
    assert [c["sources"] for c in chunks if "sources" in c][0][0]["rank"] == 1


def test_chat_completion_errors(loaded):
    assert_error(
        loaded.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}),
        404,
        "unknown model 'gpt-4o'",
    )
    assert_error(
        loaded.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]}),
        400,
        "no user message",
    )
    assert_error(loaded.post("/v1/chat/completions", json={"messages": []}), 422, "messages:")
    streamed = loaded.post(
        "/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": " "}]}
    )
    assert_error(streamed, 400, "no user message")


def test_embeddings_as_floats_and_base64(loaded):
    service = loaded.app.state.service
    floats = loaded.post("/v1/embeddings", json={"model": "rag_app", "input": ["first", "second"]}).json()
    assert floats["object"] == "list" and floats["model"] == "fake:256"
    assert [d["index"] for d in floats["data"]] == [0, 1]
    assert [d["embedding"] for d in floats["data"]] == service.embed(["first", "second"])
    packed = loaded.post("/v1/embeddings", json={"model": "256", "input": "first", "encoding_format": "base64"}).json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == pytest.approx(service.embed(["first"])[0], rel=1e-6)
    assert_error(
        loaded.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x"}), 404, "unknown model"
    )
    assert_error(loaded.post("/v1/embeddings", json={"input": []}), 422, "input: ")
    assert_error(loaded.post("/v1/embeddings", json={"input": ["fine", " "]}), 400, "input.1: must contain some text")
    assert_error(loaded.post("/v1/search", json={"query": ""}), 400, "query: must contain some text")
    assert_error(loaded.post("/v1/embeddings", json={"input": [1, 2]}), 422, "input")


def test_models_lists_the_chat_model_and_the_embedding_model(client):
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["rag_app", "fake:256"] and models["object"] == "list"


def test_docs_and_page_are_served_offline(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    paths = set(client.get("/openapi.json").json()["paths"])
    assert paths >= {
        "/health",
        "/v1/stats",
        "/v1/search",
        "/v1/ask",
        "/v1/documents",
        "/v1/documents/{source}",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/models",
    }
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_the_page_loads_nothing_from_elsewhere():
    from rag_app.server.app import STATIC

    for path in STATIC.iterdir():
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path.name


def test_chat_completions_pass_earlier_turns_as_history(loaded, monkeypatch):
    service = loaded.app.state.service
    seen = []
    real_ask = service.ask

    def spy(question, k=None, history=None):
        seen.append((question, history))
        return real_ask(question, k, history)

    monkeypatch.setattr(service, "ask", spy)
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Who is Michael Jordan?"},
        {"role": "assistant", "content": "A basketball player.\n\nSources:\n1. famous_birthdays.txt (score 0.40)"},
        {"role": "user", "content": "When was he born?"},
    ]
    assert loaded.post("/v1/chat/completions", json={"messages": messages}).status_code == 200
    assert seen == [("When was he born?", [("Who is Michael Jordan?", "A basketball player.")])]
