"""What the HTTP server refuses and never says: cross-site requests, DNS rebinding, server paths, secrets."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rag_app import RagService
from rag_app.server.app import create_app
from rag_app.server.guard import Guard
from tests.test_server import BASE, assert_error

KEY = "rk-safety-3c9d1e77"
UPLOAD = {"files": [("files", ("planted.txt", b"Planted by a page on another site."))]}


def app_client(host: str = "127.0.0.1", port: int = 8000, base_url: str = BASE) -> TestClient:
    return TestClient(create_app(RagService(), host, port), base_url=base_url, raise_server_exceptions=False)


@pytest.fixture
def loaded(fake_env, docs):
    client = app_client()
    client.app.state.service.ingest([docs])
    return client


def stored(client: TestClient) -> list[str]:
    return sorted(info.source for info in client.app.state.service.sources())


def test_dns_rebinding_is_421_and_reads_nothing(loaded):
    before = stored(loaded)
    evil = {"Host": "evil.example:8000"}
    for response in (
        loaded.get("/v1/documents", headers=evil),
        loaded.get("/v1/stats", headers=evil),
        loaded.post("/v1/ask", json={"question": "When was Michael Jordan born?"}, headers=evil),
        loaded.post("/v1/documents", headers=evil, **UPLOAD),
        loaded.get("/", headers=evil),
    ):
        assert_error(response, 421, "this server answers requests addressed to 127.0.0.1, [::1], localhost")
        assert "famous_birthdays" not in response.text and "evil.example:8000" in response.text
    assert stored(loaded) == before
    for name in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
        assert loaded.get("/v1/documents", headers={"Host": name}).status_code == 200, name


def test_a_page_on_another_site_cannot_upload_or_read(loaded):
    before = stored(loaded)
    for origin in ("http://evil.example", "https://evil.example:8000", "null", "http://127.0.0.1:9999"):
        cross = {"Origin": origin}
        assert_error(loaded.post("/v1/documents", headers=cross, **UPLOAD), 403, f"a page at {origin} may not")
        assert_error(loaded.get("/v1/documents", headers=cross), 403, "cross-site request refused")
        assert_error(loaded.delete("/v1/documents/coffee.html", headers=cross), 403, "RAG_ALLOWED_ORIGINS")
    assert stored(loaded) == before
    assert not (loaded.app.state.service.settings.persist_dir / "uploads" / "planted.txt").exists()
    # The server's own page (same origin) keeps working, by either loopback name.
    for origin in (BASE, "http://localhost:8000"):
        assert loaded.post("/v1/documents", headers={"Origin": origin}, **UPLOAD).status_code == 200
    assert "planted.txt" in stored(loaded)


def test_allowed_origins_admit_a_reverse_proxy(fake_env, docs, monkeypatch):
    monkeypatch.setenv("RAG_ALLOWED_ORIGINS", "https://rag.example.com, http://intranet:8080/")
    client = app_client()
    headers = {"Host": "rag.example.com", "Origin": "https://rag.example.com"}
    assert client.get("/v1/documents", headers=headers).status_code == 200
    assert client.get("/v1/documents", headers={"Origin": "http://intranet:8080"}).status_code == 200
    assert_error(client.get("/v1/documents", headers={"Origin": "http://intranet:8081"}), 403, "intranet:8081")
    assert_error(client.get("/v1/documents", headers={"Host": "other.example.com"}), 421, "rag.example.com")


def test_a_malformed_allowed_origin_is_a_one_line_error(fake_env, monkeypatch, run):
    monkeypatch.setenv("RAG_ALLOWED_ORIGINS", "https://rag.example.com/app")
    result = run("serve")
    assert result.code == 2 and result.err.strip().splitlines() == [
        "error: RAG_ALLOWED_ORIGINS: 'https://rag.example.com/app' is not an origin such as "
        "https://rag.example.com or http://host:8080"
    ]


def test_an_open_address_with_a_key_accepts_any_host_but_no_other_site(fake_env, docs, monkeypatch):
    monkeypatch.setenv("RAG_API_KEY", KEY)
    client = app_client("0.0.0.0", 8000, base_url="http://myhost.lan:8000")
    auth = {"Authorization": f"Bearer {KEY}"}
    assert client.get("/v1/documents", headers=auth).status_code == 200  # the machine's names are not known
    assert client.get("/v1/documents", headers={**auth, "Origin": "http://myhost.lan:8000"}).status_code == 200
    assert_error(client.get("/v1/documents", headers={**auth, "Origin": "http://evil.example"}), 403, "evil.example")
    # On loopback the Host is checked even with a key.
    monkeypatch.setenv("RAG_API_KEY", KEY)
    assert_error(app_client().get("/v1/documents", headers={**auth, "Host": "evil.example"}), 421, "evil.example")


@pytest.mark.parametrize(
    "bind, names",
    [
        ("127.0.0.1", {"127.0.0.1", "localhost", "[::1]"}),
        ("127.8.9.1", {"127.0.0.1", "localhost", "[::1]", "127.8.9.1"}),
        ("::1", {"127.0.0.1", "localhost", "[::1]"}),
    ],
)
def test_the_names_a_loopback_server_answers_to(bind, names):
    assert Guard.for_bind(bind, 8000, has_key=False).names == names
    assert Guard.for_bind(bind, 8000, has_key=True).names == names
    assert Guard.for_bind("0.0.0.0", 8000, has_key=True).names is None


def test_embeddings_are_capped_by_count_and_characters(fake_env, monkeypatch):
    client = app_client()
    service = client.app.state.service
    embedded: list[int] = []
    real_embed = service.embed
    monkeypatch.setattr(service, "embed", lambda texts: embedded.append(len(texts)) or real_embed(texts))
    many = client.post("/v1/embeddings", json={"input": ["a text"] * 2049})
    assert_error(many, 413, "2049 inputs in one request; the limit is 2048 (RAG_MAX_EMBED_INPUTS)")
    assert client.post("/v1/embeddings", json={"input": ["a text"] * 2048}).status_code == 200

    monkeypatch.setenv("RAG_MAX_EMBED_INPUTS", "3")
    monkeypatch.setenv("RAG_MAX_EMBED_CHARS", "20")
    small = app_client()
    monkeypatch.setattr(small.app.state.service, "embed", lambda texts: embedded.append(len(texts)) or [])
    assert_error(small.post("/v1/embeddings", json={"input": ["a"] * 4}), 413, "the limit is 3 (RAG_MAX_EMBED_INPUTS)")
    assert_error(
        small.post("/v1/embeddings", json={"input": "x" * 21}),
        413,
        "21 characters of input in one request; the limit is 20 (RAG_MAX_EMBED_CHARS)",
    )
    assert embedded == [2048]  # nothing refused reached the model


def assert_no_server_path(response, workdir) -> None:
    assert str(workdir) not in response.text and "/tmp/" not in response.text, response.text


def test_no_server_path_in_any_answer(fake_env, docs):
    from rag_app.stores import catalog

    client = app_client()
    service = client.app.state.service
    empty = client.post("/v1/ask", json={"question": "When was Michael Jordan born?"})
    assert_error(empty, 404, "nothing ingested yet in RAG_PERSIST_DIR/chroma")
    assert_no_server_path(empty, fake_env)

    (docs / "notes.txt").write_text("A note kept in the docs folder.")
    service.ingest([docs])
    assert client.post("/v1/documents", files=[("files", ("notes.txt", b"An uploaded note."))]).status_code == 200
    stats = client.get("/v1/stats")
    assert stats.json()["location"] == "RAG_PERSIST_DIR/chroma"
    assert_no_server_path(stats, fake_env)

    ambiguous = client.delete("/v1/documents/notes.txt")  # the upload and the ingested file
    assert_error(ambiguous, 404, "'notes.txt' matches 2 sources (")
    assert "RAG_PERSIST_DIR/uploads/notes.txt" in ambiguous.text
    assert_no_server_path(ambiguous, fake_env)
    missing = client.delete("/v1/documents/%2Fsrv%2Fsecret%2Fplan.txt")
    assert_error(missing, 404, "no ingested source matches")
    assert_no_server_path(missing, fake_env)

    with catalog(service.settings).writing():
        busy = client.post("/v1/documents", files=[("files", ("late.txt", b"Late."))])
    assert_error(busy, 409, "another ingest is writing to RAG_PERSIST_DIR")
    assert_no_server_path(busy, fake_env)


@pytest.mark.parametrize("route", ["stats", "ask stream", "chat stream"])
def test_a_500_logs_its_traceback_with_secrets_redacted(loaded, monkeypatch, caplog, route):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-0123456789abcdef")
    service = loaded.app.state.service

    def broken_helper(*args, **kwargs):
        raise RuntimeError("boom with sk-live-0123456789abcdef inside")

    if route == "stats":
        monkeypatch.setattr(service, "stats", broken_helper)
        response = loaded.get("/v1/stats")
        assert_error(response, 500, "internal error (the server's log has the details)")
    else:

        def stream(*args, **kwargs):
            yield "a first piece"
            broken_helper()

        monkeypatch.setattr(service, "stream", stream)
        message = {"messages": [{"role": "user", "content": "x"}], "stream": True}
        body = {"question": "x", "stream": True} if route == "ask stream" else message
        response = loaded.post("/v1/ask" if route == "ask stream" else "/v1/chat/completions", json=body)
        assert "internal error (the server's log has the details)" in response.text
    assert "boom" not in response.text and "sk-live" not in response.text
    logged = caplog.text
    assert "Traceback (most recent call last)" in logged and "in broken_helper" in logged
    assert "RuntimeError: boom with *** inside" in logged and "sk-live" not in logged


def test_a_name_over_255_bytes_is_shortened_keeping_its_type(fake_env):
    client = app_client()
    response = client.post("/v1/documents", files=[("files", ("é" * 200 + ".txt", b"A note with a long name."))])
    assert response.status_code == 200, response.text
    [stored_name] = [p.name for p in (client.app.state.service.settings.persist_dir / "uploads").iterdir()]
    assert stored_name.endswith("éé.txt") and len(stored_name.encode()) <= 200
    assert [d["source"] for d in client.get("/v1/documents").json()] == [stored_name]


def test_a_nul_in_a_name_is_400(loaded):
    for path in ("/v1/documents/%00", "/v1/documents/a%00b.txt"):
        assert_error(loaded.delete(path), 400, "contains a NUL character")


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("get", "/v1/search", "POST"),
        ("put", "/v1/documents", "GET, POST"),
        ("post", "/v1/stats", "GET"),
        ("put", "/v1/documents/notes/a.txt", "DELETE"),
        ("post", "/health", "GET"),
        ("patch", "/v1/embeddings", "POST"),
    ],
)
def test_every_405_names_the_methods_allowed(fake_env, method, path, allow):
    response = app_client().request(method.upper(), path)
    assert_error(response, 405, "Method Not Allowed")
    assert response.headers["allow"] == allow
