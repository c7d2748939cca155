"""Encoding the next batch while the store writes: same vectors, nothing stored embedded again."""

from __future__ import annotations

import json
import threading

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from rag_app.ingestion.overlap import PrefetchingEmbeddings, lookahead


class Recording(Embeddings):
    """Fake vectors, recording each call's texts and thread; `fail` texts raise."""

    def __init__(self, fail: str | None = None) -> None:
        self.fake = DeterministicFakeEmbedding(size=8)
        self.calls: list[tuple[list[str], str]] = []
        self.fail = fail

    def embed_documents(self, texts):
        self.calls.append((list(texts), threading.current_thread().name))
        if self.fail in texts:
            raise ValueError(f"cannot embed {self.fail}")
        return self.fake.embed_documents(texts)

    def embed_query(self, text):
        return self.fake.embed_query(text)


def test_prefetched_vectors_come_from_the_background_thread():
    inner = Recording()
    embeddings = PrefetchingEmbeddings(inner)
    embeddings.prefetch(["a", "b"])
    embeddings.prefetch(["c"])
    assert embeddings.embed_documents(["a", "b"]) == inner.fake.embed_documents(["a", "b"])
    assert embeddings.embed_documents(["c"]) == inner.fake.embed_documents(["c"])
    assert inner.calls == [(["a", "b"], "rag-embed"), (["c"], "rag-embed")]


def test_texts_not_prefetched_are_embedded_at_once_and_stale_prefetches_dropped():
    inner = Recording()
    embeddings = PrefetchingEmbeddings(inner)
    embeddings.prefetch(["old"])
    embeddings.prefetch(["next"])
    # index() asks for something else (say the chunks turned out to be stored): embedded now.
    assert embeddings.embed_documents(["other"]) == inner.fake.embed_documents(["other"])
    assert (["other"], threading.current_thread().name) in inner.calls
    assert embeddings.embed_documents(["next"]) == inner.fake.embed_documents(["next"])  # recomputed, queue empty


def test_an_error_in_the_background_reaches_the_caller():
    embeddings = PrefetchingEmbeddings(Recording(fail="bad"))
    embeddings.prefetch(["fine", "bad"])
    with pytest.raises(ValueError, match="cannot embed bad"):
        embeddings.embed_documents(["fine", "bad"])


def test_lookahead_announces_each_item_before_the_previous_one_is_used():
    events: list[str] = []
    for item in lookahead(iter([1, 2, 3]), lambda n: events.append(f"next {n}")):
        events.append(f"use {item}")
    assert events == ["next 1", "next 2", "use 1", "next 3", "use 2", "use 3"]
    assert list(lookahead(iter([]), events.append)) == []


def test_ingest_embeds_each_new_chunk_once_in_the_background_and_nothing_on_reingest(fake_env, run, monkeypatch):
    embedded: list[tuple[int, str]] = []
    original = DeterministicFakeEmbedding.embed_documents

    def counted(self, texts):
        embedded.append((len(texts), threading.current_thread().name))
        return original(self, texts)

    monkeypatch.setattr(DeterministicFakeEmbedding, "embed_documents", counted)
    monkeypatch.setattr("rag_app.ingestion.pipeline.BATCH_CHUNKS", 100)
    (fake_env / "rows.jsonl").write_text(
        "".join(json.dumps({"id": str(n), "text": f"Row {n} holds {n * 2} apples."}) + "\n" for n in range(350))
    )
    assert "350 chunks added" in run("ingest", "rows.jsonl").out
    slices = [32, 32, 32, 4] * 3 + [32, 18]  # batches of 100, 100, 100, 50, encoded RAG_EMBEDDING_BATCH_SIZE at a time
    assert embedded == [(n, "rag-embed") for n in slices]
    embedded.clear()
    assert "350 already present" in run("ingest", "rows.jsonl").out
    assert embedded == []
    assert "Row 123 holds 246" in run("search", "Row 123 holds 246 apples", "--json").json()["results"][0]["text"]
