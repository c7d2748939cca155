"""rag_app's own store conformance tests, run against every backend (LangChain's standard suite is
in test_store_conformance.py)."""

from __future__ import annotations

import itertools

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding

_names = itertools.count()
BACKENDS = ["chroma", "deeplake", "postgres"]


@pytest.fixture(params=BACKENDS)
def opener(request, tmp_path):
    """Opens one store of each backend (empty at first), with 16-dimensional fake embeddings."""
    embeddings = DeterministicFakeEmbedding(size=16)
    name = f"contract-{next(_names)}"
    if request.param == "deeplake":
        from rag_app.stores.deeplake import DeepLakeVectorStore

        return lambda: DeepLakeVectorStore(str(tmp_path / "lake"), embeddings)
    if request.param == "postgres":
        from rag_app.stores.postgres import PostgresStore

        url = request.getfixturevalue("pgvector_url")
        return lambda: PostgresStore(url, name, embeddings)
    from rag_app.config import Settings
    from rag_app.stores.chroma import open_store

    settings = Settings.from_env({"RAG_PERSIST_DIR": str(tmp_path), "RAG_COLLECTION": name})
    return lambda: open_store(settings, embeddings)


@pytest.fixture
def store(opener):
    return opener()


def _docs(*pairs: tuple[str, str]) -> list[Document]:
    return [Document(page_content=text, metadata={"source": f"{key}.txt"}, id=key) for key, text in pairs]


def test_an_overwrite_keeps_every_row_findable_and_deletable(store):
    store.add_documents(_docs(("a", "alpha"), ("b", "beta"), ("c", "gamma")))
    store.add_documents(_docs(("b", "beta, rewritten")))  # replaces an existing id (crash-recovery re-adds do)
    found = {doc.id: doc.page_content for doc in store.get_by_ids(["a", "b", "c"])}
    assert found == {"a": "alpha", "b": "beta, rewritten", "c": "gamma"}
    store.delete(["a", "c"])
    assert [doc.id for doc in store.get_by_ids(["a", "b", "c"])] == ["b"]
    assert {doc.id for doc in store.similarity_search("alpha", k=5)} == {"b"}


def test_overwrites_and_deletes_in_turn(store):
    store.add_documents(_docs(*((str(n), f"text {n}") for n in range(6))))
    store.add_documents(_docs(("1", "one"), ("4", "four")))
    store.delete(["0"])
    store.add_documents(_docs(("5", "five"), ("6", "six")))
    store.delete(["1", "6"])
    assert {doc.id: doc.page_content for doc in store.get_by_ids([str(n) for n in range(7)])} == {
        "2": "text 2",
        "3": "text 3",
        "4": "four",
        "5": "five",
    }


def test_the_contract_reads_agree_on_every_backend(opener):
    from rag_app.stores.contract import StoreBackend

    store = opener()
    assert isinstance(store, StoreBackend)
    assert store.batch_limit >= 1
    assert (store.count(), store.get_by_ids(["a"]), store.stored_vectors(["a"])) == (0, [], {})
    docs = _docs(("a", "alpha"), ("b", "beta"), ("c", "gamma"))
    docs[2].metadata["page"] = 3
    store.add_documents(docs)
    first = store.identity()
    assert first and store.count() == 3

    vector = store.embeddings.embed_query("beta")
    found = store.search_by_vector(vector, 3)
    assert found[0][0].id == "b" and found[0][1] == pytest.approx(1.0, abs=1e-5)  # the cosine of itself
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)
    assert [d.id for d, _ in store.search_by_vector(vector, 3, {"source": "c.txt"})] == ["c"]
    assert [d.id for d, _ in store.search_by_vector(vector, 3, {"page": 3})] == ["c"]
    assert {d.id for d, _ in store.search_by_vector(vector, 3, {"source": {"$in": ["a.txt", "c.txt"]}})} == {"a", "c"}
    assert store.search_by_vector(vector, 3, {"source": "c.txt", "page": 4}) == []

    stored = store.stored_vectors(["b", "missing"])
    assert list(stored) == ["b"] and stored["b"] == pytest.approx(vector, abs=1e-5)
    sample = store.sample(2, seed=1)
    assert sample.total == 3 and len(sample.ids) == 2 and sample.vectors.shape == (2, 16)
    assert store.sample(2, seed=1).ids == sample.ids  # repeatable

    store.delete_collection()
    store = opener()
    assert store.count() == 0
    store.add_documents(_docs(("a", "alpha")))
    assert store.identity() not in ("", first)  # a store made again is another store
