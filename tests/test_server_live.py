"""`python -m rag_app serve` as a user runs it: refusals at start-up, and the official `openai` client over loopback."""

from __future__ import annotations

import os
import sys

import pytest

from rag_app.server.run import is_loopback
from tests.serving import start_server, stop_server

KEY = "rk-live-test-4d2f8e10"
MJ = "When was Michael Jordan born?"


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("myhost.example", False),
    ],
)
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_an_open_address_without_a_key_is_refused_in_one_line(fake_env, run):
    refused = run("serve", "--host", "0.0.0.0", "--port", "8123")
    assert refused.code == 2 and refused.out == ""
    assert refused.err.strip().splitlines() == [
        "error: refusing to listen on 0.0.0.0 without RAG_API_KEY: anyone who reaches it could read and change "
        "the store; set RAG_API_KEY, or listen on 127.0.0.1"
    ]
    bad_port = run("serve", "--port", "99999")
    assert bad_port.code == 2 and "is not a port number" in bad_port.err


def test_a_busy_port_is_one_line_and_exit_1_before_any_announcement(fake_env, run):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run("serve", "--port", str(port))
    assert busy.code == 1 and busy.out == ""
    assert busy.err.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port} (Address already in use): choose another --port"
    ]


@pytest.fixture
def served(fake_env, docs, run, monkeypatch):
    """A store with data/ in it, served on loopback with an API key."""
    assert run("ingest", str(docs)).code == 0
    monkeypatch.setenv("RAG_API_KEY", KEY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process, url, log = start_server(env, fake_env)
    yield url
    stop_server(process)
    assert KEY not in log.read_text()  # the key never reaches the server's log


def test_the_openai_client_chats_streams_and_embeds(served):
    import openai
    from langchain_core.embeddings import DeterministicFakeEmbedding

    client = openai.OpenAI(base_url=f"{served}/v1", api_key=KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["rag_app", "fake:256"]

    reply = client.chat.completions.create(model="rag_app", messages=[{"role": "user", "content": MJ}])
    content = reply.choices[0].message.content
    assert content.startswith("Michael Jordan was born on 17 February 1963.\n\nSources:\n1. ")
    sources = reply.model_extra["sources"]
    assert len(sources) == 5 and sources[0]["source"] in content  # the extra field, kept by the client

    pieces = [
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model="rag_app", messages=[{"role": "user", "content": MJ}], stream=True
        )
        if chunk.choices
    ]
    assert len(pieces) >= 3 and "".join(pieces) == content

    texts = ["Michael Jordan", "the Eiffel Tower"]
    vectors = [item.embedding for item in client.embeddings.create(model="rag_app", input=texts).data]
    expected = DeterministicFakeEmbedding(size=256).embed_documents(texts)
    assert len(vectors) == 2 and all(v == pytest.approx(e, rel=1e-6) for v, e in zip(vectors, expected))
    floats = client.embeddings.create(model="fake:256", input="x", encoding_format="float").data[0].embedding
    assert floats == pytest.approx(DeterministicFakeEmbedding(size=256).embed_query("x"), rel=1e-6)

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{served}/v1", api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.NotFoundError, match="unknown model 'gpt-4o'"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": MJ}])


def test_other_sites_and_rebound_names_are_refused_over_loopback(served):
    import httpx

    auth = {"Authorization": f"Bearer {KEY}"}
    port = served.rsplit(":", 1)[1]
    rebound = httpx.get(f"{served}/v1/documents", headers={**auth, "Host": f"evil.example:{port}"})
    assert rebound.status_code == 421 and rebound.json()["error"]["code"] == 421
    upload = {"files": [("files", ("planted.txt", b"From another site."))]}
    cross = httpx.post(f"{served}/v1/documents", headers={**auth, "Origin": "http://evil.example"}, **upload)
    assert cross.status_code == 403 and "cross-site request refused" in cross.json()["error"]["message"]
    listed = httpx.get(f"{served}/v1/documents", headers={**auth, "Origin": served}).json()
    assert "planted.txt" not in {d["source"] for d in listed} and len(listed) == 4
