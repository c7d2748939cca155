"""The same ingest -> ask scenario on every store, switched only by env vars."""

import pytest

from tests.conftest import DATA

STORES = ["chroma", "chroma-server", "deeplake-folder", "deeplake-mem"]


@pytest.fixture(params=STORES)
def store_env(request, fake_env, monkeypatch):
    name = request.param
    if name == "chroma-server":
        host, port = request.getfixturevalue("chroma_server")
        monkeypatch.setenv("RAG_CHROMA_HOST", host)
        monkeypatch.setenv("RAG_CHROMA_PORT", str(port))
        monkeypatch.setenv("RAG_COLLECTION", f"scenario-{fake_env.name}")
    elif name == "deeplake-folder":
        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    elif name == "deeplake-mem":
        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", f"mem://scenario-{fake_env.name}")
    return name


def test_ingest_ask_and_reingest_on_every_store(store_env, docs, run):
    first = run("ingest", str(docs))
    assert first.code == 0, first.err
    assert "5 chunks added, 0 updated, 0 already present" in first.out
    assert "into " + ("deeplake" if store_env.startswith("deeplake") else "chroma") in first.err

    again = run("ingest", str(docs))
    assert "0 chunks added, 0 updated, 5 already present, 0 removed" in again.out

    asked = run("ask", "When was Michael Jordan born?", "--json").json()
    assert asked["answer"] == "Michael Jordan was born on 17 February 1963."
    assert len(asked["sources"]) == 5

    results = run("search", "Napoleon", "--k", "5", "--json").json()["results"]
    assert sorted(r["source"] for r in results) == sorted(
        ["coffee.html", "famous_birthdays.txt", "landmarks.pdf", "landmarks.pdf", "solar_system.md"]
    )
    assert all(-1.0 <= r["score"] <= 1.0 for r in results)

    (docs / "coffee.html").unlink()
    (docs / "solar_system.md").write_text("Mars is the fourth planet from the Sun.")
    changed = run("ingest", str(docs))
    assert (
        "1 file read, 2 unchanged, 0 skipped, 0 chunks added, 1 updated, 3 already present, 2 removed" in changed.out
    ), changed.out
    results = run("search", "planet", "--k", "4", "--json").json()["results"]
    texts = [r["text"] for r in results]
    assert "Mars is the fourth planet from the Sun." in texts
    assert not any("Constantinople" in t or "Jupiter" in t for t in texts)
    info = run("stats", "--json").json()
    assert (info["chunks"], info["sources"]) == (4, 3)


def test_real_model_on_deeplake(workdir, monkeypatch, run):
    monkeypatch.setenv("DEEPLAKE_DATASET_PATH", str(workdir / "lake"))
    assert run("ingest", str(DATA)).code == 0
    asked = run("ask", "When was Lady Gaga born?", "--json").json()
    assert "28 March 1986" in asked["answer"]
    assert asked["sources"][0]["source"] == "famous_birthdays.txt"
    info = run("stats", "--json").json()
    assert info["store"] == "deeplake" and info["location"] == str(workdir / "lake") and info["dimension"] == 384


def test_unreachable_chroma_server_names_host_and_port(fake_env, docs, run, monkeypatch):
    from tests.conftest import free_port

    port = free_port()
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", str(port))
    result = run("ingest", str(docs))
    assert result.code == 1
    assert f"cannot reach the Chroma server at 127.0.0.1:{port}" in result.err
    assert result.err.count("\n") == 2  # the "ingesting ..." line, then the error


@pytest.mark.parametrize("path", ["hub://someone/docs", "al://someone/docs"])
def test_cloud_deeplake_without_token_fails_before_work(fake_env, docs, run, monkeypatch, path):
    monkeypatch.setenv("DEEPLAKE_DATASET_PATH", path)
    result = run("ingest", str(docs))
    assert result.code == 2
    assert f"DEEPLAKE_DATASET_PATH={path} needs ACTIVELOOP_TOKEN" in result.err
    assert "chunks" not in result.out


def test_deeplake_filters_escape_values(tmp_path):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.stores.deeplake import DeepLakeVectorStore

    store = DeepLakeVectorStore(str(tmp_path / "lake"), DeterministicFakeEmbedding(size=8))
    store.add_texts(
        ["a", "b", "c"], [{"source": "it's"}, {"source": "x' OR '1'=='1"}, {"source": "plain"}], ids=["1", "2", "3"]
    )
    assert [d.id for d in store.similarity_search("a", k=3, filter={"source": "it's"})] == ["1"]
    assert store.similarity_search("a", k=3, filter={"source": "nothing' OR 'a'=='a"}) == []
    assert {d.id for d in store.similarity_search("a", k=3, filter={"source": {"$in": ["plain", "it's"]}})} == {
        "1",
        "3",
    }
    with pytest.raises(ValueError, match="unsupported metadata key"):
        store.similarity_search("a", filter={"source'] == 'x": "y"})
    store.delete(["2", "missing"])
    assert [d.id for d in store.get_by_ids(["3", "2", "1"])] == ["3", "1"]
    assert len(store.max_marginal_relevance_search("a", k=2, fetch_k=3)) == 2


