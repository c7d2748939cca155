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
    from rag_app.stores import batched

    if request.param == "deeplake":
        from rag_app.stores.deeplake import DeepLakeVectorStore as Store

        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    else:
        from langchain_chroma import Chroma as Store
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
    monkeypatch.setattr(batched, "batch_limit", lambda store: 40)
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
