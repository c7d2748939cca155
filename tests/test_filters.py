"""`--source GLOB` and `--where key=value` on every store: evaluated in the store and in the keyword index."""

from __future__ import annotations

import pytest

STORES = ["chroma", "deeplake", "postgres"]


@pytest.fixture(params=STORES)
def store_env(request, fake_env, monkeypatch):
    if request.param == "deeplake":
        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    elif request.param == "postgres":
        monkeypatch.setenv("RAG_VECTOR_STORE", "postgres")
        monkeypatch.setenv("RAG_POSTGRES_URL", request.getfixturevalue("pgvector_url"))
    return request.param


def _sources(result) -> list[str]:
    assert result.code == 0, result.err
    return [r["source"] for r in result.json()["results"]]


def test_filters_on_every_store(store_env, docs, run):
    assert run("ingest", str(docs)).code == 0
    everything = _sources(run("search", "Napoleon born", "--k", "5", "--json"))
    assert len(set(everything)) > 1
    assert set(_sources(run("search", "Napoleon born", "--k", "5", "--json", "--source", "*.pdf"))) == {"landmarks.pdf"}
    both = _sources(run("search", "Napoleon", "--k", "5", "--json", "--source", "*.md", "--source", "coffee.*"))
    assert set(both) == {"solar_system.md", "coffee.html"}
    # the keyword side honours the filter too: "Napoleon" is only in famous_birthdays.txt
    assert "famous_birthdays.txt" not in both
    assert _sources(run("search", "Napoleon", "--json", "--source", "no-such-file*")) == []
    assert set(_sources(run("search", "tower", "--json", "--where", "page=1"))) == {"landmarks.pdf"}
    assert _sources(run("search", "tower", "--json", "--where", "page=99")) == []
    asked = run("ask", "When was Napoleon born?", "--json", "--source", "*.txt").json()
    assert {s["source"] for s in asked["sources"]} == {"famous_birthdays.txt"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "page"], "--where takes a metadata name, '=' and a value (page=3), not 'page'"),
        (["--where", "pa ge=1"], "a metadata key is a plain name"),
        (["--source", ""], "--source takes a glob"),
    ],
)
def test_a_bad_filter_is_one_line(fake_env, docs, run, args, message):
    assert run("ingest", str(docs)).code == 0
    result = run("search", "x", *args)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1, result.err


def test_filters_over_http(fake_env, docs):
    from fastapi.testclient import TestClient

    from rag_app import RagService
    from rag_app.server.app import create_app

    RagService().ingest([docs])
    app = create_app(RagService(), "127.0.0.1", 8000)
    client = TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    found = client.post("/v1/search", json={"query": "Napoleon", "k": 5, "filter": {"source": ["*.md"]}})
    assert found.status_code == 200, found.text
    assert {r["source"] for r in found.json()["results"]} == {"solar_system.md"}
    asked = client.post("/v1/ask", json={"question": "Which tower?", "filter": {"where": {"page": 1}}})
    assert asked.status_code == 200 and {s["source"] for s in asked.json()["sources"]} == {"landmarks.pdf"}
    bad = client.post("/v1/search", json={"query": "x", "filter": {"where": {"a b": 1}}})
    assert bad.status_code == 422 and "filter.where" in bad.text  # the schema names the field
    empty = client.post("/v1/search", json={"query": "x", "filter": {"source": [""]}})
    assert empty.status_code == 400 and "filter.source" in empty.text


async def test_filters_through_mcp(fake_env, docs, workdir):
    from rag_app import RagService
    from tests.test_mcp import stdio_client

    RagService().ingest([docs])
    with open(workdir / "server.err", "w+") as errlog:
        async with stdio_client(fake_env, errlog) as client:
            found = await client.call_tool("search", {"query": "Napoleon", "k": 5, "filter": {"source": ["*.pdf"]}})
            assert {r["source"] for r in found.structured_content["results"]} == {"landmarks.pdf"}
            asked = await client.call_tool("ask", {"question": "Napoleon?", "filter": {"source": ["famous*"]}})
            assert {s["source"] for s in asked.structured_content["sources"]} == {"famous_birthdays.txt"}