def _plan(store) -> str:
    """How Deep Lake would run the store's similarity query: "Seq Scan" (exact) or "Index Scan"."""
    vector = ", ".join("0.5" for _ in range(8))
    return str(
        store._ds.explain_query(f"SELECT id ORDER BY COSINE_SIMILARITY(embedding, ARRAY[{vector}]) DESC LIMIT 4")
    )


def test_deeplake_searches_scan_exactly_with_no_index_of_its_own(tmp_path):
    """Deep Lake declares a clustered index on each Embedding column and builds it by itself past
    about 800k rows (4 GB during the ingest, recall@10 0.24 after): the store drops it."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.stores.deeplake import DeepLakeVectorStore

    store = DeepLakeVectorStore(str(tmp_path / "lake"), DeterministicFakeEmbedding(size=8))
    store.add_texts(["a", "b"], ids=["1", "2"])
    assert list(store._ds["embedding"].indexes) == []
    assert _plan(store).startswith("Seq Scan")


def test_deeplake_index_built_by_an_earlier_version_goes_at_the_next_write(tmp_path):
    import deeplake
    from deeplake import types
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.stores.deeplake import DeepLakeVectorStore

    embeddings = DeterministicFakeEmbedding(size=8)
    ds = deeplake.create(str(tmp_path / "lake"))  # the schema as rag_app made it before
    for name, kind in (("id", types.Text()), ("text", types.Text()), ("metadata", types.Dict())):
        ds.add_column(name, kind)
    ds.add_column("embedding", types.Embedding(8))
    ds.indexing_mode = deeplake.IndexingMode.Always  # builds now what Deep Lake builds by itself past ~800k rows
    texts = [f"text {n}" for n in range(50)]
    ds.append(
        {"id": texts, "text": texts, "metadata": [{} for _ in texts], "embedding": embeddings.embed_documents(texts)}
    )
    ds.commit()
    store = DeepLakeVectorStore(str(tmp_path / "lake"), embeddings)
    assert _plan(store).startswith("Index Scan")

    store.add_texts(["one more"], ids=["x"])
    assert _plan(store).startswith("Seq Scan")
    assert DeepLakeVectorStore(str(tmp_path / "lake"), embeddings).similarity_search("text 7", k=1)[0].id == "text 7"


def test_deeplake_unfiltered_search_is_the_exact_top_k_and_follows_writes(tmp_path):
    import numpy as np
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.stores.deeplake import DeepLakeVectorStore

    embeddings = DeterministicFakeEmbedding(size=16)
    store = DeepLakeVectorStore(str(tmp_path / "lake"), embeddings)
    texts = [f"chunk {n}" for n in range(300)]
    store.add_texts(texts, [{"n": n} for n in range(300)], ids=texts)
    matrix = np.asarray(embeddings.embed_documents(texts))
    query = np.asarray(embeddings.embed_query("a question"))
    cosines = matrix @ query / np.linalg.norm(matrix, axis=1) / np.linalg.norm(query)
    found = store.similarity_search_with_score("a question", k=7)
    assert [d.id for d, _ in found] == [texts[i] for i in np.argsort(-cosines)[:7]]
    assert [round(s, 5) for _, s in found] == [round(float(c), 5) for c in np.sort(cosines)[::-1][:7]]
    assert found[0][0].metadata == {"n": int(np.argmax(cosines))}
    # the same rows as TQL's scan, which a filter takes
    best = texts[int(np.argmax(cosines))]
    assert store.similarity_search("a question", k=1, filter={"n": int(np.argmax(cosines))})[0].id == best

    store.add_texts(["a question"], ids=["new"])  # identical to the query: first after the write
    assert store.similarity_search("a question", k=1)[0].id == "new"
    store.delete(["new", best])
    assert [d.id for d in store.similarity_search("a question", k=2)] == [texts[i] for i in np.argsort(-cosines)[1:3]]
    stored = store.stored_vectors(["chunk 3", "missing"])
    assert list(stored) == ["chunk 3"] and stored["chunk 3"] == pytest.approx(list(matrix[3]), abs=1e-6)
