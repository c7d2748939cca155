"""Secrets in unusual places (a URL's password, `?key=`, a DSN's `password=`) are never shown: one `redact` for all."""

from __future__ import annotations

import pytest

from rag_app.providers.registry import redact

PASSWORD, QUERY_KEY = "Sup3rPW-71", "QueryKey-93"


@pytest.mark.parametrize(
    "text, shown",
    [
        ("http://u:PW123@host:8080/v1", "http://u:***@host:8080/v1"),
        ("https://TOKEN1234@github.com/x", "https://***@github.com/x"),
        ("cannot reach https://host/v1?key=abcdef&x=1: refused", "cannot reach https://host/v1?key=***&x=1: refused"),
        ("postgresql+psycopg://me:pw@db/x?password=hunter22", "postgresql+psycopg://me:***@db/x?password=***"),
        ("host=db password=secret1 user=x", "host=db password=*** user=x"),
        (
            "https://s3/x?X-Amz-Signature=abc&X-Amz-Credential=AK/1",
            "https://s3/x?X-Amz-Signature=***&X-Amz-Credential=***",
        ),
        # What is not a secret stays as it was.
        ("sqlite:////srv/rag/catalog.sqlite", "sqlite:////srv/rag/catalog.sqlite"),
        ("http://127.0.0.1:8000/v1/documents?k=3", "http://127.0.0.1:8000/v1/documents?k=3"),
        ("RAG_MAX_EMBED_CHARS=20 for a key player", "RAG_MAX_EMBED_CHARS=20 for a key player"),
        ("write to me@example.com", "write to me@example.com"),
    ],
)
def test_redact_hides_url_credentials_and_secret_parameters(text, shown):
    assert redact(text) == shown


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "RAG_POSTGRES_URL", "RAG_CATALOG_URL"])
def test_a_configured_urls_secrets_are_hidden_wherever_they_appear(monkeypatch, variable):
    monkeypatch.setenv(variable, f"http://user:{PASSWORD}@proxy:9/v1?key={QUERY_KEY}")
    assert redact(f"the proxy said: bad password {PASSWORD} and key {QUERY_KEY}") == (
        "the proxy said: bad password *** and key ***"
    )


def test_doctor_shows_no_url_credentials(fake_env, monkeypatch, run):
    monkeypatch.setenv("RAG_LLM", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{PASSWORD}@127.0.0.1:9/v1?key={QUERY_KEY}")
    monkeypatch.setenv("RAG_MAX_RETRIES", "0")
    result = run("doctor")
    shown = result.out + result.err
    assert "openai_base_url" in shown and "http://user:***@127.0.0.1:9/v1?key=***" in shown
    assert "cannot reach http://user:***@127.0.0.1:9/v1?key=***: check OPENAI_BASE_URL" in shown
    assert PASSWORD not in shown and QUERY_KEY not in shown and "sk-test" not in shown


def test_a_catalog_url_password_in_its_query_is_hidden(fake_env, monkeypatch, run):
    monkeypatch.setenv("RAG_CATALOG_URL", f"postgresql+psycopg://me:{PASSWORD}@127.0.0.1:9/db?password={QUERY_KEY}")
    result = run("stats")
    assert result.code == 1 and "RAG_CATALOG_URL=postgresql+psycopg://me:***@127.0.0.1:9/db?password=***" in result.err
    assert PASSWORD not in result.err + result.out and QUERY_KEY not in result.err + result.out


def test_http_errors_and_the_log_hide_url_credentials(fake_env, monkeypatch, caplog):
    from fastapi.testclient import TestClient

    from rag_app import RagService
    from rag_app.errors import ProviderError
    from rag_app.server.app import create_app

    client = TestClient(create_app(RagService()), base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    service = client.app.state.service
    leak = f"cannot reach http://user:{PASSWORD}@proxy/v1?api_key={QUERY_KEY}"
    monkeypatch.setattr(service, "embed", lambda texts: (_ for _ in ()).throw(ProviderError(leak)))
    monkeypatch.setattr(service, "stats", lambda: (_ for _ in ()).throw(RuntimeError(leak)))
    provider = client.post("/v1/embeddings", json={"input": "x"})
    assert provider.status_code == 503 and "http://user:***@proxy/v1?api_key=***" in provider.text
    assert client.get("/v1/stats").status_code == 500
    shown = provider.text + caplog.text
    assert "RuntimeError: cannot reach http://user:***@proxy" in caplog.text
    assert PASSWORD not in shown and QUERY_KEY not in shown
