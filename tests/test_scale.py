"""Sizes past a store's limits: batch limits, SQLite's variable limit, files longer than a batch."""

from __future__ import annotations

import json

import pytest


def _jsonl(path, lines: int, word: str = "item") -> None:
    path.write_text(
        "".join(
            json.dumps({"id": f"r{n}", "text": f"The {word} {n} is worth {n * 3} coins."}) + "\n" for n in range(lines)
        )
    )


@pytest.fixture(params=["chroma", "deeplake"])
def limited_store(request, fake_env, monkeypatch):
    """A store whose batch limit is 40, which fails any call with more; records the largest call."""
    if request.param == "deeplake":
        from rag_app.stores.deeplake import DeepLakeVectorStore as Store

        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    else:
        from rag_app.stores.chroma import ChromaStore as Store
    calls: list[int] = []
    original_add, original_delete = Store.add_texts, Store.delete

    def add_texts(self, texts, metadatas=None, **kwargs):
        texts = list(texts)
        calls.append(len(texts))
        assert len(texts) <= 40, f"{len(texts)} chunks in one call"
        return original_add(self, texts, metadatas, **kwargs)

    def delete(self, ids=None, **kwargs):
        calls.append(len(ids or []))
        assert len(ids or []) <= 40, f"{len(ids)} ids in one call"
        return original_delete(self, ids, **kwargs)

    monkeypatch.setattr(Store, "add_texts", add_texts)
    monkeypatch.setattr(Store, "delete", delete)
    monkeypatch.setattr(Store, "batch_limit", 40)
    # Batches of index() smaller than the file too, so one file spans several of them.
    monkeypatch.setattr("rag_app.ingestion.pipeline.BATCH_CHUNKS", 100)
    return calls


def test_one_file_larger_than_the_store_batch_limit(limited_store, run, fake_env):
    _jsonl(fake_env / "big.jsonl", 250)
    first = run("ingest", "big.jsonl")
    assert first.code == 0, first.err
    assert "250 chunks added, 0 updated, 0 already present, 0 removed" in first.out
    assert max(limited_store) == 40

    again = run("ingest", "big.jsonl")
    assert "0 chunks added, 0 updated, 250 already present, 0 removed" in again.out

    _jsonl(fake_env / "big.jsonl", 250, word="thing")
    changed = run("ingest", "big.jsonl")
    assert "0 chunks added, 250 updated, 0 already present, 250 removed" in changed.out, changed.out
    assert run("stats", "--json").json()["chunks"] == 250
    results = run("search", "thing 17", "--k", "3", "--json").json()["results"]
    assert all("thing" in r["text"] for r in results)

    removed = run("delete", "big.jsonl")
    assert "removed 250 chunks" in removed.out
    assert run("stats", "--json").json()["chunks"] == 0


def _index_state():
    """(keyword index ids, catalog keys, store ids) of the configured store."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app import stores
    from rag_app.config import Settings
    from rag_app.retrieval.keyword_index import keyword_index

    settings = Settings.from_env()
    catalog = stores.catalog(settings)
    index = keyword_index(catalog)
    indexed = {key for (key,) in index.db.execute("SELECT id FROM chunks")}
    index.close()
    store = stores.open_vectorstore(settings, DeterministicFakeEmbedding(size=256))
    keys = set(catalog.keys())
    in_store = {d.id for d in store.get_by_ids(sorted(indexed | keys))} if indexed | keys else set()
    return indexed, keys, in_store


def _keyword_texts(query: str) -> list[str]:
    from rag_app import stores
    from rag_app.config import Settings
    from rag_app.retrieval.keyword_index import keyword_index

    index = keyword_index(stores.catalog(Settings.from_env()))
    try:
        return [doc.page_content for doc, _ in index.search(query, 50)]
    finally:
        index.close()


@pytest.mark.parametrize("store", ["chroma", "deeplake"])
def test_keyword_index_stays_exact_after_update_delete_and_reset(store, fake_env, docs, run, monkeypatch):
    if store == "deeplake":
        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    run("ingest", str(docs))
    indexed, keys, in_store = _index_state()
    assert indexed == keys == in_store and len(keys) == 5
    assert any("Jupiter" in t for t in _keyword_texts("jupiter"))

    (docs / "solar_system.md").write_text("Mars is the fourth planet from the Sun.")
    run("ingest", str(docs))
    indexed, keys, in_store = _index_state()
    assert indexed == keys == in_store
    assert _keyword_texts("jupiter") == [] and _keyword_texts("fourth") == ["Mars is the fourth planet from the Sun."]

    run("delete", "solar_system.md")
    indexed, keys, _ = _index_state()
    assert indexed == keys and len(keys) == 4 and _keyword_texts("fourth") == []

    run("reset", "--yes")
    assert _index_state() == (set(), set(), set())
    assert "5 chunks added" in run("ingest", str(docs)).out
    indexed, keys, in_store = _index_state()
    assert indexed == keys == in_store and len(keys) == 5


def test_a_store_from_before_the_keyword_index_gets_one_at_first_search(fake_env, docs, run):
    from rag_app import stores
    from rag_app.config import Settings
    from rag_app.retrieval.keyword_index import keyword_index

    run("ingest", str(docs))
    keyword_index(stores.catalog(Settings.from_env())).path.unlink()
    results = run("search", "Jupiter", "--json").json()["results"]
    assert "Jupiter" in results[0]["text"]
    indexed, keys, _ = _index_state()
    assert indexed == keys and len(keys) == 5


def test_more_chunks_than_sqlite_variables_searched_with_the_default_retriever(fake_env, run, monkeypatch):
    """SQLite refuses statements with more than 32,766 variables: nothing may read every chunk."""
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "8")
    _jsonl(fake_env / "many.jsonl", 33_000)
    assert "33000 chunks added" in run("ingest", "many.jsonl").out
    results = run("search", "item 32999 worth", "--k", "3", "--json").json()["results"]
    assert len(results) == 3
    assert _keyword_texts("item 32999")[0] == "The item 32999 is worth 98997 coins."
    assert run("ask", "What is item 12345 worth?").code == 0
