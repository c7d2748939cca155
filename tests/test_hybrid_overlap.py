"""The hybrid retriever's keyword search overlaps the query's embedding and vector search."""

from __future__ import annotations

import threading

from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding

from rag_app.retrieval.keyword_index import KeywordIndex
from rag_app.retrieval.retrievers import HybridRetriever


def test_the_keyword_side_runs_while_the_query_is_embedded(tmp_path):
    searched = threading.Event()
    docs = [Document(page_content=t, id=str(n)) for n, t in enumerate(["red apples", "green pears", "blue sky"])]

    class Keywords(KeywordIndex):
        def search(self, query, k, filter=None):
            found = super().search(query, k, filter)
            searched.set()
            return found

    class Embeddings(DeterministicFakeEmbedding):
        def embed_query(self, text):
            assert searched.wait(10), "the keyword search waited for the query's embedding"
            return super().embed_query(text)

    class Store:  # the two reads the retriever makes of a store
        embeddings = Embeddings(size=16)

        def search_by_vector(self, vector, k, filter=None):
            return [(docs[2], 0.5)]

        def stored_vectors(self, ids):
            return {key: self.embeddings.embed_documents([docs[int(key)].page_content])[0] for key in ids}

    keywords = Keywords(tmp_path / "keywords.sqlite")
    keywords.add(docs)
    found = HybridRetriever.model_construct(vectorstore=Store(), keywords=keywords, k=2, fetch_k=20, filter=None)
    assert [doc.id for doc in found.invoke("green pears")][:1] == ["1"]
