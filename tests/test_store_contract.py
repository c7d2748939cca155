"""rag_app's own store conformance tests, run against every backend (LangChain's standard suite is
in test_store_conformance.py)."""

from __future__ import annotations

import itertools

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding

_names = itertools.count()
BACKENDS = ["chroma", "deeplake"]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """An empty store of each backend, with 16-dimensional fake embeddings."""
    embeddings = DeterministicFakeEmbedding(size=16)
    if request.param == "deeplake":
        from rag_app.stores.deeplake import DeepLakeVectorStore

        return DeepLakeVectorStore(str(tmp_path / "lake"), embeddings)
    from rag_app.config import Settings
    from rag_app.stores.chroma import open_chroma

    settings = Settings.from_env({"RAG_PERSIST_DIR": str(tmp_path), "RAG_COLLECTION": f"contract-{next(_names)}"})
    return open_chroma(settings, embeddings)


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
